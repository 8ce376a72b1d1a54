"""Apply a plan as the person chose: one transaction, bulk inserts, every change in history.

Every source ends here: `apply` (and `apply_all` with the connectors for other hosts) for an
API description or a cURL command, `apply_template` for a gallery template, `apply_catalog` for
a catalog file (each of its connectors as one plan, then its monitors). Every write goes
through catalog.writes, which keeps each version and history entry.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from connectors.catalog import history, writes
from connectors.catalog.document import set_connector_fields
from connectors.importing import catalog_compare, catalog_monitors, compare
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
from connectors.importing.readers import catalog
from connectors.importing.readers.gallery import GalleryPlan
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


@transaction.atomic
def apply_catalog(
    document: dict[str, Any],
    choices: dict[str, str],
    user: Any,
    monitor_choices: dict[str, str] | None = None,
) -> catalog_compare.CatalogPlan:
    """Re-plan against the catalog as it is now, then write it all or nothing: the connectors,
    then the monitors that run them (`plan.monitors` says what became of each).

    A conflict is overwritten only when `choices` (`monitor_choices` for monitors) says so for
    its name; the default is skip.
    """
    result = catalog_compare.plan(document)
    for item in result.items:
        overwrite = item.status == "conflict" and choices.get(item.name) == OVERWRITE
        if item.status not in ("create", "update") and not overwrite:
            continue
        common = compare.against_catalog(catalog.connector_plan(item.data))
        picked = Choices()
        if overwrite:
            common.history_note = "Imported (overwrite)"
            picked.connector_mode = UPDATE
            picked.resolutions = dict.fromkeys(range(len(common.actions)), "overwrite")
        else:
            common.replaces_target = False  # an update only adds actions
        apply(common, picked, user, may_set_credentials=False)
    result.monitors = catalog_monitors.apply(document, monitor_choices or {}, user)
    return result


@sensitive_variables("made")
def apply_template(made: GalleryPlan, user: Any) -> Action:
    """A gallery template: everything the preview showed, or nothing: IntegrityError when a
    connector or credential of the same name appeared meanwhile."""
    plan = compare.against_catalog(made.plan)
    if plan.target_exists or any(c.exists for c in plan.credentials):
        raise IntegrityError("a name was taken meanwhile")
    with transaction.atomic():
        outcome = apply(
            plan,
            made.choices,
            user,
            may_set_credentials=user.has_perm("connectors.manage_credentials"),
        )
        if len(outcome.credentials) != len(plan.credentials):
            raise IntegrityError("a credential could not be created")
        return outcome.connector.actions.get(name=made.first_action)
