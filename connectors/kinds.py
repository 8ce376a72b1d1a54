"""What each Auth Config kind is, as data: its fields with Agent Studio's labels, choices and
defaults, which fields are secret, and which secrets travel to a token endpoint.

Forms build their auth fields from it; history, homes, importers, exporters, the auth summary and
the gallery read it. Adding a kind: an entry here and a strategy in engine/auth/.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from connectors.models import Connector

# What a field is, for the form that shows it.
TEXT = "text"
URL = "url"  # a full http(s) URL
CHOICE = "choice"
NUMBER = "number"
KEY_VALUE = "key_value"  # rows of key and value
SECRET = "secret"  # write-only
SECRET_TEXT = "secret_text"  # write-only, several lines (a PEM key)

HEADER_AUTH = "HEADER"
PARAM_AUTH = "PARAM"

GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_PASSWORD = "password"
GRANT_REFRESH_TOKEN = "refresh_token"
GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_CUSTOM = "custom"
GRANT_CHOICES = (
    (GRANT_CLIENT_CREDENTIALS, "Client Credentials"),
    (GRANT_PASSWORD, "Password"),
    (GRANT_REFRESH_TOKEN, "Refresh Token"),
    (GRANT_AUTHORIZATION_CODE, "Authorization Code"),
    (GRANT_JWT_BEARER, "JWT Bearer"),
    (GRANT_CUSTOM, "Custom"),
)

CLIENT_AUTH_BODY = "REQUEST_BODY"
CLIENT_AUTH_BASIC = "BASIC_AUTH_HEADER"
CLIENT_AUTH_EITHER = ""  # as Agent Studio: try the Basic header, then the request body
CLIENT_AUTH_CHOICES = (
    (CLIENT_AUTH_EITHER, "Blank: try Basic Auth Header, then Request Body"),
    (CLIENT_AUTH_BODY, "Request Body"),
    (CLIENT_AUTH_BASIC, "Basic Auth Header"),
)

EXPIRES_UNITS = {"seconds": 1.0, "milliseconds": 0.001, "minutes": 60.0}
JWT_ALGORITHMS = ("RS256", "ES256")

# The auth_secrets entry the token broker owns (a refresh token it was given), not a form field.
OBTAINED_REFRESH_TOKEN = "oauth_refresh_token"
OBTAINED_REFRESH_TOKEN_LABEL = "stored OAuth refresh token"

SECRET_HELP = "A value, or {{NAME}} for a team credential."


@dataclass(frozen=True)
class Field:
    """One field of an Auth Config kind."""

    name: str
    label: str
    widget: str = TEXT
    required: bool = False
    initial: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 500
    help_text: str = ""
    placeholder: str = ""
    key_label: str = ""  # KEY_VALUE: what a row's key is called
    min_value: int | None = None
    max_value: int | None = None
    grant: str = ""  # set: the field belongs to this OAuth grant type only
    # A secret sent to a token endpoint: the setting that holds that endpoint's URL.
    token_url_setting: str = ""
    # Set: the field applies only while this other setting has this value.
    when: tuple[str, str] = ()

    @property
    def secret(self) -> bool:
        return self.widget in (SECRET, SECRET_TEXT)

    @property
    def default(self) -> Any:
        """The stored value of a setting left at its initial value."""
        if self.widget == KEY_VALUE:
            return []
        return "" if self.initial is None else self.initial


@dataclass(frozen=True)
class Kind:
    code: str
    fields: tuple[Field, ...] = ()
    # The fields the connector page sums the kind up with, in order (a secret by its state).
    summary: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(Connector.AuthConfig(self.code).label)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def secret_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.secret]

    def default_settings(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields if not f.secret}


_OAUTH2_TOKEN = "oauth2_token_url"
_JWT_TOKEN = "access_token_request_url"

NO_AUTH = Kind(Connector.AuthConfig.NO_AUTH)
API_KEY = Kind(
    Connector.AuthConfig.API_KEY,
    (
        Field(
            "api_key_auth_type",
            "Api Key Auth Auth Type",
            CHOICE,
            required=True,
            initial=HEADER_AUTH,
            choices=((HEADER_AUTH, "Header Auth"), (PARAM_AUTH, "Param Auth")),
        ),
        Field(
            "header_auth_key",
            "Header Auth Key",
            initial="Authorization",
            max_length=200,
            when=("api_key_auth_type", HEADER_AUTH),
        ),
        Field(
            "header_auth_value_pattern",
            "Header Auth Value Pattern",
            initial="Bearer %s",
            help_text="%s is replaced by the Api Key.",
            when=("api_key_auth_type", HEADER_AUTH),
        ),
        Field(
            "param_auth_param_name",
            "Param Auth Param Name",
            max_length=200,
            when=("api_key_auth_type", PARAM_AUTH),
        ),
        Field("api_key", "Api Key", SECRET, help_text=SECRET_HELP),
    ),
    summary=(
        "api_key_auth_type",
        "header_auth_key",
        "header_auth_value_pattern",
        "param_auth_param_name",
        "api_key",
    ),
)
BASIC = Kind(
    Connector.AuthConfig.BASIC,
    (
        # May be empty, as in curl's `-u :password`: Basic then sends ":password".
        Field("username", "Username"),
        Field(
            "password",
            "Password",
            SECRET,
            help_text="Some APIs take the key as Username and no password.",
        ),
    ),
    summary=("username", "password"),
)
DIGEST = Kind(
    Connector.AuthConfig.DIGEST,
    (
        Field("username", "Username", required=True),
        Field(
            "password",
            "Password",
            SECRET,
            help_text="Never sent: the server's Digest challenge is answered with a hash of it "
            "(MD5 or SHA-256). A value, or {{NAME}} for a team credential.",
        ),
    ),
    summary=("username", "password"),
)
BEARER = Kind(
    Connector.AuthConfig.BEARER,
    (Field("token", "Token", SECRET, help_text="Sent as Authorization: Bearer <token>."),),
    summary=("token",),
)
OAUTH2 = Kind(
    Connector.AuthConfig.OAUTH2,
    (
        Field(
            "oauth2_grant_type",
            "Oauth2 Grant Type",
            CHOICE,
            required=True,
            initial=GRANT_CLIENT_CREDENTIALS,
            choices=GRANT_CHOICES,
        ),
        Field(
            "oauth2_custom_grant_type",
            "Custom Grant Type",
            max_length=200,
            help_text="Sent as grant_type, e.g. account_credentials.",
            grant=GRANT_CUSTOM,
        ),
        Field("client_id", "Client ID"),
        Field(
            "client_secret",
            "Client Secret",
            SECRET,
            help_text=SECRET_HELP,
            token_url_setting=_OAUTH2_TOKEN,
        ),
        Field(
            _OAUTH2_TOKEN,
            "Oauth2 Token Url",
            URL,
            required=True,
            max_length=2000,
            placeholder="https://login.example.com/oauth2/token",
        ),
        Field("scope", "Scope", max_length=2000, help_text="Space separated; optional."),
        Field(
            "oauth2_client_authentication",
            "Oauth2 Client Authentication",
            CHOICE,
            initial=CLIENT_AUTH_EITHER,
            choices=CLIENT_AUTH_CHOICES,
        ),
        Field("password_grant_username", "Password Grant Username", grant=GRANT_PASSWORD),
        Field(
            "password_grant_password",
            "Password Grant Password",
            SECRET,
            help_text=SECRET_HELP,
            grant=GRANT_PASSWORD,
            token_url_setting=_OAUTH2_TOKEN,
        ),
        Field(
            "refresh_token_grant_refresh_token",
            "Refresh Token Grant Refresh Token",
            SECRET,
            help_text=SECRET_HELP,
            grant=GRANT_REFRESH_TOKEN,
            token_url_setting=_OAUTH2_TOKEN,
        ),
        Field(
            "authorization_url",
            "Authorization URL",
            URL,
            max_length=2000,
            grant=GRANT_AUTHORIZATION_CODE,
        ),
        Field(
            "authorization_params",
            "Authorization Query Params",
            KEY_VALUE,
            key_label="Param",
            help_text="Added to the Authorization URL, e.g. access_type=offline, prompt=consent.",
            grant=GRANT_AUTHORIZATION_CODE,
        ),
        Field(
            "jwt_bearer_assertion",
            "JWT Bearer Assertion",
            SECRET,
            help_text="A signed JWT, or {{NAME}}. To sign one per request, use JWT Auth instead.",
            grant=GRANT_JWT_BEARER,
            token_url_setting=_OAUTH2_TOKEN,
        ),
        Field(
            "additional_request_data",
            "Additional Request Data",
            KEY_VALUE,
            key_label="Field",
            help_text="Form fields added to the token request; one named like a standard field "
            "replaces it (e.g. grant_type: account_credentials).",
        ),
        Field(
            "additional_headers",
            "Additional Headers",
            KEY_VALUE,
            key_label="Header",
            help_text="Sent with the token request.",
        ),
        Field("header_auth_key", "Header Auth Key", initial="Authorization", max_length=200),
        Field(
            "header_auth_value_pattern",
            "Header Auth Value Pattern",
            initial="Bearer %s",
            help_text="How the access token is sent: %s is replaced by it.",
        ),
        Field(
            "access_token_key",
            "Access Token Key",
            initial="access_token",
            max_length=200,
            help_text="Where the token is in the response; a dotted path for nested JSON.",
        ),
        Field("expires_in_key", "Expires In Key", initial="expires_in", max_length=200),
        Field(
            "expires_in_unit",
            "Expires In Unit",
            CHOICE,
            required=True,
            initial="seconds",
            choices=tuple((unit, unit) for unit in EXPIRES_UNITS),
        ),
    ),
    summary=("oauth2_grant_type", _OAUTH2_TOKEN, "client_id", "client_secret"),
)
JWT = Kind(
    Connector.AuthConfig.JWT,
    (
        Field(
            "private_key",
            "Private Key",
            SECRET_TEXT,
            help_text="PEM (-----BEGIN PRIVATE KEY-----), unencrypted; or {{NAME}}.",
            token_url_setting=_JWT_TOKEN,
        ),
        Field("client_id", "Client ID"),
        Field("kid", "KID", help_text="The key's id, sent in the JWT header."),
        Field(
            "algorithm",
            "Algorithm",
            CHOICE,
            required=True,
            initial="RS256",
            choices=tuple((a, a) for a in JWT_ALGORITHMS),
        ),
        Field("issuer", "Issuer", help_text="iss; blank means the Client ID."),
        Field("subject", "Subject", help_text="sub; blank means the Client ID."),
        Field(
            "audience",
            "Audience",
            max_length=2000,
            help_text="aud; blank means the Access Token Request URL.",
        ),
        Field(
            "expiry_seconds",
            "Expiry Seconds",
            NUMBER,
            required=True,
            initial=300,
            min_value=1,
            max_value=86400,
        ),
        Field(
            "additional_claims",
            "Additional Claims",
            KEY_VALUE,
            key_label="Claim",
            help_text="Numbers, true/false and JSON are sent as such; anything else as text.",
        ),
        Field(
            _JWT_TOKEN,
            "Access Token Request URL",
            URL,
            max_length=2000,
            help_text="Optional: without it the signed JWT itself is sent as the Bearer token.",
        ),
        Field(
            "assertion_key",
            "Assertion Key",
            initial="assertion",
            max_length=200,
            help_text="e.g. client_assertion.",
        ),
        Field("jwt_grant_type", "Grant Type", initial=GRANT_JWT_BEARER),
        Field("scope", "Scope", max_length=2000),
    ),
    summary=("algorithm", "client_id", _JWT_TOKEN, "private_key"),
)


@dataclass(frozen=True)
class SummaryItem:
    """One part of a connector's auth summary: a chosen value's label alone (no `label`),
    a setting as `label value`, or a secret as `label` and its stored state."""

    label: str
    value: Any = ""
    secret: bool = False
    stored: Any = None  # a secret's stored entry (its hint, who set it, when); None: not set


KINDS: dict[str, Kind] = {
    kind.code: kind for kind in (NO_AUTH, API_KEY, BASIC, DIGEST, BEARER, OAUTH2, JWT)
}


def kind_of(auth_config: str) -> Kind:
    """The kind of an Auth Config code; an unknown code reads as No Auth."""
    return KINDS.get(auth_config, NO_AUTH)


def secret_fields(auth_config: str) -> list[str]:
    """The secret fields of a kind (not the broker's own tokens)."""
    return kind_of(auth_config).secret_fields


def full_settings(auth_config: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Settings over the kind's defaults, as a saved form would store them."""
    if auth_config not in KINDS:
        return dict(settings)
    return kind_of(auth_config).default_settings() | settings


def any_field(name: str) -> Field | None:
    """The field of that name in the first kind that has it (labels agree across kinds)."""
    return next((f for kind in KINDS.values() if (f := kind.field(name))), None)


def label(name: str) -> str | None:
    """Agent Studio's label of an auth field, or of the broker's stored refresh token."""
    if name == OBTAINED_REFRESH_TOKEN:
        return OBTAINED_REFRESH_TOKEN_LABEL
    field = any_field(name)
    return field.label if field else None


def choice_label(name: str, value: str) -> str | None:
    """A chosen value by its label ("Header Auth"), not its stored code."""
    field = any_field(name)
    if field is None or not field.choices:
        return None
    return dict(field.choices).get(value, value)


def token_url_setting(name: str) -> str:
    """The setting whose URL a secret field travels to as well as the Base URL ("" if none)."""
    if name == OBTAINED_REFRESH_TOKEN:
        return _OAUTH2_TOKEN
    field = any_field(name)
    return field.token_url_setting if field else ""


def token_side_fields() -> list[str]:
    """Every secret that goes to a token endpoint, the broker's refresh token included."""
    names = [f.name for kind in KINDS.values() for f in kind.fields if f.token_url_setting]
    return [*dict.fromkeys(names), OBTAINED_REFRESH_TOKEN]


def grant_fields(kind: Kind) -> dict[str, list[str]]:
    """Fields that belong to one grant type only, by grant."""
    found: dict[str, list[str]] = {}
    for field in kind.fields:
        if field.grant:
            found.setdefault(field.grant, []).append(field.name)
    return found


def fingerprint(connector: Connector) -> str:
    """Changes whenever the auth settings or a secret change, so old tokens stop counting."""
    sealed = {
        name: stored.get("sealed")
        for name, stored in connector.auth_secrets.items()
        if name != OBTAINED_REFRESH_TOKEN
    }
    data: dict[str, Any] = {
        "type": connector.auth_config,
        "settings": connector.auth_settings,
        "variables": connector.variables,  # they may change the token URL or the Client ID
        "secrets": sealed,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def applies(kind: Kind, field: Field, settings: dict[str, Any]) -> bool:
    """Whether a field is in use with these settings (its grant, or its `when`, chosen)."""
    if field.grant and settings.get("oauth2_grant_type") != field.grant:
        return False
    if field.when:
        name, value = field.when
        other = kind.field(name)
        return settings.get(name, other.default if other else "") == value
    return True


def summary(
    auth_config: str, settings: dict[str, Any], secrets: dict[str, Any]
) -> list[SummaryItem]:
    """The kind's summary fields in use, as SummaryItems. A kind's only secret is always
    shown (set or not); where a kind has several, those set."""
    kind = kind_of(auth_config)
    only_secret = len(kind.secret_fields) == 1
    items: list[SummaryItem] = []
    for field in (kind.field(name) for name in kind.summary):
        if field is None or not applies(kind, field, settings):
            continue
        if field.secret:
            if secrets.get(field.name) or only_secret:
                items.append(SummaryItem(field.label, secret=True, stored=secrets.get(field.name)))
        elif value := settings.get(field.name, field.default):
            choice = dict(field.choices).get(value, value) if field.choices else None
            items.append(SummaryItem("", choice) if choice else SummaryItem(field.label, value))
    return items
