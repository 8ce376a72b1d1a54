"""OAuth 2.0 and JWT Auth settings: the choices the forms offer and a connector's values."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from connectors import secrets
from connectors.models import Connector

GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_PASSWORD = "password"
GRANT_REFRESH_TOKEN = "refresh_token"
GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_CUSTOM = "custom"
GRANT_CHOICES = [
    (GRANT_CLIENT_CREDENTIALS, "Client Credentials"),
    (GRANT_PASSWORD, "Password"),
    (GRANT_REFRESH_TOKEN, "Refresh Token"),
    (GRANT_AUTHORIZATION_CODE, "Authorization Code"),
    (GRANT_JWT_BEARER, "JWT Bearer"),
    (GRANT_CUSTOM, "Custom"),
]

CLIENT_AUTH_BODY = "REQUEST_BODY"
CLIENT_AUTH_BASIC = "BASIC_AUTH_HEADER"
CLIENT_AUTH_EITHER = ""  # as Agent Studio: try the Basic header, then the request body
CLIENT_AUTH_CHOICES = [
    (CLIENT_AUTH_EITHER, "Blank: try Basic Auth Header, then Request Body"),
    (CLIENT_AUTH_BODY, "Request Body"),
    (CLIENT_AUTH_BASIC, "Basic Auth Header"),
]

EXPIRES_UNITS = {"seconds": 1.0, "milliseconds": 0.001, "minutes": 60.0}
JWT_ALGORITHMS = ["RS256", "ES256"]
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

OAUTH2_SECRET_FIELDS = (
    "client_secret",
    "password_grant_password",
    "refresh_token_grant_refresh_token",
    "jwt_bearer_assertion",
)
JWT_SECRET_FIELDS = ("private_key",)
# The auth_secrets entry the broker owns (a refresh token it was given), not a form field.
OBTAINED_REFRESH_TOKEN = "oauth_refresh_token"


def secret(connector: Connector, name: str) -> str:
    """A secret field decrypted, with a {{NAME}} reference resolved ("" when not set)."""
    stored = connector.auth_secrets.get(name)
    if not stored:
        return ""
    return secrets.resolve(secrets.unseal(stored["sealed"], owner=f"connector {connector.name}"))


def uses_broker(connector: Connector) -> bool:
    """True when the connector's Test needs an access token from a token endpoint."""
    if connector.auth_config == Connector.AuthConfig.OAUTH2:
        return True
    return connector.auth_config == Connector.AuthConfig.JWT and bool(
        connector.setting("access_token_request_url")
    )


def is_authorization_code(connector: Connector) -> bool:
    return (
        connector.auth_config == Connector.AuthConfig.OAUTH2
        and connector.setting("oauth2_grant_type") == GRANT_AUTHORIZATION_CODE
    )


def fingerprint(connector: Connector) -> str:
    """Changes whenever the auth settings or a secret change, so old tokens stop counting."""
    sealed = {
        name: stored.get("sealed")
        for name, stored in connector.auth_secrets.items()
        if name != OBTAINED_REFRESH_TOKEN
    }
    data: dict[str, Any] = {
        "type": connector.auth_config,
        "settings": connector.auth_settings,
        "variables": connector.variables,  # they may change the token URL or the Client ID
        "secrets": sealed,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]
