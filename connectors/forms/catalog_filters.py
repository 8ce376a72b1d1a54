"""The catalog's filters and sort, as GET parameters: one form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse

from connectors.catalog.queries import TEST_RESULTS
from connectors.models import Connector

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
