"""Rendering a page many times through the whole Django stack: its queries and its times."""

from __future__ import annotations

import time

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from connectors.catalog.queries import PAGES


def render_times(
    client: Client, url: str, renders: int, budget_s: float | None = None
) -> tuple[int, list[float]]:
    """SQL queries of one render and the milliseconds of `renders` more (fewer if the budget,
    in seconds, runs out first; always at least one), after a warm-up render.

    Each is rendered afresh: the catalog's data version is moved first (as any write moves
    it), so a catalog page is not answered from the rendering its view keeps."""

    def get() -> HttpResponse:
        PAGES.bump()
        return client.get(url)

    response = get()  # warm up: template caches, connection
    assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        get()
    count = len(queries)  # now: the next request clears the log
    deadline = time.perf_counter() + budget_s if budget_s else None
    times: list[float] = []
    while len(times) < renders and not (times and deadline and time.perf_counter() > deadline):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    return count, times
