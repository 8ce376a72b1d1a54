"""The catalog's read queries: filters, sort and the shareable URL of a filtered catalog."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from connectors.models import CATALOG_SORTS, LAST_RUN_OUTCOMES, Connector

TEST_RESULTS = [
    ("", "Any Test result"),
    ("passing", "Passing"),
    ("failing", "Failing"),
    ("never", "Never tested"),
]


def shareable_url(chosen: dict[str, str], page: str | None = None) -> str:
    """The catalog's URL with only the choices that differ from the defaults."""
    params = {k: v for k, v in chosen.items() if v and not (k == "sort" and v == "name")}
    if page and page != "1":
        params["page"] = page
    return reverse("catalog") + (f"?{urlencode(params)}" if params else "")


def filter_catalog(connectors: QuerySet[Connector], chosen: dict[str, str]) -> QuerySet:
    """Apply the chosen filters and sort to search_connectors' queryset."""
    if chosen.get("auth"):
        connectors = connectors.filter(auth_config=chosen["auth"])
    if outcome := LAST_RUN_OUTCOMES.get(chosen.get("test", "")):
        # The very condition of the partial index, so that the database can use it.
        connectors = connectors.filter(outcome)
    if chosen.get("by"):
        connectors = connectors.filter(updated_by__username=chosen["by"])
    if chosen.get("sort") == "changed":
        return connectors.order_by(*CATALOG_SORTS["changed"])
    return connectors.order_by(*CATALOG_SORTS["name"])
