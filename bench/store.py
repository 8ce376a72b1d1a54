"""Storing a Test run: a plain INSERT versus connectors.runs.store, measured side by side.

    [DATABASE_URL=postgres://...] .venv/bin/python bench/store.py [runs]

runs.store saves the run, updates its action's and connector's last run and checks the
action's retention, in one transaction. Both ways run alternately `runs` times (default 500)
on the same action, which already holds 1,000 runs, some past the retention period; prints
the median of each and the difference, the figure that must stay under 1 ms. Uses a temporary
SQLite file, or, with DATABASE_URL on PostgreSQL, a new database on that server, dropped at
the end.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.servers import Site  # noqa: E402

SITE = Site(Path(tempfile.mkdtemp()))
os.environ.update(SITE.env)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectors.engine import runs  # noqa: E402
from connectors.models import Action, Connector, TestRun  # noqa: E402


def a_run(action: Action) -> TestRun:
    return TestRun(
        action=action,
        request_method="GET",
        request_url="https://api.example.com/v1/models",
        status=200,
        reason="OK",
        response_body='{"object": "list", "data": []}' * 60,
        elapsed_ms=12.5,
        size=1800,
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    call_command("migrate", verbosity=0)
    connector = Connector.objects.create(name="Bench", base_url="https://api.example.com")
    action = Action.objects.create(connector=connector, name="list_models")
    old = timezone.now() - datetime.timedelta(days=120)
    TestRun.objects.bulk_create(a_run(action) for _ in range(1_000))
    first = TestRun.objects.order_by("id").values_list("id", flat=True)[:200]
    TestRun.objects.filter(id__in=list(first)).update(created_at=old, pinned=True)
    plain, stored = [], []
    for _ in range(count):
        run = a_run(action)
        start = time.perf_counter()
        run.save()
        plain.append((time.perf_counter() - start) * 1000)
        run = a_run(action)
        start = time.perf_counter()
        runs.store(run)
        stored.append((time.perf_counter() - start) * 1000)
    a, b = statistics.median(plain), statistics.median(stored)
    print(
        f"Storing a Test run, median of {count} each ({connection.vendor}, {os.cpu_count()} cores)"
    )
    print(f"  run.save()        {a:6.2f} ms")
    print(f"  runs.store(run)   {b:6.2f} ms   (+{b - a:.2f} ms)")
    connection.close()
    SITE.drop()


if __name__ == "__main__":
    main()
