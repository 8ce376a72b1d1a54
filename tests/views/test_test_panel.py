"""The Test panel's views: the HTMX result partial, past runs, badges, the output schema."""

from __future__ import annotations

import html
import json

import pytest

from connectors.models import TestRun
from tests.conftest import client_for
from tests.helpers.factories import api_key_connector, make_action, make_connector
from tests.helpers.press import htmx_post
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db

KEY = "sk-panel-key-4455667788"
MODELS = {"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]}


def test_it_renders_the_result_partial_starting_with_the_status(upstream, bob) -> None:
    upstream.reply = Reply(body=json.dumps(MODELS).encode())
    action = make_action(api_key_connector(upstream.url, KEY))
    response = htmx_post(client_for(bob), f"{action.get_absolute_url()}test/")
    html = response.content.decode()
    # Only the live region's content: the region itself stays in the page, so it is announced.
    assert html.lstrip().startswith('<h3 class="result-title')
    assert "aria-live" not in html
    page = client_for(bob).get(action.get_absolute_url()).content.decode()
    assert '<section id="result" class="card result" aria-live="polite"' in page
    run = action.test_runs.get()
    assert response["HX-Push-Url"] == f"{action.get_absolute_url()}?run={run.pk}"
    assert "<strong>200 OK</strong>" in html
    assert "gpt-4o" in html
    assert "Bearer ••••7788" in html
    assert KEY not in html
    assert response["HX-Trigger"] == "test-run-recorded"


def test_it_prefills_one_input_per_arg_with_its_example(bob) -> None:
    action = make_action(
        make_connector(), path="/u/{{user}}", args=[{"name": "user", "example_value": "octocat"}]
    )
    page = client_for(bob).get(action.get_absolute_url()).content.decode()
    assert 'name="in-user"' in page and 'value="octocat"' in page


def test_it_uses_the_inputs_given(upstream, bob) -> None:
    action = make_action(
        make_connector(base_url=upstream.url), path="/u/{{user}}", args=[{"name": "user"}]
    )
    htmx_post(client_for(bob), f"{action.get_absolute_url()}test/", {"user": "octocat"})
    assert upstream.last.path == "/u/octocat"


def test_a_missing_required_input_is_an_inline_message(upstream, bob) -> None:
    action = make_action(
        make_connector(base_url=upstream.url),
        path="/u/{{user}}",
        args=[{"name": "user", "required": True}],
    )
    response = htmx_post(client_for(bob), f"{action.get_absolute_url()}test/", {"user": ""})
    assert response.status_code == 200
    assert "Check the inputs" in response.content.decode()
    assert upstream.received == [] and not TestRun.objects.exists()


def test_a_failure_renders_inline_with_its_name_and_a_sentence(bob, settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = []
    action = make_action(make_connector(base_url="http://169.254.169.254"))
    response = htmx_post(client_for(bob), f"{action.get_absolute_url()}test/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Address blocked</strong>" in html and "STUDIO_OUTBOUND_ALLOW" in html
    assert "Nothing was sent." in html and "Request sent" not in html


def test_without_javascript_the_test_redirects_to_the_run(upstream, bob) -> None:
    action = make_action(make_connector(base_url=upstream.url))
    client = client_for(bob)
    response = client.post(f"{action.get_absolute_url()}test/")
    run = TestRun.objects.get()
    assert response["Location"] == f"{action.get_absolute_url()}?run={run.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "<strong>200 OK</strong>" in page


def test_it_lists_recent_runs_and_shows_a_past_one_in_the_panel(upstream, bob) -> None:
    action = make_action(make_connector(base_url=upstream.url))
    client = client_for(bob)
    upstream.reply = Reply(status=404, body=b'{"error": "nope"}')
    htmx_post(client, f"{action.get_absolute_url()}test/")
    upstream.reply = Reply(body=b'{"fine": true}')
    htmx_post(client, f"{action.get_absolute_url()}test/")
    first = TestRun.objects.order_by("created_at").first()
    runs = client.get(f"{action.get_absolute_url()}runs/").content.decode()
    assert runs.count("<tr>") == 3  # header and two runs
    past = client.get(f"{action.get_absolute_url()}?run={first.pk}", HTTP_HX_REQUEST="true")
    html = past.content.decode()
    assert html.lstrip().startswith('<h3 class="result-title')
    assert "404 Not Found" in html and "nope" in html


def test_the_catalog_and_connector_page_show_the_last_result(upstream, carol, bob) -> None:
    connector = make_connector(base_url=upstream.url)
    action = make_action(connector)
    upstream.reply = Reply(status=503, body=b"down")
    htmx_post(client_for(bob), f"{action.get_absolute_url()}test/")
    viewer = client_for(carol)
    assert 'class="badge fail"' in viewer.get(connector.get_absolute_url()).content.decode()
    assert "503" in viewer.get("/").content.decode()
    upstream.reply = Reply(body=b"{}")
    htmx_post(client_for(bob), f"{action.get_absolute_url()}test/")
    assert 'class="badge pass"' in viewer.get("/").content.decode()


def test_generate_from_response_saves_the_inferred_schema(upstream, bob) -> None:
    upstream.reply = Reply(body=json.dumps(MODELS).encode())
    action = make_action(make_connector(base_url=upstream.url))
    client = client_for(bob)
    htmx_post(client, f"{action.get_absolute_url()}test/")
    client.post(f"{action.get_absolute_url()}schema/", {"generate": "1"})
    action.refresh_from_db()
    assert action.output_schema["type"] == "object"
    assert action.output_schema["properties"]["data"]["items"]["properties"]["id"] == {
        "type": "string"
    }
    assert "gpt-4o" not in json.dumps(action.output_schema)


def test_the_output_schema_can_be_edited_and_bad_json_is_refused(bob) -> None:
    action = make_action(make_connector())
    client = client_for(bob)
    client.post(f"{action.get_absolute_url()}schema/", {"output_schema": '{"type": "object"}'})
    action.refresh_from_db()
    assert action.output_schema == {"type": "object"}
    response = client.post(
        f"{action.get_absolute_url()}schema/", {"output_schema": "{oops"}, follow=True
    )
    assert "not valid JSON" in response.content.decode()
    action.refresh_from_db()
    assert action.output_schema == {"type": "object"}


def test_generate_without_a_run_says_what_to_do(bob) -> None:
    action = make_action(make_connector())
    response = client_for(bob).post(
        f"{action.get_absolute_url()}schema/", {"generate": "1"}, follow=True
    )
    assert "Run a Test first" in response.content.decode()


def test_a_viewer_cannot_run_a_test(carol, upstream) -> None:
    action = make_action(make_connector(base_url=upstream.url))
    assert htmx_post(client_for(carol), f"{action.get_absolute_url()}test/").status_code == 403
    assert upstream.received == []


def test_a_malformed_run_id_is_a_404_not_an_error(carol) -> None:
    action = make_action(make_connector())
    assert client_for(carol).get(f"{action.get_absolute_url()}?run=abc").status_code == 404


def test_a_generated_schema_shown_in_the_form_saves_back_unchanged(upstream, bob) -> None:
    upstream.reply = Reply(body=b'{"ok": true, "items": [{"id": 1}]}')
    action = make_action(make_connector(base_url=upstream.url))
    client = client_for(bob)
    htmx_post(client, f"{action.get_absolute_url()}test/")
    client.post(f"{action.get_absolute_url()}schema/", {"generate": "1"})
    action.refresh_from_db()
    generated = action.output_schema
    page = client.get(action.get_absolute_url())
    shown = page.content.decode().split('id="id_output_schema"')[1].split(">", 1)[1]
    shown = html.unescape(shown.split("</textarea>")[0])
    client.post(f"{action.get_absolute_url()}schema/", {"output_schema": shown})
    action.refresh_from_db()
    assert action.output_schema == generated


def test_the_panel_lists_each_check_as_passed_or_failed_in_words(upstream, bob) -> None:
    upstream.reply = Reply(body=json.dumps(MODELS).encode())
    checks = [
        {"type": "status", "op": "equals", "value": "2xx"},
        {"type": "jsonpath", "op": "equals", "path": "$.data[0].id", "value": "o1"},
    ]
    action = make_action(make_connector(base_url=upstream.url), checks=checks)
    html = htmx_post(client_for(bob), f"{action.get_absolute_url()}test/").content.decode()
    assert html.lstrip().startswith('<h3 class="result-title')  # the status still comes first
    assert "<strong>Failed</strong>: 1 of 2 checks passed" in html
    assert '<strong>Passed:</strong> <span class="mono">Status is 2xx</span>' in html
    assert '<strong>Failed:</strong> <span class="mono">$.data[0].id equals o1</span>' in html
    assert '<dd class="mono">o1</dd>' in html and '<dd class="mono">gpt-4o</dd>' in html
    runs = client_for(bob).get(f"{action.get_absolute_url()}runs/").content.decode()
    assert "200, check failed" in runs


def test_the_test_button_is_off_with_the_reason_when_the_credential_is_missing(bob) -> None:
    connector = api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}")
    action = make_action(connector)
    page = client_for(bob).get(action.get_absolute_url()).content.decode()
    assert "Credential OPENAI_API_KEY does not exist." in page
    assert '<button type="submit" class="primary" disabled aria-describedby="test-off-why">' in page
    assert 'id="test-off-why">Off until OPENAI_API_KEY exists' in page


def test_an_empty_output_schema_is_folded_and_a_set_one_is_open(bob) -> None:
    connector = make_connector("plain", base_url="https://api.example.com")
    empty = make_action(connector, "empty")
    kept = make_action(connector, "kept", output_schema={"type": "object"})
    client = client_for(bob)
    assert (
        '<details class="card" id="output-schema">'
        in client.get(empty.get_absolute_url()).content.decode()
    )
    assert (
        '<details class="card" id="output-schema" open>'
        in client.get(kept.get_absolute_url()).content.decode()
    )


def test_descriptions_render_as_sanitized_markdown_and_hints_read_an_array(bob) -> None:
    connector = make_connector(
        "plain", base_url="https://api.example.com", description="See **[docs](https://x.test)**"
    )
    action = make_action(
        connector,
        "listing",
        description="Lists <script>x</script> `things`",
        args=[{"name": "ids", "data_type": "array"}, {"name": "filter", "data_type": "object"}],
    )
    client = client_for(bob)
    page = client.get(connector.get_absolute_url()).content.decode()
    assert '<strong><a href="https://x.test" rel="noopener nofollow">docs</a></strong>' in page
    page = client.get(action.get_absolute_url()).content.decode()
    assert "<code>things</code>" in page and "<script>x" not in page
    assert "An array." in page and "An object." in page and "A array" not in page
