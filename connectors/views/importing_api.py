"""Import API: an OpenAPI, Swagger or Postman description -> a preview -> one transaction.

Developers and Admins may import (it creates and edits connectors and actions); Viewers may
not. Credentials to set are created only by an Admin, from values typed in the preview; a
Developer's import refers to them as {{NAME}} and lists them for an Admin to create.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from connectors import kinds
from connectors.exporting.openapi import dumps, export_openapi
from connectors.importing import apply, hosts, sources, staging
from connectors.importing.auth import secret_label
from connectors.importing.compare import check_choices
from connectors.importing.plan import (
    KEEP,
    RESOLUTIONS,
    UPDATE,
    Choices,
    Plan,
    ReadError,
    ReadOptions,
)
from connectors.importing.readers.description import read_plan
from connectors.kinds import secret_fields
from connectors.models import Connector
from connectors.secrets import sealing
from connectors.views.access import require

SOURCE_TEMPLATE = "connectors/importing/api.html"
# Plain settings a description cannot know and the preview asks for.
ASKED_SETTINGS = ("username", "client_id", "password_grant_username")


class SourceForm(forms.Form):
    file = forms.FileField(label="Description file", required=False)
    text = forms.CharField(
        label="Or paste the description",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "mono", "spellcheck": "false"}),
        help_text="JSON or YAML.",
    )
    url = forms.CharField(
        label="Or its URL",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://api.example.com/openapi.json"}),
        help_text="Fetched as a Test is: through the outbound guard and allow list.",
    )
    connector = forms.CharField(
        label="Connector",
        required=False,
        max_length=64,
        help_text="Blank: a new connector named from the title. An existing connector's Name "
        "imports into it.",
    )

    def source(self) -> sources.Source:
        upload, text, url = (self.cleaned_data.get(k) for k in ("file", "text", "url"))
        given = [x for x in (upload, text and text.strip(), url and url.strip()) if x]
        if len(given) != 1:
            raise ReadError("Choose a file, paste a description or give its URL: one of them.")
        if upload is not None:
            if upload.size > sources.max_bytes():
                raise sources.too_large()
            return sources.Source(f"file {upload.name}", upload.read())
        if url and url.strip():
            return sources.fetch(url.strip())
        sources.check_size(text.encode())
        return sources.Source("pasted text", text.encode())


def _options(data: Any, source: sources.Source) -> ReadOptions:
    name = (data.get("connector") or data.get("connector_name") or "").strip()
    typed = (data.get("base_url_typed") or "").strip()
    return ReadOptions(
        connector_name=name[:64],
        base_url=typed or (data.get("base_url") or "").strip(),
        source_url=source.label[4:] if source.label.startswith("URL ") else "",
    )


def _scope(user_id: int | None, name: str) -> sealing.Scope:
    """A typed secret rides sealed for this user's Import API, for the field it was typed in."""
    return sealing.Scope(user_id, "Import API", name)


@sensitive_variables("data")
def _typed(data: Any, name: str, user_id: int | None, refused: dict[str, str]) -> str:
    """A secret typed in this preview, or the one typed before and kept sealed in the page.
    A kept one that was not sealed for here is dropped, and `refused` says why."""
    if value := data.get(name):
        return value
    if sealed := data.get(f"sealed-{name}"):
        try:
            return sealing.unseal_for(sealed, _scope(user_id, name))
        except sealing.SealRefused as error:
            refused[name] = error.message
    return ""


@sensitive_variables("data")
def kept_secrets(data: Any, user_id: int | None, refused: dict[str, str]) -> list[tuple[str, str]]:
    """Typed secrets to carry to the next preview, sealed: the page never shows them back."""
    names = [k for k in data if k.startswith(("secret-", "credential-"))]
    names += [k[len("sealed-") :] for k in data if k.startswith("sealed-")]
    kept = []
    for name in dict.fromkeys(names):
        if value := _typed(data, name, user_id, refused):
            kept.append((name, sealing.seal_for(value, _scope(user_id, name))))
    return kept


