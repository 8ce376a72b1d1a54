"""The team credential form: a Name and a write-only Value, sealed on save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from connectors import secrets
from connectors.fields import SecretField
from connectors.models import Credential


class CredentialForm(forms.ModelForm):
    """A team credential: the Value is write-only; replacing means typing a new one."""

    value = SecretField(
        label="Value",
        help_text="Stored encrypted and never shown again. May be {{ENV_NAME}} to read an "
        "environment variable listed in STUDIO_ENV_CREDENTIALS.",
    )

    class Meta:
        model = Credential
        fields = ["name"]
        help_texts = {"name": "Referenced as {{NAME}} in secret fields, e.g. OPENAI_API_KEY."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].disabled = True  # references point at the name
            self.fields["value"].widget.stored = {
                "hint": self.instance.hint,
                "set_by": self.instance.set_by.get_username() if self.instance.set_by else "",
                "set_at": self.instance.set_at.isoformat(),
            }

    @sensitive_variables("value")
    def clean_value(self) -> str:
        value = self.cleaned_data.get("value")
        if value is SecretField.CLEAR or not value:
            raise ValidationError("Enter the value.")
        if self.cleaned_data.get("name") in secrets.reference_names(value):
            raise ValidationError("A credential cannot refer to itself.")
        return value

    @sensitive_variables("value")
    def save(self, commit: bool = True) -> Credential:
        credential = super().save(commit=False)
        value = self.cleaned_data["value"]
        credential.sealed = secrets.seal(value)
        credential.hint = secrets.hint(value)[:80]  # the column's length
        if commit:
            credential.save()
        return credential
