"""The catalog in a real browser: the OpenAI walkthrough's connector and action, made by hand."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from connectors.models import Action, Connector
from tests.browser.a11y import audit
from tests.browser.helpers import (
    browser_db,
    htmx_swap,
    mark_page,
    page_was_not_reloaded,
    screenshot,
)
from tests.helpers.factories import make_connector

pytestmark = browser_db


def create_openai_connector(page: Page, live_server) -> None:
    """Step 3.1 of the walkthrough, through the connector form's visible labels."""
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="New connector").click()
    page.get_by_label("Name", exact=True).fill("OpenAI")
    page.get_by_label("Display Name").fill("OpenAI")
    page.get_by_label("Description").fill("Models, chat and embeddings")
    page.get_by_label("Base URL").fill("https://api.openai.com")

    mark_page(page)
    with htmx_swap(page):
        page.get_by_label("Auth Config", exact=True).select_option(label="Api Key Auth")
    expect(page.get_by_label("Api Key Auth Auth Type")).to_be_visible()
    assert page_was_not_reloaded(page)
    # What was typed before the swap is still there: only the auth fields were replaced.
    expect(page.get_by_label("Name", exact=True)).to_have_value("OpenAI")

    expect(page.get_by_label("Api Key Auth Auth Type")).to_have_value("HEADER")
    with htmx_swap(page):  # the type swaps in its own fields
        page.get_by_label("Api Key Auth Auth Type").select_option(label="Header Auth")
    expect(page.get_by_label("Header Auth Key")).to_have_value("Authorization")
    expect(page.get_by_label("Header Auth Value Pattern")).to_have_value("Bearer %s")
    page.get_by_label("Api Key", exact=True).fill("{{OPENAI_API_KEY}}")
    screenshot(page, "connector-form.png")

    page.get_by_role("button", name="Save connector").click()
    expect(page.get_by_text("Saved connector OpenAI.")).to_be_visible()
    expect(page.get_by_role("heading", name="OpenAI")).to_be_visible()


def add_list_models_action(page: Page) -> None:
    """Step 3.2: GET /v1/models, named list_models."""
    page.get_by_role("link", name="New action").click()
    action = page.get_by_role("group", name="Action")  # the Input Args table has a Name too
    action.get_by_label("Name", exact=True).fill("list_models")
    action.get_by_label("Method").select_option("GET")
    action.get_by_label("Path", exact=True).fill("/v1/models")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("Saved action list_models.")).to_be_visible()
    expect(page.get_by_role("button", name="Test", exact=True)).to_be_visible()


def test_it_creates_the_walkthrough_connector_and_action_and_finds_them(
    page: Page, browser: Browser, live_server, log_in, bob, alice
) -> None:
    # Through the real login form, as a newcomer does (other tests reuse a saved login).
    page.goto(f"{live_server.url}/accounts/login/")
    audit(page)
    log_in(page, bob)
    create_openai_connector(page, live_server)
    expect(page.get_by_text("Api Key Auth")).to_be_visible()
    expect(page.locator("dl").get_by_text("{{OPENAI_API_KEY}}")).to_be_visible()
    # No such credential yet: the page says so before any Test fails.
    expect(page.get_by_role("note")).to_contain_text("Credential OPENAI_API_KEY does not exist.")
    audit(page)
    add_list_models_action(page)
    audit(page)

    connector = Connector.objects.get(name="OpenAI")
    assert connector.auth_config == Connector.AuthConfig.API_KEY
    assert connector.auth_settings["header_auth_key"] == "Authorization"
    assert connector.auth_settings["header_auth_value_pattern"] == "Bearer %s"
    assert connector.auth_secrets["api_key"]["hint"] == "{{OPENAI_API_KEY}}"
    assert Action.objects.get(connector=connector).path == "/v1/models"

    page.goto(f"{live_server.url}/")
    row = page.get_by_role("row", name="OpenAI")
    expect(row).to_contain_text("https://api.openai.com")
    expect(row).to_contain_text("Api Key Auth")
    expect(row.get_by_role("cell", name="1", exact=True)).to_be_visible()
    screenshot(page, "catalog.png")
    audit(page)

    admin_page = browser.new_context().new_page()
    log_in(admin_page, alice)
    admin_page.goto(f"{live_server.url}/admin/connectors/connector/")
    admin_page.get_by_role("link", name="OpenAI", exact=True).click()
    expect(admin_page.get_by_label("Base URL")).to_have_value("https://api.openai.com")
    inline = admin_page.locator("#actions-group")  # the connector's actions, inline
    expect(inline).to_contain_text("Actions")
    expect(inline.locator("#id_actions-0-name")).to_have_value("list_models")
    expect(inline.locator("#id_actions-0-method")).to_have_value("GET")
    expect(inline.locator("#id_actions-0-path")).to_have_value("/v1/models")
    expect(admin_page.get_by_label("Auth Config")).to_have_value("API_KEY")
    admin_page.context.close()


