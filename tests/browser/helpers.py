"""What the browser tests share: a no-reload marker, pressing Test, screenshots for docs/, the
DB marker."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page

from connectors.models import Action

DOCS = Path(__file__).resolve().parents[2] / "docs"
RETAKE_SCREENSHOTS = "STUDIO_RETAKE_SCREENSHOTS"  # set by scripts/screenshots.py

# Transactional, so the live server's thread sees what a test creates (see conftest's `roles`).
browser_db = pytest.mark.django_db(transaction=True)


def mark_page(page: Page) -> None:
    """Leave a marker in the window: it survives HTMX swaps and dies with a reload."""
    page.evaluate("window.__studioMarker = 'still here'")


def page_was_not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__studioMarker") == "still here"


@contextmanager
def htmx_swap(page: Page) -> Iterator[None]:
    """Wait, after the block, until HTMX has swapped and settled the response it triggered."""
    page.evaluate(
        """window.__settled = false;
        document.addEventListener("htmx:afterSettle", () => { window.__settled = true; },
                                  {once: true});"""
    )
    yield
    # Polled with evaluate: wait_for_function compiles its predicate in the page, which the
    # strict CSP (no unsafe-eval) forbids, as it should.
    deadline = time.monotonic() + 30
    while not page.evaluate("window.__settled === true"):
        assert time.monotonic() < deadline, "htmx did not settle within 30 s"
        page.wait_for_timeout(20)


def press_test(page: Page, action: Action) -> None:
    """Press Test and wait until its answer, an HTMX partial and never a 500, is in the page."""
    test_url = f"{action.get_absolute_url()}test/"
    with htmx_swap(page), page.expect_response(lambda r: r.url.endswith(test_url)) as sent:
        page.get_by_role("button", name="Test", exact=True).click()
    assert sent.value.status == 200
    assert sent.value.request.headers.get("hx-request") == "true"


def screenshot(page: Page, name: str) -> None:
    """docs/<name> retaken when scripts/screenshots.py runs the test: a full-page capture costs
    the browser more than the rest of most tests, and the suite needs none."""
    if not os.environ.get(RETAKE_SCREENSHOTS):
        return
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / name), full_page=True)
