"""In a real browser: history that matches the page, nothing typed lost, a phone's width."""

from __future__ import annotations

import json
import re
import socket
import time

from playwright.sync_api import Page, expect

from connectors.models import Connector, Credential, TestRun
from connectors.secrets import sealing
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, htmx_swap, screenshot
from tests.helpers.factories import api_key_connector, make_action, make_connector, make_credential
from tests.helpers.upstream import Received, Reply, Upstream

pytestmark = browser_db

CANARY = "sk-kept-canary-9f8e7d6c5b4a"


def test_back_and_forward_restore_the_catalogs_controls_and_rows_together(
    page: Page, live_server, logged_in, bob
) -> None:
    make_connector("Slack", base_url="https://slack.com/api", auth_config="BEARER")
    make_connector("Jira", base_url="https://example.atlassian.net")
    make_connector("OpenAI", auth_config="API_KEY")
    logged_in(page, bob)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    audit(page)

    with htmx_swap(page):
        page.get_by_label("Auth Config").select_option("API_KEY")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"\?auth=API_KEY$"))
    audit(page)

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_label("Auth Config")).to_have_value("")
    expect(rows).to_have_count(3)
    page.go_forward()
    expect(page.get_by_label("Auth Config")).to_have_value("API_KEY")
    expect(rows).to_have_count(1)

    # Typing makes one history entry, however many keystrokes reach the server.
    page.goto(f"{live_server.url}/")
    before = page.evaluate("history.length")
    search = page.get_by_role("searchbox", name="Search connectors")
    for letter in "slack":
        with htmx_swap(page):
            search.press(letter)
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"\?q=slack$"))
    assert page.evaluate("history.length") == before + 1
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(search).to_have_value("")
    expect(rows).to_have_count(3)
    page.go_forward()
    expect(search).to_have_value("slack")
    expect(rows).to_have_count(1)


def test_a_test_result_has_its_own_url_and_survives_reload_back_forward_and_schema_errors(
    page: Page, live_server, logged_in, bob, upstream: Upstream
) -> None:
    upstream.reply = Reply(body=json.dumps({"data": [{"id": "gpt-4o"}]}).encode())
    action = make_action(make_connector(base_url=upstream.url))
    logged_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    result = page.locator("#result")
    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()
    run = TestRun.objects.get()
    expect(page).to_have_url(re.compile(rf"\?run={run.pk}$"))
    expect(result.locator(".result-title")).to_be_focused()
    expect(result).to_contain_text("200 OK")
    audit(page)

    page.reload()
    expect(result).to_contain_text("200 OK")
    page.go_back()
    expect(result).to_contain_text("Press Test")
    page.go_forward()
    expect(result).to_contain_text("200 OK")

    # An invalid schema keeps the typed text, says why next to it, and keeps the result.
    page.locator("#output-schema summary").click()  # folded while empty
    page.get_by_label("Output Schema (JSON Schema)").fill('{"type": "object",')
    page.get_by_role("button", name="Save schema").click()
    expect(page.get_by_label("Output Schema (JSON Schema)")).to_have_value('{"type": "object",')
    expect(page.locator("#id_output_schema_error")).to_contain_text("not valid JSON")
    expect(result).to_contain_text("200 OK")
    audit(page)
    page.get_by_label("Output Schema (JSON Schema)").fill('{"type": "object"}')
    page.get_by_role("button", name="Save schema").click()
    expect(page.get_by_text("Saved the output schema.")).to_be_visible()
    expect(result).to_contain_text("200 OK")


def test_a_secret_typed_into_a_failed_form_is_kept_server_side_and_never_shown(
    page: Page, live_server, logged_in, bob
) -> None:
    logged_in(page, bob)
    page.goto(f"{live_server.url}/new/")
    page.get_by_label("Name", exact=True).fill("1bad name")
    page.get_by_label("Base URL").fill("https://api.openai.com")
    with htmx_swap(page):
        page.get_by_label("Auth Config").select_option("API_KEY")
    page.get_by_label("Api Key", exact=True).fill(CANARY)
    page.get_by_role("button", name="Save connector").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("^Name:"))).to_have_attribute(
        "href", "#id_name"
    )
    expect(page.get_by_label("Base URL")).to_have_value("https://api.openai.com")
    expect(page.get_by_text("Kept, not shown")).to_be_visible()
    screenshot(page, "form-errors.png")
    assert CANARY not in page.content()
    assert CANARY[-4:] not in page.content()
    audit(page)

    page.get_by_label("Name", exact=True).fill("OpenAI")
    page.get_by_role("button", name="Save connector").click()
    expect(page.get_by_text("Saved connector OpenAI.")).to_be_visible()
    audit(page)
    connector = Connector.objects.get(name="OpenAI")
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == CANARY


