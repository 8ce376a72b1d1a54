"""The catalog, the admin and retention at 100,000 connectors and a million Test runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_bench \\
        .venv/bin/python bench/scale.py [--connectors N] [--runs M] [--renders 20] [--reuse]

Uses the database DATABASE_URL names (its catalog tables are emptied first; default: a
temporary SQLite file). Fills N connectors (default 100,000) with 5 actions each (one input arg
each) and M Test runs (default 1,000,000), skewed as a real team's: one busy connector on the
first page whose one action holds 200,000 runs; a fifth of the other actions hold four fifths
of the rest; the runs spread over 90 days. One connector has 500 actions, one 2,000. Rows go in
by COPY on PostgreSQL (psycopg's copy) and by executemany on SQLite; then the last runs are
computed (refresh_last_runs, where the code has it) and VACUUM ANALYZE runs, as autovacuum
does after a bulk load. `--reuse` keeps a database already filled with N connectors
(and the runs a previous retention pass left).

Prints one table: every catalog filter and sort, a search with a common and a rare word, the
real last page, connector pages with 5 / 500 / 2,000 actions, the action with 200,000 runs and
the admin changelists, each with its SQL queries, median and p95 of `renders` renders through
the whole Django stack (DEBUG off, test client; at most 60 s per page); then the runs table's
size and the time of a retention pass (prune_runs), where the code has one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp())
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/scale.sqlite3")
os.environ.update(
    DEBUG="false",
    SECRET_KEY="bench-" + Fernet.generate_key().decode(),
    STUDIO_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    ALLOWED_HOSTS="testserver",
    STATIC_ROOT=str(TMP / "static"),
    LOG_LEVEL="WARNING",
    DJANGO_SETTINGS_MODULE="studio.settings",
)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.pages import render_times  # noqa: E402
from connectors.models import Action, Connector, InputArg, TestRun  # noqa: E402

WORDS = ["weather", "billing", "tickets", "search", "models", "calendar", "storage", "chat"]
RARE = "quetzalcoatl"  # in three connectors' descriptions
AUTHS = [value for value, _ in Connector.AuthConfig.choices]
USERS = ["bench", "dana", "eli", "fran", "gus"]
DAYS = 90
BUSY_RUNS = 200_000
WIDE = {1: 500, 2: 2_000}  # connector index -> actions; the busy connector is index 0
BODY = json.dumps({"object": "list", "data": [{"id": f"item-{i}", "n": i} for i in range(12)]})
POSTGRES = connection.vendor == "postgresql"


def connector_name(i: int) -> str:
    return f"c{i:06d}_{WORDS[i % len(WORDS)]}"


# --- fill ----------------------------------------------------------------------------------


def table_rows(model: type[models.Model], rows, given: list[str]):
    """Rows for every concrete column: the given ones, the field's default for the others."""
    fields = model._meta.concrete_fields
    columns = [f.column for f in fields]
    positions = {name: given.index(name) for name in given}
    defaults = []
    for f in fields:
        default = None if f.attname in positions else f.get_default()
        if isinstance(default, dict | list):
            default = json.dumps(default)
        defaults.append(default)

    def full(row):
        return tuple(
            row[positions[f.attname]] if f.attname in positions else defaults[i]
            for i, f in enumerate(fields)
        )

    return columns, (full(row) for row in rows)


