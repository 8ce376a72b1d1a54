"""Requests sent as they are written: body types, repeated query keys, Param Auth names,
and secret fields that combine references with text."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from connectors.engine import executor
from connectors.lib.curl import parse
from connectors.models import Action, Connector
from connectors.secrets import references as secrets_references
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.factories import (
    action_post,
    api_key_connector,
    connector_post,
    make_action,
    make_connector,
    make_credential,
)
from tests.views.test_importing_curl import create, preview

pytestmark = pytest.mark.django_db


# --- bodies --------------------------------------------------------------------------------------


def test_a_json_body_without_a_content_type_goes_as_json_with_inputs_escaped(upstream) -> None:
    action = make_action(
        make_connector(base_url=upstream.url),
        method="POST",
        path="/people",
        body='{\n  "name": "{{query}}"\n}',
        args=[{"name": "query"}],
    )
    run = executor.run(action, {"query": 'Luke "Skywalker"\n\\'}, None)
    assert run.status == 200
    assert upstream.last.headers["content-type"] == "application/json"
    assert json.loads(upstream.last.body) == {"name": 'Luke "Skywalker"\n\\'}
    assert "Content-Type: application/json" in run.request_curl


def test_a_raw_object_template_is_json_too(upstream) -> None:
    action = make_action(
        make_connector(base_url=upstream.url),
        method="POST",
        body="{{{payload}}}",
        args=[{"name": "payload", "data_type": "object"}],
    )
    executor.run(action, {"payload": '{"a": 1}'}, None)
    assert upstream.last.headers["content-type"] == "application/json"
    assert json.loads(upstream.last.body) == {"a": 1}


def test_key_value_pairs_go_as_form_data_with_inputs_form_escaped(upstream) -> None:
    action = make_action(
        make_connector(base_url=upstream.url),
        method="POST",
        body="grant=x&name={{name}}",
        args=[{"name": "name"}],
    )
    executor.run(action, {"name": "a&b=c d"}, None)
    assert upstream.last.headers["content-type"] == "application/x-www-form-urlencoded"
    assert upstream.last.body == b"grant=x&name=a%26b%3Dc+d"


def test_a_content_type_header_still_decides(upstream) -> None:
    action = make_action(
        make_connector(base_url=upstream.url),
        method="POST",
        body='{"name": "{{name}}"}',
        headers=[{"key": "Content-Type", "value": "text/plain"}],
        args=[{"name": "name"}],
    )
    executor.run(action, {"name": 'a"b'}, None)
    assert upstream.last.headers["content-type"] == "text/plain"
    assert upstream.last.body == b'{"name": "a"b"}'


def test_other_text_goes_as_it_is_without_a_content_type(upstream) -> None:
    action = make_action(make_connector(base_url=upstream.url), method="POST", body="hello there")
    executor.run(action, {}, None)
    assert "content-type" not in upstream.last.headers and upstream.last.body == b"hello there"


@pytest.mark.parametrize(
    ("body", "headers", "note"),
    [
        ('{"name": "{{name}}"}', [], "Sent as JSON (application/json)"),
        ("a=1&b={{name}}", [], "Sent as form data (application/x-www-form-urlencoded)"),
        ("just text", [], "Sent as it is, with no Content-Type header"),
        ("x", [("Content-Type", "text/csv")], "Sent as text/csv (the Content-Type header)"),
    ],
)
def test_the_action_form_and_page_say_how_the_body_is_sent(bob, body, headers, note) -> None:
    make_connector()
    client = client_for(bob)
    data = action_post(
        args=[{"name": "name"}],
        method="POST",
        body=body,
        headers_key=[k for k, _ in headers],
        headers_value=[v for _, v in headers],
    )
    response = client.post("/connectors/OpenAI/new-action/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    page = client.get(response["Location"]).content.decode()
    assert note in page
    edit = client.get(response["Location"] + "edit/").content.decode()
    assert 'id="body-note"' in edit and note in edit


def test_a_json_shaped_body_that_is_not_json_is_a_field_error(bob) -> None:
    make_connector()
    response = client_for(bob).post(
        "/connectors/OpenAI/new-action/",
        action_post(method="POST", body='{"name": "x",}'),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The body is not valid JSON (it is sent as JSON)" in html
    assert 'id="body-note"' in html  # the note still says how it would go
    assert not Action.objects.exists()


# --- repeated query keys -------------------------------------------------------------------------


def tags_post(**overrides: Any) -> dict[str, Any]:
    return action_post(
        query_params_key=["tag", "tag", "q"],
        query_params_value=["a", "{{second}}", "x"],
        args=[{"name": "second"}],
        **overrides,
    )


def test_repeated_query_keys_are_saved_and_sent_in_order(bob, upstream) -> None:
    make_connector(base_url=upstream.url)
    response = client_for(bob).post("/connectors/OpenAI/new-action/", tags_post())
    assert response.status_code == 302, response.content.decode()[-2000:]
    action = Action.objects.get()
    assert [(r["key"], r["value"]) for r in action.query_params] == [
        ("tag", "a"),
        ("tag", "{{second}}"),
        ("q", "x"),
    ]
    edit = client_for(bob).get(action.get_absolute_url() + "edit/").content.decode()
    assert edit.count('name="query_params_key" value="tag"') == 2
    run = executor.run(action, {"second": "b c"}, None)
    assert run.status == 200
    assert upstream.last.path == "/v1/models?tag=a&tag=b+c&q=x"
    assert "tag=a&tag=b+c&q=x" in run.request_curl


def test_repeated_query_keys_survive_export_and_import(tmp_path) -> None:
    make_action(
        make_connector(),
        query_params=[{"key": "tag", "value": "a"}, {"key": "tag", "value": "b"}],
    )
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    assert json.loads(out.getvalue())["connectors"][0]["actions"][0]["query_params"] == [
        {"key": "tag", "value": "a"},
        {"key": "tag", "value": "b"},
    ]
    Connector.objects.all().delete()
    path = tmp_path / "c.json"
    path.write_text(out.getvalue())
    call_command("import_catalog", str(path), stdout=io.StringIO())
    assert [r["value"] for r in Action.objects.get().query_params] == ["a", "b"]


def test_curl_import_keeps_repeated_query_keys(bob) -> None:
    client = client_for(bob)
    command = "curl 'https://api.example.com/items?tag=a&tag=b&limit=5'"
    assert parse.parse_curl(command).query == [("tag", "a"), ("tag", "b"), ("limit", "5")]
    response = create(client, preview(client, command))
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert [(r["key"], r["value"]) for r in Action.objects.get().query_params] == [
        ("tag", "a"),
        ("tag", "b"),
        ("limit", "5"),
    ]


# --- Param Auth names ----------------------------------------------------------------------------


def param_auth_connector(base_url: str = "https://api.example.com") -> Connector:
    return make_connector(
        base_url=base_url,
        auth_config="API_KEY",
        auth_settings={"api_key_auth_type": "PARAM", "param_auth_param_name": "key"},
        secrets={"api_key": "param-key-0123456789"},
    )


def test_the_action_form_refuses_a_param_named_like_the_param_auth(bob) -> None:
    param_auth_connector()
    response = client_for(bob).post(
        "/connectors/OpenAI/new-action/",
        action_post(query_params_key=["key"], query_params_value=["mine"]),
    )
    assert response.status_code == 200
    assert "key is the connector&#x27;s Param Auth Param Name" in response.content.decode()
    assert not Action.objects.exists()


def test_the_connector_form_names_the_actions_that_use_the_param_auth_name(bob) -> None:
    connector = api_key_connector("https://api.example.com", "k-0123456789abcdef")
    make_action(connector, "list_a", query_params=[{"key": "key", "value": "1"}])
    make_action(connector, "list_b", query_params=[{"key": "key", "value": "2"}])
    make_action(connector, "list_c")
    response = client_for(bob).post(
        "/connectors/OpenAI/edit/",
        connector_post(
            version="1",
            base_url="https://api.example.com",
            **{"auth-api_key_auth_type": "PARAM", "auth-param_auth_param_name": "key"},
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "key is already a query param of action list_a, list_b" in html
    connector.refresh_from_db()
    assert connector.auth_settings["api_key_auth_type"] == "HEADER"


def test_a_test_refuses_a_stored_collision_instead_of_replacing_the_param(upstream) -> None:
    connector = param_auth_connector(upstream.url)
    action = make_action(connector, query_params=[{"key": "key", "value": "mine"}])
    run = executor.run(action, {}, None)
    assert run.error_kind == "ConstructError" and "Param Auth Param Name" in run.error_message
    assert upstream.received == []


# --- secret fields combining references ---------------------------------------------------------


def test_a_secret_field_combines_references_and_text() -> None:
    make_credential("PASSWORD", "hunter2")
    make_credential("TOKEN", "tok-9")
    assert secrets_references.resolve("{{PASSWORD}}{{TOKEN}}") == "hunter2tok-9"
    assert secrets_references.resolve("prefix-{{ TOKEN }}") == "prefix-tok-9"
    assert secrets_references.resolve("plain-literal") == "plain-literal"
    with pytest.raises(secrets_references.CredentialMissing, match="credential MISSING is not set"):
        secrets_references.resolve("{{PASSWORD}}{{MISSING}}")


def test_hints_show_references_and_mask_the_text_around_them() -> None:
    assert sealing.hint("{{A_1}}{{B_2}}") == "{{A_1}}{{B_2}}"
    assert sealing.hint("secret-prefix-{{A_1}}") == "••••{{A_1}}"
    assert sealing.is_reference("{{A_1}}{{B_2}}") and not sealing.is_reference("x{{A_1}}")
    connector = make_connector(secrets={"api_key": "Key {{A_1}}{{B_2}}"})
    connector.headers = [{"key": "X", "secret": sealing.sealed_field("{{C_3}}-{{A_1}}", "t")}]
    assert secrets_references.references_in(connector) == {"A_1", "B_2", "C_3"}


def test_an_api_key_combining_references_is_sent_resolved_and_masked(upstream, bob) -> None:
    make_credential("KEY_ONE", "first-half-123")
    make_credential("KEY_TWO", "second-half-456")
    connector = api_key_connector(upstream.url, "{{KEY_ONE}}{{KEY_TWO}}")
    action = make_action(connector)
    run = executor.run(action, {}, None)
    assert upstream.last.headers["authorization"] == "Bearer first-half-123second-half-456"
    assert "first-half" not in str(run.request_headers) + run.request_curl
    page = client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "{{KEY_ONE}}{{KEY_TWO}}" in page and "first-half" not in page


def test_a_combined_reference_is_exported_as_references() -> None:
    make_connector(secrets={"api_key": "{{KEY_ONE}}{{KEY_TWO}}"}, auth_config="API_KEY")
    make_connector("Other", secrets={"api_key": "literal-{{KEY_ONE}}"}, auth_config="API_KEY")
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    document = json.loads(out.getvalue())
    by_name = {c["name"]: c for c in document["connectors"]}
    assert by_name["OpenAI"]["secret_references"] == {"api_key": "{{KEY_ONE}}{{KEY_TWO}}"}
    assert by_name["Other"]["secret_references"] == {"api_key": None}  # text is a secret
