"""Build connectors/importing/templates_data.py from Agent Studio's public setup guides.

    .venv/bin/python scripts/build_templates.py [path/to/agent-studio-guides.json]

The guides' facts are read as written; `translate()` turns one configuration into a gallery
template. Generic rules map the guides' many spellings of a field onto this product's fields;
CORRECTIONS holds what a guide gets wrong for one configuration, each with the reason the
gallery shows; WATCH_OUT holds each guide's oddities, rewritten as short warnings. The generated
module is committed: the product never reads the guides' file at run time.

`translate(..., corrected=False)` gives the configuration exactly as written (no corrections),
which the tests build to report which guides work as they stand.
"""

from __future__ import annotations

import copy
import json
import pprint
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/shared/reference/agent-studio-guides.json")
TARGET = ROOT / "connectors" / "importing" / "templates_data.py"

AUTH_CONFIGS = {
    "No Auth": "NO_AUTH",
    "Api Key Auth": "API_KEY",
    "Basic Auth": "BASIC",
    "Bearer Token Auth": "BEARER",
    "OAuth 2.0": "OAUTH2",
    "JWT Auth": "JWT",
}
GRANT_LABELS = {
    "client_credentials": "Client Credentials",
    "authorization_code": "Authorization Code",
    "password": "Password",
    "refresh_token": "Refresh Token",
    "saml_bearer": "SAML Bearer",
}
OAUTH_DEFAULTS: dict[str, Any] = {
    "oauth2_grant_type": "client_credentials",
    "oauth2_custom_grant_type": "",
    "client_id": "",
    "oauth2_token_url": "",
    "scope": "",
    "oauth2_client_authentication": "",
    "password_grant_username": "",
    "authorization_url": "",
    "authorization_params": [],
    "additional_request_data": [],
    "additional_headers": [],
    "header_auth_key": "Authorization",
    "header_auth_value_pattern": "Bearer %s",
    "access_token_key": "access_token",
    "expires_in_key": "expires_in",
    "expires_in_unit": "seconds",
}
JWT_DEFAULTS: dict[str, Any] = {
    "client_id": "",
    "kid": "",
    "algorithm": "RS256",
    "issuer": "",
    "subject": "",
    "audience": "",
    "expiry_seconds": 300,
    "additional_claims": [],
    "access_token_request_url": "",
    "assertion_key": "assertion",
    "jwt_grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "scope": "",
}
API_KEY_DEFAULTS: dict[str, Any] = {
    "api_key_auth_type": "HEADER",
    "header_auth_key": "Authorization",
    "header_auth_value_pattern": "%s",
    "param_auth_param_name": "",
}

# A guide's label, lower-cased with single spaces -> (this product's field, kind).
# kind: "setting" (plain), "secret" (an Auth Config secret field), "ask" (a plain value only
# the user knows), "grant", "client_auth", "rows" (a key/value table), "ignore".
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "api key auth auth type": ("api_key_auth_type", "setting"),
    "api key auth type": ("api_key_auth_type", "setting"),
    "header auth key": ("header_auth_key", "setting"),
    "header auth value pattern": ("header_auth_value_pattern", "setting"),
    "param auth param name": ("param_auth_param_name", "setting"),
    "param auth parameter name": ("param_auth_param_name", "setting"),
    "api key": ("api_key", "secret"),
    "username": ("username", "ask"),
    "password": ("password", "secret"),
    "oauth2 grant type": ("oauth2_grant_type", "grant"),
    "oauth grant type": ("oauth2_grant_type", "grant"),
    "grant type": ("oauth2_grant_type", "grant"),
    "client id": ("client_id", "ask"),
    "client secret": ("client_secret", "secret"),
    "client credentials grant scope": ("scope", "setting"),
    "authorization code grant scope": ("scope", "setting"),
    "oauth2 token url": ("oauth2_token_url", "setting"),
    "oauth token url": ("oauth2_token_url", "setting"),
    "oauth2 client authentication": ("oauth2_client_authentication", "client_auth"),
    "authorization url": ("authorization_url", "setting"),
    "authorization request query parameters": ("authorization_params", "rows"),
    "oauth2 custom oauth request options additional request data": (
        "additional_request_data",
        "rows",
    ),
    "oauth2 custom oauth request options additional headers": ("additional_headers", "rows"),
    "password grant username": ("password_grant_username", "ask"),
    "password grant password": ("password_grant_password", "secret"),
    "refresh token grant refresh token": ("refresh_token_grant_refresh_token", "secret"),
    "oauth2 custom oauth response type": ("", "ignore"),
    "oauth2 custom oauth response response type": ("", "ignore"),
    "json expires in key": ("expires_in_key", "setting"),
    "json expires in format": ("", "ignore"),
    "jwt auth algorithm": ("algorithm", "setting"),
    "jwt auth claims expiry seconds": ("expiry_seconds", "setting"),
    "jwt auth claims issuer": ("issuer", "ask"),
    "jwt auth claims subject": ("subject", "ask"),
    "jwt auth claims audience": ("audience", "setting"),
    "jwt auth additional claims": ("additional_claims", "rows"),
    "jwt auth oauth2 access token request url": ("access_token_request_url", "setting"),
    "token url": ("access_token_request_url", "setting"),
    "private key": ("private_key", "secret"),
    "kid": ("kid", "ask"),
    "assertion key (optional)": ("assertion_key", "setting"),
}
GRANTS = {
    "client credentials grant": "client_credentials",
    "client credentials": "client_credentials",
    "authorization code grant": "authorization_code",
    "password grant": "password",
    "refresh token grant": "refresh_token",
}
CLIENT_AUTH = {
    "oauth 2.0 with request body": "REQUEST_BODY",
    "oauth 2.0 with basic auth header set to username and password": "BASIC_AUTH_HEADER",
    "oauth 2.0 with basic auth header set to client id and client secret": "BASIC_AUTH_HEADER",
}
LABELS = {
    "api_key": "Api Key",
    "password": "Password",
    "client_secret": "Client Secret",
    "password_grant_password": "Password Grant Password",
    "refresh_token_grant_refresh_token": "Refresh Token Grant Refresh Token",
    "private_key": "Private Key",
    "client_id": "Client ID",
    "username": "Username",
    "password_grant_username": "Password Grant Username",
    "issuer": "Issuer",
    "subject": "Subject",
    "kid": "KID",
    "scope": "Scope",
}
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}|\{([^{}]+)\}|<([^<>]+)>")
REFERENCE_RE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def key(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip().lower())


