"""Reader: OpenAPI 3.0 / 3.1 and Swagger 2.0 -> a connector and one action per operation."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from connectors.importing import hosts, names, refs
from connectors.importing.auth import ask_for_secrets
from connectors.importing.plan import (
    ActionPlan,
    ArgPlan,
    AuthPlan,
    ConnectorPlan,
    Plan,
    ReadError,
    ReadOptions,
)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NO_ACTION = {"options", "head", "trace"}
VALIDATE_AT_MOST = 300  # operations; the validator takes about 1 s per 100
EXTENSION = "x-connector-studio"  # what Connector Studio's own export adds (openapi_export)
# The secret fields each Auth Config needs set before it can send anything.
NEEDED_SECRETS = {
    "API_KEY": ["api_key"],
    "BASIC": ["password"],
    "BEARER": ["token"],
    "OAUTH2": ["client_secret"],
    "JWT": ["private_key"],
}
_PATH_PARAM_RE = re.compile(r"\{([^{}]+)\}")
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}  # the spec itself says so
_TYPES = {"integer": "number", "number": "number", "boolean": "boolean", "array": "array"}
_TYPES["object"] = "object"
_OAUTH_FLOWS = [  # preferred order; Swagger 2.0 names in brackets
    ("clientCredentials", "application", "client_credentials"),
    ("authorizationCode", "accessCode", "authorization_code"),
    ("password", "password", "password"),
]


def detect(document: dict[str, Any]) -> bool:
    return "openapi" in document or "swagger" in document


def version_of(document: dict[str, Any]) -> str:
    if "swagger" in document:
        if str(document["swagger"]) != "2.0":
            raise ReadError(f'#/swagger is "{document["swagger"]}": only Swagger 2.0 is read.')
        return "Swagger 2.0"
    version = str(document.get("openapi", ""))
    if not re.match(r"^3\.[01](\.\d+)?", version):
        raise ReadError(f'#/openapi is "{version}": OpenAPI 3.0 and 3.1 are read.')
    return f"OpenAPI {version[:3]}"


def read(document: dict[str, Any], source: str, options: ReadOptions) -> Plan:
    kind = version_of(document)
    swagger = kind.startswith("Swagger")
    paths = document.get("paths")
    if paths is None and not (not swagger and document.get("webhooks")):
        raise ReadError("#/paths is missing: an API description lists its operations there.")
    if paths is not None and not isinstance(paths, dict):
        raise ReadError("#/paths is not an object of paths.")
    refs.refuse_external(document)
    resolver = refs.Resolver(document)
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    title = str(info.get("title") or "API")
    connector = ConnectorPlan(
        name=options.connector_name or names.identifier(title, "api"),
        display_name=title[:200],
        description=str(info.get("description") or info.get("summary") or ""),
    )
    plan = Plan(kind=kind, source=source, connector=connector)
    if swagger:
        _swagger_base_url(document, plan, options)
    else:
        _servers(document.get("servers"), plan, options)
    _auth(document, plan, swagger, resolver)
    _connector_extension(document.get(EXTENSION), plan, options)
    ask_for_secrets(plan)
    _operations(paths or {}, plan, resolver, swagger, document, options)
    hosts.finish(plan)
    plan.notes += validation_notes(document, kind)
    if not plan.actions and not plan.skipped:
        plan.notes.append("The description lists no operations.")
    return plan


def validation_notes(document: dict[str, Any], kind: str, limit: int = 5) -> list[str]:
    """What openapi-spec-validator finds wrong, as notes: the import still goes ahead with what
    it could read. Large descriptions are not validated (it would take longer than the import)."""
    operations = sum(len(v) for v in (document.get("paths") or {}).values() if isinstance(v, dict))
    if operations > VALIDATE_AT_MOST:
        return [
            f"Not checked against the {kind} schema: it has over {VALIDATE_AT_MOST} operations."
        ]
    from openapi_spec_validator import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
    )

    validator = {"Swagger 2.0": OpenAPIV2SpecValidator, "OpenAPI 3.0": OpenAPIV30SpecValidator}
    try:
        errors = validator.get(kind, OpenAPIV31SpecValidator)(document).iter_errors()
        found = [next(errors, None) for _ in range(limit)]
    except Exception as error:  # the validator's own failure must not stop an import
        return [f"Not checked against the {kind} schema: {type(error).__name__}."]
    return [
        f"Not valid {kind} at {refs.pointer(*e.path) if e.path else '#/'}: {e.message}"[:500]
        for e in found
        if e is not None
    ]


def _connector_extension(extension: Any, plan: Plan, options: ReadOptions) -> None:
    """Connector Studio's own export: the connector's exact settings, secrets left out."""
    if not isinstance(extension, dict):
        return
    connector = plan.connector
    if not options.connector_name and names.arg_name(str(extension.get("name", ""))) == str(
        extension.get("name")
    ):
        connector.name = str(extension["name"])
    connector.variables = [
        {"key": str(r.get("key")), "value": str(r.get("value", ""))}
        for r in extension.get("variables") or []
        if isinstance(r, dict) and r.get("key")
    ]
    connector.headers = [
        {"key": str(r["key"]), "value": str(r.get("value", ""))}
        for r in extension.get("headers") or []
        if isinstance(r, dict) and r.get("key")
    ]
    for key in extension.get("secret_headers") or []:
        connector.headers.append({"key": str(key), "secret": None})
        plan.notes.append(f"The header {key} holds a secret: set it on the connector after import.")
    if isinstance(extension.get("timeout_seconds"), int):
        connector.timeout_seconds = extension["timeout_seconds"]
    if isinstance(extension.get("verify_tls"), bool):
        connector.verify_tls = extension["verify_tls"]
    kind = extension.get("auth_config")
    if isinstance(kind, str) and isinstance(extension.get("auth_settings"), dict):
        plan.auth = AuthPlan(
            kind,
            dict(extension["auth_settings"]),
            dict.fromkeys(NEEDED_SECRETS.get(kind, [])),
            described_as=f"#/{EXTENSION}",
        )


def _action_extension(action: ActionPlan, operation: dict[str, Any], where: str) -> None:
    """The exact rows, body and input args an export carries; the derived ones give way."""
    extension = operation.get(EXTENSION)
    if not isinstance(extension, dict):
        return
    operation_id = str(operation.get("operationId") or "")
    if names.arg_name(operation_id) == operation_id:
        action.name = operation_id
    for key in ("query_params", "headers"):
        rows = extension.get(key)
        if isinstance(rows, list):
            setattr(
                action,
                key,
                [
                    {"key": str(r.get("key")), "value": str(r.get("value", ""))}
                    for r in rows
                    if isinstance(r, dict) and r.get("key")
                ],
            )
    if isinstance(extension.get("body"), str):
        action.body = extension["body"]
    if isinstance(extension.get("input_args"), list):
        action.input_args = [
            ArgPlan(
                name=str(a.get("name")),
                data_type=str(a.get("data_type") or "string"),
                description=str(a.get("description") or ""),
                example_value=str(a.get("example_value") or ""),
                required=bool(a.get("required")),
            )
            for a in extension["input_args"]
            if isinstance(a, dict) and a.get("name")
        ]
    responses = operation.get("responses") or {}
    ok = responses.get("200") if isinstance(responses, dict) else None
    schema = (((ok or {}).get("content") or {}).get("application/json") or {}).get("schema")
    action.output_schema = schema if isinstance(schema, dict) else None


# --- Base URL ------------------------------------------------------------------------------------


def _servers(servers: Any, plan: Plan, options: ReadOptions) -> None:
    choices, variables = [], {}
    for index, server in enumerate(servers if isinstance(servers, list) else []):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        for name, spec in (server.get("variables") or {}).items():
            key = names.arg_name(name)
            default = str(spec.get("default", "")) if isinstance(spec, dict) else ""
            where = _scheme_or_port(url, "{" + name + "}")
            if where:
                # A {{...}} may fill one name in the host, never the scheme or port: a secret's
                # home is fixed by them, so the default is written in the Base URL.
                url = url.replace("{" + name + "}", default)
                plan.notes.append(
                    f"The server variable {name} (#/servers/{index}/variables/{name}) is the "
                    f"URL's {where}: its default {default} is written in the Base URL, as a "
                    "Connector Variable may fill only a name in the host."
                )
                continue
            url = url.replace("{" + name + "}", "{{" + key + "}}")
            if isinstance(spec, dict) and key not in variables:
                variables[key] = str(spec.get("default", ""))
                if isinstance(spec.get("enum"), list):
                    plan.notes.append(
                        f"Connector Variable {key} (#/servers/{index}/variables/{name}) may be "
                        f"one of: {', '.join(map(str, spec['enum']))}."
                    )
        if url.startswith("/") or not re.match(r"^https?://", url, re.I):
            if options.source_url:
                url = urljoin(options.source_url, url)
            else:
                plan.notes.append(f"The server {url} is relative: enter the Base URL it is under.")
                continue
        choices.append(url.rstrip("/"))
    plan.connector.variables = [{"key": k, "value": v} for k, v in variables.items()]
    _choose_base_url(plan, list(dict.fromkeys(choices)), options)


def _scheme_or_port(url: str, marker: str) -> str:
    """ "scheme" or "port" when the marker stands in that part of the server URL, else ""."""
    scheme, sep, rest = url.partition("://")
    if sep and marker in scheme:
        return "scheme"
    authority = re.split(r"[/?#]", rest if sep else "", maxsplit=1)[0]
    _, colon, port = authority.rpartition(":")
    return "port" if colon and marker in port and "]" not in port else ""


def _swagger_base_url(document: dict[str, Any], plan: Plan, options: ReadOptions) -> None:
    host = document.get("host")
    base_path = str(document.get("basePath") or "")
    schemes = [s for s in document.get("schemes") or [] if s in ("https", "http")]
    choices = []
    if host:
        for scheme in sorted(schemes, key=lambda s: s != "https") or ["https"]:
            choices.append(f"{scheme}://{host}{base_path}".rstrip("/"))
    elif options.source_url:
        choices.append(urljoin(options.source_url, base_path or "/").rstrip("/"))
    else:
        plan.notes.append("The description names no host: enter the Base URL.")
    _choose_base_url(plan, choices, options)


def _choose_base_url(plan: Plan, choices: list[str], options: ReadOptions) -> None:
    plan.connector.base_url_choices = choices
    plan.connector.base_url = (options.base_url or (choices[0] if choices else "")).rstrip("/")
    if len(choices) > 1:
        plan.notes.append(f"The description lists {len(choices)} servers: choose the Base URL.")


# --- Auth ----------------------------------------------------------------------------------------


def _auth(document: dict[str, Any], plan: Plan, swagger: bool, resolver: refs.Resolver) -> None:
    if swagger:
        schemes = document.get("securityDefinitions") or {}
        where = "#/securityDefinitions"
    else:
        schemes = (document.get("components") or {}).get("securitySchemes") or {}
        where = "#/components/securitySchemes"
    if not isinstance(schemes, dict) or not schemes:
        return
    wanted = []
    for requirement in document.get("security") or []:
        if isinstance(requirement, dict):
            wanted += [name for name in requirement if name in schemes]
    order = list(dict.fromkeys([*wanted, *schemes]))
    for name in order:
        scheme = resolver.deref(schemes[name], refs.pointer(where[2:], name))
        auth = _scheme(scheme, name, plan) if isinstance(scheme, dict) else None
        if auth is not None:
            auth.described_as = f"{where}/{name}"
            plan.auth = auth
            others = [n for n in order if n != name]
            if others:
                plan.notes.append(
                    f"Auth Config from the security scheme {name}; the description also "
                    f"offers {', '.join(others)}."
                )
            return
    _bearer_for_browser_flow(document, plan, schemes, where)


_BEARER_RE = re.compile(r"\bbearer\b|access[ _-]?token|personal[ _-]?token|\boauth ?2", re.I)


def _bearer_for_browser_flow(
    document: dict[str, Any], plan: Plan, schemes: dict[str, Any], where: str
) -> None:
    """Only a browser's OAuth flow (implicit), yet the API takes the token it gives as a Bearer
    token, as its description says: Bearer Token Auth works at once with a token pasted."""
    browser = [
        name
        for name, scheme in schemes.items()
        if isinstance(scheme, dict) and scheme.get("type") == "oauth2" and _browser_only(scheme)
    ]
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    said = [str(info.get("description") or "")]
    said += [str(schemes[name].get("description") or "") for name in browser]
    if not browser or not any(_BEARER_RE.search(text) for text in said):
        return
    plan.auth = AuthPlan("BEARER", {}, {"token": None}, described_as=f"{where}/{browser[0]}")
    plan.notes = [note for note in plan.notes if "offers only the implicit flow" not in note]
    plan.notes.append(
        f"The security scheme {browser[0]} is an OAuth 2.0 flow that runs in a browser; the API "
        "takes its access token as a Bearer token, as the description says: imported as Bearer "
        "Token Auth. Set the Token to an access token (a personal access token works)."
    )


def _browser_only(scheme: dict[str, Any]) -> bool:
    flows = scheme.get("flows")
    if not isinstance(flows, dict):  # Swagger 2.0: one flow on the scheme itself
        flows = {scheme.get("flow"): scheme}
    return bool(flows) and set(flows) <= {"implicit"}


def _scheme(scheme: dict[str, Any], name: str, plan: Plan) -> AuthPlan | None:
    kind = scheme.get("type")
    if kind == "apiKey":
        key, place = str(scheme.get("name") or ""), scheme.get("in")
        if place == "query":
            settings = {"api_key_auth_type": "PARAM", "param_auth_param_name": key}
        elif place == "cookie":
            settings = {
                "api_key_auth_type": "HEADER",
                "header_auth_key": "Cookie",
                "header_auth_value_pattern": f"{key}=%s",
            }
        else:
            settings = {
                "api_key_auth_type": "HEADER",
                "header_auth_key": key or "Authorization",
                "header_auth_value_pattern": "%s",
            }
        return AuthPlan("API_KEY", settings, {"api_key": None})
    http = str(scheme.get("scheme") or "").lower()
    if kind == "basic" or (kind == "http" and http == "basic"):
        return AuthPlan("BASIC", {"username": ""}, {"password": None})
    if kind == "http" and http == "bearer":
        return AuthPlan("BEARER", {}, {"token": None})
    if kind == "oauth2":
        return _oauth2(scheme, name, plan)
    if kind == "openIdConnect":
        plan.notes.append(
            f"The security scheme {name} is OpenID Connect "
            f"({scheme.get('openIdConnectUrl', 'no discovery URL')}): set up OAuth 2.0 with the "
            "provider's token URL by hand."
        )
        return None
    plan.notes.append(f"The security scheme {name} ({kind} {http}".strip() + ") is not mapped.")
    return None


def _oauth2(scheme: dict[str, Any], name: str, plan: Plan) -> AuthPlan | None:
    flows = scheme.get("flows")
    if not isinstance(flows, dict):  # Swagger 2.0: one flow on the scheme itself
        flows = {scheme.get("flow"): scheme}
    for oas3, swagger2, grant in _OAUTH_FLOWS:
        flow = flows.get(oas3) or flows.get(swagger2)
        if isinstance(flow, dict):
            scopes = flow.get("scopes") if isinstance(flow.get("scopes"), dict) else {}
            settings = {
                "oauth2_grant_type": grant,
                "oauth2_token_url": str(flow.get("tokenUrl") or ""),
                "scope": " ".join(scopes),
                "client_id": "",
            }
            if flow.get("authorizationUrl"):
                settings["authorization_url"] = str(flow["authorizationUrl"])
            wanted: dict[str, str | None] = {"client_secret": None}
            if grant == "password":
                settings["password_grant_username"] = ""
                wanted["password_grant_password"] = None
            return AuthPlan("OAUTH2", settings, wanted)
    if "implicit" in flows:
        plan.notes.append(
            f"The security scheme {name} offers only the implicit flow, which a server cannot "
            "use: set up OAuth 2.0 by hand."
        )
    return None


# --- operations ----------------------------------------------------------------------------------


def _operations(
    paths: dict[str, Any],
    plan: Plan,
    resolver: refs.Resolver,
    swagger: bool,
    document: dict[str, Any],
    options: ReadOptions,
) -> None:
    taken: set[str] = set()
    for path, item in paths.items():
        where_path = refs.pointer("paths", path)
        item = resolver.deref(item, where_path)
        if not isinstance(item, dict):
            raise ReadError(f"{where_path} is not a path item.")
        shared = item.get("parameters") or []
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            where = refs.pointer("paths", path, method)
            if not isinstance(operation, dict):
                raise ReadError(f"{where} is not an operation.")
            if method in NO_ACTION:
                plan.skipped.append(
                    f"{method.upper()} {path}: an action cannot use {method.upper()}."
                )
                continue
            action = _operation(path, method, operation, shared, resolver, swagger, document, where)
            action.name = names.unique(action.name, taken)
            servers = operation.get("servers") or item.get("servers")
            target, prefix = _placed(plan, servers, options)
            action.path = prefix + action.path
            target.actions.append(action)


def _placed(plan: Plan, servers: Any, options: ReadOptions) -> tuple[Plan, str]:
    """The plan an operation with its own servers goes to, and the path before its own: the
    main connector when its server is the Base URL (or under it), else its host's connector."""
    first = servers[0] if isinstance(servers, list) and servers else None
    if not isinstance(first, dict) or not isinstance(first.get("url"), str):
        return plan, ""
    url = first["url"]
    for name, spec in (first.get("variables") or {}).items():
        default = str(spec.get("default", "")) if isinstance(spec, dict) else ""
        url = url.replace("{" + str(name) + "}", default)
    if not re.match(r"^https?://", url, re.I):
        url = urljoin(options.source_url or plan.connector.base_url + "/", url)
    url = url.rstrip("/")
    base = plan.connector.base_url
    if not re.match(r"^https?://[^/{}]+", url, re.I) or not base:
        return plan, ""
    if url == base or url in plan.connector.base_url_choices:
        return plan, ""
    if url.startswith(base + "/"):
        return plan, url[len(base) :]
    return hosts.plan_for(plan, url), ""


