"""The first ten minutes in a real browser: phone widths, the Import menu, filter rows, the
Base URL warning, the local-API recipe, the template form and a Viewer's template page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from connectors.catalog import history
from connectors.models import Connector, Revision
from tests.browser import a11y
from tests.browser.helpers import browser_db
from tests.helpers.factories import api_key_connector, make_action, make_credential
from tests.helpers.upstream import Upstream

pytestmark = browser_db
PHONE = {"width": 390, "height": 844}
LONG_URL = "https://integrations.example-enterprise-systems.com/api/v2/tenants/acme-corporation"


def catalog_with_tags() -> Connector:
    connector = api_key_connector(LONG_URL, "{{ACME_ENTERPRISE_INTEGRATION_KEY}}", name="acme")
    for n, tag in enumerate(["customers", "invoices", "customers", "subscriptions"]):
        make_action(connector, f"list_things_{n}", path=f"/things/{n}/items", tags=[tag])
    make_credential("ACME_ENTERPRISE_INTEGRATION_KEY", "k-1", ["integrations.example.com"])
    make_credential("A_CREDENTIAL_WITH_A_VERY_LONG_NAME_FOR_PHONES", "k-2", ["*.example.com"])
    return connector


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def too_wide(page: Page) -> list[str]:
    """The innermost elements reaching past the viewport: what a failure names."""
    return page.evaluate(
        """[...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter((e) => ![...e.children].some(
            (c) => c.getBoundingClientRect().right > window.innerWidth + 0.5))
        .slice(0, 8).map((e) => e.tagName + "." + e.className + " "
            + Math.round(e.getBoundingClientRect().right))"""
    )


def test_pages_fit_a_390_px_phone(page: Page, live_server, log_in, alice) -> None:
    connector = catalog_with_tags()
    log_in(page, alice)
    page.set_viewport_size(PHONE)
    for path in ["/", "/credentials/", connector.get_absolute_url(), "/templates/"]:
        page.goto(f"{live_server.url}{path}")
        assert scroll_width(page) <= 390, f"{path}: {scroll_width(page)} px, {too_wide(page)}"
    # The filter row stacks: the select sits under the search box, as wide.
    search = page.get_by_label("Search templates").bounding_box()
    select = page.get_by_label("Auth Config").bounding_box()
    assert select["y"] > search["y"] + search["height"] - 1
    page.goto(f"{live_server.url}/")
    base_url = page.locator(".phone-only.url").first.bounding_box()
    assert base_url["width"] > 200 and base_url["height"] < 80, "a Base URL wraps every few chars"
    last_test = page.get_by_role("columnheader", name="Last Test").bounding_box()
    assert last_test["x"] + last_test["width"] <= 390


def test_filter_rows_sit_on_one_line_on_a_desktop(page: Page, live_server, log_in, alice) -> None:
    connector = catalog_with_tags()
    log_in(page, alice)
    for path, search_label, select_label in [
        ("/templates/", "Search templates", "Auth Config"),
        (connector.get_absolute_url(), "Filter actions", "Tag"),
    ]:
        page.goto(f"{live_server.url}{path}")
        row = page.get_by_role("search")
        boxes = [
            page.get_by_label(search_label).bounding_box(),
            row.locator("label", has_text=select_label).bounding_box(),
            page.get_by_label(select_label).bounding_box(),
            row.get_by_role("button").bounding_box(),
        ]
        middles = {round(b["y"] + b["height"] / 2) for b in boxes}
        assert max(middles) - min(middles) <= 4, f"{path}: {boxes}"
        assert [b["x"] for b in boxes] == sorted(b["x"] for b in boxes)


def test_one_import_menu_opens_without_javascript_and_keeps_focus_order(
    browser, live_server, alice
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pass-alice")
    page.get_by_role("button", name="Log in").click()
    menu = page.locator("#import-menu")
    expect(menu.get_by_role("link", name="cURL command")).to_be_hidden()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    links = menu.get_by_role("link")
    expect(links).to_have_text(
        ["cURL command", "API description (OpenAPI, Swagger, Postman)", "Catalog file"]
    )
    for name in ["cURL command", "API description", "Catalog file"]:
        page.keyboard.press("Tab")
        expect(menu.get_by_role("link", name=name)).to_be_focused()
    header = page.locator(".page-head .buttons > *")
    # Import ▾, Recently deleted, From a template, New connector, Test all selected
    assert header.count() == 5
    context.close()


def test_the_local_api_recipe_is_one_import_and_a_test(
    page: Page, live_server, log_in, alice, settings
) -> None:
    # What the .env of `make run` says (scripts/make_env.py), and nothing else changed.
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    log_in(page, alice)
    with Upstream() as api:
        page.locator("#import-menu summary").click()
        a11y.audit(page)  # the menu open
        page.locator("#import-menu").get_by_role("link", name="cURL command").click()
        page.get_by_label("cURL command").fill(
            f"curl {api.url}/v1/models -H 'Authorization: Bearer sk-local-recipe-1234'"
        )
        page.get_by_role("button", name="Preview").click()
        page.get_by_role("button", name="Create").click()
        page.get_by_role("button", name="Test", exact=True).click()
        expect(page.locator("[aria-live=polite]").first).to_contain_text("200 OK")
        assert api.last.headers["authorization"] == "Bearer sk-local-recipe-1234"


def test_address_blocked_names_the_setting_and_links_to_the_readme(
    page: Page, live_server, log_in, alice
) -> None:
    connector = api_key_connector("http://127.0.0.1:9", "sk-blocked-0000")
    action = make_action(connector)
    log_in(page, alice)
    page.goto(f"{live_server.url}{action.get_absolute_url()}")
    page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("#result")
    expect(result).to_contain_text("Address blocked")
    expect(result).to_contain_text("STUDIO_OUTBOUND_ALLOW setting")
    result.get_by_role("link", name="How STUDIO_OUTBOUND_ALLOW lets Test reach it").click()
    expect(page.get_by_role("heading", name="Trying an API on this machine")).to_be_in_viewport()
    assert page.url.endswith("/help/#trying-an-api-on-this-machine")


def test_saving_a_base_url_on_another_origin_warns_first(
    page: Page, live_server, log_in, alice
) -> None:
    connector = api_key_connector("https://api.openai.com", "sk-literal-key-5678")
    history.record(connector, Revision.Event.CREATED, alice)
    log_in(page, alice)
    page.goto(f"{live_server.url}/connectors/OpenAI/edit/")
    page.get_by_label("Base URL").fill("http://127.0.0.1:9000")
    page.get_by_role("button", name="Save connector").click()
    warning = page.locator("#origin-warning")
    expect(warning).to_contain_text("Not saved yet: this change moves where secrets are sent")
    expect(warning).to_contain_text("enter the Api Key again")
    a11y.audit(page)
    assert Connector.objects.get().base_url == "https://api.openai.com"
    page.get_by_role("button", name="Save and clear them").click()
    expect(page.get_by_text("Saved connector OpenAI.")).to_be_visible()
    assert Connector.objects.get().base_url == "http://127.0.0.1:9000"


def test_the_template_form_shows_only_the_chosen_secrets_inputs(
    page: Page, live_server, log_in, alice, settings
) -> None:
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.openai.com"]  # as make run's .env
    log_in(page, alice)
    page.goto(f"{live_server.url}/templates/openai-api-key/")
    expect(page.get_by_label("Create a team credential")).to_be_checked()
    expect(page.get_by_label("Api Key: new credential name")).to_have_value("OPENAI_API_KEY_2")
    expect(page.get_by_label("Api Key value")).to_be_visible()
    expect(page.get_by_label("Api Key: team credential")).to_be_hidden()
    page.get_by_label("Use a team credential").check()
    expect(page.get_by_label("Api Key: team credential")).to_be_visible()
    expect(page.get_by_label("Api Key value")).to_be_hidden()
    expect(page.get_by_label("Api Key: new credential name")).to_be_hidden()
    page.get_by_label("Enter the Api Key").check()
    expect(page.get_by_label("Api Key value")).to_be_visible()
    expect(page.get_by_label("Api Key: new credential name")).to_be_hidden()
    page.get_by_label("Create a team credential").check()
    page.get_by_label("Api Key value").fill("sk-template-browser-0000")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Created openai from the OpenAI template.")).to_be_visible()


def test_a_viewer_gets_a_read_only_template_page(page: Page, live_server, log_in, carol) -> None:
    log_in(page, carol)
    page.goto(f"{live_server.url}/templates/openai-api-key/")
    expect(page.get_by_role("heading", name="What it creates")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("button", name="Preview")).to_have_count(0)
