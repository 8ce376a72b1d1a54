"""The action form (templates checked against its Input Args), the args formset, Test inputs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connectors import bodies, kinds, variables
from connectors.bodies import is_json_content_type
from connectors.forms.fields import KeyValueField
from connectors.forms.versioned import VersionedForm
from connectors.lib import templating
from connectors.models import Action, Connector, InputArg


def param_auth_name(connector: Connector | None) -> str:
    """The query param the connector's Param Auth sends the Api Key under, or ""."""
    if connector is None or connector.auth_config != Connector.AuthConfig.API_KEY:
        return ""
    if connector.setting("api_key_auth_type") != kinds.PARAM_AUTH:
        return ""
    return connector.setting("param_auth_param_name")


class ActionForm(VersionedForm, forms.ModelForm):
    query_params = KeyValueField(
        label="Query Params",
        key_label="Param",
        allow_repeats=True,
        help_text="A param may repeat (tag=a, tag=b): sent in this order.",
    )
    headers = KeyValueField(label="Headers", key_label="Header", http_headers=True)

    class Meta:
        model = Action
        fields = ["name", "description", "method", "path", "query_params", "headers", "body"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
            "path": forms.TextInput(
                attrs={
                    "placeholder": "/v1/models",
                    "class": "mono",
                    "data-preview-target": "path-preview",
                }
            ),
        }
        help_texts = {
            "path": "Appended to the Base URL. May use {{arg}}; no query string.",
            "body": "JSON or form data; may use {{arg}}, {{{arg}}} and {{#arg}}…{{/arg}}.",
        }

    def __init__(self, *args: Any, connector: Connector, declared_args: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.connector = connector
        self.declared_args = declared_args  # name -> data type
        # HTTP methods read as they are sent ("GET"), not as TextChoices titles them ("Get").
        self.fields["method"].choices = [(m, m) for m in Action.Method.values]

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
        known = set(self.declared_args)
        if self.connector is not None:
            known |= set(variables.of(self.connector))
        undeclared = sorted(used - known)
        if undeclared:
            names = ", ".join(f"{{{{{n}}}}}" for n in undeclared)
            self.add_error(
                field, f"{names} is used but not declared as an Input Arg or Connector Variable."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for field in ("path", "body"):
            if cleaned.get(field):
                self._check_template(field, cleaned[field])
        for field in ("query_params", "headers"):
            for row in cleaned.get(field) or []:
                self._check_template(field, row["key"] + row["value"])
        self._check_json_body(cleaned)
        self._check_param_auth(cleaned)
        return cleaned

    def _check_param_auth(self, cleaned: dict[str, Any]) -> None:
        name = param_auth_name(self.connector)
        if name and any(row["key"] == name for row in cleaned.get("query_params") or []):
            self.add_error(
                "query_params",
                f"{name} is the connector's Param Auth Param Name: the Api Key is sent as "
                f"{name}. Rename this param or change the connector's Param Auth.",
            )

    def _content_type(self, headers: list[dict[str, str]]) -> str | None:
        return bodies.header_content_type(self.connector, headers)

    def body_note(self) -> str:
        """How the body will be sent: what was posted, or else what is saved."""
        body, headers = self["body"].value() or "", self["headers"].value() or []
        return bodies.note(body, self._content_type(headers), self.declared_args)

    def _check_json_body(self, cleaned: dict[str, Any]) -> None:
        body = cleaned.get("body") or ""
        content_type = self._content_type(cleaned.get("headers") or [])
        as_json = is_json_content_type(content_type) or (
            content_type is None and bodies.looks_json(body)
        )
        if not body.strip() or not as_json or self.has_error("body"):
            return
        samples = bodies.samples(body, self.declared_args)
        if self.connector is not None:
            known = variables.of(self.connector).items()
            samples.update({k: v for k, v in known if k not in self.declared_args})
        said = f"Content-Type is {content_type}" if content_type else "it is sent as JSON"
        try:
            rendered = templating.render(body, samples, escape=templating.escape_json_string)
            json.loads(rendered)
        except templating.ConstructError:
            return
        except json.JSONDecodeError as error:
            self.add_error(
                "body",
                f"The body is not valid JSON ({said}): "
                f"{error.msg} at line {error.lineno}, column {error.colno}.",
            )
        except RecursionError:
            self.add_error("body", "The body is not valid JSON: it is nested too deeply.")
        except ValueError:  # Python's limit on int digits (sys.get_int_max_str_digits)
            self.add_error("body", "The body holds a number with thousands of digits.")


class InputArgForm(forms.ModelForm):
    class Meta:
        model = InputArg
        fields = ["name", "data_type", "description", "example_value", "required"]
        widgets = {"example_value": forms.TextInput()}


# More rows than any API operation has parameters; a post claiming more is refused, and the page
# it comes back to renders at most this many rows (Django's own cap is 2,000: seconds of CPU).
MAX_INPUT_ARGS = 200


class BaseInputArgFormSet(forms.BaseInlineFormSet):
    default_error_messages = {
        "too_many_forms": f"An action takes at most {MAX_INPUT_ARGS} Input Args.",
    }

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
    max_num=MAX_INPUT_ARGS,
    absolute_max=MAX_INPUT_ARGS,
    validate_max=True,
)


class TestInputsForm(forms.Form):
    """One input per Input Arg, pre-filled with its example value."""

    def __init__(
        self,
        *args: Any,
        action: Action | None = None,
        input_args: Iterable[InputArg] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if input_args is None:
            input_args = action.input_args.all() if action is not None else []
        for arg in input_args:
            self.fields[arg.name] = forms.CharField(
                label=arg.name,
                required=arg.required,
                initial=arg.example_value,
                help_text=_input_help(arg),
                strip=False,
                validators=[_TYPE_CHECKS[arg.data_type]] if arg.data_type in _TYPE_CHECKS else [],
                error_messages={"required": f"Enter {arg.name}: it is required."},
            )


def _input_help(arg: InputArg) -> str:
    article = "An" if arg.data_type[0] in "aeiou" else "A"
    kind = "" if arg.data_type == InputArg.DataType.STRING else f"{article} {arg.data_type}."
    return " ".join(part for part in (arg.description, kind) if part)


NUMBER_RE = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$")


def _check_number(value: str) -> None:
    if not NUMBER_RE.match(value.strip()):
        raise ValidationError(f"“{value}” is not a number (for example 42 or 3.5).")


def _check_boolean(value: str) -> None:
    if value.strip() not in ("true", "false"):
        raise ValidationError(f"“{value}” is not a boolean: enter true or false.")


def _json_check(kind: type, noun: str, example: str):
    def check(value: str) -> None:
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            message = f"This is not valid JSON: enter an {noun} such as {example}."
            raise ValidationError(message) from None
        if not isinstance(parsed, kind):
            raise ValidationError(f"This is JSON but not an {noun}: enter one such as {example}.")

    return check


# An input is checked against its Data Type before anything is sent: a number arg set to
# "abc" would otherwise land in a JSON body as {"count": abc}.
_TYPE_CHECKS = {
    InputArg.DataType.NUMBER: _check_number,
    InputArg.DataType.BOOLEAN: _check_boolean,
    InputArg.DataType.OBJECT: _json_check(dict, "object", '{"key": "value"}'),
    InputArg.DataType.ARRAY: _json_check(list, "array", '["a", "b"]'),
}
