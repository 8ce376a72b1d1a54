"""The Django admin in a real browser: axe-clean change forms and lists, nothing cut off."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.a11y import audit
from tests.browser.helpers import browser_db
from tests.helpers.factories import api_key_connector, make_action, make_connector

pytestmark = browser_db


def test_the_admin_change_forms_and_lists_pass_axe_and_fit_1280_px(
    page: Page, live_server, logged_in, alice
) -> None:
    connector = api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}")
    action = make_action(connector, args=[{"name": "limit", "data_type": "number"}])
    long_url = "https://" + "very-long-subdomain-name." * 6 + "example.com"
    make_connector(
        "Long_base_url", display_name="A connector with a long Base URL", base_url=long_url
    )
    logged_in(page, alice)
    for path in [
        "/admin/",
        "/admin/connectors/connector/",
        f"/admin/connectors/connector/{connector.pk}/change/",
        "/admin/connectors/action/",
        f"/admin/connectors/action/{action.pk}/change/",
        "/admin/connectors/credential/",
        "/admin/connectors/testrun/",
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        audit(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{path} is {width} px wide"
        # A list's columns all show: the results box is not wider inside than it is.
        clipped = page.evaluate(
            "(() => { const r = document.querySelector('#changelist .results');"
            " return r ? r.scrollWidth - r.clientWidth : 0; })()"
        )
        assert clipped <= 0, f"{path} cuts {clipped} px of its list off"
