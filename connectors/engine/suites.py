"""Suite runs: "Test all" on a connector, a tag or a selection, run by a task worker.

`start_suite_run` stores the suite run with one pending result per action and enqueues the
`run_suite` task once the transaction commits. The worker sends every action through the
executor, as the Test button does (homes, guard, limits), from a few threads: at most
STUDIO_SUITE_PER_HOST requests at once to one host, STUDIO_SUITE_THREADS in all.
"""

from __future__ import annotations

import contextvars
import json
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connections, models, transaction
from django.db.models import F
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from connectors.engine import executor, runs
from connectors.lib import origins
from connectors.models import Action, Connector, SuiteResult, SuiteRun, TestRun

logger = logging.getLogger(__name__)

MAX_NAMES = 500  # connectors or actions named in one scope


class ScopeError(Exception):
    """The scope names nothing that can run; the message says what to change."""


@dataclass(frozen=True)
class Scope:
    """What "Test all" covers: a connector (optionally one tag of it, or some of its actions),
    a tag across every connector, or a selection of connectors."""

    connector: str = ""
    tag: str = ""
    connectors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The same text for the same scope, whatever order the names came in."""
        parts = {
            "connector": self.connector,
            "tag": self.tag,
            "connectors": sorted(set(self.connectors)),
            "actions": sorted(set(self.actions)),
        }
        return json.dumps({k: v for k, v in parts.items() if v}, sort_keys=True)

    @property
    def title(self) -> str:
        if self.connector and self.actions:
            count = len(set(self.actions))
            return f"{self.connector}: {count} action{'s' if count != 1 else ''}"
        if self.connector and self.tag:
            return f"{self.connector}, tag {self.tag}"
        if self.connector:
            return self.connector
        if self.tag:
            return f"Tag {self.tag}"
        names = sorted(set(self.connectors))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"Connectors {shown}"

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.key)

    def actions_to_run(self) -> list[Action]:
        """The actions in the scope, by connector then name; ScopeError when there are none."""
        chosen = actions_for([self])[self]
        if isinstance(chosen, ScopeError):
            raise chosen
        return chosen

    def choose(self, found: list[Action], known: set[str]) -> list[Action]:
        """The scope's actions among `found` (read for it, by connector then name), `known`
        being the connectors of those named that exist; ScopeError when there are none."""
        if len(self.connectors) > MAX_NAMES or len(self.actions) > MAX_NAMES:
            raise ScopeError(f"Choose at most {MAX_NAMES} connectors or actions at once.")
        if self.connector:
            if self.connector not in known:
                raise ScopeError(f"There is no connector named {self.connector}.")
            found = [a for a in found if a.connector.name == self.connector]
        elif self.connectors:
            names = set(self.connectors)
            if unknown := sorted(names - known):
                raise ScopeError(f"There is no connector named {unknown[0]}.")
            found = [a for a in found if a.connector.name in names]
        elif not self.tag:
            raise ScopeError("Choose a connector, a tag or some connectors to test.")
        if self.actions:
            wanted = set(self.actions)
            found = [a for a in found if a.name in wanted]
            if unknown := sorted(wanted - {a.name for a in found}):
                raise ScopeError(f"{self.connector or 'The connector'} has no action {unknown[0]}.")
        if self.tag:
            # Tags are a JSON list: matched here, exactly, rather than by a LIKE on its text.
            found = [a for a in found if self.tag in (a.tags or [])]
        if not found:
            raise ScopeError("There is no action to test in this choice.")
        return found

    @property
    def named(self) -> tuple[str, ...]:
        """The connectors the scope names (none: a tag across every connector)."""
        return (self.connector,) if self.connector else self.connectors


def actions_for(
    scopes: Iterable[Scope], *, with_inputs: bool = False
) -> dict[Scope, list[Action] | ScopeError]:
    """Each scope's actions (or the ScopeError saying why it has none), read at once for them
    all: the connectors named, then their actions (only the chosen ones where a scope chooses);
    `with_inputs` reads each action's input args too. A tag across every connector reads them
    all, as it must."""
    scopes = set(scopes)
    whole: set[str] = set()  # connectors all of whose actions some scope wants
    wanted = models.Q(pk__in=[])
    named: set[str] = set()
    everywhere = False
    for scope in scopes:
        if names := scope.named[: MAX_NAMES + 1]:
            named.update(names)
            if scope.actions:
                picked = scope.actions[: MAX_NAMES + 1]
                wanted |= models.Q(connector__name__in=names, name__in=picked)
            else:
                whole.update(names)
        elif scope.tag:
            everywhere = True
    if whole:
        wanted |= models.Q(connector__name__in=sorted(whole))
    known = set(Connector.objects.filter(name__in=named).values_list("name", flat=True))
    found: list[Action] = []
    if known or everywhere:
        query = Action.objects.select_related("connector").order_by("connector__name", "name")
        if with_inputs:
            query = query.prefetch_related("input_args")
        found = list(query if everywhere else query.filter(wanted))
    chosen: dict[Scope, list[Action] | ScopeError] = {}
    for scope in scopes:
        try:
            chosen[scope] = scope.choose(found, known)
        except ScopeError as error:
            chosen[scope] = error
    return chosen


def scope_from(
    *,
    connector: str = "",
    tag: str = "",
    connectors: Iterable[str] = (),
    actions: Iterable[str] = (),
) -> Scope:
    connector, tag = (connector or "").strip(), (tag or "").strip()
    names = tuple(n.strip() for n in connectors if n and n.strip())
    action_names = tuple(n.strip() for n in actions if n and n.strip())
    if action_names and not connector:
        raise ScopeError("Name the connector whose actions to test.")
    if len(names) == 1 and not connector:
        connector, names = names[0], ()  # one connector chosen is that connector's scope
    return Scope(connector=connector, tag=tag, connectors=names, actions=action_names)


def start_suite_run(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    connector: str = "",
    tag: str = "",
    connectors: Iterable[str] = (),
    actions: Iterable[str] = (),
) -> SuiteRun:
    """Store a suite run of the scope and queue it for a worker; ScopeError for a bad scope."""
    scope = scope_from(connector=connector, tag=tag, connectors=connectors, actions=actions)
    with transaction.atomic():
        suite = store_suite_run(scope, scope.actions_to_run(), user=user)
        # Once committed: a worker elsewhere (RQ) must find the rows it is asked to run.
        transaction.on_commit(lambda: run_suite.enqueue(suite.pk))
    return suite


def store_suite_run(
    scope: Scope,
    chosen: list[Action],
    *,
    user: AbstractBaseUser | AnonymousUser | None,
) -> SuiteRun:
    """The suite run's rows, one pending result per action; not queued (the caller does)."""
    suite = SuiteRun.objects.create(
        scope=scope.as_dict(),
        scope_key=scope.key,
        title=scope.title[:300],
        user=user if user is not None and user.is_authenticated else None,
        total=len(chosen),
    )
    add_results(suite, chosen)
    return suite


