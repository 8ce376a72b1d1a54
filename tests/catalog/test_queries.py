"""Catalog filters and sort: GET parameters that work with the HTMX search and the pager."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.engine import checks, runs
from connectors.models import Connector, TestRun
from tests.conftest import client_for
from tests.helpers.factories import make_action, make_connector

pytestmark = pytest.mark.django_db


def run(connector: Connector, status: int | None, error: str = "", ago: int = 0) -> None:
    action = connector.actions.first() or make_action(connector)
    stored = TestRun(action=action, request_method="GET", status=status, error_kind=error)
    test_run = runs.store(checks.judge(stored, action))
    TestRun.objects.filter(pk=test_run.pk).update(
        created_at=timezone.now() - timedelta(minutes=ago)
    )
    runs.refresh_actions([action.pk])  # the run moved back in time


def names(html: str) -> list[str]:
    return re.findall(r'<a href="/connectors/(\w+)/"><strong>', html)


@pytest.fixture
def catalog(alice, bob) -> None:
    passing = make_connector("Passing", auth_config="API_KEY", updated_by=bob)
    run(passing, 500, ago=5)
    run(passing, 200)  # the last run counts
    failing = make_connector("Failing", auth_config="BASIC", updated_by=alice)
    run(failing, 200, ago=5)
    run(failing, None, error="Timeout")
    make_connector("Never", auth_config="API_KEY", updated_by=bob)
    rejected = make_connector("Rejected", auth_config="BEARER", updated_by=alice)
    run(rejected, 401)
    # Last change: Never most recently, then Failing.
    for name, minutes in (("Passing", 30), ("Rejected", 20), ("Failing", 10), ("Never", 0)):
        Connector.objects.filter(name=name).update(
            updated_at=timezone.now() - timedelta(minutes=minutes)
        )


def test_it_filters_by_auth_config(catalog, carol) -> None:
    client = client_for(carol)
    assert names(client.get("/?auth=API_KEY").content.decode()) == ["Never", "Passing"]
    assert names(client.get("/?auth=BEARER").content.decode()) == ["Rejected"]


def test_it_filters_by_the_last_test_result(catalog, carol) -> None:
    client = client_for(carol)
    assert names(client.get("/?test=passing").content.decode()) == ["Passing"]
    assert names(client.get("/?test=failing").content.decode()) == ["Failing", "Rejected"]
    assert names(client.get("/?test=never").content.decode()) == ["Never"]


def test_it_filters_by_who_changed_it_last(catalog, carol) -> None:
    client = client_for(carol)
    page = client.get("/?by=alice").content.decode()
    assert names(page) == ["Failing", "Rejected"]
    assert '<option value="bob">bob</option>' in page  # the changers are offered


def test_it_sorts_by_name_or_by_last_change(catalog, carol) -> None:
    client = client_for(carol)
    by_name = ["Failing", "Never", "Passing", "Rejected"]
    assert names(client.get("/").content.decode()) == by_name
    assert names(client.get("/?sort=changed").content.decode()) == [
        "Never",
        "Failing",
        "Rejected",
        "Passing",
    ]


def test_filters_combine_with_the_search_and_an_unknown_value_is_ignored(catalog, carol) -> None:
    client = client_for(carol)
    assert names(client.get("/?q=ing&auth=API_KEY").content.decode()) == ["Passing"]
    assert names(client.get("/?test=bogus&auth=nope").content.decode()) == [
        "Failing",
        "Never",
        "Passing",
        "Rejected",
    ]


def test_the_htmx_search_answers_with_the_filtered_partial(catalog, carol) -> None:
    response = client_for(carol).get(
        "/?q=&auth=API_KEY&test=never", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert names(html) == ["Never"]
    page = client_for(carol).get("/").content.decode()
    # Every control sends the whole form, so a filter change keeps the search and vice versa.
    assert page.count('hx-include="closest form"') == 5


def test_the_pager_links_carry_the_filters(carol, settings) -> None:
    for index in range(55):
        make_connector(f"Api{index:02d}", auth_config="API_KEY")
    make_connector("Other", auth_config="BASIC")
    page = client_for(carol).get("/?auth=API_KEY&sort=changed").content.decode()
    assert "55 connectors" in page
    assert 'href="?auth=API_KEY&amp;sort=changed&amp;page=2"' in page
    second = client_for(carol).get("/?auth=API_KEY&sort=changed&page=2").content.decode()
    assert len(names(second)) == 5 and "Other" not in names(second)


def test_the_query_count_does_not_grow_with_the_catalog(carol, bob) -> None:
    client = client_for(carol)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = ["/?test=failing&sort=changed", "/?by=bob&auth=API_KEY", "/?test=passing"]

    def add(count: int) -> None:
        for index in range(count):
            connector = make_connector(
                f"C{index:02d}{count}", auth_config="API_KEY", updated_by=bob
            )
            run(connector, 200 if index % 2 else 500)

    add(2)
    small = [queries(url) for url in urls]
    add(30)
    assert [queries(url) for url in urls] == small
