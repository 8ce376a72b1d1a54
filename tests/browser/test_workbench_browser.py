"""The action page as a workbench in a real browser: edit the request in place, Test what is on
the screen, keep it as a draft, Save or Discard, and read the response in the viewer."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from connectors.models import Action, ActionDraft, Revision
from tests.browser import a11y
from tests.browser.helpers import browser_db, htmx_swap
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Received, Reply, Upstream

pytestmark = browser_db


@pytest.fixture
def echo(upstream: Upstream) -> Action:
    """An action whose API answers with what it received, as JSON."""

    def answer(got: Received) -> Reply:
        said = {"method": got.method, "path": got.path, "body": got.body.decode()}
        said["tags"] = ["alpha", "beta", "alphabet"]
        cookie = "session=abcdef123456; Path=/; HttpOnly"
        headers = {"Content-Type": "application/json", "Set-Cookie": cookie}
        return Reply(headers=headers, body=json.dumps(said, indent=2).encode())

    upstream.handler = answer
    connector = make_connector("Echo", base_url=upstream.url)
    return make_action(connector, "echo", path="/v1/items")


def open_action(page: Page, log_in, user, action: Action) -> None:
    log_in(page, user)
    page.goto(page.url.rstrip("/") + action.get_absolute_url())


def press_test(page: Page) -> None:
    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()


def test_it_sends_the_request_on_the_screen_and_keeps_it_as_a_draft(
    page: Page, log_in, bob, echo: Action, upstream: Upstream
) -> None:
    open_action(page, log_in, bob, echo)
    page.get_by_label("Path", exact=True).fill("/v2/things")
    page.get_by_label("Query param 1 key").fill("limit")
    page.get_by_label("Query param 1 value").fill("5")
    press_test(page)
    expect(page.locator("#result .result-title")).to_contain_text("200 OK")
    assert upstream.last.path == "/v2/things?limit=5"
    expect(page.locator("#draft-state")).to_have_text("Unsaved changes")
    a11y.audit(page)
    run = echo.test_runs.get()
    assert run.draft["path"] == "/v2/things"
    assert Action.objects.get(pk=echo.pk).path == "/v1/items"  # not saved

    page.reload()
    expect(page.get_by_label("Path", exact=True)).to_have_value("/v2/things")
    expect(page.locator("#draft-state")).to_have_text("Unsaved changes")

    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_label("Path", exact=True)).to_have_value("/v1/items")
    expect(page.locator("#draft-state")).to_have_text("")
    assert not ActionDraft.objects.exists()


def test_it_saves_the_draft_as_a_new_version_with_history(
    page: Page, log_in, bob, echo: Action
) -> None:
    open_action(page, log_in, bob, echo)
    page.get_by_label("Method").select_option("POST")
    page.get_by_role("textbox", name="Body", exact=True).fill('{"name": "{{name}}"}')
    # {{name}} is neither an Input Arg nor a Variable: one click declares it.
    with htmx_swap(page):
        page.get_by_role("button", name="Add {{name}} as an input arg").click()
    expect(page.locator("#test-form").get_by_label("name")).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Saved action echo")
    saved = Action.objects.get(pk=echo.pk)
    assert (saved.method, saved.body, saved.version) == ("POST", '{"name": "{{name}}"}', 2)
    assert [a.name for a in saved.input_args.all()] == ["name"]
    assert Revision.objects.filter(object_id=echo.pk, event=Revision.Event.CHANGED).exists()
    assert not ActionDraft.objects.exists()


def test_it_shows_every_field_error_at_once_and_clears_the_last_result(
    page: Page, log_in, bob, echo: Action
) -> None:
    open_action(page, log_in, bob, echo)
    press_test(page)
    expect(page.locator("#result .result-title")).to_contain_text("200 OK")
    page.get_by_label("Path", exact=True).fill("/{{ghost}}")
    page.get_by_role("textbox", name="Body", exact=True).fill('{"a": ')
    page.get_by_label("Header 1 key").fill("Bad Header")
    page.get_by_label("Header 1 value").fill("x")
    press_test(page)
    result = page.locator("#result")
    expect(result).to_contain_text("Check the inputs")
    expect(result).not_to_contain_text("200 OK")
    expect(page.locator("#bench .error-summary li")).to_have_count(3)
    a11y.audit(page)


def test_it_splits_a_pasted_url_and_a_pasted_curl_command(
    page: Page, log_in, bob, echo: Action, upstream: Upstream
) -> None:
    open_action(page, log_in, bob, echo)
    path = page.get_by_label("Path", exact=True)
    path.focus()
    page.evaluate(
        """text => { const input = document.getElementById('id_path'); input.value = text;
        input.dispatchEvent(new ClipboardEvent('paste', {bubbles: true})); }""",
        f"{upstream.url}/v1/search?q=cats&page=2",
    )
    expect(page.get_by_label("Path", exact=True)).to_have_value("/v1/search")
    expect(page.get_by_label("Query param 1 key")).to_have_value("q")
    expect(page.get_by_label("Query param 2 value")).to_have_value("2")

    command = f"curl -X PUT '{upstream.url}/v1/items/7' -H 'X-Trace: on' -d 'a=1'"
    page.evaluate(
        """text => { const input = document.getElementById('id_path'); input.value = text;
        input.dispatchEvent(new ClipboardEvent('paste', {bubbles: true})); }""",
        command,
    )
    expect(page.get_by_label("Path", exact=True)).to_have_value("/v1/items/7")
    expect(page.get_by_label("Method")).to_have_value("PUT")
    expect(page.get_by_label("Header 1 key")).to_have_value("X-Trace")
    expect(page.get_by_role("textbox", name="Body", exact=True)).to_have_value("a=1")
    expect(page.locator("#bench .note").first).to_contain_text("Split the pasted cURL command")
    # Ctrl+Enter sends what the paste made.
    with htmx_swap(page):
        page.get_by_role("textbox", name="Body", exact=True).press("Control+Enter")
    expect(page.locator("#result .result-title")).to_contain_text("200 OK")
    assert (upstream.last.method, upstream.last.path, upstream.last.body) == (
        "PUT",
        "/v1/items/7",
        b"a=1",
    )


def test_it_searches_the_body_and_shows_timing_and_cookies(
    page: Page, log_in, bob, echo: Action
) -> None:
    open_action(page, log_in, bob, echo)
    press_test(page)
    search = page.get_by_role("searchbox", name="Search the body")
    search.fill("alpha")
    count = page.locator("[data-search-count]")
    expect(count).to_have_text("1 of 2 matches")
    search.press("Enter")
    expect(count).to_have_text("2 of 2 matches")
    search.press("Shift+Enter")
    expect(count).to_have_text("1 of 2 matches")
    expect(page.locator("mark.hit")).to_have_count(2)

    page.get_by_role("button", name="Raw").click()
    expect(page.get_by_role("button", name="Raw")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Pretty")).to_have_attribute("aria-pressed", "false")
    page.get_by_role("button", name="Collapsible").click()
    expect(page.locator(".json-tree .s2").first).to_be_visible()  # colours kept in the tree

    page.get_by_label("JSONPath filter").fill("$.tags[0]")
    with htmx_swap(page):
        page.get_by_role("button", name="Filter").click()
    expect(page.locator(".jsonpath-matches")).to_contain_text('"alpha"')

    timing = page.locator("details.timing")
    for phase in ("DNS lookup", "TCP connect", "Time to first byte", "Download"):
        expect(timing).to_contain_text(phase)
    page.get_by_text("Cookies (1)").click()
    cookies = page.locator("table.cookies")
    expect(cookies).to_contain_text("session")
    expect(cookies).to_contain_text("HttpOnly")
    expect(cookies).not_to_contain_text("abcdef123456")
    page.get_by_text("Copy as cURL").click()
    page.get_by_text("Python (requests)", exact=True).click()
    expect(page.locator("pre[id^=code-python]")).to_contain_text("requests.request(")
    a11y.audit(page)


def test_it_previews_html_in_a_sandbox_that_runs_no_script_and_loads_nothing(
    page: Page, log_in, bob, upstream: Upstream
) -> None:
    with Upstream() as listener:
        html = (
            f"<h1>Hello preview</h1><script>window.top.__pwned = 1;"
            f"fetch('{listener.url}/script')</script>"
            f"<img src='{listener.url}/img' alt=''><link rel=stylesheet href='{listener.url}/css'>"
        )
        upstream.reply = Reply(headers={"Content-Type": "text/html"}, body=html.encode())
        action = make_action(make_connector("Site", base_url=upstream.url), "home", path="/")
        open_action(page, log_in, bob, action)
        press_test(page)
        page.get_by_role("button", name="Preview").click()
        frame = page.frame_locator("iframe.html-preview")
        expect(frame.get_by_role("heading", name="Hello preview")).to_be_visible()
        page.wait_for_timeout(500)  # give a script or an image its chance to ask
        assert listener.received == []
        assert page.evaluate("window.__pwned") is None
        sandbox = page.locator("iframe.html-preview").get_attribute("sandbox")
        assert sandbox == ""


def test_it_shows_a_viewer_the_same_request_read_only(
    page: Page, log_in, carol, echo: Action
) -> None:
    open_action(page, log_in, carol, echo)
    expect(page.get_by_label("Path", exact=True)).to_have_value("/v1/items")
    expect(page.get_by_label("Path", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Test", exact=True)).to_have_count(0)
