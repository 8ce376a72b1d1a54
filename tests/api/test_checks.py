from __future__ import annotations

import pytest

from connectors.engine import executor
from connectors.models import Action, Revision
from tests.helpers.api import ApiClient
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db

CHECKS = "/connectors/Local/actions/get_item/checks"


@pytest.fixture
def action(upstream) -> Action:
    return make_action(make_connector("Local", base_url=upstream.url), "get_item", path="/item")


def test_it_replaces_the_checks_with_a_version_and_a_history_entry(action, bob, carol) -> None:
    wanted = [
        {"type": "status", "op": "in", "value": [200, "3xx"]},
        {"type": "jsonpath", "path": "$.id", "op": "equals", "value": 7},
        {"type": "schema"},
    ]
    answer = ApiClient(bob).put(CHECKS, wanted)
    assert answer.status_code == 200
    assert answer.json()[1] == {"type": "jsonpath", "op": "equals", "path": "$.id", "value": 7}
    action.refresh_from_db()
    assert action.version == 2 and action.updated_by == bob
    assert [c["type"] for c in action.checks] == ["status", "jsonpath", "schema"]
    revision = Revision.objects.filter(object_id=action.pk, kind=Revision.Kind.ACTION).latest("id")
    assert revision.user == bob and revision.version == 2
    assert ApiClient(carol).get(CHECKS).json() == answer.json()


def test_a_bad_check_is_a_422_naming_its_place_and_nothing_is_saved(action, bob) -> None:
    answer = ApiClient(bob).put(
        CHECKS,
        [{"type": "status", "value": "2xx"}, {"type": "jsonpath", "path": "$[", "op": "exists"}],
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "[1].path"
    assert "JSONPath" in answer.json()["errors"][0]["message"]
    action.refresh_from_db()
    assert action.checks == [] and action.version == 1
    unknown = ApiClient(bob).put(CHECKS, [{"type": "status", "colour": "red"}])
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "[0].colour"
    wrong_op = ApiClient(bob).put(CHECKS, [{"type": "time", "op": "equals", "value": 5}])
    assert wrong_op.status_code == 422 and wrong_op.json()["errors"][0]["field"] == "[0].op"


def test_a_viewer_reads_the_checks_but_may_not_change_them(action, carol) -> None:
    assert ApiClient(carol).get(CHECKS).json() == []
    assert ApiClient(carol).put(CHECKS, []).status_code == 403
    assert ApiClient(carol).get("/connectors/Local/actions/nope/checks").status_code == 404


def test_the_test_answer_reads_the_runs_stored_verdict(action, bob, upstream) -> None:
    ApiClient(bob).put(CHECKS, [{"type": "jsonpath", "path": "$.id", "op": "equals", "value": 7}])
    upstream.reply = Reply(body=b'{"id": 8}', headers={"Content-Type": "application/json"})
    answer = ApiClient(bob).post("/connectors/Local/actions/get_item/test", {}).json()
    assert answer["status"] == 200 and answer["passed"] is False
    assert [(c["type"], c["passed"]) for c in answer["checks"]] == [("jsonpath", False)]
    run = executor.run(Action.objects.get(pk=action.pk), {}, bob)
    assert run.passed is False and ApiClient(bob).get(f"/runs/{run.pk}").json()["passed"] is False
