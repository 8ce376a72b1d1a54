"""N monitors at a 1-minute cadence against a local API that answers at once, for M minutes.

    .venv/bin/python bench/monitors.py [MONITORS] [MINUTES] [WORKERS]

On a fresh temporary SQLite database: MONITORS monitors, each on its own one-action connector,
all due at the same second every minute (the worst case); WORKERS `manage.py studio_worker`
processes (the database backend's worker with its monitor tick, every second here) run them
for MINUTES minutes of real time. Prints runs per minute, lateness (the run's start minus its
slot) p50/p95/max, duplicates (requests the API received beyond one per run, and runs sharing
a slot), missed slots (due before the last 20 s, without a run) and CPU per run (the workers'
user + system time, from the kernel, divided by the runs).
"""

from __future__ import annotations

import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.mkdtemp()) / "bench.sqlite3"
ENV = {
    "DJANGO_SETTINGS_MODULE": "studio.settings",
    "DATABASE_URL": f"sqlite:///{DB}",
    "DEBUG": "true",
    "STUDIO_OUTBOUND_ALLOW": "127.0.0.1",
    "STUDIO_ENV_CREDENTIALS": "",
    "STUDIO_TASKS": "db",
    "STUDIO_MONITOR_TICK_SECONDS": "1",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectors.engine import monitors  # noqa: E402
from connectors.models import Monitor, SuiteRun  # noqa: E402
from tests.helpers.factories import make_action, make_connector  # noqa: E402
from tests.helpers.upstream import Upstream  # noqa: E402

MONITORS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
MINUTES = float(sys.argv[2]) if len(sys.argv) > 2 else 2
WORKERS = int(sys.argv[3]) if len(sys.argv) > 3 else 1
SLOT = timedelta(seconds=60)
GRACE = timedelta(seconds=20)  # a slot due this close to the end may still be running


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    call_command("migrate", verbosity=0)
    with Upstream() as upstream:
        for n in range(MONITORS):
            connector = make_connector(f"Api{n}", base_url=upstream.url)
            make_action(connector, "ping", path=f"/m{n}")
            monitors.create_monitor(
                monitors.Values(name=f"Monitor {n}", connector=f"Api{n}", interval_seconds=60)
            )
        first = timezone.now() + timedelta(seconds=5)
        Monitor.objects.update(next_run_at=first)  # every monitor due at the same second
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "studio_worker"],
                cwd=ROOT,
                env={**os.environ, **ENV},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # a log line per task
            )
            for _ in range(WORKERS)
        ]
        time.sleep(5 + MINUTES * 60)
        end = timezone.now()
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            worker.wait(timeout=120)
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        received = Counter(got.path for got in upstream.received)

    runs = list(
        SuiteRun.objects.exclude(monitor=None).values_list(
            "monitor_id", "slot_at", "started_at", "status"
        )
    )
    started = [r for r in runs if r[2] is not None]
    late = [(r[2] - r[1]).total_seconds() for r in started]
    by_slot = Counter((r[0], r[1]) for r in runs)
    slots_due = 0
    moment = first
    while moment <= end - GRACE:
        slots_due += 1
        moment += SLOT
    ran_by_monitor = Counter(r[0] for r in runs if r[1] <= end - GRACE)
    missed = sum(max(0, slots_due - ran_by_monitor[m.pk]) for m in Monitor.objects.all())
    runs_per_monitor = Counter(r[0] for r in started)
    extra_requests = sum(
        max(0, received[f"/m{n}"] - runs_per_monitor[m.pk])
        for n, m in enumerate(Monitor.objects.order_by("pk"))
    )
    cpu_seconds = cpu.ru_utime + cpu.ru_stime
    minutes = (end - first).total_seconds() / 60
    print(
        f"{MONITORS} monitors, 1-minute cadence, {WORKERS} database worker(s) on SQLite, "
        f"{minutes:.1f} minutes"
    )
    print(f"runs started:        {len(started)}  ({len(started) / minutes:.1f} per minute)")
    print(
        f"lateness:            p50 {percentile(late, 0.5):.2f} s   "
        f"p95 {percentile(late, 0.95):.2f} s   max {max(late, default=0):.2f} s"
    )
    print(
        f"duplicates:          {sum(c - 1 for c in by_slot.values() if c > 1)} runs sharing "
        f"a slot, {extra_requests} extra requests"
    )
    print(f"missed slots:        {missed} of {slots_due * MONITORS}")
    print(
        f"CPU per run:         {cpu_seconds / max(len(started), 1) * 1000:.1f} ms "
        f"(workers' user+system {cpu_seconds:.1f} s)"
    )
    statuses = Counter(r[3] for r in runs)
    print(f"statuses:            {dict(statuses)}")
    if late:
        print(f"lateness mean:       {statistics.mean(late):.2f} s")


if __name__ == "__main__":
    main()
