"""The catalog file's format: its name and version, the keys it carries, FormatError, and a
connector and a monitor as the file carries them (secrets as references; a monitor's alert
channels by name only, a channel's URL being a secret) for export and for comparison."""

from __future__ import annotations

from typing import Any

from connectors import kinds
from connectors.catalog import history, monitor_history
from connectors.models import Action, Connector, Monitor
from connectors.secrets import sealing

FORMAT = "connector-studio-catalog"
FORMAT_VERSION = 1
# A connector travels as history knows it, but with references in place of sealed secrets.
CONNECTOR_KEYS = [
    "secret_references" if field == "auth_secrets" else field for field in history.CONNECTOR_FIELDS
]
ACTION_KEYS = history.ACTION_FIELDS  # an action travels whole
# A monitor travels as its history knows it, its channels by name.
MONITOR_KEYS = [*monitor_history.MONITOR_FIELDS, "channels"]
SKIP, OVERWRITE = "skip", "overwrite"


class FormatError(Exception):
    """The file is not a catalog this version can read; nothing was written."""


def exported_reference(stored: dict[str, Any] | None) -> str | None:
    """A stored secret as exported: its {{NAME}} reference, or None for a literal."""
    hint = (stored or {}).get("hint", "")
    return hint if sealing.is_reference(hint) else None


def export_connector(connector: Connector, actions: list[Action] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": connector.name,
        "display_name": connector.display_name,
        "description": connector.description,
        "base_url": connector.base_url,
        "auth_config": connector.auth_config,
        # Plain settings only: anything sealed that found its way in stays behind.
        "auth_settings": {
            k: v
            for k, v in connector.auth_settings.items()
            if not (isinstance(v, dict) and "sealed" in v)
        },
        "secret_references": {
            name: exported_reference(connector.auth_secrets.get(name))
            for name in kinds.secret_fields(connector.auth_config)
            if name in connector.auth_secrets
        },
        "variables": [{"key": row["key"], "value": row["value"]} for row in connector.variables],
        "headers": [_export_header(row) for row in connector.headers],
        "timeout_seconds": connector.timeout_seconds,
        "verify_tls": connector.verify_tls,
    }
    if actions is None:
        actions = list(connector.actions.prefetch_related("input_args"))
    data["actions"] = [export_action(action) for action in actions]
    return data


def _export_header(row: dict[str, Any]) -> dict[str, Any]:
    if "secret" not in row:
        return {"key": row["key"], "value": row.get("value", "")}
    reference = exported_reference(row["secret"])
    if reference:
        return {"key": row["key"], "secret_reference": reference}
    return {"key": row["key"], "secret": None}  # a literal, dropped


def export_action(action: Action) -> dict[str, Any]:
    data = {key: getattr(action, key) for key in ACTION_KEYS}
    data["input_args"] = [history.arg_snapshot(arg) for arg in action.input_args.all()]
    return data


def export_monitor(monitor: Monitor) -> dict[str, Any]:
    """What a person set on the monitor; of its channels only their names."""
    data = {key: getattr(monitor, key) for key in monitor_history.MONITOR_FIELDS}
    data["actions"] = sorted(data["actions"] or [])
    data["channels"] = sorted(channel.name for channel in monitor.channels.all())
    return data


# Fields set as given; secrets and headers keep what is stored when their reference is the same.
_PLAIN = [f for f in history.CONNECTOR_FIELDS if f not in ("auth_secrets", "headers")]
PLAIN_CONNECTOR_FIELDS = list(dict.fromkeys([*_PLAIN, "variables"]))


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
            auth_secrets[name] = sealing.sealed_field(reference, user_name)
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
            reference = row["secret_reference"]
            secret = current[key.lower()] if same else sealing.sealed_field(reference, user_name)
            headers.append({"key": key, "secret": secret})
        elif key.lower() in current:
            headers.append({"key": key, "secret": current[key.lower()]})
    connector.headers = headers
