"""The catalog's read queries: search, filters, sort, the rows of a page and the shareable URL
of a filtered catalog; and the version of what its pages show."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode

from connectors.lib.data_version import DataVersion
from connectors.lib.prepared import Prepared
from connectors.models import (
    CATALOG_SORTS,
    LAST_RUN_OUTCOMES,
    Action,
    ActionDraft,
    Connector,
    InputArg,
    Monitor,
)

# What a catalog page shows comes from these tables: each connector's row (its last run
# included), its actions (their count), its monitors (their state) and who changed it (the
# "Changed by" choices too). A page kept under the token is not served once one of them changed.
PAGES = DataVersion(
    "catalog",
    [model._meta.db_table for model in (Connector, Action, Monitor, get_user_model())],
)

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


# A connector's monitor state is the worst of its monitors': failing > pending > passing >
# paused (as engine.monitors.connector_states says it).
MONITOR_STATES = {3: "failing", 2: "pending", 1: "passing", 0: "paused"}
_MONITOR_RANK = Case(
    When(active=False, then=Value(0)),
    When(health=Monitor.Health.FAILING, then=Value(3)),
    When(health=Monitor.Health.PENDING, then=Value(2)),
    default=Value(1),
)


def catalog_rows(ids: list[int]) -> list[Connector]:
    """The page's connectors, in the order of `ids`, with what the table shows: each one's
    action count and monitor state (`monitor_state`, "" for none) are read with the rows."""
    # Per-row subqueries, computed for these rows only.
    actions = Action.objects.filter(connector=OuterRef("pk")).order_by().values("connector")
    monitors = Monitor.objects.filter(connector=OuterRef("name")).order_by().values("connector")
    rows = (
        Connector.objects.filter(pk__in=ids)
        .select_related("updated_by")
        .annotate(
            action_count=Coalesce(Subquery(actions.annotate(n=Count("pk")).values("n")), 0),
            monitor_rank=Subquery(monitors.annotate(worst=Max(_MONITOR_RANK)).values("worst")),
        )
    )
    by_id = {row.pk: row for row in rows}
    shown = [by_id[pk] for pk in ids if pk in by_id]
    for row in shown:
        row.monitor_state = MONITOR_STATES.get(row.monitor_rank, "")
    return shown


def action(
    name: str, action_name: str, *, with_args: bool = False, drafts_of: int | None = None
) -> Action | None:
    """The action and its connector, or None; `with_args`: its input args too, read once for
    the inputs form, the body note and the executor; `drafts_of`: that user's unsaved draft of
    it (`draft_posted`, None without one), read in the same query. Every page and Test asks,
    so the SQL is built once per connection (lib.prepared)."""
    if drafts_of is not None:
        found = _ACTION_WITH_DRAFT.rows(name, action_name, drafts_of)
    else:
        found = _ACTION.rows(name, action_name)
    if not found:
        return None
    row = found[0]
    if with_args:
        args = row.input_args.get_queryset()  # as prefetch_related leaves it
        args._result_cache = _INPUT_ARGS.rows(row.pk)
        args._prefetch_done = True
        for arg in args._result_cache:
            Action.input_args.rel.remote_field.set_cached_value(arg, row)
        row._prefetched_objects_cache = {"input_args": args}
    return row


def _actions(name: str, action_name: str) -> QuerySet[Action]:
    return Action.objects.select_related("connector").filter(connector__name=name, name=action_name)


def _with_draft(name: str, action_name: str, user_pk: int) -> QuerySet[Action]:
    drafts = ActionDraft.objects.filter(action=OuterRef("pk"), user=user_pk)
    return _actions(name, action_name).annotate(draft_posted=Subquery(drafts.values("posted")[:1]))


_ACTION = Prepared(_actions, str, str)
_ACTION_WITH_DRAFT = Prepared(_with_draft, str, str, int)
_INPUT_ARGS = Prepared(lambda pk: InputArg.objects.filter(action=pk), int)
