"""Secrets typed into a failed form are kept sealed in the session; Cancel stops a Test."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from django.core.cache import cache

from connectors.engine import executor
from connectors.lib.outbound import watchdog
from connectors.models import Connector
from connectors.secrets import kept as kept_secrets
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.factories import connector_post, make_action, make_connector
from tests.helpers.upstream import Received

pytestmark = pytest.mark.django_db

CANARY = "sk-kept-session-canary-55aa66bb"


def test_it_keeps_a_typed_secret_sealed_in_the_session_and_uses_it_on_the_next_save(bob) -> None:
    client = client_for(bob)
    failed = client.post("/new/", connector_post(name="1bad", **{"auth-api_key": CANARY}))
    assert failed.status_code == 200
    html = failed.content.decode()
    assert "Kept, not shown" in html and CANARY not in html
    stored = json.dumps(client.session[kept_secrets.SESSION_KEY])
    assert CANARY not in stored and "sealed" in stored

    saved = client.post("/new/", connector_post(name="OpenAI", **{"auth-api_key": ""}))
    assert saved.status_code == 302
    connector = Connector.objects.get(name="OpenAI")
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == CANARY
    assert client.session[kept_secrets.SESSION_KEY] == {}  # dropped after the save


def test_a_kept_secret_is_gone_after_an_hour(bob, monkeypatch) -> None:
    client = client_for(bob)
    client.post("/new/", connector_post(name="1bad", **{"auth-api_key": CANARY}))
    later = time.time() + kept_secrets.MAX_AGE_SECONDS + 1
    monkeypatch.setattr(kept_secrets.time, "time", lambda: later)
    response = client.post("/new/", connector_post(name="OpenAI", **{"auth-api_key": ""}))
    assert "Enter the Api Key." in response.content.decode()
    assert not Connector.objects.exists()


def test_cancel_hangs_up_a_request_the_server_never_answers(upstream) -> None:
    def hang(sock: socket.socket, got: Received) -> None:
        time.sleep(5)

    upstream.raw = hang
    action = make_action(make_connector(base_url=upstream.url, timeout_seconds=30))
    flag = threading.Event()
    threading.Timer(0.5, flag.set).start()
    started = time.monotonic()
    with watchdog.cancellable(flag.is_set):
        run = executor.run(action, {}, None)
    assert time.monotonic() - started < 3
    assert run.error_kind == "Cancelled" and "Cancel" in run.error_message


def test_the_cancel_endpoint_sets_the_flag_only_for_its_user(bob, alice) -> None:
    action = make_action(make_connector())
    token = "ab" * 16
    url = f"{action.get_absolute_url()}test/cancel/"
    assert client_for(bob).post(url, {"test_token": token}).status_code == 204
    assert cache.get(f"studio:test-cancel:{bob.pk}:{token}") is True
    assert cache.get(f"studio:test-cancel:{alice.pk}:{token}") is None
    assert client_for(bob).post(url, {"test_token": "not a token"}).status_code == 400


def test_a_number_input_that_is_not_a_number_sends_nothing(upstream, bob) -> None:
    action = make_action(
        make_connector(base_url=upstream.url),
        args=[{"name": "count", "data_type": "number"}, {"name": "tags", "data_type": "array"}],
    )
    client = client_for(bob)
    response = client.post(
        f"{action.get_absolute_url()}test/", {"count": "abc", "tags": "{}"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "“abc” is not a number" in html and "not an array" in html
    assert upstream.received == []


def test_the_credential_form_goes_back_only_to_this_site(alice) -> None:
    client = client_for(alice)
    post = {
        "name": "OPENAI_API_KEY",
        "value": "sk-abcdefgh12345678",
        "allowed_hosts": "api.openai.com",
    }
    evil = client.post("/credentials/new/?next=https://evil.example/", post)
    assert evil["Location"] == "/credentials/"
    post["name"] = "OTHER_KEY"
    home = client.post("/credentials/new/?next=/connectors/OpenAI/", post)
    assert home["Location"] == "/connectors/OpenAI/"
