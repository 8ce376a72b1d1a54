"""Monitors running: the tick's claim (never a slot twice, however many ticks race), missed
slots, paused monitors, interrupted runs, and the alert rule end to end against a real local
API that fails and recovers, a real webhook receiver and a real SMTP server."""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from connectors.engine import monitor_runs, monitors, schedules
from connectors.models import Connector, Incident, Monitor, SuiteRun
from tests.helpers.factories import api_key_connector, make_action, make_channel, make_connector
from tests.helpers.machine_rq import machine_queue
from tests.helpers.smtp import SMTPSink
from tests.helpers.upstream import Reply, Upstream

worker_db = pytest.mark.django_db(transaction=True)
SECRET = "sk-canary-Mon1torSecret-7f3a9"


def run_worker() -> None:
    """The database backend's real worker, in this process, until the queue is empty."""
    call_command("studio_worker", batch=True, stdout=io.StringIO())


def every_minute(name: str = "Shop watch", **values) -> Monitor:
    values.setdefault("connector", "Shop")
    return monitors.create_monitor(monitors.Values(name=name, interval_seconds=60, **values))


def shop(base_url: str) -> None:
    connector = make_connector("Shop", base_url=base_url)
    make_action(connector, "list_pets", path="/pets")


@worker_db
def test_it_alerts_once_and_sends_one_recovery_to_a_webhook_and_by_email(upstream, settings):
    connector = api_key_connector(upstream.url, SECRET, name="Shop")
    make_action(connector, "list_pets", path="/pets")
    upstream.reply = Reply(status=503, body=b'{"error": "down"}')
    with Upstream() as receiver, SMTPSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        hook = make_channel("webhook", f"{receiver.url}/hooks/studio?token=hook-secret-91")
        mail = make_channel("email", "ops@example.com")
        monitor = monitors.create_monitor(
            monitors.Values(name="Shop watch", connector="Shop", interval_seconds=60),
            channels=[hook, mail],
        )
        start = timezone.now()
        for minute in range(4):  # failing four slots in a row: one alert, no repeat
            assert len(monitor_runs.tick(start + timedelta(seconds=60 * minute + 1)).claimed) == 1
            run_worker()
        monitor.refresh_from_db()
        assert monitor.state == "failing" and monitor.consecutive_failures == 4
        upstream.reply = Reply(status=200, body=b"[]")
        for minute in (4, 5):  # passing twice: one recovery
            assert len(monitor_runs.tick(start + timedelta(seconds=60 * minute + 1)).claimed) == 1
            run_worker()

        monitor.refresh_from_db()
        assert monitor.state == "passing"
        assert len(upstream.received) == 6
        posted = [json.loads(got.body) for got in receiver.received]
        assert [p["state"] for p in posted] == ["failing", "recovered"]
        assert posted[0]["failing"][0]["action"] == "list_pets"
        assert "503" in json.dumps(posted[0]["failing"][0]["checks"])
        assert posted[0]["links"]["monitor"].endswith(f"/monitors/{monitor.pk}/")
        subjects = [message["Subject"] for _, message in sink.messages]
        assert subjects == [
            "[Connector Studio] Shop watch is failing",
            "[Connector Studio] Shop watch has recovered",
        ]
        everything = b"".join(got.body for got in receiver.received) + b"".join(
            message.as_bytes() for _, message in sink.messages
        )
    for secret in (SECRET, "hook-secret-91"):
        for form in (secret, base64.b64encode(secret.encode()).decode(), secret[:12]):
            assert form.encode() not in everything
    [incident] = Incident.objects.all()
    assert incident.closed_at is not None and incident.failing == ["Shop.list_pets"]
    kinds = [(d["kind"], d["channel"], d["ok"]) for d in incident.deliveries]
    assert sorted(kinds) == sorted(
        [
            ("failing", "webhook channel", True),
            ("failing", "email channel", True),
            ("recovered", "webhook channel", True),
            ("recovered", "email channel", True),
        ]
    )


