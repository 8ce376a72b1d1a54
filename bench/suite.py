"""A 200-action suite run against a local API that answers at once, next to 200 single Tests.

    .venv/bin/python bench/suite.py [ACTIONS]

On a fresh temporary SQLite database: presses Test ACTIONS times one after another (the
executor, as the Test button calls it), then runs the same actions as one suite run on the
database backend's worker (in this process), and on RQ (Redis at 127.0.0.1:6379, RQ's worker
in this process) when Redis answers. Prints wall time and time per action for each; the suite
figures run from the enqueue to the last result stored, the worker's pick-up included.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ.update(
    DJANGO_SETTINGS_MODULE="studio.settings",
    DATABASE_URL=f"sqlite:///{DB}",
    DEBUG="true",
    STUDIO_OUTBOUND_ALLOW="127.0.0.1",
    STUDIO_ENV_CREDENTIALS="",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import override_settings  # noqa: E402

from connectors.engine import executor, suites  # noqa: E402
from connectors.models import SuiteRun  # noqa: E402
from tests.helpers.factories import make_action, make_connector  # noqa: E402
from tests.helpers.upstream import Upstream  # noqa: E402

ACTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def report(name: str, seconds: float) -> None:
    print(f"{name:<44} {seconds:7.2f} s   {seconds / ACTIONS * 1000:7.2f} ms per action")


def suite_on(worker) -> float:
    start = time.perf_counter()
    suite = suites.start_suite_run(connector="Bench", user=None)
    worker()
    seconds = time.perf_counter() - start
    suite.refresh_from_db()
    assert suite.status == "finished" and suite.passed == ACTIONS, (suite.passed, suite.problem)
    return seconds


def db_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())


def rq_worker() -> None:
    import django_rq  # only when Redis answers

    worker = django_rq.get_worker(
        "default", job_class="django_tasks_rq.Job", worker_class="rq.worker.SimpleWorker"
    )
    worker.work(burst=True)


def main() -> None:
    call_command("migrate", verbosity=0)
    with Upstream() as upstream:
        connector = make_connector("Bench", base_url=upstream.url)
        actions = [make_action(connector, f"a{n}", path=f"/{n}") for n in range(ACTIONS)]
        print(
            f"{ACTIONS} actions, SQLite, {settings.STUDIO_SUITE_THREADS} threads, "
            f"{settings.STUDIO_SUITE_PER_HOST} at once per host"
        )
        start = time.perf_counter()
        for action in actions:
            executor.run(action, {}, None)
        report(f"{ACTIONS} single Tests, one after another", time.perf_counter() - start)
        report("suite run, database backend", suite_on(db_worker))
        try:
            import redis

            redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
        except Exception as error:
            print(f"RQ skipped: Redis does not answer ({type(error).__name__})")
            return
        rq = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
        with override_settings(TASKS=rq):
            redis.Redis.from_url("redis://127.0.0.1:6379/0").delete("rq:queue:default")
            report("suite run, RQ backend", suite_on(rq_worker))
        served = len(upstream.received)
        print(f"{SuiteRun.objects.count()} suite runs stored; requests served: {served}")


if __name__ == "__main__":
    main()
