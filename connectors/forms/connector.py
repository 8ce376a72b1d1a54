"""The connector form: Name, Base URL, Auth Config choice, headers (secret ones sealed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from connectors import kinds, variables
from connectors.forms.auth_base import AuthForm
from connectors.forms.fields import KeyValueField
from connectors.forms.versioned import VersionedForm
from connectors.lib import templating
from connectors.models import Action, Connector, InputArg, validate_identifier
from connectors.secrets import homes, sealing

VARIABLES_HELP = (
    "Named values used as {{name}} in the Base URL, the auth's URLs, headers and actions "
    "(instance_name = dev12345). Not for secrets: they are shown to everyone; put secrets "
    "in the auth's secret fields or a team credential."
)
# Auth fields that are URLs (or a JWT audience) and may use Connector Variables.
AUTH_URL_FIELDS = ("oauth2_token_url", "authorization_url", "access_token_request_url", "audience")
# Plain auth fields that may use them too.
AUTH_PLAIN_FIELDS = ("client_id", "password_grant_username")


class ConnectorForm(VersionedForm, forms.ModelForm):
    variables = KeyValueField(
        label="Connector Variables", key_label="Variable", help_text=VARIABLES_HELP
    )
    headers = KeyValueField(
        label="Headers", key_label="Header", http_headers=True, allow_secret=True
    )

    class Meta:
        model = Connector
        fields = [
            "name",
            "display_name",
            "description",
            "base_url",
            "auth_config",
            "variables",
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
        self.pending_moves: list[str] = []  # what a save would retire, awaiting a confirmation
        if bound := homes.bound_to_base_url(self.instance):
            self.fields["base_url"].help_text = (
                f"Changing its host clears {bound}, entered for this host: enter "
                "them again in this form, or they are saved without."
            )

    def settle_homes(self, connector: Connector) -> list[str]:
        """Stamp new secrets with their home and retire those whose origin moved."""
        self.home_notes = homes.settle(self.before, connector)
        return self.home_notes

    def clean_variables(self) -> list[dict[str, str]]:
        rows = self.cleaned_data["variables"]
        for row in rows:
            try:
                validate_identifier(row["key"])
            except ValidationError:
                raise ValidationError(
                    f"“{row['key']}” is not a variable name: use a letter, then letters, "
                    "digits or _ (2 to 64 characters)."
                ) from None
            if "{{" in row["value"] or "}}" in row["value"]:
                raise ValidationError(
                    f"{row['key']}: a variable holds a plain value, not a {{{{...}}}} "
                    "reference; secrets belong in the auth's secret fields."
                )
        return [{"key": row["key"], "value": row["value"]} for row in rows]

    def known_names(self) -> set[str]:
        """Names a connector template may use: its variables and its actions' input args."""
        names = {row["key"] for row in self.cleaned_data.get("variables") or []}
        if self.instance.pk:
            args = InputArg.objects.filter(action__connector=self.instance)
            names |= set(args.values_list("name", flat=True))
        return names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        base_url = cleaned.get("base_url")
        problem = base_url and _template_problem(base_url, self.known_names())
        if problem and "variables" in cleaned:
            self.add_error("base_url", problem)
        return cleaned

    def check_auth(self, auth_form: AuthForm) -> None:
        """Rules between the connector and its auth: URLs use known variables, and the
        Param Auth name is no action's query param."""
        if not hasattr(self, "cleaned_data") or not auth_form.is_valid():
            return
        known = {row["key"] for row in self.cleaned_data.get("variables") or []}
        for name in AUTH_URL_FIELDS + AUTH_PLAIN_FIELDS:
            value = auth_form.cleaned_data.get(name)
            url = name in AUTH_URL_FIELDS and name != "audience"
            if value and (problem := _template_problem(value, known, "a Connector Variable", url)):
                auth_form.add_error(name, problem)
        data = auth_form.cleaned_data
        param = data.get("param_auth_param_name")
        if self.instance.pk and param and data.get("api_key_auth_type") == kinds.PARAM_AUTH:
            actions = [
                action.name
                for action in Action.objects.filter(connector=self.instance).order_by("name")
                if any(row["key"] == param for row in action.query_params)
            ]
            if actions:
                auth_form.add_error(
                    "param_auth_param_name",
                    f"{param} is already a query param of action {', '.join(actions)}: "
                    "the Api Key would replace it. Choose another name or rename the param.",
                )

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
                    {"key": row["key"], "secret": sealing.sealed_field(row["value"], user_name)}
                )
            else:
                stored.append({"key": row["key"], "secret": row["stored"]})
        return stored


def _template_problem(
    template: str,
    known: set[str],
    what: str = "a Connector Variable or an action's Input Arg",
    url: bool = True,
) -> str | None:
    """Why a template will not render: bad syntax, a tag in a URL's scheme or port, or a name
    that is not known."""
    if url and (problem := variables.url_problem(template)):
        return problem
    try:
        unknown = variables.unknown_in(template, known)
    except templating.TemplateError as error:
        return str(error)
    if unknown:
        names = ", ".join(f"{{{{{name}}}}}" for name in unknown)
        return f"{names} is not {what}: add it under Connector Variables."
    return None
