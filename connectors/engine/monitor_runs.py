"""Running monitors: the tick that claims due slots, the tasks that run them, the alert rule.

The tick runs in every worker process (`studio_worker` starts it as a thread; `manage.py
monitor_tick` runs it alone), as soon as the next slot is due and at least every
STUDIO_MONITOR_TICK_SECONDS. It claims due monitors CLAIM_BATCH at a time, in one transaction:
it reads them (on PostgreSQL with FOR UPDATE SKIP LOCKED: another tick's rows are skipped, not
waited for), moves each `next_run_at` to its next future slot with one conditional UPDATE that
changes a row only if it still holds the value read, and stores the slots' SuiteRuns with one
INSERT; a unique (monitor, slot) constraint refuses a second run of a slot whatever happens.
Should any row have moved meanwhile, or any slot's run exist already, the batch is undone and
each of its monitors is claimed on its own the same way. Of any number of ticks on any number
of machines, one wins each slot. A slot missed while nothing ran runs once.

Slots: an interval monitor's slots keep the phase of its first slot (schedules.next_slot). One
made from the form or the API runs first at once; monitors made together (an import) start
each at a phase of its own (schedules.spread_slot), so ten thousand monitors at a 1-minute
cadence fall due a few a millisecond rather than all in one second every minute. Cron slots
are exact: every monitor on `* * * * *` is due at the same second, the worst case, claimed and
queued at once and run by every worker in turn.

Once that commits, the slots are queued RUN_BATCH to a task. A worker takes a task's runs in
one transaction (queued -> running, so a second worker given them finds nothing to take),
reading what they need at once (the scopes' actions, their connectors and input args), then
sends them one after another, each the way Test sends it (homes, the guard, limits), and
stores them a few at a time (see run_slots): on a busy database the round trips and commits,
not the sending, are what a monitor run costs.
"""

from __future__ import annotations

import contextvars
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import (
    IntegrityError,
    close_old_connections,
    connection,
    connections,
    models,
    transaction,
)
from django.db.models import F, Min, OuterRef, Q, Subquery
from django.tasks import task
from django.utils import timezone

from connectors.engine import alerts, executor, runs, schedules, suites
from connectors.lib.per_row import PerRow
from connectors.models import Incident, Monitor, SuiteResult, SuiteRun, TestRun
from connectors.secrets import sealing

logger = logging.getLogger(__name__)

CLAIM_BATCH = 500  # due monitors claimed in one transaction
CLAIMS_PER_TICK = 20_000  # then the tick ends; the next one goes on
RUN_BATCH = 25  # claimed slots per task: few tasks, while several workers share a burst
# Seconds between ticks, however soon the next slot is due: monitors spread over the minute are
# claimed every half second, a few tasks of about RUN_BATCH slots each (smaller tasks cost more
# CPU per run: each has its own round trips to the queue and the database).
LEAST_WAIT = 0.5
INTERRUPTED_RUNNING = (
    "Interrupted: the worker running this suite run stopped before the end. The monitor's "
    "next slot runs as usual."
)
INTERRUPTED_QUEUED = (
    "Interrupted: no worker started this run in time (are workers running?). The monitor's "
    "next slot runs as usual."
)
INTERRUPTED_STOPPED = (
    "Interrupted: the worker was stopped before the end of this run. The monitor's next slot "
    "runs as usual."
)


@dataclass(frozen=True)
class TickResult:
    claimed: list[int]  # the suite runs made, one per claimed slot
    interrupted: int


def tick(now: datetime | None = None, *, interrupt: bool = True) -> TickResult:
    """Mark stale runs interrupted (unless told not to), then claim every due monitor's slot
    and queue its run."""
    now = now or timezone.now()
    interrupted = interrupt_stale(now) if interrupt else 0
    claimed: list[int] = []
    following: dict[tuple[str, str], datetime] = {}  # cron slots after `now`, once per schedule
    while len(claimed) < CLAIMS_PER_TICK:
        limit = min(_claim_batch(), CLAIMS_PER_TICK - len(claimed))
        due, taken = claim_due(now, limit, following)
        claimed += taken
        if due < limit or not taken:
            break
    return TickResult(claimed, interrupted)


SCOPE_FIELDS = ("name", "connector", "tag", "actions", "created_by_id")