@sensitive_variables("data", "value")
def following_renames(data: Any, plan: Plan, user_id: int | None) -> Any:
    """A value typed for a credential that a new connector Name renamed (PET_STORE_API_KEY ->
    MY_PETS_API_KEY) moves with it: the preview lists its credentials in the same order."""
    moved = data.copy()
    for index, credential in enumerate(plan.credentials):
        old = data.get(f"credential-slot-{index}", "")
        if not old or old == credential.name:
            continue
        value = _typed(data, f"credential-{old}", user_id, {})
        moved.pop(f"credential-{old}", None)
        moved.pop(f"sealed-credential-{old}", None)
        if value and not moved.get(f"credential-{credential.name}"):
            moved[f"credential-{credential.name}"] = value
    return moved


def refusal_problems(refused: dict[str, str]) -> list[str]:
    return [f"{_field_label(name)}: {message}" for name, message in refused.items()]


def _field_label(name: str) -> str:
    kind, _, rest = name.partition("-")
    return f"Value of {rest}" if kind == "credential" else rest.replace("_", " ").capitalize()


@sensitive_variables("data")
def choices_from(
    data: Any, plan: Plan, may_set_credentials: bool, user_id: int | None, refused: dict[str, str]
) -> Choices:
    """What the person kept: checked actions, conflict resolutions, renames, typed secrets."""
    choices = Choices(included={i for i in range(len(plan.actions)) if data.get(f"keep-{i}")})
    for index in range(len(plan.actions)):
        resolution = data.get(f"resolve-{index}")
        if resolution in RESOLUTIONS:
            choices.resolutions[index] = resolution
        if rename := (data.get(f"rename-{index}") or "").strip():
            choices.renames[index] = rename
    choices.remove = {name for name in plan.removed if data.get(f"remove-{name}")}
    choices.connector_mode = UPDATE if data.get("connector_mode") == UPDATE else KEEP
    for field in secret_fields(plan.auth.auth_config):
        if value := _typed(data, f"secret-{field}", user_id, refused):
            choices.secrets[field] = value
    for key in ASKED_SETTINGS:
        if key in plan.auth.settings and (value := (data.get(f"setting-{key}") or "").strip()):
            plan.auth.settings[key] = value
    if may_set_credentials:
        for credential in plan.credentials:
            if value := _typed(data, f"credential-{credential.name}", user_id, refused):
                choices.credential_values[credential.name] = value
    return choices


def preview_context(request: HttpRequest, plan: Plan, token: str, **extra: Any) -> dict[str, Any]:
    may_set = request.user.has_perm("connectors.manage_credentials")
    kept = {name for name, _ in extra.get("kept", [])}
    refused = extra.pop("refused", {})
    if refused:
        extra["problems"] = [*extra.get("problems", []), *refusal_problems(refused)]
    auth_secrets = [
        {
            "field": field,
            "label": secret_label(plan.auth.auth_config, field),
            "reference": plan.auth.secrets.get(field) or "",
            "kept": f"secret-{field}" in kept,
            "refused": refused.get(f"secret-{field}", ""),
        }
        for field in secret_fields(plan.auth.auth_config)
        if field in plan.auth.secrets
    ]
    asked = [
        {"key": key, "label": kinds.label(key), "value": plan.auth.settings[key]}
        for key in ASKED_SETTINGS
        if key in plan.auth.settings
    ]
    creates = sum(1 for a in plan.actions if a.default in ("create", "rename"))
    updates = sum(1 for a in plan.actions if a.default == "overwrite")
    return {
        "form": SourceForm(),
        "plan": plan,
        "token": token,
        "digest": staging.digest(plan),
        "may_set_credentials": may_set,
        "auth_secrets": auth_secrets,
        "asked_settings": asked,
        "kept_credentials": {n.removeprefix("credential-") for n in kept},
        "counts": {
            "create": creates,
            "update": updates,
            "skip": len(plan.actions) - creates - updates,
        },
        "action_url": request.path,
        "connectors_summary": hosts.summary(plan) if plan.others else "",
        **extra,
    }


