"""`make run`'s command: one process serves the pages and runs the worker; Ctrl+C stops both."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from tests.helpers.upstream import Upstream

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")

START_SUITE = """
from connectors.engine import suites
from tests.helpers.factories import make_action, make_connector
connector = make_connector("Local", base_url="{url}")
make_action(connector, "ping", path="/ping")
make_action(connector, "pong", path="/pong")
from connectors.engine import monitors
monitors.create_monitor(monitors.Values(name="Local watch", connector="Local", interval_seconds=60))
print(suites.start_suite_run(connector="Local", user=None).pk)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def suite_status(database: Path, pk: int) -> str:
    with sqlite3.connect(database) as db:
        row = db.execute("select status from connectors_suiterun where id = ?", (pk,)).fetchone()
    return row[0] if row else ""


def monitor_runs_finished(database: Path) -> int:
    with sqlite3.connect(database) as db:
        query = (
            "select count(*) from connectors_suiterun where monitor_id is not null and status = ?"
        )
        return db.execute(query, ("finished",)).fetchone()[0]


def serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_it_serves_runs_queued_suites_and_monitors_and_stops_both_on_ctrl_c(tmp_path) -> None:
    database = tmp_path / "studio.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "true",
        "STUDIO_TASKS": "db",
        "STUDIO_OUTBOUND_ALLOW": "127.0.0.1",
        "STUDIO_ENV_CREDENTIALS": "",
        "STUDIO_MONITOR_TICK_SECONDS": "1",
    }
    run = [sys.executable, MANAGE]
    subprocess.run([*run, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    with Upstream() as upstream:
        made = subprocess.run(
            [*run, "shell", "-c", START_SUITE.format(url=upstream.url)],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        pk = int(made.stdout.strip().splitlines()[-1])
        assert suite_status(database, pk) == "queued"
        port = free_port()
        studio = subprocess.Popen(
            [*run, "run_studio", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            start_new_session=True,  # its own group: the test can see every child end
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert wait_for(lambda: serves(f"http://127.0.0.1:{port}/accounts/login/"))
            assert wait_for(lambda: suite_status(database, pk) == "finished")
            # The monitor, due at once, is ticked and run by the same worker: nothing else runs.
            assert wait_for(lambda: monitor_runs_finished(database) == 1)
            assert sorted(got.path for got in upstream.received) == [
                "/ping",
                "/ping",
                "/pong",
                "/pong",
            ]

            studio.send_signal(signal.SIGINT)  # what Ctrl+C sends
            assert studio.wait(timeout=60) == 0
            assert wait_for(lambda: group_gone(studio.pid), 30)  # server and worker ended too
        finally:
            if studio.poll() is None or not group_gone(studio.pid):
                os.killpg(studio.pid, signal.SIGKILL)