def ident(text: str) -> str:
    """A placeholder's text as a variable or credential name: letters, digits and _."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return name if name[:1].isalpha() else f"v_{name}"


def is_described(value: Any) -> bool:
    """The guide describes the value instead of giving it ('<Client ID from Step 4>')."""
    return isinstance(value, str) and (
        bool(PLACEHOLDER_RE.fullmatch(value.strip())) or re.fullmatch(r"[A-Z][A-Z_]+", value)
    )


def as_written_placeholders(text: str) -> str:
    """Both spellings the guides use, {{name}} and {name}, become {{name}}; <...> too."""

    def one(match: re.Match[str]) -> str:
        return "{{" + ident(next(g for g in match.groups() if g)) + "}}"

    return PLACEHOLDER_RE.sub(one, text)


def rows(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):
        return [{"key": k, "value": str(v)} for k, v in value.items()]
    if isinstance(value, str) and ":" in value:  # "Content-Type: application/json"
        name, _, text = value.partition(":")
        return [{"key": name.strip(), "value": text.strip()}]
    return []


# --- one configuration -----------------------------------------------------------------------


def translate(guide: dict[str, Any], config: dict[str, Any], corrected: bool = True) -> dict:
    """One configuration as a template (corrected) or exactly as the guide writes it."""
    fix = CORRECTIONS.get(config["id"], {}) if corrected else {}
    auth_config = AUTH_CONFIGS.get(config["auth_config"], "NO_AUTH")
    grant = config.get("grant_type") or ""
    settings: dict[str, Any] = copy.deepcopy(
        {"OAUTH2": OAUTH_DEFAULTS, "JWT": JWT_DEFAULTS, "API_KEY": API_KEY_DEFAULTS}.get(
            auth_config, {}
        )
    )
    secrets: list[dict[str, Any]] = []
    asks: list[dict[str, Any]] = []
    differences: list[str] = []
    dropped: list[str] = []
    for label, value in config["auth_fields"].items():
        name, kind = FIELD_NAMES.get(key(label), ("", "unknown"))
        if corrected and label in fix.get("drop_fields", {}):
            differences.append(f"{label} is left out: {fix['drop_fields'][label]}")
            continue
        if isinstance(value, dict) and kind not in ("rows",):
            choice = fix.get("choose", {}).get(label) or next(iter(value))
            value = value[choice]
        if kind == "unknown":
            dropped.append(label)
        elif kind == "ignore":
            continue
        elif kind == "grant":
            settings[name] = GRANTS.get(key(value), value)
        elif kind == "client_auth":
            settings[name] = CLIENT_AUTH.get(key(value), "")
        elif kind == "rows":
            settings[name] = [_asked_row(asks, row) for row in rows(value)]
        elif kind == "secret":
            secrets.append(_secret(guide, name, value))
        elif kind == "ask" or _described_setting(name, value):
            asks.append(_ask(name, value))
            settings[name] = f"[[{name}]]"
        else:
            if name == "api_key_auth_type":
                value = "PARAM" if "param" in value.lower() else "HEADER"
            if name == "algorithm":
                value = value.replace("JWT_ALGORITHM_", "")
            if name == "expiry_seconds":
                value = int(value)
            settings[name] = value
    if dropped:
        differences.append(
            "Not a field of this Auth Config, so left out: " + ", ".join(dropped) + "."
        )
    if auth_config == "API_KEY" and settings.get("api_key_auth_type") == "PARAM":
        settings["header_auth_key"] = settings["header_auth_value_pattern"] = ""
    template: dict[str, Any] = {
        "id": config["id"],
        "slug": guide["slug"],
        "vendor": guide["name"],
        "label": config["label"],
        "default_name": ident(guide["slug"]).lower(),
        "auth_config": auth_config,
        "auth_label": config["auth_config"],
        "grant": "" if auth_config != "OAUTH2" else settings.get("oauth2_grant_type", grant),
        "base_url": config["base_url"] or "",
        "auth_settings": settings,
        "headers": [],
        "secrets": secrets,
        "asks": asks,
        "actions": [_action(a) for a in config["actions"]],
        "credentials_needed": config["credentials_needed"],
        "guide_url": guide["guide_url"],
        "docs_url": guide.get("docs_url") or (guide.get("vendor_links") or [None])[0] or "",
        "watch_out": WATCH_OUT.get(config["id"], []),
        "differences": differences,
        "expressible": True,
        "reason": "",
    }
    for row in config["connector_headers"]:
        if row.get("secret"):
            template["secrets"].append(
                _secret(guide, f"header:{row['key']}", row["value"], label=row["key"])
            )
        else:
            template["headers"].append({"key": row["key"], "value": row["value"]})
    if grant == "saml_bearer":
        template["grant"] = "saml_bearer"
    _apply(template, fix, corrected)
    _placeholders(template, fix if corrected else {})
    used = json.dumps([template["auth_settings"], template["actions"]])
    template["asks"] = [a for a in template["asks"] if f"[[{a['name']}]]" in used]
    if not template["base_url"]:
        _unexpressible(template, "The guide gives no Base URL for this connector.")
    elif not template["actions"]:
        _unexpressible(template, "The guide defines no HTTP action to create or Test.")
    if grant == "saml_bearer":
        _unexpressible(
            template,
            "SAML Bearer: Agent Studio builds a signed SAML assertion per user after an IdP "
            "sign-in; Connector Studio cannot generate SAML assertions yet.",
        )
    return template


def _described_setting(name: str, value: Any) -> bool:
    """A plain setting (not a URL) the guide gives as a placeholder: the user supplies it."""
    return (
        name not in URL_SETTINGS and isinstance(value, str) and bool(PLACEHOLDER_RE.search(value))
    )


def _unexpressible(template: dict[str, Any], reason: str) -> None:
    template["expressible"] = False
    template["reason"] = template["reason"] or reason


def _secret(guide: dict[str, Any], field: str, value: str, label: str = "") -> dict[str, Any]:
    reference = REFERENCE_RE.match(value or "")
    base = field.removeprefix("header:").replace("-", "_")
    credential = reference.group(1) if reference else ident(f"{guide['slug']}_{base}").upper()
    return {
        "field": field,
        "label": label or LABELS.get(field, field),
        "credential": credential,
        "help": "" if reference else value,
        "reference_only": False,
        "as_written": value,
    }


def _ask(name: str, value: Any) -> dict[str, Any]:
    text = str(value)
    described = is_described(text) or bool(PLACEHOLDER_RE.search(text))
    return {
        "name": name,
        "label": LABELS.get(name, name),
        "help": text if described else "",
        "initial": "" if described else text,
    }


def _asked_row(asks: list[dict[str, Any]], row: dict[str, str]) -> dict[str, str]:
    """A table row whose value the guide only describes is asked for in the form."""
    if not PLACEHOLDER_RE.search(row["value"]):
        return row
    name = ident(row["key"]).lower()
    if all(ask["name"] != name for ask in asks):  # a value asked for already is asked once
        asks.append({"name": name, "label": row["key"], "help": row["value"], "initial": ""})
    return {"key": row["key"], "value": f"[[{name}]]"}


def _action(action: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": action["name"],
        "description": action.get("expected_response_note") or "",
        "method": action["method"],
        "path": action["path"],
        "query_params": [dict(r) for r in action["query_params"]],
        "headers": [{"key": r["key"], "value": r["value"]} for r in action["headers"]],
        "body": action["body"],
        "input_args": [
            {
                "name": arg["name"],
                "data_type": arg.get("data_type") or "string",
                "description": "",
                "example_value": arg.get("example_value") or "",
                "required": True,
            }
            for arg in action["input_args"]
        ],
    }


def _apply(template: dict[str, Any], fix: dict[str, Any], corrected: bool) -> None:
    """A configuration's corrections, each with the reason it differs from the guide."""
    for name in ("base_url", "headers"):
        if name in fix:
            template[name] = fix[name]
    template["auth_settings"].update(fix.get("settings", {}))
    for ask in fix.get("asks", []):
        template["asks"] = [a for a in template["asks"] if a["name"] != ask["name"]] + [ask]
    template["secrets"] += fix.get("add_secrets", [])
    for name, secret in fix.get("secret_settings", {}).items():
        template["asks"] = [a for a in template["asks"] if a["name"] != name]
        template["auth_settings"][name] = ""
        template["secrets"].append({"field": f"setting:{name}", "reference_only": True, **secret})
    for field, change in fix.get("secrets", {}).items():
        for secret in template["secrets"]:
            if secret["field"] == field:
                secret.update(change)
    for index, change in fix.get("actions", {}).items():
        action = template["actions"][index]
        args = change.pop("input_args", None)
        action.update(change)
        change["input_args"] = args
        for arg in args or []:
            existing = [a for a in action["input_args"] if a["name"] == arg["name"]]
            if existing:
                existing[0].update(arg)
            else:
                action["input_args"].append(
                    {"data_type": "string", "description": "", "required": True, **arg}
                )
    template["differences"] += fix.get("differences", [])
    if corrected:
        for action in template["actions"]:
            if re.match(r"^https?://", action["path"]):
                path = re.sub(r"^https?://[^/]+", "", action["path"])
                template["differences"].append(
                    f"Action {action['name']}: the guide puts a full URL in Path "
                    f"({action['path']}); a Path is relative to the Base URL, so it is {path}."
                )
                action["path"] = path
            for arg in action["input_args"]:
                if not arg["example_value"]:
                    arg["example_value"] = fix.get("examples", {}).get(arg["name"], "")
    if "unexpressible" in fix:
        _unexpressible(template, fix["unexpressible"])


