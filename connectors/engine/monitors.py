"""Monitors: the writes (checked, every problem at once, keyed by field) and what a monitor is
as plain data (state, last run, next run, uptime), for the pages, the admin and an API.

Running them is connectors.engine.monitor_runs: the tick, the task, the alert rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncDay
from django.utils import timezone

from connectors.engine import schedules, suites
from connectors.models import AlertChannel, Monitor, SuiteResult, SuiteRun

UPTIME_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
MAX_REMIND_HOURS = 24 * 30
PASSED_RUN = Q(status=SuiteRun.Status.FINISHED, problem="", total__gt=0, passed=F("total"))


@dataclass(frozen=True)
class Values:
    """What a person sets on a monitor."""

    name: str
    connector: str = ""
    tag: str = ""
    actions: tuple[str, ...] = ()
    interval_seconds: int | None = None
    cron: str = ""
    timezone: str = "UTC"
    inputs: Any = None  # {"action" or "Connector.action": {"arg": "value"}}, or its JSON text
    alert_after: int = 2
    remind_every_hours: int | None = None
    active: bool = True


def check(values: Values, monitor: Monitor | None = None) -> dict[str, str]:
    """{field: sentence} for every problem at once; {} when the values can be saved."""
    errors = check_values(values)
    name = values.name.strip()
    if "name" not in errors and (
        Monitor.objects.filter(name=name).exclude(pk=getattr(monitor, "pk", None)).exists()
    ):
        errors["name"] = "A monitor with this name already exists."
    if scope_problem := _scope_problem(values):
        errors[scope_problem[0]] = scope_problem[1]
    return errors


def check_values(values: Values) -> dict[str, str]:
    """The rules that need no catalog: name, schedule, inputs, alert rule (an import checks
    these before the connectors a monitor runs exist)."""
    errors: dict[str, str] = {}
    name = values.name.strip()
    if not name:
        errors["name"] = "Enter a name."
    elif len(name) > 100:
        errors["name"] = "Use at most 100 characters."
    errors.update(schedules.check(values.interval_seconds, values.cron, values.timezone))
    try:
        parse_inputs(values.inputs)
    except ValueError as error:
        errors["inputs"] = str(error)
    if not 1 <= values.alert_after <= 100:
        errors["alert_after"] = "Alert after 1 to 100 failing runs in a row."
    if values.remind_every_hours is not None and not (
        1 <= values.remind_every_hours <= MAX_REMIND_HOURS
    ):
        errors["remind_every_hours"] = (
            f"Remind every 1 to {MAX_REMIND_HOURS} hours, or leave empty."
        )
    return errors


def _scope_problem(values: Values) -> tuple[str, str] | None:
    """(field, sentence) when the scope names nothing that can run."""
    if values.actions and not values.connector.strip():
        return "connector", "Choose the connector whose actions to run."
    if not values.connector.strip() and not values.tag.strip():
        return "connector", "Choose a connector or a tag to monitor."
    try:
        suites.scope_from(
            connector=values.connector, tag=values.tag, actions=values.actions
        ).actions_to_run()
    except suites.ScopeError as error:
        message = str(error)
        if message.startswith("There is no connector"):
            return "connector", message
        return ("actions" if values.actions else "tag" if values.tag else "connector"), message
    return None


def parse_inputs(given: Any) -> dict[str, dict[str, str]]:
    """The inputs map from a dict or its JSON text; ValueError with a sentence when malformed."""
    if given is None or given == "" or given == {}:
        return {}
    if isinstance(given, str):
        try:
            given = json.loads(given)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"This is not JSON (line {error.lineno}, column {error.colno})."
            ) from None
    shape = 'Give a JSON object such as {"get_pet": {"id": "7"}}: each action\'s inputs by name.'
    if not isinstance(given, dict):
        raise ValueError(shape)
    parsed: dict[str, dict[str, str]] = {}
    for action, values in given.items():
        if not isinstance(values, dict) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values.values()
        ):
            raise ValueError(shape)
        parsed[str(action)] = {str(k): str(v) for k, v in values.items()}
    return parsed


def _set(monitor: Monitor, values: Values) -> None:
    monitor.name = values.name.strip()
    monitor.connector = values.connector.strip()
    monitor.tag = values.tag.strip()
    monitor.actions = sorted({a.strip() for a in values.actions if a.strip()})
    monitor.interval_seconds = values.interval_seconds if not values.cron.strip() else None
    monitor.cron = values.cron.strip()
    monitor.timezone = values.timezone.strip() or "UTC"
    monitor.inputs = parse_inputs(values.inputs)
    monitor.alert_after = values.alert_after
    monitor.remind_every_hours = values.remind_every_hours
    monitor.active = values.active


def first_slot(monitor: Monitor, now: datetime | None = None, *, spread: bool = False) -> datetime:
    """When a new, edited or resumed monitor runs first: at once for an interval (one monitor
    made from the form or the API shows its first run straight away), at the next matching
    time for cron. With `spread` (monitors made together: an import), an interval monitor
    starts at its own phase instead (schedules.spread_slot), within one interval: many made at
    once do not all run in the same second every interval. Either way, the later slots keep
    to the first one's phase."""
    now = now or timezone.now()
    if monitor.cron:
        return schedules.next_slot(
            interval_seconds=None, cron=monitor.cron, timezone_name=monitor.timezone, after=now
        )
    if spread and monitor.pk is not None and monitor.interval_seconds:
        return schedules.spread_slot(monitor.pk, monitor.interval_seconds, now)
    return now


