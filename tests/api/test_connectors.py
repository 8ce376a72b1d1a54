from __future__ import annotations

import json

import pytest

from connectors.models import TestRun
from tests.helpers.api import ApiClient
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db


def test_it_lists_connectors_paged_with_a_count(carol) -> None:
    for n in range(7):
        make_connector(f"conn_{n}", description="weather" if n % 2 else "")
    api = ApiClient(carol)
    page = api.get("/connectors", per_page=3, page=2).json()
    assert page["count"] == 7
    assert [c["name"] for c in page["items"]] == ["conn_3", "conn_4", "conn_5"]
    last = api.get("/connectors", per_page=3, page=3).json()
    assert [c["name"] for c in last["items"]] == ["conn_6"]
    assert api.get("/connectors", per_page=3, page=9).json() == {"items": [], "count": 7}


def test_it_searches_as_the_catalog_does(carol) -> None:
    make_connector("Weather", description="Forecasts")
    make_connector("Payments", base_url="https://pay.example.com")
    api = ApiClient(carol)
    assert [c["name"] for c in api.get("/connectors", q="forecast").json()["items"]] == ["Weather"]
    found = api.get("/connectors", q="pay.example").json()
    assert found["count"] == 1 and found["items"][0]["base_url"] == "https://pay.example.com"


def test_it_shows_a_connector_with_its_actions(carol) -> None:
    connector = make_connector("Weather")
    make_action(
        connector,
        "forecast",
        path="/forecast/{{city}}",
        tags=["daily"],
        args=[{"name": "city", "example_value": "Oslo", "required": True}],
    )
    body = ApiClient(carol).get("/connectors/Weather").json()
    assert body["name"] == "Weather" and body["action_count"] == 1
    assert body["url"] == "http://testserver/connectors/Weather/"
    [action] = body["actions"]
    assert action["path"] == "/forecast/{{city}}" and action["tags"] == ["daily"]
    assert action["input_args"][0] == {
        "name": "city",
        "data_type": "string",
        "description": "",
        "example_value": "Oslo",
        "required": True,
    }
    assert action["last_run"] is None


def test_a_viewer_may_not_run_a_test(carol, upstream) -> None:
    make_action(make_connector("Local", base_url=upstream.url), "ping", path="/ping")
    answer = ApiClient(carol).post("/connectors/Local/actions/ping/test", {"inputs": {}})
    assert answer.status_code == 403
    assert "Developers and Admins" in answer.json()["detail"]
    assert not upstream.received and not TestRun.objects.exists()


def test_a_developer_runs_a_test_through_the_executor(bob, upstream) -> None:
    upstream.reply = Reply(body=b'{"ok": true}')
    make_action(
        make_connector("Local", base_url=upstream.url),
        "ping",
        path="/ping/{{who}}",
        args=[{"name": "who", "example_value": "world"}, {"name": "n", "data_type": "number"}],
    )
    answer = ApiClient(bob).post("/connectors/Local/actions/ping/test", {"inputs": {"n": 3}})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    run = TestRun.objects.get()
    assert body["run"] == run.pk and run.user == bob
    assert body["url"] == f"http://testserver/connectors/Local/actions/ping/?run={run.pk}"
    assert body["status"] == 200 and body["error_kind"] == "" and body["passed"] is True
    assert body["size"] == len(b'{"ok": true}') and body["elapsed_ms"] > 0
    assert body["checks"] == [
        {"type": "status", "passed": True, "detail": "The status is as expected."}
    ]
    # An input left out takes its example value, as the Test button's form is pre-filled.
    assert upstream.received[0].path == "/ping/world"
    assert run.inputs == {"who": "world", "n": "3"}


def test_a_run_that_is_not_2xx_or_not_sent_does_not_pass(alice, upstream) -> None:
    upstream.reply = Reply(status=404, body=b"{}")
    make_action(make_connector("Local", base_url=upstream.url), "ping", path="/ping")
    make_action(make_connector("Far", base_url="http://127.0.0.1:1"), "ping", path="/ping")
    api = ApiClient(alice)
    missing = api.post("/connectors/Local/actions/ping/test", {}).json()
    assert missing["status"] == 404 and missing["passed"] is False
    assert missing["checks"][0]["passed"] is False
    refused = api.post("/connectors/Far/actions/ping/test", {"inputs": {}}).json()
    assert refused["status"] is None and refused["error_kind"] and refused["passed"] is False


def test_bad_inputs_name_the_field_and_run_nothing(bob, upstream) -> None:
    make_action(
        make_connector("Local", base_url=upstream.url),
        "ping",
        path="/ping",
        args=[
            {"name": "count", "data_type": "number", "example_value": "1"},
            {"name": "who", "required": True},
        ],
    )
    api = ApiClient(bob)
    url = "/connectors/Local/actions/ping/test"
    wrong = api.post(url, {"inputs": {"count": "many", "who": "me"}})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "inputs.count"
    assert "not a number" in wrong.json()["detail"]
    required = api.post(url, {"inputs": {}}).json()
    assert required["errors"] == [{"field": "inputs.who", "message": "Enter who: it is required."}]
    unknown = api.post(url, {"inputs": {"who": "me", "colour": "red"}}).json()
    assert unknown["errors"][0]["field"] == "inputs.colour"
    extra = api.post(url, {"inputs": {"who": "me"}, "input": {}})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "input"
    typed = api.post(url, {"inputs": "who=me"})
    assert typed.status_code == 422 and typed.json()["errors"][0]["field"] == "inputs"
    malformed = api.post(url, raw='{"inputs": ')
    assert malformed.status_code in (400, 422) and malformed.json()["detail"]
    assert not upstream.received and not TestRun.objects.exists()


def test_unknown_connectors_and_actions_are_json_404s(bob) -> None:
    make_connector("Weather")
    api = ApiClient(bob)
    for answer in (
        api.get("/connectors/Nope"),
        api.post("/connectors/Weather/actions/nope/test", {"inputs": {}}),
    ):
        assert answer.status_code == 404
        assert answer["Content-Type"].startswith("application/json")
        assert json.loads(answer.content)["detail"].startswith("There is no ")
        assert json.loads(answer.content)["detail"]
