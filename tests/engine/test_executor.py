"""The way of a Test, against a real local server: templating, auth, failures, stored runs."""

from __future__ import annotations

import base64
import json

import pytest

from connectors.engine import executor
from connectors.models import Connector, TestRun
from tests.helpers.factories import api_key_connector, make_action, make_connector
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db

KEY = "sk-test-key-0123456789abcd"


def test_it_sends_the_api_key_in_the_header_pattern(upstream, bob) -> None:
    upstream.reply = Reply(body=b'{"object": "list", "data": [{"id": "gpt-4o"}]}')
    action = make_action(api_key_connector(upstream.url, KEY))
    run = executor.run(action, {}, bob)
    assert upstream.last.headers["authorization"] == f"Bearer {KEY}"
    assert upstream.last.path == "/v1/models"
    assert (run.status, run.reason, run.error_kind) == (200, "OK", "")
    assert "gpt-4o" in run.response_body
    assert run.user == bob and run.elapsed_ms > 0 and run.size > 0


def test_it_sends_a_custom_header_and_pattern(upstream) -> None:
    connector = api_key_connector(upstream.url, KEY, name="Workato")
    connector.auth_settings.update(header_auth_key="api-token", header_auth_value_pattern="%s")
    connector.save()
    executor.run(make_action(connector), {}, None)
    assert upstream.last.headers["api-token"] == KEY
    assert "authorization" not in upstream.last.headers


def test_it_sends_the_api_key_as_a_query_param(upstream) -> None:
    connector = api_key_connector(upstream.url, KEY, name="AzureFn")
    connector.auth_settings.update(api_key_auth_type="PARAM", param_auth_param_name="code")
    connector.save()
    action = make_action(connector, path="/api/fn", query_params=[{"key": "name", "value": "x"}])
    run = executor.run(action, {}, None)
    assert upstream.last.path == f"/api/fn?name=x&code={KEY}"
    assert KEY not in run.request_url


def test_it_sends_basic_credentials_as_rfc_7617(upstream) -> None:
    connector = make_connector(
        "Greenhouse",
        base_url=upstream.url,
        auth_config=Connector.AuthConfig.BASIC,
        auth_settings={"username": "jörg"},
        secrets={"password": "pässwörd-123456"},
    )
    executor.run(make_action(connector, path="/v1/jobs"), {}, None)
    expected = base64.b64encode("jörg:pässwörd-123456".encode()).decode()
    assert upstream.last.headers["authorization"] == f"Basic {expected}"


def test_it_sends_a_basic_username_with_an_empty_password(upstream) -> None:
    connector = make_connector(
        "Greenhouse",
        base_url=upstream.url,
        auth_config="BASIC",
        auth_settings={"username": "apikey"},
    )
    executor.run(make_action(connector, path="/v1/jobs"), {}, None)
    assert (
        upstream.last.headers["authorization"] == "Basic " + base64.b64encode(b"apikey:").decode()
    )


def test_it_sends_a_bearer_token(upstream) -> None:
    connector = make_connector(
        "Slack", base_url=upstream.url, auth_config="BEARER", secrets={"token": "xoxb-1234567890"}
    )
    executor.run(make_action(connector), {}, None)
    assert upstream.last.headers["authorization"] == "Bearer xoxb-1234567890"


def test_an_action_header_overrides_a_common_one_and_auth_overrides_both(upstream) -> None:
    connector = api_key_connector(
        upstream.url,
        KEY,
        headers=[
            {"key": "Accept", "value": "text/plain"},
            {"key": "X-Team", "value": "core"},
            {"key": "Authorization", "value": "common"},
        ],
    )
    action = make_action(
        connector,
        headers=[
            {"key": "accept", "value": "application/json"},
            {"key": "Authorization", "value": "x"},
        ],
    )
    executor.run(action, {}, None)
    got = upstream.last.headers
    assert got["accept"] == "application/json"
    assert got["x-team"] == "core"
    assert got["authorization"] == f"Bearer {KEY}"


def test_it_templates_path_query_headers_and_body(upstream) -> None:
    connector = make_connector("GitHub", base_url=upstream.url)
    action = make_action(
        connector,
        method="POST",
        path="/users/{{user}}/repos",
        query_params=[
            {"key": "per_page", "value": "{{limit}}"},
            {"key": "sort", "value": "{{#sort}}{{sort}}{{/sort}}"},
        ],
        headers=[
            {"key": "Content-Type", "value": "application/json"},
            {"key": "X-Q", "value": "{{user}}"},
        ],
        body='{"name": "{{name}}", "n": {{limit}}, "raw": {{{obj}}}}',
        args=[{"name": n} for n in ["user", "limit", "sort", "name", "obj"]],
    )
    inputs = {"user": "a b/c", "limit": "5", "sort": "", "name": 'say "hi"', "obj": '{"k": 1}'}
    run = executor.run(action, inputs, None)
    assert run.error_kind == ""
    assert upstream.last.path == "/users/a%20b%2Fc/repos?per_page=5"
    assert upstream.last.headers["x-q"] == "a b/c"
    assert json.loads(upstream.last.body) == {"name": 'say "hi"', "n": 5, "raw": {"k": 1}}


