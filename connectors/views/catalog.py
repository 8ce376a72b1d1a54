"""The catalog in the browser: typed function views, HTMX partials where they help."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url, replace_url, reswap, retarget

from connectors import bodies
from connectors.catalog import history, versions
from connectors.catalog.queries import (
    catalog_rows,
    filter_catalog,
    search_connectors,
    shareable_url,
)
from connectors.engine import executor
from connectors.forms import error_summary
from connectors.forms.action import ActionForm, InputArgFormSet, TestInputsForm
from connectors.forms.auth_base import AuthForm
from connectors.forms.auth_forms import auth_form_for
from connectors.forms.catalog_filters import CatalogFilters
from connectors.forms.connector import ConnectorForm
from connectors.forms.fields import SecretTextarea
from connectors.lib import origins, rendering, schema
from connectors.lib.outbound import watchdog
from connectors.models import LAST_RUN_FIELDS, Action, Connector, InputArg, Revision, TestRun
from connectors.secrets import kept as kept_secrets
from connectors.secrets import references as secrets_references
from connectors.secrets.credential_refs import available_names, missing_credentials
from connectors.views.access import require
from connectors.views.runs import binary_context

PAGE_SIZE = 50
RECENT_RUNS = 20


ACTIONS_PER_PAGE = 50


def _connector_for(request: HttpRequest, name: str, perm: str = "view_connector") -> Connector:
    require(request, perm)
    return get_object_or_404(Connector, name=name)


def _action_for(
    request: HttpRequest,
    name: str,
    action_name: str,
    perm: str = "view_action",
    *,
    with_args: bool = False,
) -> Action:
    """The action, its connector and author; `with_args`: its input args too, read once for
    the inputs form, the body note and the executor."""
    require(request, perm)
    actions = Action.objects.select_related("connector", "updated_by")
    if with_args:
        actions = actions.prefetch_related("input_args")
    return get_object_or_404(actions, connector__name=name, name=action_name)


def _user_name(user: AbstractBaseUser | AnonymousUser) -> str:
    return user.get_username()


# --- catalog -------------------------------------------------------------------------------------


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    require(request, "view_connector")
    filters = CatalogFilters(request.GET)
    chosen = filters.values()
    query = chosen["q"]
    connectors = filter_catalog(search_connectors(query), chosen)
    # The page's ids first (read from an index), then the rows for those ids only: page 2,000
    # costs what page 1 does, apart from the index entries it skips.
    ids = connectors.values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = catalog_rows(list(page.object_list))
    context = {"page": page, "query": query, "filters": filters, "chosen": chosen}
    if request.htmx and request.htmx.target == "results":
        response = render(request, "connectors/catalog.html#results", context)
        # The address bar gets the choices that matter, not every empty select. Keystrokes of
        # one search replace its history entry; a settled search or a filter pushes a new one.
        url = shareable_url(chosen, request.GET.get("page"))
        if request.headers.get("X-Studio-History") == "replace":
            return replace_url(response, url)
        return push_url(response, url)
    return render(request, "connectors/catalog.html", context)


# --- connectors ----------------------------------------------------------------------------------


@sensitive_variables("auth_form")
def _save_connector(
    request: HttpRequest, form: ConnectorForm, auth_form: AuthForm
) -> Connector | None:
    """Save the connector and its auth together, or nothing."""
    connector = form.save(commit=False)
    connector.auth_settings = auth_form.auth_settings()
    connector.auth_secrets = auth_form.auth_secrets(_user_name(request.user))
    connector.headers = form.headers_to_store(_user_name(request.user))
    form.settle_homes(connector)
    connector.updated_by = request.user
    event = Revision.Event.CREATED if connector.pk is None else Revision.Event.CHANGED
    try:
        with transaction.atomic():
            versions.save_versioned(connector, form.started_from())
            history.record(connector, event, request.user)
    except IntegrityError:
        # Two people created the same Name at the same moment: the constraint held.
        form.add_error("name", "A connector with this Name already exists.")
        return None
    except versions.StaleVersion as stale:
        form.refuse_stale(stale.expected)
        return None
    return connector


def _offer_references(request: HttpRequest, auth_form: AuthForm, back_to: str) -> None:
    """Secret fields offer a team credential by name, with "create one" that comes back."""
    names = available_names()
    create_url = ""
    if request.user.has_perm("connectors.manage_credentials"):
        create_url = f"{reverse('credential_create')}?{urlencode({'next': back_to})}"
    for name in auth_form.secret_fields:
        widget = auth_form.fields[name].widget
        if isinstance(widget, SecretTextarea):
            continue  # a PEM key is pasted, not chosen
        widget.references, widget.create_url = names, create_url


def _show_kept(form: ConnectorForm, auth_form: AuthForm, kept: set[str]) -> None:
    for name in auth_form.secret_fields:
        auth_form.fields[name].widget.kept = f"auth-{name}" in kept
    form.fields["headers"].widget.kept_keys = {
        n.removeprefix(kept_secrets.HEADER) for n in kept if n.startswith(kept_secrets.HEADER)
    }


@sensitive_variables("data")
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def connector_form(request: HttpRequest, name: str | None = None) -> HttpResponse:
    connector = _connector_for(request, name, "change_connector") if name else None
    if connector is None:
        require(request, "add_connector")
    form_key = f"connector:{connector.pk if connector else 'new'}"
    back_to = request.path
    kept: set[str] = set()
    if request.method == "POST":
        data = kept_secrets.fill(request, form_key, request.POST)
        form = ConnectorForm(data, instance=connector)
        auth_config = data.get("auth_config", Connector.AuthConfig.NO_AUTH)
        auth_form = auth_form_for(auth_config, data, connector)
        _offer_references(request, auth_form, back_to)
        refresh_only = "_refresh" in data  # the no-JavaScript "Show fields" button
        valid = not refresh_only and form.is_valid() and auth_form.is_valid()
        if valid:
            form.check_auth(auth_form)
        if valid and not auth_form.errors:
            saved = _save_connector(request, form, auth_form)
            if saved is not None:
                kept_secrets.drop(request, form_key)
                messages.success(request, f"Saved connector {saved.name}.")
                for note in form.home_notes:
                    messages.warning(request, note)
                return redirect("connector_detail", name=saved.name)
        # Nothing typed is lost: secrets typed here are kept server-side, sealed, not shown.
        secret_names = [f"auth-{n}" for n in auth_form.secret_fields]
        kept = kept_secrets.keep(request, form_key, kept_secrets.typed(data, secret_names))
        _show_kept(form, auth_form, kept)
    else:
        form = ConnectorForm(instance=connector)
        auth_form = auth_form_for(
            connector.auth_config if connector else Connector.AuthConfig.NO_AUTH, None, connector
        )
        _offer_references(request, auth_form, back_to)
    context = {
        "form": form,
        "auth_form": auth_form,
        "connector": connector,
        "problems": error_summary.problems(form, auth_form),
        "kept": kept,
    }
    return render(request, "connectors/connector_form.html", context)


@require_GET
def auth_fields(request: HttpRequest) -> HttpResponse:
    """The fields of the chosen Auth Config, swapped into the connector form."""
    if not (
        request.user.has_perm("connectors.add_connector")
        or request.user.has_perm("connectors.change_connector")
    ):
        raise PermissionDenied
    connector = None
    if name := request.GET.get("connector"):
        connector = get_object_or_404(Connector, name=name)
    auth_config = request.GET.get("auth_config", Connector.AuthConfig.NO_AUTH)
    auth_form = auth_form_for(auth_config, None, connector)
    back_to = (
        reverse("connector_edit", args=[connector.name])
        if connector
        else reverse("connector_create")
    )
    _offer_references(request, auth_form, back_to)
    if "auth-api_key_auth_type" in request.GET:
        auth_form.initial["api_key_auth_type"] = request.GET["auth-api_key_auth_type"]
    return render(
        request,
        "connectors/connector_form.html#auth-fields",
        {"auth_form": auth_form, "connector": connector, "auth_config": auth_config},
    )


@require_GET
def connector_detail(request: HttpRequest, name: str) -> HttpResponse:
    """The connector and its actions: grouped by tag, filtered as you type, 50 a page."""
    connector = _connector_for(request, name)
    query, tag = request.GET.get("q", "").strip()[:200], request.GET.get("tag", "")[:200]
    actions = connector.actions.all()
    if query:
        actions = actions.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(path__icontains=query)
        )
    if tag:
        # The tag as it appears in the stored JSON text: a LIKE that SQLite and PostgreSQL share.
        needle = json.dumps(tag, ensure_ascii=connection.vendor != "postgresql")
        actions = actions.filter(tags__icontains=needle)
    # Only the columns the list shows (an imported output schema can be large), and the
    # input args counted per row of the page, not grouped over every action.
    arg_count = (
        InputArg.objects.filter(action=OuterRef("pk"))
        .order_by()
        .values("action")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Sorted here, by first tag then name, from three bare columns: ordering by a JSON element
    # in SQL costs more than the whole page. Then only the page's rows, with their badges.
    rows = list(actions.order_by().values_list("pk", "name", "tags"))
    rows.sort(key=lambda row: (not row[2], row[2][0] if row[2] else "", row[1]))
    page = Paginator([row[0] for row in rows], ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    position = {pk: index for index, pk in enumerate(page.object_list)}
    shown = sorted(
        connector.actions.filter(pk__in=page.object_list)
        .only("connector", "name", "method", "path", "tags", *LAST_RUN_FIELDS)
        .annotate(
            summary=Substr("description", 1, 100),  # an imported description can be pages long
            arg_count=Coalesce(Subquery(arg_count), 0),
        )
        .order_by(),
        key=lambda action: position[action.pk],
    )
    if query or tag:
        every = connector.actions.order_by().values_list("tags", flat=True).distinct()
    else:
        every = [row[2] for row in rows]
    tags = sorted({t for row in every for t in row})
    context = {
        "connector": connector,
        "page": page,
        "actions": shown,
        "tags": tags,
        "query": query,
        "tag": tag,
        "filtered": bool(query or tag),
        "missing_credentials": missing_credentials(connector),
        "missing_hosts": ",".join(origins.hosts_of(connector.base_url)),
    }
    if request.htmx:
        return render(request, "connectors/connector_detail.html#actions", context)
    return render(request, "connectors/connector_detail.html", context)


@require_http_methods(["GET", "POST"])
def connector_delete(request: HttpRequest, name: str) -> HttpResponse:
    connector = _connector_for(request, name, "delete_connector")
    if request.method == "POST":
        with transaction.atomic():
            history.record(connector, Revision.Event.DELETED, request.user)
            connector.delete()
        messages.success(request, f"Deleted connector {name} and its actions.")
        return redirect("catalog")
    return render(
        request,
        "connectors/confirm_delete.html",
        {
            "object": connector,
            "kind": "connector",
            "goes_with": list(connector.actions.values_list("name", flat=True)),
            "cancel_url": connector.get_absolute_url(),
        },
    )


# --- actions -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_form(request: HttpRequest, name: str, action_name: str | None = None) -> HttpResponse:
    if action_name:
        action = _action_for(request, name, action_name, "change_action")
        connector = action.connector
    else:
        connector = _connector_for(request, name, "add_action")
        action = Action(connector=connector)
    if request.method == "POST":
        formset = InputArgFormSet(request.POST, instance=action, prefix="args")
        formset_valid = formset.is_valid()
        form = ActionForm(
            request.POST, instance=action, connector=connector, declared_args=formset.declared()
        )
        event = Revision.Event.CREATED if action.pk is None else Revision.Event.CHANGED
        if form.is_valid() and formset_valid:
            try:
                with transaction.atomic():
                    saved = form.save(commit=False)
                    saved.updated_by = request.user
                    versions.save_versioned(saved, form.started_from())
                    formset.instance = saved
                    formset.save()
                    Connector.objects.filter(pk=connector.pk).update(updated_by=request.user)
                    history.record(saved, event, request.user)
            except versions.StaleVersion as stale:
                form.refuse_stale(stale.expected)
            except IntegrityError:
                # Someone took this Name at the same moment: the constraint held.
                if event == Revision.Event.CREATED:
                    action.pk = None  # rolled back: still a new action
                name_taken = form.cleaned_data["name"]
                form.add_error("name", f"This connector already has an action named {name_taken}.")
            else:
                messages.success(request, f"Saved action {saved.name}.")
                return redirect("action_detail", name=connector.name, action_name=saved.name)
    else:
        formset = InputArgFormSet(instance=action, prefix="args")
        form = ActionForm(instance=action, connector=connector, declared_args={})
    arg_labels = {
        field.id_for_label: f"Input arg {number} {field.label}"
        for number, arg_form in enumerate(formset.forms, start=1)
        for field in arg_form
    }
    problems = error_summary.problems(form, *formset.forms, labels=arg_labels)
    problems += [error_summary.Problem("", "", e) for e in formset.non_form_errors()]
    context = {
        "form": form,
        "formset": formset,
        "connector": connector,
        "action": action,
        "problems": problems,
    }
    return render(request, "connectors/action_form.html", context)


def _run_for(action: Action, run_id: str | None) -> TestRun | None:
    if not run_id:
        return None
    if not run_id.isdigit():
        raise Http404("No such run.")
    return get_object_or_404(TestRun, pk=run_id, action=action)


def _action_page(
    request: HttpRequest, action: Action, run: TestRun | None, **extra: object
) -> HttpResponse:
    context = {
        "action": action,
        "connector": action.connector,
        "inputs_form": TestInputsForm(action=action),
        "body_note": bodies.action_note(action),
        "runs": action.test_runs.select_related("user").defer("response_bytes")[:RECENT_RUNS],
        "run": run,
        "result": _result_context(run) if run else None,
        "missing_credentials": missing_credentials(action.connector),
        "missing_hosts": ",".join(origins.hosts_of(action.connector.base_url)),
        **extra,
    }
    return render(request, "connectors/action_detail.html", context)


@require_GET
def action_detail(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = _action_for(request, name, action_name, with_args=True)
    run = _run_for(action, request.GET.get("run"))
    if request.htmx and not request.htmx.history_restore_request and run is not None:
        context = {"action": action, "connector": action.connector, "run": run}
        context["result"] = _result_context(run)
        return render(request, "connectors/action_detail.html#result", context)
    return _action_page(request, action, run)


LONG_JSON_LINES = 400  # longer JSON bodies open folded (Collapsible)
HIGHLIGHT_CAP = 64 * 1024  # rendering.render_body's default: colours stop there
CANCEL_FLAG_SECONDS = 600
BODY_EXTENSIONS = [("json", "json"), ("xml", "xml"), ("html", "html"), ("csv", "csv")]
MISSING_CREDENTIAL_RE = re.compile(r"credential ([A-Za-z_][A-Za-z0-9_]*) is not set")


def _result_context(run: TestRun) -> dict[str, object]:
    missing = MISSING_CREDENTIAL_RE.search(run.error_message)
    if missing and secrets_references.is_env_credential(missing.group(1)):
        missing = None  # reserved: set on the server, never created as a team credential
    body = (
        rendering.render_body(run.response_body.encode(), run.content_type)
        if not run.error_kind and not run.is_binary
        else None
    )
    json_text = body.text if body is not None and body.kind == "json" else ""
    return {
        "missing_credential": missing.group(1) if missing else None,
        # The new credential's Allowed hosts start as the host this connector sends it to.
        "missing_hosts": ",".join(origins.hosts_of(run.action.connector.base_url)),
        "run": run,
        "body": body,
        "binary": binary_context(run),
        "long_json": json_text.count("\n") > LONG_JSON_LINES,
        "unhighlighted": len(json_text) > HIGHLIGHT_CAP,
        "highlight_cap": HIGHLIGHT_CAP,
        "curl": run.request_curl,
    }


TEST_TOKEN_RE = re.compile(r"^[0-9a-f]{16,64}$")


def _cancel_key(request: HttpRequest, token: str) -> str:
    return f"studio:test-cancel:{request.user.pk}:{token}"


@require_POST
def action_test(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = _action_for(request, name, action_name, "run_test", with_args=True)
    inputs_form = TestInputsForm(request.POST, action=action)
    context: dict[str, object] = {"action": action, "connector": action.connector}
    if not inputs_form.is_valid():
        context.update(inputs_form=inputs_form, input_errors=True)
        if request.htmx:
            # Errors go next to the inputs; the last result stays where it is.
            response = render(request, "connectors/action_detail.html#test-form", context)
            return reswap(retarget(response, "#test-form"), "outerHTML")
        return _action_page(request, action, None, inputs_form=inputs_form)
    token = request.POST.get("test_token", "")
    check = None
    if TEST_TOKEN_RE.match(token):
        key = _cancel_key(request, token)
        check = lambda: cache.get(key) is not None  # noqa: E731 - polled by the watchdog
    with watchdog.cancellable(check):
        run = executor.run(action, inputs_form.cleaned_data, request.user)
    context.update(run=run, result=_result_context(run))
    run_url = f"{action.get_absolute_url()}?run={run.pk}"
    if request.htmx:
        response = render(request, "connectors/action_detail.html#result", context)
        response["HX-Trigger"] = "test-run-recorded"
        return push_url(response, run_url)  # reload, Back and Forward show this result again
    return redirect(run_url)


@require_POST
def action_test_cancel(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    """Stop a Test still waiting on the API: the request's watchdog sees the flag and hangs up."""
    _action_for(request, name, action_name, "run_test")
    token = request.POST.get("test_token", "")
    if not TEST_TOKEN_RE.match(token):
        return HttpResponse("Unknown Test.", status=400)
    cache.set(_cancel_key(request, token), True, timeout=CANCEL_FLAG_SECONDS)
    return HttpResponse(status=204)


