from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from connectors.models import SuiteRun
from tests.helpers.api import ApiClient
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Received, Reply
from tests.helpers.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(upstream) -> None:
    connector = make_connector("Shop", base_url=upstream.url)
    make_action(connector, "list_pets", path="/pets", tags=["pets"])
    make_action(connector, "missing", path="/missing")
    make_action(make_connector("Zoo", base_url=upstream.url), "feed", path="/feed", tags=["pets"])

    def answer(got: Received) -> Reply:
        return Reply(status=404, body=b'{"error": "no"}') if "missing" in got.path else Reply()

    upstream.handler = answer


def test_a_developer_starts_a_suite_run_and_follows_it_to_the_end(shop, bob, carol) -> None:
    started = ApiClient(bob).post("/suite-runs", {"connector": "Shop"})
    assert started.status_code == 202
    body = started.json()
    assert body["status"] == "queued"
    assert body["url"] == f"http://testserver/suite-runs/{body['id']}/"
    queued = ApiClient(carol).get(f"/suite-runs/{body['id']}").json()
    assert queued["status"] == "queued" and queued["total"] == 2
    assert {r["passed"] for r in queued["results"]} == {None}

    run_worker()

    done = ApiClient(carol).get(f"/suite-runs/{body['id']}").json()
    assert (done["status"], done["passed"], done["failed"], done["errored"]) == (
        "finished",
        1,
        1,
        0,
    )
    results = {r["action"]: r for r in done["results"]}
    assert results["list_pets"]["passed"] is True and results["list_pets"]["run"] is not None
    assert results["missing"]["passed"] is False and results["missing"]["connector"] == "Shop"
    assert results["missing"]["checks"] == [
        {"type": "status", "passed": False, "detail": "The API answered 404."}
    ]
    run = ApiClient(carol).get(f"/runs/{results['missing']['run']}").json()
    assert run["status"] == 404


def test_a_tag_or_some_actions_are_a_scope(shop, bob) -> None:
    tagged = ApiClient(bob).post("/suite-runs", {"tag": "pets"}).json()
    chosen = ApiClient(bob).post("/suite-runs", {"connector": "Shop", "actions": ["missing"]})
    assert SuiteRun.objects.get(pk=tagged["id"]).total == 2  # one in each connector
    assert SuiteRun.objects.get(pk=chosen.json()["id"]).total == 1


def test_the_junit_document_has_a_testcase_per_action(shop, bob, carol) -> None:
    started = ApiClient(bob).post("/suite-runs", {"connector": "Shop"}).json()
    run_worker()
    answer = ApiClient(carol).get(f"/suite-runs/{started['id']}/junit")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/xml")
    root = ET.fromstring(answer.content)
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"list_pets", "missing"}
    assert cases["missing"].find("failure") is not None


def test_a_bad_scope_is_a_422_naming_the_field_and_nothing_is_started(shop, bob) -> None:
    api = ApiClient(bob)
    unknown = api.post("/suite-runs", {"connector": "Nope"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "connector"
    assert "no connector named Nope" in unknown.json()["detail"]
    action = api.post("/suite-runs", {"connector": "Shop", "actions": ["gone"]})
    assert action.status_code == 422 and action.json()["errors"][0]["field"] == "actions"
    nothing = api.post("/suite-runs", {})
    assert nothing.status_code == 422
    tag = api.post("/suite-runs", {"tag": "birds"})
    assert tag.status_code == 422 and tag.json()["errors"][0]["field"] == "tag"
    extra = api.post("/suite-runs", {"connector": "Shop", "colour": "red"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "colour"
    assert not SuiteRun.objects.exists()


def test_a_viewer_reads_suite_runs_but_may_not_start_one(shop, carol) -> None:
    answer = ApiClient(carol).post("/suite-runs", {"connector": "Shop"})
    assert answer.status_code == 403 and not SuiteRun.objects.exists()
    assert ApiClient(carol).get("/suite-runs/999").status_code == 404
    assert ApiClient(carol).get("/suite-runs/999/junit").json()["detail"] == (
        "There is no suite run 999."
    )
