"""Import cURL: paste a command, see what it makes, then create it all in one transaction.

Preview saves nothing. The page never shows a secret back: after a preview the command box
holds the command with its secrets masked, and the original travels sealed (Fernet) in a hidden
field. Create re-reads the same command and refuses when the outcome differs from what was
previewed (a digest of it rides along), so what is created is exactly what was shown.

Decision: a Developer may create team credentials here, though managing credentials is an
Admin's: the import only ever adds a credential under a fresh name (never replaces one; an
existing credential holding the very same value is reused), and the alternative, a literal
secret left in a plain field, is what the import exists to prevent.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from connectors import history, secrets
from connectors.curl import CurlParseError, ParsedCurl, Secret, parse_curl
from connectors.forms import ActionForm, AuthForm, ConnectorForm, auth_form_for
from connectors.models import Action, Connector, Credential, InputArg, Revision

TEMPLATE = "connectors/curl_import.html"
_SHOWN_AUTH_FIELDS = {
    "header_auth_key",
    "header_auth_value_pattern",
    "param_auth_param_name",
    "api_key",
    "username",
    "password",
}
EXAMPLE = 'curl https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"'


class CurlImportForm(forms.Form):
    command = forms.CharField(
        label="cURL command",
        strip=False,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "class": "mono", "spellcheck": "false", "placeholder": EXAMPLE}
        ),
        help_text="As copied from browser devtools, Postman or an API's docs.",
    )
    connector = forms.ChoiceField(label="Connector", required=False)
    connector_name = forms.CharField(
        label="Connector Name",
        required=False,
        max_length=64,
        help_text="For a new connector; made from the host when blank.",
    )
    action_name = forms.CharField(
        label="Action Name",
        required=False,
        max_length=64,
        help_text="Made from the method and path when blank, e.g. get_v1_models.",
    )
    sealed = forms.CharField(required=False, widget=forms.HiddenInput)
    chosen = forms.CharField(required=False, widget=forms.HiddenInput)  # the user saw the choice
    digest = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Connector.objects.values_list("name", flat=True)
        self.fields["connector"].choices = [("", "Create a new connector")] + [
            (name, name) for name in names
        ]


class _ImportActionForm(ActionForm):
    """The action form, also for a connector that is not saved yet."""

    def clean_name(self) -> str:
        if self.connector.pk is None:
            return self.cleaned_data["name"]
        return super().clean_name()


@dataclass
class NewCredential:
    name: str
    value: str = field(repr=False)
    reused: bool = False  # an existing credential already holds this value

    @property
    def masked(self) -> str:
        return secrets.mask(self.value)


@dataclass
class Reference:
    name: str
    state: str  # "credential", "environment" or "missing"


@dataclass
class Plan:
    parsed: ParsedCurl
    connector: Connector
    is_new: bool
    action_form: ActionForm | None = None
    connector_form: ConnectorForm | None = None
    auth_form: AuthForm | None = None
    credentials: list[NewCredential] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    input_args: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: list[Any] = field(default_factory=list, repr=False)  # what the digest covers

    @property
    def action(self) -> dict[str, Any]:
        assert self.action_form is not None
        return self.action_form.cleaned_data

    @property
    def new_connector(self) -> dict[str, Any]:
        assert self.connector_form is not None
        return self.connector_form.cleaned_data

    @property
    def auth_fields(self) -> list[tuple[str, str]]:
        """The Auth Config's fields as they will be stored: secrets as their references."""
        if self.auth_form is None:
            return []
        shown = []
        for bound in self.auth_form:
            value = self.auth_form.cleaned_data.get(bound.name)
            if value and bound.name in _SHOWN_AUTH_FIELDS:
                shown.append((bound.label, str(value)))
        return shown

    @property
    def saves(self) -> str:
        """What Create saves, as a phrase: "the connector, the credential X and the action"."""
        parts = ["the connector"] if self.is_new else []
        parts += [f"the credential {c.name}" for c in self.credentials if not c.reused]
        return " and ".join([", ".join(parts), "the action"]) if parts else "the action"

    @sensitive_variables()
    def digest(self) -> str:
        secret_facts = [(c.name, c.value, c.reused) for c in self.credentials]
        text = json.dumps([self.facts, secret_facts], sort_keys=True, default=str)
        return salted_hmac("connectors.curl_import", text, algorithm="sha256").hexdigest()


