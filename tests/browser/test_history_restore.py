"""History in a real browser: an Admin restores an earlier version and undoes a deletion."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from connectors.catalog import history
from connectors.models import Connector, Revision
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, screenshot
from tests.helpers.factories import make_action, make_connector

pytestmark = browser_db


def test_an_admin_restores_an_earlier_version_from_history(
    page: Page, live_server, logged_in, alice
) -> None:
    connector = make_connector("OpenAI", description="Models", updated_by=alice)
    history.record(connector, Revision.Event.CREATED, alice)
    logged_in(page, alice)

    page.goto(f"{live_server.url}/connectors/OpenAI/edit/")
    page.get_by_label("Description").fill("Models, chat and embeddings")
    page.get_by_role("button", name="Save connector").click()
    expect(page.get_by_text("Saved connector OpenAI.")).to_be_visible()

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History of connector OpenAI")).to_be_visible()
    latest = page.locator(".revision").first
    expect(latest).to_contain_text("Version 2")
    expect(latest).to_contain_text("changed by alice")
    expect(latest.get_by_role("cell", name="Models, chat and embeddings")).to_be_visible()
    screenshot(page, "history.png")
    audit(page)

    page.locator(".revision", has_text="Version 1").get_by_role(
        "link", name="Restore this version…"
    ).click()
    expect(page.get_by_role("heading", name="What restoring it would change")).to_be_visible()
    expect(page.get_by_label("Also restore the secrets of that version")).not_to_be_checked()
    audit(page)
    page.get_by_role("button", name="Restore version 1").click()

    expect(page.get_by_text("Restored connector OpenAI to version 1.")).to_be_visible()
    expect(page.locator(".lead")).to_have_text("Models")
    audit(page)
    connector.refresh_from_db()
    assert (connector.description, connector.version) == ("Models", 3)
    page.get_by_role("link", name="History").click()
    expect(page.locator(".revision").first).to_contain_text("restored by alice")


def test_an_admin_undoes_a_deletion_from_recently_deleted(
    page: Page, live_server, logged_in, alice
) -> None:
    connector = make_connector("Jira", base_url="https://example.atlassian.net")
    make_action(connector, "search_issues", path="/rest/api/3/search")
    logged_in(page, alice)

    page.goto(f"{live_server.url}/connectors/Jira/")
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("Deleted connector Jira and its actions.")).to_be_visible()

    page.get_by_role("link", name="Recently deleted").click()
    row = page.get_by_role("row", name="Jira")
    expect(row).to_contain_text("with 1 action")
    audit(page)
    row.get_by_role("button", name="Undo the deletion of Jira").click()

    expect(page.get_by_text("Brought back connector Jira.")).to_be_visible()
    expect(page.get_by_role("link", name="search_issues")).to_be_visible()
    audit(page)
    assert Connector.objects.get(name="Jira").pk == connector.pk
