"""Import API in a real browser: upload a description, preview, filter and pick, create, Test."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from connectors.models import Connector, Credential
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, screenshot
from tests.helpers.upstream import Upstream
from tests.views.test_importing_api import DESCRIPTIONS, KEY, pet_store

pytestmark = browser_db


def test_it_uploads_previews_and_creates_a_connector(
    page: Page, live_server, logged_in, alice, settings
) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    api = Upstream()
    api.handler = pet_store
    with api:
        _import_and_test(page, logged_in, alice, api)


def _import_and_test(page: Page, logged_in, alice, api: Upstream) -> None:
    logged_in(page, alice)
    page.locator("#import-menu summary").click()
    page.locator("#import-menu").get_by_role("link", name="API description").click()
    expect(page.get_by_role("heading", name="Import API description")).to_be_visible()
    page.get_by_label("Description file").set_input_files(str(DESCRIPTIONS / "petstore-3.0.yaml"))
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="Import preview")).to_be_visible()
    expect(page.locator("#import-source")).to_contain_text("file petstore-3.0.yaml")
    counts = page.locator("#import-counts")
    expect(counts).to_contain_text("Will create 5, update 0, skip 0.")
    # Filter by tag, then select none of what is shown: only those are skipped.
    page.get_by_label("Filter by tag").select_option("admin")
    expect(page.locator("#import-actions tbody tr:visible")).to_have_count(1)
    page.get_by_role("button", name="Select none").click()
    expect(counts).to_contain_text("Will create 4, update 0, skip 1.")
    page.get_by_label("Filter by tag").select_option("")
    expect(page.locator("#import-actions tbody tr:visible")).to_have_count(5)
    screenshot(page, "import-api-preview.png")
    audit(page)
    # The server a Test reaches: the local one, typed as the Base URL as a user would.
    page.locator("#import-base-url-typed").fill(f"{api.url}/v1")
    page.get_by_label("Value of PET_STORE_API_KEY").fill(KEY)
    page.get_by_role("button", name="Create", exact=True).click()

    expect(page.get_by_role("heading", name="pet_store")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("4 created, 0 updated, 1 skipped")
    audit(page)
    connector = Connector.objects.get(name="pet_store")
    assert not connector.actions.filter(name="delete_pets_pet_id").exists()
    assert Credential.objects.filter(name="PET_STORE_API_KEY").exists()
    assert KEY not in page.content()

    # The connector page groups by tag and filters as you type.
    expect(page.get_by_role("rowheader", name="pets")).to_be_visible()
    page.get_by_label("Filter actions").fill("show_pet")
    expect(page.locator("#actions")).to_contain_text("1 action matching")
    expect(page.locator("#actions")).not_to_contain_text("list_pets")
    audit(page)

    # One of its actions Tests against a server that implements the description.
    page.get_by_role("link", name="show_pet_by_id").click()
    page.get_by_label("petId").fill("7")
    page.get_by_role("button", name="Test").click()
    expect(page.locator("#result")).to_contain_text("200 OK")
    assert api.last.path == "/v1/pets/7"
    audit(page)