# --- the view ------------------------------------------------------------------------------------


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def curl_import(request: HttpRequest, name: str | None = None) -> HttpResponse:
    if not request.user.has_perm("connectors.add_action"):
        raise PermissionDenied
    target = get_object_or_404(Connector, name=name) if name else None
    if request.method == "GET":
        initial = {"connector": name or "", "chosen": "1" if name else ""}
        return render(
            request, TEMPLATE, {"form": CurlImportForm(initial=initial), "target": target}
        )

    form = CurlImportForm(request.POST.copy())
    plan = _preview(request, form) if form.is_valid() else None
    stale = False  # Create pressed, but the outcome is not the one previewed
    if plan is not None and "create" in request.POST:
        if not constant_time_compare(form.cleaned_data["digest"], plan.digest()):
            stale = True
        elif action := _create(request, form, plan):
            messages.success(request, f"Imported action {action.name} from cURL.")
            return redirect(action.get_absolute_url())
    if plan is not None and not form.errors:
        form.data["digest"] = plan.digest()
    context = {
        "form": form,
        "plan": None if form.errors else plan,
        "stale": stale and not form.errors,
        "target": target,
    }
    return render(request, TEMPLATE, context)


@sensitive_variables("command")
def _preview(request: HttpRequest, form: CurlImportForm) -> Plan | None:
    """Read the command and plan what it makes; errors go on the form, nothing is saved."""
    data = form.cleaned_data
    try:
        command = _command(data["command"], data["sealed"])
        parsed = parse_curl(command)
    except CurlParseError as error:
        form.add_error("command", str(error))
        return None
    shown = _masked(command, parsed)
    form.data["command"] = shown
    form.data["sealed"] = secrets.seal(command) if shown != command else ""
    return _plan(request, form, parsed)


@sensitive_variables("sealed", "command")
def _command(posted: str, sealed: str) -> str:
    """The command to read: the sealed original when the box still shows its masked copy."""
    posted = posted.replace("\r\n", "\n").strip()
    if sealed:
        try:
            command = secrets.unseal(sealed)
        except secrets.SecretUnreadable:
            command = None
        if command is not None:
            try:
                shown = _masked(command, parse_curl(command))
            except CurlParseError:
                shown = None
            if shown is not None and posted == shown.strip():
                return command
    if not posted:
        raise CurlParseError("Paste a cURL command.")
    if secrets.MASK in posted:
        raise CurlParseError(
            f"The command holds a masked secret ({secrets.MASK}): paste the whole command "
            "again, secret included."
        )
    return posted


@sensitive_variables("command", "text")
def _masked(command: str, parsed: ParsedCurl) -> str:
    """The command with every secret it holds masked; blank when one cannot be found in it."""
    text = command.replace("\r\n", "\n").strip()
    literals = sorted({s for s in parsed.secret_literals if s}, key=len, reverse=True)
    for literal in literals:
        text = text.replace(literal, secrets.mask(literal))
    return "" if any(literal in text for literal in literals) else text


def _matching_connector(url: str) -> Connector | None:
    """The connector whose Base URL the command's URL is under; the longest wins."""
    best: Connector | None = None
    for connector in Connector.objects.only("name", "base_url"):
        base = connector.base_url.rstrip("/")
        if _relative_path(url, base) is not None and (
            best is None or len(base) > len(best.base_url.rstrip("/"))
        ):
            best = connector
    return best


def _relative_path(url: str, base: str) -> str | None:
    if url.lower() == base.lower():
        return "/"
    if url.lower().startswith(base.lower() + "/"):
        return url[len(base) :]
    return None


def _unique(base: str, taken: set[str]) -> str:
    base = base[:60]
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}_{n}"
    return name


@sensitive_variables("secret")
def _credential_for(secret: Secret, planned: list[NewCredential]) -> NewCredential:
    """A fresh credential name for a literal, or an existing credential with that value."""
    assert secret.value is not None
    base, n = secret.credential[:60], 1
    while True:
        name = base if n == 1 else f"{base}_{n}"
        n += 1
        mine = next((c for c in planned if c.name == name), None)
        if mine is not None:
            if mine.value == secret.value:
                return mine
            continue
        existing = Credential.objects.filter(name=name).first()
        if existing is None:
            return NewCredential(name, secret.value)
        try:
            same = secrets.unseal(existing.sealed) == secret.value
        except secrets.SecretUnreadable:
            same = False
        if same:
            return NewCredential(name, secret.value, reused=True)


def _plan(request: HttpRequest, form: CurlImportForm, parsed: ParsedCurl) -> Plan | None:
    data = form.cleaned_data
    choice = data["connector"]
    if not choice and not data["chosen"]:
        match = _matching_connector(parsed.url)
        choice = match.name if match else ""
    form.data["connector"], form.data["chosen"] = choice, "1"

    if choice:
        connector = Connector.objects.filter(name=choice).first()
        if connector is None:
            form.add_error("connector", "This connector no longer exists.")
            return None
        path = _relative_path(parsed.url, connector.base_url.rstrip("/"))
        if path is None:
            form.add_error(
                "connector",
                f"The command's URL {parsed.url} is not under this connector's Base URL "
                f"{connector.base_url}: choose another, or create a new connector.",
            )
            return None
        plan = Plan(parsed, connector, is_new=False)
        plan.notes = list(parsed.notes) + _kept_connector_notes(parsed, connector)
    else:
        if not request.user.has_perm("connectors.add_connector"):
            form.add_error("connector", "Your role cannot create connectors: choose one.")
            return None
        connector = Connector()
        path = parsed.path
        plan = Plan(parsed, connector, is_new=True)
        plan.notes = list(parsed.notes)
        if not _plan_connector(request, form, plan):
            return None
    _plan_action(form, plan, path)
    return None if form.errors else plan