URL_SETTINGS = ("oauth2_token_url", "authorization_url", "access_token_request_url", "audience")


def _placeholders(template: dict[str, Any], fix: dict[str, Any]) -> None:
    """Placeholders in URLs and actions become Connector Variables (both spellings)."""
    template["base_url"] = as_written_placeholders(template["base_url"])
    settings = template["auth_settings"]
    for name in URL_SETTINGS:
        if isinstance(settings.get(name), str):
            settings[name] = as_written_placeholders(settings[name])
    args = set()
    for action in template["actions"]:
        action["path"] = as_written_placeholders(action["path"])
        for row in action["query_params"] + action["headers"]:
            row["value"] = as_written_placeholders(row["value"])
        args |= {arg["name"] for arg in action["input_args"]}
    texts = [template["base_url"], *(settings.get(n) or "" for n in URL_SETTINGS)]
    for action in template["actions"]:
        texts += [action["path"], action["body"]]
        texts += [r["value"] for r in action["query_params"] + action["headers"]]
    found: list[str] = []
    for text in texts:
        for name in re.findall(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", str(text)):
            if name not in args and name not in found:
                found.append(name)
    described = fix.get("variables", {})
    template["variables"] = [
        {
            "key": name,
            "label": described.get(name, {}).get("label", name.replace("_", " ")),
            "example": described.get(name, {}).get("example", ""),
            "plain_only": _whole_host(template, name),
        }
        for name in found
    ]


def _whole_host(template: dict[str, Any], name: str) -> str:
    """A placeholder that is more than one DNS label can only be a plain value."""
    urls = [template["base_url"], *(template["auth_settings"].get(n) or "" for n in URL_SETTINGS)]
    for url in urls:
        host = re.match(r"^(?:https?://)?([^/]*)", str(url)).group(1)
        if "{{" + name + "}}" in host and not re.search(
            r"[.\-]\{\{" + name + r"\}\}|\{\{" + name + r"\}\}[.\-]", host
        ):
            return (
                "It stands for a whole host (several names with dots), and a Connector "
                "Variable fills one name in a host, so it is typed in as a plain value."
            )
    if url_start := [u for u in urls if str(u).startswith("{{" + name + "}}")]:
        del url_start
        return "It stands for the start of a URL, so it is typed in as a plain value."
    return ""


# --- the guides' corrections and warnings ------------------------------------------------------

SALESFORCE_SECRET = {
    "password_grant_password": {
        "credential": "SALESFORCE_PASSWORD_AND_TOKEN",
        "help": "Your password with the security token appended (no space between them).",
    }
}

CORRECTIONS: dict[str, dict[str, Any]] = {
    "azure-function-app-api-key-param": {
        "base_url": "https://{{function_app}}.azurewebsites.net",
        "variables": {"function_app": {"label": "Function App name", "example": "my-app"}},
        "differences": [
            "Base URL: the guide's is the author's own demo app; here the app name is a "
            "Connector Variable."
        ],
    },
    "coupa-oauth2-client-credentials": {
        "variables": {"INSTANCE_DOMAIN": {"label": "Coupa host", "example": "acme.coupahost.com"}},
        "actions": {0: {"headers": [{"key": "Accept", "value": "application/json"}]}},
        "asks": [
            {
                "name": "scope",
                "label": "Scope",
                "help": "Space-separated Coupa scopes.",
                "initial": "core.expense.read",
            }
        ],
        "settings": {"scope": "[[scope]]"},
        "differences": [
            "The action sends Accept: application/json (the guide's own curl does) instead of "
            "a Content-Type header on a GET without a body."
        ],
    },
    "coupa-oauth2-authorization-code": {
        "variables": {"INSTANCE_DOMAIN": {"label": "Coupa host", "example": "acme.coupahost.com"}},
        "actions": {0: {"headers": [{"key": "Accept", "value": "application/json"}]}},
        "asks": [
            {
                "name": "scope",
                "label": "Scope",
                "help": "Space-separated Coupa scopes.",
                "initial": "core.approval.read",
            }
        ],
        "settings": {"scope": "[[scope]]"},
        "differences": [
            "The action sends Accept: application/json (the guide's own curl does) instead of "
            "a Content-Type header on a GET without a body."
        ],
    },
    "databricks-oauth2-client-credentials": {
        "base_url": "https://{{workspace}}.cloud.databricks.com",
        "settings": {
            "oauth2_token_url": "https://{{workspace}}.cloud.databricks.com/oidc/v1/token"
        },
        "variables": {"workspace": {"label": "Workspace name", "example": "dbc-a1b2c3-d4e5"}},
        "differences": [
            "Base URL and Oauth2 Token Url share one workspace Connector Variable; the guide "
            "gives an example host and a {databricks-hostname} placeholder."
        ],
    },
    "datadog-api-key": {
        "settings": {"header_auth_value_pattern": "%s"},
        "secrets": {"header:DD-APPLICATION-KEY": {"credential": "DATADOG_APPLICATION_KEY"}},
    },
    "docusign-jwt-admin": {
        "add_secrets": [
            {
                "field": "private_key",
                "label": "Private Key",
                "credential": "DOCUSIGN_PRIVATE_KEY",
                "help": "The integration key's RSA private key (PEM).",
                "reference_only": False,
            }
        ],
        "settings": {
            "jwt_grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion_key": "assertion",
        },
        "choose": {"JWT Auth Claims Audience": "demo/developer", "Token URL": "demo/developer"},
        "drop_fields": {
            "Custom Grant Scope": "it holds the grant type URN, which is the Grant Type here."
        },
        "actions": {
            0: {
                "path": "/management/v2.1/organizations/{{organization_id}}/users/dsprofile",
                "query_params": [{"key": "email", "value": "{{user_email}}"}],
            }
        },
        "examples": {"user_email": "admin@example.com", "organization_id": "org-guid"},
        "differences": [
            "The path's <organization_id> is the input arg organization_id, and the input "
            "arg user_email is sent as the email query param (the guide declares it unused).",
            "Audience and token URL are the demo (developer) account's, as the base URL is a "
            "demo host.",
        ],
    },
    "docusign-jwt-esignature": {
        "add_secrets": [
            {
                "field": "private_key",
                "label": "Private Key",
                "credential": "DOCUSIGN_PRIVATE_KEY",
                "help": "The integration key's RSA private key (PEM).",
                "reference_only": False,
            }
        ],
        "settings": {"jwt_grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"},
        "choose": {"JWT Auth Claims Audience": "demo/developer", "Token URL": "demo/developer"},
        "drop_fields": {
            "Custom Grant Scope": "it holds the grant type URN, which is the Grant Type here."
        },
        "examples": {"account_id": "account-guid"},
        "differences": [
            "Audience and token URL are the demo (developer) account's, as the base URL is a "
            "demo host."
        ],
    },
    "github-api-key": {"examples": {"github_username": "octocat"}},
    "gong-basic": {
        "base_url": "https://{{gong_host}}.api.gong.io",
        "variables": {"gong_host": {"label": "Gong API host prefix", "example": "us-12345"}},
        "drop_fields": {"OAuth Grant Type": "Basic Auth has no grant type."},
        "differences": ["Base URL: the per-customer host prefix is a Connector Variable."],
    },
    "google-admin-sdk-oauth2-authorization-code": {
        "settings": {
            "scope": "https://www.googleapis.com/auth/admin.directory.resource.calendar.readonly"
        },
        "differences": [
            "Scope: offline_access is dropped; Google is not an OpenID offline_access server, "
            "and access_type=offline (kept) is how it gives a refresh token."
        ],
    },
    "google-calendar-oauth2-authorization-code": {
        "settings": {
            "scope": "https://www.googleapis.com/auth/calendar.readonly "
            "https://www.googleapis.com/auth/calendar.events "
            "https://www.googleapis.com/auth/admin.directory.resource.calendar.readonly"
        },
        "drop_fields": {
            "Authorization Code Grant Revoke Access Token Options Revoke Access Token "
            "Authentication": "token revocation is not part of Connector Studio."
        },
        "differences": [
            "Scope: offline_access is dropped; access_type=offline (kept) is how Google gives "
            "a refresh token."
        ],
    },
    "greenhouse-basic": {
        "secret_settings": {
            "username": {
                "label": "Username",
                "credential": "GREENHOUSE_HARVEST_API_KEY",
                "help": "The Harvest API key, kept in a team credential.",
            }
        },
        "differences": [
            "The Harvest API key goes in Username as a team credential reference, so it stays "
            "secret; the Password stays empty, as Greenhouse expects."
        ],
    },
    "jamf-oauth2-client-credentials": {
        "variables": {"your_instance": {"label": "Jamf Cloud instance", "example": "acme"}},
    },
    "jira-basic": {
        "variables": {"your_site": {"label": "Atlassian site", "example": "acme"}},
    },
    "jira-oauth2-authorization-code": {
        "base_url": "https://api.atlassian.com",
        "settings": {
            "authorization_url": "https://auth.atlassian.com/authorize",
            "oauth2_token_url": "https://auth.atlassian.com/oauth/token",
            "additional_headers": [],
        },
        "drop_fields": {
            "Custom Grant Type": "the grant is already Authorization Code.",
            "Additional Headers": "the token request is form-encoded; a JSON Content-Type "
            "would contradict its body.",
        },
        "differences": [
            "Base URL is https://api.atlassian.com: the test path "
            "/oauth/token/accessible-resources is served there, not on the site.",
            "Authorization URL and Oauth2 Token Url are Atlassian's own "
            "(auth.atlassian.com), which the {JIRA_AUTH_DOMAIN} placeholder stands for.",
        ],
    },
    "lakeside-systrack-ai-api-key": {
        "headers": [],
        "add_secrets": [
            {
                "field": "api_key",
                "label": "Api Key",
                "credential": "SYSTRACK_API_KEY",
                "help": "The full SysTrack API key.",
                "reference_only": False,
            }
        ],
        "settings": {
            "api_key_auth_type": "HEADER",
            "header_auth_key": "systrack-api-key",
            "header_auth_value_pattern": "%s",
        },
        "variables": {
            "systrack_hostname": {"label": "SysTrack host", "example": "cloud.lakesidesoftware.com"}
        },
        "differences": [
            "The key goes in Api Key Auth (Header Auth, systrack-api-key) instead of a plain "
            "connector header, so it is stored as a secret and never shown."
        ],
    },
    "microsoft-graph-oauth2-authorization-code": {
        "variables": {"tenant_id": {"label": "Directory (tenant) ID", "example": "contoso"}},
    },
    "microsoft-graph-oauth2-client-credentials": {
        "variables": {"tenant_id": {"label": "Directory (tenant) ID", "example": "contoso"}},
        "examples": {"your_email": "adele@contoso.com"},
        "settings": {
            "oauth2_client_authentication": "REQUEST_BODY",
            "additional_request_data": [
                {"key": "resource", "value": "https://graph.microsoft.com"}
            ],
        },
        "drop_fields": {
            "OAuth2 Client Authorization": "Oauth2 Client Authentication is the field; it is "
            "set to Request Body as the guide means."
        },
        "differences": [
            "Additional Request Data keeps resource; grant_type=client_credentials is already "
            "what the grant sends."
        ],
    },
    "moveworks-data-api-api-key": {
        "settings": {"header_auth_key": "Authorization", "header_auth_value_pattern": "Bearer %s"},
        "drop_fields": {
            "API Key Header Name": "the field is Header Auth Key (set to Authorization)."
        },
        "differences": [
            "Header Auth Value Pattern is Bearer %s, as the guide's test curl sends it."
        ],
    },
    "moveworks-data-api-oauth2-client-credentials": {
        "settings": {"oauth2_token_url": "https://api.moveworks.ai/oauth/v1/token"},
        "differences": [
            "Oauth2 Token Url is https://api.moveworks.ai/oauth/v1/token, from the guide's "
            "screenshot (the text only describes it)."
        ],
    },
    "nexthink-oauth2-client-credentials": {
        "variables": {
            "nexthink_instance": {"label": "Nexthink instance", "example": "acme"},
            "region": {"label": "Region", "example": "us"},
        },
    },
    "okta-jwt": {
        "settings": {
            "issuer": "",
            "subject": "",
            "assertion_key": "client_assertion",
            "jwt_grant_type": "client_credentials",
            "scope": "okta.users.read",
            "audience": "https://{{YOUR_INSTANCE}}.okta.com/oauth2/v1/token",
            "expiry_seconds": 300,
        },
        "asks": [],
        "variables": {"YOUR_INSTANCE": {"label": "Okta org", "example": "dev-123456"}},
        "drop_fields": {
            "Accept": "the token request always asks for JSON.",
            "Content-Type": "the token request is always form-encoded.",
            "client_assertion_type": "it is sent by itself with a client_assertion.",
            "scope": "it is the Scope field.",
            "grant_type": "it is the Grant Type field.",
            "Jwt Auth Claims Issuer": "blank Issuer means the Client ID, as the guide wants.",
            "Jwt Auth Claims Subject": "blank Subject means the Client ID, as the guide wants.",
        },
        "differences": [
            "Expiry Seconds is 300: Okta refuses client assertions valid for more than an "
            "hour, and a short one is safer."
        ],
    },
    "pagerduty-oauth2-client-credentials": {
        "asks": [
            {
                "name": "scope",
                "label": "Scope",
                "help": "as_account-<region>.<your-subdomain> and resource scopes.",
                "initial": "as_account-us.SUBDOMAIN incidents.read users.read",
            }
        ],
        "settings": {"scope": "[[scope]]"},
    },
    "salesforce-oauth2-password": {
        "variables": {"your_salesforce_domain": {"label": "My Domain", "example": "acme"}},
        "secrets": SALESFORCE_SECRET,
        "differences": [
            "Password Grant Password is one secret, the password followed by the security "
            "token, instead of two references side by side."
        ],
    },
    "salesforce-oauth2-authorization-code": {
        "base_url": "https://{{my_domain}}.my.salesforce.com",
        "settings": {
            "authorization_url": "https://{{my_domain}}.my.salesforce.com/services/oauth2/authorize",
            "oauth2_token_url": "https://{{my_domain}}.my.salesforce.com/services/oauth2/token",
            "authorization_params": [{"key": "prompt", "value": "consent"}],
        },
        "variables": {"my_domain": {"label": "My Domain", "example": "acme"}},
        "drop_fields": {
            "Custom Grant Type": "the grant is already Authorization Code.",
            "Additional Headers": "the token request is form-encoded; a JSON Content-Type "
            "would contradict its body.",
        },
        "actions": {1: {"path": "/services/data/v62.0/query"}},
        "differences": [
            "Authorization URL and Oauth2 Token Url are Salesforce's /services/oauth2/ "
            "endpoints on your My Domain; the guide leaves the token URL an undefined "
            "{{Token_URL}}.",
            "Authorization params: response_type=code is sent by the flow itself.",
            "query_accounts uses API v62.0 instead of the guide's vXX.0.",
        ],
    },
    "sap-ariba-oauth2-client-credentials": {
        "settings": {
            "oauth2_token_url": "https://api.ariba.com/v2/oauth/token",
            "additional_headers": [{"key": "APIKey", "value": "[[application_key]]"}],
        },
        "asks": [
            {
                "name": "application_key",
                "label": "Application Key",
                "help": "From the Ariba developer portal.",
                "initial": "",
            }
        ],
        "actions": {
            0: {
                "headers": [
                    {"key": "APIKey", "value": "[[application_key]]"},
                    {"key": "Accept", "value": "application/json"},
                ],
                "query_params": [{"key": "realm", "value": "{{realm}}"}],
            }
        },
        "variables": {"realm": {"label": "Realm", "example": "acme-T"}},
        "differences": [
            "Oauth2 Token Url is the US OAuth server's (the guide's {{oauth_server_url_prefix}}"
            " has no value); change the host for another region.",
        ],
    },
    "servicenow-oauth2-authorization-code": {
        "settings": {"oauth2_token_url": "https://{{org_name}}.service-now.com/oauth_token.do"},
        "variables": {"org_name": {"label": "Instance name", "example": "dev12345"}},
        "differences": [
            "Oauth2 Token Url is /oauth_token.do, as the guide's own token call uses; the "
            "guide's table says the Authorization URL, which only signs in."
        ],
    },
    "servicenow-basic": {
        "variables": {"instance_name": {"label": "Instance name", "example": "dev12345"}},
    },
    "snowflake-oauth2-refresh-token": {
        "base_url": "https://{{account}}.snowflakecomputing.com",
        "settings": {
            "oauth2_token_url": "https://{{account}}.snowflakecomputing.com/oauth/token-request"
        },
        "variables": {"account": {"label": "Account identifier", "example": "myorg-account"}},
        "actions": {
            0: {
                "headers": [
                    {"key": "Accept", "value": "application/json"},
                    {"key": "Content-Type", "value": "application/json"},
                ]
            }
        },
        "differences": [
            "Oauth2 Token Url is Snowflake's /oauth/token-request on your account host "
            "(the guide writes OAUTH_TOKEN_ENDPOINT).",
            "The action adds Content-Type: application/json for its JSON body.",
        ],
    },
    "stackoverflow-api-key-param": {
        "variables": {"your_organization": {"label": "Organization", "example": "acme"}},
    },
    "stackoverflow-api-key-header": {
        "variables": {
            "your_organization": {"label": "Organization", "example": "acme"},
            "app_key": {"label": "Application key", "example": ""},
        },
        "actions": {
            0: {
                "query_params": [
                    {"key": "key", "value": "{{app_key}}"},
                    {"key": "intitle", "value": "{{intitle}}"},
                ]
            }
        },
    },
    "sailpoint-iiq-oauth2-client-credentials": {
        "settings": {"oauth2_token_url": "{{sailpoint_url}}/identityiq/oauth2/token"},
        "variables": {
            "sailpoint_url": {"label": "IdentityIQ URL", "example": "https://iiq.example.com:8080"}
        },
        "differences": [
            "Oauth2 Token Url drops ?grant_type=client_credentials: the grant goes in the "
            "token request's body, where OAuth 2.0 puts it."
        ],
    },
    "sailpoint-inow-oauth2-client-credentials": {
        "variables": {"your_tenant": {"label": "Tenant", "example": "acme"}},
    },
    "sailpoint-inow-oauth2-authorization-code": {
        "base_url": "https://{{tenant}}.api.identitynow.com",
        "settings": {
            "authorization_url": "https://{{tenant}}.identitynow.com/oauth/authorize",
            "oauth2_token_url": "https://{{tenant}}.api.identitynow.com/oauth/token",
        },
        "variables": {"tenant": {"label": "Tenant", "example": "acme"}},
        "actions": {0: {"headers": [{"key": "Accept", "value": "application/json"}]}},
        "differences": [
            "The four host placeholders of the guide become one tenant Connector Variable "
            "in SailPoint's own host names (tenant.identitynow.com for sign-in, "
            "tenant.api.identitynow.com for the API and tokens).",
            "The action drops Content-Type on a GET without a body.",
        ],
    },
    "ukg-pro-wfm-oauth2-authorization-code": {
        "base_url": "https://{{ukg_tenant}}.cfn.mykronos.com",
        "variables": {"ukg_tenant": {"label": "UKG tenant", "example": "acme"}},
        "differences": [
            "Base URL drops the trailing /api, since every action path starts with /api."
        ],
    },
    "ukg-pro-wfm-oauth2-client-credentials": {
        "base_url": "https://{{ukg_tenant}}.cfn.mykronos.com",
        "variables": {"ukg_tenant": {"label": "UKG tenant", "example": "acme"}},
        "examples": {"personID": "1001"},
        "differences": [
            "Base URL drops the trailing /api, since every action path starts with /api."
        ],
    },
    "workato-api-key": {
        "actions": {0: {"headers": [{"key": "Content-Type", "value": "application/json"}]}},
        "settings": {"header_auth_value_pattern": "%s"},
        "differences": [
            "The action adds Content-Type: application/json so its JSON body goes as JSON "
            "with inputs escaped."
        ],
    },
    "workday-oauth2-refresh-token": {
        "base_url": "https://{{workday_host}}.workday.com",
        "settings": {
            "oauth2_token_url": "https://{{workday_host}}.workday.com/ccx/oauth2/{{tenant}}/token"
        },
        "variables": {
            "workday_host": {"label": "Workday services host", "example": "wd2-impl-services1"},
            "tenant": {"label": "Tenant", "example": "acme"},
        },
        "actions": {0: {"path": "/ccx/api/wql/v1/{{tenant}}/data"}},
        "differences": [
            "YOUR_BASE_URL, YOUR_TOKEN_URL and YOUR_TENANT_NAME become the Connector "
            "Variables workday_host and tenant, as the guide's examples show them."
        ],
    },
    "workday-oauth2-authorization-code": {
        "base_url": "https://{{workday_host}}.workday.com",
        "settings": {
            "authorization_url": "https://{{workday_host}}.workday.com/{{tenant}}/authorize",
            "oauth2_token_url": "https://{{workday_host}}.workday.com/ccx/oauth2/{{tenant}}/token",
            "additional_request_data": [],
        },
        "variables": {
            "workday_host": {"label": "Workday host", "example": "wd2-impl-services1"},
            "tenant": {"label": "Tenant", "example": "acme"},
        },
        "examples": {"TENANT": "acme"},
        "drop_fields": {
            "Custom Grant Type": "the grant is already Authorization Code.",
            "Additional Headers": "the token request is form-encoded by itself.",
            "Additional Request Data": "it repeats the client credentials and the grant "
            "(sent by the flow itself) and adds a non-standard response_code.",
        },
        "differences": [
            "Authorization URL and Oauth2 Token Url use the tenant where the guide writes "
            "{{CLIENT_NAME}}."
        ],
    },
    "zoom-oauth2-client-credentials": {
        "actions": {0: {"path": "/v2/users/{{userId}}"}},
        "asks": [
            {
                "name": "account_id",
                "label": "Account ID",
                "help": "From the Zoom Server-to-Server OAuth app.",
                "initial": "",
            }
        ],
        "settings": {
            "additional_request_data": [
                {"key": "grant_type", "value": "account_credentials"},
                {"key": "account_id", "value": "[[account_id]]"},
            ]
        },
        "differences": [
            "Path is /v2/users/{{userId}}: Zoom's API lives under /v2 (the guide's screenshot "
            "has it, its text does not)."
        ],
    },
}

WATCH_OUT: dict[str, list[str]] = {
    "asana-api-key": [
        "The example action reads the token owner's profile, whatever its caption says.",
        "Reference names are case-sensitive: keep the credential's name exactly as set here.",
    ],
    "azure-function-app-api-key-param": [
        "The function must use Authorization Level Function, or the key is ignored.",
        "The key travels as the code query parameter, so it may appear in the app's logs.",
    ],
    "coupa-oauth2-client-credentials": [
        "Scopes must match the ones granted to the OAuth client in Coupa.",
        "The token call gives an access token, not user information.",
    ],
    "coupa-oauth2-authorization-code": [
        "Register the redirect URI exactly as the Test panel shows it.",
        "Ask only for user-level scopes the approving user really has.",
    ],
    "databricks-oauth2-client-credentials": [
        "The service principal must be assigned to the workspace, not only to the account.",
        "The secret is shown once when created: store it straight away.",
    ],
    "datadog-api-key": [
        "Pick the API host of your Datadog site (US1, EU1, US3, US5, AP1).",
        "Both keys are needed: the API key and a scoped Application key.",
    ],
    "docusign-jwt-admin": [
        "Grant domain-wide admin consent for the integration key first.",
        "For production use account.docusign.com as audience and token host.",
    ],
    "docusign-jwt-esignature": [
        "Uses the same key, issuer and subject as the Admin API connector.",
        "For production use account.docusign.com as audience and token host.",
    ],
    "github-api-key": [
        "If the organization enforces SAML SSO, authorize the token for it.",
        "The example lists a user's public repositories, not an organization's.",
    ],
    "gong-basic": [
        "Only a Gong administrator can create the access key and secret.",
        "Your API host prefix is shown when the key is created.",
    ],
    "google-admin-sdk-oauth2-authorization-code": [
        "Enable the Admin SDK API in the same Google Cloud project as the OAuth client.",
        "The signing-in user needs directory resource read rights.",
    ],
    "google-calendar-oauth2-authorization-code": [
        "Enable the Calendar API and add the same scopes to the consent screen.",
        "prompt=consent makes Google return a refresh token every time.",
    ],
    "greenhouse-basic": [
        "Give the Harvest key permission for each endpoint you call.",
        "Leave the password empty: Greenhouse only reads the username.",
    ],
    "highspot-basic": [
        "The guide gives no Base URL, so there is nothing to point Test at.",
    ],
    "jamf-oauth2-client-credentials": [
        "Give the API client a role holding every privilege the actions need.",
        "Client secrets of Jamf API clients expire; renew them in time.",
    ],
    "jira-basic": [
        "Use an API token, not the account password.",
        "Add the account to each project it must read.",
    ],
    "jira-oauth2-authorization-code": [
        "Set the app's distribution to Sharing, or only its owner can consent.",
        "API calls go through api.atlassian.com/ex/jira/<cloud id>/...; the example "
        "action lists the cloud ids.",
    ],
    "lakeside-systrack-ai-api-key": [
        "SysTrack API keys expire (180 days at most): note the date.",
    ],
    "microsoft-graph-oauth2-authorization-code": [
        "Place.Read.All needs an administrator's consent.",
        "Adjust the example calendar scopes to what your actions use.",
    ],
    "microsoft-graph-oauth2-client-credentials": [
        "Application permissions need admin consent in Entra ID.",
        "This uses the v1 token endpoint with a resource parameter, not v2.0 scopes.",
    ],
    "moveworks-data-api-api-key": [
        "Only a Super Admin can create the Data API credential.",
        "EU tenants use https://api.eu.moveworks.ai.",
    ],
    "moveworks-data-api-oauth2-client-credentials": [
        "Access tokens last an hour; Test fetches a new one when needed.",
        "EU tenants use https://api.eu.moveworks.ai.",
    ],
    "nexthink-oauth2-client-credentials": [
        "The client secret is shown once when created.",
        "Grant the API permissions your actions use (the example calls Workflows).",
    ],
    "okta-jwt": [
        "Turn off DPoP for the API Services app, or the token request is refused.",
        "Grant the okta.* scopes and an admin role to the app.",
    ],
    "openai-api-key": [
        "The models list is only a check that the key works.",
        "Keep the key in a team credential so nobody sees it again.",
    ],
    "pagerduty-oauth2-client-credentials": [
        "The scope must start with as_account-<region>.<subdomain>.",
        "Ask only for the resource scopes you need.",
    ],
    "palo-alto-networks-api-key-param": [
        "The guide's keygen call puts the admin password in a URL and skips TLS checks.",
        "It defines no action to call.",
    ],
    "perplexity-api-key": [
        "The example's model name may be retired; change it in the body if refused.",
        "The account needs API credits.",
    ],
    "sailpoint-iiq-oauth2-client-credentials": [
        "IdentityIQ 8.1 or later, reachable from Connector Studio, is needed.",
        "The API client acts as its proxy service account.",
    ],
    "sailpoint-inow-oauth2-client-credentials": [
        "The demo guide uses identitynow-demo.com; production tenants use identitynow.com.",
    ],
    "sailpoint-inow-oauth2-authorization-code": [
        "The base URL needs the api part of the host.",
        "Add the scopes your actions need (the example lists accounts).",
    ],
    "salesforce-oauth2-password": [
        "Sandboxes take their token from test.salesforce.com.",
        "A password change resets the security token.",
    ],
    "salesforce-oauth2-authorization-code": [
        "Turn off PKCE-only and secret-less options on the app, as the guide does.",
        "API versions change: pick the one your org runs.",
    ],
    "sap-ariba-oauth2-client-credentials": [
        "The Application Key goes with the token request and with every action.",
        "Ariba support must approve API access first.",
    ],
    "sap-concur-oauth2-refresh-token": [
        "The refresh token expires after six months: paste a new one in time.",
        "The URLs are for the us2 data center; use yours.",
    ],
    "sap-success-factors-oauth2-saml-bearer-dynamic": [
        "Tokens last up to a day and cannot be refreshed.",
        "A 'Callback Request Failed' message may appear after a successful sign-in.",
    ],
    "sap-success-factors-oauth2-static-saml-assertion": [
        "The pasted SAML assertion expires (ten minutes by default).",
        "The guide gives no Base URL.",
    ],
    "servicenow-oauth2-authorization-code": [
        "Change the example scopes to your own.",
        "Register the redirect URI exactly as the Test panel shows it.",
    ],
    "servicenow-oauth2-password": [
        "The guide defines no action, and puts every value in Additional Request Data.",
    ],
    "servicenow-basic": [
        "Give the service account only the roles its actions need.",
    ],
    "slack-api-key": [
        "Copy the Bot User OAuth Token (xoxb-) after installing the app.",
        "Add the bot scopes your actions use, then reinstall the app.",
    ],
    "snowflake-oauth2-refresh-token": [
        "The refresh token must be regenerated by hand when it expires.",
        "The user's default role may not be ACCOUNTADMIN, SECURITYADMIN or ORGADMIN.",
    ],
    "stackoverflow-api-key-param": [
        "The key is sent as a query parameter, though its name looks like a header's.",
    ],
    "stackoverflow-api-key-header": [
        "The access token is obtained by hand; avoid no_expiry if you can.",
        "The example only reads, although this setup is for writing.",
    ],
    "ukg-pro-wfm-oauth2-authorization-code": [
        "Replace the eval hosts (welcome-eval.ukg.net) with your production ones.",
        "The refresh token lasts a day, so users sign in again daily.",
    ],
    "ukg-pro-wfm-oauth2-client-credentials": [
        "The client needs the Super Access function access profile.",
    ],
    "workato-api-key": [
        "The auth token belongs to an API client of an access profile.",
    ],
    "workday-oauth2-refresh-token": [
        "The Integration System User needs the domain permissions of each query.",
        "Refresh tokens expire; regenerate them for the ISU.",
    ],
    "workday-oauth2-authorization-code": [
        "Register the redirect URI on the API client.",
        "The guide's hand-made authorization code is not needed here.",
    ],
    "zoom-oauth2-client-credentials": [
        "Add the scopes your actions need to the Server-to-Server app.",
        "userId me means the app's owner.",
    ],
}


def build(source: Path) -> list[dict[str, Any]]:
    data = json.loads(source.read_text())
    templates = []
    for guide in data["connectors"]:
        for config in guide["configurations"]:
            template = translate(guide, config)
            template["guide"] = config
            template["vendor_links"] = guide.get("vendor_links") or []
            templates.append(template)
    return templates


HEADER = '''"""Gallery templates, generated by scripts/build_templates.py from Agent Studio's public
setup guides (the `guide` key of each keeps the configuration as the guide writes it).

Do not edit by hand: change the script and run it again.
"""

# ruff: noqa: E501

from __future__ import annotations

from typing import Any

SOURCE = {source!r}
TEMPLATES: list[dict[str, Any]] = {templates}
'''


def render(source: Path) -> str:
    data = json.loads(source.read_text())
    text = HEADER.format(
        source=f"{data['source']}@{data['commit']}",
        templates=pprint.pformat(build(source), width=100, sort_dicts=False),
    )
    formatted = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ruff"), "format", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return formatted.stdout


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    TARGET.write_text(render(source))
    print(f"Wrote {TARGET.relative_to(ROOT)}: {len(build(source))} templates.")


if __name__ == "__main__":
    main()
