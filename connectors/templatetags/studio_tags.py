"""Template filters the catalog's pages share."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON (not Python's repr), so a schema shown in a form can be saved back."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.simple_tag
def password_reset_enabled() -> bool:
    """True when the site can send email, so the reset pages exist (PASSWORD_RESET_ENABLED)."""
    return settings.PASSWORD_RESET_ENABLED


@register.filter
def cool_off(value: timedelta) -> str:
    """A lockout's length as a sentence says it: 15 minutes, 1 hour 30 minutes."""
    minutes = max(1, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    parts += [f"{minutes} minute{'s' * (minutes != 1)}"] if minutes else []
    return " ".join(parts)


@register.filter
def auth_config_label(value: str) -> str:
    """An Auth Config's label as the connector form shows it: API_KEY -> Api Key Auth."""
    from connectors.models import Connector

    return str(dict(Connector.AuthConfig.choices).get(value, value))
