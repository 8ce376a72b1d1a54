"""The monitors of a catalog file: what importing them would do, and doing it.

A monitor is created when its name is new, left alone when it is the same, and a conflict
(skipped unless overwritten) when it differs. One whose rules fail (its schedule, its inputs,
a scope that names nothing the catalog will hold) is not imported, and the preview says why.
Its alert channels travel by name only: a name with no channel here is reported and left out
(a channel's URL is a secret, never in a file). Everything is written with the connectors, in
their one transaction, through the monitors' own service and recorded in history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from connectors.catalog import history, monitor_history
from connectors.catalog.document import MONITOR_KEYS, OVERWRITE, export_monitor
from connectors.engine import monitors, suites
from connectors.models import Action, AlertChannel, Connector, Monitor, Revision

CREATE, UNCHANGED, CONFLICT, INVALID = "create", "unchanged", "conflict", "invalid"


@dataclass
class MonitorItem:
    """What importing one monitor would do (and, once applied, what it did)."""

    name: str
    status: str  # create, unchanged, conflict, invalid
    data: dict[str, Any]
    changed_fields: list[str] = field(default_factory=list)  # in the form's words
    missing_channels: list[str] = field(default_factory=list)  # left out: no such channel here
    problem: str = ""  # why an invalid one is not imported
    outcome: str = ""  # after apply: created, overwritten, skipped, unchanged, not imported

    @property
    def schedule_text(self) -> str:
        return Monitor(
            interval_seconds=self.data["interval_seconds"],
            cron=self.data["cron"],
            timezone=self.data["timezone"],
        ).schedule_text


def plan(document: dict[str, Any], *, after_import: bool = False) -> list[MonitorItem]:
    """Compare the file's monitors with the catalog; writes nothing. Before the import the
    scopes are read against the catalog and the file's connectors together; after it (when
    applying) against the catalog alone, as saving reads them."""
    wanted = document.get("monitors", [])
    existing = {
        m.name: m
        for m in Monitor.objects.filter(name__in=[d["name"] for d in wanted]).prefetch_related(
            "channels"
        )
    }
    channels = set(
        AlertChannel.objects.filter(
            name__in={name for d in wanted for name in d["channels"]}
        ).values_list("name", flat=True)
    )
    in_file = {} if after_import else _file_actions(document)
    items = []
    for data in wanted:
        item = MonitorItem(data["name"], CREATE, data)
        item.missing_channels = [name for name in data["channels"] if name not in channels]
        item.problem = _problem(data, in_file)
        current = existing.get(data["name"])
        if item.problem:
            item.status = INVALID
        elif current is not None:
            now = export_monitor(current)
            item.changed_fields = [
                monitor_history.MONITOR_LABELS[key]
                for key in MONITOR_KEYS
                if _comparable(key, data[key]) != _comparable(key, now[key])
            ]
            item.status = CONFLICT if item.changed_fields else UNCHANGED
        items.append(item)
    return items


def _comparable(key: str, value: Any) -> Any:
    return sorted(value) if key in ("actions", "channels") else value


def _values(data: dict[str, Any]) -> monitors.Values:
    return monitors.values_from({key: data[key] for key in MONITOR_KEYS if key != "channels"})


def _problem(data: dict[str, Any], in_file: dict[str, dict[str, list[str]]]) -> str:
    """Why the monitor cannot be saved, in the form's words; "" when it can."""
    values = _values(data)
    errors = monitors.check_values(values)
    if not errors:
        scope = _scope_problem(values, in_file)
        if scope:
            errors["connector"] = scope
    return "; ".join(
        f"{monitor_history.MONITOR_LABELS.get(key, key)}: {sentence}"
        for key, sentence in errors.items()
    )


def _file_actions(document: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """The file's connectors: each action's name and tags."""
    return {
        c["name"]: {a["name"]: list(a.get("tags") or []) for a in c["actions"]}
        for c in document["connectors"]
    }


def _scope_problem(values: monitors.Values, in_file: dict[str, dict[str, list[str]]]) -> str:
    """The scope read against the catalog and the file's connectors together (an update adds
    the file's actions; an overwrite may drop some, which applying then reports)."""
    connector, tag = values.connector.strip(), values.tag.strip()
    if values.actions and not connector:
        return "Choose the connector whose actions to run."
    if not connector and not tag:
        return "Choose a connector or a tag to monitor."
    if not connector:  # a tag across every connector
        if any(tag in tags for actions in in_file.values() for tags in actions.values()):
            return ""
        return _catalog_scope_problem(values)
    actions = dict(in_file.get(connector, {}))
    if Connector.objects.filter(name=connector).exists():
        for name, tags in Action.objects.filter(connector__name=connector).values_list(
            "name", "tags"
        ):
            actions.setdefault(name, list(tags or []))
    elif connector not in in_file:
        return f"There is no connector named {connector}."
    if unknown := sorted(set(values.actions) - set(actions)):
        return f"{connector} has no action {unknown[0]}."
    chosen = [
        tags for name, tags in actions.items() if not values.actions or name in values.actions
    ]
    if tag:
        chosen = [tags for tags in chosen if tag in tags]
    return "" if chosen else "There is no action to test in this choice."


def _catalog_scope_problem(values: monitors.Values) -> str:
    try:
        suites.scope_from(connector=values.connector, tag=values.tag).actions_to_run()
    except suites.ScopeError as error:
        return str(error)
    return ""


def apply(document: dict[str, Any], choices: dict[str, str], user: Any) -> list[MonitorItem]:
    """Write the file's monitors, once its connectors are written (inside their transaction):
    re-planned against the catalog as it is now. A conflict is overwritten only when `choices`
    says so for its name. Each monitor is saved whole or not at all."""
    items = plan(document, after_import=True)
    for item in items:
        overwrite = item.status == CONFLICT and choices.get(item.name) == OVERWRITE
        if item.status == INVALID:
            item.outcome = f"not imported: {item.problem}"
            continue
        if item.status == UNCHANGED or (item.status == CONFLICT and not overwrite):
            item.outcome = "unchanged" if item.status == UNCHANGED else "skipped"
            continue
        chosen, _gone = monitors.channels_named([{"name": n} for n in item.data["channels"]])
        try:
            if item.status == CREATE:
                saved = monitors.create_monitor(
                    _values(item.data), channels=chosen, user=user, spread=True
                )
                history.record(saved, Revision.Event.CREATED, user, note="Imported")
                item.outcome = "created"
            else:
                current = Monitor.objects.get(name=item.name)
                saved = monitors.update_monitor(
                    current, _values(item.data), channels=chosen, spread=True
                )
                history.record(saved, Revision.Event.CHANGED, user, note="Imported (overwrite)")
                item.outcome = "overwritten"
        except ValidationError as error:
            reasons = "; ".join(" ".join(s) for s in error.message_dict.values())
            item.outcome = f"not imported: {reasons}"
    return items
