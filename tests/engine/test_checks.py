"""Checks evaluated after every Test, against a real local API: each type and op, passing and
failing; a run passes only when it was answered and every check passed."""

from __future__ import annotations

import json

import pytest

from connectors.engine import checks, executor
from connectors.lib.check_specs import parse_checks
from connectors.models import Action, TestRun
from tests.conftest import client_for
from tests.helpers.factories import api_key_connector, make_action, make_connector
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db

BODY = {
    "object": "list",
    "count": 2,
    "data": [
        {"id": "gpt-4o", "owned_by": "openai", "created": 1715367049},
        {"id": "o1", "owned_by": "system", "created": 1734375816},
    ],
}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["object", "data"],
    "properties": {
        "object": {"type": "string"},
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "created": {"type": "integer"}},
            },
        },
    },
}


def run_with(upstream, checks_given, body=BODY, status=200, headers=None, schema=None) -> TestRun:
    upstream.reply = Reply(
        status=status,
        body=json.dumps(body).encode() if not isinstance(body, bytes) else body,
        headers=headers or {"Content-Type": "application/json", "X-Request-Id": "req-123"},
    )
    connector = make_connector(f"C{len(upstream.received)}", base_url=upstream.url)
    action = make_action(connector, checks=parse_checks(checks_given), output_schema=schema)
    return executor.run(action, {}, None)


def outcomes(run: TestRun) -> list[bool]:
    return [result["passed"] for result in run.check_results]


CASES = [
    # (check, passes on BODY)
    ({"type": "status", "value": 200}, True),
    ({"type": "status", "value": 201}, False),
    ({"type": "status", "value": "2xx"}, True),
    ({"type": "status", "value": "4xx"}, False),
    ({"type": "status", "op": "in", "value": [201, "2xx"]}, True),
    ({"type": "status", "op": "in", "value": [201, 204]}, False),
    ({"type": "jsonpath", "path": "$.data[0].id"}, True),
    ({"type": "jsonpath", "path": "$.data[5].id"}, False),
    ({"type": "jsonpath", "path": "$.count", "op": "equals", "value": 2}, True),
    ({"type": "jsonpath", "path": "$.count", "op": "equals", "value": "2"}, False),
    ({"type": "jsonpath", "path": "$.data[*].id", "op": "equals", "value": "o1"}, True),
    ({"type": "jsonpath", "path": "$.object", "op": "contains", "value": "is"}, True),
    ({"type": "jsonpath", "path": "$.object", "op": "contains", "value": "dict"}, False),
    ({"type": "jsonpath", "path": "$.data[*].id", "op": "contains", "value": "4o"}, True),
    ({"type": "jsonpath", "path": "$.data[0]", "op": "contains", "value": "owned_by"}, True),
    ({"type": "jsonpath", "path": "$.data[0].id", "op": "matches", "value": "^gpt-\\d"}, True),
    ({"type": "jsonpath", "path": "$.data[1].id", "op": "matches", "value": "^gpt-"}, False),
    ({"type": "jsonpath", "path": "$.count", "op": "type", "value": "integer"}, True),
    ({"type": "jsonpath", "path": "$.count", "op": "type", "value": "number"}, True),
    ({"type": "jsonpath", "path": "$.data", "op": "type", "value": "object"}, False),
    ({"type": "jsonpath", "path": "$.data[?@.owned_by == 'system'].id"}, True),
    ({"type": "jsonpath", "path": "$.data[?match(@.id, 'o[0-9]')].id"}, True),
    ({"type": "header", "name": "x-request-id"}, True),
    ({"type": "header", "name": "ETag"}, False),
    ({"type": "header", "name": "X-Request-Id", "op": "equals", "value": "req-123"}, True),
    ({"type": "header", "name": "X-Request-Id", "op": "equals", "value": "req-12"}, False),
    ({"type": "header", "name": "Content-Type", "op": "contains", "value": "json"}, True),
    ({"type": "header", "name": "Content-Type", "op": "contains", "value": "xml"}, False),
    ({"type": "time", "value": 60000}, True),
]


@pytest.mark.parametrize(("check", "passes"), CASES)
def test_each_type_and_op_passes_and_fails(upstream, check, passes) -> None:
    run = run_with(upstream, [check])
    assert outcomes(run) == [passes]
    assert run.passed is passes
    stored = TestRun.objects.get(pk=run.pk)
    assert stored.passed is passes and stored.check_results == run.check_results


def test_a_failing_check_says_what_was_expected_and_what_came_back(upstream) -> None:
    run = run_with(upstream, [{"type": "jsonpath", "path": "$.count", "op": "equals", "value": 3}])
    [result] = run.check_results
    assert result == {
        "type": "jsonpath",
        "passed": False,
        "detail": "At $.count, the value is not the one expected.",
        "expected": "3",
        "actual": "2",
        "label": "$.count equals 3",
    }


def test_a_time_check_fails_when_the_answer_is_slower(upstream) -> None:
    run = run_with(upstream, [{"type": "time", "value": 1000}])
    run.elapsed_ms = 1500.0
    checks.judge(run, run.action)
    assert outcomes(run) == [False]
    assert run.check_results[0]["actual"] == "1500 ms"


def test_an_action_with_no_checks_is_held_to_status_2xx(upstream) -> None:
    run = run_with(upstream, [])
    assert run.passed and run.check_results[0]["label"] == "Status is 2xx (default)"
    run = run_with(upstream, [], status=302)
    assert not run.passed and run.check_results[0]["actual"] == "302"


