"""A Developer creates a personal API token in a real browser, uses it against the API, and
revokes it; the page and its states pass axe."""

from __future__ import annotations

import requests
from playwright.sync_api import Page, expect

from tests.browser import a11y
from tests.browser.helpers import browser_db
from tests.helpers.factories import make_connector

pytestmark = browser_db


def test_a_token_is_created_shown_once_used_and_revoked(
    page: Page, live_server, log_in, bob
) -> None:
    make_connector("Weather")
    log_in(page, bob)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Enter a name: it tells your tokens apart.").first).to_be_visible()
    a11y.audit(page)

    page.get_by_label("Name").fill("CI pipeline")
    page.get_by_label("Expiry").select_option(label="30 days")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now: it is shown only this once.")).to_be_visible()
    token = page.get_by_label("Your new token").input_value()
    assert token.startswith("cst_")
    a11y.audit(page)

    api = f"{live_server.url}/api/v1/connectors"
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(api, headers=headers, timeout=10).json()["count"] == 1

    page.goto(f"{live_server.url}/account/tokens/")
    assert token not in page.content()
    row = page.locator("#tokens tbody tr")
    expect(row).to_contain_text("CI pipeline")
    expect(row).to_contain_text(f"••••{token[-4:]}")
    page.get_by_role("button", name="Revoke CI pipeline").click()
    expect(page.get_by_text("Revoked the token CI pipeline: it no longer works.")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    assert requests.get(api, headers=headers, timeout=10).status_code == 401


def test_the_api_docs_page_lists_the_operations(page: Page, live_server, log_in, carol) -> None:
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, carol)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", name="REST API")).to_be_visible()
    expect(
        page.get_by_role("link", name="POST /api/v1/connectors/{name}/actions/{action}/test")
    ).to_be_visible()
    page.goto(f"{live_server.url}/account/tokens/")
    assert blocked == []  # no CDN, no inline code: nothing the strict CSP refuses
