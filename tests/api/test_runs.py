from __future__ import annotations

import json

import pytest

from connectors.engine import executor
from tests.helpers.api import ApiClient
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db


def test_it_shows_a_stored_run_with_its_request_and_answer(bob, carol, upstream) -> None:
    upstream.reply = Reply(
        status=201, body=b'{"id": 7}', headers={"Content-Type": "application/json", "X-Id": "7"}
    )
    action = make_action(
        make_connector("Local", base_url=upstream.url),
        "create",
        method="POST",
        path="/items",
        body='{"name": "{{name}}"}',
        args=[{"name": "name", "example_value": "x"}],
    )
    run = executor.run(action, {"name": "lamp"}, bob)
    body = ApiClient(carol).get(f"/runs/{run.pk}").json()
    assert body["run"] == run.pk and body["connector"] == "Local" and body["action"] == "create"
    assert body["user"] == "bob" and body["inputs"] == {"name": "lamp"}
    assert body["status"] == 201 and body["passed"] is True
    assert body["request"]["method"] == "POST"
    assert body["request"]["url"] == f"{upstream.url}/items"
    assert body["request"]["body"] == '{"name": "lamp"}'
    assert {"name": "X-Id", "value": "7"} in body["response"]["headers"]
    assert json.loads(body["response"]["body"]) == {"id": 7}


def test_an_unknown_run_is_a_json_404(carol) -> None:
    answer = ApiClient(carol).get("/runs/12345")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "There is no Test run 12345."
