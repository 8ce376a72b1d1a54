"""One strategy per Auth Config type: what a connector's auth adds to a request.

Adding a type is one class here (registered in STRATEGIES) and one form in forms.py.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from connectors import secrets
from connectors.models import Connector

HEADER_AUTH = "HEADER"
PARAM_AUTH = "PARAM"


@dataclass
class AuthParts:
    """Headers and query params the auth adds, and the secret values they carry."""

    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    secret_values: list[str] = field(default_factory=list)
    # Placeholders for "Copy as cURL": header or param name -> shell variable name.
    placeholders: dict[str, str] = field(default_factory=dict)

    def placeholders_for(self, items: dict[str, str]) -> dict[str, str]:
        """The same items with each secret-bearing value shown as its placeholder."""
        return {key: self.placeholders.get(key, value) for key, value in items.items()}


def secret_value(connector: Connector, field_name: str) -> str:
    """The connector's secret field, decrypted and with a {{NAME}} reference resolved."""
    stored = connector.auth_secrets.get(field_name)
    if not stored:
        return ""
    raw = secrets.unseal(stored["sealed"], owner=f"connector {connector.name}")
    return secrets.resolve(raw)


def placeholder_for(connector: Connector, field_name: str) -> str:
    """`$OPENAI_API_KEY` for a reference, else a name made from the field."""
    stored = connector.auth_secrets.get(field_name) or {}
    name = secrets.reference_name(stored.get("hint", ""))
    return f"${name or field_name.upper()}"


class AuthStrategy:
    secret_fields: tuple[str, ...] = ()

    def apply(self, connector: Connector) -> AuthParts:
        return AuthParts()


class NoAuth(AuthStrategy):
    pass


class ApiKeyAuth(AuthStrategy):
    secret_fields = ("api_key",)

    def apply(self, connector: Connector) -> AuthParts:
        key = secret_value(connector, "api_key")
        shell = placeholder_for(connector, "api_key")
        if connector.setting("api_key_auth_type", HEADER_AUTH) == PARAM_AUTH:
            name = connector.setting("param_auth_param_name")
            return AuthParts(params={name: key}, secret_values=[key], placeholders={name: shell})
        name = connector.setting("header_auth_key") or "Authorization"
        pattern = connector.setting("header_auth_value_pattern") or "%s"
        return AuthParts(
            headers={name: pattern.replace("%s", key, 1)},
            secret_values=[key],
            placeholders={name: pattern.replace("%s", shell, 1)},
        )


class BasicAuth(AuthStrategy):
    secret_fields = ("password",)

    def apply(self, connector: Connector) -> AuthParts:
        username = connector.setting("username")
        password = secret_value(connector, "password")
        # RFC 7617: base64 of "user:pass" in UTF-8.
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return AuthParts(
            headers={"Authorization": f"Basic {token}"},
            secret_values=[password, token] if password else [token],
            # The shell variable holds base64("username:password").
            placeholders={"Authorization": "Basic $BASIC_AUTH_BASE64"},
        )


class BearerTokenAuth(AuthStrategy):
    secret_fields = ("token",)

    def apply(self, connector: Connector) -> AuthParts:
        token = secret_value(connector, "token")
        shell = placeholder_for(connector, "token")
        return AuthParts(
            headers={"Authorization": f"Bearer {token}"},
            secret_values=[token],
            placeholders={"Authorization": f"Bearer {shell}"},
        )


STRATEGIES: dict[str, AuthStrategy] = {
    Connector.AuthConfig.NO_AUTH: NoAuth(),
    Connector.AuthConfig.API_KEY: ApiKeyAuth(),
    Connector.AuthConfig.BASIC: BasicAuth(),
    Connector.AuthConfig.BEARER: BearerTokenAuth(),
}


def strategy_for(connector: Connector) -> AuthStrategy:
    return STRATEGIES[connector.auth_config]


def apply(connector: Connector) -> AuthParts:
    """Raises secrets.CredentialMissing or secrets.SecretUnreadable when a secret is unusable."""
    return strategy_for(connector).apply(connector)
