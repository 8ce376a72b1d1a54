"""A Developer moves a connector to another host in a real browser: the form warns beforehand,
the save says which secret must be entered again, and the Test that follows sends nothing."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.a11y import audit
from tests.browser.helpers import browser_db
from tests.helpers.factories import api_key_connector, make_action
from tests.helpers.upstream import Upstream

pytestmark = browser_db

KEY = "sk-browser-canary-0123456789"


def test_moving_the_base_url_retires_the_key_and_the_test_sends_nothing(
    page: Page, live_server, logged_in, bob, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    with Upstream() as api, Upstream() as evil:
        make_action(api_key_connector(api.url, KEY, name="Team"), "ping", path="/ping")
        logged_in(page, bob)
        page.goto(f"{live_server.url}/connectors/Team/edit/")
        expect(page.get_by_text("Changing its host clears the Api Key")).to_be_visible()
        page.get_by_label("Base URL").fill(evil.url)
        page.get_by_role("button", name="Save connector").click()
        old, new = api.url.removeprefix("http://"), evil.url.removeprefix("http://")
        moved = f"The Base URL's host changed from {old} to {new}: enter the Api Key again."
        # Warned before the save, then saved on "Save and clear them".
        expect(page.locator("#origin-warning").get_by_text(moved)).to_be_visible()
        page.get_by_role("button", name="Save and clear them").click()
        expect(page.get_by_text(moved)).to_be_visible()
        audit(page)

        page.goto(f"{live_server.url}/connectors/Team/actions/ping/")
        page.get_by_role("button", name="Test", exact=True).click()
        expect(page.get_by_text("The Api Key of connector Team is not set")).to_be_visible()
        assert evil.received == []
        assert KEY not in page.content()
        audit(page)
