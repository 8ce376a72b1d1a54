"""Import cURL in a real browser: the walkthrough's OpenAI command, pasted, previewed, created."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from connectors.models import Action, Connector, Credential
from connectors.secrets import sealing
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, screenshot

pytestmark = browser_db

WALKTHROUGH = """curl https://api.openai.com/v1/models \\
  -H "Authorization: Bearer $OPENAI_API_KEY\""""


def test_it_imports_the_walkthrough_curl(page: Page, live_server, logged_in, bob) -> None:
    logged_in(page, bob)
    page.locator("#import-menu summary").click()
    page.locator("#import-menu").get_by_role("link", name="cURL command").click()
    expect(page.get_by_role("heading", name="Import cURL")).to_be_visible()

    page.get_by_label("cURL command").fill(WALKTHROUGH)
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Preview: what Create will save")).to_be_visible()
    expect(preview).to_contain_text("A new connector openai")
    expect(preview).to_contain_text("Api Key Auth · Header Auth · Authorization: Bearer %s")
    expect(preview).to_contain_text("{{OPENAI_API_KEY}}")
    expect(preview).to_contain_text("/v1/models")
    expect(page.get_by_label("Action Name")).to_have_value("get_v1_models")
    assert not Connector.objects.exists() and not Action.objects.exists()
    screenshot(page, "curl-import.png")
    audit(page)

    page.get_by_role("button", name="Create").click()

    expect(page).to_have_url(re.compile(r"/connectors/openai/actions/get_v1_models/$"))
    expect(page.get_by_role("heading", name="GET get_v1_models")).to_be_visible()
    expect(page.locator(".url")).to_contain_text("https://api.openai.com/v1/models")
    audit(page)
    action = Action.objects.select_related("connector").get()
    assert (action.method, action.path) == ("GET", "/v1/models")
    connector = action.connector
    assert connector.get_auth_config_display() == "Api Key Auth"
    assert connector.auth_settings["api_key_auth_type"] == "HEADER"
    assert connector.auth_settings["header_auth_key"] == "Authorization"
    assert connector.auth_settings["header_auth_value_pattern"] == "Bearer %s"
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == "{{OPENAI_API_KEY}}"
    assert not Credential.objects.exists()  # a reference, not a literal: nothing to keep

    page.get_by_role("link", name="openai").first.click()
    expect(page.locator(".facts")).to_contain_text("{{OPENAI_API_KEY}}")
    audit(page)


def test_a_command_it_cannot_read_shows_the_error_in_place(
    page: Page, live_server, logged_in, bob
) -> None:
    logged_in(page, bob)
    page.goto(f"{live_server.url}/import-curl/")
    page.get_by_label("cURL command").fill('curl -d \'{"a": 1} https://api.example.com/')
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#id_command_error")).to_have_text(
        'Could not read the command: the quote opened at `\'{"a":` is never closed.'
    )
    expect(page.get_by_role("button", name="Create")).to_have_count(0)
    audit(page)
    assert not Connector.objects.exists()
