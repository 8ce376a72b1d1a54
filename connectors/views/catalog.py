"""The catalog: every connector, searched, filtered and sorted, a page at a time.

A page's content (buttons, search, filters, results) is kept, rendered, under the catalog's
data version (catalog.queries.PAGES), the request's query string and the permissions it shows:
until a connector, action, monitor or user changes, the same page is answered again without a
query. The times in it ("3 minutes ago") are said when each request is answered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django_htmx.http import push_url, replace_url

from connectors.catalog.queries import (
    PAGES,
    catalog_rows,
    filter_catalog,
    search_connectors,
    shareable_url,
)
from connectors.forms.catalog_filters import CatalogFilters
from connectors.templatetags.studio_tags import deferring_ago, fill_ago
from connectors.views.access import require

PAGE_SIZE = 50
TEMPLATE = "connectors/catalog/catalog.html"
# The permissions the kept content reads (its buttons, the empty catalog's suggestions).
KEPT_PERMS = ("add_connector", "add_action", "import_catalog", "run_test")
KEPT_PAGES = 64  # per process; a page is about 40 KB


@dataclass(frozen=True)
class Shown:
    """The catalog's content and its results as rendered for one query string and role, with
    AGO_MARK where a time is said (the same times, in the same order, in both)."""

    chosen: dict[str, str]
    content: str
    results: str
    moments: list[datetime]


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    require(request, "view_connector")
    shown = _shown(request)
    now = timezone.now()
    if request.htmx and request.htmx.target == "results":
        response = HttpResponse(fill_ago(shown.results, shown.moments, now))
        # The address bar gets the choices that matter, not every empty select. Keystrokes of
        # one search replace its history entry; a settled search or a filter pushes a new one.
        url = shareable_url(shown.chosen, request.GET.get("page"))
        if request.headers.get("X-Studio-History") == "replace":
            return replace_url(response, url)
        return push_url(response, url)
    content = mark_safe(fill_ago(shown.content, shown.moments, now))  # noqa: S308 - ours
    return render(request, TEMPLATE, {"content": content})


def _shown(request: HttpRequest) -> Shown:
    """The kept rendering for this request, or a new one (kept when the version allows)."""
    token = PAGES.token()
    if token is None:
        return _render(request)
    perms = tuple(request.user.has_perm(f"connectors.{perm}") for perm in KEPT_PERMS)
    key = (token, request.META.get("QUERY_STRING", ""), perms)
    shown = _kept.get(key)
    if shown is None:
        shown = _render(request)
        _kept.put(key, shown)
    return shown


def _render(request: HttpRequest) -> Shown:
    filters = CatalogFilters(request.GET)
    chosen = filters.values()
    query = chosen["q"]
    connectors = filter_catalog(search_connectors(query), chosen)
    # The page's ids first (read from an index), then the rows for those ids only: page 2,000
    # costs what page 1 does, apart from the index entries it skips.
    ids = connectors.values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = catalog_rows(list(page.object_list))
    context = {"page": page, "query": query, "filters": filters, "chosen": chosen}
    with deferring_ago() as moments:
        results = render_to_string(f"{TEMPLATE}#results", context, request)
    context["results"] = mark_safe(results)  # noqa: S308 - rendered by our template
    content = render_to_string(f"{TEMPLATE}#page", context, request)
    return Shown(chosen, content, results, moments)


class _Kept:
    """A small LRU of rendered pages, in this process (so never another deploy's templates).
    Its keys hold the data version: an entry is never read once the data changed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Shown] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Shown | None:
        with self._lock:
            shown = self._entries.get(key)
            if shown is not None:
                self._entries.move_to_end(key)
            return shown

    def put(self, key: tuple, shown: Shown) -> None:
        with self._lock:
            self._entries[key] = shown
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


_kept = _Kept(KEPT_PAGES)