def write(model: type[models.Model], given: list[str], rows) -> int:
    columns, full_rows = table_rows(model, rows, given)
    table = model._meta.db_table
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if POSTGRES:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in full_rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            batch = []
            adapt = connection.ops.adapt_datetimefield_value  # stored as the ORM stores them
            for row in full_rows:
                batch.append(
                    tuple(adapt(v) if isinstance(v, datetime.datetime) else v for v in row)
                )
                if len(batch) == 5_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def empty_catalog() -> None:
    tables = [m._meta.db_table for m in (TestRun, InputArg, Action, Connector)]
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def fill(n_connectors: int, n_runs: int, users: list[User], rng: random.Random) -> dict:
    now = timezone.now()

    def ago(max_days: float) -> datetime.datetime:
        return now - datetime.timedelta(seconds=rng.random() * max_days * 86_400)

    user_ids = [u.pk for u in users]
    write(
        Connector,
        [
            "id",
            "name",
            "display_name",
            "description",
            "base_url",
            "auth_config",
            "created_at",
            "updated_at",
            "updated_by_id",
        ],
        (
            (
                i + 1,
                connector_name(i),
                f"{WORDS[i % len(WORDS)].title()} {i}",
                f"The {WORDS[i % len(WORDS)]} API of team {i % 97}"
                + (f" with {RARE}" if i in (7, 50_007, 90_007) else ""),
                f"https://api{i}.{WORDS[(i // 8) % len(WORDS)]}.example.com/v1",
                AUTHS[i % len(AUTHS)],
                now - datetime.timedelta(days=DAYS),
                ago(DAYS),
                user_ids[i % len(user_ids)],
            )
            for i in range(n_connectors)
        ),
    )
    action_counts = [WIDE.get(i, 5) for i in range(n_connectors)]
    n_actions = sum(action_counts)

    def actions():
        pk = 0
        for i, count in enumerate(action_counts):
            for j in range(count):
                pk += 1
                yield (pk, i + 1, f"action_{j:04d}", "GET", f"/items/{j}/{{{{id}}}}", now, now)

    write(
        Action,
        ["id", "connector_id", "name", "method", "path", "created_at", "updated_at"],
        actions(),
    )
    write(
        InputArg,
        ["id", "action_id", "name", "example_value"],
        ((pk, pk, "id", "42") for pk in range(1, n_actions + 1)),
    )
    # Runs: action 1 (the busy connector's first) takes BUSY_RUNS; a fifth of the others four
    # fifths of the rest, the other actions the last fifth.
    busy = min(BUSY_RUNS, n_runs // 5)
    rest = n_runs - busy
    hot = list(range(2, n_actions + 1))
    rng.shuffle(hot)
    hot, cold = hot[: len(hot) // 5], hot[len(hot) // 5 :]

    def owners():
        for _ in range(busy):
            yield 1
        for k in range(rest):
            yield rng.choice(hot) if k % 5 else rng.choice(cold)

    def test_runs():
        for pk, action_id in enumerate(owners(), start=1):
            roll = rng.random()
            status, reason, error = (200, "OK", "")
            if roll > 0.95:
                status, reason, error = (None, "", "ConnectError")
            elif roll > 0.90:
                status, reason = (500, "Internal Server Error")
            yield (
                pk,
                action_id,
                user_ids[pk % len(user_ids)],
                ago(DAYS),
                "GET",
                f"https://api.example.com/items/{pk}",
                status,
                reason,
                "" if error else BODY,
                "" if error else "application/json",
                rng.random() * 300,
                None if error else len(BODY),
                error,
                "Could not connect to api.example.com." if error else "",
            )

    write(
        TestRun,
        [
            "id",
            "action_id",
            "user_id",
            "created_at",
            "request_method",
            "request_url",
            "status",
            "reason",
            "response_body",
            "content_type",
            "elapsed_ms",
            "size",
            "error_kind",
            "error_message",
        ],
        test_runs(),
    )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Connector, Action, InputArg, TestRun]
        ):
            cursor.execute(sql)
    return {"actions": n_actions}


# --- measure -------------------------------------------------------------------------------


def measure(client: Client, url: str, renders: int, budget_s: float = 60.0) -> dict:
    count, times = render_times(client, url, renders, budget_s)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]
    return {"queries": count, "median": statistics.median(times), "p95": p95, "n": len(times)}


