"""N monitors at a 1-minute cadence against a local API that answers at once, for M minutes.

    .venv/bin/python bench/monitors.py [--backend db|rq] [--database sqlite|postgres]
        [--workers W] [--monitors N] [--minutes M] [--spread] [--tick SECONDS]

The database: a fresh temporary SQLite file, or the database `bench_monitors` made afresh on
the PostgreSQL server at 127.0.0.1:5432 (user postgres; --database-url names another server)
and dropped at the end. The task backend: the database (`db`, the default), or RQ on Redis
at 127.0.0.1:6379, in a database number of its own (--redis-db, default 9, emptied before and
after). N monitors, each on its own one-action connector, are made with bulk inserts; W
`manage.py studio_worker` processes (each with its monitor tick, STUDIO_MONITOR_TICK_SECONDS
as configured unless --tick) start, and once they are up every monitor is due at the same
second each minute (the worst case: a herd that never disperses, as a cron schedule's would),
or with --spread, the realistic case, each at its own phase of the minute, as an import makes
them (schedules.spread_slot, the application's own spreading; monitors made one by one at
different times are spread alike). After M minutes of real time the workers are stopped as
Ctrl+C stops them (each finishes its task) and the figures printed:

- runs per minute; lateness, the run's start (its worker marking it running) minus its slot,
  p50/p95/max, and the same to its end;
- duplicates: runs sharing a slot, and requests the API received beyond one per run;
- missed slots: slots due before the last 20 s that no tick claimed; and claimed slots not run
  by the end;
- CPU per run: the workers' user + system time from the first slot to the end (from the
  kernel, their children included; starting up is not counted) divided by the runs, and the
  share of the machine's cores it was; the database server's and this process's (the API's)
  are not in it. Workers that got fewer cores than their runs need (a shared machine) fall
  behind, and the lateness grows with the minutes;
- the load average (`uptime`) before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
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

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
BENCH_DB = "bench_monitors"
SLOT = timedelta(seconds=60)
GRACE = timedelta(seconds=20)  # a slot due this close to the end may still be running
WARM_UP = 8.0  # seconds for the workers to start before the first slot


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["db", "rq"], default="db")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=POSTGRES, help="a PostgreSQL server to use")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database number for RQ")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--monitors", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--spread", action="store_true", help="slots spread over the minute")
    parser.add_argument("--tick", type=float, default=None, help="STUDIO_MONITOR_TICK_SECONDS")
    return parser.parse_args()


ARGS = arguments()


def make_postgres_database() -> str:
    """A fresh `bench_monitors` database on the server; its URL."""
    import psycopg

    with psycopg.connect(_libpq(ARGS.database_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return ARGS.database_url.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def drop_postgres_database() -> None:
    import psycopg

    with psycopg.connect(_libpq(ARGS.database_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


if ARGS.database == "postgres":
    DATABASE_URL = make_postgres_database()
else:
    DATABASE_URL = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
REDIS_URL = f"redis://127.0.0.1:6379/{ARGS.redis_db}"
ENV = {
    "DJANGO_SETTINGS_MODULE": "studio.settings",
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "false",
    "SECRET_KEY": Fernet.generate_key().decode(),
    "STUDIO_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "STUDIO_OUTBOUND_ALLOW": "127.0.0.1",
    "STUDIO_ENV_CREDENTIALS": "",
    "STUDIO_TASKS": ARGS.backend,
    "REDIS_URL": REDIS_URL,
    "LOG_LEVEL": "WARNING",
}
if ARGS.tick is not None:
    ENV["STUDIO_MONITOR_TICK_SECONDS"] = str(ARGS.tick)
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectors.engine import monitor_runs, schedules  # noqa: E402
from connectors.models import Action, Connector, Monitor, SuiteRun  # noqa: E402
from tests.helpers.upstream import Upstream  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def empty_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # this database number only


def make_monitors(base_url: str) -> None:
    """N one-action connectors and N monitors, not due yet (bulk inserts)."""
    later = timezone.now() + timedelta(days=1)
    Connector.objects.bulk_create(
        Connector(name=f"Api{n}", base_url=base_url) for n in range(ARGS.monitors)
    )
    Action.objects.bulk_create(
        Action(connector=connector, name="ping", path=f"/m{connector.name[3:]}")
        for connector in Connector.objects.all()
    )
    Monitor.objects.bulk_create(
        Monitor(name=f"Monitor {n}", connector=f"Api{n}", interval_seconds=60, next_run_at=later)
        for n in range(ARGS.monitors)
    )


def start_workers() -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "studio_worker"],
            cwd=ROOT,
            env={**os.environ, **ENV},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # a log line per task
        )
        for _ in range(ARGS.workers)
    ]


def cpu_seconds(workers: list[subprocess.Popen]) -> float:
    """User + system seconds of the running workers so far, their waited-for children included."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for worker in workers:
        fields = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / tick


