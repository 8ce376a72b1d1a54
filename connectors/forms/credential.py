"""The team credential form: a Name and a write-only Value, sealed on save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from connectors.forms.fields import SecretField
from connectors.lib import origins
from connectors.models import Credential
from connectors.secrets import references, sealing


class CredentialForm(forms.ModelForm):
    """A team credential: the Value is write-only; replacing means typing a new one."""

    value = SecretField(
        label="Value",
        help_text="Stored encrypted and never shown again. May be {{ENV_NAME}} to read an "
        "environment variable listed in STUDIO_ENV_CREDENTIALS.",
    )

    allowed_hosts = forms.CharField(
        label="Allowed hosts",
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono", "spellcheck": "false"}),
        help_text="The only hosts the value is ever sent to, separated by commas or spaces: "
        "api.example.com, *.example.com (any name under it), api.example.com:8443 (another "
        "port; without one the default 443 or 80), 127.0.0.1:* (any port). For OAuth, list "
        "the token endpoint's host and the API's.",
        error_messages={"required": "Enter at least one host the value may be sent to."},
    )

    class Meta:
        model = Credential
        fields = ["name", "allowed_hosts"]
        help_texts = {"name": "Referenced as {{NAME}} in secret fields, e.g. TEAM_API_KEY."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allowed_hosts"] = ", ".join(self.instance.allowed_hosts or [])
            # The value may stay: an Admin may change only the Allowed hosts.
            self.fields["value"].help_text = "Blank keeps the stored value. " + str(
                self.fields["value"].help_text
            )
            self.fields["name"].disabled = True  # references point at the name
            self.fields["value"].widget.stored = {
                "hint": self.instance.hint,
                "set_by": self.instance.set_by.get_username() if self.instance.set_by else "",
                "set_at": self.instance.set_at.isoformat(),
            }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if not self.instance.pk and references.is_env_credential(name):
            raise ValidationError(
                f"{name} is an environment credential (listed in STUDIO_ENV_CREDENTIALS): set "
                f"the environment variable {name} on the server instead. A team credential of "
                "that name would take its place in every connector."
            )
        return name

    def clean_allowed_hosts(self) -> list[str]:
        hosts = origins.parse_hosts(self.cleaned_data["allowed_hosts"])
        if not hosts:
            raise ValidationError("Enter at least one host the value may be sent to.")
        if bad := origins.invalid_hosts(hosts):
            raise ValidationError(
                f"Not a host: {', '.join(bad)}. Write a name (api.example.com), *.example.com, "
                "or either with :port."
            )
        return hosts

    @sensitive_variables("value")
    def clean_value(self) -> str:
        value = self.cleaned_data.get("value")
        if self.instance.pk and not value:
            return ""  # keeps the stored value
        if value is SecretField.CLEAR or not value:
            raise ValidationError("Enter the value.")
        if self.cleaned_data.get("name") in sealing.reference_names(value):
            raise ValidationError("A credential cannot refer to itself.")
        return value

    @sensitive_variables("value")
    def save(self, commit: bool = True) -> Credential:
        """The credential as typed, its value sealed, unsaved: catalog.writes.save_credential
        writes it with its history."""
        if commit:
            raise TypeError("A credential is written by catalog.writes, with its history.")
        credential = super().save(commit=False)
        value = self.cleaned_data["value"]
        if value:
            credential.sealed = sealing.seal(value)
            credential.hint = sealing.hint(value)[:80]  # the column's length
        credential.hosts_note = ""  # an Admin has now seen and saved the hosts
        return credential
