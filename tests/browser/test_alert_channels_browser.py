"""The Alert channels pages in a real browser: create, a field error, a test alert inline; the
edit page (the target never shown back) and the channel's history; axe on each."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from connectors.catalog import history
from connectors.models import Revision
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db
from tests.helpers.factories import make_channel
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


def test_an_admin_edits_a_channel_tests_it_and_reads_its_history(
    page: Page, live_server, logged_in, alice, upstream: Upstream
) -> None:
    channel = make_channel("slack", f"{upstream.url}/hooks/tokenABC9", name="Ops Slack")
    history.record(channel, Revision.Event.CREATED, alice)
    logged_in(page, alice)
    page.goto(f"{live_server.url}/alert-channels/")
    page.locator("tr", has_text="Ops Slack").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit alert channel Ops Slack")).to_be_visible()
    expect(page.get_by_label("Target")).to_have_value("")  # never echoed back
    expect(page.locator("#target-now")).to_contain_text("…ABC9")
    assert "tokenABC9" not in page.content()
    audit(page)

    # Errors next to their fields; the typed URL is not shown back.
    page.get_by_label("Name").fill("")
    page.get_by_label("Target").fill("https://hooks.example.com\\@evil.example/tokenNEW7")
    page.get_by_role("button", name="Save channel").click()
    expect(page.locator("#id_name_error")).to_be_visible()
    expect(page.locator("#id_target_error")).to_contain_text("backslash")
    expect(page.get_by_label("Target")).to_have_value("")
    assert "tokenNEW7" not in page.content()
    audit(page)

    # The test alert, in place, from the edit page.
    page.get_by_role("button", name="Send a test alert").click()
    expect(page.locator(f"#delivery-{channel.pk}")).to_contain_text("Test alert delivered: 200 OK")
    assert "blocks" in json.loads(upstream.last.body)  # Slack's shape
    audit(page)

    # Blank keeps the URL; the new name is saved and recorded.
    page.get_by_label("Name").fill("Ops alerts")
    page.get_by_label("Target").fill("")
    page.get_by_role("button", name="Save channel").click()
    expect(page.get_by_text("Saved alert channel Ops alerts.")).to_be_visible()
    expect(page.locator("tr", has_text="Ops alerts")).to_contain_text("…ABC9")
    audit(page)

    page.locator("tr", has_text="Ops alerts").get_by_role("link", name="Edit").click()
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History of alert channel Ops alerts")).to_be_visible()
    expect(page.locator("table.changes").first).to_contain_text("Ops alerts")
    assert "tokenABC9" not in page.content()
    audit(page)
