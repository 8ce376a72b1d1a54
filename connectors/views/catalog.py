"""The catalog: every connector, searched, filtered and sorted, a page at a time."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import push_url, replace_url

from connectors.catalog.queries import (
    catalog_rows,
    filter_catalog,
    search_connectors,
    shareable_url,
)
from connectors.engine import monitors
from connectors.forms.catalog_filters import CatalogFilters
from connectors.views.access import require

PAGE_SIZE = 50


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    require(request, "view_connector")
    filters = CatalogFilters(request.GET)
    chosen = filters.values()
    query = chosen["q"]
    connectors = filter_catalog(search_connectors(query), chosen)
    # The page's ids first (read from an index), then the rows for those ids only: page 2,000
    # costs what page 1 does, apart from the index entries it skips.
    ids = connectors.values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = catalog_rows(list(page.object_list))
    states = monitors.connector_states(c.name for c in page.object_list)
    for row in page.object_list:
        row.monitor_state = states.get(row.name, "")
    context = {"page": page, "query": query, "filters": filters, "chosen": chosen}
    if request.htmx and request.htmx.target == "results":
        response = render(request, "connectors/catalog/catalog.html#results", context)
        # The address bar gets the choices that matter, not every empty select. Keystrokes of
        # one search replace its history entry; a settled search or a filter pushes a new one.
        url = shareable_url(chosen, request.GET.get("page"))
        if request.headers.get("X-Studio-History") == "replace":
            return replace_url(response, url)
        return push_url(response, url)
    return render(request, "connectors/catalog/catalog.html", context)