def _kept_connector_notes(parsed: ParsedCurl, connector: Connector) -> list[str]:
    notes = []
    if parsed.auth is not None:
        notes.append(
            f"The command's auth ({parsed.auth.describe()}) is not applied: connector "
            f"{connector.name} keeps its Auth Config ({connector.get_auth_config_display()}), "
            "and no credential is created. Edit the connector to change it."
        )
    for key, _secret in parsed.secret_headers:
        notes.append(
            f"Left out the {key} header, which holds a secret: add it to connector "
            f"{connector.name} as a secret header if it needs one."
        )
    return notes


@sensitive_variables("plan")
def _plan_connector(request: HttpRequest, form: CurlImportForm, plan: Plan) -> bool:
    parsed, data = plan.parsed, form.cleaned_data
    taken = {n.lower() for n in Connector.objects.values_list("name", flat=True)}
    name = data["connector_name"] or _unique(parsed.connector_name(), taken)
    form.data["connector_name"] = name

    def reference(secret: Secret) -> str:
        if secret.is_literal:
            credential = _credential_for(secret, plan.credentials)
            if credential not in plan.credentials:
                plan.credentials.append(credential)
            return "{{" + credential.name + "}}"
        if all(r.name != secret.credential for r in plan.references):
            plan.references.append(Reference(secret.credential, _reference_state(secret)))
        return "{{" + secret.credential + "}}"

    auth = parsed.auth
    auth_data = QueryDict(mutable=True)
    if auth is not None:
        for key, value in auth.settings.items():
            auth_data[f"auth-{key}"] = value
        for key, secret in auth.secrets.items():
            auth_data[f"auth-{key}"] = reference(secret)
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
        connector_data.appendlist("headers_value", reference(secret))
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
        plan.facts += [_facts(connector_data), _facts(auth_data)]
    return ok


def _reference_state(secret: Secret) -> str:
    if Credential.objects.filter(name=secret.credential).exists():
        return "credential"
    if secret.credential in settings.STUDIO_ENV_CREDENTIALS:
        return "environment" if secret.credential in os.environ else "missing"
    return "missing"


def _plan_action(form: CurlImportForm, plan: Plan, path: str) -> None:
    parsed, data = plan.parsed, form.cleaned_data
    if parsed.method not in Action.Method.values:
        form.add_error(
            "command",
            f"The method {parsed.method} is not one an action can have: "
            "GET, POST, PUT, PATCH or DELETE.",
        )
        return
    taken = set()
    if plan.connector.pk:
        taken = {n.lower() for n in plan.connector.actions.values_list("name", flat=True)}
    defaults = ParsedCurl(method=parsed.method, path=path)
    name = data["action_name"] or _unique(defaults.action_name(), taken)
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
    plan.action_form = _ImportActionForm(
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


IMPORT_NOTE = "Imported from a cURL command."


@sensitive_variables("plan")
def _create(request: HttpRequest, form: CurlImportForm, plan: Plan) -> Action | None:
    """Everything the preview showed, in one transaction, or nothing."""
    user_name = request.user.get_username()
    try:
        with transaction.atomic():
            connector = plan.connector
            if plan.is_new:
                assert plan.connector_form is not None and plan.auth_form is not None
                connector.auth_settings = plan.auth_form.auth_settings()
                connector.auth_secrets = plan.auth_form.auth_secrets(user_name)
                if hasattr(plan.connector_form, "headers_to_store"):
                    connector.headers = plan.connector_form.headers_to_store(user_name)
                connector.updated_by = request.user
                connector.save()
                history.record(connector, Revision.Event.CREATED, request.user, note=IMPORT_NOTE)
            else:
                Connector.objects.filter(pk=connector.pk).update(updated_by=request.user)
            for credential in plan.credentials:
                if not credential.reused:
                    created = Credential.objects.create(
                        name=credential.name,
                        sealed=secrets.seal(credential.value),
                        hint=secrets.hint(credential.value),
                        set_by=request.user,
                    )
                    history.record(created, Revision.Event.CREATED, request.user, note=IMPORT_NOTE)
            assert plan.action_form is not None
            action = plan.action_form.save(commit=False)
            action.connector = connector
            action.updated_by = request.user
            action.save()
            for arg in plan.input_args:
                InputArg.objects.create(
                    action=action,
                    name=arg,
                    description="From the imported cURL command.",
                    required=True,
                )
            history.record(action, Revision.Event.CREATED, request.user, note=IMPORT_NOTE)
    except IntegrityError:
        form.add_error(
            None,
            "Someone created a connector, action or credential of the same name meanwhile: "
            "press Preview again.",
        )
        return None
    return action
