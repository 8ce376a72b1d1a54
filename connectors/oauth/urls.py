"""The auth's URLs and plain fields with the connector's variables filled in.

Tokens belong to the connector, not to one action, so only Connector Variables fill these
(never a Test's inputs); a host keeps the one-DNS-label rule.
"""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables

from connectors import secrets, templating, variables
from connectors.models import Connector
from connectors.oauth.client import AuthFailed

LABELS = {
    "oauth2_token_url": "Oauth2 Token Url",
    "authorization_url": "Authorization URL",
    "access_token_request_url": "Access Token Request URL",
    "audience": "Audience",
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


@sensitive_variables("value")
def plain_setting(connector: Connector, key: str) -> str:
    """A plain auth field (Client ID, a username): each {{name}} a Connector Variable, else a
    team credential reference. Raises secrets.CredentialMissing for a name that is neither."""
    value = connector.setting(key)
    if "{{" not in value:
        return value
    known = variables.of(connector)
    filled = secrets.REFERENCE_TAG_RE.sub(
        lambda match: known.get(match.group(1), match.group(0)), value
    )
    return secrets.resolve(filled)