def add_results(suite: SuiteRun, chosen: list[Action]) -> None:
    """One pending result per action, in order."""
    SuiteResult.objects.bulk_create(pending_results(suite, chosen))


def pending_results(suite: SuiteRun, chosen: list[Action]) -> list[SuiteResult]:
    """The pending results of these actions, in order, not yet stored."""
    return [
        SuiteResult(
            suite_run=suite,
            position=position,
            action=action,
            connector_name=action.connector.name,
            action_name=action.name,
        )
        for position, action in enumerate(chosen)
    ]


@task
def run_suite(suite_run_id: int) -> None:
    """The worker's side: run every pending action of the suite run."""
    execute(suite_run_id)


# --- pass or fail -----------------------------------------------------------------------------


def run_passed(run: TestRun) -> bool:
    """Whether a run passed: sent, answered, and every check passed (stored with the run)."""
    return run.passed


def run_checks(run: TestRun) -> list[dict[str, Any]]:
    """The run's checks as [{"type", "passed", "detail"}], read from the masked run."""
    stored = run.check_results
    if stored:
        return [
            {
                "type": str(c.get("type", "")),
                "passed": bool(c.get("passed")),
                "detail": str(c.get("detail", "")),
            }
            for c in stored
        ]
    if run.error_kind:
        return [
            {"type": "sent", "passed": False, "detail": f"{run.error_kind}: {run.error_message}"}
        ]
    answered = f"{run.status} {run.reason}".strip()
    if run_passed(run):
        return [{"type": "status", "passed": True, "detail": answered}]
    return [{"type": "status", "passed": False, "detail": f"expected a 2xx status, got {answered}"}]


