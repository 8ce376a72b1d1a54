"""OAuth 2.0 against a real local authorization server: grants, client authentication, the
token broker (cache, expiry, refresh, the lock, a 401), Authorization Code, token state."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.fernet import Fernet
from django.core.cache import cache
from django.db import connections
from django.urls import reverse

from connectors.engine import executor
from connectors.engine.oauth import broker
from connectors.forms.oauth_forms import OAuth2Form
from connectors.kinds import OBTAINED_REFRESH_TOKEN
from connectors.models import Connector, Credential
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers import keys
from tests.helpers.factories import LOCAL_HOSTS, connector_post, make_action, make_connector
from tests.helpers.oauth_server import AuthServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def local(settings) -> None:
    """Test may reach 127.0.0.1, and each test has its own empty cache."""
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"oauth-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def server(local) -> Iterator[AuthServer]:
    with AuthServer() as running:
        yield running


def oauth_connector(
    server: AuthServer,
    grant: str = "client_credentials",
    secrets: dict[str, str] | None = None,
    name: str = "Api",
    **settings: Any,
) -> Connector:
    auth_settings = {
        "oauth2_grant_type": grant,
        "client_id": server.client_id,
        "oauth2_token_url": server.token_url,
        "scope": "",
        "oauth2_client_authentication": "",
        "header_auth_key": "Authorization",
        "header_auth_value_pattern": "Bearer %s",
        "access_token_key": "access_token",
        "expires_in_key": "expires_in",
        "expires_in_unit": "seconds",
        "additional_request_data": [],
        "additional_headers": [],
        **settings,
    }
    return make_connector(
        name,
        base_url=server.url,
        auth_config=Connector.AuthConfig.OAUTH2,
        auth_settings=auth_settings,
        secrets={"client_secret": server.client_secret, **(secrets or {})},
    )


def run_ping(connector: Connector) -> Any:
    """Press Test on a fresh GET /v1/ping action of the connector."""
    action = connector.actions.filter(name="ping").first()
    action = action or make_action(connector, "ping", path="/v1/ping")
    return executor.run(action, {}, None)


# --- grants and client authentication -------------------------------------------------------------


def test_it_gets_a_client_credentials_token_with_a_basic_auth_header(server) -> None:
    connector = oauth_connector(
        server, scope="read write", oauth2_client_authentication="BASIC_AUTH_HEADER"
    )
    run = run_ping(connector)
    assert (run.status, run.error_kind) == (200, "")
    [request] = server.token_requests
    pair = f"{server.client_id}:{server.client_secret}".encode()
    assert request.headers["authorization"] == "Basic " + base64.b64encode(pair).decode()
    assert request.form == {"grant_type": "client_credentials", "scope": "read write"}
    assert request.client_auth == "basic"
    token = server.api_requests[0].headers["authorization"].removeprefix("Bearer ")
    assert token in server.access_tokens
    assert token not in json.dumps(run.request_headers)


def test_it_sends_client_credentials_in_the_request_body(server) -> None:
    run = run_ping(oauth_connector(server, oauth2_client_authentication="REQUEST_BODY"))
    assert run.status == 200
    [request] = server.token_requests
    assert "authorization" not in request.headers
    assert request.form["client_id"] == server.client_id
    assert request.form["client_secret"] == server.client_secret
    assert request.client_auth == "body"


def test_a_blank_client_authentication_tries_basic_then_the_request_body(server) -> None:
    server.accept = ("body",)
    run = run_ping(oauth_connector(server, oauth2_client_authentication=""))
    assert run.status == 200
    first, second = server.token_requests
    assert first.headers["authorization"].startswith("Basic ") and first.answer == 401
    assert second.client_auth == "body" and second.answer == 200


def test_it_uses_the_password_grant(server) -> None:
    connector = oauth_connector(
        server,
        "password",
        secrets={"password_grant_password": "ada-password-123"},
        password_grant_username="ada",
        scope="api",
    )
    assert run_ping(connector).status == 200
    form = server.token_requests[0].form
    assert (form["grant_type"], form["username"], form["password"]) == (
        "password",
        "ada",
        "ada-password-123",
    )
    assert form["scope"] == "api"


def test_it_uses_the_refresh_token_grant(server) -> None:
    server.add_refresh_token("rt-configured-0123456789")
    server.rotate_refresh = True
    connector = oauth_connector(
        server,
        "refresh_token",
        secrets={"refresh_token_grant_refresh_token": "rt-configured-0123456789"},
    )
    assert run_ping(connector).status == 200
    form = server.token_requests[0].form
    assert (form["grant_type"], form["refresh_token"]) == (
        "refresh_token",
        "rt-configured-0123456789",
    )
    # The rotated refresh token is kept, sealed, and used next time.
    connector.refresh_from_db()
    stored = connector.auth_secrets[OBTAINED_REFRESH_TOKEN]
    [rotated] = server.refresh_tokens
    assert rotated not in json.dumps(connector.auth_secrets)
    assert stored["sealed"] and stored["hint"] == rotated[-4:]
    cache.clear()
    assert run_ping(connector).status == 200
    assert server.token_requests[1].form["refresh_token"] == rotated


def test_it_sends_a_custom_grant_type_with_additional_request_data_and_headers(server) -> None:
    server.custom = {"account_credentials": ["account_id"]}
    connector = oauth_connector(
        server,
        "custom",
        oauth2_custom_grant_type="account_credentials",
        additional_request_data=[{"key": "account_id", "value": "acct-42"}],
        additional_headers=[{"key": "X-Tenant", "value": "acme"}],
    )
    assert run_ping(connector).status == 200
    request = server.token_requests[0]
    assert request.form["grant_type"] == "account_credentials"
    assert request.form["account_id"] == "acct-42"
    assert request.headers["x-tenant"] == "acme"


def test_additional_request_data_replaces_the_grant_type(server) -> None:
    """Zoom's setup: Client Credentials with grant_type=account_credentials in the data."""
    server.custom = {"account_credentials": ["account_id"]}
    connector = oauth_connector(
        server,
        additional_request_data=[
            {"key": "grant_type", "value": "account_credentials"},
            {"key": "account_id", "value": "acct-42"},
        ],
    )
    assert run_ping(connector).status == 200
    assert server.grants == ["account_credentials"]


