"""The OAuth 2.0 / JWT Auth examples of reference/agent-studio.md, shipped in
connectors/agent_studio_examples.py, each run against a local stand-in for its provider."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from connectors.models import Connector
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.engine.oauth.test_broker import sign_in
from tests.helpers import agent_studio_examples, keys
from tests.helpers.factories import make_credential
from tests.helpers.oauth_server import CLIENT_ASSERTION_TYPE, AuthServer
from tests.helpers.press import run_with_examples

pytestmark = pytest.mark.django_db

EXAMPLES = {example["name"]: example for example in agent_studio_examples.EXAMPLES}


@pytest.fixture
def server(settings) -> Iterator[AuthServer]:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"examples-{uuid.uuid4().hex}",
        }
    }
    with AuthServer(public_key=keys.rsa_pair()[1]) as running:
        yield running


def stand_in(name: str, server: AuthServer) -> Connector:
    """The example as shipped, with its URLs pointed at the local server."""
    connector = agent_studio_examples.build(EXAMPLES[name])
    connector.base_url = server.url
    for key in ("oauth2_token_url", "access_token_request_url"):
        if connector.auth_settings.get(key):
            connector.auth_settings[key] = server.token_url
    if connector.auth_settings.get("authorization_url"):
        connector.auth_settings["authorization_url"] = server.authorize_url
    client_id = connector.auth_settings["client_id"]
    server.client_id = client_id
    connector.save()
    return connector


def test_every_reference_example_is_shipped() -> None:
    assert set(EXAMPLES) == {
        "Nexthink",
        "Zoom",
        "SAP_Concur",
        "Salesforce",
        "Okta",
        "Google_Calendar",
    }
    for example in EXAMPLES.values():
        for value in example["secrets"].values():
            assert sealing.reference_name(value), "examples hold references, never secrets"


def test_nexthink_client_credentials_with_a_basic_header(server) -> None:
    server.accept = ("basic",)
    make_credential("NEXTHINK_CLIENT_SECRET", server.client_secret)
    run = run_with_examples(stand_in("Nexthink", server))
    assert (run.status, run.error_kind) == (200, "")
    [request] = server.token_requests
    assert request.client_auth == "basic" and request.form == {"grant_type": "client_credentials"}
    assert server.api_requests[0].path == "/api/v1/workflows"


def test_zoom_account_credentials_in_the_request_body(server) -> None:
    server.accept = ("body",)
    server.custom = {"account_credentials": ["account_id"]}
    make_credential("ZOOM_CLIENT_SECRET", server.client_secret)
    run = run_with_examples(stand_in("Zoom", server))
    assert run.status == 200
    form = server.token_requests[0].form
    assert form["grant_type"] == "account_credentials"
    assert form["account_id"] == "zoom-account-id"
    assert form["client_id"] == "zoom-client-id"
    assert server.api_requests[0].path == "/users/me"


def test_sap_concur_refresh_token_grant(server) -> None:
    server.accept = ("body",)
    server.add_refresh_token("concur-refresh-0123456789")
    make_credential("CONCUR_CLIENT_SECRET", server.client_secret)
    make_credential("CONCUR_REFRESH_TOKEN", "concur-refresh-0123456789")
    run = run_with_examples(stand_in("SAP_Concur", server))
    assert run.status == 200
    form = server.token_requests[0].form
    assert (form["grant_type"], form["refresh_token"]) == (
        "refresh_token",
        "concur-refresh-0123456789",
    )
    api = server.api_requests[0]
    assert api.path == "/api/v3.0/expense/reports" and api.headers["accept"] == "application/json"


def test_salesforce_password_grant(server) -> None:
    server.accept = ("body",)
    server.users = {"integration@example.com": "password+securitytoken"}
    make_credential("SALESFORCE_CLIENT_SECRET", server.client_secret)
    make_credential("SALESFORCE_PASSWORD_AND_TOKEN", "password+securitytoken")
    run = run_with_examples(stand_in("Salesforce", server))
    assert run.status == 200
    form = server.token_requests[0].form
    assert (form["grant_type"], form["username"], form["password"]) == (
        "password",
        "integration@example.com",
        "password+securitytoken",
    )
    assert server.api_requests[0].path.startswith("/services/data/v58.0/query?q=SELECT")


def test_okta_jwt_auth_with_a_client_assertion(server) -> None:
    make_credential("OKTA_PRIVATE_KEY", keys.rsa_pair()[0])
    run = run_with_examples(stand_in("Okta", server))
    assert (run.status, run.error_kind) == (200, "")
    form = server.token_requests[0].form
    assert form["grant_type"] == "client_credentials" and form["scope"] == "okta.users.read"
    assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    [claims] = server.jwt_claims
    assert claims["iss"] == claims["sub"] == "okta-client-id"
    assert server.api_requests[0].path == "/api/v1/users"


def test_google_calendar_authorization_code(server, bob) -> None:
    server.accept = ("body",)
    make_credential("GOOGLE_CLIENT_SECRET", server.client_secret)
    connector = stand_in("Google_Calendar", server)
    action = connector.actions.get()
    assert run_with_examples(connector).error_kind == "AuthFailed"  # nobody has signed in yet
    sign_in(client_for(bob), server, connector, action.get_absolute_url())
    query = server.authorize_queries[0]
    assert (query["access_type"], query["prompt"]) == ("offline", "consent")
    assert query["scope"] == "https://www.googleapis.com/auth/calendar.readonly"
    run = run_with_examples(connector, bob)
    assert run.status == 200
    assert server.api_requests[0].path == "/calendar/v3/calendars/primary"
