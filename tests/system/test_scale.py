"""The catalog and the admin at scale: pages read ids first, stored last runs, indexes."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.engine import checks, runs
from connectors.lib.admin_paging import EstimatedCountPaginator, estimated_rows
from connectors.models import Action, Connector, TestRun
from connectors.views.catalog import search_connectors
from tests.conftest import client_for
from tests.helpers.factories import make_action

pytestmark = pytest.mark.django_db

PAGE = 7
AUTHS = ["API_KEY", "BASIC", "NO_AUTH"]
OUTCOMES = [(200, ""), (503, ""), (None, "Timeout"), (302, ""), (101, "")]


@pytest.fixture
def catalog(alice, bob, carol, monkeypatch) -> None:
    """30 connectors: mixed Auth Config, changers, last results and change times."""
    monkeypatch.setattr("connectors.views.catalog.PAGE_SIZE", PAGE)
    now = timezone.now()
    people = itertools.cycle([alice, bob, None])
    for i in range(30):
        word = "weather" if i % 4 == 0 else "billing"
        connector = Connector.objects.create(
            name=f"C{(i * 7) % 30:02d}_{word}",
            description=f"The {word} API",
            base_url=f"https://api{i}.example.com",
            auth_config=AUTHS[i % 3],
            updated_by=next(people),
        )
        for j in range(i % 3):  # 0, 1 or 2 actions
            action = make_action(connector, f"a{j}")
            for k in range((i + j) % 4):
                status, error = OUTCOMES[(i + j + k) % len(OUTCOMES)]
                run = TestRun(action=action, request_method="GET", status=status, error_kind=error)
                run = runs.store(checks.judge(run, action))
                if i % 5 == 0:  # some runs older, to mix the order of the last ones
                    at = now - timedelta(minutes=i + k)
                    TestRun.objects.filter(pk=run.pk).update(created_at=at)
        Connector.objects.filter(pk=connector.pk).update(
            updated_at=now - timedelta(minutes=(i * 11) % 17)  # ties: the name decides
        )
    runs.refresh_actions()


def reference(chosen: dict[str, str]) -> list[tuple]:
    """The catalog as it was computed before the last runs were stored: searched per row."""
    newest = TestRun.objects.filter(action__connector=OuterRef("pk")).order_by("-created_at", "-id")
    rows = Connector.objects.annotate(
        **{
            f"ref_{name}": Subquery(newest.values(field)[:1])
            for name, field in [
                ("at", "created_at"),
                ("status", "status"),
                ("error", "error_kind"),
                ("passed", "passed"),
            ]
        }
    )
    if q := chosen.get("q"):
        rows = rows.filter(
            Q(name__icontains=q)
            | Q(display_name__icontains=q)
            | Q(description__icontains=q)
            | Q(base_url__icontains=q)
        )
    if chosen.get("auth"):
        rows = rows.filter(auth_config=chosen["auth"])
    # A run passes when it was answered and its checks passed (no checks: status 2xx).
    passing = Q(ref_passed=True)
    failing = Q(ref_passed=False)
    test = chosen.get("test")
    if test == "never":
        rows = rows.filter(ref_at__isnull=True)
    elif test == "passing":
        rows = rows.filter(passing, ref_at__isnull=False)
    elif test == "failing":
        rows = rows.filter(failing, ref_at__isnull=False)
    if chosen.get("by"):
        rows = rows.filter(updated_by__username=chosen["by"])
    order = ["-updated_at", "name"] if chosen.get("sort") == "changed" else ["name"]
    return [
        (c.name, c.ref_at, c.ref_status, c.ref_error or "", c.actions.count())
        for c in rows.order_by(*order)
    ]


CHOICES = [
    {},
    {"sort": "changed"},
    {"auth": "API_KEY"},
    {"auth": "BASIC", "sort": "changed"},
    {"test": "passing"},
    {"test": "failing"},
    {"test": "never"},
    {"test": "failing", "sort": "changed"},
    {"by": "bob"},
    {"by": "bob", "test": "passing"},
    {"q": "weather"},
    {"q": "WEATHER", "test": "failing", "sort": "changed"},
]


def shown(client, params: dict[str, str]) -> tuple[list[tuple], int]:
    response = client.get("/", params)
    page = response.context["page"]
    rows = [
        (c.name, c.last_run_at, c.last_run_status, c.last_run_error, c.action_count)
        for c in page.object_list
    ]
    return rows, page.paginator.num_pages


@pytest.mark.parametrize(
    "chosen", CHOICES, ids=lambda c: "&".join(f"{k}={v}" for k, v in c.items())
)
def test_every_page_shows_what_the_searched_last_runs_showed(catalog, carol, chosen) -> None:
    client = client_for(carol)
    expected = reference(chosen)
    assert expected, "each choice matches some connectors"
    pages = []
    number, num_pages = 1, 1
    while number <= num_pages:
        rows, num_pages = shown(client, {**chosen, "page": str(number)})
        pages.extend(rows)
        number += 1
    assert pages == expected


def test_a_page_costs_the_same_queries_whatever_the_page_and_filter(
    catalog, carol, django_assert_num_queries
) -> None:
    client = client_for(carol)
    client.get("/")  # the session, once
    counts = set()
    for chosen in CHOICES:
        for page in ("1", "2", "last"):
            # The README's count: the user, who changed connectors, the count, the page's ids,
            # and its rows with their monitors' states (the role comes from the cache).
            with django_assert_num_queries(5), CaptureQueriesContext(connection) as queries:
                response = client.get("/", {**chosen, "page": page})
            assert response.context["page"].object_list
            counts.add(len(queries))
    assert len(counts) == 1, counts
    # Nothing matches: no page and no rows to read, two queries fewer.
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", {"q": "no-such-word"})
    assert not response.context["page"].object_list
    assert len(queries) == counts.pop() - 2


def test_the_page_query_reads_ids_only_and_the_rows_of_the_page(catalog, carol) -> None:
    client = client_for(carol)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/", {"page": "3", "test": "failing"})
    sql = [q["sql"] for q in queries]
    ids_only = 'SELECT "connectors_connector"."id" AS "pk" FROM "connectors_connector" WHERE'
    assert any(s.startswith(ids_only) and "LIMIT" in s for s in sql)
    assert not any("connectors_testrun" in s for s in sql), "no run is searched for"


def test_the_connector_page_lists_500_actions_by_name(carol) -> None:
    connector = Connector.objects.create(name="Wide", base_url="https://wide.example.com")
    names = [f"a{(i * 37) % 500:03d}" for i in range(500)]
    Action.objects.bulk_create(Action(connector=connector, name=n) for n in names)
    client, listed, page = client_for(carol), [], 1
    while page:  # the page lists them a page at a time, in order
        response = client.get(connector.get_absolute_url(), {"page": page})
        listed += [a.name for a in response.context["actions"]]
        page = response.context["page"].has_next() and page + 1
    assert listed == sorted(names)


# --- search indexes ------------------------------------------------------------------------


def test_on_postgresql_the_search_uses_the_trigram_indexes(catalog) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's; SQLite keeps the plain search")
    with connection.cursor() as cursor:  # a tiny table: rule out the other plans
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = search_connectors("weather").order_by().values("pk").explain()
    for column in ("name", "display_name", "description", "base_url"):
        assert f"connector_{column}_trgm" in plan, plan


def test_on_sqlite_there_is_no_trigram_index() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        names = connection.introspection.get_constraints(cursor, "connectors_connector")
    assert not [n for n in names if n.endswith("_trgm")]
    assert "connector_failing_name" in names  # the partial indexes work on both


# --- admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff(alice):
    alice.is_staff = True
    alice.save()
    return client_for(alice)


def test_the_test_run_changelist_neither_counts_twice_nor_selects_distinct(catalog, staff):
    staff.get("/admin/")
    with CaptureQueriesContext(connection) as queries:
        response = staff.get("/admin/connectors/testrun/", {"error_kind": "Timeout"})
    assert response.status_code == 200
    sql = [q["sql"].upper() for q in queries]
    assert not any("DISTINCT" in s for s in sql)
    assert sum("COUNT(" in s for s in sql) <= 1  # no full count next to the filtered one
    timeouts = TestRun.objects.filter(error_kind="Timeout").count()
    assert timeouts and response.context["cl"].result_count == timeouts
    html = response.content.decode()
    assert "ConnectError" in html and "None (a response came back)" in html  # fixed choices
    none = staff.get("/admin/connectors/testrun/", {"error_kind": "-"}).context["cl"]
    assert none.result_count == TestRun.objects.filter(error_kind="").count()


def test_large_tables_page_with_the_planners_estimate(catalog) -> None:
    runs_list = TestRun.objects.order_by("-created_at", "-id")
    paginator = EstimatedCountPaginator(runs_list, 100)
    assert paginator.count == runs_list.count()  # small: counted exactly
    estimate = estimated_rows(runs_list)
    if connection.vendor == "postgresql":
        assert isinstance(estimate, int) and estimate >= 0
    else:
        assert estimate is None


def test_the_action_and_connector_changelists_render(catalog, staff) -> None:
    for url in ("/admin/connectors/action/", "/admin/connectors/connector/"):
        response = staff.get(url)
        assert response.status_code == 200