def test_it_uses_the_jwt_bearer_grant_with_the_given_assertion(server) -> None:
    assertion, public_key = keys.signed_for(server.token_url)
    server.public_key = public_key
    connector = oauth_connector(
        server,
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        secrets={"jwt_bearer_assertion": assertion},
    )
    assert run_ping(connector).status == 200
    assert server.token_requests[0].form["assertion"] == assertion


def test_it_reads_custom_token_response_keys_and_units(server) -> None:
    server.token_key, server.expires_key, server.expires_in = "token", "ttl", 120
    connector = oauth_connector(
        server, access_token_key="token", expires_in_key="ttl", expires_in_unit="minutes"
    )
    assert run_ping(connector).status == 200
    assert broker.state(connector).kind == "valid"
    entry = cache.get(f"studio:oauth-token:{connector.pk}")
    assert 7100 < entry["expires_at"] - entry["obtained_at"] <= 7200  # 120 minutes


def test_it_reads_an_expiry_in_milliseconds(server) -> None:
    server.expires_in = 90_000
    connector = oauth_connector(server, expires_in_unit="milliseconds")
    run_ping(connector)
    entry = cache.get(f"studio:oauth-token:{connector.pk}")
    assert 80 < entry["expires_at"] - entry["obtained_at"] <= 90


# --- failures ------------------------------------------------------------------------------------


def test_a_refused_token_request_fails_the_test_and_the_api_is_not_called(server) -> None:
    connector = oauth_connector(server, oauth2_client_authentication="BASIC_AUTH_HEADER")
    server.client_secret = "the-server-knows-another-secret"
    run = run_ping(connector)
    assert run.error_kind == "AuthFailed"
    assert run.error_message.startswith(
        "Authorization failed: the token endpoint answered 401 invalid_client"
    )
    assert '"error_description": "Bad client."' in run.error_message
    assert server.api_requests == []
    assert broker.state(connector).label == "refresh failed"


