"""The gallery's templates: one card per connector, search and the Auth Config filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors import kinds
from connectors.importing.templates_data import TEMPLATES

Template = dict[str, Any]
# Guides name a grant Agent Studio has no form for (SAML Bearer); it reads as itself.
GRANT_LABELS = dict(kinds.GRANT_CHOICES) | {"saml_bearer": "SAML Bearer"}
AUTH_LABELS = {code: kind.label for code, kind in kinds.KINDS.items()}


def auth_option(template: Template) -> str:
    """How a card names a configuration's auth: "Basic", "OAuth 2.0 Password", ..."""
    if template["auth_config"] == "OAUTH2":
        return f"OAuth 2.0 {GRANT_LABELS.get(template['grant'], template['grant'])}"
    return AUTH_LABELS[template["auth_config"]].removesuffix(" Auth")


@dataclass
class Card:
    slug: str
    vendor: str
    templates: list[Template]

    @property
    def auth_options(self) -> list[str]:
        return list(dict.fromkeys(auth_option(t) for t in self.templates))

    @property
    def entries(self) -> list[tuple[Template, str]]:
        return [(t, auth_option(t)) for t in self.templates]


def get(template_id: str) -> Template | None:
    return next((t for t in TEMPLATES if t["id"] == template_id), None)


def auth_configs() -> list[tuple[str, str]]:
    """The Auth Configs the templates use, for the filter."""
    used = {t["auth_config"] for t in TEMPLATES}
    return [(value, label) for value, label in AUTH_LABELS.items() if value in used]


def cards(query: str = "", auth_config: str = "") -> list[Card]:
    """Connectors whose name, label or auth matches the query, with the chosen Auth Config."""
    words = query.lower().split()
    found: dict[str, Card] = {}
    for template in TEMPLATES:
        if auth_config and template["auth_config"] != auth_config:
            continue
        text = " ".join(
            [template["vendor"], template["slug"], template["label"], auth_option(template)]
        ).lower()
        if all(word in text for word in words):
            card = found.setdefault(
                template["slug"], Card(template["slug"], template["vendor"], [])
            )
            card.templates.append(template)
    return sorted(found.values(), key=lambda card: card.vendor.lower())
