"""The connector form: Name, Base URL, Auth Config choice, headers (secret ones sealed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from connectors import homes, secrets
from connectors.fields import KeyValueField
from connectors.models import Connector
from connectors.versions import VersionedForm


class ConnectorForm(VersionedForm, forms.ModelForm):
    headers = KeyValueField(label="Headers", key_label="Header", allow_secret=True)

    class Meta:
        model = Connector
        fields = [
            "name",
            "display_name",
            "description",
            "base_url",
            "auth_config",
            "headers",
            "timeout_seconds",
            "verify_tls",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "base_url": forms.TextInput(attrs={"placeholder": "https://api.example.com"}),
        }
        help_texts = {
            "name": "A letter, then letters, digits or _ (2 to 64 characters).",
            "headers": "Sent with every action. An action header of the same name wins; "
            "the auth header wins over both.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The connector as stored, before this form changes the instance: what homes compare.
        self.before = homes.snapshot(self.instance)
        self.home_notes: list[str] = []
        if bound := homes.bound_to_base_url(self.instance):
            self.fields["base_url"].help_text = (
                f"Changing its host clears {bound}, entered for this host: enter "
                "them again in this form, or they are saved without."
            )

    def settle_homes(self, connector: Connector) -> list[str]:
        """Stamp new secrets with their home and retire those whose origin moved."""
        self.home_notes = homes.settle(self.before, connector)
        return self.home_notes

    def clean_base_url(self) -> str:
        return self.cleaned_data["base_url"].rstrip("/")

    def _stored_secret_header(self, key: str) -> dict[str, str] | None:
        for row in self.instance.headers if self.instance.pk else []:
            if row["key"].lower() == key.lower() and "secret" in row:
                return row["secret"]
        return None

    @sensitive_variables("rows", "row")
    def clean_headers(self) -> list[dict[str, Any]]:
        rows = self.cleaned_data["headers"]
        for row in rows:
            if row.get("kind") == "secret" and not row["value"]:
                row["stored"] = self._stored_secret_header(row["key"])
                if row["stored"] is None:
                    raise ValidationError(f"Enter a value for the secret header {row['key']}.")
        return rows

    @sensitive_variables("row")
    def headers_to_store(self, user_name: str) -> list[dict[str, Any]]:
        """Plain rows as they are; secret rows sealed (a blank one keeps its stored value)."""
        stored: list[dict[str, Any]] = []
        for row in self.cleaned_data["headers"]:
            if row.get("kind") != "secret":
                stored.append({"key": row["key"], "value": row["value"]})
            elif row["value"]:
                stored.append(
                    {"key": row["key"], "secret": secrets.sealed_field(row["value"], user_name)}
                )
            else:
                stored.append({"key": row["key"], "secret": row["stored"]})
        return stored
