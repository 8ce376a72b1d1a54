"""The real-browser suite: the system Chromium driven by Playwright against `live_server`.

These tests never skip: without Chromium they fail, loudly, as CI must see it. A test logs in
with `logged_in(page, user)` (a saved login, fast) and audits with `a11y.audit(page)` the pages
and states it is about; `log_in` goes through the real login form.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import playwright
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Page, expect

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
# Every new window (a test's browser context) preloads the address bar's popup, a page of
# Chromium's own made of dozens of scripts that no test opens: a quarter of the browser's CPU.
UNUSED_BROWSER_UI = [
    "PreloadTopChromeWebUI",
    "WebUIOmniboxPopup",
    "WebUIOmniboxFullPopup",
    "WebUIOmniboxAimPopup",
]


def playwright_disabled_features() -> list[str]:
    """The features Playwright's own --disable-features turns off: Chromium keeps only the last
    --disable-features it is given, so ours must repeat them."""
    bundle = Path(playwright.__file__).parent / "driver/package/lib/coreBundle.js"
    found = re.search(r"disabledFeatures = \[(.*?)\]", bundle.read_text(encoding="utf-8"), re.S)
    assert found, f"Playwright's list of disabled Chromium features is no longer in {bundle}"
    return re.findall(r'^\s*"(\w+)"', found.group(1), re.M)


CHROMIUM_ARGS = [
    "--no-sandbox",  # Chromium runs as root here
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--disable-features={','.join(playwright_disabled_features() + UNUSED_BROWSER_UI)}",
]
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    assert CHROMIUM.exists(), f"The browser tests need {CHROMIUM}: apt-get install chromium."
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT}


@pytest.fixture
def alice(alice: User) -> User:
    """The Admin, also staff: the Django admin only lets staff in."""
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    return alice


@pytest.fixture
def log_in(live_server) -> Callable[[Page, User], Page]:
    """Log a user in through the real /accounts/login/ form; lands on the catalog."""

    def log_in(page: Page, user: User) -> Page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(f"pass-{user.username}")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Connectors")).to_be_visible()
        return page

    return log_in


@pytest.fixture(scope="session")
def storage_states() -> dict[str, dict[str, Any]]:
    """Each user's browser state after a real login, saved once per worker process."""
    return {}


@pytest.fixture
def logged_in(
    live_server, log_in: Callable[[Page, User], Page], storage_states: dict[str, dict[str, Any]]
) -> Callable[[Page, User], Page]:
    """Put a logged-in user in the page's browser context; lands on the catalog.

    The first time a worker needs a user, it logs in through the real form and saves the
    context's storage state; later contexts load that state. The database, sessions included,
    is emptied between tests, so the loaded state's session cookie is issued again for this
    test's user (as Django's test client logs in), the rest of the state kept as saved.
    """

    def logged_in(page: Page, user: User) -> Page:
        state = storage_states.get(user.username)
        if state is None:
            log_in(page, user)
            storage_states[user.username] = page.context.storage_state()
            return page
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies = [
            {**cookie, "value": session}
            if cookie["name"] == settings.SESSION_COOKIE_NAME
            else cookie
            for cookie in state["cookies"]
        ]
        page.context.add_cookies(cookies)
        page.goto(f"{live_server.url}/")
        expect(page.get_by_role("heading", name="Connectors")).to_be_visible()
        return page

    return logged_in
