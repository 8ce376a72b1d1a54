"""Checks in a real browser: a Developer adds one in the action form, presses Test, and the
panel says, in words, which check failed with what was expected and what came back."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.browser import a11y
from tests.browser.helpers import browser_db, htmx_swap
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Reply, Upstream

pytestmark = browser_db


def test_a_developer_adds_a_check_and_sees_it_fail_in_the_test_panel(
    page: Page, live_server, log_in, bob, upstream: Upstream, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    upstream.reply = Reply(body=json.dumps({"data": [{"id": "gpt-4o"}]}).encode())
    action = make_action(make_connector(base_url=upstream.url), "list_models")
    log_in(page, bob)
    page.goto(f"{live_server.url}{action.get_absolute_url()}edit/")
    a11y.audit(page)

    page.get_by_role("button", name="+ Add check").click()  # a second row
    page.get_by_label("Check 1 Type").select_option("jsonpath")
    page.get_by_label("Check 1 JSONPath or header").fill("$.data[0].id")
    page.get_by_label("Check 1 Op").select_option("equals")
    page.get_by_label("Check 1 Value").fill("o3-mini")
    page.get_by_label("Check 2 Type").select_option("header")  # no name: refused
    page.get_by_role("button", name="Save action").click()
    expect(page.locator("#id_checks-1-target_error")).to_contain_text("Name the response header")
    a11y.audit(page)

    page.get_by_label("Check 2 Remove").check()
    page.get_by_role("button", name="Save action").click()
    expect(page.locator("#action-checks")).to_contain_text("$.data[0].id equals o3-mini")

    with htmx_swap(page):
        page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("[aria-live=polite]")
    expect(result).to_have_text(re.compile(r"^\s*200 OK"))
    expect(result).to_contain_text("Failed: 0 of 1 check passed")
    line = result.locator("li.check")
    expect(line).to_contain_text("Failed: $.data[0].id equals o3-mini")
    expect(line.locator("dd").first).to_have_text("o3-mini")
    expect(line.locator("dd").last).to_have_text("gpt-4o")
    expect(page.locator("#runs")).to_contain_text("200, check failed")
    a11y.audit(page)
