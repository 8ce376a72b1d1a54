"""The catalog's forms: a connector with its Auth Config form, an action with its input args."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from connectors import auth, secrets, templating
from connectors.fields import KeyValueField, SecretField, SecretTextarea
from connectors.models import Action, Connector, Credential, InputArg
from connectors.oauth import assertion as jwt_assertion
from connectors.oauth import config as oauth
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


# --- OAuth 2.0 and JWT Auth ----------------------------------------------------------------------

SECRET_HELP = "A value, or {{NAME}} for a team credential."


def validate_http_url(value: str) -> None:
    if not re.match(r"^https?://[^/?#\s]+", value, re.IGNORECASE):
        raise ValidationError("Enter a full URL starting with http:// or https://.")


def check_header_pattern(form: AuthForm, cleaned: dict[str, Any], what: str) -> None:
    """Header Auth Key and Header Auth Value Pattern, as Api Key Auth checks them."""
    if not cleaned.get("header_auth_key"):
        form.add_error("header_auth_key", "Enter the header's name.")
    if cleaned.get("header_auth_value_pattern", "").count("%s") != 1:
        form.add_error(
            "header_auth_value_pattern", f"The pattern needs exactly one %s, where {what} goes."
        )


class GroupedAuthForm(AuthForm):
    """An Auth Config form shown in fieldsets; a group tied to grant types shows only for them."""

    groups: list[tuple[str, tuple[str, ...], list[str]]] = []

    def field_groups(self) -> list[dict[str, Any]]:
        return [
            {"legend": legend, "grants": " ".join(grants), "fields": [self[n] for n in names]}
            for legend, grants, names in self.groups
        ]


class OAuth2Form(GroupedAuthForm):
    oauth2_grant_type = forms.ChoiceField(
        label="Oauth2 Grant Type",
        choices=oauth.GRANT_CHOICES,
        initial=oauth.GRANT_CLIENT_CREDENTIALS,
    )
    oauth2_custom_grant_type = forms.CharField(
        label="Custom Grant Type",
        required=False,
        max_length=200,
        help_text="Sent as grant_type, e.g. account_credentials.",
    )
    client_id = forms.CharField(label="Client ID", required=False, max_length=500)
    client_secret = SecretField(label="Client Secret", help_text=SECRET_HELP)
    oauth2_token_url = forms.CharField(
        label="Oauth2 Token Url",
        max_length=2000,
        validators=[validate_http_url],
        widget=forms.TextInput(attrs={"placeholder": "https://login.example.com/oauth2/token"}),
    )
    scope = forms.CharField(
        label="Scope", required=False, max_length=2000, help_text="Space separated; optional."
    )
    oauth2_client_authentication = forms.ChoiceField(
        label="Oauth2 Client Authentication",
        choices=oauth.CLIENT_AUTH_CHOICES,
        required=False,
        initial=oauth.CLIENT_AUTH_EITHER,
    )
    password_grant_username = forms.CharField(
        label="Password Grant Username", required=False, max_length=500
    )
    password_grant_password = SecretField(label="Password Grant Password", help_text=SECRET_HELP)
    refresh_token_grant_refresh_token = SecretField(
        label="Refresh Token Grant Refresh Token", help_text=SECRET_HELP
    )
    authorization_url = forms.CharField(
        label="Authorization URL", required=False, max_length=2000, validators=[validate_http_url]
    )
    authorization_params = KeyValueField(
        label="Authorization Query Params",
        key_label="Param",
        help_text="Added to the Authorization URL, e.g. access_type=offline, prompt=consent.",
    )
    jwt_bearer_assertion = SecretField(
        label="JWT Bearer Assertion",
        help_text="A signed JWT, or {{NAME}}. To sign one per request, use JWT Auth instead.",
    )
    additional_request_data = KeyValueField(
        label="Additional Request Data",
        key_label="Field",
        help_text="Form fields added to the token request; one named like a standard field "
        "replaces it (e.g. grant_type: account_credentials).",
    )
    additional_headers = KeyValueField(
        label="Additional Headers", key_label="Header", help_text="Sent with the token request."
    )
    header_auth_key = forms.CharField(
        label="Header Auth Key", initial="Authorization", max_length=200, required=False
    )
    header_auth_value_pattern = forms.CharField(
        label="Header Auth Value Pattern",
        initial="Bearer %s",
        max_length=500,
        required=False,
        help_text="How the access token is sent: %s is replaced by it.",
    )
    access_token_key = forms.CharField(
        label="Access Token Key",
        initial="access_token",
        max_length=200,
        required=False,
        help_text="Where the token is in the response; a dotted path for nested JSON.",
    )
    expires_in_key = forms.CharField(
        label="Expires In Key", initial="expires_in", max_length=200, required=False
    )
    expires_in_unit = forms.ChoiceField(
        label="Expires In Unit", choices=[(u, u) for u in oauth.EXPIRES_UNITS], initial="seconds"
    )

    groups = [
        ("Grant", (), ["oauth2_grant_type"]),
        ("Custom grant", (oauth.GRANT_CUSTOM,), ["oauth2_custom_grant_type"]),
        (
            "Client",
            (),
            [
                "client_id",
                "client_secret",
                "oauth2_token_url",
                "scope",
                "oauth2_client_authentication",
            ],
        ),
        (
            "Password grant",
            (oauth.GRANT_PASSWORD,),
            ["password_grant_username", "password_grant_password"],
        ),
        (
            "Refresh Token grant",
            (oauth.GRANT_REFRESH_TOKEN,),
            ["refresh_token_grant_refresh_token"],
        ),
        (
            "Authorization Code grant",
            (oauth.GRANT_AUTHORIZATION_CODE,),
            ["authorization_url", "authorization_params"],
        ),
        ("JWT Bearer grant", (oauth.GRANT_JWT_BEARER,), ["jwt_bearer_assertion"]),
        ("Token request", (), ["additional_request_data", "additional_headers"]),
        (
            "Token response and use",
            (),
            [
                "access_token_key",
                "expires_in_key",
                "expires_in_unit",
                "header_auth_key",
                "header_auth_value_pattern",
            ],
        ),
    ]
    # Secrets and settings that belong to one grant type only.
    GRANT_FIELDS = {
        oauth.GRANT_CUSTOM: ["oauth2_custom_grant_type"],
        oauth.GRANT_PASSWORD: ["password_grant_username", "password_grant_password"],
        oauth.GRANT_REFRESH_TOKEN: ["refresh_token_grant_refresh_token"],
        oauth.GRANT_AUTHORIZATION_CODE: ["authorization_url", "authorization_params"],
        oauth.GRANT_JWT_BEARER: ["jwt_bearer_assertion"],
    }

    def _grant(self) -> str:
        return (getattr(self, "cleaned_data", None) or {}).get("oauth2_grant_type", "")

    def _unused(self) -> set[str]:
        grant = self._grant()
        return {n for g, names in self.GRANT_FIELDS.items() if g != grant for n in names}

    def secret_required(self, name: str) -> bool:
        if name == "client_secret":
            return self._grant() == oauth.GRANT_CLIENT_CREDENTIALS
        return name in self.GRANT_FIELDS.get(self._grant(), [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        grant = cleaned.get("oauth2_grant_type")
        required = {
            "oauth2_custom_grant_type": grant == oauth.GRANT_CUSTOM,
            "client_id": grant != oauth.GRANT_JWT_BEARER,
            "password_grant_username": grant == oauth.GRANT_PASSWORD,
            "authorization_url": grant == oauth.GRANT_AUTHORIZATION_CODE,
        }
        for name, needed in required.items():
            if needed and not cleaned.get(name):
                self.add_error(name, f"Enter the {self.fields[name].label}.")
        check_header_pattern(self, cleaned, "the access token")
        for name in self._unused() - set(self.secret_fields):
            cleaned[name] = [] if isinstance(self.fields[name], KeyValueField) else ""
        cleaned["access_token_key"] = cleaned.get("access_token_key") or "access_token"
        cleaned["expires_in_key"] = cleaned.get("expires_in_key") or "expires_in"
        return cleaned

    def auth_secrets(self, user_name: str) -> dict[str, dict[str, str]]:
        """Other grants' secrets go; a refresh token the broker holds stays (for its config)."""
        kept = {k: v for k, v in super().auth_secrets(user_name).items() if k not in self._unused()}
        obtained = self.stored_secret(oauth.OBTAINED_REFRESH_TOKEN)
        return {**kept, oauth.OBTAINED_REFRESH_TOKEN: obtained} if obtained else kept


