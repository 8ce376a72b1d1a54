"""The base of every Auth Config form: stored settings as initial values, write-only secrets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.views.decorators.debug import sensitive_variables

from connectors import secrets
from connectors.fields import SecretField
from connectors.models import Connector


class AuthForm(forms.Form):
    """The fields of one Auth Config type; secrets are write-only."""

    prefix = "auth"

    def __init__(self, *args: Any, connector: Connector | None = None, **kwargs: Any) -> None:
        self.connector = connector
        stored = connector.auth_settings if connector else {}
        kwargs.setdefault("initial", {**stored})
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            self.fields[name].widget.stored = self.stored_secret(name)

    @property
    def secret_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if isinstance(f, SecretField)]

    def stored_secret(self, name: str) -> dict[str, str] | None:
        if self.connector is None:
            return None
        return self.connector.auth_secrets.get(name)

    def secret_required(self, name: str) -> bool:
        return True

    @sensitive_variables("cleaned", "value")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in self.secret_fields:
            value = cleaned.get(name)
            keeps = not value and self.stored_secret(name) is not None
            if self.secret_required(name) and (value == SecretField.CLEAR or not (value or keeps)):
                self.add_error(name, f"Enter the {self.fields[name].label}.")
        return cleaned

    def auth_settings(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.secret_fields}

    @sensitive_variables("value")
    def auth_secrets(self, user_name: str) -> dict[str, dict[str, str]]:
        """The sealed secrets to store: new values sealed, blanks keep, Clear removes."""
        result: dict[str, dict[str, str]] = {}
        for name in self.secret_fields:
            value = self.cleaned_data.get(name)
            if value == SecretField.CLEAR:
                continue
            if value:
                result[name] = secrets.sealed_field(value, user_name)
            elif (stored := self.stored_secret(name)) is not None:
                result[name] = stored
        return result
