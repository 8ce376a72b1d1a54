"""The catalog's forms: a connector with its Auth Config form, an action with its input args."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connectors import auth, secrets, templating
from connectors.fields import KeyValueField, SecretField
from connectors.models import Action, Connector, InputArg


class ConnectorForm(forms.ModelForm):
    headers = KeyValueField(label="Headers", key_label="Header")

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

    def clean_base_url(self) -> str:
        return self.cleaned_data["base_url"].rstrip("/")


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


class NoAuthForm(AuthForm):
    pass


class ApiKeyAuthForm(AuthForm):
    api_key_auth_type = forms.ChoiceField(
        label="Api Key Auth Auth Type",
        choices=[(auth.HEADER_AUTH, "Header Auth"), (auth.PARAM_AUTH, "Param Auth")],
        initial=auth.HEADER_AUTH,
    )
    header_auth_key = forms.CharField(
        label="Header Auth Key", initial="Authorization", required=False, max_length=200
    )
    header_auth_value_pattern = forms.CharField(
        label="Header Auth Value Pattern",
        initial="Bearer %s",
        required=False,
        max_length=500,
        help_text="%s is replaced by the Api Key.",
    )
    param_auth_param_name = forms.CharField(
        label="Param Auth Param Name", required=False, max_length=200
    )
    api_key = SecretField(label="Api Key", help_text="A value, or {{NAME}} for a team credential.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("api_key_auth_type") == auth.PARAM_AUTH:
            if not cleaned.get("param_auth_param_name"):
                self.add_error("param_auth_param_name", "Enter the query parameter's name.")
            cleaned["header_auth_key"] = cleaned["header_auth_value_pattern"] = ""
        else:
            if not cleaned.get("header_auth_key"):
                self.add_error("header_auth_key", "Enter the header's name.")
            pattern = cleaned.get("header_auth_value_pattern", "")
            if pattern.count("%s") != 1:
                self.add_error(
                    "header_auth_value_pattern",
                    "The pattern needs exactly one %s, where the Api Key goes.",
                )
            cleaned["param_auth_param_name"] = ""
        return cleaned


class BasicAuthForm(AuthForm):
    username = forms.CharField(label="Username", max_length=500)
    password = SecretField(
        label="Password", help_text="Some APIs take the key as Username and no password."
    )

    def secret_required(self, name: str) -> bool:
        return False


class BearerTokenAuthForm(AuthForm):
    token = SecretField(label="Token", help_text="Sent as Authorization: Bearer <token>.")


AUTH_FORMS: dict[str, type[AuthForm]] = {
    Connector.AuthConfig.NO_AUTH: NoAuthForm,
    Connector.AuthConfig.API_KEY: ApiKeyAuthForm,
    Connector.AuthConfig.BASIC: BasicAuthForm,
    Connector.AuthConfig.BEARER: BearerTokenAuthForm,
}


def auth_form_for(
    auth_config: str, data: Any = None, connector: Connector | None = None
) -> AuthForm:
    form_class = AUTH_FORMS.get(auth_config, NoAuthForm)
    same_type = connector is not None and connector.auth_config == auth_config
    return form_class(data, connector=connector if same_type else None)


# --- actions -------------------------------------------------------------------------------------

SAMPLE_VALUES: dict[str, object] = {
    InputArg.DataType.STRING: "x",
    InputArg.DataType.NUMBER: 0,
    InputArg.DataType.BOOLEAN: True,
    InputArg.DataType.OBJECT: {},
    InputArg.DataType.ARRAY: [],
}


def is_json_content_type(value: str | None) -> bool:
    media = (value or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class ActionForm(forms.ModelForm):
    query_params = KeyValueField(label="Query Params", key_label="Param")
    headers = KeyValueField(label="Headers", key_label="Header")

    class Meta:
        model = Action
        fields = ["name", "description", "method", "path", "query_params", "headers", "body"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
            "path": forms.TextInput(attrs={"placeholder": "/v1/models", "class": "mono"}),
        }
        help_texts = {
            "path": "Appended to the Base URL. May use {{arg}}; no query string.",
            "body": "JSON or form data; may use {{arg}}, {{{arg}}} and {{#arg}}…{{/arg}}.",
        }

    def __init__(self, *args: Any, connector: Connector, declared_args: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.connector = connector
        self.declared_args = declared_args  # name -> data type

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        clash = Action.objects.filter(connector=self.connector, name=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(f"This connector already has an action named {name}.")
        return name

    def _check_template(self, field: str, text: str) -> None:
        try:
            used = templating.variables(text)
        except templating.TemplateError as error:
            self.add_error(field, str(error))
            return
        undeclared = sorted(used - set(self.declared_args))
        if undeclared:
            names = ", ".join(f"{{{{{n}}}}}" for n in undeclared)
            self.add_error(field, f"{names} is used but not declared as an Input Arg.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for field in ("path", "body"):
            if cleaned.get(field):
                self._check_template(field, cleaned[field])
        for field in ("query_params", "headers"):
            for row in cleaned.get(field) or []:
                self._check_template(field, row["key"] + row["value"])
        self._check_json_body(cleaned)
        return cleaned

    def _check_json_body(self, cleaned: dict[str, Any]) -> None:
        body = cleaned.get("body") or ""
        headers = cleaned.get("headers") or []
        content_type = next(
            (row["value"] for row in headers if row["key"].lower() == "content-type"), None
        )
        if not body.strip() or not is_json_content_type(content_type) or self.has_error("body"):
            return
        samples = {name: SAMPLE_VALUES[kind] for name, kind in self.declared_args.items()}
        try:
            rendered = templating.render(body, samples, escape=templating.escape_json_string)
            json.loads(rendered)
        except templating.ConstructError:
            return
        except json.JSONDecodeError as error:
            self.add_error(
                "body",
                f"The body is not valid JSON (Content-Type is {content_type}): "
                f"{error.msg} at line {error.lineno}, column {error.colno}.",
            )


class InputArgForm(forms.ModelForm):
    class Meta:
        model = InputArg
        fields = ["name", "data_type", "description", "example_value", "required"]
        widgets = {"example_value": forms.TextInput()}


class BaseInputArgFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            name = form.cleaned_data.get("name") if form.cleaned_data else None
            if not name or form.cleaned_data.get("DELETE"):
                continue
            if name in seen:
                form.add_error("name", f"Input Arg {name} is declared twice.")
            seen.add(name)

    def declared(self) -> dict[str, str]:
        """name -> data type of the args that will be kept (valid rows only)."""
        result: dict[str, str] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("name") and not data.get("DELETE"):
                result[data["name"]] = data.get("data_type") or InputArg.DataType.STRING
        return result


InputArgFormSet = forms.inlineformset_factory(
    Action,
    InputArg,
    form=InputArgForm,
    formset=BaseInputArgFormSet,
    extra=1,
    can_delete=True,
)


class TestInputsForm(forms.Form):
    """One input per Input Arg, pre-filled with its example value."""

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for arg in action.input_args.all():
            self.fields[arg.name] = forms.CharField(
                label=arg.name,
                required=arg.required,
                initial=arg.example_value,
                help_text=arg.description,
                strip=False,
            )
