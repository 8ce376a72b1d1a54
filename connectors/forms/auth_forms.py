"""The Auth Config forms by type (AUTH_FORMS): No Auth, Api Key, Basic, Digest, Bearer, OAuth
2.0, JWT."""

from __future__ import annotations

from typing import Any

from connectors import kinds
from connectors.forms.auth_base import AuthForm
from connectors.forms.oauth_forms import JwtAuthForm, OAuth2Form
from connectors.lib import header_rules
from connectors.models import Connector

HEADER_SECRET_PROBLEM = (
    "This value goes in a header, and it has a character HTTP headers cannot carry "
    "(a line break, a control character or one beyond Latin-1, such as €)."
)


class NoAuthForm(AuthForm):
    kind = kinds.NO_AUTH


class ApiKeyAuthForm(AuthForm):
    kind = kinds.API_KEY

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("api_key_auth_type") == kinds.PARAM_AUTH:
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
            self._check_header(cleaned)
        return cleaned

    def _check_header(self, cleaned: dict[str, Any]) -> None:
        name = cleaned.get("header_auth_key") or ""
        if name and (problem := header_rules.name_problem(name)):
            self.add_error("header_auth_key", problem)
        pattern = cleaned.get("header_auth_value_pattern") or ""
        if problem := header_rules.value_problem(name, pattern):
            self.add_error("header_auth_value_pattern", problem)
        key = cleaned.get("api_key")
        if isinstance(key, str) and header_rules.value_problem(name, key, secret=True):
            self.add_error("api_key", HEADER_SECRET_PROBLEM)


class BasicAuthForm(AuthForm):
    kind = kinds.BASIC

    def secret_required(self, name: str) -> bool:
        return False


class DigestAuthForm(AuthForm):
    kind = kinds.DIGEST


class BearerTokenAuthForm(AuthForm):
    kind = kinds.BEARER

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        token = cleaned.get("token")
        if isinstance(token, str) and header_rules.value_problem("Authorization", token):
            self.add_error("token", HEADER_SECRET_PROBLEM)
        return cleaned


AUTH_FORMS: dict[str, type[AuthForm]] = {
    Connector.AuthConfig.NO_AUTH: NoAuthForm,
    Connector.AuthConfig.API_KEY: ApiKeyAuthForm,
    Connector.AuthConfig.BASIC: BasicAuthForm,
    Connector.AuthConfig.DIGEST: DigestAuthForm,
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