@worker_db
def test_it_reminds_while_failing_only_when_asked(upstream):
    shop(upstream.url)
    upstream.reply = Reply(status=500)
    with Upstream() as receiver:
        hook = make_channel("webhook", f"{receiver.url}/hook")
        monitors.create_monitor(
            monitors.Values(
                name="Shop watch",
                connector="Shop",
                interval_seconds=3600,
                alert_after=1,
                remind_every_hours=1,
            ),
            channels=[hook],
        )
        assert monitor_runs.tick().claimed
        run_worker()
        assert len(receiver.received) == 1
        incident = Incident.objects.get()
        incident.last_alert_at -= timedelta(hours=2)  # the hour has passed
        incident.save()
        assert monitor_runs.tick(timezone.now() + timedelta(hours=1, seconds=1)).claimed
        run_worker()
        assert [json.loads(g.body)["state"] for g in receiver.received] == ["failing", "failing"]


def _racing_ticks(count: int, now) -> list[int]:
    barrier = threading.Barrier(count)
    claimed: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            barrier.wait()
            result = monitor_runs.tick(now)
            with lock:
                claimed.extend(result.claimed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return claimed


@worker_db
def test_it_never_runs_a_slot_twice_when_ticks_race_in_threads(upstream):
    shop(upstream.url)
    for number in range(10):
        every_minute(f"Watch {number}")
    start = timezone.now()
    for minute in range(3):
        claimed = _racing_ticks(4, start + timedelta(seconds=60 * minute + 1))
        assert len(claimed) == len(set(claimed)) == 10
    run_worker()
    assert len(upstream.received) == 30  # ten monitors, three slots each, once
    slots = list(SuiteRun.objects.values_list("monitor_id", "slot_at"))
    assert len(slots) == len(set(slots)) == 30


@worker_db
def test_it_never_runs_a_slot_twice_on_rq_with_two_ticks_and_two_workers(upstream):
    django_rq = pytest.importorskip("django_rq")
    shop(upstream.url)
    for number in range(10):
        every_minute(f"Watch {number}")
    with machine_queue() as queue:
        start = timezone.now()
        for minute in range(2):
            claimed = _racing_ticks(2, start + timedelta(seconds=60 * minute + 1))
            assert len(claimed) == 10
        # Waiting in Redis, in batches: each slot in one job, once.
        queued = [suite_id for job in queue.jobs for suite_id in job.args[0]]
        assert sorted(queued) == sorted(set(queued)) and len(queued) == 20
        for _ in range(2):  # two workers, each taking what it finds
            worker = django_rq.get_worker(
                "default", job_class="django_tasks_rq.Job", worker_class="rq.worker.SimpleWorker"
            )
            worker.work(burst=True, max_jobs=1)
    assert len(upstream.received) == 20
    assert SuiteRun.objects.filter(status="finished").count() == 20


def _on_this_database() -> dict[str, str]:
    """The environment of another process working on this test's database."""
    env = {
        **os.environ,
        "STUDIO_OUTBOUND_ALLOW": "127.0.0.1",
        "STUDIO_TASKS": "db",
        "DJANGO_SETTINGS_MODULE": "studio.settings",
    }
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = (
            f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


def _tick_in_another_process(now_iso: str) -> subprocess.Popen:
    env = _on_this_database()
    code = (
        "import django, sys; django.setup();"
        "from datetime import datetime; from connectors.engine import monitor_runs;"
        f"print(len(monitor_runs.tick(datetime.fromisoformat({now_iso!r})).claimed))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


@worker_db
def test_it_never_runs_a_slot_twice_when_ticks_race_in_two_processes(upstream):
    shop(upstream.url)
    for number in range(20):
        every_minute(f"Watch {number}")
    start = timezone.now()
    for minute in range(2):
        now = (start + timedelta(seconds=60 * minute + 1)).isoformat()
        ticks = [_tick_in_another_process(now) for _ in range(2)]
        counts = [int(tick.communicate(timeout=120)[0].strip()) for tick in ticks]
        assert sum(counts) == 20
    run_worker()
    assert len(upstream.received) == 40


@worker_db
def test_it_runs_a_slot_missed_while_down_once_and_moves_to_the_next_future_slot(
    upstream, settings
):
    settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS = 86400  # the clock jumps 30 minutes here
    shop(upstream.url)
    monitor = every_minute()
    first = monitor.next_run_at
    later = first + timedelta(minutes=30, seconds=5)  # thirty slots went by unseen
    assert len(monitor_runs.tick(later).claimed) == 1
    assert monitor_runs.tick(later).claimed == []
    monitor.refresh_from_db()
    assert monitor.next_run_at == first + timedelta(minutes=31)  # on its grid, in the future
    run_worker()
    assert len(upstream.received) == 1


@worker_db
def test_monitors_made_together_start_on_phases_of_their_own_and_keep_them(upstream, settings):
    settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS = 86400  # the clock jumps 30 minutes here
    shop(upstream.url)
    made = [
        monitors.create_monitor(
            monitors.Values(name=f"Watch {n}", connector="Shop", interval_seconds=60),
            spread=True,
        )
        for n in range(3)
    ]
    step = timedelta(minutes=1)
    for monitor in made:  # within its first minute, on its own phase
        assert monitor.created_at < monitor.next_run_at <= monitor.created_at + step
        assert monitor.next_run_at == schedules.spread_slot(
            monitor.pk, 60, monitor.next_run_at - step
        )
    assert len({monitor.next_run_at for monitor in made}) == 3  # not in the same second
    one = made[0]
    first = one.next_run_at
    Monitor.objects.exclude(pk=one.pk).update(active=False)
    assert monitor_runs.tick(first - timedelta(milliseconds=1)).claimed == []  # not due yet
    assert len(monitor_runs.tick(first).claimed) == 1
    assert monitor_runs.tick(first).claimed == []  # the slot is taken: never twice
    one.refresh_from_db()
    assert one.next_run_at == first + step  # the same phase
    later = first + 30 * step + timedelta(seconds=5)  # thirty slots went by unseen
    assert len(monitor_runs.tick(later).claimed) == 1  # run once
    assert monitor_runs.tick(later).claimed == []
    one.refresh_from_db()
    assert one.next_run_at == first + 31 * step  # on its phase, in the future
    run_worker()
    assert len(upstream.received) == 2


@worker_db
def test_it_never_runs_a_paused_monitor(upstream):
    shop(upstream.url)
    monitor = every_minute()
    monitors.set_active(monitor, False)
    for minute in range(3):
        assert monitor_runs.tick(timezone.now() + timedelta(minutes=minute)).claimed == []
    run_worker()
    assert upstream.received == [] and monitor.state == "paused"
    monitors.set_active(monitor, True)
    assert len(monitor_runs.tick().claimed) == 1


@worker_db
def test_it_marks_a_stale_running_run_interrupted_and_runs_the_next_slot(upstream, settings):
    settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS = 600
    shop(upstream.url)
    monitor = every_minute()
    start = timezone.now()
    [first] = monitor_runs.tick(start).claimed
    # The worker took it and died: running, never finished.
    SuiteRun.objects.filter(pk=first).update(
        status=SuiteRun.Status.RUNNING, started_at=start - timedelta(minutes=11)
    )
    result = monitor_runs.tick(start + timedelta(seconds=61))
    assert result.interrupted == 1 and len(result.claimed) == 1
    stale = SuiteRun.objects.get(pk=first)
    assert stale.status == "interrupted" and "Interrupted" in stale.problem
    run_worker()
    assert SuiteRun.objects.get(pk=result.claimed[0]).status == "finished"
    monitor.refresh_from_db()
    assert monitor.state == "passing" and monitor.last_run_id == result.claimed[0]


@worker_db
def test_it_alerts_when_the_monitored_connector_is_gone(upstream):
    shop(upstream.url)
    with Upstream() as receiver:
        hook = make_channel("webhook", f"{receiver.url}/hook")
        monitors.create_monitor(
            monitors.Values(
                name="Shop watch", connector="Shop", interval_seconds=60, alert_after=1
            ),
            channels=[hook],
        )
        make_connector("Other", base_url=upstream.url)
        Connector.objects.filter(name="Shop").delete()
        assert monitor_runs.tick().claimed
        run_worker()
        [got] = receiver.received
    body = json.loads(got.body)
    assert body["state"] == "failing" and "no connector named Shop" in body["failing"][0]["error"]


@worker_db
def test_it_uses_a_monitors_own_inputs_over_the_example_values(upstream):
    connector = make_connector("Shop", base_url=upstream.url)
    make_action(
        connector,
        "get_pet",
        path="/pets/{{id}}",
        args=[{"name": "id", "example_value": "7", "required": True}],
    )
    every_minute(inputs={"get_pet": {"id": "42"}})
    monitor_runs.tick()
    run_worker()
    assert [got.path for got in upstream.received] == ["/pets/42"]


def test_it_counts_uptime_over_finished_runs(db):
    shop("https://shop.example.com")
    monitor = every_minute()
    now = timezone.now()
    for passed in (True, True, True, False):
        SuiteRun.objects.create(
            monitor=monitor,
            scope={},
            scope_key="x",
            title="t",
            status="finished",
            total=1,
            passed=1 if passed else 0,
            failed=0 if passed else 1,
            finished_at=now - timedelta(hours=2),
        )
    data = monitors.monitor_data(monitor)
    assert data["uptime"] == {"24h": 75.0, "7d": 75.0, "30d": 75.0}
    assert data["state"] == "pending" and data["next_run_at"]


# --- batches ----------------------------------------------------------------------------------


def _queued_batches() -> list[list[int]]:
    """The suite runs of each task waiting in the database backend's queue."""
    return [
        task.args_kwargs["args"][0]
        for task in DBTaskResult.objects.filter(status="READY").order_by("enqueued_at")
    ]


@worker_db
def test_a_burst_is_claimed_at_once_and_queued_a_few_slots_to_a_task(upstream):
    shop(upstream.url)
    count = 2 * monitor_runs.RUN_BATCH + 5  # three tasks' worth
    for number in range(count):
        every_minute(f"Watch {number}")
    claimed = monitor_runs.tick().claimed
    batches = _queued_batches()
    assert sorted(s for batch in batches for s in batch) == sorted(claimed)
    assert len(claimed) == len(set(claimed)) == count
    assert all(len(batch) <= monitor_runs.RUN_BATCH for batch in batches) and len(batches) == 3
    run_worker()
    assert len(upstream.received) == count
    assert SuiteRun.objects.filter(status="finished", passed=1, total=1).count() == count
    assert {m.state for m in Monitor.objects.all()} == {"passing"}
    for monitor in Monitor.objects.all():
        assert monitor.last_run.monitor_id == monitor.pk


@worker_db
def test_a_batch_given_twice_runs_each_slot_once(upstream):
    shop(upstream.url)
    for number in range(12):
        every_minute(f"Watch {number}")
    claimed = monitor_runs.tick().claimed
    threads = [
        threading.Thread(target=lambda: (monitor_runs.run_slots(claimed), connections.close_all()))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monitor_runs.run_slots(claimed)  # a third time, once they have all ended
    assert len(upstream.received) == 12
    assert SuiteRun.objects.filter(status="finished", passed=1).count() == 12


@worker_db
def test_a_batch_mixes_one_action_runs_with_longer_ones_and_counts_each_once(upstream):
    shop(upstream.url)
    make_action(Connector.objects.get(name="Shop"), "get_pet", path="/pets/1")
    other = make_connector("Depot", base_url=upstream.url)
    make_action(other, "stock", path="/stock")
    upstream.handler = lambda got: Reply(status=500 if got.path == "/pets/1" else 200)
    with Upstream() as receiver:
        hook = make_channel("webhook", f"{receiver.url}/hook")
        values = {"interval_seconds": 60, "alert_after": 1}
        shop_watch = monitors.create_monitor(
            monitors.Values(name="Shop", connector="Shop", **values), channels=[hook]
        )
        depot_watch = monitors.create_monitor(
            monitors.Values(name="Depot", connector="Depot", **values), channels=[hook]
        )
        claimed = monitor_runs.tick().claimed
        assert len(_queued_batches()) == 1
        monitor_runs.run_slots(claimed)
        [alert] = [json.loads(got.body) for got in receiver.received]
    assert alert["monitor"] == "Shop" and alert["failing"][0]["action"] == "get_pet"
    shop_watch.refresh_from_db()
    depot_watch.refresh_from_db()
    assert (shop_watch.state, shop_watch.consecutive_failures) == ("failing", 1)
    assert (depot_watch.state, depot_watch.consecutive_failures) == ("passing", 0)
    shop_run, depot_run = shop_watch.last_run, depot_watch.last_run
    assert (shop_run.total, shop_run.passed, shop_run.failed) == (2, 1, 1)
    assert (depot_run.total, depot_run.passed, depot_run.status) == (1, 1, "finished")
    assert depot_run.started_at <= depot_run.finished_at
    assert sorted(got.path for got in upstream.received) == ["/pets", "/pets/1", "/stock"]


@worker_db
def test_a_run_taken_longer_ago_than_the_deadline_is_not_sent(upstream, settings):
    settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS = 600
    shop(upstream.url)
    every_minute()
    [suite_id] = monitor_runs.tick().claimed
    SuiteRun.objects.filter(pk=suite_id).update(created_at=timezone.now() - timedelta(hours=1))
    monitor_runs.run_slots([suite_id])
    assert upstream.received == []
    assert monitor_runs.tick().interrupted == 1
    assert SuiteRun.objects.get(pk=suite_id).status == "interrupted"


def _worker_on_this_database() -> subprocess.Popen:
    """`studio_worker` (the database backend, no tick) in its own process, as a machine runs it."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "studio_worker", "--no-tick"],
        cwd=Path(django_settings.BASE_DIR),
        env=_on_this_database(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _lines_of(process: subprocess.Popen) -> queue.Queue[str]:
    """What the process prints, line by line, read in a thread."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _waits_for(lines: queue.Queue[str], words: str, seconds: float = 60) -> bool:
    """Whether a line with these words comes within that many seconds."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            if words in lines.get(timeout=left):
                return True
        except queue.Empty:
            return False
    return False


def _hanging_from(upstream: Upstream, first: int, last: int) -> tuple[threading.Event, ...]:
    """The API answers the first requests at once and holds the `first`-th on until released;
    `reached` is set once the `last`-th has come."""
    reached, release = threading.Event(), threading.Event()

    def answer(got) -> Reply:
        count = len(upstream.received)
        if count >= last:
            reached.set()
        if count >= first:
            release.wait(60)
        return Reply(body=b"[]")

    upstream.handler = answer
    return reached, release


@worker_db
def test_a_worker_killed_mid_batch_leaves_its_runs_interrupted_and_the_next_slot_runs(
    upstream, settings
):
    settings.STUDIO_SUITE_RUN_DEADLINE_SECONDS = 600
    shop(upstream.url)
    watches = [every_minute(f"Watch {number}") for number in range(5)]
    start = timezone.now()
    batch = monitor_runs.tick(start).claimed
    reached, release = _hanging_from(upstream, 3, 5)
    worker = _worker_on_this_database()
    try:
        assert reached.wait(60), "the worker never sent the fifth slot"
        worker.kill()  # mid-batch: two runs answered, three waiting on the API
        worker.wait(30)
    finally:
        release.set()
        if worker.poll() is None:
            worker.kill()
    # The runs not stored yet (those waiting on the API at least) are running, their start
    # not stored; past the deadline the tick marks them interrupted.
    unstored = list(SuiteRun.objects.filter(pk__in=batch).exclude(status="finished"))
    assert {(r.status, r.started_at) for r in unstored} == {("running", None)}
    assert len(unstored) >= 3
    later = monitor_runs.tick(start + timedelta(seconds=660))
    assert later.interrupted == len(unstored) and len(later.claimed) == 5
    for run in unstored:
        run.refresh_from_db()
        assert (run.status, run.problem) == ("interrupted", monitor_runs.INTERRUPTED_RUNNING)
    run_worker()
    assert len(upstream.received) == 5 + 5  # the killed batch's, then the next slots
    for watch in watches:
        watch.refresh_from_db()
        assert watch.state == "passing" and watch.last_run_id in later.claimed


@worker_db
def test_a_worker_stopped_mid_batch_keeps_what_it_sent_and_marks_the_rest_interrupted(upstream):
    shop(upstream.url)
    for number in range(5):
        every_minute(f"Watch {number}")
    batch = monitor_runs.tick().claimed
    reached, release = _hanging_from(upstream, 3, 5)
    worker = _worker_on_this_database()
    said = _lines_of(worker)
    try:
        assert reached.wait(60), "the worker never sent the fifth slot"
        worker.send_signal(signal.SIGINT)  # Ctrl+C: finish the task...
        assert _waits_for(said, "shutting down gracefully")
        for _ in range(30):  # ...Ctrl+C again, until one lands after the first: stop now
            worker.send_signal(signal.SIGINT)
            if _waits_for(said, "terminating current task", seconds=2):
                break
        worker.wait(60)
    finally:
        release.set()
        if worker.poll() is None:
            worker.kill()
    # What was answered is kept; the runs still waiting on the API are interrupted at once.
    statuses = sorted(SuiteRun.objects.filter(pk__in=batch).values_list("status", flat=True))
    assert statuses == ["finished"] * 2 + ["interrupted"] * 3
    stopped = SuiteRun.objects.filter(pk__in=batch, status="interrupted")
    assert {r.problem for r in stopped} == {monitor_runs.INTERRUPTED_STOPPED}
    assert len(upstream.received) == 5


@worker_db
def test_a_tick_claims_more_monitors_than_a_batch_in_several_transactions(upstream, monkeypatch):
    monkeypatch.setattr(monitor_runs, "CLAIM_BATCH", 4)
    shop(upstream.url)
    for number in range(10):
        every_minute(f"Watch {number}")
    with CaptureQueriesContext(connection) as captured:
        claimed = monitor_runs.tick().claimed
    assert len(claimed) == len(set(claimed)) == 10
    commits = [q for q in captured.captured_queries if q["sql"].startswith("COMMIT")]
    assert len(commits) >= 3  # 4 + 4 + 2
    assert monitor_runs.tick().claimed == []
    run_worker()
    assert len(upstream.received) == 10


@worker_db
def test_a_slot_whose_run_exists_already_is_not_run_again_and_its_monitor_moves_on(upstream):
    shop(upstream.url)
    taken = every_minute("Taken")
    others = [every_minute(f"Watch {number}") for number in range(3)]
    SuiteRun.objects.create(
        monitor=taken, slot_at=taken.next_run_at, scope={}, scope_key="x", title="restored"
    )
    claimed = monitor_runs.tick().claimed
    assert sorted(SuiteRun.objects.get(pk=pk).monitor_id for pk in claimed) == sorted(
        m.pk for m in others
    )
    before = taken.next_run_at
    taken.refresh_from_db()
    assert taken.next_run_at == before + timedelta(minutes=1)
    assert monitor_runs.tick().claimed == []


def test_the_tick_wakes_when_the_next_slot_is_due(db):
    shop("https://shop.example.com")
    now = timezone.now()
    assert monitor_runs.until_next_slot(5, now) == 5  # nothing to run: the full wait
    monitor = every_minute()
    Monitor.objects.filter(pk=monitor.pk).update(next_run_at=now + timedelta(seconds=2))
    assert monitor_runs.until_next_slot(5, now) == 2
    Monitor.objects.filter(pk=monitor.pk).update(next_run_at=now + timedelta(minutes=2))
    assert monitor_runs.until_next_slot(5, now) == 5
    Monitor.objects.filter(pk=monitor.pk).update(next_run_at=now - timedelta(seconds=30))
    assert monitor_runs.until_next_slot(5, now) == monitor_runs.LEAST_WAIT
    monitors.set_active(monitor, False)
    assert monitor_runs.until_next_slot(5, now) == 5
