"""Schemathesis against the live OpenAPI document: every answer, errors included, is one the
document describes, and none is a 5xx. Valid and invalid requests, a bounded number of each."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from connectors.engine import executor
from connectors.secrets import tokens
from tests.helpers.factories import make_action, make_connector, make_credential

pytestmark = pytest.mark.django_db

# Input whose rules no JSON Schema holds (a scope that names real actions, a parsable check or
# cron expression, a channel that exists): a schema-valid body may still be a 422 naming the
# field, which tests/api/ pins down operation by operation.
SEMANTIC = {
    "PUT /api/v1/connectors/{name}/actions/{action}/checks",
    "POST /api/v1/suite-runs",
    "POST /api/v1/monitors",
    "PATCH /api/v1/monitors/{monitor_id}",
    "POST /api/v1/alert-channels",
}
CLIENT = "GET /api/v1/client/studio_ci.py"
EXAMPLES = 30  # per operation and mode: bounded, so the suite stays quick


@pytest.fixture
def api_schema(upstream, bob):
    # Each call goes to the WSGI app, whose start and end of a request would close the test
    # database's connection: kept open, as Django's test client does.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield _schema(upstream, bob)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _schema(upstream, bob):
    # The walkthrough's connector and action (the document's examples), here on a local API.
    connector = make_connector("OpenAI", base_url=upstream.url)
    action = make_action(
        connector,
        "list_models",
        args=[{"name": "limit", "data_type": "number", "example_value": "2"}],
    )
    executor.run(action, {"limit": "2"}, bob)
    make_credential("OPENAI_API_KEY", "sk-0123456789abcdef")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def _run(strategy, headers: dict[str, str], statuses: set[int], examples: int, excluded=()) -> None:
    @given(case=strategy)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same cases on every run: a failure is a change, not luck
        database=None,
    )
    def call(case) -> None:
        answer = case.call_and_validate(headers=headers, excluded_checks=list(excluded))
        statuses.add(answer.status_code)

    call()


def _operations(api_schema) -> list:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5
    return operations


def test_the_documents_examples_are_answered_as_described(api_schema, bob, upstream) -> None:
    headers = {"Authorization": f"Bearer {tokens.issue(bob, 'schemathesis', 1)[1]}"}
    answered: dict[str, set[int]] = {}
    for operation in _operations(api_schema):
        statuses = answered.setdefault(operation.label, set())
        for strategy in api_schema.get_strategies_from_examples(operation):
            _run(strategy, headers, statuses, 1)
    # The examples name the walkthrough's connector and action: they reach the real thing.
    assert 200 in answered["GET /api/v1/connectors/{name}"]
    assert 200 in answered["POST /api/v1/connectors/{name}/actions/{action}/test"]
    assert len(upstream.received) >= 2  # the fixture's run, and the API's Test


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_is_one_the_document_describes(api_schema, bob, mode) -> None:
    headers = {"Authorization": f"Bearer {tokens.issue(bob, 'schemathesis', 1)[1]}"}
    # A negative case may be "the Authorization header left out", which the token given here
    # puts back, or an extra query key that encodes to nothing: "invalid input accepted" would
    # then be wrong. Refusals of bad input are pinned down in tests/api/test_errors.py.
    excluded = [negative_data_rejection] if mode == GenerationMode.NEGATIVE else []
    for operation in _operations(api_schema):
        semantic = [positive_data_acceptance] if operation.label in SEMANTIC else []
        strategy = operation.as_strategy(generation_mode=mode)
        try:
            _run(strategy, headers, set(), EXAMPLES, [*excluded, *semantic])
        except Unsatisfiable:
            # The CI client's download takes nothing (no token, no parameter): no request
            # to it is invalid. Any other operation must have its invalid requests tried.
            assert mode == GenerationMode.NEGATIVE and operation.label == CLIENT, operation.label
