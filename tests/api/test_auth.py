from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from connectors.models import ApiToken
from connectors.secrets import tokens
from tests.conftest import client_for
from tests.helpers.api import ApiClient
from tests.helpers.factories import make_action, make_connector

pytestmark = pytest.mark.django_db


def test_it_answers_401_as_json_without_a_token_or_with_a_wrong_one(carol) -> None:
    for token in ("", "cst_not-a-token", "Basic Y2Fyb2w6cGFzcy1jYXJvbA=="):
        answer = ApiClient(token=token).get("/connectors")
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"] == 'Bearer realm="api"'
        assert "/account/tokens/" in answer.json()["detail"]


def test_a_token_acts_as_its_user_whatever_session_comes_with_it(carol, alice) -> None:
    make_connector("Weather")
    api = ApiClient(carol)
    api.client.force_login(alice)  # an Admin's session cookie does not lift a Viewer's token
    assert api.get("/connectors").status_code == 200
    assert api.post("/connectors/Weather/actions/x/test", {}).status_code == 403


def test_a_session_alone_is_never_accepted(alice, upstream) -> None:
    make_action(make_connector("Local", base_url=upstream.url), "ping", path="/ping")
    client = client_for(alice)
    client.raise_request_exception = False
    assert client.get("/api/v1/connectors").status_code == 401
    answer = client.post("/api/v1/connectors/Local/actions/ping/test", {}, "application/json")
    assert answer.status_code == 401 and not upstream.received


def test_an_expired_revoked_or_inactive_users_token_stops_working(carol) -> None:
    record, token = tokens.issue(carol, "ci", 30)
    api = ApiClient(token=token)
    assert api.get("/connectors").status_code == 200
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get("/connectors").status_code == 401
    record2, token2 = tokens.issue(carol, "ci", 0)
    assert ApiClient(token=token2).get("/connectors").status_code == 200
    carol.is_active = False
    carol.save()
    assert ApiClient(token=token2).get("/connectors").status_code == 401
    carol.is_active = True
    carol.save()
    record2.delete()
    assert ApiClient(token=token2).get("/connectors").status_code == 401


def test_it_records_when_a_token_was_last_used(carol) -> None:
    record, token = tokens.issue(carol, "ci", 7)
    assert record.last_used_at is None
    ApiClient(token=token).get("/connectors")
    record.refresh_from_db()
    assert record.last_used_at is not None


def test_the_docs_page_needs_a_login_and_lists_every_operation(carol) -> None:
    assert Client().get("/api/v1/docs").status_code == 302
    page = client_for(carol).get("/api/v1/docs").content.decode()
    for operation in (
        "GET /api/v1/connectors",
        "GET /api/v1/connectors/{name}",
        "POST /api/v1/connectors/{name}/actions/{action}/test",
        "GET /api/v1/runs/{run_id}",
        "GET /api/v1/credentials",
    ):
        assert operation in page
    assert "<script" not in page.split("</head>")[1]


def test_the_openapi_document_is_public_and_describes_errors(db) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    test = document["paths"]["/api/v1/connectors/{name}/actions/{action}/test"]["post"]
    assert {"200", "401", "403", "404", "422", "500"} <= set(test["responses"])
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    validate(document)  # a valid OpenAPI 3.1 document, as openapi-spec-validator reads it
