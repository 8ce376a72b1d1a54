"""Test all in Chromium: the suite page shows progress, then the table once a worker ran it,
and its JUnit link downloads the results."""

from __future__ import annotations

import io

from defusedxml import ElementTree
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser import a11y
from tests.browser.helpers import browser_db
from tests.engine.test_suites import answer_404_on_missing, shop

pytestmark = browser_db


def test_test_all_shows_progress_then_the_table_and_junit(page: Page, log_in, bob, upstream):
    shop(upstream.url)
    upstream.handler = answer_404_on_missing
    log_in(page, bob)
    page.get_by_role("link", name="Shop").click()
    page.get_by_role("button", name="Test all").click()

    expect(page.get_by_role("heading", name="Suite run")).to_be_visible()
    expect(page.get_by_text("Waiting for a worker: 3 actions to test.")).to_be_visible()
    a11y.audit(page)

    call_command("studio_worker", batch=True, stdout=io.StringIO())  # the worker takes it
    expect(page.get_by_text("Finished: 3 actions tested.")).to_be_visible(timeout=15_000)
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(4)
    expect(table.get_by_text("The API answered 404.")).to_be_visible()
    expect(page.get_by_text("first finished suite run of this scope")).to_be_visible()
    a11y.audit(page)

    href = page.get_by_role("link", name="Download JUnit XML").get_attribute("href")
    document = page.request.get(page.url.split("/suite-runs/")[0] + href)
    cases = ElementTree.fromstring(document.body()).findall("testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == ["get_pet", "list_pets", "missing"]

    table.get_by_role("link", name="Run").first.click()
    expect(page.get_by_text("200 OK")).to_be_visible()
