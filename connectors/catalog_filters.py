"""The catalog's filters and sort, as GET parameters: one form, one queryset function.

Filters read the connector's stored last Test run, and every filter and sort has an index
(models.CATALOG_INDEXES), so a page costs the same few queries whatever is chosen.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
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