def _operation(
    path: str,
    method: str,
    operation: dict[str, Any],
    shared: list[Any],
    resolver: refs.Resolver,
    swagger: bool,
    document: dict[str, Any],
    where: str,
) -> ActionPlan:
    action = ActionPlan(
        name=names.action_name(str(operation.get("operationId") or ""), method, path),
        method=method.upper(),
        tags=[str(t) for t in operation.get("tags") or [] if isinstance(t, str | int)],
        description=_description(operation),
    )
    args: dict[str, ArgPlan] = {}
    arg_names: set[str] = set()
    params = _parameters(shared, operation.get("parameters") or [], resolver, where)
    renamed: dict[str, str] = {}
    form_fields: list[tuple[str, str, bool]] = []
    for param in params:
        place, raw = param.get("in"), str(param.get("name") or "")
        if not raw or place not in ("path", "query", "header", "cookie", "body", "formData"):
            continue
        if place == "body":
            _body(action, param.get("schema") or {}, None, resolver, args, arg_names, where)
            continue
        if place == "header" and raw.lower() in _IGNORED_HEADERS:
            continue
        if place == "cookie":
            action.notes.append(f"The cookie parameter {raw} is left out: add it as a header.")
            continue
        name = names.unique(names.arg_name(raw), arg_names)
        required = bool(param.get("required")) or place == "path"
        schema = resolver.flat(param if swagger else param.get("schema") or {}, where)
        args[name] = ArgPlan(
            name=name,
            data_type=_TYPES.get(refs.schema_type(schema), "string"),
            description=str(param.get("description") or "")[:500],
            example_value=_example_text(param, schema, resolver, where),
            required=required,
        )
        tag = "{{" + name + "}}"
        value = tag if required else "{{#" + name + "}}" + tag + "{{/" + name + "}}"
        if place == "path":
            renamed[raw] = name
        elif place == "query":
            action.query_params.append({"key": raw, "value": value})
        elif place == "header":
            action.headers.append({"key": raw, "value": value})
        else:  # formData
            form_fields.append((raw, name, required))
    action.path = _PATH_PARAM_RE.sub(lambda m: _path_arg(m, renamed, args, arg_names), path)
    if "?" in action.path or "#" in action.path:
        action.path = action.path.split("?")[0].split("#")[0]
        action.notes.append("The path's query string was dropped: its parameters are Query Params.")
    if form_fields:
        action.headers.append({"key": "Content-Type", "value": "application/x-www-form-urlencoded"})
        action.body = "&".join(
            f"{raw}={{{{{name}}}}}"
            if req
            else f"{{{{#{name}}}}}{raw}={{{{{name}}}}}{{{{/{name}}}}}"
            for raw, name, req in form_fields
        )
    if not swagger and operation.get("requestBody") is not None:
        body = resolver.deref(operation["requestBody"], f"{where}/requestBody")
        content = body.get("content") if isinstance(body, dict) else None
        if isinstance(content, dict):
            _request_body(action, content, resolver, args, arg_names, f"{where}/requestBody")
    action.input_args = list(args.values())
    action.output_schema = _output_schema(operation, resolver, swagger, where)
    _action_extension(action, operation, where)
    return action


