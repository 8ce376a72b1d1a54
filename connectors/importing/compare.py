"""Compare a plan with the catalog: the target connector, conflicts and the diff. Reads only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from connectors.catalog import history
from connectors.importing import names
from connectors.importing.plan import (
    CHANGED,
    CONFLICT,
    NEW,
    OVERWRITE,
    SKIP,
    UNCHANGED,
    UPDATE,
    Choices,
    Plan,
)
from connectors.lib.outbound import urls
from connectors.models import (
    Action,
    Connector,
    Credential,
    validate_base_url,
    validate_identifier,
)

# The auth settings that are URLs a secret is sent to, by label.
_AUTH_URLS = {
    "oauth2_token_url": "Oauth2 Token Url",
    "authorization_url": "Authorization URL",
    "access_token_request_url": "Access Token Request URL",
}
_COMPARED = [f for f in history.ACTION_FIELDS if f != "name"] + ["input_args"]


def target(plan: Plan) -> Connector | None:
    return Connector.objects.filter(name=plan.connector.name).first()


def existing_actions(connector: Connector) -> list[Action]:
    return list(connector.actions.prefetch_related("input_args").order_by("name"))


def against_catalog(plan: Plan) -> Plan:
    """Fill in what the plan would do to the catalog as it is now; the plan is returned."""
    connector = target(plan)
    plan.target_exists = connector is not None
    wanted = [c.name for c in plan.credentials]
    known = set(Credential.objects.filter(name__in=wanted).values_list("name", flat=True))
    for credential in plan.credentials:
        credential.exists = credential.name in known
    if connector is None:
        for action in plan.actions:
            action.status, action.default = NEW, "create"
        plan.removed, plan.connector_changes = [], []
        return plan
    plan.connector_changes = _connector_changes(plan, connector)
    current = existing_actions(connector)
    by_name = {a.name.lower(): a for a in current}
    by_signature = {(a.method, a.path): a for a in current}
    matched: set[str] = set()
    taken = {a.name.lower() for a in current} | plan.action_names()
    for action in plan.actions:
        same = by_name.get(action.name.lower())
        action.reason = "same name" if same is not None else ""
        if same is None and plan.match_signature:
            same = by_signature.get(action.signature)
        if same is not None and not action.reason:
            action.reason = "same method and path"
        if same is None or same.name in matched:
            action.status, action.existing, action.default = NEW, "", "create"
            continue
        matched.add(same.name)
        action.existing = same.name
        same.connector = connector
        action.changed_fields = _changed_fields(action.fields(), history.snapshot(same))
        if not action.changed_fields:
            action.status, action.default = UNCHANGED, SKIP
        elif action.reason == "same name" and (same.method, same.path) == action.signature:
            action.status, action.default = CHANGED, OVERWRITE  # a newer version of it
        else:
            action.status, action.default = CONFLICT, SKIP
        action.rename_to = names.unique(action.name, taken)
    plan.removed = [a.name for a in current if a.name not in matched]
    return plan


def _changed_fields(wanted: dict[str, Any], current: dict[str, Any]) -> list[str]:
    # A source that says nothing of checks (None) leaves them as they are.
    return [
        history.label(f)
        for f in _COMPARED
        if wanted.get(f) != current.get(f) and not (f == "checks" and wanted.get(f) is None)
    ]


def _connector_changes(plan: Plan, connector: Connector) -> list[str]:
    wanted = plan.connector
    changes = []
    if wanted.base_url and wanted.base_url != connector.base_url:
        changes.append("Base URL")
    if plan.auth.auth_config != connector.auth_config:
        changes.append("Auth Config")
    elif plan.auth.settings and plan.auth.settings != connector.auth_settings:
        changes.append("Auth Config settings")
    if wanted.variables != connector.variables:
        changes.append("Connector Variables")
    return changes


def check_choices(plan: Plan, choices: Choices) -> list[str]:
    """Problems to fix before Create: one sentence each."""
    problems = []
    writes_connector = not plan.target_exists or choices.connector_mode == UPDATE
    try:
        if writes_connector:
            validate_base_url(plan.connector.base_url)
    except ValidationError as error:
        problems.append(f"Base URL “{plan.connector.base_url}”: {' '.join(error.messages)}")
    for key, label in _AUTH_URLS.items():
        value = plan.auth.settings.get(key) if writes_connector else None
        try:
            if value:
                urls.parse_template(str(value), what=f"The {label}")
        except urls.UnsafeURL as error:
            problems.append(error.message)
    try:
        validate_identifier(plan.connector.name)
    except ValidationError as error:
        problems.append(f"Connector Name “{plan.connector.name}”: {' '.join(error.messages)}")
    taken = {n.lower() for n in plan.removed} | {
        a.existing.lower() for a in plan.actions if a.existing
    }
    for index, name in choices.renames.items():
        try:
            validate_identifier(name)
        except ValidationError:
            problems.append(f"Rename of action {plan.actions[index].name}: “{name}” is not a Name.")
            continue
        if name.lower() in taken:
            problems.append(f"Rename of action {plan.actions[index].name}: {name} is taken.")
    return problems
