"""Suite run pages: Test all (who may), progress then the table, the list, JUnit."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from connectors.engine import suites
from connectors.models import SuiteRun
from tests.conftest import client_for
from tests.engine.test_suites import answer_404_on_missing, shop
from tests.helpers.factories import make_action, make_connector

pytestmark = pytest.mark.django_db


def test_a_viewer_cannot_start_a_suite_run_and_sees_no_test_all(carol) -> None:
    shop("https://api.example.com")
    client = client_for(carol)
    assert client.post("/suite-runs/new/", {"connector": "Shop"}).status_code == 403
    assert client.get("/suite-runs/new/?name=Shop").status_code == 403
    assert "Test all" not in client.get("/connectors/Shop/").content.decode()
    assert "Test all selected" not in client.get("/").content.decode()
    assert not SuiteRun.objects.exists()
    assert client.get("/suite-runs/").status_code == 200  # but may read them


def test_a_developer_starts_one_from_the_connector_page(bob, django_capture_on_commit_callbacks):
    shop("https://api.example.com")
    client = client_for(bob)
    page = client.get("/connectors/Shop/?tag=pets").content.decode()
    assert "Test all tagged “pets”" in page
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post("/suite-runs/new/", {"connector": "Shop", "tag": "pets"})
    suite = SuiteRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/suite-runs/{suite.pk}/"
    assert (suite.title, suite.total, suite.user) == ("Shop, tag pets", 2, bob)
    assert len(queued) == 1  # the task, enqueued once the suite run was committed


def test_the_catalog_selection_is_confirmed_then_started(bob) -> None:
    shop("https://a.example.com", "ShopA")
    shop("https://b.example.com", "ShopB")
    shop("https://c.example.com", "ShopC")
    client = client_for(bob)
    assert 'formaction="/suite-runs/new/"' in client.get("/").content.decode()
    page = client.get("/suite-runs/new/?name=ShopA&name=ShopC&q=").content.decode()
    assert "This tests 6 actions of <strong>Connectors ShopA, ShopC</strong>" in page
    client.post("/suite-runs/new/", {"name": ["ShopA", "ShopC"]})
    suite = SuiteRun.objects.get()
    assert suite.scope == {"connectors": ["ShopA", "ShopC"]} and suite.total == 6


def test_a_bad_choice_is_a_clear_message_not_an_error_page(bob) -> None:
    client = client_for(bob)
    response = client.get("/suite-runs/new/")  # nothing chosen yet: a page that says what to do
    assert response.status_code == 200
    assert "Choose a connector, a tag or some connectors to test." in response.content.decode()
    response = client.post("/suite-runs/new/", {"connector": "Nope"})
    assert response.status_code == 400
    assert "There is no connector named Nope." in response.content.decode()


def test_the_page_polls_while_it_runs_then_shows_the_table(upstream, bob, settings) -> None:
    settings.STUDIO_SUITE_THREADS = 1
    shop(upstream.url)
    upstream.handler = answer_404_on_missing
    suite = suites.start_suite_run(connector="Shop", user=bob)
    client = client_for(bob)
    url = f"/suite-runs/{suite.pk}/"

    waiting = client.get(url).content.decode()
    assert "Waiting for a worker: 3 actions to test." in waiting
    assert 'hx-trigger="every 1s"' in waiting
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in waiting
    assert "<table" not in waiting

    suites.execute(suite.pk)
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial  # polling stops
    assert "Finished: 3 actions tested." in partial and "<html" not in partial
    assert "The API answered 404." in partial
    run_link = (
        f"/connectors/Shop/actions/missing/?run={suite.results.get(action_name='missing').run_id}"
    )
    assert run_link in partial
    assert "first finished suite run of this scope" in partial
    page = client.get(url).content.decode()
    assert "refresh" not in page and "Download JUnit XML" in page

    upstream.handler = None  # now everything answers 200
    again = suites.start_suite_run(connector="Shop", user=bob)
    suites.execute(again.pk)
    page = client.get(f"/suite-runs/{again.pk}/").content.decode()
    assert f'<a href="/suite-runs/{suite.pk}/">suite run {suite.pk}</a>' in page
    assert "Newly passing (1)" in page and "Shop.missing" in page
    listing = client.get("/suite-runs/").content.decode()
    assert f"/suite-runs/{again.pk}/" in listing and f"/suite-runs/{suite.pk}/" in listing


def test_junit_is_valid_xml_with_one_testcase_per_action(upstream, bob, settings) -> None:
    settings.STUDIO_SUITE_THREADS = 1
    shop(upstream.url)
    broken = make_connector("Broken", base_url=upstream.url)
    make_action(broken, "needs_id", path="/x/{{id}}", args=[{"name": "id", "required": True}])
    upstream.handler = answer_404_on_missing
    suite = suites.start_suite_run(connectors=["Shop", "Broken"], user=bob)
    suites.execute(suite.pk)
    response = client_for(bob).get(f"/suite-runs/{suite.pk}/junit.xml")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    root = ElementTree.fromstring(response.content)
    testsuite = root.find("testsuite")
    assert (testsuite.get("tests"), testsuite.get("failures"), testsuite.get("errors")) == (
        "4",
        "1",
        "1",
    )
    cases = {(c.get("classname"), c.get("name")): c for c in testsuite.findall("testcase")}
    assert len(cases) == 4
    failure = cases[("Shop", "missing")].find("failure")
    assert failure.get("message") == "The API answered 404."
    assert "FAILED status: The API answered 404." in failure.text
    error = cases[("Broken", "needs_id")].find("error")
    assert error.get("type") == "MissingInput"
    assert error.get("message").startswith("id is required and has no example value")
    passed = cases[("Shop", "list_pets")]
    assert passed.find("failure") is None and passed.find("error") is None
    assert "/connectors/Shop/actions/list_pets/?run=" in passed.find("system-out").text


def test_a_viewer_reads_pages_and_junit_but_only_signed_in(carol, bob, client) -> None:
    shop("https://api.example.com")
    suite = suites.start_suite_run(connector="Shop", user=bob)
    viewer = client_for(carol)
    assert viewer.get(f"/suite-runs/{suite.pk}/").status_code == 200
    assert viewer.get(f"/suite-runs/{suite.pk}/junit.xml").status_code == 200
    assert client.get(f"/suite-runs/{suite.pk}/").status_code == 302  # to the login page
    assert viewer.get("/suite-runs/999999/").status_code == 404
