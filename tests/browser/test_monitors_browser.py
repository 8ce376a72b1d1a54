"""Monitors in a real browser: create with every field error at once, the monitor page's SVG
charts and runs, pause and resume; axe on each page, no CSP violation."""

from __future__ import annotations

import io

from django.core.management import call_command
from playwright.sync_api import Page, expect

from connectors.engine import monitor_runs
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Upstream

pytestmark = browser_db


def test_a_developer_creates_a_monitor_and_reads_its_page(
    page: Page, live_server, log_in, bob, upstream: Upstream
) -> None:
    connector = make_connector("Shop", base_url=upstream.url)
    make_action(connector, "list_pets", path="/pets")
    log_in(page, bob)
    page.get_by_role("link", name="Monitors").click()
    expect(page.get_by_role("heading", name="Monitors")).to_be_visible()
    audit(page)

    page.get_by_role("link", name="New monitor").click()
    page.get_by_label("Name").fill("Shop watch")
    page.get_by_label("Connector").select_option("Shop")
    page.get_by_label("Every (minutes)").fill("")
    page.get_by_label("Cron").fill("61 * * * *")
    page.get_by_label("Inputs").fill("{oops")
    page.get_by_role("button", name="Create monitor").click()
    expect(page.locator("#id_cron_error")).to_contain_text("cannot be read")
    expect(page.locator("#id_inputs_error")).to_contain_text("not JSON")
    audit(page)

    page.get_by_label("Cron").fill("")
    page.get_by_label("Inputs").fill("")
    page.get_by_label("Every (minutes)").fill("5")
    page.get_by_role("button", name="Create monitor").click()
    expect(page.get_by_text("Created monitor Shop watch: every 5 minutes.")).to_be_visible()

    monitor_runs.tick()  # the worker's tick and the worker, as `make run` runs them
    call_command("studio_worker", batch=True, stdout=io.StringIO())
    page.reload()
    expect(page.get_by_role("heading", name="Shop watch")).to_contain_text("passing")
    expect(page.get_by_role("img", name="Uptime, last 30 days")).to_be_visible()
    expect(page.get_by_role("img", name="Response time, last 1 run")).to_be_visible()
    expect(page.get_by_role("region", name="Runs")).to_contain_text("passed")
    audit(page)

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused monitor Shop watch.")).to_be_visible()
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_text("Resumed monitor Shop watch.")).to_be_visible()

    page.get_by_role("link", name="Catalog").first.click()
    expect(page.get_by_role("link", name="monitor passing")).to_be_visible()
    audit(page)


def test_a_monitors_history_and_undoing_its_deletion(
    page: Page, live_server, logged_in, alice
) -> None:
    connector = make_connector("Shop", base_url="https://shop.example.com")
    make_action(connector, "list_pets", path="/pets")
    logged_in(page, alice)
    page.goto(f"{live_server.url}/monitors/new/")
    page.get_by_label("Name").fill("Shop watch")
    page.get_by_label("Connector").select_option("Shop")
    page.get_by_role("button", name="Create monitor").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Alert after").fill("4")
    page.get_by_role("button", name="Save monitor").click()
    page.get_by_role("button", name="Pause").click()

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History of monitor Shop watch")).to_be_visible()
    expect(page.locator(".revision").first).to_contain_text("Paused")
    expect(page.locator(".revision").nth(1)).to_contain_text("Alert after")
    audit(page)

    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    page.goto(f"{live_server.url}/history/deleted/")
    expect(page.locator("tr", has_text="Shop watch")).to_contain_text("Monitor")
    audit(page)
    page.get_by_role("button", name="Undo the deletion of Shop watch").click()
    expect(page.get_by_text("Brought back monitor Shop watch.")).to_be_visible()
    expect(page.get_by_role("heading", name="Shop watch")).to_contain_text("paused")