def test_the_endpoints_answer_is_masked(server) -> None:
    """An endpoint that echoes what it got must not put the secret into the stored run."""
    server.users = {}
    connector = oauth_connector(
        server,
        "password",
        secrets={"password_grant_password": "hunter2-password-xyz"},
        password_grant_username="ada",
    )
    server.token_redirect = ""
    run = run_ping(connector)
    assert run.error_kind == "AuthFailed" and "400 invalid_grant" in run.error_message
    assert "hunter2-password-xyz" not in run.error_message
    assert server.client_secret not in run.error_message


def test_a_token_request_is_not_redirected(server) -> None:
    server.token_redirect = "http://127.0.0.1:9/elsewhere"
    run = run_ping(oauth_connector(server))
    assert run.error_kind == "AuthFailed"
    assert "answered 307" in run.error_message
    assert len(server.token_requests) == 1 and server.api_requests == []


def test_the_token_endpoint_passes_the_outbound_guard(server, settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = []
    run = run_ping(oauth_connector(server))
    assert run.error_kind == "AuthFailed"
    assert "(Blocked)" in run.error_message and "STUDIO_OUTBOUND_ALLOW" in run.error_message
    assert server.token_requests == []


def test_a_revoked_refresh_token_gives_a_clear_message(server) -> None:
    connector = oauth_connector(
        server, "refresh_token", secrets={"refresh_token_grant_refresh_token": "rt-revoked-000111"}
    )
    run = run_ping(connector)
    assert run.error_kind == "AuthFailed"
    assert "answered 400 invalid_grant" in run.error_message
    assert "The refresh token was refused (revoked or expired)" in run.error_message
    assert "set a new Refresh Token Grant Refresh Token" in run.error_message
    assert "rt-revoked-000111" not in run.error_message
    assert server.api_requests == []


def test_a_missing_credential_names_it(server) -> None:
    connector = oauth_connector(server, secrets={"client_secret": "{{NOT_SET_ANYWHERE}}"})
    run = run_ping(connector)
    assert run.error_kind == "CredentialMissing" and "NOT_SET_ANYWHERE" in run.error_message


# --- the broker: reuse, expiry, refresh, 401 ------------------------------------------------------


def test_it_reuses_the_cached_token_until_shortly_before_expiry(server) -> None:
    connector = oauth_connector(server)
    for _ in range(3):
        assert run_ping(connector).status == 200
    assert len(server.token_requests) == 1
    assert len({r.headers["authorization"] for r in server.api_requests}) == 1


def test_an_expired_token_is_refreshed_with_the_refresh_token(server) -> None:
    server.expires_in = 0  # expired as soon as it is issued
    server.refresh_for = ("client_credentials", "refresh_token")
    connector = oauth_connector(server)
    run_ping(connector)
    assert broker.state(connector).label == "expired"
    run_ping(connector)
    assert server.grants == ["client_credentials", "refresh_token"]


def test_a_refused_refresh_falls_back_to_the_grant(server) -> None:
    server.expires_in = 0
    server.refresh_for = ("client_credentials",)
    connector = oauth_connector(server)
    run_ping(connector)
    server.revoke_refresh_tokens()
    server.expires_in = 3600
    run = run_ping(connector)
    assert server.grants == ["client_credentials", "refresh_token", "client_credentials"]
    assert run.status == 200


def test_a_changed_configuration_does_not_reuse_the_old_token(server) -> None:
    connector = oauth_connector(server)
    run_ping(connector)
    connector.auth_settings["scope"] = "admin"
    connector.save()
    run_ping(connector)
    assert len(server.token_requests) == 2


def test_it_refreshes_once_on_a_401(server) -> None:
    server.refresh_for = ("client_credentials", "refresh_token")
    connector = oauth_connector(server)
    assert run_ping(connector).status == 200
    server.revoke_access_tokens()  # the API stops accepting the cached token
    run = run_ping(connector)
    assert run.status == 200
    assert server.grants == ["client_credentials", "refresh_token"]
    assert [r.status for r in server.api_requests] == [200, 401, 200]
    assert len({r.headers["authorization"] for r in server.api_requests[1:]}) == 2


def test_a_401_that_persists_is_retried_once_not_in_a_loop(server) -> None:
    server.api_always_401 = True
    run = run_ping(oauth_connector(server))
    assert run.status == 401
    assert len(server.api_requests) == 2
    assert len(server.token_requests) == 2


def test_a_401_does_not_retry_other_auth_configs(local) -> None:
    with AuthServer(api_always_401=True) as server:
        connector = make_connector(
            "Slack", base_url=server.url, auth_config="BEARER", secrets={"token": "xoxb-12345678"}
        )
        assert run_ping(connector).status == 401
        assert len(server.api_requests) == 1


# --- secrets at rest and in runs ------------------------------------------------------------------


def test_tokens_are_sealed_at_rest_and_masked_in_runs(server) -> None:
    server.refresh_for = ("client_credentials",)
    connector = oauth_connector(server)
    run = run_ping(connector)
    access = server.api_requests[0].headers["authorization"].removeprefix("Bearer ")
    [refresh] = server.refresh_tokens
    raw = Connector.objects.filter(pk=connector.pk).values_list("auth_secrets", flat=True)[0]
    assert refresh not in json.dumps(raw) and access not in json.dumps(raw)
    entry = cache.get(f"studio:oauth-token:{connector.pk}")
    assert access not in json.dumps(entry)
    shown = str(run.request_headers)
    assert access not in shown and "Bearer ••••" in shown


# --- many Tests at once -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_tests_cause_exactly_one_token_request(server) -> None:
    server.delay = 0.3  # the first token request is still out while the others start
    # The test database is SQLite in memory with a shared cache, where two threads writing at
    # the same moment fail ("table is locked") instead of waiting: space the runs' answers out.
    server.api_stagger = 0.05
    connector = oauth_connector(server)
    action = make_action(connector, "ping", path="/v1/ping")
    runs: list[Any] = []
    start = threading.Barrier(10)

    def one_test() -> None:
        try:
            start.wait()
            runs.append(executor.run(action, {}, None))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_test) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(server.token_requests) == 1
    assert sorted(run.status for run in runs) == [200] * 10
    assert len({r.headers["authorization"] for r in server.api_requests}) == 1


