"""The Import cURL form, and the action form for a connector that is not saved yet."""

from __future__ import annotations

from typing import Any

from django import forms

from connectors.forms.action import ActionForm
from connectors.models import Connector

EXAMPLE = 'curl https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"'


class CurlImportForm(forms.Form):
    command = forms.CharField(
        label="cURL command",
        strip=False,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "class": "mono", "spellcheck": "false", "placeholder": EXAMPLE}
        ),
        help_text="As copied from browser devtools, Postman or an API's docs.",
    )
    connector = forms.ChoiceField(label="Connector", required=False)
    connector_name = forms.CharField(
        label="Connector Name",
        required=False,
        max_length=64,
        help_text="For a new connector; made from the host when blank.",
    )
    action_name = forms.CharField(
        label="Action Name",
        required=False,
        max_length=64,
        help_text="Made from the method and path when blank, e.g. get_v1_models.",
    )
    sealed = forms.CharField(required=False, widget=forms.HiddenInput)
    chosen = forms.CharField(required=False, widget=forms.HiddenInput)  # the user saw the choice
    digest = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Connector.objects.values_list("name", flat=True)
        self.fields["connector"].choices = [("", "Create a new connector")] + [
            (name, name) for name in names
        ]


class ImportActionForm(ActionForm):
    """The action form, also for a connector that is not saved yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].strip = False  # the body exactly as curl sends it

    def clean_name(self) -> str:
        if self.connector.pk is None:
            return self.cleaned_data["name"]
        return super().clean_name()
