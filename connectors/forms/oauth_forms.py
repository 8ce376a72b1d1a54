"""The OAuth 2.0 and JWT Auth forms: fields grouped by grant, checked per grant type."""

from __future__ import annotations

from typing import Any

from django.views.decorators.debug import sensitive_variables

from connectors import kinds
from connectors.engine.oauth import assertion
from connectors.forms.auth_base import AuthForm
from connectors.forms.fields import KeyValueField
from connectors.secrets import sealing


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
    kind = kinds.OAUTH2

    groups = [
        ("Grant", (), ["oauth2_grant_type"]),
        ("Custom grant", (kinds.GRANT_CUSTOM,), ["oauth2_custom_grant_type"]),
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
            (kinds.GRANT_PASSWORD,),
            ["password_grant_username", "password_grant_password"],
        ),
        (
            "Refresh Token grant",
            (kinds.GRANT_REFRESH_TOKEN,),
            ["refresh_token_grant_refresh_token"],
        ),
        (
            "Authorization Code grant",
            (kinds.GRANT_AUTHORIZATION_CODE,),
            ["authorization_url", "authorization_params"],
        ),
        ("JWT Bearer grant", (kinds.GRANT_JWT_BEARER,), ["jwt_bearer_assertion"]),
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
    GRANT_FIELDS = kinds.grant_fields(kinds.OAUTH2)

    def _grant(self) -> str:
        return (getattr(self, "cleaned_data", None) or {}).get("oauth2_grant_type", "")

    def _unused(self) -> set[str]:
        grant = self._grant()
        return {n for g, names in self.GRANT_FIELDS.items() if g != grant for n in names}

    def secret_required(self, name: str) -> bool:
        if name == "client_secret":
            return self._grant() == kinds.GRANT_CLIENT_CREDENTIALS
        return name in self.GRANT_FIELDS.get(self._grant(), [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        grant = cleaned.get("oauth2_grant_type")
        required = {
            "oauth2_custom_grant_type": grant == kinds.GRANT_CUSTOM,
            "client_id": grant != kinds.GRANT_JWT_BEARER,
            "password_grant_username": grant == kinds.GRANT_PASSWORD,
            "authorization_url": grant == kinds.GRANT_AUTHORIZATION_CODE,
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
        obtained = self.stored_secret(kinds.OBTAINED_REFRESH_TOKEN)
        return {**kept, kinds.OBTAINED_REFRESH_TOKEN: obtained} if obtained else kept


class JwtAuthForm(GroupedAuthForm):
    kind = kinds.JWT

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
        if isinstance(value, str) and value and not sealing.reference_names(value):
            try:
                assertion.load_key(value, cleaned.get("algorithm", "RS256"))
            except assertion.InvalidKey as error:
                self.add_error("private_key", str(error))
        if not (cleaned.get("issuer") and cleaned.get("subject")) and not cleaned.get("client_id"):
            self.add_error("client_id", "Enter the Client ID (or both Issuer and Subject).")
        if cleaned.get("access_token_request_url"):
            cleaned["assertion_key"] = cleaned.get("assertion_key") or "assertion"
            cleaned["jwt_grant_type"] = cleaned.get("jwt_grant_type") or kinds.GRANT_JWT_BEARER
        return cleaned
