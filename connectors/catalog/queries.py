"""The catalog's read queries: search, filters, sort, the rows of a page and the shareable URL
of a filtered catalog."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode

from connectors.models import CATALOG_SORTS, LAST_RUN_OUTCOMES, Action, Connector

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


def search_connectors(query: str) -> QuerySet[Connector]:
    """Connectors whose Name, Display Name, Description or Base URL contains `query`.

    On PostgreSQL the trigram indexes of migration 0009 serve these `UPPER(...) LIKE` scans.
    """
    connectors = Connector.objects.all()
    if query:
        connectors = connectors.filter(
            Q(name__icontains=query)
            | Q(display_name__icontains=query)
            | Q(description__icontains=query)
            | Q(base_url__icontains=query)
        )
    return connectors.order_by("name")


def catalog_rows(ids: list[int]) -> list[Connector]:
    """The page's connectors, in the order of `ids`, with what the table shows."""
    # Per-row subquery for the action count, computed for these rows only.
    actions = Action.objects.filter(connector=OuterRef("pk")).order_by().values("connector")
    rows = (
        Connector.objects.filter(pk__in=ids)
        .select_related("updated_by")
        .annotate(action_count=Coalesce(Subquery(actions.annotate(n=Count("pk")).values("n")), 0))
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]
