"""The catalog at scale: SQL queries per page and median render time, next to the admin.

    .venv/bin/python bench/catalog.py [runs]

Fills a fresh database (a temporary SQLite file; with DATABASE_URL on PostgreSQL, a new
database on that server, dropped at the end) by bulk_create: N connectors, 5 actions each with
one input arg and one stored Test run. Measures at N=100, then at N=10,000 (50,000 actions):
the catalog, a search, a connector page and an action page, and the Django admin's connector
changelist of the same data, all rendered through the whole Django stack as served with
DEBUG off, after ANALYZE (as autovacuum runs after a bulk load). Prints queries per page at
both sizes (they must not grow with N, and stay at most 10) and the median of `runs` renders
(default 30) in interleaved rounds, with each page's ratio to the admin's. The catalog and the
search are measured twice: rendered (as after any change) and as kept between changes.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.servers import Site  # noqa: E402

SITE = Site(Path(tempfile.mkdtemp()))
os.environ.update(SITE.env)
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.interleave import interleaved, median  # noqa: E402
from connectors.catalog.queries import PAGES  # noqa: E402
from connectors.models import Action, Connector, InputArg, TestRun  # noqa: E402

SIZES = [100, 10_000]
ACTIONS_PER_CONNECTOR = 5
WORDS = ["weather", "billing", "tickets", "search", "models", "calendar", "storage", "chat"]
BATCH = 2_000
KEPT = ", kept"


def name_of(i: int) -> str:
    return f"c{i:05d}_{WORDS[i % len(WORDS)]}"


def fill(start: int, stop: int, user: User) -> None:
    """Connectors start..stop-1, each with its actions, input args and one run per action."""
    connectors = [
        Connector(
            name=name_of(i),
            display_name=f"Connector {i}",
            description=f"The {WORDS[i % len(WORDS)]} API, number {i}",
            base_url=f"https://api{i}.example.com",
            updated_by=user,
        )
        for i in range(start, stop)
    ]
    Connector.objects.bulk_create(connectors, batch_size=BATCH)
    connectors = list(Connector.objects.filter(name__gte=f"c{start:05d}", name__lt=f"c{stop:05d}"))
    actions = [
        Action(connector=c, name=f"action_{j}", path=f"/v1/thing{j}/{{{{id}}}}", updated_by=user)
        for c in connectors
        for j in range(ACTIONS_PER_CONNECTOR)
    ]
    Action.objects.bulk_create(actions, batch_size=BATCH)
    actions = list(Action.objects.filter(connector__in=connectors))
    InputArg.objects.bulk_create(
        [InputArg(action=a, name="id", example_value="42") for a in actions], batch_size=BATCH
    )
    TestRun.objects.bulk_create(
        [
            TestRun(action=a, user=user, request_method="GET", status=200, reason="OK")
            for a in actions
        ],
        batch_size=BATCH,
    )
    call_command("refresh_last_runs", verbosity=0)  # bulk_create bypasses connectors.runs


def measure(client: Client, pages: dict[str, str], runs: int) -> dict[str, tuple[int, float]]:
    """Each page's queries, and its median ms over `runs` interleaved rounds (every page once a
    round, the order rotated), so a change of load moves the admin baseline alike. A label
    ending in KEPT is the catalog page as kept between changes; the others are rendered each
    time (the catalog's data version is moved first, as any write moves it)."""

    def get(label: str, url: str) -> object:
        if not label.endswith(KEPT):
            PAGES.bump()
        return client.get(url)

    counts = {}
    for label, url in pages.items():
        get(label, url)  # warm up: template caches, connection; a kept page is kept
        with CaptureQueriesContext(connection) as queries:
            get(label, url)
        counts[label] = len(queries)
    times = interleaved(
        {label: (lambda label=label, url=url: get(label, url)) for label, url in pages.items()},
        rounds=runs,
    )
    return {label: (counts[label], median(times[label])) for label in pages}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    user = User.objects.create_superuser("bench", "bench@example.com", "bench-pass-1")
    client = Client()
    client.force_login(user)
    pages = {
        "catalog /": "/",
        f"catalog /{KEPT}": "/",
        "search /?q=weather": "/?q=weather",
        f"search{KEPT}": "/?q=weather",
        "connector page": f"/connectors/{name_of(42)}/",
        "action page": f"/connectors/{name_of(42)}/actions/action_0/",
        "admin changelist": "/admin/connectors/connector/",
    }
    results: dict[int, dict[str, tuple[int, float]]] = {}
    filled = 0
    for size in SIZES:
        start = time.perf_counter()
        fill(filled, size, user)
        filled = size
        # Fresh statistics, as PostgreSQL's autovacuum takes after a bulk load: without them
        # its planner guesses, and the catalog's per-row subqueries scan the whole run table.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        took = time.perf_counter() - start
        print(f"N={size:,}: {Action.objects.count():,} actions, filled in {took:.1f} s")
        results[size] = measure(client, pages, runs)

    small, large = SIZES
    admin_ms = results[large]["admin changelist"][1]
    engine = connection.vendor
    print(f"\nCatalog pages, median of {runs} renders each ({engine}, {os.cpu_count()} cores)")
    print(
        f"{'page':<20} {'queries':>8} {'queries':>8} {'ms':>8} {'ms':>8} {'vs admin':>9}\n"
        f"{'':<20} {f'N={small:,}':>8} {f'N={large:,}':>8} {f'N={small:,}':>8} "
        f"{f'N={large:,}':>8} {f'N={large:,}':>9}"
    )
    worst = 0
    for label in pages:
        (q_small, ms_small), (q_large, ms_large) = results[small][label], results[large][label]
        if label != "admin changelist":
            worst = max(worst, q_small, q_large)
            assert q_small == q_large, f"{label}: queries grow with N ({q_small} -> {q_large})"
        print(
            f"{label:<20} {q_small:>8} {q_large:>8} {ms_small:>8.1f} {ms_large:>8.1f} "
            f"{ms_large / admin_ms:>8.2f}x"
        )
    print(f"Most queries on a Studio page: {worst} (budget 10)")
    assert worst <= 10
    connection.close()
    SITE.drop()


if __name__ == "__main__":
    main()
