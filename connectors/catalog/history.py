"""History: snapshots of connectors, actions, credentials, monitors and alert channels, recorded
as Revisions, and diffs.

A snapshot is the object as stored: sealed secrets stay sealed (a credential keeps only a
marker that its value changed; an alert channel keeps no URL at all, only a marker). A diff
never shows a secret: only that it changed. Monitors and channels are diffed in the words of
their forms' labels.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from connectors import kinds
from connectors.catalog import monitor_history
from connectors.lib import check_specs
from connectors.models import (
    Action,
    AlertChannel,
    Connector,
    Credential,
    InputArg,
    Monitor,
    Revision,
)

CONNECTOR_FIELDS = [
    "name",
    "display_name",
    "description",
    "base_url",
    "variables",
    "auth_config",
    "auth_settings",
    "auth_secrets",
    "headers",
    "timeout_seconds",
    "verify_tls",
]
ACTION_FIELDS = [
    "name",
    "description",
    "method",
    "path",
    "query_params",
    "headers",
    "body",
    "output_schema",
    "tags",
    "checks",
]
# Fields added after snapshots were first kept, with the value an older snapshot means.
ADDED_LATER: dict[str, Any] = {"checks": []}
ARG_FIELDS = ["name", "data_type", "description", "example_value", "required"]
LABELS = {
    "name": "Name",
    "display_name": "Display Name",
    "description": "Description",
    "base_url": "Base URL",
    "variables": "Connector Variables",
    "auth_config": "Auth Config",
    "headers": "Headers",
    "timeout_seconds": "Timeout (seconds)",
    "verify_tls": "Verify TLS",
    "method": "Method",
    "path": "Path",
    "query_params": "Query Params",
    "body": "Body",
    "output_schema": "Output Schema",
    "tags": "Tags",
    "checks": "Checks",
    "input_args": "Input Args",
    "value": "Value",
    "allowed_hosts": "Allowed hosts",
}
# Keys of a snapshot that are not fields a person edits.
NOT_DIFFED = {"version", "actions", "connector"}

Snapshot = dict[str, Any]
User = AbstractBaseUser | AnonymousUser | None
Recorded = Connector | Action | Credential | Monitor | AlertChannel


class Change(NamedTuple):
    field: str
    old: str
    new: str
    secret: bool = False  # old and new then say only "set", "changed" or "not set"


# --- snapshots -----------------------------------------------------------------------------------


def arg_snapshot(arg: InputArg) -> dict[str, Any]:
    return {field: getattr(arg, field) for field in ARG_FIELDS}


def snapshot(
    obj: Recorded,
    *,
    with_actions: bool = False,
    args: list[dict[str, Any]] | None = None,
) -> Snapshot:
    """The object as stored; a connector about to be deleted takes its actions along. An
    action's Input Args are read unless given (`args`: rows just inserted in bulk)."""
    if isinstance(obj, Monitor):
        return monitor_history.monitor_snapshot(obj)
    if isinstance(obj, AlertChannel):
        return monitor_history.channel_snapshot(obj)
    if isinstance(obj, Connector):
        data = {field: getattr(obj, field) for field in CONNECTOR_FIELDS}
        data["version"] = obj.version
        if with_actions:
            actions = obj.actions.prefetch_related("input_args")
            data["actions"] = [snapshot(action) | {"id": action.pk} for action in actions]
        return data
    if isinstance(obj, Action):
        data = {field: getattr(obj, field) for field in ACTION_FIELDS}
        data["connector"] = obj.connector.name
        if args is None:
            data["input_args"] = [arg_snapshot(arg) for arg in obj.input_args.all()]
        else:
            data["input_args"] = [{field: arg[field] for field in ARG_FIELDS} for arg in args]
        data["version"] = obj.version
        return data
    # A credential's old values are never kept: a digest of the sealed token (random per
    # sealing, so it says nothing about the value) only tells that the value changed.
    marker = hashlib.sha256(obj.sealed.encode()).hexdigest()[:16]
    return {"name": obj.name, "value": marker, "allowed_hosts": list(obj.allowed_hosts or [])}


def kind_of(obj: Recorded) -> str:
    if isinstance(obj, Connector):
        return Revision.Kind.CONNECTOR
    if isinstance(obj, Action):
        return Revision.Kind.ACTION
    if isinstance(obj, Monitor):
        return Revision.Kind.MONITOR
    if isinstance(obj, AlertChannel):
        return Revision.Kind.CHANNEL
    return Revision.Kind.CREDENTIAL


def record(
    obj: Recorded,
    event: str,
    user: User,
    *,
    note: str = "",
    data: Snapshot | None = None,
) -> Revision:
    """Record one change; call it after the save (or just before a delete)."""
    made = revision(obj, event, user, note=note, data=data)
    made.save(force_insert=True)
    return made


def revision(
    obj: Recorded,
    event: str,
    user: User,
    *,
    note: str = "",
    data: Snapshot | None = None,
) -> Revision:
    """The revision record() stores, unsaved: for a bulk insert of many."""
    if data is None:
        data = snapshot(obj, with_actions=event == Revision.Event.DELETED)
    kind = kind_of(obj)
    version = data.get("version")
    if kind in (Revision.Kind.MONITOR, Revision.Kind.CHANNEL):
        # No version column of their own: each revision numbers the next one.
        last = Revision.objects.filter(kind=kind, object_id=obj.pk).order_by("-at", "-id")
        version = (last.values_list("version", flat=True).first() or 0) + 1
    return Revision(
        kind=kind,
        object_id=obj.pk,
        object_name=obj.name,
        connector_name=obj.connector.name if isinstance(obj, Action) else "",
        event=event,
        user=user if user is not None and user.is_authenticated else None,
        snapshot=data,
        version=version,
        note=note[:200],
    )


