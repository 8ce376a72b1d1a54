"""A paginator for the admin's large tables: no COUNT(*) over a million rows per page."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many estimated rows the exact count is cheap: count them.
EXACT_BELOW = 10_000


def estimated_rows(queryset) -> int | None:
    """PostgreSQL's planner estimate of the rows of `queryset`; None on other databases."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to EXACT_BELOW rows; above, uses the planner's estimate (PostgreSQL).

    The planner's figure comes from the table statistics (ANALYZE, autovacuum), so the page
    count of a large table is approximate; the rows of each page are exact.
    """

    @cached_property
    def count(self) -> int:
        estimate = estimated_rows(self.object_list)
        if estimate is not None and estimate >= EXACT_BELOW:
            return estimate
        return super().count
