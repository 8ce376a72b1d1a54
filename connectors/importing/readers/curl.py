"""cURL: one pasted command (read by lib/curl) as the one Plan: a connector, its auth, one action.

Pure: a reader never reads or writes the database. Fresh names against the catalog, whether a
connector or credential of a name is already there, and what is shown masked are the later
steps' (compare.against_catalog, the preview).

Team credentials are the Admins': with `team_credentials` a pasted literal becomes a credential
to set, holding that value and referred to as `{{NAME}}`. Otherwise it stays the connector's
own secret (the literal in its secret field or secret header, sealed when applied), and a
literal in a plain field (a key sent as the Username) is left out, referring to the credential
an Admin would create. Imported into an existing connector, the command's auth and secret
headers are not applied: the connector keeps its own, and the notes say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from connectors.importing.plan import (
    ActionPlan,
    ArgPlan,
    AuthPlan,
    ConnectorPlan,
    CredentialToSet,
    Plan,
    ReadError,
)
from connectors.kinds import label, secret_fields
from connectors.lib import origins
from connectors.lib.curl.parse import parse_curl
from connectors.lib.curl.result import ParsedCurl, Secret
from connectors.lib.curl.shell import CurlParseError

KIND = "cURL"
SOURCE = "pasted cURL command"
NOTE = "Imported from a cURL command."
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ARG_DESCRIPTION = "From the imported cURL command."


@dataclass
class CurlOptions:
    connector_name: str = ""  # the new connector's Name; blank: made from the host
    action_name: str = ""  # blank: made from the method and path
    into: str = ""  # the Name of an existing connector to import the action into
    into_base_url: str = ""  # its Base URL: the action's path is relative to it
    team_credentials: bool = False  # an Admin: literals become team credentials


@sensitive_variables("command")
def read(command: str, options: CurlOptions) -> Plan:
    """The command as the one Plan; ReadError says why it cannot be one."""
    try:
        parsed = parse_curl(command)
    except CurlParseError as error:
        raise ReadError(str(error)) from None
    return read_parsed(parsed, options)


@sensitive_variables("parsed")
def read_parsed(parsed: ParsedCurl, options: CurlOptions) -> Plan:
    if parsed.method not in METHODS:
        raise ReadError(
            f"The method {parsed.method} is not one an action can have: Agent Studio's "
            "actions use GET, POST, PUT, PATCH or DELETE, so nothing was imported."
        )
    plan = Plan(kind=KIND, source=SOURCE, connector=ConnectorPlan(name=""), history_note=NOTE)
    plan.notes = list(parsed.notes)
    if options.into:
        path = relative_path(parsed.url, options.into_base_url.rstrip("/"))
        if path is None:
            raise ReadError(
                f"The command's URL {parsed.url} is not under connector {options.into}'s Base "
                f"URL {options.into_base_url}: choose another, or create a new connector."
            )
        plan.connector = ConnectorPlan(name=options.into)
        plan.notes += kept_connector_notes(parsed, options.into)
    else:
        path = parsed.path
        _plan_connector(plan, parsed, options)
    name = options.action_name or ParsedCurl(method=parsed.method, path=path).action_name()
    plan.actions = [
        ActionPlan(
            name=name,
            method=parsed.method,
            path=path,
            query_params=[{"key": k, "value": v} for k, v in parsed.query],
            headers=[{"key": k, "value": v} for k, v in parsed.headers],
            body=parsed.body,
            input_args=[
                ArgPlan(arg, description=ARG_DESCRIPTION, required=True)
                for arg in dict.fromkeys(parsed.variables)
            ],
        )
    ]
    return plan


@sensitive_variables("parsed")
def _plan_connector(plan: Plan, parsed: ParsedCurl, options: CurlOptions) -> None:
    hosts = origins.hosts_of(parsed.url)

    @sensitive_variables("secret")
    def reference(secret: Secret, what: str, field: str, is_secret_field: bool = True) -> str:
        if secret.is_literal and not options.team_credentials and is_secret_field:
            assert secret.value is not None
            return secret.value  # the connector's own secret
        if secret.is_literal and not options.team_credentials:
            plan.notes.append(
                f"{what[0].upper()}{what[1:]} holds a secret but is not a secret field, so the "
                f"pasted value was left out: it refers to {{{{{secret.credential}}}}}, a team "
                "credential an Admin creates on the Credentials page."
            )
        elif secret.is_literal:
            return "{{" + _credential(plan, secret, field, hosts) + "}}"
        return "{{" + secret.credential + "}}"

    auth = parsed.auth
    plan.auth = AuthPlan(auth.auth_config if auth else "NO_AUTH")
    if auth is not None:
        plan.auth.settings = dict(auth.settings)
        plan.auth.described_as = auth.source
        names = secret_fields(auth.auth_config)
        for key, secret in auth.secrets.items():
            value = reference(secret, f"the {label(key) or key}", key, key in names)
            if key in names:
                plan.auth.secrets[key] = value
            else:
                plan.auth.settings[key] = value
    plan.connector = ConnectorPlan(
        name=options.connector_name or parsed.connector_name(),
        base_url=parsed.base_url,
        headers=[
            {"key": key, "secret_reference": reference(secret, f"the header {key}", key)}
            for key, secret in parsed.secret_headers
        ],
        timeout_seconds=parsed.timeout or 30,
        verify_tls=parsed.verify_tls,
    )


@sensitive_variables("secret")
def _credential(plan: Plan, secret: Secret, field: str, hosts: list[str]) -> str:
    """The name a literal is set under: its own, or NAME_2... when the command holds another
    value under that name. A name taken in the catalog is compare's to settle."""
    base, n = secret.credential[:60], 1
    while True:
        name = base if n == 1 else f"{base}_{n}"
        n += 1
        mine = next((c for c in plan.credentials if c.name == name), None)
        if mine is None:
            plan.credentials.append(
                CredentialToSet(
                    name,
                    purpose="From the cURL command",
                    secret_field=field,
                    hosts=hosts,
                    value=secret.value or "",
                )
            )
            return name
        if mine.value == secret.value:
            return name


def kept_connector_notes(parsed: ParsedCurl, name: str, auth_shown: str = "") -> list[str]:
    """What an existing connector keeps of its own: the command's auth and secret headers."""
    notes = []
    if parsed.auth is not None:
        shown = f" ({auth_shown})" if auth_shown else ""
        notes.append(
            f"The command's auth ({parsed.auth.describe()}) is not applied: connector "
            f"{name} keeps its Auth Config{shown}, and no credential is created. Edit the "
            "connector to change it."
        )
    for key, _secret in parsed.secret_headers:
        notes.append(
            f"Left out the {key} header, which holds a secret: add it to connector {name} as "
            "a secret header if it needs one."
        )
    return notes


def relative_path(url: str, base: str) -> str | None:
    """The URL's path under a Base URL (case-insensitive), or None when it is not under it."""
    if url.lower() == base.lower():
        return "/"
    if url.lower().startswith(base.lower() + "/"):
        return url[len(base) :]
    return None
