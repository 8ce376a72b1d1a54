"""Restoring from history: an earlier version of a connector or action, or undoing a deletion.

An earlier version never brings back an older secret unless asked (`with_secrets`): the
connector keeps the secrets it has now. Undoing a deletion brings the connector back as it was
deleted, its actions and input args with it, under the same ids so its history continues; its
secrets then are the latest ones, not older ones, so they come back too.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from connectors.catalog import history, writes
from connectors.catalog.history import ACTION_FIELDS, ARG_FIELDS, CONNECTOR_FIELDS
from connectors.models import Action, Connector, InputArg, Revision
from connectors.secrets import homes

PLAIN_CONNECTOR_FIELDS = [f for f in CONNECTOR_FIELDS if f not in ("auth_secrets", "headers")]


class RestoreError(Exception):
    """A restore that cannot be done; the message says why and what to do."""


class Restored:
    def __init__(
        self, obj: Connector | Action, unset_secrets: list[str], home_notes: list[str] | None = None
    ) -> None:
        self.obj = obj
        self.unset_secrets = unset_secrets  # secrets the restored version needs set again
        self.home_notes = home_notes or []  # secrets retired: the version sends to another host


def restore(revision: Revision, user: Any, *, with_secrets: bool = False) -> Restored:
    """Restore the revision's version, or undo its deletion; all of it or nothing."""
    try:
        with transaction.atomic():
            if revision.kind == Revision.Kind.CONNECTOR:
                return _restore_connector(revision, user, with_secrets)
            if revision.kind == Revision.Kind.ACTION:
                return _restore_action(revision, user)
    except IntegrityError:
        raise RestoreError(
            f"Another {revision.kind} is named {revision.object_name} now: rename it first."
        ) from None
    raise RestoreError("A credential cannot be restored: its old values are not kept.")


# --- connectors ----------------------------------------------------------------------------------


def _restore_connector(revision: Revision, user: Any, with_secrets: bool) -> Restored:
    data = revision.snapshot
    connector = Connector.objects.select_for_update().filter(pk=revision.object_id).first()
    if revision.event == Revision.Event.DELETED:
        if connector is not None:
            raise RestoreError(f"Connector {connector.name} is already back.")
        return _undo_connector_deletion(revision, user)
    if connector is None:
        raise RestoreError(
            f"Connector {revision.object_name} was deleted: undo its deletion first "
            "(Recently deleted)."
        )
    before = homes.snapshot(connector)
    for field in PLAIN_CONNECTOR_FIELDS:
        setattr(connector, field, _snapshot_value(data, field))
    unset: list[str] = []
    if with_secrets:
        connector.auth_secrets = data["auth_secrets"]
        connector.headers = data["headers"]
    else:
        connector.auth_secrets, unset = _current_secrets(connector, data["auth_secrets"])
        connector.headers, unset_headers = _headers_keeping_secrets(connector, data["headers"])
        unset += unset_headers
    # Today's secrets stay only if the restored version sends them to the same hosts.
    notes = homes.settle(before, connector)
    kept = "with its secrets" if with_secrets else "secrets kept as they were"
    if notes:
        kept += "; those bound to a host it moved from cleared"
    writes.save_connector(
        connector,
        user=user,
        expected=connector.version,
        event=Revision.Event.RESTORED,
        note=f"Restored version {revision.version} ({kept})",
    )
    return Restored(connector, unset, notes)


def _snapshot_value(data: dict[str, Any], field: str) -> Any:
    """A field of a snapshot; one older than the field has its default."""
    if field in data:
        return data[field]
    return Connector._meta.get_field(field).get_default()


def _current_secrets(connector: Connector, wanted: dict[str, Any]) -> tuple[dict, list[str]]:
    """The connector's current secrets for the fields the restored version had set."""
    kept = {name: connector.auth_secrets[name] for name in wanted if name in connector.auth_secrets}
    return kept, [history.label(name) for name in wanted if name not in kept]


def _headers_keeping_secrets(
    connector: Connector, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The restored rows; a secret row takes today's value of that header, or is left out."""
    current = {row["key"].lower(): row["secret"] for row in connector.headers if "secret" in row}
    result, unset = [], []
    for row in rows:
        if "secret" not in row:
            result.append(row)
        elif row["key"].lower() in current:
            result.append({"key": row["key"], "secret": current[row["key"].lower()]})
        else:
            unset.append(f"header {row['key']}")
    return result, unset


def _undo_connector_deletion(revision: Revision, user: Any) -> Restored:
    data = revision.snapshot
    connector = Connector(pk=revision.object_id, updated_by=user)
    for field in CONNECTOR_FIELDS:
        setattr(connector, field, _snapshot_value(data, field))
    connector.version = (data.get("version") or 0) + 1
    homes.settle(None, connector)
    connector.save(force_insert=True)
    history.record(connector, Revision.Event.RESTORED, user, note="Undid the deletion")
    for action_data in data.get("actions", []):
        action = _new_action(connector, action_data, action_data.get("id"), user)
        history.record(action, Revision.Event.RESTORED, user, note="Came back with its connector")
    return Restored(connector, [])


# --- actions -------------------------------------------------------------------------------------


def _restore_action(revision: Revision, user: Any) -> Restored:
    data = revision.snapshot
    action = (
        Action.objects.select_for_update()
        .select_related("connector")
        .filter(pk=revision.object_id)
        .first()
    )
    if revision.event == Revision.Event.DELETED:
        if action is not None:
            raise RestoreError(f"Action {action.name} is already back.")
        connector = Connector.objects.filter(name=data["connector"]).first()
        if connector is None:
            raise RestoreError(
                f"Connector {data['connector']} is gone too: undo its deletion first."
            )
        action = _new_action(connector, data, revision.object_id, user)
        history.record(action, Revision.Event.RESTORED, user, note="Undid the deletion")
        return Restored(action, [])
    if action is None:
        raise RestoreError(
            f"Action {revision.object_name} was deleted: undo its deletion first "
            "(Recently deleted)."
        )
    for field in ACTION_FIELDS:
        setattr(action, field, history.field_value(data, field))
    writes.save_action(
        action,
        user=user,
        expected=action.version,
        replace_args=data["input_args"],
        event=Revision.Event.RESTORED,
        note=f"Restored version {revision.version}",
    )
    return Restored(action, [])


def _new_action(connector: Connector, data: dict[str, Any], pk: int | None, user: Any) -> Action:
    action = Action(connector=connector, updated_by=user)
    if pk is not None and not Action.objects.filter(pk=pk).exists():
        action.pk = pk  # the same id, so the action's history continues
    for field in ACTION_FIELDS:
        setattr(action, field, history.field_value(data, field))
    action.version = (data.get("version") or 0) + 1
    action.save(force_insert=True)
    _new_args(action, data["input_args"])
    return action


def _new_args(action: Action, args: list[dict[str, Any]]) -> None:
    InputArg.objects.bulk_create(
        InputArg(action=action, **{field: arg[field] for field in ARG_FIELDS}) for arg in args
    )
