"""The catalog's filters and sort, as GET parameters: one form, one queryset function.

Filters work on the annotations search_connectors already adds (last Test run), so a page
costs the same few queries whatever is chosen.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from connectors.models import Connector

PASSING = Q(last_run_error="", last_run_status__gte=200, last_run_status__lt=400)
FAILING = (
    ~Q(last_run_error="")
    | Q(last_run_status__isnull=True)
    | Q(last_run_status__lt=200)
    | Q(last_run_status__gte=400)
)
TEST_RESULTS = [
    ("", "Any Test result"),
    ("passing", "Passing"),
    ("failing", "Failing"),
    ("never", "Never tested"),
]
SORTS = [("name", "Name"), ("changed", "Last change")]


class CatalogFilters(forms.Form):
    q = forms.CharField(required=False, strip=True)
    auth = forms.ChoiceField(
        label="Auth Config",
        required=False,
        choices=[("", "Any Auth Config"), *Connector.AuthConfig.choices],
    )
    test = forms.ChoiceField(label="Last Test", required=False, choices=TEST_RESULTS)
    by = forms.ChoiceField(label="Changed by", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORTS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Who changed a connector last: one query, whatever the catalog's size.
        changers = get_user_model().objects.filter(
            pk__in=Connector.objects.filter(updated_by__isnull=False).values("updated_by")
        )
        names = sorted(changers.values_list("username", flat=True))
        self.fields["by"].choices = [("", "Anyone"), *((n, n) for n in names)]
        for name in ("auth", "test", "by", "sort"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("catalog"),
                    "hx-trigger": "change",
                    "hx-target": "#results",
                    "hx-swap": "outerHTML",
                    "hx-push-url": "true",
                    "hx-include": "closest form",
                }
            )

    def values(self) -> dict[str, str]:
        """The cleaned choices; an unknown value counts as no filter rather than an error."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or "" for name in self.fields}


def shareable_url(chosen: dict[str, str], page: str | None = None) -> str:
    """The catalog's URL with only the choices that differ from the defaults."""
    params = {k: v for k, v in chosen.items() if v and not (k == "sort" and v == "name")}
    if page and page != "1":
        params["page"] = page
    return reverse("catalog") + (f"?{urlencode(params)}" if params else "")


def filter_catalog(connectors: QuerySet[Connector], chosen: dict[str, str]) -> QuerySet:
    """Apply the chosen filters and sort to search_connectors' annotated queryset."""
    if chosen.get("auth"):
        connectors = connectors.filter(auth_config=chosen["auth"])
    test = chosen.get("test")
    if test == "never":
        connectors = connectors.filter(last_run_at__isnull=True)
    elif test == "passing":
        connectors = connectors.filter(PASSING, last_run_at__isnull=False)
    elif test == "failing":
        connectors = connectors.filter(FAILING, last_run_at__isnull=False)
    if chosen.get("by"):
        connectors = connectors.filter(updated_by__username=chosen["by"])
    if chosen.get("sort") == "changed":
        return connectors.order_by("-updated_at", "name")
    return connectors.order_by("name")
