"""The token request each grant type makes (RFC 6749, RFC 7523, RFC 7636)."""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables

from connectors.engine.oauth import assertion
from connectors.engine.oauth.client import AuthFailed, Client, Token, request_token
from connectors.engine.oauth.config import CLIENT_ASSERTION_TYPE, secret
from connectors.engine.oauth.urls import auth_url, plain_setting
from connectors.kinds import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_CUSTOM,
    GRANT_JWT_BEARER,
    GRANT_PASSWORD,
    GRANT_REFRESH_TOKEN,
)
from connectors.models import Connector

NO_TOKEN_YET = (
    "Authorization failed: there is no access token yet. Press Generate New Access Token in "
    "the Test panel to sign in and consent; later Tests refresh it by themselves. "
    "The API was not called."
)


def _client(connector: Connector) -> Client:
    return Client(
        client_id=plain_setting(connector, "client_id"),
        client_secret=secret(connector, "client_secret"),
        method=connector.setting("oauth2_client_authentication"),
    )


def _with_additional_data(connector: Connector, fields: list[tuple[str, str]]) -> list:
    """Additional Request Data: a key already there is replaced (Zoom's grant_type)."""
    extra = {row["key"]: row["value"] for row in connector.setting("additional_request_data", [])}
    kept = [(k, extra.pop(k)) if k in extra else (k, v) for k, v in fields]
    return kept + list(extra.items())


def _headers(connector: Connector) -> list[tuple[str, str]]:
    return [(row["key"], row["value"]) for row in connector.setting("additional_headers", [])]


def _scope(connector: Connector) -> list[tuple[str, str]]:
    scope = connector.setting("scope")
    return [("scope", scope)] if scope else []


@sensitive_variables("fields", "hide", "password", "token")
def _oauth2(connector: Connector, fields: list[tuple[str, str]], hide: list[str]) -> Token:
    return request_token(
        connector,
        auth_url(connector, "oauth2_token_url"),
        _with_additional_data(connector, fields),
        client=_client(connector),
        headers=_headers(connector),
        hide=hide,
    )


# The secret each grant cannot do without: missing (never set, or cleared when a host moved),
# the token request is not made, so a token endpoint never answers for a client that is not ours.
REQUIRED_SECRET = {
    GRANT_CLIENT_CREDENTIALS: ("client_secret", "Client Secret"),
    GRANT_PASSWORD: ("password_grant_password", "Password Grant Password"),
    GRANT_REFRESH_TOKEN: ("refresh_token_grant_refresh_token", "Refresh Token Grant Refresh Token"),
    GRANT_JWT_BEARER: ("jwt_bearer_assertion", "JWT Bearer Assertion"),
}


def _require_secret(connector: Connector, grant: str) -> None:
    if grant not in REQUIRED_SECRET:
        return
    name, label = REQUIRED_SECRET[grant]
    if not connector.auth_secrets.get(name):
        raise AuthFailed(
            f"Authorization failed: the {label} of connector {connector.name} is not set: "
            "enter it on the connector (a secret is cleared when the host it was entered for "
            "changes). Nothing was sent."
        )


@sensitive_variables("password", "token", "signed")
def primary(connector: Connector) -> Token:
    """A new token the way the connector's grant type gets one."""
    if connector.auth_config == Connector.AuthConfig.JWT:
        if not connector.auth_secrets.get("private_key"):
            raise AuthFailed(
                f"Authorization failed: the Private Key of connector {connector.name} is not "
                "set: enter it on the connector. Nothing was sent."
            )
        return _jwt_exchange(connector)
    grant = connector.setting("oauth2_grant_type") or GRANT_CLIENT_CREDENTIALS
    if grant == GRANT_AUTHORIZATION_CODE:
        raise AuthFailed(NO_TOKEN_YET)
    _require_secret(connector, grant)
    if grant == GRANT_PASSWORD:
        password = secret(connector, "password_grant_password")
        fields = [
            ("grant_type", GRANT_PASSWORD),
            ("username", plain_setting(connector, "password_grant_username")),
            ("password", password),
        ]
        return _oauth2(connector, fields + _scope(connector), [password])
    if grant == GRANT_REFRESH_TOKEN:
        token = secret(connector, "refresh_token_grant_refresh_token")
        fields = [("grant_type", GRANT_REFRESH_TOKEN), ("refresh_token", token)]
        return _oauth2(connector, fields + _scope(connector), [token])
    if grant == GRANT_JWT_BEARER:
        signed = secret(connector, "jwt_bearer_assertion")
        fields = [("grant_type", GRANT_JWT_BEARER), ("assertion", signed)]
        return _oauth2(connector, fields + _scope(connector), [signed])
    if grant == GRANT_CUSTOM:
        grant = connector.setting("oauth2_custom_grant_type")
    return _oauth2(connector, [("grant_type", grant), *_scope(connector)], [])


@sensitive_variables("refresh_token")
def refresh(connector: Connector, refresh_token: str) -> Token:
    """RFC 6749 section 6: the same scope as first granted, so none is sent."""
    fields = [("grant_type", GRANT_REFRESH_TOKEN), ("refresh_token", refresh_token)]
    return _oauth2(connector, fields, [refresh_token])


@sensitive_variables("code", "verifier")
def exchange_code(connector: Connector, code: str, verifier: str, redirect_uri: str) -> Token:
    """The Authorization Code's last step, with the PKCE verifier."""
    fields = [
        ("grant_type", GRANT_AUTHORIZATION_CODE),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ]
    return _oauth2(connector, fields, [code, verifier])


@sensitive_variables("signed")
def _jwt_exchange(connector: Connector) -> Token:
    """JWT Auth with an Access Token Request URL: the signed JWT is traded for a token."""
    try:
        signed = assertion.sign(connector)
    except assertion.InvalidKey as error:
        raise AuthFailed(f"Authorization failed: {error} The API was not called.") from None
    key = connector.setting("assertion_key") or "assertion"
    fields = [("grant_type", connector.setting("jwt_grant_type") or GRANT_JWT_BEARER)]
    if key == "client_assertion":  # RFC 7523 section 2.2 names the assertion's type
        fields.append(("client_assertion_type", CLIENT_ASSERTION_TYPE))
    fields += [(key, signed), *_scope(connector)]
    return request_token(
        connector,
        auth_url(connector, "access_token_request_url"),
        fields,
        client=Client(),
        hide=[signed],
    )
