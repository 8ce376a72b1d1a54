"""The base of every Auth Config form: stored settings as initial values, write-only secrets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.forms import DeclarativeFieldsMetaclass
from django.views.decorators.debug import sensitive_variables

from connectors import kinds
from connectors.forms.fields import KeyValueField, SecretField, SecretTextarea
from connectors.lib.outbound import urls
from connectors.models import Connector
from connectors.secrets import sealing


def validate_http_url(value: str) -> None:
    """A full http(s) URL that every parser reads alike (templates fill one host label)."""
    try:
        urls.parse_template(value)
    except urls.UnsafeURL as error:
        raise ValidationError(error.message) from None


def form_field(spec: kinds.Field) -> forms.Field:
    """The form field that shows one field of an Auth Config kind."""
    common: dict[str, Any] = {"label": spec.label, "help_text": spec.help_text}
    if spec.widget == kinds.SECRET:
        return SecretField(**common)
    if spec.widget == kinds.SECRET_TEXT:
        return SecretField(widget=SecretTextarea, **common)
    if spec.widget == kinds.KEY_VALUE:
        return KeyValueField(key_label=spec.key_label, **common)
    common |= {"required": spec.required, "initial": spec.initial}
    if spec.widget == kinds.CHOICE:
        return forms.ChoiceField(choices=spec.choices, **common)
    if spec.widget == kinds.NUMBER:
        return forms.IntegerField(min_value=spec.min_value, max_value=spec.max_value, **common)
    if spec.placeholder:
        common["widget"] = forms.TextInput(attrs={"placeholder": spec.placeholder})
    validators = [validate_http_url] if spec.widget == kinds.URL else []
    return forms.CharField(max_length=spec.max_length, validators=validators, **common)


class KindFieldsMetaclass(DeclarativeFieldsMetaclass):
    """A form class naming `kind` gets that kind's fields, in the kind's order."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> type:
        kind = attrs.get("kind")
        if kind is not None:
            attrs = {f.name: form_field(f) for f in kind.fields} | attrs
        return super().__new__(mcs, name, bases, attrs)


class AuthForm(forms.Form, metaclass=KindFieldsMetaclass):
    """The fields of one Auth Config type; secrets are write-only."""

    prefix = "auth"
    kind: kinds.Kind = kinds.NO_AUTH

    def __init__(self, *args: Any, connector: Connector | None = None, **kwargs: Any) -> None:
        self.connector = connector
        stored = connector.auth_settings if connector else {}
        kwargs.setdefault("initial", {**stored})
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            self.fields[name].widget.stored = self.stored_secret(name)

    @property
    def secret_fields(self) -> list[str]:
        return self.kind.secret_fields

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
                result[name] = sealing.sealed_field(value, user_name)
            elif (stored := self.stored_secret(name)) is not None:
                result[name] = stored
        return result
