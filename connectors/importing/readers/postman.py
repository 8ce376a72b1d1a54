"""Reader: a Postman Collection v2.0 / v2.1 -> a connector and one action per request."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from connectors.importing import hosts, names
from connectors.importing.auth import ask_for_secrets, suggested_hosts
from connectors.importing.plan import (
    ActionPlan,
    ArgPlan,
    AuthPlan,
    ConnectorPlan,
    CredentialToSet,
    Plan,
    ReadError,
    ReadOptions,
)

_VAR_RE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_COLON_RE = re.compile(r"(?<=/):([A-Za-z_][A-Za-z0-9_]*)")
_SECRET_WORDS = ("token", "key", "secret", "password", "passwd", "pwd")
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
_GRANTS = {
    "client_credentials": "client_credentials",
    "authorization_code": "authorization_code",
    "authorization_code_with_pkce": "authorization_code",
    "password_credentials": "password",
}


def detect(document: dict[str, Any]) -> bool:
    info = document.get("info")
    schema = str(info.get("schema", "")) if isinstance(info, dict) else ""
    return "getpostman.com" in schema or "/collection/v2" in schema


def version_of(document: dict[str, Any]) -> str:
    schema = str(document["info"].get("schema", ""))
    match = re.search(r"/v(2\.[01])", schema)
    if not match:
        raise ReadError(f"#/info/schema is {schema}: Postman Collection v2.0 and v2.1 are read.")
    return f"Postman Collection v{match.group(1)}"


def is_secret_name(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _pairs(value: Any) -> dict[str, Any]:
    """Postman's auth parameters: a list of {key, value} in v2.1, an object in v2.0."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(p.get("key")): p.get("value") for p in value if isinstance(p, dict)}
    return {}


