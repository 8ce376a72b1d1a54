"""The OAuth 2.0 and JWT Auth forms: fields grouped by grant, checked per grant type."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from connectors import origins, secrets
from connectors.fields import KeyValueField, SecretField, SecretTextarea
from connectors.forms.auth_base import AuthForm
from connectors.oauth import assertion as jwt_assertion
from connectors.oauth import config as oauth

SECRET_HELP = "A value, or {{NAME}} for a team credential."


def validate_http_url(value: str) -> None:
    """A full http(s) URL that every parser reads alike (templates fill one host label)."""
    try:
        origins.parse_template(value)
    except origins.UnsafeURL as error:
        raise ValidationError(error.message) from None


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
        if isinstance(value, str) and value and not secrets.reference_names(value):
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