@require_GET
def action_run_body(request: HttpRequest, name: str, action_name: str, run_id: str) -> HttpResponse:
    """The stored body as a file: never rendered by the browser (it is someone else's content)."""
    action = _action_for(request, name, action_name)
    run = _run_for(action, run_id)
    media = run.content_type.split(";")[0].strip().lower()
    extension = next((ext for marker, ext in BODY_EXTENSIONS if marker in media), "txt")
    response = HttpResponse(run.response_body.encode(), content_type="application/octet-stream")
    filename = f"{action.connector.name}-{action.name}-run-{run.pk}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def run_keep(request: HttpRequest, name: str, action_name: str, run_id: int) -> HttpResponse:
    """Keep a run (never removed by retention), or stop keeping it."""
    action = _action_for(request, name, action_name, "run_test")
    run = get_object_or_404(TestRun, pk=run_id, action=action)
    run.pinned = request.POST.get("keep") == "1"
    run.save(update_fields=["pinned"])
    if request.htmx:
        context = {"action": action, "connector": action.connector, "run": run}
        context["result"] = _result_context(run)
        response = render(request, "connectors/action_detail.html#result", context)
        response["HX-Trigger"] = "test-run-recorded"  # the recent runs show the mark
        return response
    messages.success(request, "Kept this run." if run.pinned else "This run is no longer kept.")
    return redirect(f"{action.get_absolute_url()}?run={run.pk}")


