"""Test in a real browser: the walkthrough's list_models against a local stand-in for OpenAI."""

from __future__ import annotations

import json
import re
import socket

import pytest
from playwright.sync_api import Page, Request, expect

from connectors.models import Action
from tests.browser.a11y import audit
from tests.browser.helpers import (
    browser_db,
    mark_page,
    page_was_not_reloaded,
    press_test,
    screenshot,
)
from tests.helpers.factories import api_key_connector, make_action, make_connector
from tests.helpers.upstream import Received, Reply, Upstream

pytestmark = browser_db

API_KEY = "sk-test-1234567890abcd"
MODELS = {
    "object": "list",
    "data": [{"id": "gpt-4o", "object": "model"}, {"id": "o3-mini", "object": "model"}],
}
HOSTILE = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    '<a hx-get="/admin/">x</a>',
    '<div hx-on:click="window.__pwned=3">click me</div>',
    "javascript:window.__pwned=4",
]
# What each payload shows as text, in HTML and inside a JSON string (where " becomes \").
HOSTILE_SHOWN = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=",
    "<a hx-get=",
    "<div hx-on:click=",
    "javascript:window.__pwned=4",
]


def openai_stand_in(got: Received) -> Reply:
    """Answers GET /v1/models as OpenAI does, and only with the right key."""
    if got.headers.get("authorization") != f"Bearer {API_KEY}":
        error = {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}
        return Reply(status=401, body=json.dumps(error).encode())
    return Reply(body=json.dumps(MODELS).encode())


@pytest.fixture
def list_models(upstream: Upstream, settings) -> Action:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    upstream.handler = openai_stand_in
    return make_action(api_key_connector(upstream.url, API_KEY), "list_models", path="/v1/models")


def test_it_runs_list_models_and_shows_the_models_inline(
    page: Page, live_server, logged_in, bob, upstream: Upstream, list_models: Action
) -> None:
    logged_in(page, bob)
    page.goto(f"{live_server.url}{list_models.get_absolute_url()}")
    mark_page(page)
    press_test(page, list_models)

    result = page.locator("[aria-live=polite]")
    expect(result).to_have_text(re.compile(r"^\s*200 OK"))
    expect(result).to_contain_text('"gpt-4o"')
    expect(result).to_contain_text('"o3-mini"')
    assert page_was_not_reloaded(page)
    assert upstream.last.method == "GET"
    assert upstream.last.path == "/v1/models"
    assert upstream.last.headers["authorization"] == f"Bearer {API_KEY}"

    result.get_by_text("Request sent").click()
    expect(result.get_by_role("row", name="Authorization")).to_contain_text("Bearer ••••abcd")
    expect(result).to_contain_text(f"GET {upstream.url}/v1/models")
    result.get_by_text("Copy as cURL").click()
    expect(result).to_contain_text("Authorization: Bearer $API_KEY")
    assert API_KEY not in page.content()
    expect(page.locator("#runs")).to_contain_text("200")
    screenshot(page, "test-panel.png")
    audit(page)


def test_it_shows_an_upstream_refusal_inline(
    page: Page, live_server, logged_in, bob, upstream: Upstream, list_models: Action
) -> None:
    upstream.handler = lambda got: openai_stand_in(
        Received(got.method, got.path, {**got.headers, "authorization": "Bearer wrong"}, got.body)
    )
    logged_in(page, bob)
    page.goto(f"{live_server.url}{list_models.get_absolute_url()}")
    press_test(page, list_models)
    result = page.locator("[aria-live=polite]")
    expect(result).to_have_text(re.compile(r"^\s*401 Unauthorized"))
    expect(result).to_contain_text("Incorrect API key provided")
    audit(page)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html; charset=utf-8", "\n".join(HOSTILE).encode()),
        ("application/json", json.dumps({"payloads": HOSTILE, "html": "".join(HOSTILE)}).encode()),
    ],
    ids=["html", "json"],
)
def test_it_shows_a_hostile_body_as_text_that_runs_nothing(
    page: Page,
    live_server,
    logged_in,
    bob,
    upstream: Upstream,
    list_models: Action,
    content_type: str,
    body: bytes,
) -> None:
    upstream.handler = lambda got: Reply(headers={"Content-Type": content_type}, body=body)
    admin_requests: list[str] = []

    def record(request: Request) -> None:
        if "/admin" in request.url:
            admin_requests.append(request.url)

    page.on("request", record)
    logged_in(page, bob)
    page.goto(f"{live_server.url}{list_models.get_absolute_url()}")
    press_test(page, list_models)

    result = page.locator("[aria-live=polite]")
    expect(result).to_have_text(re.compile(r"^\s*200 OK"))
    for shown in HOSTILE_SHOWN:
        expect(result.get_by_text(shown).first).to_be_visible()
    shown_body = result.locator("pre.body")
    expect(shown_body.locator("script, img, a, [hx-get], [hx-on\\:click]")).to_have_count(0)

    shown_body.click()
    result.get_by_text("<a hx-get=").first.click()
    result.get_by_text("click me").first.click()
    result.get_by_text("javascript:window.__pwned=4").first.click()
    # A request a click set off would be sent before this second Test's.
    press_test(page, list_models)
    expect(result).to_have_text(re.compile(r"^\s*200 OK"))
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert admin_requests == []
    audit(page)


def test_it_shows_a_connection_failure_inline_with_a_sentence(
    page: Page, live_server, logged_in, bob, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    connector = make_connector("Closed", base_url=f"http://127.0.0.1:{closed_port}")
    action = make_action(connector, "list_models", path="/v1/models")

    logged_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    mark_page(page)
    press_test(page, action)

    result = page.locator("[aria-live=polite]")
    expect(result).to_have_text(re.compile(r"^\s*Could not connect"))
    # The error's name, then a plain sentence saying what happened.
    expect(result.locator(".result-title")).to_have_text("Could not connect")
    expect(result.locator(".error-sentence")).to_have_text(re.compile(r"^\w.+[.?]$"))
    expect(result).to_contain_text("Nothing was sent.")
    expect(result).not_to_contain_text("Request sent")
    assert page_was_not_reloaded(page)
    audit(page)