def test_it_filters_the_catalog_as_you_type_without_a_reload(
    page: Page, live_server, logged_in, bob
) -> None:
    make_connector("OpenAI")
    make_connector("Jira", base_url="https://example.atlassian.net", description="Issues")
    logged_in(page, bob)
    results = page.locator("#results")
    expect(results).to_contain_text("Jira")
    expect(results).to_contain_text("OpenAI")

    mark_page(page)
    page.get_by_label("Search connectors").press_sequentially("atlass")
    expect(results).not_to_contain_text("OpenAI")
    expect(results).to_contain_text("Jira")
    expect(results).to_have_count(1)  # the results were replaced, not nested in the old ones
    expect(page).to_have_url(re.compile(r"/\?q=atlass$"))  # a search you can share
    audit(page)
    page.get_by_label("Search connectors").fill("nothing-like-it")
    expect(results).to_contain_text("No connector matches “nothing-like-it”.")
    audit(page)
    assert page_was_not_reloaded(page)


def test_it_adds_and_removes_header_rows_and_adds_input_args_in_place(
    page: Page, live_server, logged_in, bob
) -> None:
    connector = make_connector("OpenAI")
    logged_in(page, bob)
    page.goto(f"{live_server.url}/connectors/OpenAI/new-action/")
    action = page.get_by_role("group", name="Action")
    action.get_by_label("Name", exact=True).fill("search_models")
    action.get_by_label("Path", exact=True).fill("/v1/models")

    mark_page(page)
    headers = page.locator("#field-headers")
    header_rows = headers.locator("tbody tr")
    expect(header_rows).to_have_count(2)  # the spare rows
    headers.get_by_role("button", name="+ Add row").click()
    expect(header_rows).to_have_count(3)
    rows = [("Accept", "application/json"), ("X-Drop-Me", "gone"), ("X-Owner", "{{owner}}")]
    for row, (key, value) in zip(header_rows.all(), rows, strict=True):
        row.get_by_role("textbox", name="Key").fill(key)
        row.get_by_role("textbox", name="Value").fill(value)
    header_rows.nth(1).get_by_role("button", name="remove").click()
    expect(header_rows).to_have_count(2)
    expect(header_rows.nth(1).get_by_role("textbox", name="Key")).to_have_value("X-Owner")

    params = page.locator("#field-query_params")
    params.get_by_role("textbox", name="Key").first.fill("limit")
    params.get_by_role("textbox", name="Value").first.fill("{{limit}}")

    arg_rows = page.locator("#input-args tbody tr")
    expect(arg_rows).to_have_count(1)
    arg_rows.nth(0).get_by_label("Input arg 1 Name", exact=True).fill("limit")
    arg_rows.nth(0).get_by_label("Input arg 1 Data Type").select_option("number")
    page.get_by_role("button", name="+ Add input arg").click()
    expect(arg_rows).to_have_count(2)
    arg_rows.nth(1).get_by_label("Input arg 2 Name", exact=True).fill("owner")
    arg_rows.nth(1).get_by_label("Input arg 2 Description").fill("Who owns the model")
    arg_rows.nth(1).get_by_label("Input arg 2 Example Value").fill("openai")
    arg_rows.nth(1).get_by_label("Input arg 2 Required").check()
    assert page_was_not_reloaded(page)

    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("Saved action search_models.")).to_be_visible()
    # The action page shows the saved request in its (editable) Request card.
    request = page.locator("section.card", has=page.get_by_role("heading", name="Request"))
    expect(request.get_by_label("Header 1 key")).to_have_value("Accept")
    expect(request.get_by_label("Header 1 value")).to_have_value("application/json")
    expect(request.get_by_label("Header 2 value")).to_have_value("{{owner}}")
    expect(request.get_by_label("Header 3 key")).to_have_value("")  # X-Drop-Me is gone
    expect(request.get_by_label("Query param 1 value")).to_have_value("{{limit}}")
    expect(request.get_by_label("Input arg 1 Data Type")).to_have_value("number")
    expect(request.get_by_label("Input arg 2 Description")).to_have_value("Who owns the model")
    expect(request.get_by_label("Input arg 2 Required")).to_be_checked()
    audit(page)

    action = Action.objects.get(connector=connector, name="search_models")
    assert action.headers == [
        {"key": "Accept", "value": "application/json"},
        {"key": "X-Owner", "value": "{{owner}}"},
    ]
    assert list(action.input_args.values_list("name", "data_type", "required")) == [
        ("limit", "number", False),
        ("owner", "string", True),
    ]
