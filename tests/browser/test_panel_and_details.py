"""In a real browser: the Test panel's tools, row names and focus, and the smaller touches."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from connectors.catalog import history
from connectors.models import Connector, Credential, Revision
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, htmx_swap
from tests.helpers.factories import api_key_connector, make_action, make_connector
from tests.helpers.upstream import Reply, Upstream

pytestmark = browser_db

DOCUMENT = {"data": [{"id": f"model-{n}", "owned_by": "openai"} for n in range(200)]}


def test_the_test_panel_copies_switches_views_folds_and_downloads(
    page: Page, live_server, logged_in, bob, upstream: Upstream
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    upstream.reply = Reply(body=json.dumps(DOCUMENT).encode())
    action = make_action(make_connector(base_url=upstream.url))
    logged_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("#result")

    # A long JSON document opens folded; Pretty and Raw show the same body.
    expect(result.get_by_role("button", name="Collapsible")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(result.locator(".json-tree summary").first).to_contain_text("1 key")
    audit(page)
    result.get_by_role("button", name="Raw").click()
    raw = result.get_by_label("Response body, raw")
    expect(raw).to_be_visible()
    assert json.loads(raw.text_content()) == DOCUMENT
    result.get_by_role("button", name="Pretty").click()
    expect(result.get_by_label("Response body", exact=True)).to_contain_text('"model-199"')

    result.get_by_role("button", name="Copy body").click()
    expect(result.get_by_role("button", name="Copied")).to_be_visible()
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == DOCUMENT
    result.get_by_text("Request sent").click()
    result.get_by_role("button", name="Copy URL").click()
    assert page.evaluate("navigator.clipboard.readText()") == f"{upstream.url}/v1/models"
    result.get_by_text("Copy as cURL").click()
    result.get_by_role("button", name="Copy cURL").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith("curl ")

    with page.expect_download() as download:
        result.get_by_role("link", name="Download body").click()
    assert download.value.suggested_filename.endswith(".json")
    assert json.loads(Path(download.value.path()).read_text()) == DOCUMENT


def test_row_fields_have_their_own_names_and_focus_stays_in_the_table(
    page: Page, live_server, logged_in, bob
) -> None:
    make_connector("OpenAI", base_url="https://api.openai.com")
    logged_in(page, bob)
    page.goto(f"{live_server.url}/connectors/OpenAI/new-action/")
    expect(page.get_by_label("Query param 1 value")).to_be_visible()
    expect(page.get_by_label("Header 2 key")).to_be_visible()
    expect(page.get_by_label("Input arg 1 Name")).to_be_visible()
    page.get_by_role("button", name="+ Add input arg").click()
    expect(page.get_by_label("Input arg 2 Name")).to_be_focused()

    page.get_by_label("Header 1 key").fill("X-First")
    page.get_by_label("Header 2 key").fill("X-Second")
    page.get_by_role("button", name="Header 1 remove").click()
    expect(page.get_by_label("Header 1 key")).to_have_value("X-Second")
    expect(page.get_by_label("Header 1 key")).to_be_focused()

    # The URL preview follows the Path as it is typed; Method reads GET.
    page.get_by_label("Path", exact=True).fill("")
    page.get_by_label("Path", exact=True).press_sequentially("/v1/models")
    expect(page.locator("#path-preview")).to_have_text("/v1/models")
    expect(page.get_by_label("Method")).to_contain_text("GET")
    audit(page)

    # The skip link is the first stop and lands on the content.
    page.goto(f"{live_server.url}/connectors/OpenAI/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    audit(page)


def test_the_smaller_touches(page: Page, live_server, logged_in, alice) -> None:
    logged_in(page, alice)
    # An empty catalog says what to do first.
    expect(page.get_by_role("heading", name="Welcome: the catalog is empty")).to_be_visible()
    expect(page.get_by_role("link", name="Create a connector")).to_be_visible()
    expect(page.get_by_role("link", name="import a cURL command")).to_be_visible()
    expect(page.get_by_role("link", name="import a catalog file")).to_be_visible()
    audit(page)

    connector = api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}", updated_by=alice)
    history.record(connector, Revision.Event.CREATED, alice)
    connector.auth_settings = {**connector.auth_settings, "api_key_auth_type": "PARAM"}
    connector.auth_config = Connector.AuthConfig.BASIC
    connector.save()
    history.record(connector, Revision.Event.CHANGED, alice)
    page.goto(f"{live_server.url}/")
    expect(page.locator("#results")).to_contain_text("alice, just now")
    expect(page.locator("#results")).not_to_contain_text("0 minutes")

    page.goto(f"{live_server.url}/connectors/OpenAI/history/")
    changes = page.locator(".revision").first
    expect(changes).to_contain_text("Api Key Auth")
    expect(changes).to_contain_text("Header Auth")
    expect(changes).not_to_contain_text("API_KEY")
    expect(page.locator(".revision").last).to_contain_text("created by alice")
    audit(page)

    Credential.objects.create(name="OPENAI_API_KEY", sealed="x", hint="", set_by=alice)
    page.goto(f"{live_server.url}/credentials/OPENAI_API_KEY/replace/")
    expect(page.locator("form.card")).to_contain_text("OPENAI_API_KEY")
    expect(page.locator("input[name=name]")).to_have_count(0)
    audit(page)

    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200


def test_pages_are_numbered_first_neighbours_last(page: Page, live_server, logged_in, bob) -> None:
    Connector.objects.bulk_create(
        Connector(name=f"c{n:03}", base_url="https://example.com") for n in range(301)
    )
    logged_in(page, bob)
    page.goto(f"{live_server.url}/?page=4")
    pager = page.get_by_role("navigation", name="Pages")
    numbers = pager.locator("li").all_text_contents()
    assert [n.strip() for n in numbers] == ["1", "2", "3", "Page 4", "5", "6", "7"]
    audit(page)
    page.goto(f"{live_server.url}/?page=1")
    audit(page)
    assert [n.strip() for n in pager.locator("li").all_text_contents()] == [
        "Page 1",
        "2",
        "3",
        "…",
        "7",
    ]
    pager.get_by_role("link", name="Page 7").click()
    expect(page).to_have_url(re.compile(r"page=7"))
    expect(pager.locator("[aria-current=page]")).to_have_text("Page 7")
    audit(page)
