"""Running monitors: the tick that claims due slots, the task that runs one, the alert rule.

The tick runs every STUDIO_MONITOR_TICK_SECONDS in every worker process (`studio_worker`
starts it as a thread; `manage.py monitor_tick` runs it alone). It claims a due monitor with one
conditional UPDATE that moves `next_run_at` to the next future slot only if it still holds the
value the tick read: of any number of ticks on any number of machines, one wins each slot.
The claim and the slot's SuiteRun are one transaction, and a unique (monitor, slot) constraint
refuses a second run of a slot whatever happens. A slot missed while nothing ran runs once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.tasks import task
from django.utils import timezone

from connectors.engine import alerts, schedules, suites
from connectors.models import Incident, Monitor, SuiteResult, SuiteRun
from connectors.secrets import sealing

logger = logging.getLogger(__name__)

CLAIMS_PER_TICK = 1000
INTERRUPTED_RUNNING = (
    "Interrupted: the worker running this suite run stopped before the end. The monitor's "
    "next slot runs as usual."
)
INTERRUPTED_QUEUED = (
    "Interrupted: no worker started this run in time (are workers running?). The monitor's "
    "next slot runs as usual."
)


@dataclass(frozen=True)
class TickResult:
    claimed: list[int]  # the suite runs made, one per claimed slot
    interrupted: int


def tick(now: datetime | None = None) -> TickResult:
    """Mark stale runs interrupted, then claim every due monitor's slot and queue its run."""
    now = now or timezone.now()
    interrupted = interrupt_stale(now)
    due = list(
        Monitor.objects.filter(active=True, next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("pk", "next_run_at", "interval_seconds", "cron", "timezone", *SCOPE_FIELDS)[
            :CLAIMS_PER_TICK
        ]
    )
    claimed = []
    for pk, seen, interval_seconds, cron, zone, *scope in due:
        following = schedules.next_slot(
            interval_seconds=interval_seconds,
            cron=cron,
            timezone_name=zone,
            after=now,
            anchor=seen,
        )
        if (
            suite := claim(pk, seen, following, dict(zip(SCOPE_FIELDS, scope, strict=True)))
        ) is not None:
            claimed.append(suite.pk)
    return TickResult(claimed, interrupted)


SCOPE_FIELDS = ("name", "connector", "tag", "actions", "created_by_id")


def claim(pk: int, seen: datetime, following: datetime, monitor: dict[str, Any]) -> SuiteRun | None:
    """Move the monitor from the slot `seen` to `following` and store that slot's run, or None
    when another tick took the slot first (or the monitor was paused or changed meanwhile).
    Kept to three writes: the worker looks up the scope's actions (prepare)."""
    scope = _scope_of(monitor)
    try:
        with transaction.atomic():
            moved = Monitor.objects.filter(pk=pk, active=True, next_run_at=seen).update(
                next_run_at=following
            )
            if not moved:
                return None
            suite = SuiteRun.objects.create(
                monitor_id=pk,
                slot_at=seen,
                scope=scope.as_dict(),
                scope_key=scope.key,
                title=f"{monitor['name']}: {scope.title}"[:300],
                user_id=monitor["created_by_id"],
            )
            transaction.on_commit(partial(run_monitor.enqueue, suite.pk), robust=True)
    except IntegrityError:  # the slot's run exists already: the constraint held
        return None
    return suite


def _scope_of(monitor: dict[str, Any]) -> suites.Scope:
    actions = tuple(monitor["actions"] or ())
    try:
        return suites.scope_from(
            connector=monitor["connector"], tag=monitor["tag"], actions=actions
        )
    except suites.ScopeError:
        return suites.Scope(connector=monitor["connector"], tag=monitor["tag"], actions=actions)


def prepare(suite_run_id: int) -> None:
    """The worker's first step of a claimed slot: one pending result per action of the scope,
    or a finished, failing run saying why nothing can run (so it alerts)."""
    with transaction.atomic():
        suite = (
            SuiteRun.objects.select_for_update()
            .filter(pk=suite_run_id, status=SuiteRun.Status.QUEUED)
            .first()
        )
        if suite is None or suite.total or suite.results.exists():
            return  # gone, taken, or prepared already
        scope = suites.Scope(
            connector=suite.scope.get("connector", ""),
            tag=suite.scope.get("tag", ""),
            actions=tuple(suite.scope.get("actions", ())),
        )
        try:
            chosen = scope.actions_to_run()
        except suites.ScopeError as error:
            now = timezone.now()
            SuiteRun.objects.filter(pk=suite.pk).update(
                status=SuiteRun.Status.FINISHED,
                started_at=now,
                finished_at=now,
                problem=f"Nothing ran: {error}",
            )
            return
        suites.add_results(suite, chosen)
        SuiteRun.objects.filter(pk=suite.pk).update(total=len(chosen))


def interrupt_stale(now: datetime) -> int:
    """Suite runs running past the deadline (their worker died), and monitor runs still queued
    past it (their task was lost), become interrupted: no monitor waits on them."""
    deadline = now - timedelta(seconds=settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS)
    count = SuiteRun.objects.filter(status=SuiteRun.Status.RUNNING, started_at__lt=deadline).update(
        status=SuiteRun.Status.INTERRUPTED, finished_at=now, problem=INTERRUPTED_RUNNING
    )
    count += SuiteRun.objects.filter(
        status=SuiteRun.Status.QUEUED, monitor__isnull=False, created_at__lt=deadline
    ).update(status=SuiteRun.Status.INTERRUPTED, finished_at=now, problem=INTERRUPTED_QUEUED)
    if count:
        logger.warning("Marked %s suite run(s) interrupted", count)
    return count


@task
def run_monitor(suite_run_id: int) -> None:
    """The worker's side of a slot: run the suite, then apply the alert rule. Every secret
    decrypted on the way is collected, and masked out of the alerts once more."""
    with sealing.collecting_in_play():
        prepare(suite_run_id)
        suites.execute(suite_run_id)
        after_run(suite_run_id)


# --- the alert rule -------------------------------------------------------------------------------


def after_run(suite_run_id: int) -> str:
    """Apply the alert rule to a finished monitor run; returns what was sent ("failing",
    "reminder", "recovered") or "". A run older than the monitor's last counted one is ignored,
    as is the same run given twice."""
    suite = SuiteRun.objects.filter(pk=suite_run_id).first()
    if suite is None or suite.monitor_id is None or suite.status != SuiteRun.Status.FINISHED:
        return ""
    now = timezone.now()
    with transaction.atomic():
        monitor = Monitor.objects.select_for_update().filter(pk=suite.monitor_id).first()
        if monitor is None or _counted_already(monitor, suite):
            return ""
        incident = monitor.incidents.filter(closed_at__isnull=True).first()
        monitor.last_run = suite
        notice = ""
        if suite.all_passed:
            monitor.health, monitor.consecutive_failures = Monitor.Health.PASSING, 0
            if incident is not None:
                incident.closed_at, incident.closed_by = now, suite
                incident.save(update_fields=["closed_at", "closed_by"])
                notice = "recovered"
        else:
            monitor.health = Monitor.Health.FAILING
            monitor.consecutive_failures += 1
            if incident is None and monitor.consecutive_failures >= monitor.alert_after:
                incident = Incident.objects.create(
                    monitor=monitor,
                    monitor_name=monitor.name,
                    opened_at=now,
                    opened_by=suite,
                    failing=_failing_names(suite),
                    last_alert_at=now,
                )
                notice = "failing"
            elif incident is not None and _reminder_due(monitor, incident, now):
                incident.last_alert_at = now
                incident.save(update_fields=["last_alert_at"])
                notice = "reminder"
        monitor.save(update_fields=["health", "consecutive_failures", "last_run"])
    if notice and incident is not None:
        deliver(monitor, suite, incident, notice)
    return notice


def _counted_already(monitor: Monitor, suite: SuiteRun) -> bool:
    if monitor.last_run_id is None:
        return False
    if monitor.last_run_id == suite.pk:
        return True
    last = SuiteRun.objects.filter(pk=monitor.last_run_id).values_list("slot_at", flat=True).first()
    return last is not None and suite.slot_at is not None and suite.slot_at <= last


def _reminder_due(monitor: Monitor, incident: Incident, now: datetime) -> bool:
    if not monitor.remind_every_hours or incident.last_alert_at is None:
        return False
    return now - incident.last_alert_at >= timedelta(hours=monitor.remind_every_hours)


def _failing_names(suite: SuiteRun) -> list[str]:
    return [
        f"{r.connector_name}.{r.action_name}"
        for r in suite.results.exclude(outcome=SuiteResult.Outcome.PASSED)
    ][:100]


def alert_for(monitor: Monitor, suite: SuiteRun, notice: str) -> alerts.Alert:
    """The alert, built from the stored, masked results of the run."""
    links = {
        "monitor": alerts.absolute(monitor.get_absolute_url()),
        "suite_run": alerts.absolute(suite.get_absolute_url()),
    }
    if notice == "recovered":
        return alerts.Alert(monitor=monitor.name, state="recovered", links=links)
    failing = []
    if suite.problem:
        failing.append(
            alerts.FailingAction(
                connector=monitor.connector or "-",
                action=f"tag {monitor.tag}" if monitor.tag else "-",
                run_url=links["suite_run"],
                error=suite.problem,
            )
        )
    for result, link in suites.results_with_links(suite):
        if result.outcome == SuiteResult.Outcome.PASSED:
            continue
        checks = tuple(
            alerts.CheckDetail(
                str(c.get("type", "")), bool(c.get("passed")), str(c.get("detail", ""))
            )
            for c in result.checks or []
            if isinstance(c, dict)
        )
        failing.append(
            alerts.FailingAction(
                connector=result.connector_name,
                action=result.action_name,
                run_url=alerts.absolute(link) if link else links["suite_run"],
                checks=checks,
                error=result.error_kind if result.outcome == SuiteResult.Outcome.ERRORED else "",
            )
        )
    return alerts.Alert(monitor=monitor.name, state="failing", failing=tuple(failing), links=links)


def deliver(
    monitor: Monitor, suite: SuiteRun, incident: Incident, notice: str
) -> list[dict[str, Any]]:
    """Send the notice to each of the monitor's channels and record each delivery on the
    incident (what the receiver said, never the channel's URL)."""
    alert = alert_for(monitor, suite, notice)
    sent = []
    for channel in monitor.channels.all():
        delivery = alerts.send_alert(channel, alert)
        sent.append(
            {
                "at": timezone.now().isoformat(),
                "kind": notice,
                "channel": channel.name,
                "ok": delivery.ok,
                "summary": delivery.summary[:500],
            }
        )
    if sent:
        with transaction.atomic():
            fresh = Incident.objects.select_for_update().get(pk=incident.pk)
            fresh.deliveries = [*fresh.deliveries, *sent]
            fresh.save(update_fields=["deliveries"])
    return sent


# --- the tick loop --------------------------------------------------------------------------------


def tick_forever(stop: threading.Event, every: float | None = None) -> None:
    """Tick until `stop` is set; an error is logged and the next tick tries again."""
    every = every if every is not None else settings.STUDIO_MONITOR_TICK_SECONDS
    while not stop.is_set():
        try:
            result = tick()
            if result.claimed:
                logger.info("Monitor tick: queued %s run(s)", len(result.claimed))
        except Exception:  # the database restarting, say: keep ticking
            logger.exception("Monitor tick failed; trying again")
        finally:
            connections.close_all()  # this thread's connections: no idle one held between ticks
        stop.wait(every)


def start_ticking(every: float | None = None) -> tuple[threading.Thread, threading.Event]:
    """The tick in a daemon thread of this process (a worker's), stopped by setting the event."""
    stop = threading.Event()
    thread = threading.Thread(
        target=tick_forever, args=(stop, every), name="monitor-tick", daemon=True
    )
    thread.start()
    return thread, stop
