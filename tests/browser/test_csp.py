"""The strict Content Security Policy in a real browser: the pages and htmx work under it."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, htmx_swap
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Reply, Upstream

pytestmark = browser_db

# Runs in every document before its own scripts, and reports to Python, so nothing is lost
# when a page navigates.
LISTEN = """document.addEventListener("securitypolicyviolation", (e) => {
  window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});"""


def watch_csp(page: Page) -> list[str]:
    violations: list[str] = []
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_the_catalog_the_action_page_and_a_test_run_break_no_csp_rule(
    page: Page, live_server, logged_in, bob, upstream: Upstream, settings
) -> None:
    upstream.reply = Reply(body=json.dumps({"data": [{"id": "gpt-4o"}]}).encode())
    action = make_action(make_connector("Local", base_url=upstream.url), "list_models")
    make_connector("Weather", base_url="https://api.weather.example")
    violations = watch_csp(page)

    logged_in(page, bob)
    with htmx_swap(page):  # the search box swaps the results with htmx
        page.get_by_role("searchbox").fill("Weath")
    expect(page.locator("#results")).to_contain_text("Weather")
    expect(page.locator("#results")).not_to_contain_text("Local")

    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("[aria-live=polite]")).to_have_text(re.compile(r"^\s*200 OK"))
    expect(page.locator("[aria-live=polite]")).to_contain_text('"gpt-4o"')
    assert violations == []
    audit(page)

    # The listener hears a real violation: an inline script is refused and reported.
    page.evaluate(
        """const s = document.createElement("script");
        s.textContent = "window.__inlineRan = true";
        document.body.appendChild(s);"""
    )
    for _ in range(40):  # the report comes back as an event, a moment later
        if violations:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("window.__inlineRan") is None
    assert any("script-src" in v for v in violations)