def runs_table_size() -> str:
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("SELECT pg_total_relation_size(%s)", [TestRun._meta.db_table])
        else:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name = %s OR name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = %s AND type = 'index')",
                [TestRun._meta.db_table, TestRun._meta.db_table],
            )
        size = cursor.fetchone()[0] or 0
    return f"{size / 1024**2:,.0f} MB"


def has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connectors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled")
    parser.add_argument("--only", default="", help="measure only the pages whose label has this")
    options = parser.parse_args()
    n, m = options.connectors, options.runs
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    users = []
    for name in USERS:
        user, _ = User.objects.get_or_create(username=name, defaults={"is_superuser": True})
        user.is_superuser = user.is_staff = True
        user.save()
        users.append(user)
    # A retention pass below removes runs: --reuse measures what is left (printed).
    filled = Connector.objects.count() == n
    print(f"{connection.vendor}, {os.cpu_count()} cores; {n:,} connectors, {m:,} runs")
    if not (options.reuse and filled):
        empty_catalog()
        start = time.perf_counter()
        fill(n, m, users, random.Random(42))
        print(f"filled in {time.perf_counter() - start:.1f} s")
        if has_field(Action, "last_run_at"):
            start = time.perf_counter()
            call_command("refresh_last_runs", verbosity=0)
            print(f"refresh_last_runs in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if POSTGRES else "ANALYZE")
        print(f"VACUUM ANALYZE in {time.perf_counter() - start:.1f} s")
    print(f"runs stored: {TestRun.objects.count():,}")
    client = Client()
    client.force_login(users[0])
    count = Connector.objects.count()
    last_page = (count + 49) // 50
    busy, wide500, wide2000 = (connector_name(i) for i in (0, 1, 2))
    pages = {
        "catalog `/`": "/",
        "sort by last change": "/?sort=changed",
        "Auth Config filter": "/?auth=API_KEY",
        "Auth Config, by last change": "/?auth=API_KEY&sort=changed",
        "Last Test: passing": "/?test=passing",
        "Last Test: failing": "/?test=failing",
        "Last Test: never": "/?test=never",
        "failing, by last change": "/?test=failing&sort=changed",
        "Changed by": "/?by=dana",
        "search, common word (`weather`)": "/?q=weather",
        f"search, rare word (`{RARE}`)": f"/?q={RARE}",
        f"the last page (`?page={last_page}`)": f"/?page={last_page}",
        "the last page, by last change": f"/?sort=changed&page={last_page}",
        "connector page, 5 actions (200,000 runs)": f"/connectors/{busy}/",
        "connector page, 500 actions": f"/connectors/{wide500}/",
        "connector page, 2,000 actions": f"/connectors/{wide2000}/",
        "action page, 200,000 runs": f"/connectors/{busy}/actions/action_0000/",
        "admin connector changelist": "/admin/connectors/connector/",
        "admin action changelist": "/admin/connectors/action/",
        "admin test-run changelist": "/admin/connectors/testrun/",
        "admin test runs, error kind filter": "/admin/connectors/testrun/?error_kind=ConnectError",
    }
    print("\n| page | queries | median ms | p95 ms |\n| --- | --- | --- | --- |")
    for label, url in pages.items():
        if options.only not in label:
            continue
        r = measure(client, url, options.renders)
        renders = "" if r["n"] == options.renders else f" ({r['n']} renders)"
        print(f"| {label} | {r['queries']} | {r['median']:,.1f} | {r['p95']:,.1f}{renders} |")
    print(f"\nruns table (with its indexes): {runs_table_size()}")
    if options.only:
        return
    if has_field(TestRun, "pinned"):
        for args in ([], ["--days", "30"]):
            start = time.perf_counter()
            call_command("prune_runs", *args)
            took = time.perf_counter() - start
            print(f"retention pass prune_runs {' '.join(args)}: {took:.1f} s")
        print(f"runs left: {TestRun.objects.count():,}; table: {runs_table_size()}")
    else:
        print("retention: none in this version (runs are kept forever)")


if __name__ == "__main__":
    main()
