"""A connector as an OpenAPI 3.1 document: servers, paths from actions, securitySchemes.

No secret value and no credential reference leaves: securitySchemes say how auth is sent, not
with what. What OpenAPI cannot say exactly (templated rows, the body template, a header's value
pattern) rides along in `x-connector-studio` extensions, which Import API reads back, so the
export imports as the same connector less its secrets.
"""

from __future__ import annotations

import json
import re
from typing import Any

from connectors.catalog import history
from connectors.models import Action, Connector

EXTENSION = "x-connector-studio"
_TAG_RE = re.compile(r"\{\{\{?\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}?\}\}")
_ONLY_TAG_RE = re.compile(
    r"^(?:\{\{#(?P<opt>\w+)\}\})?\{\{\{?(?P<name>\w+)\}?\}\}(?:\{\{/(?P=opt)\}\})?$"
)
_SCHEMA_TYPES = {"number": "number", "boolean": "boolean", "array": "array", "object": "object"}


def _openapi_path(path: str) -> str:
    return _TAG_RE.sub(lambda m: "{" + m.group(1) + "}", path)


def _arg_schema(arg: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": _SCHEMA_TYPES.get(arg.data_type, "string")}
    if arg.example_value:
        schema["examples"] = [arg.example_value]
    return schema


def _parameters(action: Action, args: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    used: set[str] = set()
    for name in dict.fromkeys(m.group(1) for m in _TAG_RE.finditer(action.path)):
        arg = args.get(name)
        param = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        if arg is not None:
            param |= {"schema": _arg_schema(arg), "description": arg.description}
        params.append(param)
        used.add(name)
    for place, rows in (("query", action.query_params), ("header", action.headers)):
        for row in rows:
            match = _ONLY_TAG_RE.match(row["value"])
            if match is None or match.group("name") not in args:
                continue  # a fixed value or a composed one: carried by the extension only
            arg = args[match.group("name")]
            params.append(
                {
                    "name": row["key"],
                    "in": place,
                    "required": arg.required and not match.group("opt"),
                    "description": arg.description,
                    "schema": _arg_schema(arg),
                }
            )
    return params


def _operation(action: Action) -> dict[str, Any]:
    args = {arg.name: arg for arg in action.input_args.all()}
    summary, _, description = action.description.partition("\n\n")
    operation: dict[str, Any] = {"operationId": action.name}
    if summary:
        operation["summary"] = summary
    if description:
        operation["description"] = description
    if action.tags:
        operation["tags"] = list(action.tags)
    if params := _parameters(action, args):
        operation["parameters"] = params
    if action.body:
        content_type = action.header_value("Content-Type") or "application/json"
        operation["requestBody"] = {"content": {content_type.split(";")[0]: {}}}
    response: dict[str, Any] = {"description": "Success"}
    if action.output_schema:
        response["content"] = {"application/json": {"schema": action.output_schema}}
    operation["responses"] = {"200": response}
    operation[EXTENSION] = {
        "query_params": action.query_params,
        "headers": action.headers,
        "body": action.body,
        "input_args": [history.arg_snapshot(arg) for arg in args.values()],
    }
    return operation


def _security(connector: Connector) -> dict[str, Any] | None:
    """The Auth Config as a security scheme: how auth is sent, never with what."""
    kind, setting = connector.auth_config, connector.setting
    if kind == Connector.AuthConfig.API_KEY:
        if setting("api_key_auth_type") == "PARAM":
            return {"type": "apiKey", "in": "query", "name": setting("param_auth_param_name")}
        key, pattern = (
            setting("header_auth_key") or "Authorization",
            setting("header_auth_value_pattern"),
        )
        if key.lower() == "cookie" and pattern.endswith("=%s"):
            return {"type": "apiKey", "in": "cookie", "name": pattern[:-3]}
        return {"type": "apiKey", "in": "header", "name": key}
    if kind == Connector.AuthConfig.BASIC:
        return {"type": "http", "scheme": "basic"}
    if kind in (Connector.AuthConfig.BEARER, Connector.AuthConfig.JWT):
        scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
        if kind == Connector.AuthConfig.JWT:
            scheme["bearerFormat"] = "JWT"
        return scheme
    if kind == Connector.AuthConfig.OAUTH2:
        flow_name = {
            "client_credentials": "clientCredentials",
            "authorization_code": "authorizationCode",
            "password": "password",
        }.get(setting("oauth2_grant_type"), "clientCredentials")
        flow: dict[str, Any] = {
            "tokenUrl": setting("oauth2_token_url"),
            "scopes": dict.fromkeys(str(setting("scope")).split(), ""),
        }
        if flow_name == "authorizationCode":
            flow["authorizationUrl"] = setting("authorization_url")
        return {"type": "oauth2", "flows": {flow_name: flow}}
    return None


def export_openapi(connector: Connector) -> dict[str, Any]:
    url = connector.base_url
    server: dict[str, Any] = {"url": _openapi_path(url)}
    variables = {row["key"]: row.get("value", "") for row in connector.variables}
    used = {m.group(1) for m in _TAG_RE.finditer(url)}
    if used:
        server["variables"] = {name: {"default": variables.get(name, "")} for name in used}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": connector.display_name or connector.name,
            "version": str(connector.version),
        },
        "servers": [server],
        "paths": {},
    }
    if connector.description:
        document["info"]["description"] = connector.description
    actions = connector.actions.prefetch_related("input_args").order_by("name")
    for action in actions:
        item = document["paths"].setdefault(_openapi_path(action.path), {})
        method = action.method.lower()
        if method in item:  # two actions on one path and method: OpenAPI holds one
            item = document["paths"].setdefault(_openapi_path(action.path) + f"#{action.name}", {})
        item[method] = _operation(action)
    scheme = _security(connector)
    if scheme is not None:
        document["components"] = {"securitySchemes": {"studio_auth": scheme}}
        document["security"] = [{"studio_auth": []}]
    document[EXTENSION] = {
        "name": connector.name,
        "variables": connector.variables,
        "headers": [row for row in connector.headers if "secret" not in row],
        "secret_headers": [row["key"] for row in connector.headers if "secret" in row],
        "auth_config": connector.auth_config,
        # Plain settings only: anything sealed that found its way in stays behind.
        "auth_settings": {
            k: v
            for k, v in connector.auth_settings.items()
            if not (isinstance(v, dict) and "sealed" in v)
        },
        "timeout_seconds": connector.timeout_seconds,
        "verify_tls": connector.verify_tls,
    }
    return document


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