class JwtAuthForm(GroupedAuthForm):
    private_key = SecretField(
        label="Private Key",
        widget=SecretTextarea,
        help_text="PEM (-----BEGIN PRIVATE KEY-----), unencrypted; or {{NAME}}.",
    )
    client_id = forms.CharField(label="Client ID", required=False, max_length=500)
    kid = forms.CharField(
        label="KID",
        required=False,
        max_length=500,
        help_text="The key's id, sent in the JWT header.",
    )
    algorithm = forms.ChoiceField(
        label="Algorithm", choices=[(a, a) for a in oauth.JWT_ALGORITHMS], initial="RS256"
    )
    issuer = forms.CharField(
        label="Issuer", required=False, max_length=500, help_text="iss; blank means the Client ID."
    )
    subject = forms.CharField(
        label="Subject", required=False, max_length=500, help_text="sub; blank means the Client ID."
    )
    audience = forms.CharField(
        label="Audience",
        required=False,
        max_length=2000,
        help_text="aud; blank means the Access Token Request URL.",
    )
    expiry_seconds = forms.IntegerField(
        label="Expiry Seconds", initial=300, min_value=1, max_value=86400
    )
    additional_claims = KeyValueField(
        label="Additional Claims",
        key_label="Claim",
        help_text="Numbers, true/false and JSON are sent as such; anything else as text.",
    )
    access_token_request_url = forms.CharField(
        label="Access Token Request URL",
        required=False,
        max_length=2000,
        validators=[validate_http_url],
        help_text="Optional: without it the signed JWT itself is sent as the Bearer token.",
    )
    assertion_key = forms.CharField(
        label="Assertion Key",
        initial="assertion",
        max_length=200,
        required=False,
        help_text="e.g. client_assertion.",
    )
    jwt_grant_type = forms.CharField(
        label="Grant Type", initial=oauth.GRANT_JWT_BEARER, max_length=500, required=False
    )
    scope = forms.CharField(label="Scope", required=False, max_length=2000)

    groups = [
        ("Signing", (), ["private_key", "client_id", "kid", "algorithm"]),
        ("Claims", (), ["issuer", "subject", "audience", "expiry_seconds", "additional_claims"]),
        (
            "Token exchange",
            (),
            ["access_token_request_url", "assertion_key", "jwt_grant_type", "scope"],
        ),
    ]

    @sensitive_variables("value")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        value = cleaned.get("private_key")
        if isinstance(value, str) and value and not secrets.reference_name(value):
            try:
                jwt_assertion.load_key(value, cleaned.get("algorithm", "RS256"))
            except jwt_assertion.InvalidKey as error:
                self.add_error("private_key", str(error))
        if not (cleaned.get("issuer") and cleaned.get("subject")) and not cleaned.get("client_id"):
            self.add_error("client_id", "Enter the Client ID (or both Issuer and Subject).")
        if cleaned.get("access_token_request_url"):
            cleaned["assertion_key"] = cleaned.get("assertion_key") or "assertion"
            cleaned["jwt_grant_type"] = cleaned.get("jwt_grant_type") or oauth.GRANT_JWT_BEARER
        return cleaned


AUTH_FORMS: dict[str, type[AuthForm]] = {
    Connector.AuthConfig.NO_AUTH: NoAuthForm,
    Connector.AuthConfig.API_KEY: ApiKeyAuthForm,
    Connector.AuthConfig.BASIC: BasicAuthForm,
    Connector.AuthConfig.BEARER: BearerTokenAuthForm,
    Connector.AuthConfig.OAUTH2: OAuth2Form,
    Connector.AuthConfig.JWT: JwtAuthForm,
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


class ActionForm(VersionedForm, forms.ModelForm):
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


# --- credentials ---------------------------------------------------------------------------------


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
        if secrets.reference_name(value) == self.cleaned_data.get("name"):
            raise ValidationError("A credential cannot refer to itself.")
        return value

    @sensitive_variables("value")
    def save(self, commit: bool = True) -> Credential:
        credential = super().save(commit=False)
        value = self.cleaned_data["value"]
        credential.sealed = secrets.seal(value)
        credential.hint = secrets.hint(value)
        if commit:
            credential.save()
        return credential
