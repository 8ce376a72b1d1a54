"""Where a secret may go: every route that could move a secret to another host, tried against a
real "api" listener and a real "evil" one on 127.0.0.1. The evil listener never receives the
secret, in any header, query or body, raw or encoded."""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from connectors.catalog import history, restore
from connectors.engine import executor
from connectors.engine.oauth import broker
from connectors.lib import origins
from connectors.models import Connector, Credential, Revision
from connectors.secrets import homes, sealing
from tests.conftest import client_for
from tests.engine.oauth.test_assertion import jwt_connector as jwt_connector_for
from tests.engine.oauth.test_broker import oauth_connector
from tests.helpers import keys
from tests.helpers.factories import (
    api_key_connector,
    connector_post,
    make_action,
    make_connector,
    make_credential,
)
from tests.helpers.oauth_server import AuthServer
from tests.helpers.previewed import import_catalog
from tests.helpers.upstream import Received, Reply, Upstream
from tests.test_admin import admin_post

pytestmark = pytest.mark.django_db

KEY = "sk-canary-" + "a1b2c3d4e5f6g7h8i9j0"
PASSWORD = "pw-canary/+= 0123456789"
EVIL_TOKEN = "evil-chosen-token-0123456789"


@pytest.fixture(autouse=True)
def local(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    settings.STUDIO_ENV_CREDENTIALS = []
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"homes-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def api() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


@pytest.fixture
def evil() -> Iterator[Upstream]:
    """A listener that would gladly take any secret, and hands out a token of its choosing."""
    with Upstream() as server:
        server.reply = Reply(body=json.dumps({"access_token": EVIL_TOKEN}).encode())
        yield server


@pytest.fixture
def auth() -> Iterator[AuthServer]:
    with AuthServer() as server:
        yield server


# --- what "carries" means ------------------------------------------------------------------------


def encodings(secret: str) -> set[str]:
    """The secret raw, percent-encoded, hex, JSON-escaped, base64 and URL-safe base64 at each of
    the three alignments (the stable middle of each)."""
    raw = secret.encode()
    found = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        raw.hex(),
        json.dumps(secret)[1:-1],
    }
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"x" * pad + raw + b"y" * 3).decode()
            start = (pad * 8 + 5) // 6 + 1
            found.add(text[start : start + (len(raw) * 4) // 3 - 4])
    return {e for e in found if len(e) >= 8}


def carries(request: Received, secret: str) -> bool:
    text = "\n".join([request.path, *request.headers.values(), request.body.decode("latin-1")])
    return any(e in text for e in encodings(secret))


def assert_nothing_carries(listener: Upstream | AuthServer, *secrets: str) -> None:
    requests = getattr(listener, "received", None)
    if requests is None:  # an AuthServer records token and API requests apart
        requests = [
            Received("POST", "/token", r.headers, json.dumps(r.form).encode())
            for r in listener.token_requests
        ]
        requests += [Received("GET", r.path, r.headers, b"") for r in listener.api_requests]
    for request in requests:
        for secret in secrets:
            assert not carries(request, secret), (request, secret)


def test_the_canary_walk_finds_every_encoding() -> None:
    secret = "pw/+= canary-0123456789"
    for sample in [
        quote(secret, safe=""),
        base64.b64encode(b"ab" + secret.encode()).decode(),
        base64.urlsafe_b64encode(b"a" + secret.encode()).decode(),
        base64.b64encode(f"user:{secret}".encode()).decode(),
        secret.encode().hex(),
    ]:
        assert carries(Received("GET", "/", {"x": sample}, b""), secret), sample


# --- helpers -------------------------------------------------------------------------------------


def run(connector: Connector, path: str = "/v1/ping") -> Any:
    connector.refresh_from_db()
    action = connector.actions.first() or make_action(connector, "ping", path=path)
    return executor.run(action, {}, None)


def shown(url: str) -> str:
    return url.removeprefix("http://")


def edit(user: Any, connector: Connector, **overrides: Any) -> list[str]:
    """Post the connector form as a browser would, secrets left blank; the messages shown."""
    response = client_for(user).post(
        reverse("connector_edit", args=[connector.name]), form_of(connector, **overrides)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_of(connector: Connector, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": connector.name,
        "display_name": connector.display_name,
        "description": "",
        "base_url": connector.base_url,
        "auth_config": connector.auth_config,
        "timeout_seconds": "30",
        "verify_tls": "on",
        "headers_key": [r["key"] for r in connector.headers],
        "headers_value": [r.get("value", "") for r in connector.headers],
        "headers_kind": ["secret" if "secret" in r else "plain" for r in connector.headers],
        "confirm_moves": "1",  # past the warning before a save that retires secrets
    }
    for key, value in connector.auth_settings.items():
        if isinstance(value, list):
            data[f"auth-{key}_key"] = [row["key"] for row in value]
            data[f"auth-{key}_value"] = [row["value"] for row in value]
        else:
            data[f"auth-{key}"] = str(value)
    data.update(overrides)
    return data


def move_bypassing_forms(connector: Connector, **fields: Any) -> None:
    """Change the row directly, as a bug or a forgotten path would: only the send-time check
    stands between the secret and the new host."""
    settings = {**connector.auth_settings, **fields.pop("auth_settings", {})}
    Connector.objects.filter(pk=connector.pk).update(auth_settings=settings, **fields)
    connector.refresh_from_db()


# --- Base URL edit with a literal Api Key --------------------------------------------------------


def test_editing_the_base_url_retires_the_literal_api_key(alice, bob, api, evil) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    messages = edit(bob, connector, base_url=evil.url)
    assert (
        f"The Base URL's host changed from {shown(api.url)} to {shown(evil.url)}: "
        "enter the Api Key again." in messages
    )
    connector.refresh_from_db()
    assert "api_key" not in connector.auth_secrets  # saved without it
    result = run(connector)
    assert result.error_kind == "CredentialMissing" and "Api Key" in result.error_message
    assert evil.received == []


def test_the_form_says_beforehand_what_a_host_change_clears(bob, api) -> None:
    api_key_connector(api.url, KEY, name="Team")
    page = client_for(bob).get(reverse("connector_edit", args=["Team"])).content.decode()
    assert "Changing its host clears the Api Key, entered for this host" in page
    assert KEY not in page


def test_an_admin_edit_retires_it_too(alice, api, evil) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    messages = edit(alice, connector, base_url=evil.url)
    assert any("enter the Api Key again" in m for m in messages)
    assert "api_key" not in Connector.objects.get(pk=connector.pk).auth_secrets


def test_a_base_url_edit_on_the_same_host_keeps_the_key(bob, api) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    messages = edit(bob, connector, base_url=api.url + "/v2")
    assert not [m for m in messages if "again" in m]
    assert run(connector).status == 200
    assert api.last.headers["authorization"] == f"Bearer {KEY}"


def test_the_send_time_check_refuses_a_moved_literal_api_key(api, evil) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    move_bypassing_forms(connector, base_url=evil.url)
    result = run(connector)
    assert result.error_kind == "Blocked"
    assert (
        f"The Api Key may only be sent to {shown(api.url)}, the host it was entered for; "
        f"this request goes to {shown(evil.url)}. Nothing was sent." in result.error_message
    )
    assert evil.received == []


def test_entering_the_key_again_for_the_new_host_works(bob, api, evil) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    edit(bob, connector, base_url=evil.url, **{"auth-api_key": "sk-the-new-hosts-key-0000"})
    assert run(connector).status == 200
    assert evil.last.headers["authorization"] == "Bearer sk-the-new-hosts-key-0000"
    assert_nothing_carries(evil, KEY)


# --- Param Auth key, also with the param renamed -------------------------------------------------


def param_connector(url: str) -> Connector:
    return make_connector(
        "Maps",
        base_url=url,
        auth_config=Connector.AuthConfig.API_KEY,
        auth_settings={"api_key_auth_type": "PARAM", "param_auth_param_name": "key"},
        secrets={"api_key": PASSWORD},
    )


def test_a_param_auth_key_is_retired_when_the_host_and_param_change(bob, api, evil) -> None:
    connector = param_connector(api.url)
    messages = edit(bob, connector, base_url=evil.url, **{"auth-param_auth_param_name": "leak"})
    assert any("enter the Api Key again" in m for m in messages)
    run(connector)
    assert_nothing_carries(evil, PASSWORD)


def test_the_send_time_check_refuses_a_moved_param_key(api, evil) -> None:
    connector = param_connector(api.url)
    move_bypassing_forms(
        connector, base_url=evil.url, auth_settings={"param_auth_param_name": "leak"}
    )
    assert run(connector).error_kind == "Blocked"
    assert evil.received == []
    assert run_at_home(connector, api) == 200
    assert api.last.path.endswith("leak=" + quote_plus(PASSWORD))


def run_at_home(connector: Connector, api: Upstream) -> int | None:
    Connector.objects.filter(pk=connector.pk).update(base_url=api.url)
    return run(connector).status


# --- Basic password ------------------------------------------------------------------------------


def basic_connector(url: str) -> Connector:
    return make_connector(
        "Jira",
        base_url=url,
        auth_config=Connector.AuthConfig.BASIC,
        auth_settings={"username": "ada"},
        secrets={"password": PASSWORD},
    )


def test_a_basic_password_is_retired_and_never_reaches_the_new_host(bob, api, evil) -> None:
    connector = basic_connector(api.url)
    messages = edit(bob, connector, base_url=evil.url)
    assert any("enter the Password again" in m for m in messages)
    run(connector)  # the Password is optional: the username alone goes
    assert_nothing_carries(evil, PASSWORD, f"ada:{PASSWORD}")


def test_the_send_time_check_refuses_a_moved_basic_password(api, evil) -> None:
    connector = basic_connector(api.url)
    move_bypassing_forms(connector, base_url=evil.url)
    assert run(connector).error_kind == "Blocked"
    assert evil.received == []


# --- Bearer {{TEAM_CREDENTIAL}} ------------------------------------------------------------------


def test_a_team_credential_goes_only_to_its_allowed_hosts(bob, api, evil) -> None:
    make_credential("TEAM_API_KEY", KEY, allowed_hosts=[shown(api.url)])
    connector = make_connector(
        "Team", base_url=api.url, auth_config="BEARER", secrets={"token": "{{TEAM_API_KEY}}"}
    )
    assert run(connector).status == 200
    assert api.last.headers["authorization"] == f"Bearer {KEY}"
    messages = edit(bob, connector, base_url=evil.url)
    assert any("{{TEAM_API_KEY}} is kept, but a Test will be refused" in m for m in messages)
    result = run(connector)
    assert result.error_kind == "Blocked"
    assert result.error_message == (
        f"credential TEAM_API_KEY may only be sent to {shown(api.url)}; this request goes to "
        f"{shown(evil.url)}. Nothing was sent."
    )
    assert evil.received == []


def test_a_credential_chain_is_checked_at_every_link(api, evil, settings, monkeypatch) -> None:
    monkeypatch.setenv("VAULT_KEY", KEY)
    settings.STUDIO_ENV_CREDENTIALS = [f"VAULT_KEY@{shown(evil.url)}"]
    make_credential("TEAM_API_KEY", "{{VAULT_KEY}}", allowed_hosts=[shown(api.url)])
    connector = api_key_connector(api.url, "{{TEAM_API_KEY}}", name="Team")
    result = run(connector)  # the team credential allows api, the env var only evil
    assert result.error_kind == "Blocked" and "VAULT_KEY" in result.error_message
    assert api.received == [] and evil.received == []


# --- a secret connector header -------------------------------------------------------------------


def header_connector(url: str) -> Connector:
    connector = make_connector("Hdr", base_url=url)
    connector.headers = [{"key": "X-Api-Secret", "secret": sealing.sealed_field(KEY, "alice")}]
    homes.settle(None, connector)
    connector.save()
    return connector


def test_a_secret_header_is_retired_when_the_host_changes(bob, api, evil) -> None:
    connector = header_connector(api.url)
    messages = edit(bob, connector, base_url=evil.url, headers_value=[""])
    assert any("enter the secret header X-Api-Secret again" in m for m in messages)
    connector.refresh_from_db()
    assert connector.headers == []
    run(connector)
    assert_nothing_carries(evil, KEY)


def test_the_send_time_check_refuses_a_moved_secret_header(api, evil) -> None:
    connector = header_connector(api.url)
    move_bypassing_forms(connector, base_url=evil.url)
    result = run(connector)
    assert result.error_kind == "Blocked" and "secret header X-Api-Secret" in result.error_message
    assert evil.received == []


# --- OAuth 2.0: the cached access token, the Token Url -------------------------------------------


def issued(auth: AuthServer) -> list[str]:
    return list(auth.access_tokens)


def test_a_cached_access_token_never_follows_a_base_url_change(auth, evil) -> None:
    connector = oauth_connector(auth)
    assert run(connector).status == 200
    token = issued(auth)[0]
    move_bypassing_forms(connector, base_url=evil.url)
    result = run(connector)
    assert result.error_kind == "Blocked"
    assert evil.received == []
    assert_nothing_carries(evil, token, auth.client_secret)


def test_a_base_url_edit_retires_the_oauth_secrets_and_tokens(bob, auth, evil) -> None:
    connector = oauth_connector(auth)
    assert run(connector).status == 200
    token = issued(auth)[0]
    messages = edit(bob, connector, base_url=evil.url, **{"auth-client_secret": ""})
    assert any("enter the Client Secret again" in m for m in messages)
    connector.refresh_from_db()
    assert broker.state(connector).kind == "none"  # the cached token no longer counts
    result = run(connector)
    assert result.error_kind == "AuthFailed" and "Client Secret" in result.error_message
    assert evil.received == []
    assert_nothing_carries(evil, token, auth.client_secret)


def test_moving_the_token_url_never_sends_the_client_secret(auth, evil) -> None:
    connector = oauth_connector(auth)
    move_bypassing_forms(connector, auth_settings={"oauth2_token_url": evil.url + "/token"})
    result = run(connector)
    assert result.error_kind == "Blocked" and "Client Secret" in result.error_message
    assert evil.received == []


def test_moving_the_token_url_in_the_form_retires_the_grant_secrets(bob, auth, evil) -> None:
    connector = oauth_connector(
        auth,
        "password",
        password_grant_username="ada",
        secrets={"password_grant_password": auth.users["ada"]},
    )
    messages = edit(
        bob,
        connector,
        **{
            "auth-oauth2_token_url": evil.url + "/token",
            "auth-client_secret": "",
            "auth-password_grant_password": "",
        },
    )
    assert any(
        "The Oauth2 Token Url's host changed" in m
        and "Client Secret" in m
        and "Password Grant Password" in m
        for m in messages
    )
    result = run(connector)
    assert result.error_kind == "AuthFailed" and "not set" in result.error_message
    # The new endpoint got nothing, so its token of choice never reached the API either.
    assert evil.received == []
    assert all(EVIL_TOKEN not in r.headers.get("authorization", "") for r in auth.api_requests)


def test_a_token_endpoint_cannot_hand_back_a_token_for_another_client(bob, auth, evil) -> None:
    """With the secrets retired no grant request is made at all: an endpoint that would answer
    anyone never gets to pick the token the API is called with."""
    connector = oauth_connector(auth)
    edit(bob, connector, **{"auth-oauth2_token_url": evil.url + "/token"})
    result = run(connector)
    assert result.error_kind == "AuthFailed"
    assert evil.received == [] and auth.api_requests == []


def test_a_stored_refresh_token_retires_with_the_token_url(bob, auth, evil) -> None:
    connector = oauth_connector(
        auth,
        "password",
        password_grant_username="ada",
        secrets={"password_grant_password": auth.users["ada"]},
    )
    assert run(connector).status == 200
    connector.refresh_from_db()
    refresh = connector.auth_secrets.get("oauth_refresh_token")
    assert refresh and refresh["home"]["token"].endswith(auth.url.rsplit(":", 1)[1])
    edit(bob, connector, **{"auth-oauth2_token_url": evil.url + "/token"})
    connector.refresh_from_db()
    assert "oauth_refresh_token" not in connector.auth_secrets


# --- JWT: the Access Token Request URL -----------------------------------------------------------


def jwt_connector(auth: AuthServer) -> Connector:
    private, auth.public_key = keys.rsa_pair()
    return jwt_connector_for(auth, private)


def test_moving_the_jwt_token_request_url_never_sends_an_assertion(auth, evil) -> None:
    connector = jwt_connector(auth)
    assert run(connector).status == 200
    move_bypassing_forms(connector, auth_settings={"access_token_request_url": evil.url + "/token"})
    broker.clear(connector)
    result = run(connector)
    assert result.error_kind == "Blocked" and "Private Key" in result.error_message
    assert evil.received == []


def test_moving_it_in_the_form_retires_the_private_key(bob, auth, evil) -> None:
    connector = jwt_connector(auth)
    messages = edit(bob, connector, **{"auth-access_token_request_url": evil.url + "/token"})
    assert any(
        "The Access Token Request URL's host changed" in m and "Private Key" in m for m in messages
    )
    run(connector)
    assert evil.received == []


# --- a Developer's own new connector -------------------------------------------------------------


def test_a_developers_new_connector_cannot_send_a_team_credential_elsewhere(bob, api, evil):
    make_credential("TEAM_API_KEY", KEY, allowed_hosts=[shown(api.url)])
    response = client_for(bob).post(
        reverse("connector_create"),
        connector_post(name="Mine", base_url=evil.url, **{"auth-api_key": "{{TEAM_API_KEY}}"}),
    )
    assert response.status_code == 302
    result = run(Connector.objects.get(name="Mine"))
    assert result.error_kind == "Blocked" and "TEAM_API_KEY" in result.error_message
    assert evil.received == []


def test_nor_a_token_obtained_with_a_team_credential(bob, auth, evil) -> None:
    make_credential("TEAM_SECRET", auth.client_secret, allowed_hosts=[shown(auth.url)])
    connector = oauth_connector(auth, secrets={"client_secret": "{{TEAM_SECRET}}"})
    move_bypassing_forms(connector, base_url=evil.url)
    result = run(connector)
    assert result.error_kind == "Blocked" and "TEAM_SECRET" in result.error_message
    assert evil.received == [] and auth.token_requests == []


def test_an_environment_credential_goes_only_to_its_hosts(api, evil, settings, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings.STUDIO_ENV_CREDENTIALS = [f"OPENAI_API_KEY@{shown(api.url)}"]
    at_home = api_key_connector(api.url, "{{OPENAI_API_KEY}}", name="Home")
    assert run(at_home).status == 200
    assert api.last.headers["authorization"] == f"Bearer {KEY}"
    mine = api_key_connector(evil.url, "{{OPENAI_API_KEY}}", name="Mine")
    result = run(mine)
    assert result.error_kind == "Blocked"
    assert result.error_message.startswith("environment credential OPENAI_API_KEY may only")
    assert evil.received == []


def test_a_plain_environment_name_allows_no_host(api, settings, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY"]
    result = run(api_key_connector(api.url, "{{OPENAI_API_KEY}}"))
    assert result.error_kind == "Blocked"
    assert f"list it in STUDIO_ENV_CREDENTIALS as OPENAI_API_KEY@{shown(api.url)}" in (
        result.error_message
    )
    assert api.received == []


# --- catalog import (overwrite) ------------------------------------------------------------------


def catalog_with(connector: Connector, base_url: str) -> str:
    from connectors.exporting import catalog as catalog_io_catalog

    document = catalog_io_catalog.export_catalog(Connector.objects.filter(pk=connector.pk))
    document["connectors"][0]["base_url"] = base_url
    document["connectors"][0]["description"] = "changed"
    return catalog_io_catalog.dumps(document)


def import_overwrite(user: Any, text: str) -> list[str]:
    response = import_catalog(client_for(user), text, {"choice-Team": "overwrite"})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_overwriting_import_that_moves_the_base_url_retires_the_literal(alice, api, evil):
    connector = api_key_connector(api.url, KEY, name="Team")
    text = catalog_with(connector, evil.url)
    preview = client_for(alice).post(reverse("catalog_import"), {"text": text}).content.decode()
    assert "enter the Api Key again" in preview
    messages = import_overwrite(alice, text)
    assert any("Team: The Base URL's host changed" in m for m in messages)
    assert any("Set these secrets (not in the file): Team: Api Key" in m for m in messages)
    assert not any("Kept the stored secrets" in m for m in messages)
    result = run(Connector.objects.get(name="Team"))
    assert result.error_kind == "CredentialMissing"
    assert evil.received == []


def test_an_overwrite_on_the_same_host_says_the_secret_was_kept(alice, api) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    messages = import_overwrite(alice, catalog_with(connector, api.url))
    assert "Kept the stored secrets (not in the file): Team: Api Key" in messages
    assert not any("Set these secrets" in m for m in messages)
    assert run(connector).status == 200


# --- history restore -----------------------------------------------------------------------------


def test_restoring_a_version_with_another_base_url_retires_todays_secrets(alice, api, evil):
    connector = api_key_connector(evil.url, "sk-old-evil-key-00000000", name="Team")
    first = history.record(connector, Revision.Event.CREATED, alice)
    edit(alice, connector, base_url=api.url, **{"auth-api_key": KEY})
    assert run(connector).status == 200
    restored = restore.restore(first, alice)
    assert restored.home_notes == [
        f"The Base URL's host changed from {shown(api.url)} to {shown(evil.url)}: "
        "enter the Api Key again."
    ]
    result = run(connector)
    assert result.error_kind == "CredentialMissing"
    assert_nothing_carries(evil, KEY)


def test_the_restore_page_says_so(alice, api, evil) -> None:
    connector = api_key_connector(evil.url, "sk-old-evil-key-00000000", name="Team")
    first = history.record(connector, Revision.Event.CREATED, alice)
    edit(alice, connector, base_url=api.url, **{"auth-api_key": KEY})
    response = client_for(alice).post(reverse("revision_restore", args=[first.pk]))
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("enter the Api Key again" in m for m in messages)


# --- a template in the port ----------------------------------------------------------------------


def test_a_template_in_the_port_is_refused_at_save(bob) -> None:
    response = client_for(bob).post(
        reverse("connector_create"),
        connector_post(base_url="http://127.0.0.1:{{port}}", **{"auth-api_key": KEY}),
    )
    assert response.status_code == 200
    assert "never the port" in response.content.decode()
    assert not Connector.objects.exists()


def test_a_template_in_the_token_url_port_is_refused_at_save(bob, auth) -> None:
    connector = oauth_connector(auth)
    response = client_for(bob).post(
        reverse("connector_edit", args=[connector.name]),
        form_of(connector, **{"auth-oauth2_token_url": "http://127.0.0.1:{{port}}/token"}),
    )
    assert response.status_code == 200 and "never the port" in response.content.decode()


def test_a_template_in_the_port_is_refused_at_test(api, evil) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    move_bypassing_forms(connector, base_url="http://127.0.0.1:{{port}}")
    connector.refresh_from_db()
    action = make_action(connector, "ping", path="/", args=[{"name": "port"}])
    result = executor.run(action, {"port": str(evil.port)}, None)
    assert result.error_kind == "Blocked" and "never the port" in result.error_message
    assert evil.received == [] and api.received == []


def test_a_template_in_the_host_still_fills_one_label(api) -> None:
    connector = api_key_connector("http://{{sub}}.localhost:" + str(api.port), KEY, name="T")
    assert connector.auth_secrets["api_key"]["home"]["api"].startswith("http://{{sub}}.localhost")
    action = make_action(connector, "ping", path="/", args=[{"name": "sub"}])
    result = executor.run(action, {"sub": "evil.com#"}, None)
    assert result.error_kind == "Blocked"
    assert api.received == []


# --- the Django admin ----------------------------------------------------------------------------


def test_the_admin_retires_a_moved_secret_and_says_so(alice, api, evil) -> None:
    alice.is_staff = True
    alice.save()
    connector = api_key_connector(api.url, KEY, name="Team")
    client = client_for(alice)
    url = reverse("admin:connectors_connector_change", args=[connector.pk])
    data = admin_post(name="Team", base_url=evil.url, api_key="", version=str(connector.version))
    response = client.post(url, data, follow=True)
    page = response.content.decode()
    assert "enter the Api Key again" in page, page[:3000]
    assert "api_key" not in Connector.objects.get(pk=connector.pk).auth_secrets
    assert KEY not in page


# --- credentials: allowed hosts, reserved environment names -------------------------------------


def test_a_credential_needs_allowed_hosts(alice) -> None:
    client = client_for(alice)
    page = client.post("/credentials/new/", {"name": "TEAM_X", "value": KEY}).content.decode()
    assert "Enter at least one host" in page
    page = client.post(
        "/credentials/new/", {"name": "TEAM_X", "value": KEY, "allowed_hosts": "a b/c"}
    ).content.decode()
    assert "Not a host: b/c" in page
    client.post(
        "/credentials/new/",
        {"name": "TEAM_X", "value": KEY, "allowed_hosts": "api.example.com, *.example.org:8443"},
    )
    assert Credential.objects.get(name="TEAM_X").allowed_hosts == [
        "api.example.com",
        "*.example.org:8443",
    ]


def test_the_allowed_hosts_change_without_retyping_the_value(alice, api) -> None:
    make_credential("TEAM_X", KEY, allowed_hosts=["api.example.com"])
    client_for(alice).post(
        "/credentials/TEAM_X/replace/", {"value": "", "allowed_hosts": shown(api.url)}
    )
    connector = api_key_connector(api.url, "{{TEAM_X}}")
    assert run(connector).status == 200
    assert api.last.headers["authorization"] == f"Bearer {KEY}"


def test_a_missing_credential_link_prefills_the_host(alice, api) -> None:
    action = make_action(api_key_connector(api.url, "{{NEW_ONE}}"), "ping", path="/")
    html = (
        client_for(alice)
        .post(f"{action.get_absolute_url()}test/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    link = f"/credentials/new/?name=NEW_ONE&amp;hosts={quote(shown(api.url))}"
    assert link in html
    form = client_for(alice).get(f"/credentials/new/?name=NEW_ONE&hosts={shown(api.url)}")
    assert shown(api.url) in form.content.decode()


@pytest.mark.parametrize(
    ("pattern", "url", "allowed"),
    [
        ("api.example.com", "https://api.example.com/v1", True),
        ("api.example.com", "http://api.example.com", True),
        ("api.example.com", "https://api.example.com:8443", False),
        ("api.example.com:8443", "https://api.example.com:8443", True),
        ("*.example.com", "https://eu.api.example.com", True),
        ("*.example.com", "https://example.com", False),
        ("*.example.com", "https://example.com.evil.net", False),
        ("127.0.0.1:*", "http://127.0.0.1:5555", True),
    ],
)
def test_allowed_hosts_match_host_and_port(pattern: str, url: str, allowed: bool) -> None:
    assert origins.host_allowed(pattern, origins.origin_of(url)) is allowed


def test_a_url_with_userinfo_has_no_origin_a_secret_may_go_to() -> None:
    with pytest.raises(origins.UnsafeURL, match="“@” before its host"):
        origins.origin_of("https://api.example.com@evil.net")


def test_an_environment_name_cannot_become_a_team_credential(alice, settings) -> None:
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.openai.com"]
    page = (
        client_for(alice)
        .post(
            "/credentials/new/",
            {"name": "OPENAI_API_KEY", "value": KEY, "allowed_hosts": "evil.example.com"},
        )
        .content.decode()
    )
    assert "OPENAI_API_KEY is an environment credential" in page
    assert not Credential.objects.exists()


CURL = f"curl http://127.0.0.1:9/v1/models -H 'Authorization: Bearer {KEY}'"
CURL_NAME = "LOCAL_API_KEY"  # the name the import gives the key of a 127.0.0.1 command


def curl_preview(user: Any, command: str = CURL) -> str:
    return client_for(user).post(reverse("curl_import"), {"command": command}).content.decode()


def test_curl_import_into_an_existing_connector_never_moves_it(bob, api, evil) -> None:
    connector = api_key_connector(api.url, KEY, name="Team")
    command = f"curl {evil.url}/v1/models -H 'Authorization: Bearer {{{{TEAM_API_KEY}}}}'"
    page = client_for(bob).post(
        reverse("curl_import"), {"command": command, "connector": "Team", "chosen": "1"}
    )
    assert "is not under this connector&#x27;s Base URL" in page.content.decode()
    stored = Connector.objects.get(pk=connector.pk)
    assert stored.base_url == api.url and stored.auth_secrets == connector.auth_secrets
    assert run(stored).status == 200 and evil.received == []


def test_curl_import_never_takes_an_environment_name(alice, settings) -> None:
    settings.STUDIO_ENV_CREDENTIALS = [f"{CURL_NAME}@127.0.0.1:9"]
    page = curl_preview(alice)
    assert f"A new team credential <code>{CURL_NAME}_2</code>" in page, page[:4000]


def test_the_curl_preview_reveals_nothing_about_stored_values_to_a_developer(bob) -> None:
    make_credential(CURL_NAME, KEY)  # holds the very value pasted
    same = curl_preview(bob)
    Credential.objects.filter(name=CURL_NAME).update(sealed=sealing.seal("another-value-0000"))
    different = curl_preview(bob)
    assert "holds this same value" not in same
    # A Developer's pasted value is the connector's own: no credential is looked at or named.
    for page in (same, different):
        assert "kept as this connector's own secret" in page and CURL_NAME not in page


def test_an_admin_still_sees_a_stored_value_reused(alice) -> None:
    make_credential(CURL_NAME, KEY)
    assert "holds this same value" in curl_preview(alice)


def test_a_curl_imported_credential_may_go_to_the_commands_host_only(alice, bob) -> None:
    assert "sent only to <code>127.0.0.1:9</code>" in curl_preview(alice)
    assert "sent only to <code>http://127.0.0.1:9</code>" in curl_preview(bob)  # its own secret


# --- the upgrade ---------------------------------------------------------------------------------


def test_the_migration_stamps_homes_and_fills_allowed_hosts(api) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("connectors.migrations.0007_secret_homes")
    make_credential("TEAM_KEY", KEY, allowed_hosts=[])
    make_credential("UNUSED", KEY, allowed_hosts=[])
    literal = api_key_connector(api.url, KEY, name="Literal")
    by_reference = api_key_connector("https://api.openai.com", "{{TEAM_KEY}}", name="Ref")
    for connector in (literal, by_reference):  # as stored before homes were recorded
        stripped = {k: {**v} for k, v in connector.auth_secrets.items()}
        for entry in stripped.values():
            entry.pop("home")
        Connector.objects.filter(pk=connector.pk).update(auth_secrets=stripped)
    migration.forwards(apps, None)
    assert run(literal).status == 200
    team = Credential.objects.get(name="TEAM_KEY")
    assert team.allowed_hosts == ["api.openai.com"]
    assert "from the connectors using it then: Ref" in team.hosts_note
    assert "sent nowhere" in Credential.objects.get(name="UNUSED").hosts_note
    page = client_for_admin_page()
    assert "from the connectors using it then: Ref" in page


def client_for_admin_page() -> str:
    from django.contrib.auth.models import Group, User

    from connectors import roles

    user = User.objects.create_user("dora", "d@example.com", "pass-dora")
    user.groups.add(Group.objects.get(name=roles.ADMIN))
    return client_for(user).get("/credentials/").content.decode()


def test_the_local_setup_sends_the_walkthrough_key_to_api_openai_com_only(settings) -> None:
    from connectors.management.commands.setup_local import Command

    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.openai.com"]  # what make run writes
    Command(stdout=io.StringIO()).ensure_openai_example()
    openai = Connector.objects.get(name="OpenAI")
    homes.check_field(openai, "api_key", "https://api.openai.com/v1/models")  # allowed
    with pytest.raises(homes.Refused, match="may only be sent to api.openai.com"):
        homes.check_field(openai, "api_key", "https://api.example.com/v1/models")
