"""The catalog's forms: a connector with its Auth Config form, an action with its input args."""

from __future__ import annotations

from connectors.bodies import SAMPLE_VALUES, is_json_content_type
from connectors.forms.action import (
    ActionForm,
    BaseInputArgFormSet,
    InputArgForm,
    InputArgFormSet,
    TestInputsForm,
    param_auth_name,
)
from connectors.forms.auth_base import AuthForm, validate_http_url
from connectors.forms.auth_forms import (
    AUTH_FORMS,
    ApiKeyAuthForm,
    BasicAuthForm,
    BearerTokenAuthForm,
    DigestAuthForm,
    NoAuthForm,
    auth_form_for,
)
from connectors.forms.connector import ConnectorForm
from connectors.forms.credential import CredentialForm
from connectors.forms.oauth_forms import (
    GroupedAuthForm,
    JwtAuthForm,
    OAuth2Form,
    check_header_pattern,
)
from connectors.kinds import SECRET_HELP

__all__ = [
    "AUTH_FORMS",
    "SAMPLE_VALUES",
    "SECRET_HELP",
    "ActionForm",
    "ApiKeyAuthForm",
    "AuthForm",
    "BaseInputArgFormSet",
    "BasicAuthForm",
    "BearerTokenAuthForm",
    "ConnectorForm",
    "DigestAuthForm",
    "CredentialForm",
    "GroupedAuthForm",
    "InputArgForm",
    "InputArgFormSet",
    "JwtAuthForm",
    "NoAuthForm",
    "OAuth2Form",
    "TestInputsForm",
    "auth_form_for",
    "check_header_pattern",
    "is_json_content_type",
    "param_auth_name",
    "validate_http_url",
]