def test_a_missing_credential_is_flagged_and_creating_it_comes_back(
    page: Page, live_server, logged_in, alice
) -> None:
    connector = api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}")
    make_action(connector)
    logged_in(page, alice)
    page.goto(f"{live_server.url}/connectors/OpenAI/")
    warning = page.locator(".warn-box")
    expect(warning).to_contain_text("Credential OPENAI_API_KEY does not exist.")
    audit(page)
    warning.get_by_role("link", name="Create credential OPENAI_API_KEY").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("OPENAI_API_KEY")
    page.get_by_label("Value").fill("sk-created-here-1234567890")
    page.get_by_role("button", name="Save credential").click()
    expect(page).to_have_url(f"{live_server.url}/connectors/OpenAI/")
    expect(page.locator(".warn-box")).to_have_count(0)
    assert Credential.objects.filter(name="OPENAI_API_KEY").exists()

    # The edit form offers the credential by name, in plain text, not in a masked field.
    page.goto(f"{live_server.url}/connectors/OpenAI/edit/")
    expect(page.get_by_role("radio", name="Team credential")).to_be_checked()
    expect(page.get_by_label("Team credential for this field")).to_have_value("OPENAI_API_KEY")
    expect(page.get_by_label("Api Key", exact=True)).to_be_hidden()  # one of the two at a time
    audit(page)
    page.get_by_role("radio", name="Value").check()
    expect(page.get_by_label("Api Key", exact=True)).to_be_visible()
    expect(page.get_by_label("Team credential for this field")).to_be_hidden()


def test_a_test_input_is_checked_against_its_data_type_and_nothing_is_sent(
    page: Page, live_server, logged_in, bob, upstream: Upstream
) -> None:
    action = make_action(
        make_connector(base_url=upstream.url),
        method="POST",
        body='{"count": {{{count}}}}',
        headers=[{"key": "Content-Type", "value": "application/json"}],
        args=[{"name": "count", "data_type": "number", "required": True, "example_value": "2"}],
    )
    logged_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    page.get_by_label("count").fill("abc")
    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#test-form")).to_contain_text("“abc” is not a number")
    expect(page.get_by_label("count")).to_be_focused()
    audit(page)
    page.get_by_label("count").fill("")
    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#test-form")).to_contain_text("Enter count: it is required.")
    assert upstream.received == [] and not TestRun.objects.exists()


def test_cancel_stops_a_waiting_test_on_the_server(
    page: Page, live_server, logged_in, bob, upstream: Upstream
) -> None:
    def hang(sock: socket.socket, got: Received) -> None:
        time.sleep(8)  # longer than the test waits: only Cancel can end it early

    upstream.raw = hang
    action = make_action(make_connector(base_url=upstream.url, timeout_seconds=30))
    logged_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    started = time.monotonic()
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("[data-elapsed]")).to_have_text(re.compile(r"^0\.[1-9] s|^[1-9]"))
    with htmx_swap(page):
        page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#result .result-title")).to_have_text("Cancelled")
    assert time.monotonic() - started < 6
    assert TestRun.objects.get().error_kind == "Cancelled"
    audit(page)


PHONE = {"width": 390, "height": 844}


def test_every_page_fits_a_390_px_phone(
    page: Page, live_server, logged_in, alice, upstream
) -> None:
    connector = api_key_connector(upstream.url, "{{OPENAI_API_KEY}}")
    make_credential("OPENAI_API_KEY", "sk-phone-0000")  # else Test is off, the page says why
    action = make_action(
        connector,
        query_params=[{"key": "limit", "value": "{{limit}}"}],
        args=[{"name": "limit", "data_type": "number", "example_value": "5"}],
    )
    logged_in(page, alice)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()
    screenshot(page, "phone-test-panel.png")
    paths = [
        "/",
        "/?q=nothing-matches",
        "/new/",
        connector.get_absolute_url(),
        f"{connector.get_absolute_url()}edit/",
        f"{connector.get_absolute_url()}history/",
        f"{connector.get_absolute_url()}new-action/",
        action.get_absolute_url(),
        f"{action.get_absolute_url()}?run={TestRun.objects.get().pk}",
        f"{action.get_absolute_url()}edit/",
        f"{action.get_absolute_url()}delete/",
        "/credentials/",
        "/credentials/new/",
        "/import-curl/",
        "/import/",
        "/history/deleted/",
    ]
    too_wide = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        audit(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}
