"""Input that used to end in a server error: now a message next to the field or inline in
the Test result, with nothing saved and nothing sent."""

from __future__ import annotations

import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connectors.engine import executor, outcomes
from connectors.lib import templating
from connectors.models import Action, Connector, TestRun
from connectors.views.importing_catalog import MAX_IMPORT_BYTES
from tests.conftest import client_for
from tests.helpers.factories import action_post, api_key_connector, connector_post, make_action

pytestmark = pytest.mark.django_db

BAD_HEADERS = [
    pytest.param("X-Price", "10 €", id="euro-in-value"),
    pytest.param("X-Note", "one\ntwo", id="newline-in-value"),
    pytest.param("X-Note", "bell\x07", id="control-in-value"),
    pytest.param("X Note", "ok", id="space-in-name"),
    pytest.param("X-Nöte", "ok", id="non-ascii-name"),
    pytest.param("X:Note", "ok", id="colon-in-name"),
]


def _unchanged(model, pk: int):
    return model.objects.values().get(pk=pk)


@pytest.mark.parametrize(("name", "value"), BAD_HEADERS)
def test_an_action_header_http_cannot_carry_is_a_field_error(upstream, bob, name, value) -> None:
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    action = make_action(connector)
    before = _unchanged(Action, action.pk)
    data = action_post(headers_key=[name], headers_value=[value])
    response = client_for(bob).post(f"{action.get_absolute_url()}edit/", data)
    assert response.status_code == 200
    assert "HTTP header" in response.content.decode()
    assert _unchanged(Action, action.pk) == before


@pytest.mark.parametrize(("name", "value"), BAD_HEADERS)
def test_a_connector_header_http_cannot_carry_is_a_field_error(upstream, bob, name, value) -> None:
    data = connector_post(base_url=upstream.url, headers_key=[name], headers_value=[value])
    response = client_for(bob).post("/new/", data)
    assert response.status_code == 200
    assert "HTTP header" in response.content.decode()
    assert not Connector.objects.exists()


def test_an_api_key_http_cannot_carry_is_a_field_error_that_does_not_echo_it(bob) -> None:
    response = client_for(bob).post("/new/", connector_post(**{"auth-api_key": "sk-key€x"}))
    page = response.content.decode()
    assert response.status_code == 200 and "HTTP headers cannot carry" in page
    assert "sk-key" not in page
    assert not Connector.objects.exists()


