"""One strategy per Auth Config type: what a connector's auth adds to a request.

Adding a type is one class here (registered in STRATEGIES) and one form in forms/auth_forms.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connectors import kinds
from connectors.engine.oauth import assertion, broker
from connectors.engine.oauth.client import AuthFailed
from connectors.lib import redaction
from connectors.lib.outbound.digest import DigestCredentials
from connectors.models import Connector
from connectors.secrets import homes, references, sealing


@dataclass
class AuthParts:
    """Headers and query params the auth adds, and the secret values they carry."""

    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    secret_values: list[str] = field(default_factory=list)
    # Placeholders for "Copy as cURL": header or param name -> shell variable name.
    placeholders: dict[str, str] = field(default_factory=dict)
    # Header names that carry credentials (dropped on a redirect to another host).
    credential_header_names: set[str] = field(default_factory=set)
    # Digest Auth: the outbound door answers the server's challenge with these.
    digest: DigestCredentials | None = field(default=None, repr=False)

    def placeholders_for(self, items: dict[str, str]) -> dict[str, str]:
        """The same items with each secret-bearing value shown as its placeholder."""
        return {key: self.placeholders.get(key, value) for key, value in items.items()}


def secret_value(connector: Connector, field_name: str, url: str, required: bool = False) -> str:
    """The connector's secret field, decrypted and with a {{NAME}} reference resolved, once its
    home admits url (homes.Refused if not; homes.NotSet when required and not set)."""
    stored = connector.auth_secrets.get(field_name)
    if not stored:
        if required:
            raise homes.NotSet(homes.label_of(field_name), connector)
        return ""
    homes.check_field(connector, field_name, url)
    raw = sealing.unseal(stored["sealed"], owner=f"connector {connector.name}")
    return references.resolve(raw)


def common_secret_headers(connector: Connector, url: str) -> AuthParts:
    """The connector's headers marked secret, resolved; they travel like credentials."""
    parts = AuthParts()
    for row in connector.headers:
        if "secret" not in row:
            continue
        homes.check(row["secret"], f"secret header {row['key']}", url)
        raw = sealing.unseal(row["secret"]["sealed"], owner=f"connector {connector.name}")
        value = references.resolve(raw)
        parts.headers[row["key"]] = value
        parts.secret_values.append(value)
        name = sealing.reference_name(row["secret"].get("hint", ""))
        parts.placeholders[row["key"]] = "$" + (name or re.sub(r"\W", "_", row["key"]).upper())
    return parts


def placeholder_for(connector: Connector, field_name: str) -> str:
    """`$OPENAI_API_KEY` for a reference, else a name made from the field."""
    stored = connector.auth_secrets.get(field_name) or {}
    name = sealing.reference_name(stored.get("hint", ""))
    return f"${name or field_name.upper()}"


class AuthStrategy:
    def apply(self, connector: Connector, url: str) -> AuthParts:
        """The auth for a request to url (the final URL: every secret's home is checked)."""
        return AuthParts()

    def reauthorize(self, connector: Connector, refused: AuthParts) -> bool:
        """The API answered 401 to these parts: True if a new apply() may do better."""
        return False


class NoAuth(AuthStrategy):
    pass


class ApiKeyAuth(AuthStrategy):
    def apply(self, connector: Connector, url: str) -> AuthParts:
        key = secret_value(connector, "api_key", url, required=True)
        shell = placeholder_for(connector, "api_key")
        if connector.setting("api_key_auth_type", kinds.HEADER_AUTH) == kinds.PARAM_AUTH:
            name = connector.setting("param_auth_param_name")
            return AuthParts(params={name: key}, secret_values=[key], placeholders={name: shell})
        name = connector.setting("header_auth_key") or "Authorization"
        pattern = connector.setting("header_auth_value_pattern") or "%s"
        return AuthParts(
            headers={name: pattern.replace("%s", key, 1)},
            secret_values=[key],
            placeholders={name: pattern.replace("%s", shell, 1)},
        )


def _username_and_password(connector: Connector, url: str) -> tuple[str, str, list[str]]:
    """Username and Password, and which of them to mask (a resolved Username is a secret)."""
    # A Username may be a {{NAME}} reference: some APIs take the key there (Stripe).
    raw_username = connector.setting("username")
    for name in sealing.reference_names(raw_username):
        homes.check_reference(name, url)
    username = references.resolve(raw_username)
    password = secret_value(connector, "password", url)
    hidden = [password] if password else []
    hidden += [username] if username != raw_username else []
    return username, password, hidden