# --- token state and Clear token ------------------------------------------------------------------


def test_the_connector_page_shows_the_token_state_and_clears_it(server, bob, carol) -> None:
    connector = oauth_connector(server)
    page = client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "Access token" in page and '<strong class="state-none">none</strong>' in page
    run_ping(connector)
    page = client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "valid until " in page and "Clear token" in page
    access = server.api_requests[0].headers["authorization"].removeprefix("Bearer ")
    assert access not in page
    url = reverse("token_clear", args=[connector.name])
    assert client_for(carol).post(url).status_code == 403
    assert client_for(bob).get(url).status_code == 405
    response = client_for(bob).post(url)
    assert response.status_code == 302
    assert broker.state(connector).kind == "none"
    assert "Clear token" not in client_for(carol).get(connector.get_absolute_url()).content.decode()


def test_the_connector_page_shows_a_failed_refresh(server, bob) -> None:
    connector = oauth_connector(
        server, "refresh_token", secrets={"refresh_token_grant_refresh_token": "rt-gone-0123456"}
    )
    run_ping(connector)
    page = client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "refresh failed" in page and "invalid_grant" in page
    assert "rt-gone-0123456" not in page


# --- the form ------------------------------------------------------------------------------------


def oauth_post(**overrides: Any) -> dict[str, Any]:
    data = connector_post(
        name="Zoom",
        base_url="https://api.zoom.us",
        auth_config="OAUTH2",
        **{
            "auth-oauth2_grant_type": "client_credentials",
            "auth-client_id": "zoom-id",
            "auth-client_secret": "zoom-secret-0123456789",
            "auth-oauth2_token_url": "https://zoom.us/oauth/token",
            "auth-scope": "",
            "auth-oauth2_client_authentication": "REQUEST_BODY",
            "auth-additional_request_data_key": ["grant_type", "account_id"],
            "auth-additional_request_data_value": ["account_credentials", "acct-1"],
            "auth-header_auth_key": "Authorization",
            "auth-header_auth_value_pattern": "Bearer %s",
            "auth-access_token_key": "access_token",
            "auth-expires_in_key": "expires_in",
            "auth-expires_in_unit": "seconds",
        },
    )
    data.update(overrides)
    return data