def stop(workers: list[subprocess.Popen]) -> None:
    """As Ctrl+C stops them: each finishes its task first."""
    for worker in workers:
        worker.send_signal(signal.SIGINT)
    for worker in workers:
        try:
            worker.wait(timeout=180)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def main() -> None:
    call_command("migrate", verbosity=0)
    if ARGS.backend == "rq":
        empty_redis()
    before = uptime()
    with Upstream() as upstream:
        make_monitors(upstream.url)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
        connection.close()
        workers = start_workers()
        time.sleep(WARM_UP)
        # Later than a tick's longest sleep: every tick wakes for the first slot on time.
        first = timezone.now() + timedelta(seconds=settings.STUDIO_MONITOR_TICK_SECONDS + 3)
        if ARGS.spread:  # each at its own phase, as the import starts monitors made together
            monitors = list(Monitor.objects.order_by("pk").only("pk"))
            for monitor in monitors:
                monitor.next_run_at = schedules.spread_slot(monitor.pk, 60, first)
            Monitor.objects.bulk_update(monitors, ["next_run_at"], batch_size=500)
        else:
            Monitor.objects.update(next_run_at=first)  # every monitor due at the same second
        firsts = dict(Monitor.objects.values_list("pk", "next_run_at"))
        connection.close()
        time.sleep(max(0.0, (first - timezone.now()).total_seconds()))
        cpu_at_first = cpu_seconds(workers)  # what starting up took is not counted
        time.sleep(ARGS.minutes * 60)
        end = timezone.now()
        stop(workers)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime - cpu_at_first
        received = Counter(got.path for got in upstream.received)
    after = uptime()
    report(firsts, first, end, cpu, received, before, after)
    connection.close()
    if ARGS.backend == "rq":
        empty_redis()
    if ARGS.database == "postgres":
        drop_postgres_database()


def report(firsts, first, end, cpu, received, before: str, after: str) -> None:
    runs = list(
        SuiteRun.objects.exclude(monitor=None).values_list(
            "monitor_id", "slot_at", "started_at", "finished_at", "status"
        )
    )
    started = [r for r in runs if r[2] is not None]
    late = [(r[2] - r[1]).total_seconds() for r in started]
    done = [(r[3] - r[1]).total_seconds() for r in started if r[3] is not None]
    by_slot = Counter((r[0], r[1]) for r in runs)
    slots_due = 0
    claimed = Counter(r[0] for r in runs if r[1] <= end - GRACE)
    missed = 0
    for pk, moment in firsts.items():
        due = 0
        while moment <= end - GRACE:
            due += 1
            moment += SLOT
        slots_due += due
        missed += max(0, due - claimed[pk])
    runs_per_monitor = Counter(r[0] for r in started)
    paths = dict(Monitor.objects.values_list("pk", "connector"))
    extra_requests = sum(
        max(0, received[f"/m{paths[pk][3:]}"] - runs_per_monitor[pk]) for pk in paths
    )
    minutes = (end - first).total_seconds() / 60
    statuses = Counter(r[4] for r in runs)
    print(
        f"{ARGS.monitors} monitors, 1-minute cadence, "
        f"{'each at its own phase of the minute' if ARGS.spread else 'all due at one second'}; "
        f"{ARGS.workers} {ARGS.backend} worker(s) on {connection.vendor}, tick every "
        f"{monitor_runs.LEAST_WAIT:g} to {settings.STUDIO_MONITOR_TICK_SECONDS:g} s, claims of "
        f"{monitor_runs.CLAIM_BATCH}, tasks of {monitor_runs.RUN_BATCH} at most; "
        f"{minutes:.1f} minutes"
    )
    print(f"runs started:        {len(started)}  ({len(started) / minutes:.1f} per minute)")
    print(
        f"lateness (start):    p50 {percentile(late, 0.5):.2f} s   "
        f"p95 {percentile(late, 0.95):.2f} s   max {max(late, default=0):.2f} s   "
        f"(min {min(late, default=0):.2f} s, mean {statistics.mean(late) if late else 0:.2f} s)"
    )
    print(
        f"lateness (end):      p50 {percentile(done, 0.5):.2f} s   "
        f"p95 {percentile(done, 0.95):.2f} s   max {max(done, default=0):.2f} s"
    )
    print(
        f"duplicates:          {sum(c - 1 for c in by_slot.values() if c > 1)} runs sharing "
        f"a slot, {extra_requests} extra requests"
    )
    unrun = sum(1 for r in runs if r[1] <= end - GRACE and r[2] is None)
    print(f"missed slots:        {missed} of {slots_due} unclaimed; {unrun} claimed, not run")
    print(
        f"CPU per run:         {cpu / max(len(started), 1) * 1000:.2f} ms "
        f"(workers' user+system {cpu:.1f} s from the first slot to the end: "
        f"{cpu / max(minutes * 60, 1):.2f} of {os.cpu_count()} cores)"
    )
    print(f"statuses:            {dict(statuses)}")
    print(f"load before:         {before}")
    print(f"load after:          {after}")


if __name__ == "__main__":
    main()
