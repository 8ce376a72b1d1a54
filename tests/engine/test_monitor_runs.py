"""Monitors running: the tick's claim (never a slot twice, however many ticks race), missed
slots, paused monitors, interrupted runs, and the alert rule end to end against a real local
API that fails and recovers, a real webhook receiver and a real SMTP server."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from connectors.engine import monitor_runs, monitors
from connectors.models import Connector, Incident, Monitor, SuiteRun
from tests.helpers.factories import api_key_connector, make_action, make_channel, make_connector
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
    redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()  # CI starts Redis (.ci/run)
    shop(upstream.url)
    for number in range(10):
        every_minute(f"Watch {number}")
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=rq_tasks):
        queue = django_rq.get_queue("default")
        queue.empty()
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


def _tick_in_another_process(now_iso: str) -> subprocess.Popen:
    env = {**os.environ, "STUDIO_OUTBOUND_ALLOW": "127.0.0.1"}
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = (
            f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    code = (
        "import django, sys; django.setup();"
        "from datetime import datetime; from connectors.engine import monitor_runs;"
        f"print(len(monitor_runs.tick(datetime.fromisoformat({now_iso!r})).claimed))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=Path(django_settings.BASE_DIR),
        env={**env, "DJANGO_SETTINGS_MODULE": "studio.settings"},
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