@require_GET
def action_runs(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = _action_for(request, name, action_name)
    runs = action.test_runs.select_related("user").defer("response_bytes")[:RECENT_RUNS]
    context = {"action": action, "connector": action.connector, "runs": runs}
    return render(request, "connectors/action_detail.html#runs", context)


@require_POST
def action_schema(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    """Save the output schema as edited, or generate it from the last JSON response."""
    action = _action_for(request, name, action_name, "change_action")
    run = _run_for(action, request.POST.get("run"))
    text = request.POST.get("output_schema", "")
    try:
        if "generate" in request.POST:
            last = action.test_runs.filter(error_kind="").first()
            if last is None:
                raise ValueError("Run a Test first: there is no response to learn from.")
            action.output_schema = schema.infer_schema_from_bytes(_as_json(last).encode())
            done = "Generated the output schema from the last response."
        else:
            action.output_schema = json.loads(text) if text.strip() else None
            done = "Saved the output schema."
        if schema.contains_nul(action.output_schema):
            raise ValueError("The output schema cannot hold a NUL character (\\u0000).")
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        problem = f"The output schema is not valid JSON: {error.msg} ({where})."
    except RecursionError:
        problem = "The output schema is nested too deeply to save."
    except ValueError as error:
        problem = str(error)
    else:
        action.updated_by = request.user
        with transaction.atomic():
            fields = ["output_schema", "updated_by", "updated_at"]
            versions.save_versioned(action, None, update_fields=fields)
            history.record(action, Revision.Event.CHANGED, request.user)
        messages.success(request, done)
        shown = f"?run={run.pk}" if run else ""
        return redirect(action.get_absolute_url() + shown + "#output-schema")
    # The typed text stays, the error sits under it, and the Test result stays shown.
    action.refresh_from_db()
    return _action_page(request, action, run, schema_text=text, schema_error=problem)


def _as_json(run: TestRun) -> str:
    """The response as the schema sees it: XML as the JSON Agent Studio turns it into."""
    shown = rendering.render_body(run.response_body.encode(), run.content_type, highlight_cap=0)
    return shown.text if shown.kind != "xml" else rendering.xml_as_json(shown.text) or ""


@require_http_methods(["GET", "POST"])
def action_delete(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = _action_for(request, name, action_name, "delete_action")
    if request.method == "POST":
        with transaction.atomic():
            history.record(action, Revision.Event.DELETED, request.user)
            action.delete()
        messages.success(request, f"Deleted action {action_name}.")
        return redirect("connector_detail", name=name)
    return render(
        request,
        "connectors/confirm_delete.html",
        {
            "object": action,
            "kind": "action",
            "goes_with": [f"{action.test_runs.count()} stored Test runs"],
            "cancel_url": action.get_absolute_url(),
        },
    )
