"""OAuth 2.0 and JWT Auth: what a connector's settings say about its token requests."""

from __future__ import annotations

from connectors import kinds
from connectors.models import Connector
from connectors.secrets import references, sealing

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def secret(connector: Connector, name: str) -> str:
    """A secret field decrypted, with a {{NAME}} reference resolved ("" when not set)."""
    stored = connector.auth_secrets.get(name)
    if not stored:
        return ""
    return references.resolve(sealing.unseal(stored["sealed"], owner=f"connector {connector.name}"))


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
        and connector.setting("oauth2_grant_type") == kinds.GRANT_AUTHORIZATION_CODE
    )
