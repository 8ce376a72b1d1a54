"""History of monitors and alert channels: their snapshots, and their diffs in the words of
their forms' labels (connectors.forms.monitor, connectors.forms.alert_channel).

A channel's URL is a secret: its snapshot keeps only a marker (a digest of the sealed token,
random per sealing) that tells it was set or changed; never the URL, sealed or not, nor its
hint. connectors.catalog.history records these and turns their changes into `Change`s.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from connectors.models import AlertChannel, Monitor

Snapshot = dict[str, Any]
Row = tuple[str, str, str, bool]  # label, before, after, secret

MONITOR_FIELDS = [
    "name",
    "connector",
    "tag",
    "actions",
    "inputs",
    "interval_seconds",
    "cron",
    "timezone",
    "alert_after",
    "remind_every_hours",
    "active",
]
# The form's labels; the interval shows in minutes, as the form asks for it.
MONITOR_LABELS = {
    "name": "Name",
    "connector": "Connector",
    "tag": "Tag",
    "actions": "Actions",
    "inputs": "Inputs",
    "interval_seconds": "Every (minutes)",
    "cron": "Cron",
    "timezone": "Time zone",
    "alert_after": "Alert after",
    "remind_every_hours": "Remind every (hours)",
    "channels": "Channels",
    "active": "Active",
}
CHANNEL_LABELS = {"name": "Name", "kind": "Kind", "target": "Target"}


def marker(sealed: str) -> str:
    """Says a sealed value changed, and nothing about the value (the token is random)."""
    return hashlib.sha256(sealed.encode()).hexdigest()[:16] if sealed else ""


def monitor_snapshot(monitor: Monitor) -> Snapshot:
    """What a person set; channels by id and name (a restore finds them by id, then name)."""
    data = {field: getattr(monitor, field) for field in MONITOR_FIELDS}
    data["actions"] = list(data["actions"] or [])
    data["channels"] = [
        {"id": pk, "name": name}
        for pk, name in monitor.channels.order_by("name").values_list("pk", "name")
    ]
    return data


def channel_snapshot(channel: AlertChannel) -> Snapshot:
    """Name, kind and an email address; of a URL only the marker."""
    return {
        "name": channel.name,
        "kind": channel.kind,
        "target": channel.address,
        "url": marker(channel.url_sealed),
    }


def _monitor_text(field: str, value: Any) -> str:
    if value is None or value == {} or value == []:
        return ""
    if field == "interval_seconds":
        return f"{value / 60:g}"
    if field == "actions":
        return ", ".join(value)
    if field == "channels":
        return ", ".join(channel["name"] for channel in value)
    if field == "active":
        return "on" if value else "off"
    if isinstance(value, dict):
        return json.dumps(value, indent=2, sort_keys=True)
    return str(value)


def monitor_diff(old: Snapshot, new: Snapshot) -> list[Row]:
    rows = []
    for field, label in MONITOR_LABELS.items():
        was, now = _monitor_text(field, old.get(field)), _monitor_text(field, new.get(field))
        if was != now:
            rows.append((label, was, now, False))
    return rows


def _kind_label(kind: str) -> str:
    return str(AlertChannel.Kind(kind).label) if kind in AlertChannel.Kind.values else kind


def channel_diff(old: Snapshot, new: Snapshot) -> list[Row]:
    rows = []
    for field, label in CHANNEL_LABELS.items():
        was, now = old.get(field) or "", new.get(field) or ""
        if was != now:
            if field == "kind":
                was, now = _kind_label(was), _kind_label(now)
            rows.append((label, was, now, False))
    was, now = old.get("url") or "", new.get("url") or ""
    if was != now:  # a URL: only whether it is set, changed or gone
        before = "set" if was else "not set"
        after = ("changed" if was else "set") if now else "not set"
        rows.append(("Target URL", before, after, True))
    return rows