def _save(
    monitor: Monitor, channels: Iterable[AlertChannel] | None, *, spread: bool = False
) -> Monitor:
    try:
        with transaction.atomic():
            monitor.save()
            if spread and monitor.interval_seconds:  # its phase needs its id
                monitor.next_run_at = first_slot(monitor, spread=True)
                monitor.save(update_fields=["next_run_at"])
            if channels is not None:
                monitor.channels.set(list(channels))
    except IntegrityError:  # the same name saved at the same moment: the constraint held
        raise ValidationError({"name": "A monitor with this name already exists."}) from None
    return monitor


def create_monitor(
    values: Values,
    *,
    channels: Iterable[AlertChannel] = (),
    user: AbstractBaseUser | AnonymousUser | None = None,
    pk: int | None = None,
    spread: bool = False,
) -> Monitor:
    """A new monitor, or ValidationError({field: sentence}) with every problem; nothing saved.
    `pk` brings a deleted monitor back under its own id, so its history goes on. `spread`: one
    of many made together, starting at its own phase (see first_slot)."""
    if errors := check(values):
        raise ValidationError(errors)
    monitor = Monitor(
        pk=pk, created_by=user if user is not None and user.is_authenticated else None
    )
    _set(monitor, values)
    monitor.next_run_at = first_slot(monitor)
    return _save(monitor, channels, spread=spread)


def update_monitor(
    monitor: Monitor,
    values: Values,
    *,
    channels: Iterable[AlertChannel] | None = None,
    spread: bool = False,
) -> Monitor:
    """Change a monitor; a changed schedule (or a resume) starts over from its first slot
    (`spread`: at its own phase, see first_slot)."""
    if errors := check(values, monitor):
        raise ValidationError(errors)
    before = (monitor.interval_seconds, monitor.cron, monitor.timezone, monitor.active)
    _set(monitor, values)
    after = (monitor.interval_seconds, monitor.cron, monitor.timezone, monitor.active)
    if before != after or monitor.next_run_at is None:
        monitor.next_run_at = first_slot(monitor, spread=spread)
    return _save(monitor, channels)


def values_of(monitor: Monitor) -> Values:
    return Values(
        name=monitor.name,
        connector=monitor.connector,
        tag=monitor.tag,
        actions=tuple(monitor.actions or ()),
        interval_seconds=monitor.interval_seconds,
        cron=monitor.cron,
        timezone=monitor.timezone,
        inputs=monitor.inputs,
        alert_after=monitor.alert_after,
        remind_every_hours=monitor.remind_every_hours,
        active=monitor.active,
    )


def values_from(data: dict[str, Any]) -> Values:
    """Values from a monitor as history or a catalog file keeps it (keyed as Values is); a
    missing key has its default. TypeError or ValueError when a value has the wrong type."""
    given = {f.name: data[f.name] for f in fields(Values) if f.name in data}
    if not isinstance(given.get("actions", ()), list | tuple):
        raise TypeError("actions")
    given["actions"] = tuple(given.get("actions", ()))
    return Values(**given)


def channels_named(saved: Iterable[dict[str, Any]]) -> tuple[list[AlertChannel], list[str]]:
    """The channels of a snapshot ({"id", "name"}), by id and then by name (renamed, or
    deleted and made again), and the names of those that are gone."""
    found, gone = [], []
    for entry in saved:
        channel = (
            AlertChannel.objects.filter(pk=entry.get("id")).first() if entry.get("id") else None
        )
        channel = channel or AlertChannel.objects.filter(name=entry.get("name")).first()
        if channel is None:
            gone.append(str(entry.get("name")))
        else:
            found.append(channel)
    return found, gone


def set_active(monitor: Monitor, active: bool) -> Monitor:
    """Pause (the tick skips it) or resume (from its first slot after now)."""
    monitor.active = active
    if active:
        monitor.next_run_at = first_slot(monitor)
    monitor.save(update_fields=["active", "next_run_at", "updated_at"])
    return monitor


def delete_monitor(monitor: Monitor) -> None:
    """Its suite runs stay (pruned with the others) and its incidents are kept."""
    monitor.delete()


# --- reading ------------------------------------------------------------------------------------