@dataclass(frozen=True)
class Slot:
    pk: int
    seen: datetime  # its next_run_at as read: the slot claimed
    following: datetime  # where next_run_at moves
    monitor: dict[str, Any]  # SCOPE_FIELDS

    def suite_run(self) -> SuiteRun:
        scope = _scope_of(self.monitor)
        return SuiteRun(
            monitor_id=self.pk,
            slot_at=self.seen,
            scope=scope.as_dict(),
            scope_key=scope.key,
            title=f"{self.monitor['name']}: {scope.title}"[:300],
            user_id=self.monitor["created_by_id"],
        )


class _Moved(Exception):
    """A monitor of the batch changed between the read and the UPDATE."""


def _claim_batch() -> int:
    # Five parameters per monitor in the UPDATE (its id three times, two times): within the
    # database's limit (SQLite's is 32,766 by default).
    limit = connection.features.max_query_params
    return CLAIM_BATCH if limit is None else max(1, min(CLAIM_BATCH, limit // 6))


def claim_due(
    now: datetime, limit: int, following: dict[tuple[str, str], datetime] | None = None
) -> tuple[int, list[int]]:
    """Claim at most `limit` due slots in one transaction: (how many monitors were due, the
    suite runs made). Their runs are queued once it commits."""
    following = {} if following is None else following
    slots: list[Slot] = []
    try:
        with transaction.atomic():
            due = Monitor.objects.filter(active=True, next_run_at__lte=now).order_by(
                "next_run_at", "pk"
            )
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            rows = list(
                due.values_list(
                    "pk", "next_run_at", "interval_seconds", "cron", "timezone", *SCOPE_FIELDS
                )[:limit]
            )
            slots = [_slot(row, now, following) for row in rows]
            if not slots:
                return 0, []
            moved = Monitor.objects.filter(
                pk__in=[s.pk for s in slots],
                active=True,
                next_run_at=_by_pk(slots, lambda s: s.seen),
            ).update(next_run_at=_by_pk(slots, lambda s: s.following))
            if moved != len(slots):
                raise _Moved
            made = SuiteRun.objects.bulk_create([slot.suite_run() for slot in slots])
            ids = [suite.pk for suite in made]
            transaction.on_commit(partial(enqueue_runs, ids), robust=True)
    except (_Moved, IntegrityError):
        # Another tick took some of them, or a slot's run exists already: one at a time.
        ids = []
        for slot in slots:
            if (suite := claim(slot.pk, slot.seen, slot.following, slot.monitor)) is not None:
                ids.append(suite.pk)
    return len(slots), ids


def _slot(row: Sequence[Any], now: datetime, following: dict[tuple[str, str], datetime]) -> Slot:
    pk, seen, interval_seconds, cron, zone, *scope = row
    if cron:
        # Every monitor on one cron schedule has the same next slot after `now`.
        if (cron, zone) not in following:
            following[cron, zone] = schedules.next_slot(
                interval_seconds=None, cron=cron, timezone_name=zone, after=now
            )
        after = following[cron, zone]
    else:
        after = schedules.next_slot(
            interval_seconds=interval_seconds, cron="", timezone_name=zone, after=now, anchor=seen
        )
    return Slot(pk, seen, after, dict(zip(SCOPE_FIELDS, scope, strict=True)))


def _by_pk(slots: list[Slot], value: Callable[[Slot], datetime]) -> PerRow:
    """Each monitor's own time, in one statement."""
    return PerRow({slot.pk: value(slot) for slot in slots}, Monitor._meta.get_field("next_run_at"))


def claim(pk: int, seen: datetime, following: datetime, monitor: dict[str, Any]) -> SuiteRun | None:
    """Move one monitor from the slot `seen` to `following` and store that slot's run, or None
    when another tick took the slot first (or the monitor was paused or changed meanwhile)."""
    try:
        with transaction.atomic():
            moved = Monitor.objects.filter(pk=pk, active=True, next_run_at=seen).update(
                next_run_at=following
            )
            if not moved:
                return None
            suite = Slot(pk, seen, following, monitor).suite_run()
            suite.save()
            transaction.on_commit(partial(enqueue_runs, [suite.pk]), robust=True)
    except IntegrityError:  # the slot's run exists already: the constraint held
        # Taken before (a restored database, say): on to the next slot, as its taker would.
        Monitor.objects.filter(pk=pk, next_run_at=seen).update(next_run_at=following)
        return None
    return suite


def enqueue_runs(suite_run_ids: list[int]) -> None:
    """Queue claimed slots' runs, in tasks of at most RUN_BATCH of about the same size."""
    if not suite_run_ids:
        return
    tasks = math.ceil(len(suite_run_ids) / RUN_BATCH)
    size = math.ceil(len(suite_run_ids) / tasks)
    for start in range(0, len(suite_run_ids), size):
        batch = suite_run_ids[start : start + size]
        try:
            run_monitors.enqueue(batch)
        except Exception:  # Redis away: these stay queued, and are marked interrupted later
            logger.exception("Could not queue the runs of %s monitor slot(s)", len(batch))


def _scope_of(monitor: dict[str, Any]) -> suites.Scope:
    actions = tuple(monitor["actions"] or ())
    try:
        return suites.scope_from(
            connector=monitor["connector"], tag=monitor["tag"], actions=actions
        )
    except suites.ScopeError:
        return suites.Scope(connector=monitor["connector"], tag=monitor["tag"], actions=actions)


def _stored_scope(suite: SuiteRun) -> suites.Scope:
    return suites.Scope(
        connector=suite.scope.get("connector", ""),
        tag=suite.scope.get("tag", ""),
        actions=tuple(suite.scope.get("actions", ())),
    )


def take(suite_run_ids: list[int]) -> dict[int, suites.Loaded]:
    """The worker's first step of claimed slots, for them all in one transaction: each run still
    queued is taken (running, its start stored with its end) and prepared, one pending result
    per action of its scope (the scopes' actions read together); or finished, failing, saying
    why nothing can run (so it alerts). Returns the runs taken, ready to execute; a second
    worker given the same slots finds nothing left to take."""
    with transaction.atomic():
        queued = list(
            SuiteRun.objects.select_for_update(of=("self",))
            .select_related("user", "monitor")
            .filter(pk__in=suite_run_ids, status=SuiteRun.Status.QUEUED)
            .order_by()
        )
        begun = set(
            SuiteResult.objects.filter(suite_run__in=[s.pk for s in queued])
            .order_by()
            .values_list("suite_run_id", flat=True)
            .distinct()
        )
        fresh = [s for s in queued if s.pk not in begun]  # the others were prepared already
        scopes = {suite.pk: _stored_scope(suite) for suite in fresh}
        chosen = suites.actions_for(scopes.values(), with_inputs=True)
        taken: dict[int, suites.Loaded] = {}
        for suite in fresh:
            picked = chosen[scopes[suite.pk]]
            if isinstance(picked, suites.ScopeError):
                now = timezone.now()
                SuiteRun.objects.filter(pk=suite.pk).update(
                    status=SuiteRun.Status.FINISHED,
                    started_at=now,
                    finished_at=now,
                    problem=f"Nothing ran: {picked}",
                )
                continue
            suite.total = len(picked)
            taken[suite.pk] = suites.Loaded(suite, suites.pending_results(suite, picked))
        SuiteResult.objects.bulk_create(r for one in taken.values() for r in one.pending)
        for suite in queued:
            if suite.pk in begun:
                pending = suite.results.filter(outcome=SuiteResult.Outcome.PENDING)
                pending = pending.select_related("action__connector").prefetch_related(
                    "action__input_args"
                )
                taken[suite.pk] = suites.Loaded(suite, list(pending))
        if taken:
            # Taken: running, not started. The totals of those prepared earlier stay.
            totals = {pk: len(one.pending) for pk, one in taken.items() if pk not in begun}
            SuiteRun.objects.filter(pk__in=list(taken)).update(
                status=SuiteRun.Status.RUNNING,
                total=PerRow(totals, SuiteRun._meta.get_field("total")),
            )
            for one in taken.values():
                one.suite.status = SuiteRun.Status.RUNNING
    return taken


def run_slots(suite_run_ids: list[int]) -> None:
    """Claimed slots. The runs of one action (most monitors') are sent at once from a few
    threads (at most STUDIO_SUITE_PER_HOST at a time to one host, STUDIO_SUITE_THREADS in
    all), each the way Test sends it, and stored a few at a time as they answer, every
    STORE_EVERY runs or STORE_SECONDS: the runs, their results, their ends and the alert
    rule's counts in one transaction, the alerts sent once it commits. Then the runs of several
    actions, one after another, as a suite run runs (a result stored as each action answers),
    each one's end and count in one transaction. Every secret decrypted for a run is
    collected, and masked out of that run's alerts once more. One slot's failure does not stop
    the others. A worker made to stop (a second Ctrl+C) stores what has answered and marks
    the rest interrupted at once; a killed one leaves them running, not started, and the tick
    marks them interrupted after the deadline."""
    taken = take(suite_run_ids)
    # A run taken so long ago that the tick may have marked it interrupted is not sent.
    due = {pk: one for pk, one in taken.items() if not _overdue(one.suite)}
    sending = _Sending([one for one in due.values() if _one_action(one)])
    try:
        sending.store_as_they_answer()
        for suite_run_id in suite_run_ids:
            if suite_run_id in sending.runs or (suite_run_id in taken and suite_run_id not in due):
                continue
            one = due.get(suite_run_id)
            try:
                with sealing.collecting_in_play():
                    if one is not None:
                        suites.execute_claimed(one, then=count_run)
                    else:  # nothing ran (or another worker ran it): the rule, if not counted
                        after_run(suite_run_id)
            except Exception:
                logger.exception("Monitor run %s stopped", suite_run_id)
                connection.close()  # a fresh connection for the next, should this one be lost
    except BaseException:  # SystemExit, KeyboardInterrupt: the worker is going away
        sending.store_what_answered()
        _interrupt_unfinished(list(taken))
        raise


STORE_EVERY = RUN_BATCH  # one-action runs stored together
STORE_SECONDS = 1.0  # at most this long after the first of them answered


def _one_action(one: suites.Loaded) -> bool:
    return len(one.pending) == 1 and one.suite.total == 1


def _overdue(suite: SuiteRun) -> bool:
    deadline = timedelta(seconds=settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS)
    return timezone.now() - suite.created_at >= deadline


@dataclass
class _Sent:
    """A taken run of one action, sent and judged, not stored yet."""

    loaded: suites.Loaded
    run: TestRun | None  # None: nothing could be sent (its result says why)
    started_at: datetime
    ended_at: datetime
    secrets: list[str]  # decrypted for it: masked out of its alerts


class _Sending:
    """Runs of one action sent from the sender threads, then stored as they answer."""

    def __init__(self, taken: list[suites.Loaded]) -> None:
        self.runs = {one.suite.pk for one in taken}
        self.waiting = _Waiting()
        self.futures: list[Future[_Sent]] = []
        self.collected: set[Future[_Sent]] = set()
        if not taken:
            return
        hosts = {one.suite.pk: suites.host_of(one.pending[0]) for one in taken}
        gates = {
            host: threading.BoundedSemaphore(settings.STUDIO_SUITE_PER_HOST)
            for host in set(hosts.values())
        }
        for one in _in_turn(taken, hosts):
            self.futures.append(_senders().submit(_send, one, gates[hosts[one.suite.pk]]))

    def store_as_they_answer(self) -> None:
        pending = set(self.futures)
        while pending:
            done, pending = wait(pending, timeout=STORE_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                self._collect(future)
            self.waiting.store_if_due()
        self.waiting.store()

    def store_what_answered(self) -> None:
        for future in self.futures:
            if future.done() and future not in self.collected:
                self._collect(future)
        self.waiting.store()

    def _collect(self, future: Future[_Sent]) -> None:
        self.collected.add(future)
        if (error := future.exception()) is not None:  # _send makes a failure the result's
            # Left running, not started: the tick marks it interrupted after the deadline.
            logger.error("A monitor run's sender failed", exc_info=error)
            return
        self.waiting.add(future.result())


def _in_turn(taken: list[suites.Loaded], hosts: dict[int, str]) -> list[suites.Loaded]:
    """One of each host in turn: a thread waiting for a busy host holds back few others."""
    lanes: dict[str, list[suites.Loaded]] = {}
    for one in taken:
        lanes.setdefault(hosts[one.suite.pk], []).append(one)
    ordered = []
    for index in range(max(len(lane) for lane in lanes.values())):
        ordered += [lane[index] for lane in lanes.values() if index < len(lane)]
    return ordered


def _send(one: suites.Loaded, gate: threading.BoundedSemaphore) -> _Sent:
    """In a sender thread: the run's action sent and judged, not stored."""
    [result] = one.pending
    with gate:
        started = timezone.now()
        with sealing.collecting_in_play():
            run = suites.send(one.suite, result, result.action)
            return _Sent(one, run, started, timezone.now(), sealing.in_play())


class _Senders:
    """This process's sender threads, started as needed up to STUDIO_SUITE_THREADS. They are
    daemon threads: a worker made to stop does not wait for an API to answer. Each closes its
    database connection after a send as a request would (a team credential is read there)."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple]] = (
            queue.SimpleQueue()
        )
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.jobs.put((future, function, args))
        with self.lock:
            if len(self.threads) < settings.STUDIO_SUITE_THREADS:
                thread = threading.Thread(
                    target=self._work, name=f"monitor-sender-{len(self.threads)}", daemon=True
                )
                thread.start()
                self.threads.append(thread)
        return future

    def _work(self) -> None:
        while True:
            future, function, args = self.jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(contextvars.Context().run(function, *args))
            except BaseException as error:
                future.set_exception(error)
            finally:
                close_old_connections()


_process_senders: tuple[int, _Senders] | None = None
_process_senders_lock = threading.Lock()


def _senders() -> _Senders:
    """The senders of this process (a forked process starts its own: threads do not fork)."""
    global _process_senders
    with _process_senders_lock:
        if _process_senders is None or _process_senders[0] != os.getpid():
            _process_senders = (os.getpid(), _Senders())
        return _process_senders[1]


class _Waiting:
    """Runs answered and not stored yet: stored every STORE_EVERY, or STORE_SECONDS after the
    first, and at the end."""

    def __init__(self) -> None:
        self.sent: list[_Sent] = []
        self.since = 0.0

    def add(self, sent: _Sent) -> None:
        if not self.sent:
            self.since = time.monotonic()
        self.sent.append(sent)
        if len(self.sent) >= STORE_EVERY:
            self.store()

    def store_if_due(self) -> None:
        if self.sent and time.monotonic() - self.since >= STORE_SECONDS:
            self.store()

    def store(self) -> None:
        sent, self.sent = self.sent, []
        if not sent:
            return
        try:
            counted = _store(sent)
        except Exception:  # left running, not started: the tick marks them interrupted
            logger.exception("Could not store %s monitor run(s)", len(sent))
            connection.close()
            return
        for one in sent:
            if one.run is not None:
                executor.log(one.run)
        for each, secrets in counted:
            try:
                with sealing.collecting_in_play(secrets):
                    each.send()
            except Exception:
                logger.exception("Monitor %s: the alert was not sent", each.monitor.pk)


def _store(sent: list[_Sent]) -> list[tuple[Counted, list[str]]]:
    """Store sent runs in one transaction: the runs (runs.store_many), their results, the ends
    of the suite runs still running (one the tick marked interrupted stays so) and the alert
    rule's counts. Returns the counts with a notice to send, each with its run's secrets."""
    made = [one.run for one in sent if one.run is not None]
    if made:
        executor.reconnect_if_dropped()
    now = timezone.now()
    with transaction.atomic():
        runs.store_many(made)
        results = {}
        for one in sent:
            [result] = one.loaded.pending
            if one.run is not None:
                suites.take_run(result, one.run)
            results[result.pk] = result
        _update(SuiteResult, results, RESULT_FIELDS)
        running = set(
            SuiteRun.objects.select_for_update()
            .filter(pk__in=[one.loaded.suite.pk for one in sent], status=SuiteRun.Status.RUNNING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ended = {}
        for one in sent:
            if (suite := one.loaded.suite).pk in running:
                counter = suites.COUNTERS[one.loaded.pending[0].outcome]
                setattr(suite, counter, getattr(suite, counter) + 1)
                suite.status, suite.problem = SuiteRun.Status.FINISHED, ""
                suite.started_at, suite.finished_at = one.started_at, one.ended_at
                ended[suite.pk] = suite
        _update(SuiteRun, ended, ENDED_FIELDS)
        counted = _count_many(list(ended.values()), now)
    secrets = {one.loaded.suite.pk: one.secrets for one in sent}
    return [(each, secrets[each.suite.pk]) for each in counted if each.notice]


RESULT_FIELDS = ["run_id", "outcome", "status", "error_kind", "elapsed_ms", "checks"]
ENDED_FIELDS = ["status", "problem", "started_at", "finished_at", "passed", "failed", "errored"]


def _update(model: type[models.Model], rows: dict[int, models.Model], fields: list[str]) -> None:
    """These fields of these rows as they are in memory, in one UPDATE."""
    if not rows:
        return
    values = {}
    for name in fields:
        field = model._meta.get_field(name)
        values[field.attname] = PerRow(
            {pk: getattr(row, field.attname) for pk, row in rows.items()}, field
        )
    model.objects.filter(pk__in=list(rows)).update(**values)


def _interrupt_unfinished(suite_run_ids: list[int]) -> None:
    """Taken runs not stored (running, their start not stored yet) become interrupted."""
    try:
        SuiteRun.objects.filter(
            pk__in=suite_run_ids, status=SuiteRun.Status.RUNNING, started_at__isnull=True
        ).update(
            status=SuiteRun.Status.INTERRUPTED,
            finished_at=timezone.now(),
            problem=INTERRUPTED_STOPPED,
        )
    except Exception:  # the tick marks them after the deadline
        logger.exception("Could not mark %s monitor run(s) interrupted", len(suite_run_ids))


def interrupt_stale(now: datetime) -> int:
    """Suite runs running past the deadline (their worker died), and monitor runs still queued
    past it (their task was lost), become interrupted: no monitor waits on them. A monitor run
    a worker took but has not started (its start is stored with its end) counts from its
    claim."""
    deadline = now - timedelta(seconds=settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS)
    running = SuiteRun.objects.filter(status=SuiteRun.Status.RUNNING)
    count = running.filter(
        Q(started_at__lt=deadline) | Q(started_at__isnull=True, created_at__lt=deadline)
    ).update(status=SuiteRun.Status.INTERRUPTED, finished_at=now, problem=INTERRUPTED_RUNNING)
    count += SuiteRun.objects.filter(
        status=SuiteRun.Status.QUEUED, monitor__isnull=False, created_at__lt=deadline
    ).update(status=SuiteRun.Status.INTERRUPTED, finished_at=now, problem=INTERRUPTED_QUEUED)
    if count:
        logger.warning("Marked %s suite run(s) interrupted", count)
    return count


@task
def run_monitors(suite_run_ids: list[int]) -> None:
    """The worker's side of a batch of claimed slots (see run_slots)."""
    run_slots(suite_run_ids)


@task
def run_monitor(suite_run_id: int) -> None:
    """One claimed slot: what the tick queued before it queued them in batches."""
    run_slots([suite_run_id])


# --- the alert rule -------------------------------------------------------------------------------


def after_run(suite_run_id: int) -> str:
    """Apply the alert rule to a finished monitor run; returns what was sent ("failing",
    "reminder", "recovered") or "". A run older than the monitor's last counted one is ignored,
    as is the same run given twice."""
    with transaction.atomic():
        counted = _count(suite_run_id)
    if counted is None:
        return ""
    counted.send()
    return counted.notice


def count_run(suite_run_id: int) -> Callable[[], None] | None:
    """The alert rule's count of a monitor run, in the caller's transaction (the one that
    finishes the run); returns the sending of its notice, for after the commit, if any."""
    counted = _count(suite_run_id)
    return counted.send if counted is not None and counted.notice else None


@dataclass(frozen=True)
class Counted:
    monitor: Monitor
    suite: SuiteRun
    incident: Incident | None
    notice: str  # "failing", "reminder", "recovered" or ""

    def send(self) -> None:
        if self.notice and self.incident is not None:
            deliver(self.monitor, self.suite, self.incident, self.notice)


def _count(suite_run_id: int) -> Counted | None:
    """The rule applied to the run, in the caller's transaction (the monitor's row locked)."""
    suite = next(iter(SuiteRun.objects.filter(pk=suite_run_id).order_by()[:1]), None)
    if suite is None or suite.monitor_id is None or suite.status != SuiteRun.Status.FINISHED:
        return None
    monitor = _locked([suite.monitor_id]).get(suite.monitor_id)
    counted = None if monitor is None else _apply(monitor, suite, timezone.now())
    if counted is not None:
        monitor.save(update_fields=COUNTED_FIELDS)
    return counted


def _count_many(finished: list[SuiteRun], now: datetime) -> list[Counted]:
    """The rule applied to finished monitor runs (oldest slot first), in the caller's
    transaction: their monitors read and locked in one query, written in one UPDATE."""
    monitors = _locked({suite.monitor_id for suite in finished if suite.monitor_id})
    counted = []
    for suite in sorted(finished, key=lambda s: (s.slot_at is None, s.slot_at, s.pk)):
        monitor = monitors.get(suite.monitor_id)
        if monitor is not None and (each := _apply(monitor, suite, now)) is not None:
            counted.append(each)
    _update(Monitor, {each.monitor.pk: each.monitor for each in counted}, COUNTED_FIELDS)
    return counted


COUNTED_FIELDS = ["health", "consecutive_failures", "last_run"]


def _locked(pks: Iterable[int]) -> dict[int, Monitor]:
    """The monitors, their rows locked, each read with its last counted slot and whether an
    incident is open."""
    open_incident = Incident.objects.filter(monitor=OuterRef("pk"), closed_at__isnull=True)
    found = (
        Monitor.objects.select_for_update(of=("self",))
        .annotate(
            last_slot=F("last_run__slot_at"),
            open_incident=Subquery(open_incident.values("pk")[:1]),
        )
        .filter(pk__in=list(pks))
        .order_by("pk")  # the same order in every worker: no deadlock
    )
    return {monitor.pk: monitor for monitor in found}


def _apply(monitor: Monitor, suite: SuiteRun, now: datetime) -> Counted | None:
    """The rule for one finished run of a locked monitor, changed in memory (the caller saves
    it; an incident is written here): None when the run was counted already, or is older."""
    if _counted_already(monitor, suite):
        return None
    open_pk = monitor.open_incident  # type: ignore[attr-defined]
    incident = None if open_pk is None else Incident.objects.filter(pk=open_pk).first()
    monitor.last_run = suite
    monitor.last_slot = suite.slot_at  # type: ignore[attr-defined]  # for a later run of it here
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
    still_open = incident is not None and incident.closed_at is None
    monitor.open_incident = incident.pk if still_open else None  # type: ignore[attr-defined]
    return Counted(monitor, suite, incident, notice)


def _counted_already(monitor: Monitor, suite: SuiteRun) -> bool:
    if monitor.last_run_id is None:
        return False
    if monitor.last_run_id == suite.pk:
        return True
    last = monitor.last_slot  # type: ignore[attr-defined]  # annotated by _count
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
    """Tick until `stop` is set: when the next slot is due, and at least every `every` seconds
    (stale runs are looked for at that pace). An error is logged and the next tick tries again."""
    every = every if every is not None else settings.STUDIO_MONITOR_TICK_SECONDS
    looked = 0.0  # when stale runs were last looked for (monotonic seconds)
    while not stop.is_set():
        wait = every
        try:
            interrupt = time.monotonic() - looked >= every
            result = tick(interrupt=interrupt)
            if interrupt:
                looked = time.monotonic()
            if result.claimed:
                logger.info("Monitor tick: queued %s run(s)", len(result.claimed))
            wait = until_next_slot(every)
        except Exception:  # the database restarting, say: keep ticking
            logger.exception("Monitor tick failed; trying again")
            connections.close_all()
        if wait >= 1:
            connections.close_all()  # this thread's connections: none held idle for long
        stop.wait(wait)


def until_next_slot(every: float, now: datetime | None = None) -> float:
    """Seconds until the soonest active monitor is due: at least LEAST_WAIT, at most `every`."""
    now = now or timezone.now()
    soonest = Monitor.objects.filter(active=True).aggregate(at=Min("next_run_at"))["at"]
    if soonest is None:
        return every
    return max(LEAST_WAIT, min(every, (soonest - now).total_seconds()))


def start_ticking(every: float | None = None) -> tuple[threading.Thread, threading.Event]:
    """The tick in a daemon thread of this process (a worker's), stopped by setting the event."""
    stop = threading.Event()
    thread = threading.Thread(
        target=tick_forever, args=(stop, every), name="monitor-tick", daemon=True
    )
    thread.start()
    return thread, stop