def test_the_connector_form_saves_an_oauth2_connector(bob) -> None:
    response = client_for(bob).post(reverse("connector_create"), oauth_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    connector = Connector.objects.get(name="Zoom")
    assert connector.auth_settings["additional_request_data"] == [
        {"key": "grant_type", "value": "account_credentials"},
        {"key": "account_id", "value": "acct-1"},
    ]
    assert "zoom-secret-0123456789" not in json.dumps(connector.auth_secrets)
    edit = client_for(bob).get(reverse("connector_edit", args=["Zoom"])).content.decode()
    assert "zoom-secret-0123456789" not in edit and "Oauth2 Grant Type" in edit
    assert 'data-grant="password"' in edit


@pytest.mark.parametrize(
    ("grant", "missing_field"),
    [
        ("client_credentials", "client_secret"),
        ("password", "password_grant_username"),
        ("password", "password_grant_password"),
        ("refresh_token", "refresh_token_grant_refresh_token"),
        ("authorization_code", "authorization_url"),
        ("urn:ietf:params:oauth:grant-type:jwt-bearer", "jwt_bearer_assertion"),
        ("custom", "oauth2_custom_grant_type"),
    ],
)
def test_the_form_requires_each_grants_fields(grant: str, missing_field: str) -> None:
    data = oauth_post(**{"auth-oauth2_grant_type": grant, f"auth-{missing_field}": ""})
    form = OAuth2Form(_querydict(data))
    assert not form.is_valid()
    assert missing_field in form.errors


def test_the_form_checks_the_header_pattern_and_urls() -> None:
    data = oauth_post(
        **{"auth-header_auth_value_pattern": "Bearer", "auth-oauth2_token_url": "zoom"}
    )
    form = OAuth2Form(_querydict(data))
    assert not form.is_valid()
    assert "header_auth_value_pattern" in form.errors and "oauth2_token_url" in form.errors


def _querydict(data: dict[str, Any]) -> Any:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def test_editing_keeps_the_secret_and_drops_other_grants_secrets(bob) -> None:
    client = client_for(bob)
    client.post(
        reverse("connector_create"),
        oauth_post(
            **{
                "auth-oauth2_grant_type": "password",
                "auth-password_grant_username": "ada",
                "auth-password_grant_password": "pw-0123456789",
            }
        ),
    )
    assert "password_grant_password" in Connector.objects.get(name="Zoom").auth_secrets
    response = client.post(
        reverse("connector_edit", args=["Zoom"]), oauth_post(**{"auth-client_secret": ""})
    )
    assert response.status_code == 302
    stored = Connector.objects.get(name="Zoom")
    assert set(stored.auth_secrets) == {"client_secret"}
    assert stored.auth_settings["password_grant_username"] == ""


# --- Authorization Code (the browser test does the same in Chromium) ------------------------------


def auth_code_connector(server: AuthServer) -> Connector:
    return oauth_connector(
        server,
        "authorization_code",
        authorization_url=server.authorize_url,
        authorization_params=[{"key": "access_type", "value": "offline"}],
        scope="calendar.readonly",
        oauth2_client_authentication="REQUEST_BODY",
    )


def sign_in(client: Any, server: AuthServer, connector: Connector, action_url: str) -> Any:
    start = client.get(reverse("oauth_start", args=[connector.name]), {"next": action_url})
    assert start.status_code == 302
    authorize = start["Location"]
    # The provider approves at once and sends the browser back with a code.
    target = urlsplit(authorize)
    provider = http.client.HTTPConnection(target.netloc, timeout=5)
    provider.request("GET", f"{target.path}?{target.query}")
    back = provider.getresponse()
    assert back.status == 302
    callback = urlsplit(back.getheader("Location"))
    provider.close()
    return client.get(callback.path, dict(parse_qsl(callback.query)))


def test_the_authorization_code_dance_stores_tokens_and_tests_refresh_silently(server, bob) -> None:
    connector = auth_code_connector(server)
    action = make_action(connector, "ping", path="/v1/ping")
    client = client_for(bob)
    run = executor.run(action, {}, bob)
    assert run.error_kind == "AuthFailed" and "Generate New Access Token" in run.error_message
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Generate New Access Token" in page

    response = sign_in(client, server, connector, action.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == action.get_absolute_url()
    query = server.authorize_queries[0]
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["access_type"] == "offline" and query["scope"] == "calendar.readonly"
    assert query["redirect_uri"] == "http://testserver/oauth/callback/"
    exchange = server.token_requests[0].form
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]

    assert executor.run(action, {}, bob).status == 200
    server.revoke_access_tokens()
    cache.clear()  # the cached access token is gone: the stored refresh token brings a new one
    assert executor.run(action, {}, bob).status == 200
    assert server.grants == ["authorization_code", "refresh_token"]


def test_a_revoked_authorization_code_refresh_token_asks_to_sign_in_again(server, bob) -> None:
    connector = auth_code_connector(server)
    action = make_action(connector, "ping", path="/v1/ping")
    sign_in(client_for(bob), server, connector, action.get_absolute_url())
    server.revoke_refresh_tokens()
    cache.clear()
    run = executor.run(action, {}, bob)
    assert run.error_kind == "AuthFailed"
    assert "press Generate New Access Token to sign in again" in run.error_message
    connector.refresh_from_db()
    assert OBTAINED_REFRESH_TOKEN not in connector.auth_secrets


def test_the_callback_refuses_a_state_from_another_session(server, bob) -> None:
    connector = auth_code_connector(server)
    action = make_action(connector, "ping", path="/v1/ping")
    mine, theirs = client_for(bob), client_for(bob)
    start = mine.get(
        reverse("oauth_start", args=[connector.name]), {"next": action.get_absolute_url()}
    )
    state = dict(parse_qsl(urlsplit(start["Location"]).query))["state"]
    response = theirs.get(reverse("oauth_callback"), {"state": state, "code": "x"}, follow=True)
    assert "does not belong to this browser session" in response.content.decode()
    assert server.token_requests == []


def test_the_callback_shows_a_providers_refusal(server, bob) -> None:
    connector = auth_code_connector(server)
    client = client_for(bob)
    start = client.get(reverse("oauth_start", args=[connector.name]))
    state = dict(parse_qsl(urlsplit(start["Location"]).query))["state"]
    response = client.get(
        reverse("oauth_callback"),
        {"error": "access_denied", "error_description": "The user said no.", "state": state},
        follow=True,
    )
    assert "The provider did not authorize: access_denied. The user said no." in (
        response.content.decode()
    )


@pytest.mark.parametrize("state", ["", "made-up-state"])
def test_a_callback_without_a_valid_state_shows_a_fixed_message(server, bob, state) -> None:
    connector = auth_code_connector(server)
    client = client_for(bob)
    client.get(reverse("oauth_start", args=[connector.name]))
    words = "Your session expired: log in again at https://evil.example/login"
    query = {"error": "access_denied", "error_description": words, "state": state}
    page = client.get(reverse("oauth_callback"), query, follow=True).content.decode()
    assert "does not belong to a sign-in started in this browser" in page
    assert "evil.example" not in page and "access_denied" not in page


def test_a_viewer_cannot_start_a_sign_in(server, carol) -> None:
    connector = auth_code_connector(server)
    assert client_for(carol).get(reverse("oauth_start", args=[connector.name])).status_code == 403


def test_the_connector_page_shows_the_callback_url_to_register(server, bob) -> None:
    connector = auth_code_connector(server)
    page = client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "http://testserver/oauth/callback/" in page


def test_a_reference_credential_works_as_the_client_secret(server) -> None:
    from connectors.secrets import sealing

    Credential.objects.create(
        allowed_hosts=LOCAL_HOSTS,
        name="API_CLIENT_SECRET",
        sealed=sealing.seal(server.client_secret),
        hint="0123",
    )
    connector = oauth_connector(server, secrets={"client_secret": "{{API_CLIENT_SECRET}}"})
    assert run_ping(connector).status == 200


def test_the_admin_saves_an_oauth2_connector_with_its_tables(alice) -> None:
    alice.is_staff = True
    alice.save()
    data = {k.removeprefix("auth-"): v for k, v in oauth_post().items()}
    data.update({"version": "", "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"})
    response = client_for(alice).post(reverse("admin:connectors_connector_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    connector = Connector.objects.get(name="Zoom")
    assert connector.auth_config == "OAUTH2"
    assert connector.auth_settings["additional_request_data"][0] == {
        "key": "grant_type",
        "value": "account_credentials",
    }
    assert "zoom-secret-0123456789" not in json.dumps(connector.auth_secrets)


# --- every failed sign-in is a sentence and a way back, never a 500 ------------------------------


def started(client: Any, connector: Connector, next_url: str) -> str:
    start = client.get(reverse("oauth_start", args=[connector.name]), {"next": next_url})
    assert start.status_code == 302
    return dict(parse_qsl(urlsplit(start["Location"]).query))["state"]


def test_a_client_secret_naming_a_missing_credential_is_a_sentence(server, bob):
    connector = auth_code_connector(server)
    connector.auth_secrets = {
        "client_secret": sealing.sealed_field("{{NO_SUCH_CREDENTIAL}}", "alice")
    }
    connector.save()
    action = make_action(connector, "ping", path="/v1/ping")
    client = client_for(bob)
    response = sign_in(client, server, connector, action.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == action.get_absolute_url()
    assert server.token_requests == []
    page = client.get(response["Location"]).content.decode()
    assert "The sign-in needs the credential NO_SUCH_CREDENTIAL, which does not exist" in page
    assert "press Generate New Access Token again" in page


def test_a_code_the_provider_refuses_is_a_sentence(server, bob) -> None:
    connector = auth_code_connector(server)
    client = client_for(bob)
    state = started(client, connector, connector.get_absolute_url())
    response = client.get(reverse("oauth_callback"), {"state": state, "code": "made-up"})
    assert response.status_code == 302 and response["Location"] == connector.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "Unknown code." in page


def test_a_verifier_sealed_under_a_retired_key_is_a_sentence(server, bob, settings):
    connector = auth_code_connector(server)
    client = client_for(bob)
    state = started(client, connector, connector.get_absolute_url())
    settings.STUDIO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    response = client.get(reverse("oauth_callback"), {"state": state, "code": "x"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "cannot be decrypted with the configured STUDIO_ENCRYPTION_KEYS" in page


def test_a_state_used_twice_is_a_sentence(server, bob) -> None:
    connector = auth_code_connector(server)
    client = client_for(bob)
    sign_in(client, server, connector, connector.get_absolute_url())
    state = server.authorize_queries[0]["state"]
    response = client.get(reverse("oauth_callback"), {"state": state, "code": "x"}, follow=True)
    assert response.status_code == 200
    assert "does not belong to this browser session or has expired" in response.content.decode()


def test_a_start_whose_connector_cannot_sign_in_is_a_sentence(server, bob) -> None:
    connector = auth_code_connector(server)
    connector.auth_settings = {**connector.auth_settings, "oauth2_grant_type": "password"}
    connector.save()
    response = client_for(bob).get(reverse("oauth_start", args=[connector.name]), follow=True)
    assert response.status_code == 200
    assert "does not use the Authorization Code grant" in response.content.decode()