@pytest.mark.parametrize(("name", "value"), BAD_HEADERS)
def test_a_test_whose_header_http_cannot_carry_is_an_inline_error(upstream, bob, name, value):
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    # Saved before the check existed (or by another route): the Test still refuses it.
    action = make_action(connector, headers=[{"key": name, "value": value}])
    response = client_for(bob).post(f"{action.get_absolute_url()}test/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert outcomes.title("InvalidHeader") in response.content.decode()
    assert "Nothing was sent" in response.content.decode()
    assert upstream.received == []


def test_an_input_that_puts_a_euro_in_a_header_is_an_inline_error(upstream, bob) -> None:
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    action = make_action(
        connector,
        headers=[{"key": "X-Currency", "value": "{{currency}}"}],
        args=[{"name": "currency", "required": True}],
    )
    response = client_for(bob).post(
        f"{action.get_absolute_url()}test/", {"currency": "€"}, HTTP_HX_REQUEST="true"
    )
    assert outcomes.title("InvalidHeader") in response.content.decode()
    assert upstream.received == []


def test_an_api_key_with_a_euro_stored_earlier_fails_the_test_inline_without_echo(upstream, bob):
    connector = api_key_connector(upstream.url, "sk-secret€-value-1")
    run = executor.run(make_action(connector), {}, bob)
    assert run.error_kind == "InvalidHeader" and "Nothing was sent" in run.error_message
    assert "sk-secret" not in run.error_message and "(“€”)" not in run.error_message
    assert upstream.received == []


DEEP = "{{#a}}" * 200 + "x" + "{{/a}}" * 200


def test_sections_nested_too_deeply_are_a_field_error(upstream, bob) -> None:
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    action = make_action(connector)
    before = _unchanged(Action, action.pk)
    data = action_post(args=[{"name": "a"}], body=DEEP)
    response = client_for(bob).post(f"{action.get_absolute_url()}edit/", data)
    assert response.status_code == 200
    assert f"nested more than {templating.MAX_SECTION_DEPTH} deep" in response.content.decode()
    assert _unchanged(Action, action.pk) == before


def test_sections_nested_too_deeply_stop_a_test_inline(upstream, bob) -> None:
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    action = make_action(connector, body=DEEP, args=[{"name": "a"}])
    response = client_for(bob).post(
        f"{action.get_absolute_url()}test/", {"a": "1"}, HTTP_HX_REQUEST="true"
    )
    assert outcomes.title("ConstructError") in response.content.decode()
    assert "nested more than" in response.content.decode()
    assert upstream.received == []


def test_a_catalog_with_a_number_of_thousands_of_digits_says_so(alice) -> None:
    document = '{"format": "connector-studio", "version": 1, "n": ' + "9" * 5000 + "}"
    response = client_for(alice).post(reverse("catalog_import"), {"text": document})
    assert response.status_code == 400
    assert "thousands of digits" in response.content.decode()
    assert not Connector.objects.exists()


def test_a_catalog_file_over_the_size_limit_says_so(alice) -> None:
    upload = SimpleUploadedFile("catalog.json", b" " * (MAX_IMPORT_BYTES + 1))
    response = client_for(alice).post(reverse("catalog_import"), {"file": upload})
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()


def test_a_json_body_with_a_number_of_thousands_of_digits_is_a_field_error(bob) -> None:
    connector = api_key_connector("https://api.example.com", "sk-test-key-000001")
    action = make_action(connector)
    before = _unchanged(Action, action.pk)
    data = action_post(
        body='{"n": ' + "9" * 5000 + "}",
        headers_key=["Content-Type"],
        headers_value=["application/json"],
    )
    response = client_for(bob).post(f"{action.get_absolute_url()}edit/", data)
    assert response.status_code == 200
    assert "a number with thousands of digits" in response.content.decode()
    assert _unchanged(Action, action.pk) == before


@pytest.mark.parametrize("port", ["99999999999", "65536"])
def test_a_curl_command_whose_port_is_out_of_range_is_a_field_error(bob, port) -> None:
    command = f"curl 'https://api.example.com:{port}/v1/models'"
    response = client_for(bob).post(reverse("curl_import"), {"command": command})
    assert response.status_code == 200
    assert "its port is not a number from 1 to 65535" in response.content.decode()
    assert not Connector.objects.exists() and not Action.objects.exists()


# --- bounded requests ----------------------------------------------------------------------------


def test_a_body_over_the_request_limit_is_refused_before_sending(upstream, bob, settings) -> None:
    settings.STUDIO_MAX_REQUEST_BYTES = 10_000
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    action = make_action(connector, method="POST", body="{{{text}}}" * 10, args=[{"name": "text"}])
    response = client_for(bob).post(
        f"{action.get_absolute_url()}test/", {"text": "x" * 2000}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert outcomes.title("RequestTooLarge") in page and "STUDIO_MAX_REQUEST_BYTES" in page
    assert "Nothing was sent" in page
    assert upstream.received == []
    assert TestRun.objects.get().request_body == ""


def test_a_body_of_multibyte_characters_is_measured_in_bytes(upstream, bob, settings) -> None:
    settings.STUDIO_MAX_REQUEST_BYTES = 3000
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    action = make_action(connector, method="POST", body="{{{text}}}", args=[{"name": "text"}])
    run = executor.run(action, {"text": "€" * 1500}, bob)  # 1,500 characters, 4,500 bytes
    assert run.error_kind == "RequestTooLarge"
    assert upstream.received == []


def test_rendering_stops_at_the_limit_instead_of_building_the_whole_text() -> None:
    template = "{{{text}}}" * 100_000  # with 2,000 characters: 200 MB if built whole
    tracemalloc.start()
    with pytest.raises(templating.RenderTooLarge):
        templating.render(template, {"text": "x" * 2000}, limit=1024 * 1024)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_a_large_request_body_is_stored_capped_with_its_curl_copy(upstream, bob, settings):
    settings.STUDIO_DISPLAY_BYTES = 1000
    connector = api_key_connector(upstream.url, "sk-test-key-000001")
    action = make_action(
        connector,
        method="POST",
        body='{"text": "{{text}}"}',
        headers=[{"key": "Content-Type", "value": "application/json"}],
        args=[{"name": "text"}],
    )
    run = executor.run(action, {"text": "y" * 5000}, bob)
    assert run.status == 200
    assert len(upstream.last.body) == 5000 + len('{"text": ""}')  # sent whole
    assert run.request_body.startswith('{"text": "yyy') and "truncated" in run.request_body
    assert len(run.request_body) < 1200
    assert len(run.request_curl) < 2000 and "truncated" in run.request_curl
    page = client_for(bob).get(f"{action.get_absolute_url()}?run={run.pk}").content.decode()
    assert "the body sent was" in page


# A bad state in an import view (a sealed command that no key opens, a preview that is gone, a
# document that is not there, a URL nothing answers): a sentence on the page, and its form back.
IMPORT_BAD_STATES = [
    pytest.param(
        "/import-curl/",
        {"command": "curl https://api.example.com/x", "sealed": "not-sealed", "create": "1"},
        id="curl-unreadable-sealed-command",
    ),
    pytest.param("/import/apply/", {}, id="catalog-apply-without-document"),
    pytest.param("/import/apply/", {"document": "{}"}, id="catalog-apply-not-a-catalog"),
    pytest.param("/import-api/", {"token": "x" * 100, "create": "1"}, id="api-preview-gone"),
    pytest.param("/import-api/", {"url": "http://127.0.0.1:9/x.yaml"}, id="api-url-unreachable"),
    pytest.param("/import-api/", {"url": "ftp://x.test/a"}, id="api-url-not-http"),
]


@pytest.mark.parametrize(("url", "data"), IMPORT_BAD_STATES)
def test_an_import_view_answers_a_bad_state_with_a_sentence(alice, url, data) -> None:
    response = client_for(alice).post(url, data)
    assert 200 <= response.status_code < 500
    assert "<form" in response.content.decode() or response.status_code == 302
    assert not Connector.objects.exists()
