"""Preview: read the command (secrets masked back), plan the connector and action; saves nothing."""

from __future__ import annotations

import os

from django.http import HttpRequest, QueryDict
from django.views.decorators.debug import sensitive_variables

from connectors.forms.auth_forms import auth_form_for
from connectors.forms.connector import ConnectorForm
from connectors.forms.curl_import import CurlImportForm, ImportActionForm
from connectors.forms.curl_plan import CurlPlan, OwnSecret, Reference
from connectors.importing.curl_names import credential_for, matching_connector, unique_name
from connectors.importing.readers.curl import kept_connector_notes, relative_path
from connectors.kinds import secret_fields
from connectors.lib import origins
from connectors.lib.curl.parse import parse_curl
from connectors.lib.curl.result import ParsedCurl, Secret
from connectors.lib.curl.shell import CurlParseError
from connectors.models import Action, Connector, Credential, InputArg
from connectors.secrets import homes, references, sealing


@sensitive_variables("command")
def preview(request: HttpRequest, form: CurlImportForm) -> CurlPlan | None:
    """Read the command and plan what it makes; errors go on the form, nothing is saved."""
    data = form.cleaned_data
    scope = sealed_scope(request)
    try:
        command = _command(data["command"], data["sealed"], scope)
        parsed = parse_curl(command)
    except sealing.SealRefused as refused:
        form.data["sealed"] = ""  # the box keeps what was posted; the name fields stay too
        form.add_error("command", f"{refused.message} Paste the whole command again.")
        return None
    except CurlParseError as error:
        form.add_error("command", str(error))
        return None
    shown = _masked(command, parsed)
    form.data["command"] = shown
    form.data["sealed"] = sealing.seal_for(command, scope) if shown != command else ""
    return _plan(request, form, parsed)


def sealed_scope(request: HttpRequest) -> sealing.Scope:
    """The pasted command rides sealed for this user's cURL import only."""
    return sealing.Scope(request.user.pk, "Import cURL", "command")


@sensitive_variables("sealed", "command")
def _command(posted: str, sealed: str, scope: sealing.Scope) -> str:
    """The command to read: the sealed original when the box still shows its masked copy."""
    posted = posted.replace("\r\n", "\n").strip()
    refused: sealing.SealRefused | None = None
    if sealed:
        try:
            command = sealing.unseal_for(sealed, scope)
        except sealing.SealRefused as error:
            command, refused = None, error
        if command is not None:
            try:
                shown = _masked(command, parse_curl(command))
            except CurlParseError:
                shown = None
            if shown is not None and posted == shown.strip():
                return command
    if not posted:
        raise CurlParseError("Paste a cURL command.")
    if sealing.MASK in posted and refused is not None:
        raise refused  # the masked copy needs an original that was not sealed for here
    if sealing.MASK in posted:
        raise CurlParseError(
            f"The command holds a masked secret ({sealing.MASK}): paste the whole command "
            "again, secret included."
        )
    return posted


@sensitive_variables("command", "text")
def _masked(command: str, parsed: ParsedCurl) -> str:
    """The command with every secret it holds masked; blank when one cannot be found in it."""
    text = command.replace("\r\n", "\n").strip()
    literals = sorted({s for s in parsed.secret_literals if s}, key=len, reverse=True)
    for literal in literals:
        text = text.replace(literal, sealing.mask(literal))
    return "" if any(literal in text for literal in literals) else text


def _plan(request: HttpRequest, form: CurlImportForm, parsed: ParsedCurl) -> CurlPlan | None:
    data = form.cleaned_data
    choice = data["connector"]
    if not choice and not data["chosen"]:
        match = matching_connector(parsed.url)
        choice = match.name if match else ""
    form.data["connector"], form.data["chosen"] = choice, "1"

    if choice:
        connector = Connector.objects.filter(name=choice).first()
        if connector is None:
            form.add_error("connector", "This connector no longer exists.")
            return None
        path = relative_path(parsed.url, connector.base_url.rstrip("/"))
        if path is None:
            form.add_error(
                "connector",
                f"The command's URL {parsed.url} is not under this connector's Base URL "
                f"{connector.base_url}: choose another, or create a new connector.",
            )
            return None
        plan = CurlPlan(parsed, connector, is_new=False)
        plan.notes = list(parsed.notes) + kept_connector_notes(
            parsed, connector.name, connector.get_auth_config_display()
        )
    else:
        if not request.user.has_perm("connectors.add_connector"):
            form.add_error("connector", "Your role cannot create connectors: choose one.")
            return None
        connector = Connector()
        path = parsed.path
        plan = CurlPlan(parsed, connector, is_new=True)
        plan.notes = list(parsed.notes)
        if not _plan_connector(request, form, plan):
            return None
    _plan_action(form, plan, path)
    return None if form.errors else plan


