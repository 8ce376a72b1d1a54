"""The real-browser suite: the system Chromium driven by Playwright against `live_server`.

These tests never skip: without Chromium they fail, loudly, as CI must see it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from tests.browser import a11y

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # Chromium runs as root here
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
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


@pytest.fixture(autouse=True)
def audit_every_page(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a browser test, open again every page it visited and run axe on each.

    States a page reaches without a navigation (a Test result, form errors) are audited where
    the tests call tests.browser.a11y.audit.
    """
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    visited: list[str] = []

    def remember(frame: Any) -> None:
        if frame == page.main_frame and frame.url.startswith("http") and frame.url not in visited:
            visited.append(frame.url)

    posted: set[str] = set()  # pages reached by a form's POST: not opened again

    def note_post(sent: Any) -> None:
        if sent.is_navigation_request() and sent.method == "POST":
            posted.add(sent.url)

    page.on("framenavigated", remember)
    page.on("request", note_post)
    yield
    page.remove_listener("framenavigated", remember)
    page.remove_listener("request", note_post)
    problems = []
    for url in (u for u in visited if u not in posted):
        page.goto(url)
        if found := a11y.violations(page):
            problems.append(f"{url}:\n{a11y.describe(found)}")
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)
