"""OAuth 2.0 / JWT Auth bits the pages show: token state and the callback URL to register."""

from __future__ import annotations

from typing import Any

from django import template

from connectors.engine.oauth import broker
from connectors.engine.oauth.config import is_authorization_code, uses_broker
from connectors.kinds import GRANT_CHOICES
from connectors.models import Connector
from connectors.views.oauth import callback_url

register = template.Library()


@register.simple_tag(takes_context=True)
def oauth_callback_url(context: dict[str, Any]) -> str:
    return callback_url(context["request"])


@register.simple_tag
def token_state(connector: Connector) -> broker.TokenState | None:
    """The connector's token state, or None when it gets no tokens from an endpoint."""
    return broker.state(connector) if uses_broker(connector) else None


@register.filter
def authorization_code(connector: Connector) -> bool:
    return is_authorization_code(connector)


@register.filter
def grant_label(value: str) -> str:
    """Oauth2 Grant Type as the form names it: client_credentials -> Client Credentials."""
    return dict(GRANT_CHOICES).get(value, value)
