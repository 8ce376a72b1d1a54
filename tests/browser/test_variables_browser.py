"""Connector Variables and the body type in a real browser: set in the connector form, used by
an action whose JSON body has no Content-Type row, Tested against a local server."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from connectors.models import Connector
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, press_test
from tests.helpers.upstream import Upstream

pytestmark = browser_db


def test_a_developer_sets_variables_and_tests_a_json_body(
    page: Page, live_server, logged_in, bob, upstream: Upstream, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    port = upstream.url.rsplit(":", 1)[1]
    logged_in(page, bob)

    page.goto(f"{live_server.url}/new/")
    page.get_by_label("Name", exact=True).fill("Workato")
    page.get_by_label("Base URL").fill("http://127.0.0.{{octet}}:" + port + "/{{tenant}}")
    expect(page.locator('label[for="id_variables_key_0"]')).to_have_text("Connector Variables")
    page.locator("#id_variables_key_0").fill("octet")
    page.locator('input[name="variables_value"]').nth(0).fill("1")
    page.locator('input[name="variables_key"]').nth(1).fill("tenant")
    page.locator('input[name="variables_value"]').nth(1).fill("mw")
    expect(page.get_by_text("Not for secrets")).to_be_visible()
    page.get_by_role("button", name="Save connector").click()
    expect(page.get_by_text("Saved connector Workato.")).to_be_visible()
    expect(page.get_by_text("octet = 1")).to_be_visible()
    expect(page.get_by_text("tenant = mw")).to_be_visible()
    audit(page)

    page.get_by_role("link", name="New action").click()
    page.locator("#id_name").fill("reverse_echo")
    page.get_by_label("Method").select_option("POST")
    page.get_by_label("Path", exact=True).fill("/echo")
    page.get_by_label("Body").fill('{"name": "{{query}}"}')
    page.locator('input[name="args-0-name"]').fill("query")
    page.locator('input[name="args-0-example_value"]').fill('Luke "Skywalker"')
    page.get_by_role("button", name="Save action").click()
    expect(page.locator("#body-note")).to_contain_text("Sent as JSON (application/json)")

    action = Connector.objects.get(name="Workato").actions.get()
    press_test(page, action)
    expect(page.locator("[aria-live=polite]")).to_have_text(re.compile(r"^\s*200 OK"))
    assert upstream.last.path == "/mw/echo"
    assert upstream.last.headers["content-type"] == "application/json"
    assert json.loads(upstream.last.body) == {"name": 'Luke "Skywalker"'}
    audit(page)
