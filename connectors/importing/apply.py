"""Apply a plan as the person chose: one transaction, bulk inserts, every change in history.

Every write goes through catalog.writes, which keeps each version and history entry.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from connectors.catalog import history, writes
from connectors.catalog.document import exported_reference
from connectors.importing.auth import full_settings, suggested_hosts
from connectors.importing.plan import (
    CREATE,
    OVERWRITE,
    RENAME,
    UPDATE,
    ActionPlan,
    Choices,
    Outcome,
    Plan,
)
from connectors.kinds import secret_fields
from connectors.models import Action, Connector, Credential
from connectors.secrets import homes, references, sealing

# The path a plan's credentials come through, by the plan's kind; any other kind is Import API.
_VIA = {
    "cURL": Credential.Via.CURL,
    "template": Credential.Via.TEMPLATE,
    "Connector Studio catalog": Credential.Via.CATALOG,
}


def note_for(plan: Plan) -> str:
    return (plan.history_note or f"Imported from {plan.kind}")[:200]


@sensitive_variables("choices")
@transaction.atomic
def apply(plan: Plan, choices: Choices, user: Any, *, may_set_credentials: bool) -> Outcome:
    """Write what the preview showed and the person kept, all of it or nothing.

    `plan` must have been compared with the catalog (compare.against_catalog) in this request.
    Credentials are created from values the source held (a pasted cURL command) or, when
    `may_set_credentials`, from values typed in the preview; never replaced, and only for an
    Admin, whatever the caller says: team credentials are the Admins'.
    """
    note = note_for(plan)
    user_name = user.get_username() if user is not None else "import"
    actor = user if user is not None and user.is_authenticated else None
    outcome = Outcome(connector=None)
    _create_credentials(plan, choices, actor, user_name, may_set_credentials, note, outcome)

    connector = Connector.objects.select_for_update().filter(name=plan.connector.name).first()
    if connector is None:
        connector = Connector(updated_by=actor)
        set_connector_fields(connector, _connector_data(plan, choices), user_name)
        homes.settle(None, connector)  # each secret's home: the origins it is entered for
        writes.save_connector(connector, user=actor, note=note)
        outcome.connector_created = True
    elif choices.connector_mode == UPDATE:
        before = homes.snapshot(connector)
        set_connector_fields(connector, _connector_data(plan, choices), user_name)
        # A stored secret stays only where its host does not move.
        outcome.notes += homes.settle(before, connector)
        writes.save_connector(connector, user=actor, expected=connector.version, note=note)
    outcome.connector = connector

    current = {a.name: a for a in connector.actions.all()} if not outcome.connector_created else {}
    fresh: list[tuple[Action, ActionPlan]] = []
    for index, planned in enumerate(plan.actions):
        resolution = choices.resolution(index, planned)
        if resolution == CREATE:
            fresh.append((_new_action(connector, planned, planned.name, actor), planned))
        elif resolution == RENAME:
            name = choices.renames.get(index) or planned.rename_to
            fresh.append((_new_action(connector, planned, name, actor), planned))
        elif resolution == OVERWRITE and planned.existing in current:
            _overwrite(current[planned.existing], planned, actor, note)
            outcome.updated.append(planned.existing)
        else:
            outcome.skipped.append(planned.name)
    writes.create_actions(
        connector,
        [(action, [arg.as_dict() for arg in planned.input_args]) for action, planned in fresh],
        user=actor,
        note=note,
    )
    outcome.created = [action.name for action, _ in fresh]

    for name in plan.removed:
        if (plan.replaces_target or name in choices.remove) and name in current:
            writes.delete(current[name], user=actor, note=note)
            outcome.removed.append(name)
    if not outcome.connector_created and (outcome.created or outcome.updated or outcome.removed):
        writes.touch_connector(connector, user=actor)
    return outcome


@sensitive_variables("choices")
@transaction.atomic
def apply_all(plan: Plan, choices: Choices, user: Any, *, may_set_credentials: bool) -> Outcome:
    """The plan and the connectors for its other hosts (hosts.plan_for), in one transaction;
    theirs take every action the preview proposed for them."""
    outcome = apply(plan, choices, user, may_set_credentials=may_set_credentials)
    for other in plan.others:
        if other.auth.auth_config == plan.auth.auth_config:
            other.auth.settings = dict(plan.auth.settings)  # as typed in the preview
        done = apply(
            other,
            Choices(connector_mode=choices.connector_mode),
            user,
            may_set_credentials=False,
        )
        outcome.notes.append(f"Connector {done.connector.name}: actions {done.summary()}.")
    return outcome


@sensitive_variables("value", "choices")
def _create_credentials(
    plan: Plan,
    choices: Choices,
    actor: Any,
    user_name: str,
    may_set: bool,
    note: str,
    outcome: Outcome,
) -> None:
    if actor is None or not actor.has_perm("connectors.manage_credentials"):
        return  # a Developer's typed values are the connector's own secrets (see the readers)
    for wanted in plan.credentials:
        value = wanted.value or (choices.credential_values.get(wanted.name, "") if may_set else "")
        if not value or Credential.objects.filter(name=wanted.name).exists():
            continue
        if references.is_env_credential(wanted.name):
            outcome.notes.append(
                f"{wanted.name} is an environment credential (STUDIO_ENV_CREDENTIALS): no team "
                "credential may take its name, so none was created."
            )
            continue
        credential = Credential(
            name=wanted.name,
            sealed=sealing.seal(value),
            hint=sealing.hint(value),
            allowed_hosts=wanted.hosts or suggested_hosts(plan, wanted.secret_field),
            set_by=actor,
            created_by=actor,
            created_via=_VIA.get(plan.kind, Credential.Via.API),
        )
        writes.save_credential(credential, user=actor, note=note)
        outcome.credentials.append(wanted.name)


@sensitive_variables("choices")
def _connector_data(plan: Plan, choices: Choices) -> dict[str, Any]:
    """The connector as the catalog document carries it: secrets as references."""
    wanted = plan.connector
    refs: dict[str, str | None] = {name: value or None for name, value in plan.auth.secrets.items()}
    for name in secret_fields(plan.auth.auth_config):
        if choices.secrets.get(name):
            refs[name] = choices.secrets[name]
    return {
        "name": wanted.name,
        "display_name": wanted.display_name,
        "description": wanted.description,
        "base_url": wanted.base_url,
        "auth_config": plan.auth.auth_config,
        "auth_settings": full_settings(plan.auth),
        "secret_references": refs,
        "headers": wanted.headers,
        "variables": wanted.variables,
        "timeout_seconds": wanted.timeout_seconds,
        "verify_tls": wanted.verify_tls,
    }


# Fields set as given; secrets and headers keep what is stored when their reference is the same.
_PLAIN = [f for f in history.CONNECTOR_FIELDS if f not in ("auth_secrets", "headers")]
PLAIN_CONNECTOR_FIELDS = list(dict.fromkeys([*_PLAIN, "variables"]))


def _sealed(reference: str, user_name: str) -> dict[str, str]:
    return sealing.sealed_field(reference, user_name)


def set_connector_fields(connector: Connector, data: dict[str, Any], user_name: str) -> None:
    """Plain fields as given; a secret keeps what is stored when its reference is the same."""
    for key in PLAIN_CONNECTOR_FIELDS:
        if key in data:
            setattr(connector, key, data[key])
    stored = dict(connector.auth_secrets) if connector.pk else {}
    auth_secrets = {}
    for name, reference in data["secret_references"].items():
        if reference and exported_reference(stored.get(name)) == reference:
            auth_secrets[name] = stored[name]  # the same reference: keep who set it and when
        elif reference:
            auth_secrets[name] = _sealed(reference, user_name)
        elif name in stored:
            auth_secrets[name] = stored[name]  # a dropped literal keeps what is here
    connector.auth_secrets = auth_secrets
    current = {r["key"].lower(): r["secret"] for r in connector.headers if "secret" in r}
    headers = []
    for row in data["headers"]:
        key = row["key"]
        if "value" in row:
            headers.append({"key": key, "value": row["value"]})
        elif row.get("secret_reference"):
            same = exported_reference(current.get(key.lower())) == row["secret_reference"]
            secret = current[key.lower()] if same else _sealed(row["secret_reference"], user_name)
            headers.append({"key": key, "secret": secret})
        elif key.lower() in current:
            headers.append({"key": key, "secret": current[key.lower()]})
    connector.headers = headers


_ACTION_COLUMNS = [f for f in history.ACTION_FIELDS if f != "name"]


def _new_action(connector: Connector, planned: ActionPlan, name: str, actor: Any) -> Action:
    action = Action(connector=connector, name=name, updated_by=actor, version=1)
    for key in _ACTION_COLUMNS:
        setattr(action, key, getattr(planned, key))
    action.checks = planned.checks or []
    return action


def _overwrite(action: Action, planned: ActionPlan, actor: Any, note: str) -> None:
    for key in _ACTION_COLUMNS:
        if key != "checks" or planned.checks is not None:
            setattr(action, key, getattr(planned, key))
    writes.save_action(
        action,
        user=actor,
        expected=action.version,
        replace_args=[arg.as_dict() for arg in planned.input_args],
        note=note,
    )