def revision_at(kind: str, object_id: int, version: int) -> Revision | None:
    """The revision that left the object at this version (the latest one, after a restore)."""
    found = Revision.objects.filter(kind=kind, object_id=object_id, version=version)
    return found.exclude(event=Revision.Event.DELETED).first()


def with_diffs(revisions: list[Revision]) -> list[tuple[Revision, list[Change]]]:
    """Newest first, each with what it changed from the revision before it."""
    result = []
    for index, revision in enumerate(revisions):
        older = revisions[index + 1].snapshot if index + 1 < len(revisions) else None
        changes = diff(older, revision.snapshot, revision.kind) if older is not None else []
        result.append((revision, changes))
    return result


# --- diffs ---------------------------------------------------------------------------------------


def label(field: str) -> str:
    if field in LABELS:
        return LABELS[field]
    return kinds.label(field) or field.replace("_", " ").capitalize()


def _choice_text(field: str, value: Any) -> str:
    """A chosen value by its label ("Api Key Auth", "Header Auth"), not its stored code."""
    if isinstance(value, str) and value:
        if field == "auth_config" and value in Connector.AuthConfig.values:
            return str(Connector.AuthConfig(value).label)
        if (shown := kinds.choice_label(field, value)) is not None:
            return shown
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, sort_keys=True)
    return str(value)


def _rows_text(rows: list[dict[str, Any]]) -> str:
    """Key/value rows, one a line; a secret row shows its key only."""
    lines = []
    for row in rows or []:
        value = "•••• (secret)" if "secret" in row else row.get("value", "")
        lines.append(f"{row['key']}: {value}")
    return "\n".join(lines)


def _args_text(args: list[dict[str, Any]]) -> str:
    lines = []
    for arg in args or []:
        line = f"{arg['name']} ({arg['data_type']}{', required' if arg['required'] else ''})"
        if arg.get("description"):
            line += f" — {arg['description']}"
        if arg.get("example_value"):
            line += f"; example: {arg['example_value']}"
        lines.append(line)
    return "\n".join(lines)


def _checks_text(checks: list[dict[str, Any]] | None) -> str:
    """Checks as sentences, one a line: "Status is 2xx", "$.id exists"."""
    return "\n".join(check_specs.describe(check) for check in checks or [])


def field_value(data: Snapshot, field: str) -> Any:
    """A field of a snapshot; one recorded before the field existed holds what it meant."""
    if field not in data and field in ADDED_LATER:
        return ADDED_LATER[field]
    return data[field]


def _secret_change(field: str, old: dict | None, new: dict | None) -> Change | None:
    old_sealed = (old or {}).get("sealed")
    new_sealed = (new or {}).get("sealed")
    if old_sealed == new_sealed:
        return None
    if old_sealed is None:
        return Change(field, "not set", "set", secret=True)
    if new_sealed is None:
        return Change(field, "set", "not set", secret=True)
    return Change(field, "set", "changed", secret=True)


def _secret_rows(rows: list[dict[str, Any]]) -> dict[str, dict]:
    return {row["key"].lower(): row["secret"] for row in rows or [] if "secret" in row}


def diff(old: Snapshot, new: Snapshot, kind: str = "") -> list[Change]:
    """Field by field, old to new; secrets appear only as set, changed or not set."""
    if kind == Revision.Kind.MONITOR:
        return [Change(*row) for row in monitor_history.monitor_diff(old, new)]
    if kind == Revision.Kind.CHANNEL:
        return [Change(*row) for row in monitor_history.channel_diff(old, new)]
    changes: list[Change] = []
    for field in list(dict.fromkeys([*old, *new])):
        if field in NOT_DIFFED:
            continue
        before, after = old.get(field), new.get(field)
        if field == "auth_settings":
            for key in dict.fromkeys([*(before or {}), *(after or {})]):
                was, now = (before or {}).get(key), (after or {}).get(key)
                if was != now:
                    changes.append(
                        Change(label(key), _choice_text(key, was), _choice_text(key, now))
                    )
        elif field == "auth_secrets":
            for key in dict.fromkeys([*(before or {}), *(after or {})]):
                change = _secret_change(label(key), (before or {}).get(key), (after or {}).get(key))
                if change:
                    changes.append(change)
        elif field == "value":  # a credential's value marker
            if before != after:
                changes.append(Change("Value", "set", "changed", secret=True))
        elif field in ("headers", "query_params", "variables"):
            if _rows_text(before) != _rows_text(after):
                changes.append(Change(label(field), _rows_text(before), _rows_text(after)))
            was, now = _secret_rows(before), _secret_rows(after)
            for key in dict.fromkeys([*was, *now]):
                change = _secret_change(f"Header {key}", was.get(key), now.get(key))
                if change and key in was and key in now:
                    changes.append(change)
        elif field == "checks":
            if _checks_text(before) != _checks_text(after):
                changes.append(Change(label(field), _checks_text(before), _checks_text(after)))
        elif field == "input_args":
            if before != after:
                changes.append(Change(label(field), _args_text(before), _args_text(after)))
        elif before != after:
            changes.append(
                Change(label(field), _choice_text(field, before), _choice_text(field, after))
            )
    return changes


def shown(data: Snapshot, kind: str = "") -> list[Change]:
    """A snapshot as a list of fields, secrets as set or not set: a diff from nothing."""
    empty = dict.fromkeys(data)
    changes = diff(empty, data, kind)
    return [c._replace(old="") for c in changes if c.new or c.secret]
