"""OAuth 2.0 and JWT Auth: token requests, the token broker, the Authorization Code flow.

    config      grant types and choices; a connector's settings and its configuration fingerprint
    client      one token request through the outbound door; AuthFailed
    grants      the request each grant type makes
    assertion   JWT Auth's signed JWT (PyJWT)
    broker      the cached, locked, refreshed access token per connector; token state
    flow        Authorization Code with state and PKCE
    views       Generate New Access Token, the callback, Clear token

The strategies that use these (OAuth2Auth, JwtAuth) live with the others in connectors/auth.py.
"""
