"""OAuth 2.0 in a real Chromium: the whole Authorization Code dance (with a local provider that
approves at once), then Test; and the connector form showing only the chosen grant's fields."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from connectors.models import Action
from tests.browser.a11y import audit
from tests.browser.helpers import browser_db, press_test, screenshot
from tests.helpers.factories import make_action, make_connector
from tests.helpers.oauth_server import AuthServer

pytestmark = browser_db


@pytest.fixture
def provider(settings) -> Iterator[AuthServer]:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"browser-oauth-{uuid.uuid4().hex}",
        }
    }
    with AuthServer(accept=("body",)) as server:
        yield server


@pytest.fixture
def calendar(provider: AuthServer) -> Action:
    connector = make_connector(
        "Google_Calendar",
        base_url=provider.url,
        auth_config="OAUTH2",
        auth_settings={
            "oauth2_grant_type": "authorization_code",
            "client_id": provider.client_id,
            "oauth2_token_url": provider.token_url,
            "scope": "calendar.readonly",
            "oauth2_client_authentication": "REQUEST_BODY",
            "authorization_url": provider.authorize_url,
            "authorization_params": [
                {"key": "access_type", "value": "offline"},
                {"key": "prompt", "value": "consent"},
            ],
            "header_auth_key": "Authorization",
            "header_auth_value_pattern": "Bearer %s",
            "access_token_key": "access_token",
            "expires_in_key": "expires_in",
            "expires_in_unit": "seconds",
            "additional_request_data": [],
            "additional_headers": [],
        },
        secrets={"client_secret": provider.client_secret},
    )
    return make_action(connector, "get_primary", path="/calendar/v3/calendars/primary")


def test_the_authorization_code_dance_in_a_real_browser(
    page: Page, live_server, logged_in, bob, provider: AuthServer, calendar: Action
) -> None:
    logged_in(page, bob)
    connector_url = f"{live_server.url}{calendar.connector.get_absolute_url()}"
    page.goto(connector_url)
    token = page.locator("#token-state")
    expect(token).to_contain_text("State: none")
    expect(token).to_contain_text(f"{live_server.url}/oauth/callback/")

    action_url = f"{live_server.url}{calendar.get_absolute_url()}"
    page.goto(action_url)
    press_test(page, calendar)
    result = page.locator("[aria-live=polite]")
    expect(result).to_have_text(re.compile(r"^\s*Authorization failed"))
    expect(result).to_contain_text("Press Generate New Access Token")
    audit(page)
    assert provider.api_requests == []

    # Sign in: Studio -> the provider's /authorize (approves at once) -> /oauth/callback/ -> back.
    page.get_by_role("link", name="Generate New Access Token").click()
    page.wait_for_url(action_url)
    expect(page.get_by_role("status")).to_contain_text("has a new access token")
    [query] = provider.authorize_queries
    assert query["redirect_uri"] == f"{live_server.url}/oauth/callback/"
    assert query["code_challenge_method"] == "S256"
    assert (query["access_type"], query["prompt"]) == ("offline", "consent")
    assert provider.token_requests[0].form["grant_type"] == "authorization_code"
    assert provider.token_requests[0].form["code_verifier"]

    press_test(page, calendar)
    expect(result).to_have_text(re.compile(r"^\s*200 OK"))
    expect(result).to_contain_text('"ok": true')
    access = provider.api_requests[0].headers["authorization"].removeprefix("Bearer ")
    assert access in provider.access_tokens
    assert access not in page.content()
    screenshot(page, "oauth-test-panel.png")
    audit(page)

    page.goto(connector_url)
    expect(token).to_contain_text(re.compile(r"State: valid until \d\d:\d\d"))
    audit(page)
    page.get_by_role("button", name="Clear token").click()
    expect(page.locator("#token-state")).to_contain_text("State: none")


def test_the_form_shows_only_the_chosen_grants_fields(
    page: Page, live_server, logged_in, bob, provider: AuthServer, calendar: Action
) -> None:
    logged_in(page, bob)
    page.goto(f"{live_server.url}/connectors/Google_Calendar/edit/")
    expect(page.get_by_label("Authorization URL")).to_be_visible()
    expect(page.get_by_label("Password Grant Username")).to_be_hidden()
    page.get_by_label("Oauth2 Grant Type").select_option("password")
    expect(page.get_by_label("Password Grant Username")).to_be_visible()
    expect(page.get_by_label("Authorization URL")).to_be_hidden()
    expect(page.get_by_label("Client ID")).to_be_visible()
    screenshot(page, "oauth-connector-form.png")
    audit(page)