def outcome_of(run: TestRun) -> str:
    if run.error_kind:
        return SuiteResult.Outcome.ERRORED
    return SuiteResult.Outcome.PASSED if run_passed(run) else SuiteResult.Outcome.FAILED


# --- the worker ---------------------------------------------------------------------------------


COUNTERS = {
    SuiteResult.Outcome.PASSED: "passed",
    SuiteResult.Outcome.FAILED: "failed",
    SuiteResult.Outcome.ERRORED: "errored",
}


@dataclass
class Loaded:
    """A suite run its caller claimed (running, not yet started) and its pending results, read
    with it: each result's action with its connector and input args (a batch of monitor runs,
    read at once)."""

    suite: SuiteRun
    pending: list[SuiteResult]


INTERRUPTED_STOPPED = (
    "Interrupted: the worker was stopped before the end of this suite run. Start it again."
)


def execute(suite_run_id: int) -> None:
    """Claim the queued suite run and run it to the end; a second worker finds nothing to claim.
    A worker made to stop mid-run (a second Ctrl+C) leaves it interrupted."""
    claimed = SuiteRun.objects.filter(pk=suite_run_id, status=SuiteRun.Status.QUEUED).update(
        status=SuiteRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return

    def run() -> None:
        suite = SuiteRun.objects.select_related("user", "monitor").get(pk=suite_run_id)
        pending = list(
            suite.results.filter(outcome=SuiteResult.Outcome.PENDING).select_related(
                "action__connector"
            )
        )
        _run_all(suite, pending, current=True)

    _run_to_the_end(run, _Ending(suite_run_id))


Then = Callable[[int], Callable[[], None] | None]


def execute_claimed(loaded: Loaded, then: Then | None = None) -> None:
    """Run a suite run its caller claimed and read (`Loaded`), with the actions read then; its
    start is stored with its end. `then(suite_run_id)` is called in the transaction that
    finishes it (a monitor counts the run: one commit for both), and what it returns after
    that commits. One action: its run, its result and the end are that one transaction. A run
    the monitor tick marked interrupted meanwhile is not run."""
    if not SuiteRun.objects.filter(pk=loaded.suite.pk, status=SuiteRun.Status.RUNNING).exists():
        return
    ending = _Ending(loaded.suite.pk, started_at=timezone.now(), then=then)
    if len(loaded.pending) == 1:
        [result] = loaded.pending
        _run_to_the_end(
            lambda: _run_one(loaded.suite, result, current=False, also=ending.finish), ending
        )
    else:
        _run_to_the_end(lambda: _run_all(loaded.suite, loaded.pending, current=False), ending)


@dataclass
class _Ending:
    """How a suite run ends: its status and time stored, then what follows (`then`)."""

    suite_run_id: int
    started_at: datetime | None = None  # stored with the end (a claimed run)
    then: Then | None = None
    done: bool = False
    after: Callable[[], None] | None = None

    def finish(self, status: str = SuiteRun.Status.FINISHED, problem: str = "") -> None:
        """In the caller's transaction."""
        self.done = True
        ended = {"status": status, "finished_at": timezone.now(), "problem": problem}
        if self.started_at is not None:
            ended["started_at"] = self.started_at
        # Only a run still running: one the monitor tick marked interrupted stays so.
        finished = SuiteRun.objects.filter(
            pk=self.suite_run_id, status=SuiteRun.Status.RUNNING
        ).update(**ended)
        if finished and self.then is not None and status == SuiteRun.Status.FINISHED:
            try:
                with transaction.atomic():  # should it fail, the run still ends
                    self.after = self.then(self.suite_run_id)
            except Exception:
                logger.exception("Suite run %s: what follows its end failed", self.suite_run_id)


def _run_to_the_end(run: Callable[[], None], ending: _Ending) -> None:
    status, problem = SuiteRun.Status.FINISHED, ""
    try:
        run()
    except Exception as error:  # the suite run must end, whatever broke
        logger.exception("Suite run %s stopped", ending.suite_run_id)
        problem = f"The worker stopped this suite run early ({type(error).__name__})."
        ending.done = False  # its transaction may not have committed: again (a no-op if it did)
    except BaseException:  # SystemExit, KeyboardInterrupt: the worker is going away
        status, problem = SuiteRun.Status.INTERRUPTED, INTERRUPTED_STOPPED
        ending.done = False
        raise
    finally:
        if not ending.done:
            with transaction.atomic():
                ending.finish(status, problem)
        if ending.after is not None:
            ending.after()


def host_of(result: SuiteResult) -> str:
    """The host the result's action is sent to ("" when its URL cannot say)."""
    if result.action is None:
        return ""
    try:
        return origins.origin_of(result.action.connector.base_url).host.lower()
    except origins.UnsafeURL:
        return ""


def _interleaved(pending: list[SuiteResult]) -> list[SuiteResult]:
    """One of each host in turn: a thread waiting for a busy host holds back few others."""
    by_host: dict[str, list[SuiteResult]] = defaultdict(list)
    for result in pending:
        by_host[host_of(result)].append(result)
    order: list[SuiteResult] = []
    lanes = list(by_host.values())
    for index in range(max((len(lane) for lane in lanes), default=0)):
        order += [lane[index] for lane in lanes if index < len(lane)]
    return order


def _run_all(suite: SuiteRun, pending: list[SuiteResult], *, current: bool) -> None:
    """Every pending result, from a few threads; `current`: read each action again just
    before its Test (the results were stored earlier), rather than use the one read with it."""
    jobs: queue.SimpleQueue[SuiteResult] = queue.SimpleQueue()
    for result in _interleaved(pending):
        jobs.put(result)
    gates: dict[str, threading.BoundedSemaphore] = defaultdict(
        lambda: threading.BoundedSemaphore(settings.STUDIO_SUITE_PER_HOST)
    )
    for result in pending:
        gates[host_of(result)]  # made here, before the threads share the dict
    failures: list[BaseException] = []

    def drain() -> None:
        while True:
            try:
                result = jobs.get_nowait()
            except queue.Empty:
                return
            with gates[host_of(result)]:
                _run_one(suite, result, current=current)

    def work() -> None:
        try:
            drain()
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()  # this thread's own connections

    count = min(settings.STUDIO_SUITE_THREADS, len(pending))
    if count <= 1:
        drain()  # one at a time: in the worker's own thread
        return
    # Each thread in a copy of this context: the secrets it decrypts are noted in the same
    # sealing.collecting_in_play() set, which a monitor's alert masks out once more.
    threads = [
        threading.Thread(
            target=contextvars.copy_context().run, args=(work,), name=f"suite-{suite.pk}-{n}"
        )
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _run_one(
    suite: SuiteRun,
    result: SuiteResult,
    *,
    current: bool,
    also: Callable[[], None] | None = None,
) -> None:
    """Test the result's action, then store its run and the result in one transaction, with
    `also` (the end of a one-action suite run)."""
    action = _current_action(result) if current else result.action
    run = send(suite, result, action)
    if run is not None:
        executor.reconnect_if_dropped()
    with transaction.atomic():
        if run is not None:
            runs.store(run)
            take_run(result, run)
        _save_result(suite, result)
        if also is not None:
            also()
    if run is not None:
        executor.log(run)


def send(suite: SuiteRun, result: SuiteResult, action: Action | None) -> TestRun | None:
    """The Test of the result's action, as the Test button sends it (its example values, over
    them the monitor's own), judged but not stored; or None when nothing could be sent, the
    result then saying why. The caller stores the run (`take_run` puts it in the result)."""
    if action is None:
        _errored(result, "Deleted", "The action was deleted before its Test.")
        return None
    if missing := [
        a.name
        for a in action.input_args.all()
        if a.required and not (a.example_value or given_inputs(suite, action).get(a.name))
    ]:
        # What the Test button's form refuses: a required input with nothing to fill it.
        detail = (
            f"{missing[0]} is required and has no example value: give it one in the "
            "action's Input Args. Nothing was sent."
        )
        _errored(result, "MissingInput", detail)
        return None
    try:
        inputs = {arg.name: arg.example_value for arg in action.input_args.all()}
        inputs.update(given_inputs(suite, action))
        return executor.send_and_judge(action, inputs, suite.user)
    except Exception as error:
        logger.exception("Suite run %s: the Test of %s failed", suite.pk, action)
        detail = "The Test stopped unexpectedly; the server log has the details."
        _errored(result, type(error).__name__[:32], detail)
        return None


def _errored(result: SuiteResult, kind: str, detail: str) -> None:
    result.outcome = SuiteResult.Outcome.ERRORED
    result.error_kind = kind
    result.checks = [{"type": "sent", "passed": False, "detail": detail}]


def take_run(result: SuiteResult, run: TestRun) -> None:
    """The result of a stored run: its outcome, status, time and checks (from the masked run)."""
    result.run_id = run.pk
    result.outcome = outcome_of(run)
    result.status, result.error_kind, result.elapsed_ms = run.status, run.error_kind, run.elapsed_ms
    result.checks = run_checks(run)


def _save_result(suite: SuiteRun, result: SuiteResult) -> None:
    """The result, once (a result no longer pending is not written again), and its suite
    run's count; in the caller's transaction."""
    saved = SuiteResult.objects.filter(pk=result.pk, outcome=SuiteResult.Outcome.PENDING).update(
        run_id=result.run_id,
        outcome=result.outcome,
        status=result.status,
        error_kind=result.error_kind,
        elapsed_ms=result.elapsed_ms,
        checks=result.checks,
    )
    if saved:
        counter = COUNTERS[result.outcome]
        SuiteRun.objects.filter(pk=suite.pk).update(**{counter: F(counter) + 1})


def given_inputs(suite: SuiteRun, action: Action) -> dict[str, str]:
    """A monitor's own values for the action's inputs, over its example values: keyed by
    "Connector.action" or by the action's name."""
    if suite.monitor is None or not isinstance(suite.monitor.inputs, dict):
        return {}
    given: dict[str, str] = {}
    for key in (action.name, f"{action.connector.name}.{action.name}"):
        values = suite.monitor.inputs.get(key)
        if isinstance(values, dict):
            given.update({str(k): str(v) for k, v in values.items()})
    return given


def _current_action(result: SuiteResult) -> Action | None:
    if result.action_id is None:
        return None
    return (
        Action.objects.select_related("connector")
        .prefetch_related("input_args")
        .filter(pk=result.action_id)
        .first()
    )


# --- reading a suite run ------------------------------------------------------------------------


@dataclass
class Changes:
    """What changed since the previous finished suite run of the same scope."""

    previous: SuiteRun | None
    newly_failing: list[SuiteResult] = field(default_factory=list)
    newly_passing: list[SuiteResult] = field(default_factory=list)


def previous_of(suite: SuiteRun) -> SuiteRun | None:
    earlier = models.Q(created_at__lt=suite.created_at) | models.Q(
        created_at=suite.created_at, pk__lt=suite.pk
    )
    return (
        SuiteRun.objects.filter(earlier, scope_key=suite.scope_key, status=SuiteRun.Status.FINISHED)
        .order_by("-created_at", "-id")
        .first()
    )


def changes(suite: SuiteRun, results: list[SuiteResult] | None = None) -> Changes:
    previous = previous_of(suite)
    found = Changes(previous)
    if previous is None:
        return found
    before = {
        (r.connector_name, r.action_name): r.outcome
        for r in previous.results.only("connector_name", "action_name", "outcome")
    }
    passed = SuiteResult.Outcome.PASSED
    for result in results if results is not None else suite.results.all():
        was = before.get((result.connector_name, result.action_name))
        if was is None or result.outcome == SuiteResult.Outcome.PENDING:
            continue
        if was == passed and result.outcome != passed:
            found.newly_failing.append(result)
        elif was != passed and result.outcome == passed:
            found.newly_passing.append(result)
    return found


def run_url(result: SuiteResult, existing_runs: set[int] | None = None) -> str:
    """The result's run on its action page; "" once the run (or the action) is gone."""
    if result.run_id is None or result.action_id is None:
        return ""
    if existing_runs is not None and result.run_id not in existing_runs:
        return ""
    action = result.action
    return reverse("action_detail", args=[action.connector.name, action.name]) + (
        f"?run={result.run_id}"
    )


def results_with_links(suite: SuiteRun) -> list[tuple[SuiteResult, str]]:
    """Every result in order, with the link to its run where that run is still stored."""
    results = list(suite.results.select_related("action__connector"))
    ids = [r.run_id for r in results if r.run_id is not None]
    existing = set(TestRun.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [(r, run_url(r, existing)) for r in results]


def results_data(suite: SuiteRun) -> dict[str, Any]:
    """The suite run as plain data (JSON-ready), for an API answer."""
    return {
        "id": suite.pk,
        "url": suite.get_absolute_url(),
        "title": suite.title,
        "scope": suite.scope,
        "status": suite.status,
        "total": suite.total,
        "passed": suite.passed,
        "failed": suite.failed,
        "errored": suite.errored,
        "created_at": suite.created_at.isoformat(),
        "started_at": suite.started_at.isoformat() if suite.started_at else None,
        "finished_at": suite.finished_at.isoformat() if suite.finished_at else None,
        "results": [
            {
                "connector": r.connector_name,
                "action": r.action_name,
                "run": r.run_id if link else None,
                "run_url": link,
                "outcome": r.outcome,
                "passed": r.passed,
                "status": r.status,
                "elapsed_ms": r.elapsed_ms,
                "error_kind": r.error_kind,
                "checks": r.checks,
            }
            for r, link in results_with_links(suite)
        ],
    }


# --- retention ----------------------------------------------------------------------------------


def prune(days: int | None = None, dry_run: bool = False) -> int:
    """Remove finished suite runs older than the runs' retention, except each scope's newest
    (what the next run of that scope is compared with). Returns how many."""
    cutoff = runs.retention_cutoff(days)
    newest = SuiteRun.objects.filter(scope_key=models.OuterRef("scope_key")).order_by(
        "-created_at", "-id"
    )
    ended = [SuiteRun.Status.FINISHED, SuiteRun.Status.INTERRUPTED]
    old = SuiteRun.objects.filter(status__in=ended, created_at__lt=cutoff).exclude(
        pk=models.Subquery(newest.values("pk")[:1])
    )
    ids = list(old.values_list("pk", flat=True))
    if dry_run or not ids:
        return len(ids)
    removed = 0
    for start in range(0, len(ids), 1000):
        with transaction.atomic():
            batch = ids[start : start + 1000]
            SuiteResult.objects.filter(suite_run_id__in=batch).delete()
            removed += (
                SuiteRun.objects.filter(pk__in=batch).delete()[1].get(SuiteRun._meta.label, 0)
            )
    return removed