def test_a_missing_value_fails_with_a_construct_error_and_sends_nothing(upstream) -> None:
    action = make_action(
        make_connector(base_url=upstream.url), path="/users/{{user_id}}", args=[{"name": "user_id"}]
    )
    run = executor.run(action, {}, None)
    assert run.error_kind == "ConstructError"
    assert "Failed to construct request: `{{user_id}}` has no value" in run.error_message
    assert upstream.received == []


def test_an_unset_credential_fails_inline_and_sends_nothing(upstream) -> None:
    action = make_action(api_key_connector(upstream.url, "{{OPENAI_API_KEY}}"))
    run = executor.run(action, {}, None)
    assert run.error_kind == "CredentialMissing"
    assert "credential OPENAI_API_KEY is not set" in run.error_message
    assert upstream.received == []


def test_an_allowed_environment_variable_resolves_a_reference(
    upstream, settings, monkeypatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@127.0.0.1:*"]
    executor.run(make_action(api_key_connector(upstream.url, "{{OPENAI_API_KEY}}")), {}, None)
    assert upstream.last.headers["authorization"] == f"Bearer {KEY}"


def test_an_unlisted_environment_variable_never_resolves(upstream, settings, monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "the-django-secret")
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY"]
    run = executor.run(make_action(api_key_connector(upstream.url, "{{SECRET_KEY}}")), {}, None)
    assert run.error_kind == "CredentialMissing"
    assert upstream.received == []


def test_it_stores_the_request_with_the_secret_masked(upstream) -> None:
    upstream.reply = Reply(body=json.dumps({"echo": KEY}).encode())
    run = executor.run(make_action(api_key_connector(upstream.url, KEY)), {}, None)
    stored = TestRun.objects.get(pk=run.pk)
    headers = dict(stored.request_headers)
    assert headers["Authorization"] == "Bearer ••••abcd"
    dump = json.dumps(
        [
            stored.request_headers,
            stored.request_url,
            stored.response_body,
            stored.response_headers,
            stored.request_curl,
            stored.error_message,
        ]
    )
    assert KEY not in dump
    assert "••••abcd" in stored.response_body


def test_copy_as_curl_uses_a_placeholder_for_the_secret(upstream) -> None:
    run = executor.run(make_action(api_key_connector(upstream.url, "{{OPENAI_API_KEY}}")), {}, None)
    assert run.error_kind == "CredentialMissing"
    run = executor.run(make_action(api_key_connector(upstream.url, KEY, name="Lit")), {}, None)
    assert '"Authorization: Bearer $API_KEY"' in run.request_curl
    assert KEY not in run.request_curl


def test_a_500_is_a_response_not_an_error(upstream) -> None:
    upstream.reply = Reply(status=500, body=b'{"error": "boom"}')
    run = executor.run(make_action(make_connector(base_url=upstream.url)), {}, None)
    assert (run.status, run.error_kind) == (500, "")
    assert not run.passed


def test_a_blocked_address_fails_inline_naming_the_setting(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = []
    run = executor.run(make_action(make_connector(base_url="http://127.0.0.1:9")), {}, None)
    assert run.error_kind == "Blocked"
    assert "STUDIO_OUTBOUND_ALLOW" in run.error_message


def test_a_refused_connection_fails_inline(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    run = executor.run(make_action(make_connector(base_url="http://127.0.0.1:9")), {}, None)
    assert run.error_kind == "ConnectError"
    assert run.status is None and run.error_message


def test_binary_bodies_are_stored_as_type_and_size_only(upstream) -> None:
    upstream.reply = Reply(
        headers={"Content-Type": "image/png"}, body=b"\x89PNG\r\n\x1a\n" + bytes(500)
    )
    run = executor.run(make_action(make_connector(base_url=upstream.url)), {}, None)
    assert run.is_binary and run.response_body == "" and run.size == 508


def test_a_body_over_the_display_cap_is_stored_truncated(upstream, settings) -> None:
    settings.STUDIO_DISPLAY_BYTES = 1000
    upstream.reply = Reply(headers={"Content-Type": "text/plain"}, body=b"a" * 5000)
    run = executor.run(make_action(make_connector(base_url=upstream.url)), {}, None)
    assert run.body_truncated and len(run.response_body) == 1000 and run.size == 5000