def _source_page(request: HttpRequest, form: SourceForm, error: str = "", status: int = 200):
    return render(request, SOURCE_TEMPLATE, {"form": form, "error": error}, status=status)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def api_import(request: HttpRequest) -> HttpResponse:
    """The source page (GET), its preview (POST), and Create (POST with `create`)."""
    require(request, "add_action")
    if request.method == "GET":
        return _source_page(
            request, SourceForm(initial={"connector": request.GET.get("connector")})
        )
    try:
        data = request.POST
    except RequestDataTooBig:
        form = SourceForm()
        return _source_page(
            request, form, "The pasted text is too large for a form: upload it as a file.", 400
        )
    except TooManyFieldsSent:
        form = SourceForm()
        return _source_page(
            request,
            form,
            "The preview sent more fields than this server takes "
            "(DATA_UPLOAD_MAX_NUMBER_FIELDS): import the description with manage.py import_api.",
            400,
        )
    token = data.get("token", "")
    if token:
        return _staged_step(request, token)
    form = SourceForm(data, request.FILES)
    if not form.is_valid():
        return _source_page(request, form, "Correct the fields below.", 400)
    try:
        source = form.source()
        options = _options(form.cleaned_data, source)
        plan = read_plan(source, options)
    except ReadError as error:
        return _source_page(request, form, str(error), 400)
    token = staging.stage(source, request.user.pk)
    return render(request, SOURCE_TEMPLATE, preview_context(request, plan, token))


@sensitive_variables("choices")
def _staged_step(request: HttpRequest, token: str) -> HttpResponse:
    source = staging.staged(token, request.user.pk)
    if source is None:
        return _source_page(
            request, SourceForm(), "This preview has expired: choose the description again.", 400
        )
    try:
        plan = read_plan(source, _options(request.POST, source))
    except ReadError as error:
        return _source_page(request, SourceForm(), str(error), 400)
    user_id = request.user.pk
    data = following_renames(request.POST, plan, user_id)
    if "create" not in data:
        refused: dict[str, str] = {}
        kept = kept_secrets(data, user_id, refused)
        context = preview_context(request, plan, token, kept=kept, refused=refused)
        return render(request, SOURCE_TEMPLATE, context)
    if staging.differs(plan, data.get("digest", "")):
        context = preview_context(request, plan, token, refusal=staging.refusal())
        return render(request, SOURCE_TEMPLATE, context, status=409)
    creates_one = not all(p.target_exists for p in [plan, *plan.others])
    if creates_one and not request.user.has_perm("connectors.add_connector"):
        return render(
            request,
            SOURCE_TEMPLATE,
            preview_context(request, plan, token, problems=["Your role cannot create connectors."]),
            status=403,
        )
    may_set = request.user.has_perm("connectors.manage_credentials")
    refused = {}
    choices = choices_from(data, plan, may_set, user_id, refused)
    problems = check_choices(plan, choices)
    problems += [p for other in plan.others for p in check_choices(other, Choices())]
    if problems or refused:
        # Everything else typed rides along again; only the refused value is to be typed anew.
        kept = kept_secrets(data, user_id, {})
        context = preview_context(
            request, plan, token, problems=problems, kept=kept, refused=refused
        )
        return render(request, SOURCE_TEMPLATE, context, status=400)
    try:
        outcome = apply.apply_all(plan, choices, request.user, may_set_credentials=may_set)
    except IntegrityError:
        context = preview_context(
            request,
            plan,
            token,
            problems=[
                "Someone saved a connector or action of the same name meanwhile: "
                "check the preview and press Create again."
            ],
        )
        return render(request, SOURCE_TEMPLATE, context, status=409)
    staging.drop(token)
    verb = "Created" if outcome.connector_created else "Imported into"
    messages.success(
        request,
        f"{verb} connector {outcome.connector.name}: actions {outcome.summary()}."
        + "".join(f" {note}" for note in outcome.notes if note.startswith("Connector ")),
    )
    missing = [
        c.name for c in plan.credentials if not c.exists and c.name not in outcome.credentials
    ]
    if missing and may_set:
        messages.warning(
            request,
            "No value was typed for these credentials: create them on the Credentials page "
            "before Test: " + ", ".join(missing) + ".",
        )
    elif missing:
        messages.warning(
            request,
            "An Admin creates these credentials before Test: " + ", ".join(missing) + ".",
        )
    return redirect(outcome.connector.get_absolute_url())


@require_GET
def connector_openapi(request: HttpRequest, name: str) -> HttpResponse:
    """The connector as an OpenAPI 3.1 download: anyone who may browse it (no secret is in it)."""
    require(request, "view_connector")
    connector = get_object_or_404(Connector, name=name)
    document = export_openapi(connector)
    response = HttpResponse(dumps(document), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{connector.name}.openapi.json"'
    return response
