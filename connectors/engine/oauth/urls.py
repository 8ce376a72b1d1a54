"""The auth's URLs and plain fields with the connector's variables filled in.

Tokens belong to the connector, not to one action, so only Connector Variables fill these
(never a Test's inputs); a host keeps the one-DNS-label rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from connectors import kinds, variables
from connectors.engine.oauth.client import AuthFailed
from connectors.lib import templating
from connectors.lib.outbound import urls
from connectors.models import Connector


def auth_url(connector: Connector, key: str) -> str:
    """The URL setting rendered with the connector's variables, its host checked, in the
    canonical form that is sent; AuthFailed when it cannot be."""
    filled = claim_text(connector, key)
    try:  # parsed once, here: the homes and the wire read this form
        return urls.parse(filled, what=f"The {kinds.label(key) or key}").text
    except urls.UnsafeURL as error:
        raise AuthFailed(f"Authorization failed: {error.message} The API was not called.") from None


def claim_text(connector: Connector, key: str) -> str:
    """The setting rendered as written (a JWT's aud claim): an Audience may be any string,
    only one that is a URL has a host rule."""
    template = connector.setting(key)
    is_url = key != "audience" or variables.HOST_RE.match(template)
    return _filled(connector, key, variables.render_url if is_url else templating.render)


def plain_setting(connector: Connector, key: str) -> str:
    """A plain auth field (Client ID, a username) with its {{name}}s filled by Connector
    Variables only: a credential never lands in a field that is sent and shown as plain text."""
    return _filled(connector, key, templating.render)


def _filled(
    connector: Connector, key: str, render: Callable[[str, Mapping[str, object]], str]
) -> str:
    template = connector.setting(key)
    if "{{" not in template:
        return template
    label = kinds.label(key) or key
    try:
        return render(template, variables.of(connector))
    except templating.ConstructError as error:
        raise AuthFailed(
            f"Authorization failed: the {label} uses {{{{{error.name}}}}}, which is not a "
            "Connector Variable: add it on the connector. The API was not called."
        ) from None
    except templating.TemplateError as error:
        raise AuthFailed(f"Authorization failed: the {label} is not valid: {error}") from None
    except variables.HostOutsideTemplate as error:
        raise AuthFailed(f"Authorization failed: the {label}: {error}") from None
