"""A template and the user's answers -> the plan Create saves (connector, credentials, actions).

Nothing here writes to the database.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.views.decorators.debug import sensitive_variables

from connectors import secrets
from connectors.gallery.catalog import Template
from connectors.gallery.form import EXISTING, NEW, TemplateForm

URL_SETTINGS = ("oauth2_token_url", "authorization_url", "access_token_request_url", "audience")


@dataclass
class NewCredential:
    name: str
    value: str = field(repr=False)

    @property
    def masked(self) -> str:
        return secrets.mask(self.value)


@dataclass
class SecretChoice:
    label: str
    value: str = field(repr=False)  # a literal, or {{NAME}}

    @property
    def shown(self) -> str:
        """What the preview may show: the reference, or the value masked."""
        return self.value if secrets.reference_name(self.value) else secrets.mask(self.value)


@dataclass
class Plan:
    template: Template
    connector: dict[str, Any]
    auth_secrets: dict[str, SecretChoice]
    secret_headers: dict[str, SecretChoice]
    credentials: list[NewCredential]
    actions: list[dict[str, Any]]

    @property
    def first_action(self) -> str:
        return self.actions[0]["name"]


def _fill(value: Any, replace: dict[str, str], pattern: str) -> Any:
    """Every marker in strings, lists and dicts replaced by the user's answer."""
    if isinstance(value, str):
        return re.sub(pattern, lambda m: replace.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_fill(item, replace, pattern) for item in value]
    if isinstance(value, dict):
        return {k: _fill(v, replace, pattern) for k, v in value.items()}
    return value


ASKED = r"\[\[(\w+)\]\]"
VARIABLE = r"\{\{\s*(\w+)\s*\}\}"


@sensitive_variables("value", "choice")
def plan(template: Template, form: TemplateForm) -> Plan:
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
    actions = _fill(_fill(copy.deepcopy(template["actions"]), asked, ASKED), plain, VARIABLE)
    auth_secrets, secret_headers, credentials = {}, {}, []
    for index, secret in enumerate(template["secrets"]):
        source = answers[f"secret_{index}_source"]
        if source == EXISTING:
            value = "{{" + answers[f"secret_{index}_credential"] + "}}"
        elif source == NEW:
            name = answers[f"secret_{index}_name"]
            credentials.append(NewCredential(name, form.secret_value(index)))
            value = "{{" + name + "}}"
        else:
            value = form.secret_value(index)
        choice = SecretChoice(secret["label"], value)
        where, _, name = secret["field"].rpartition(":")
        if where == "header":
            secret_headers[name] = choice
        elif where == "setting":
            settings[name] = value  # a reference: the form offers no literal here
        else:
            auth_secrets[name] = choice
    connector = {
        "name": answers["name"],
        "display_name": template["vendor"],
        "description": f"{template['label']}. From the {template['vendor']} setup guide.",
        "base_url": _fill(template["base_url"], plain, VARIABLE).rstrip("/"),
        "auth_config": template["auth_config"],
        "auth_settings": settings,
        "headers": [dict(row) for row in template["headers"]],
        "variables": variables,
    }
    return Plan(template, connector, auth_secrets, secret_headers, credentials, actions)


def shown_settings(plan: Plan) -> list[tuple[str, str]]:
    """The Auth Config's plain fields that hold a value, as the preview lists them."""
    rows = []
    for key, value in plan.connector["auth_settings"].items():
        if value in ("", [], None):
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        rows.append((key.replace("_", " ").capitalize(), text))
    return rows