def uptimes(
    monitors: list[Monitor], now: datetime | None = None
) -> dict[int, dict[str, float | None]]:
    """For each monitor: the share of its finished runs that passed over 24 h, 7 d and 30 d, in
    percent (None without a run in the window). Interrupted runs are not counted."""
    now = now or timezone.now()
    ids = [m.pk for m in monitors]
    found: dict[int, dict[str, float | None]] = {pk: dict.fromkeys(UPTIME_WINDOWS) for pk in ids}
    for key, span in UPTIME_WINDOWS.items():
        rows = (
            SuiteRun.objects.filter(
                monitor_id__in=ids, status=SuiteRun.Status.FINISHED, finished_at__gte=now - span
            )
            .values("monitor_id")
            .annotate(runs=Count("id"), ok=Count("id", filter=PASSED_RUN))
        )
        for row in rows:
            found[row["monitor_id"]][key] = round(100.0 * row["ok"] / row["runs"], 2)
    return found


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def run_data(suite: SuiteRun | None) -> dict[str, Any] | None:
    if suite is None:
        return None
    return {
        "id": suite.pk,
        "url": suite.get_absolute_url(),
        "status": suite.status,
        "passed": suite.all_passed if suite.status == SuiteRun.Status.FINISHED else None,
        "slot_at": _iso(suite.slot_at),
        "finished_at": _iso(suite.finished_at),
    }


def monitor_data(monitor: Monitor, uptime: dict[str, float | None] | None = None) -> dict[str, Any]:
    """The monitor as JSON-ready data: what is set, and its state, last run, next run, uptime."""
    return {
        "id": monitor.pk,
        "url": monitor.get_absolute_url(),
        "name": monitor.name,
        "connector": monitor.connector,
        "tag": monitor.tag,
        "actions": list(monitor.actions or []),
        "interval_seconds": monitor.interval_seconds,
        "cron": monitor.cron,
        "timezone": monitor.timezone,
        "inputs": monitor.inputs,
        "alert_after": monitor.alert_after,
        "remind_every_hours": monitor.remind_every_hours,
        "channels": sorted(monitor.channels.values_list("pk", flat=True)),
        "active": monitor.active,
        "state": monitor.state,
        "last_run": run_data(monitor.last_run),
        "next_run_at": _iso(monitor.next_run_at) if monitor.active else None,
        "uptime": uptime if uptime is not None else uptimes([monitor])[monitor.pk],
    }


def connector_states(names: Iterable[str]) -> dict[str, str]:
    """Each monitored connector's state, the worst of its monitors' (failing > pending >
    passing > paused): what the catalog and connector pages show as a badge."""
    rank = {"failing": 3, "pending": 2, "passing": 1, "paused": 0}
    states: dict[str, str] = {}
    for monitor in Monitor.objects.filter(connector__in=list(names)).only(
        "connector", "active", "health"
    ):
        now = states.get(monitor.connector)
        if now is None or rank[monitor.state] > rank[now]:
            states[monitor.connector] = monitor.state
    return states


@dataclass(frozen=True)
class RunPoint:
    suite: SuiteRun
    mean_ms: float | None  # the mean response time of its actions


def recent_runs(monitor: Monitor, count: int = 50) -> list[RunPoint]:
    """Its newest runs, oldest first, each with its actions' mean response time."""
    runs = list(SuiteRun.objects.filter(monitor=monitor).order_by("-created_at", "-id")[:count])
    means = dict(
        SuiteResult.objects.filter(suite_run__in=[r.pk for r in runs], elapsed_ms__isnull=False)
        .values("suite_run")
        .annotate(mean=Avg("elapsed_ms"))
        .values_list("suite_run", "mean")
    )
    return [RunPoint(r, means.get(r.pk)) for r in reversed(runs)]


@dataclass(frozen=True)
class Day:
    start: datetime
    runs: int
    passed: int

    @property
    def uptime(self) -> float | None:
        return 100.0 * self.passed / self.runs if self.runs else None


def daily_uptime(monitor: Monitor, days: int = 30, now: datetime | None = None) -> list[Day]:
    """One entry per day (UTC) for the last `days` days, oldest first: runs and passed runs."""
    now = now or timezone.now()
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - timedelta(days=days - 1)
    counts: dict[datetime, list[int]] = {first + timedelta(days=n): [0, 0] for n in range(days)}
    rows = (
        SuiteRun.objects.filter(
            monitor=monitor, status=SuiteRun.Status.FINISHED, finished_at__gte=first
        )
        .annotate(day=TruncDay("finished_at", tzinfo=UTC))
        .values("day")
        .annotate(runs=Count("id"), ok=Count("id", filter=PASSED_RUN))
    )
    for row in rows:
        if row["day"] in counts:
            counts[row["day"]] = [row["runs"], row["ok"]]
    return [Day(start, runs, ok) for start, (runs, ok) in counts.items()]