def test_the_schema_check_lists_violations_with_their_json_paths(upstream) -> None:
    body = {"object": 1, "data": [{"id": "a"}, {"created": "yesterday"}, {"id": 7}]}
    run = run_with(upstream, [{"type": "schema"}], body=body, schema=SCHEMA)
    [result] = run.check_results
    assert not result["passed"]
    assert result["actual"] == "4 violations"
    lines = result["detail"].splitlines()
    assert lines[0] == "4 violations of the Output Schema:"
    assert "$.data[1]: 'id' is a required property" in lines
    assert "$.data[1].created: 'yesterday' is not of type 'integer'" in lines
    assert "$.data[2].id: 7 is not of type 'string'" in lines
    assert "$.object: 1 is not of type 'string'" in lines


def test_the_schema_check_shows_the_first_few_and_counts_the_rest(upstream) -> None:
    body = {"object": "list", "data": [{"id": n} for n in range(8)]}
    run = run_with(upstream, [{"type": "schema"}], body=body, schema=SCHEMA)
    lines = run.check_results[0]["detail"].splitlines()
    assert lines[0] == "8 violations of the Output Schema:" and lines[-1] == "and 3 more"
    assert len(lines) == 1 + checks.SCHEMA_ERRORS_SHOWN + 1


def test_the_schema_check_passes_a_conforming_body_and_fails_without_a_schema(upstream) -> None:
    assert run_with(upstream, [{"type": "schema"}], schema=SCHEMA).passed
    run = run_with(upstream, [{"type": "schema"}])
    assert "no Output Schema" in run.check_results[0]["detail"]


def test_a_body_that_is_not_json_fails_json_checks_with_a_reason(upstream) -> None:
    run = run_with(
        upstream,
        [{"type": "jsonpath", "path": "$.a"}, {"type": "status"}],
        body=b"<html>oops</html>",
        headers={"Content-Type": "text/html"},
    )
    assert outcomes(run) == [False, True]
    assert run.check_results[0]["detail"] == "The body is not JSON."


def test_an_xml_body_is_checked_as_its_json_form(upstream) -> None:
    run = run_with(
        upstream,
        [{"type": "jsonpath", "path": "$.models.model", "op": "equals", "value": "gpt-4o"}],
        body=b"<models><model>gpt-4o</model></models>",
        headers={"Content-Type": "application/xml"},
    )
    assert outcomes(run) == [True]


def test_a_run_that_got_no_answer_fails_and_runs_no_check(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = []
    action = make_action(make_connector(base_url="http://127.0.0.1:9"), checks=[])
    run = executor.run(action, {}, None)
    assert run.error_kind and not run.passed and run.check_results == []


def test_a_backtracking_pattern_fails_instead_of_stalling(upstream) -> None:
    body = {"text": "a" * 40 + "!"}
    check = {"type": "jsonpath", "path": "$.text", "op": "matches", "value": "^(a|aa)+$"}
    run = run_with(upstream, [check], body=body)
    assert outcomes(run) == [False]
    assert "too long" in run.check_results[0]["detail"]


def test_a_404_whose_body_fails_the_schema_shows_failing_on_the_catalog(upstream, carol) -> None:
    run = run_with(
        upstream,
        [{"type": "status", "op": "in", "value": [200, 404]}, {"type": "schema"}],
        body={"error": "not found"},
        status=404,
        schema=SCHEMA,
    )
    assert outcomes(run) == [True, False] and not run.passed
    client = client_for(carol)
    failing = client.get("/?test=failing").content.decode()
    assert 'href="/connectors/C0/"' in failing
    assert 'href="/connectors/C0/"' not in client.get("/?test=passing").content.decode()
    assert "404, check failed" in failing


def test_a_200_whose_body_fails_a_check_is_failing_on_the_connector_page(upstream, carol) -> None:
    run = run_with(upstream, [{"type": "jsonpath", "path": "$.missing"}])
    assert run.status == 200 and not run.passed
    action = Action.objects.get(pk=run.action_id)
    assert action.last_run_passed is False and action.connector.last_run_passed is False
    page = client_for(carol).get(action.connector.get_absolute_url()).content.decode()
    assert '<span class="badge fail"' in page and "200, check failed" in page


def test_a_check_never_reveals_a_secret(upstream) -> None:
    key = "sk-canary-check-0123456789"
    upstream.handler = lambda got: Reply(
        body=json.dumps({"echo": got.headers.get("authorization", "")}).encode(),
        headers={"Content-Type": "application/json", "X-Echo": key},
    )
    given = [
        {"type": "jsonpath", "path": "$.echo", "op": "equals", "value": f"Bearer {key}"},
        {"type": "jsonpath", "path": "$.echo", "op": "contains", "value": key},
        {"type": "jsonpath", "path": "$.echo", "op": "matches", "value": "sk-canary"},
        {"type": "header", "name": "X-Echo", "op": "equals", "value": key},
    ]
    action = make_action(api_key_connector(upstream.url, key), checks=parse_checks(given))
    run = executor.run(action, {}, None)
    assert outcomes(run) == [False, False, False, False]  # they read the masked body
    stored = json.dumps(TestRun.objects.get(pk=run.pk).check_results, ensure_ascii=False)
    assert key not in stored
    assert "••••" in stored