def _description(operation: dict[str, Any]) -> str:
    summary = str(operation.get("summary") or "").strip()
    description = str(operation.get("description") or "").strip()
    if summary and description and description != summary:
        return f"{summary}\n\n{description}"
    return summary or description


def _parameters(
    shared: list[Any], own: list[Any], resolver: refs.Resolver, where: str
) -> list[dict[str, Any]]:
    """Path-level parameters, overridden by the operation's own of the same name and place."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for index, raw in enumerate([*shared, *own]):
        param = resolver.deref(raw, f"{where}/parameters/{index}")
        if isinstance(param, dict):
            merged[(str(param.get("in")), str(param.get("name")))] = param
    return list(merged.values())


def _path_arg(
    match: re.Match[str], renamed: dict[str, str], args: dict[str, ArgPlan], taken: set[str]
) -> str:
    raw = match.group(1)
    if raw not in renamed:  # a path template with no declared parameter: still an input
        name = names.unique(names.arg_name(raw), taken)
        args[name] = ArgPlan(name=name, required=True)
        renamed[raw] = name
    return "{{" + renamed[raw] + "}}"


def _example_text(
    param: dict[str, Any], schema: dict[str, Any], resolver: refs.Resolver, where: str
) -> str:
    value: Any = None
    if "example" in param:
        value = param["example"]
    elif isinstance(param.get("examples"), dict) and param["examples"]:
        first = resolver.deref(next(iter(param["examples"].values())), where)
        value = first.get("value") if isinstance(first, dict) else None
    else:
        for key in ("example", "default"):
            if key in schema:
                value = schema[key]
                break
        else:
            if isinstance(schema.get("examples"), list) and schema["examples"]:
                value = schema["examples"][0]
            elif param.get("x-example") is not None:
                value = param["x-example"]
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _request_body(
    action: ActionPlan,
    content: dict[str, Any],
    resolver: refs.Resolver,
    args: dict[str, ArgPlan],
    taken: set[str],
    where: str,
) -> None:
    json_type = next((t for t in content if "json" in t.lower()), None)
    if json_type is not None:
        media = content[json_type] if isinstance(content[json_type], dict) else {}
        example: Any = media.get("example")
        if example is None and isinstance(media.get("examples"), dict) and media["examples"]:
            first = resolver.deref(next(iter(media["examples"].values())), where)
            example = first.get("value") if isinstance(first, dict) else None
        _body(action, media.get("schema") or {}, example, resolver, args, taken, where)
        return
    form_type = next((t for t in content if "x-www-form-urlencoded" in t.lower()), None)
    if form_type is not None:
        schema = resolver.flat((content[form_type] or {}).get("schema") or {}, where)
        required = set(schema.get("required") or [])
        fields = []
        for raw, prop in (schema.get("properties") or {}).items():
            name = names.unique(names.arg_name(raw), taken)
            flat = resolver.flat(prop, where)
            args[name] = ArgPlan(
                name=name,
                data_type=_TYPES.get(refs.schema_type(flat), "string"),
                description=str(flat.get("description") or "")[:500],
                example_value=_text(resolver.example(flat, where)),
                required=raw in required,
            )
            tag = f"{raw}={{{{{name}}}}}"
            fields.append(tag if raw in required else f"{{{{#{name}}}}}{tag}{{{{/{name}}}}}")
        action.headers.append({"key": "Content-Type", "value": form_type})
        action.body = "&".join(fields)
        return
    if content:
        action.notes.append(
            f"The request body ({', '.join(content)}) is not JSON or a form: "
            "enter the Body by hand."
        )


def _body(
    action: ActionPlan,
    raw_schema: Any,
    example: Any,
    resolver: refs.Resolver,
    args: dict[str, ArgPlan],
    taken: set[str],
    where: str,
) -> None:
    """A JSON body template: each top-level property an input arg, optional ones in sections."""
    schema = resolver.flat(raw_schema, where)
    if example is None:
        example = resolver.example(schema, where)
    action.headers.append({"key": "Content-Type", "value": "application/json"})
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    if not isinstance(example, dict) or not (example or properties):
        action.body = json.dumps(example, indent=2, ensure_ascii=False)
        return
    required = set(schema.get("required") or [])
    keys = list(dict.fromkeys([*example, *properties]))
    keys.sort(key=lambda k: k not in required)  # required first: optional ones can drop
    parts = []
    for position, raw in enumerate(keys):
        prop = resolver.flat(properties.get(raw) or {}, where)
        value = example.get(raw) if raw in example else resolver.example(prop, where)
        kind = _TYPES.get(refs.schema_type(prop)) or _json_kind(value)
        name = names.unique(names.arg_name(raw), taken)
        is_required = raw in required
        args[name] = ArgPlan(
            name=name,
            data_type=kind,
            description=str(prop.get("description") or "")[:500],
            example_value=_text(value),
            required=is_required,
        )
        tag = "{{" + name + "}}" if kind == "string" else "{{{" + name + "}}}"
        field = json.dumps(raw) + ": " + (f'"{tag}"' if kind == "string" else tag)
        if position == 0:
            parts.append("\n  " + field)
        elif is_required or not parts:
            parts.append(",\n  " + field)
        else:
            parts.append("{{#" + name + "}},\n  " + field + "{{/" + name + "}}")
    action.body = "{" + "".join(parts) + "\n}"


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _output_schema(
    operation: dict[str, Any], resolver: refs.Resolver, swagger: bool, where: str
) -> Any:
    responses = operation.get("responses")
    if not isinstance(responses, dict):
        return None
    codes = sorted(str(c) for c in responses if str(c).startswith("2"))
    for code in codes:
        response = resolver.deref(
            responses.get(code) or responses.get(int(code) if code.isdigit() else code),
            f"{where}/responses/{code}",
        )
        if not isinstance(response, dict):
            continue
        schema = response.get("schema") if swagger else None
        if not swagger:
            content = response.get("content") or {}
            json_type = next((t for t in content if "json" in t.lower()), None)
            schema = (content.get(json_type) or {}).get("schema") if json_type else None
        if isinstance(schema, dict):
            return resolver.schema(schema, f"{where}/responses/{code}")
    return None
