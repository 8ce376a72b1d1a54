"""The gallery: its templates (cards, search, the Auth Config filter), and a template with the
user's answers read into the import pipeline's common Plan (and Choices).

The gallery is one more reader of connectors.importing: it writes nothing itself; Create hands
the plan to the shared compare and apply.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from connectors import kinds
from connectors.importing.auth import full_settings
from connectors.importing.plan import (
    ActionPlan,
    ArgPlan,
    AuthPlan,
    Choices,
    ConnectorPlan,
    CredentialToSet,
    Plan,
)
from connectors.importing.templates_data import TEMPLATES
from connectors.models import Action, Connector
from connectors.secrets import sealing

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


def template_by_id(template_id: str) -> Template | None:
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


# Where each secret of a template comes from, as the template form asks.
VALUE, EXISTING, NEW = "value", "existing", "new"


class Answers(Protocol):
    """The template form once valid: its answers, and each secret as typed."""

    cleaned_data: dict[str, Any]

    def secret_value(self, index: int) -> str: ...


URL_SETTINGS = ("oauth2_token_url", "authorization_url", "access_token_request_url", "audience")
ASKED = r"\[\[(\w+)\]\]"
VARIABLE = r"\{\{\s*(\w+)\s*\}\}"


@dataclass
class Shown:
    """One secret as the preview may show it: its reference, or the typed value masked."""

    label: str
    shown: str


@dataclass
class GalleryPlan:
    template: Template
    plan: Plan
    choices: Choices
    secrets_shown: list[Shown]

    @property
    def first_action(self) -> str:
        return self.plan.actions[0].name


def _fill(value: Any, replace: dict[str, str], pattern: str) -> Any:
    """Every marker in strings, lists and dicts replaced by the user's answer."""
    if isinstance(value, str):
        return re.sub(pattern, lambda m: replace.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_fill(item, replace, pattern) for item in value]
    if isinstance(value, dict):
        return {k: _fill(v, replace, pattern) for k, v in value.items()}
    return value


def _action(spec: dict[str, Any]) -> ActionPlan:
    return ActionPlan(
        name=spec["name"],
        method=spec["method"],
        path=spec["path"],
        description=spec["description"],
        query_params=spec["query_params"],
        headers=spec["headers"],
        body=spec["body"],
        input_args=[ArgPlan(**arg) for arg in spec["input_args"]],
    )


@sensitive_variables("value", "answers", "choices")
def plan(template: Template, form: Answers) -> GalleryPlan:
    """The connector the template makes with these answers; the form must be valid."""
    answers = form.cleaned_data
    asked = {ask["name"]: answers[f"ask_{ask['name']}"] for ask in template["asks"]}
    plain, variables = {}, []
    for variable in template["variables"]:
        value = answers[f"var_{variable['key']}"].strip()
        if answers.get(f"keep_{variable['key']}"):
            variables.append({"key": variable["key"], "value": value})
        else:
            plain[variable["key"]] = value
    settings = _fill(copy.deepcopy(template["auth_settings"]), asked, ASKED)
    for name in URL_SETTINGS:
        if isinstance(settings.get(name), str):
            settings[name] = _fill(settings[name], plain, VARIABLE)
    specs = _fill(_fill(copy.deepcopy(template["actions"]), asked, ASKED), plain, VARIABLE)
    name = answers["name"]
    connector = ConnectorPlan(
        name=name,
        display_name=template["vendor"],
        description=f"{template['label']}. From the {template['vendor']} setup guide.",
        base_url=_fill(template["base_url"], plain, VARIABLE).rstrip("/"),
        variables=variables,
        headers=[dict(row) for row in template["headers"]],
    )
    auth = AuthPlan(
        template["auth_config"], settings, described_as=f"the {template['vendor']} template"
    )
    choices = Choices()
    credentials, shown = [], []
    for index, secret in enumerate(template["secrets"]):
        source = answers[f"secret_{index}_source"]
        if source == EXISTING:
            value = "{{" + answers[f"secret_{index}_credential"] + "}}"
        elif source == NEW:
            credential = answers[f"secret_{index}_name"]
            credentials.append(
                CredentialToSet(
                    credential,
                    purpose=f"{secret['label']} of connector {name}",
                    secret_field=secret["field"],
                )
            )
            choices.credential_values[credential] = form.secret_value(index)
            masked = sealing.mask(form.secret_value(index))
            shown.append(Shown("New credential", f"{credential} {masked}"))
            value = "{{" + credential + "}}"
        else:
            value = form.secret_value(index)
        is_reference = bool(sealing.reference_name(value))
        shown.append(Shown(secret["label"], value if is_reference else sealing.mask(value)))
        where, _, field = secret["field"].rpartition(":")
        if where == "header":
            connector.headers.append({"key": field, "secret_reference": value})
        elif where == "setting":
            auth.settings[field] = value  # a reference: the form offers no literal here
        elif is_reference:
            auth.secrets[field] = value
        else:
            auth.secrets[field] = None
            choices.secrets[field] = value
    common = Plan(
        kind="template",
        source=f"the {template['vendor']} template ({template['id']})",
        connector=connector,
        auth=auth,
        credentials=credentials,
        actions=[_action(spec) for spec in specs],
        notes=list(template["differences"]),
        history_note=f"Created from the {template['vendor']} template ({template['id']}).",
    )
    return GalleryPlan(template, common, choices, shown)


def shown_settings(made: GalleryPlan) -> list[tuple[str, str]]:
    """The Auth Config's plain fields that hold a value, as the preview lists them."""
    rows = []
    for key, value in made.plan.auth.settings.items():
        if value in ("", [], None):
            continue
        text = (
            value
            if isinstance(value, str)
            else ", ".join(f"{r['key']}={r['value']}" for r in value)
            if isinstance(value, list)
            else str(value)
        )
        rows.append((key.replace("_", " ").capitalize(), text))
    return rows


def problems(made: GalleryPlan) -> list[str]:
    """What the answers make invalid (a Base URL that is not a URL, say), before any write."""
    wanted = made.plan.connector
    connector = Connector(
        name=wanted.name,
        base_url=wanted.base_url,
        auth_config=made.plan.auth.auth_config,
        auth_settings=full_settings(made.plan.auth),
    )
    found = []
    try:
        connector.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        found += [
            f"{Connector._meta.get_field(k).verbose_name}: {' '.join(v)}"
            for k, v in error.message_dict.items()
        ]
    for planned in made.plan.actions:
        action = Action(name=planned.name, method=planned.method, path=planned.path)
        try:
            action.full_clean(exclude=["connector"], validate_unique=False)
        except ValidationError as error:
            found += [f"Action {action.name}: {' '.join(v)}" for v in error.message_dict.values()]
    return found
