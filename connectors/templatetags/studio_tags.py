"""Template filters the catalog's pages share."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON (not Python's repr), so a schema shown in a form can be saved back."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def auth_config_label(value: str) -> str:
    """An Auth Config's label as the connector form shows it: API_KEY -> Api Key Auth."""
    from connectors.models import Connector

    return str(dict(Connector.AuthConfig.choices).get(value, value))