class BasicAuth(AuthStrategy):
    def apply(self, connector: Connector, url: str) -> AuthParts:
        username, password, hidden = _username_and_password(connector, url)
        # RFC 7617: base64 of "user:pass" in UTF-8.
        token = redaction.basic_credentials(username, password)
        return AuthParts(
            headers={"Authorization": f"Basic {token}"},
            secret_values=[*hidden, token],
            # The shell variable holds base64("username:password").
            placeholders={"Authorization": "Basic $BASIC_AUTH_BASE64"},
        )


class DigestAuth(AuthStrategy):
    """RFC 7616: the password stays here; the server's 401 challenge is answered with a hash."""

    def apply(self, connector: Connector, url: str) -> AuthParts:
        username, password, hidden = _username_and_password(connector, url)
        return AuthParts(
            secret_values=hidden,
            placeholders={"digest": f"{username}:$DIGEST_PASSWORD"},
            digest=DigestCredentials(username, password),
        )


class BearerTokenAuth(AuthStrategy):
    def apply(self, connector: Connector, url: str) -> AuthParts:
        token = secret_value(connector, "token", url, required=True)
        shell = placeholder_for(connector, "token")
        return AuthParts(
            headers={"Authorization": f"Bearer {token}"},
            secret_values=[token],
            placeholders={"Authorization": f"Bearer {shell}"},
        )


def _token_parts(connector: Connector, token: str) -> AuthParts:
    """An access token in the Header Auth Key, by the Header Auth Value Pattern."""
    name = connector.setting("header_auth_key") or "Authorization"
    pattern = connector.setting("header_auth_value_pattern") or "Bearer %s"
    return AuthParts(
        headers={name: pattern.replace("%s", token, 1)},
        secret_values=[token],
        placeholders={name: pattern.replace("%s", "$ACCESS_TOKEN", 1)},
    )


class OAuth2Auth(AuthStrategy):
    """The token comes from the broker: cached, refreshed, fetched once for many Tests."""

    def apply(self, connector: Connector, url: str) -> AuthParts:
        homes.check_token_use(connector, url)
        return _token_parts(connector, broker.access_token(connector))

    def reauthorize(self, connector: Connector, refused: AuthParts) -> bool:
        broker.forget_if_current(connector, refused.secret_values)
        return True


class JwtAuth(AuthStrategy):
    """A signed JWT: traded for a token at the Access Token Request URL, or sent itself."""

    def apply(self, connector: Connector, url: str) -> AuthParts:
        homes.check_token_use(connector, url)
        if connector.setting("access_token_request_url"):
            return _token_parts(connector, broker.access_token(connector))
        if not connector.auth_secrets.get("private_key"):
            raise homes.NotSet(homes.label_of("private_key"), connector)
        try:
            signed = assertion.sign(connector)
        except assertion.InvalidKey as error:
            raise AuthFailed(f"Authorization failed: {error} The API was not called.") from None
        return AuthParts(
            headers={"Authorization": f"Bearer {signed}"},
            secret_values=[signed],
            placeholders={"Authorization": "Bearer $JWT"},
        )

    def reauthorize(self, connector: Connector, refused: AuthParts) -> bool:
        if not connector.setting("access_token_request_url"):
            return False  # a freshly signed JWT would be refused the same way
        broker.forget_if_current(connector, refused.secret_values)
        return True


STRATEGIES: dict[str, AuthStrategy] = {
    Connector.AuthConfig.NO_AUTH: NoAuth(),
    Connector.AuthConfig.API_KEY: ApiKeyAuth(),
    Connector.AuthConfig.BASIC: BasicAuth(),
    Connector.AuthConfig.DIGEST: DigestAuth(),
    Connector.AuthConfig.BEARER: BearerTokenAuth(),
    Connector.AuthConfig.OAUTH2: OAuth2Auth(),
    Connector.AuthConfig.JWT: JwtAuth(),
}


def strategy_for(connector: Connector) -> AuthStrategy:
    return STRATEGIES[connector.auth_config]


def apply(connector: Connector, url: str) -> AuthParts:
    """The auth for a request to url. Raises homes.Refused when a secret's home does not admit
    url, homes.NotSet or references.CredentialMissing or sealing.SecretUnreadable when a secret is
    unusable, AuthFailed when no token could be obtained."""
    return strategy_for(connector).apply(connector, url)


def reauthorize(connector: Connector, refused: AuthParts) -> bool:
    """After a 401: drop the refused token; True when one retry with a new apply() makes sense."""
    return strategy_for(connector).reauthorize(connector, refused)