@sensitive_variables("plan")
def _plan_connector(request: HttpRequest, form: CurlImportForm, plan: CurlPlan) -> bool:
    parsed, data = plan.parsed, form.cleaned_data
    taken = {n.lower() for n in Connector.objects.values_list("name", flat=True)}
    name = data["connector_name"] or unique_name(parsed.connector_name(), taken)
    form.data["connector_name"] = name

    hosts = origins.hosts_of(parsed.url)
    # Team credentials are the Admins': anyone else's pasted value stays the connector's own.
    is_admin = request.user.has_perm("connectors.manage_credentials")

    def reference(secret: Secret, what: str, is_secret_field: bool = True) -> str:
        if secret.is_literal and not is_admin and is_secret_field:
            assert secret.value is not None
            plan.own_secrets.append(OwnSecret(what, secret.value))
            return secret.value
        if secret.is_literal and not is_admin:
            # A plain field (a key sent as the Username) never holds a literal secret.
            plan.notes.append(
                f"{what[0].upper()}{what[1:]} holds a secret but is not a secret field, so the "
                f"pasted value was left out: it refers to {{{{{secret.credential}}}}}, a team "
                "credential an Admin creates on the Credentials page."
            )
            secret = Secret(secret.credential)
        if secret.is_literal:
            credential = credential_for(secret, plan.credentials, hosts=hosts, may_compare=True)
            if credential not in plan.credentials:
                plan.credentials.append(credential)
            return "{{" + credential.name + "}}"
        if all(r.name != secret.credential for r in plan.references):
            plan.references.append(
                Reference(secret.credential, _reference_state(secret), _refused(secret, parsed.url))
            )
        return "{{" + secret.credential + "}}"

    auth = parsed.auth
    auth_data = QueryDict(mutable=True)
    if auth is not None:
        for key, value in auth.settings.items():
            auth_data[f"auth-{key}"] = value
        secret_names = secret_fields(auth.auth_config)
        for key, secret in auth.secrets.items():
            what = f"the {homes.label_of(key)}"
            auth_data[f"auth-{key}"] = reference(secret, what, key in secret_names)
    connector_data = QueryDict(mutable=True)
    connector_data.update(
        {
            "name": name,
            "base_url": parsed.base_url,
            "auth_config": auth.auth_config if auth else Connector.AuthConfig.NO_AUTH,
            "timeout_seconds": str(parsed.timeout or 30),
        }
    )
    if parsed.verify_tls:
        connector_data["verify_tls"] = "on"
    for key, secret in parsed.secret_headers:
        connector_data.appendlist("headers_key", key)
        connector_data.appendlist("headers_value", reference(secret, f"the header {key}"))
        connector_data.appendlist("headers_kind", "secret")

    plan.connector_form = ConnectorForm(connector_data)
    plan.auth_form = auth_form_for(connector_data["auth_config"], auth_data)
    ok = plan.connector_form.is_valid() & plan.auth_form.is_valid()
    for field_name, errors in plan.connector_form.errors.items():
        target = "connector_name" if field_name == "name" else "command"
        label = (
            plan.connector_form.fields[field_name].label
            if field_name in plan.connector_form.fields
            else ""
        )
        for error in errors:
            form.add_error(target, error if target != "command" else f"{label}: {error}")
    for field_name, errors in plan.auth_form.errors.items():
        label = (
            plan.auth_form.fields[field_name].label if field_name in plan.auth_form.fields else ""
        )
        for error in errors:
            form.add_error("command", f"{label}: {error}" if label else error)
    if ok:
        plan.connector = plan.connector_form.save(commit=False)
        origin = origins.origin_of(parsed.base_url)
        plan.own_origin = f"{origin.scheme}://{origin.shown}" if origin else parsed.base_url
        plan.facts += [_facts(connector_data), _facts(auth_data)]
    return ok


def _reference_state(secret: Secret) -> str:
    if Credential.objects.filter(name=secret.credential).exists():
        return "credential"
    if references.is_env_credential(secret.credential):
        return "environment" if secret.credential in os.environ else "missing"
    return "missing"


def _refused(secret: Secret, url: str) -> str:
    """What a Test will say if the credential may not go to the command's host."""
    try:
        homes.check_reference(secret.credential, url)
    except homes.Refused as refused:
        return refused.message.replace(" Nothing was sent.", "")
    return ""


def _plan_action(form: CurlImportForm, plan: CurlPlan, path: str) -> None:
    parsed, data = plan.parsed, form.cleaned_data
    if parsed.method not in Action.Method.values:
        form.add_error(
            "command",
            f"The method {parsed.method} is not one an action can have: Agent Studio's "
            "actions use GET, POST, PUT, PATCH or DELETE, so nothing was imported.",
        )
        return
    taken = set()
    if plan.connector.pk:
        taken = {n.lower() for n in plan.connector.actions.values_list("name", flat=True)}
    defaults = ParsedCurl(method=parsed.method, path=path)
    name = data["action_name"] or unique_name(defaults.action_name(), taken)
    form.data["action_name"] = name
    plan.input_args = list(parsed.variables)

    action_data = QueryDict(mutable=True)
    action_data.update({"name": name, "method": parsed.method, "path": path, "body": parsed.body})
    for key, value in parsed.query:
        action_data.appendlist("query_params_key", key)
        action_data.appendlist("query_params_value", value)
    for key, value in parsed.headers:
        action_data.appendlist("headers_key", key)
        action_data.appendlist("headers_value", value)
    plan.action_form = ImportActionForm(
        action_data,
        instance=Action(connector=plan.connector),
        connector=plan.connector,
        declared_args=dict.fromkeys(plan.input_args, InputArg.DataType.STRING),
    )
    if not plan.action_form.is_valid():
        for field_name, errors in plan.action_form.errors.items():
            target = "action_name" if field_name == "name" else "command"
            label = (
                plan.action_form.fields[field_name].label
                if field_name in plan.action_form.fields
                else ""
            )
            for error in errors:
                form.add_error(target, error if target != "command" else f"{label}: {error}")
        return
    plan.facts += [plan.connector.pk, plan.is_new, _facts(action_data), plan.input_args]


def _facts(data: QueryDict) -> list[tuple[str, list[str]]]:
    return sorted(data.lists())