class _Reader:
    def __init__(self, document: dict[str, Any], source: str, options: ReadOptions) -> None:
        self.document = document
        info = document["info"]
        title = str(info.get("name") or "Postman collection")
        description = info.get("description") or ""
        if isinstance(description, dict):
            description = description.get("content") or ""
        self.plan = Plan(
            kind=version_of(document),
            source=source,
            connector=ConnectorPlan(
                name=options.connector_name or names.identifier(title, "api"),
                display_name=title[:200],
                description=str(description),
            ),
        )
        self.options = options
        self.variables: dict[str, str] = {}  # plain ones -> Connector Variables
        self.secret_variables: dict[str, str] = {}  # name -> credential to set
        self.used_secrets: set[str] = set()  # credentials the connector refers to
        self.rebase = ""
        self.requests: list[tuple[list[str], dict[str, Any], Any]] = []  # folders, item, auth

    # --- walking -------------------------------------------------------------------------------

    def read(self) -> Plan:
        items = self.document.get("item")
        if not isinstance(items, list):
            raise ReadError("#/item is missing: a Postman collection lists its requests there.")
        self._variables(self.document.get("variable"), "#/variable")
        collection_auth = self.document.get("auth")
        self._walk(items, [], collection_auth, "#/item")
        self._base_url()
        self._connector_auth(collection_auth)
        ask_for_secrets(self.plan)
        taken: set[str] = set()
        for folders, item, auth in self.requests:
            placed = self._action(folders, item, auth, taken)
            if placed is not None:
                placed[0].actions.append(placed[1])
        self._credentials_to_set()
        hosts.finish(self.plan)
        self.plan.connector.variables = [{"key": k, "value": v} for k, v in self.variables.items()]
        return self.plan

    def _variables(self, rows: Any, where: str) -> None:
        for index, row in enumerate(rows if isinstance(rows, list) else []):
            if not isinstance(row, dict) or not row.get("key") or row.get("disabled"):
                continue
            key = str(row["key"])
            value = "" if row.get("value") is None else str(row.get("value"))
            if is_secret_name(key) or row.get("type") == "secret":
                self.secret_variables[key] = self._credential_name(key)
                if value:
                    self.plan.notes.append(
                        f"The variable {key} ({where}/{index}) holds a secret value, which was "
                        f"not imported: set it in the credential {self.secret_variables[key]}."
                    )
            else:
                self.variables.setdefault(names.arg_name(key), value)

    def _credentials_to_set(self) -> None:
        """The secret variables the connector refers to: credentials for an Admin to set."""
        for key, name in self.secret_variables.items():
            if name in self.used_secrets and all(c.name != name for c in self.plan.credentials):
                field = next(
                    (f for f, v in self.plan.auth.secrets.items() if v == "{{" + name + "}}"), ""
                )
                self.plan.credentials.append(
                    CredentialToSet(
                        name,
                        purpose=f"Postman variable {key}",
                        secret_field=field,
                        hosts=suggested_hosts(self.plan, field),
                    )
                )

    def _credential_name(self, key: str) -> str:
        prefix = names.identifier(self.plan.connector.name, "api").upper()
        return f"{prefix}_{names.identifier(key, 'secret').upper()}"[:64]

    def _walk(self, items: list[Any], folders: list[str], auth: Any, where: str) -> None:
        for index, item in enumerate(items):
            here = f"{where}/{index}"
            if not isinstance(item, dict):
                raise ReadError(f"{here} is not an item.")
            own_auth = item.get("auth") if item.get("auth") is not None else auth
            if isinstance(item.get("item"), list):
                self._variables(item.get("variable"), f"{here}/variable")
                name = str(item.get("name") or f"Folder {index + 1}")
                self._walk(item["item"], [*folders, name], own_auth, f"{here}/item")
            elif "request" in item:
                request = item["request"]
                own = request.get("auth") if isinstance(request, dict) else None
                self.requests.append((folders, item, own if own is not None else own_auth))
            else:
                raise ReadError(f"{here} is neither a request nor a folder.")

    # --- Base URL ------------------------------------------------------------------------------

    def _raw_url(self, request: Any) -> str:
        url = request.get("url") if isinstance(request, dict) else request
        if isinstance(url, dict):
            if url.get("raw"):
                return str(url["raw"])
            host = url.get("host") or ""
            host = ".".join(host) if isinstance(host, list) else str(host)
            path = url.get("path") or ""
            path = "/".join(str(p) for p in path) if isinstance(path, list) else str(path)
            protocol = url.get("protocol")
            return (f"{protocol}://" if protocol else "") + host + ("/" + path.lstrip("/"))
        return str(url or "")

    def _expand(self, text: str) -> str:
        """A URL with plain variables filled in, to find the host it is sent to."""
        return _VAR_RE.sub(
            lambda m: self.variables.get(names.arg_name(m.group(1)), m.group(0)), text
        )

    def _split(self, url: str) -> tuple[str, str]:
        """(the base the URL is under, its path after it, variables and all)."""
        lead = re.match(r"^\{\{\s*([^{}\s]+)\s*\}\}(.*)$", url)
        if lead:
            value = self.variables.get(names.arg_name(lead.group(1)), "")
            if re.match(r"^https?://", value, re.I):
                return value.rstrip("/"), lead.group(2)
        expanded = self._expand(url)
        if "://" not in expanded:
            expanded = "https://" + expanded
        parts = urlsplit(expanded)
        if not parts.hostname or "{{" in parts.netloc:
            return "", url
        after_host = url.split("://", 1)[1] if "://" in url else url
        path = "/" + after_host.split("/", 1)[1] if "/" in after_host else "/"
        return f"{parts.scheme}://{parts.netloc}", path

    def _base_url(self) -> None:
        origins: Counter[str] = Counter()
        for _folders, item, _auth in self.requests:
            base, _path = self._split(self._raw_url(item["request"]))
            if base:
                origins[base] += 1
        choices = [origin for origin, _ in origins.most_common()]
        self.plan.connector.base_url_choices = choices
        typed = self.options.base_url.rstrip("/")
        self.plan.connector.base_url = typed or (choices[0] if choices else "")
        if typed and choices and typed not in choices:
            self.rebase = choices[0]  # the requests under the main host go to the typed one
        if not choices:
            self.plan.notes.append("No request names a host: enter the Base URL.")
        elif len(choices) > 1:
            self.plan.notes.append(
                f"The requests go to {len(choices)} hosts: choose the Base URL; requests to "
                "the others go to a connector for their host each."
            )

    # --- auth ----------------------------------------------------------------------------------

    def _connector_auth(self, auth: Any) -> None:
        effective = [a for _, _, a in self.requests if isinstance(a, dict)]
        if not isinstance(auth, dict) and effective:
            auth = Counter(json.dumps(a, sort_keys=True) for a in effective).most_common(1)[0][0]
            auth = json.loads(auth)
        if isinstance(auth, dict):
            mapped = self._auth(auth)
            if mapped is not None:
                self.plan.auth = mapped
                self.connector_auth = json.dumps(auth, sort_keys=True)
                return
        self.connector_auth = ""

    def _auth(self, auth: dict[str, Any]) -> AuthPlan | None:
        kind = str(auth.get("type") or "noauth")
        params = _pairs(auth.get(kind))
        secret = self._secret_reference
        if kind == "apikey":
            key = str(params.get("key") or "X-API-Key")
            if params.get("in") == "query":
                settings = {"api_key_auth_type": "PARAM", "param_auth_param_name": key}
            else:
                settings = {
                    "api_key_auth_type": "HEADER",
                    "header_auth_key": key,
                    "header_auth_value_pattern": "%s",
                }
            return AuthPlan("API_KEY", settings, {"api_key": secret(params.get("value"))})
        if kind in ("basic", "digest"):
            if kind == "digest":
                self.plan.notes.append(
                    "The collection uses Digest auth, which connectors do not speak: mapped to "
                    "Basic Auth with the same username; check that the API accepts it."
                )
            username = self._expand(str(params.get("username") or ""))
            return AuthPlan(
                "BASIC", {"username": username}, {"password": secret(params.get("password"))}
            )
        if kind == "bearer":
            return AuthPlan("BEARER", {}, {"token": secret(params.get("token"))})
        if kind == "oauth2":
            grant = _GRANTS.get(str(params.get("grant_type") or "authorization_code"))
            if grant is None:
                self.plan.notes.append(
                    f"The OAuth 2.0 grant {params.get('grant_type')} cannot be used by a server: "
                    "set up OAuth 2.0 by hand."
                )
                return None
            settings = {
                "oauth2_grant_type": grant,
                "oauth2_token_url": self._expand(str(params.get("accessTokenUrl") or "")),
                "client_id": self._expand(str(params.get("clientId") or "")),
                "scope": str(params.get("scope") or ""),
            }
            if params.get("authUrl"):
                settings["authorization_url"] = self._expand(str(params["authUrl"]))
            wanted = {"client_secret": secret(params.get("clientSecret"))}
            if grant == "password":
                settings["password_grant_username"] = self._expand(
                    str(params.get("username") or "")
                )
                wanted["password_grant_password"] = secret(params.get("password"))
            return AuthPlan("OAUTH2", settings, wanted)
        if kind != "noauth":
            self.plan.notes.append(f"The collection's {kind} auth is not mapped: set it by hand.")
        return None

    def _secret_reference(self, value: Any) -> str | None:
        """A secret variable's credential; a literal is dropped (the preview asks for it)."""
        text = str(value or "")
        match = _VAR_RE.fullmatch(text.strip())
        if match and match.group(1) in self.secret_variables:
            name = self.secret_variables[match.group(1)]
            self.used_secrets.add(name)
            return "{{" + name + "}}"
        if text and not match:
            self.plan.notes.append("A secret value in the collection's auth was not imported.")
        return None

    # --- requests ------------------------------------------------------------------------------

    def _action(
        self, folders: list[str], item: dict[str, Any], auth: Any, taken: set[str]
    ) -> tuple[Plan, ActionPlan] | None:
        """The action, and the plan it goes to: the main one, or its host's."""
        request = item["request"]
        if isinstance(request, str):
            request = {"url": request, "method": "GET"}
        label = " / ".join([*folders, str(item.get("name") or "request")])
        method = str(request.get("method") or "GET").upper()
        if method not in _METHODS:
            self.plan.skipped.append(f"{method} {label}: an action cannot use {method}.")
            return None
        url = self._raw_url(request)
        under, path = self._split(url)
        base = self.plan.connector.base_url
        target = self.plan
        if self.rebase and under == self.rebase:
            under = base
        if base and under and under != base:
            if under.startswith(base + "/"):
                path = under[len(base) :] + path
            else:
                target = hosts.plan_for(self.plan, under)
        path = path.split("?")[0].split("#")[0] or "/"
        if not path.startswith("/"):
            path = "/" + path
        path = _COLON_RE.sub(lambda m: "{{" + m.group(1) + "}}", path)
        name = names.identifier(str(item.get("name") or f"{method} {path}"), "action")
        if name.lower() in taken and folders:
            name = names.identifier(" ".join([*folders, str(item.get("name") or "")]), "action")
        action = ActionPlan(
            name=names.unique(name, taken),
            method=method,
            path=path,
            tags=[" / ".join(folders)] if folders else [],
            description=_text_of(request.get("description") or item.get("description")),
        )
        action.query_params = self._query(request.get("url"), url)
        for row in request.get("header") or []:
            if isinstance(row, dict) and row.get("key") and not row.get("disabled"):
                action.headers.append(
                    {"key": str(row["key"]), "value": str(row.get("value") or "")}
                )
        self._body(action, request.get("body"))
        self._auth_note(action, auth, label)
        self._secret_headers(action)
        self._args(action, request.get("url"))
        return target, action

    def _query(self, url: Any, raw: str) -> list[dict[str, str]]:
        rows = []
        if isinstance(url, dict) and isinstance(url.get("query"), list):
            for row in url["query"]:
                if isinstance(row, dict) and row.get("key") and not row.get("disabled"):
                    rows.append({"key": str(row["key"]), "value": str(row.get("value") or "")})
        elif "?" in raw:
            for pair in raw.split("?", 1)[1].split("#")[0].split("&"):
                if pair:
                    key, _, value = pair.partition("=")
                    rows.append({"key": key, "value": value})
        return rows

    def _body(self, action: ActionPlan, body: Any) -> None:
        if not isinstance(body, dict) or body.get("disabled"):
            return
        mode = body.get("mode")
        has_type = any(h["key"].lower() == "content-type" for h in action.headers)

        def content_type(value: str) -> None:
            if not has_type:
                action.headers.append({"key": "Content-Type", "value": value})

        if mode == "raw":
            action.body = str(body.get("raw") or "")
            language = ((body.get("options") or {}).get("raw") or {}).get("language")
            if language == "json" or _looks_json(action.body):
                content_type("application/json")
        elif mode in ("urlencoded", "formdata"):
            fields, files = [], []
            for row in body.get(mode) or []:
                if not isinstance(row, dict) or not row.get("key") or row.get("disabled"):
                    continue
                if row.get("type") == "file":
                    files.append(str(row["key"]))
                    continue
                fields.append(f"{row['key']}={row.get('value') or ''}")
            action.body = "&".join(fields)
            content_type("application/x-www-form-urlencoded")
            if mode == "formdata":
                action.notes.append("The form data is sent as a URL-encoded form.")
            if files:
                action.notes.append(f"File fields left out: {', '.join(files)}.")
        elif mode == "graphql":
            graphql = body.get("graphql") or {}
            variables = graphql.get("variables") or {}
            if isinstance(variables, str):
                try:
                    variables = json.loads(variables) if variables.strip() else {}
                except ValueError:
                    variables = {}
            payload = {"query": str(graphql.get("query") or ""), "variables": variables}
            action.body = json.dumps(payload, indent=2, ensure_ascii=False)
            content_type("application/json")
        elif mode == "file":
            action.notes.append("The request sends a file, which an action cannot: left out.")

    def _auth_note(self, action: ActionPlan, auth: Any, label: str) -> None:
        if isinstance(auth, dict) and json.dumps(auth, sort_keys=True) != self.connector_auth:
            kind = auth.get("type")
            if kind == "noauth":
                action.notes.append(
                    "This request sends no auth in Postman; the connector's is used."
                )
            else:
                action.notes.append(
                    f"This request uses {kind} auth, unlike the connector: check it ({label})."
                )

    def _secret_headers(self, action: ActionPlan) -> None:
        """A header holding a secret variable moves to the connector, as a secret header."""
        kept = []
        for row in action.headers:
            used = [v for v in _VAR_RE.findall(row["value"]) if v in self.secret_variables]
            if not used:
                kept.append(row)
                continue
            value = _VAR_RE.sub(
                lambda m: "{{" + self.secret_variables.get(m.group(1), m.group(1)) + "}}",
                row["value"],
            )
            self.used_secrets.update(self.secret_variables[v] for v in used)
            headers = self.plan.connector.headers
            if all(h["key"].lower() != row["key"].lower() for h in headers):
                headers.append({"key": row["key"], "secret_reference": value})
        action.headers = kept

    def _args(self, action: ActionPlan, url: Any) -> None:
        """Every {{x}} that is not a Connector Variable becomes an input arg."""
        examples = {}
        if isinstance(url, dict):
            for row in url.get("variable") or []:
                if isinstance(row, dict) and row.get("key"):
                    examples[str(row["key"])] = str(row.get("value") or "")
        found: dict[str, str] = {}

        def rename(match: re.Match[str]) -> str:
            raw = match.group(1)
            if raw.startswith("$"):
                action.notes.append(f"Postman's dynamic variable {{{{{raw}}}}} has no equal here.")
                return match.group(0)
            key = names.arg_name(raw)
            if key in self.variables:
                return "{{" + key + "}}"
            found.setdefault(key, raw)
            return "{{" + key + "}}"

        action.path = _VAR_RE.sub(rename, action.path)
        action.body = _VAR_RE.sub(rename, action.body)
        for row in [*action.query_params, *action.headers]:
            row["value"] = _VAR_RE.sub(rename, row["value"])
        for key, raw in found.items():
            action.input_args.append(
                ArgPlan(name=key, required=True, example_value=examples.get(raw, ""))
            )


def _looks_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _text_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("content") or "")
    return str(value or "")


def read(document: dict[str, Any], source: str, options: ReadOptions) -> Plan:
    version_of(document)
    return _Reader(document, source, options).read()
