"""The auth's URLs and plain fields with the connector's variables filled in.

Tokens belong to the connector, not to one action, so only Connector Variables fill these
(never a Test's inputs); a host keeps the one-DNS-label rule.
"""

from __future__ import annotations

from connectors import templating, variables
from connectors.models import Connector
from connectors.oauth.client import AuthFailed

LABELS = {
    "oauth2_token_url": "Oauth2 Token Url",
    "authorization_url": "Authorization URL",
    "access_token_request_url": "Access Token Request URL",
    "audience": "Audience",
    "client_id": "Client ID",
    "password_grant_username": "Password Grant Username",
}


def auth_url(connector: Connector, key: str) -> str:
    """The setting rendered with the connector's variables; AuthFailed when it cannot be.

    An Audience may be any string: only one that is a URL is held to the host rule."""
    template = connector.setting(key)
    label = LABELS.get(key, key)
    try:
        if key == "audience" and not variables.HOST_RE.match(template):
            return templating.render(template, variables.of(connector))
        return variables.render_url(template, variables.of(connector))
    except templating.ConstructError as error:
        raise AuthFailed(
            f"Authorization failed: the {label} uses {{{{{error.name}}}}}, which is not a "
            "Connector Variable: add it on the connector. The API was not called."
        ) from None
    except templating.TemplateError as error:
        raise AuthFailed(f"Authorization failed: the {label} is not valid: {error}") from None
    except variables.HostOutsideTemplate as error:
        raise AuthFailed(f"Authorization failed: the {label}: {error}") from None


def plain_setting(connector: Connector, key: str) -> str:
    """A plain auth field (Client ID, a username) with its {{name}}s filled by Connector
    Variables only: a credential never lands in a field that is sent and shown as plain text."""
    value = connector.setting(key)
    if "{{" not in value:
        return value
    try:
        return templating.render(value, variables.of(connector))
    except templating.ConstructError as error:
        raise AuthFailed(
            f"Authorization failed: the {LABELS.get(key, key)} uses {{{{{error.name}}}}}, which "
            "is not a Connector Variable: add it on the connector. The API was not called."
        ) from None
    except templating.TemplateError as error:
        raise AuthFailed(
            f"Authorization failed: the {LABELS.get(key, key)} is not valid: {error}"
        ) from None
