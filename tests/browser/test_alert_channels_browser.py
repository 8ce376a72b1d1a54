"""The Alert channels page in a real browser: create, a field error, a test alert inline, axe."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.browser.a11y import audit
from tests.browser.helpers import browser_db
from tests.helpers.upstream import Upstream

pytestmark = browser_db


def test_an_admin_creates_a_channel_and_sends_a_test_alert(
    page: Page, live_server, log_in, alice, upstream: Upstream
) -> None:
    log_in(page, alice)
    page.get_by_role("link", name="Alert channels").click()
    expect(page.get_by_role("heading", name="Alert channels")).to_be_visible()
    audit(page)

    # A URL parsers read differently: an error next to the field, the URL not shown back.
    page.get_by_label("Name").fill("Ops hook")
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("Target").fill("https://hooks.example.com\\@evil.example/tokenXYZ1")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("#id_target_error")).to_contain_text("backslash")
    expect(page.get_by_label("Target")).to_have_value("")
    audit(page)

    page.get_by_label("Target").fill(f"{upstream.url}/hooks/tokenXYZ1")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_text("Created alert channel Ops hook.")).to_be_visible()
    row = page.locator("tr", has_text="Ops hook")
    expect(row).to_contain_text("…XYZ1")
    assert "tokenXYZ1" not in page.content()

    row.get_by_role("button", name="Send a test alert").click()
    result = row.locator("[aria-live=polite]")
    expect(result).to_contain_text("Test alert delivered: 200 OK")
    assert page.url.endswith("/alert-channels/")  # in place, without a reload
    assert json.loads(upstream.last.body)["state"] == "test"
    audit(page)

    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Deleted alert channel Ops hook.")).to_be_visible()
    expect(page.get_by_text("No alert channels yet.")).to_be_visible()
