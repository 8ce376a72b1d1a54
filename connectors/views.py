"""The catalog in the browser: typed function views, HTMX partials where they help."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from connectors import executor, history, rendering, schema, versions
from connectors.catalog_filters import CatalogFilters, filter_catalog, shareable_url
from connectors.forms import (
    ActionForm,
    AuthForm,
    ConnectorForm,
    InputArgFormSet,
    TestInputsForm,
    auth_form_for,
)
from connectors.models import Action, Connector, InputArg, Revision, TestRun
from connectors.permissions import require

PAGE_SIZE = 50
RECENT_RUNS = 20


ACTIONS_PER_PAGE = 50


def _connector_for(request: HttpRequest, name: str, perm: str = "view_connector") -> Connector:
    require(request, perm)
    return get_object_or_404(Connector, name=name)


def _action_for(
    request: HttpRequest, name: str, action_name: str, perm: str = "view_action"
) -> Action:
    require(request, perm)
    return get_object_or_404(
        Action.objects.select_related("connector", "updated_by"),
        connector__name=name,
        name=action_name,
    )


def _user_name(user: AbstractBaseUser | AnonymousUser) -> str:
    return user.get_username()


# --- catalog -------------------------------------------------------------------------------------


def last_run_annotations(owner: str) -> dict[str, Subquery]:
    """The newest TestRun's time, status and error kind, for the badges; `owner` is the lookup
    from TestRun to the annotated rows ("action" or "action__connector")."""
    last = TestRun.objects.filter(**{owner: OuterRef("pk")}).order_by("-created_at", "-id")
    return {
        f"last_run_{name}": Subquery(last.values(field)[:1])
        for name, field in [("at", "created_at"), ("status", "status"), ("error", "error_kind")]
    }


def search_connectors(query: str) -> QuerySet[Connector]:
    # Per-row subqueries, not a GROUP BY over every connector: the database computes them for
    # the 50 rows of the page only, and the paginator's count stays a plain COUNT(*).
    actions = Action.objects.filter(connector=OuterRef("pk")).order_by().values("connector")
    connectors = Connector.objects.select_related("updated_by").annotate(
        action_count=Coalesce(Subquery(actions.annotate(n=Count("pk")).values("n")), 0)
    )
    if query:
        connectors = connectors.filter(
            Q(name__icontains=query)
            | Q(display_name__icontains=query)
            | Q(description__icontains=query)
            | Q(base_url__icontains=query)
        )
    return connectors.annotate(**last_run_annotations("action__connector")).order_by("name")


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    require(request, "view_connector")
    filters = CatalogFilters(request.GET)
    chosen = filters.values()
    query = chosen["q"]
    connectors = filter_catalog(search_connectors(query), chosen)
    page = Paginator(connectors, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "filters": filters, "chosen": chosen}
    if request.htmx and request.htmx.target == "results":
        response = render(request, "connectors/catalog.html#results", context)
        # The address bar gets the choices that matter, not every empty select.
        return push_url(response, shareable_url(chosen, request.GET.get("page")))
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


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def connector_form(request: HttpRequest, name: str | None = None) -> HttpResponse:
    connector = _connector_for(request, name, "change_connector") if name else None
    if connector is None:
        require(request, "add_connector")
    if request.method == "POST":
        form = ConnectorForm(request.POST, instance=connector)
        auth_config = request.POST.get("auth_config", Connector.AuthConfig.NO_AUTH)
        auth_form = auth_form_for(auth_config, request.POST, connector)
        refresh_only = "_refresh" in request.POST  # the no-JavaScript "Show fields" button
        if not refresh_only and form.is_valid() and auth_form.is_valid():
            saved = _save_connector(request, form, auth_form)
            if saved is not None:
                messages.success(request, f"Saved connector {saved.name}.")
                return redirect("connector_detail", name=saved.name)
    else:
        form = ConnectorForm(instance=connector)
        auth_form = auth_form_for(
            connector.auth_config if connector else Connector.AuthConfig.NO_AUTH, None, connector
        )
    context = {"form": form, "auth_form": auth_form, "connector": connector}
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
        .only("connector", "name", "method", "path", "tags")
        .annotate(
            summary=Substr("description", 1, 100),  # an imported description can be pages long
            arg_count=Coalesce(Subquery(arg_count), 0),
            **last_run_annotations("action"),
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
    return render(
        request,
        "connectors/action_form.html",
        {"form": form, "formset": formset, "connector": connector, "action": action},
    )


@require_GET
def action_detail(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = _action_for(request, name, action_name)
    runs = action.test_runs.select_related("user")[:RECENT_RUNS]
    run = None
    if run_id := request.GET.get("run"):
        if not run_id.isdigit():
            raise Http404("No such run.")
        run = get_object_or_404(TestRun, pk=run_id, action=action)
    context = {
        "action": action,
        "connector": action.connector,
        "inputs_form": TestInputsForm(action=action),
        "runs": runs,
        "run": run,
        "result": _result_context(run) if run else None,
    }
    if request.htmx and run is not None:
        return render(request, "connectors/action_detail.html#result", context)
    return render(request, "connectors/action_detail.html", context)


MISSING_CREDENTIAL_RE = re.compile(r"credential ([A-Za-z_][A-Za-z0-9_]*) is not set")


def _result_context(run: TestRun) -> dict[str, object]:
    missing = MISSING_CREDENTIAL_RE.search(run.error_message)
    return {
        "missing_credential": missing.group(1) if missing else None,
        "run": run,
        "body": rendering.render_body(run.response_body.encode(), run.content_type)
        if not run.error_kind and not run.is_binary
        else None,
        "curl": run.request_curl,
    }


@require_POST
def action_test(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = _action_for(request, name, action_name, "run_test")
    inputs_form = TestInputsForm(request.POST, action=action)
    context: dict[str, object] = {"action": action, "connector": action.connector}
    if not inputs_form.is_valid():
        context["inputs_form"] = inputs_form
        context["input_errors"] = True
        return render(request, "connectors/action_detail.html#result", context)
    run = executor.run(action, inputs_form.cleaned_data, request.user)
    context.update(run=run, result=_result_context(run))
    if request.htmx:
        response = render(request, "connectors/action_detail.html#result", context)
        response["HX-Trigger"] = "test-run-recorded"
        return response
    return redirect(f"{action.get_absolute_url()}?run={run.pk}")


@require_GET
def action_runs(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = _action_for(request, name, action_name)
    runs = action.test_runs.select_related("user")[:RECENT_RUNS]
    context = {"action": action, "connector": action.connector, "runs": runs}
    return render(request, "connectors/action_detail.html#runs", context)


@require_POST
def action_schema(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    """Save the output schema as edited, or generate it from the last JSON response."""
    action = _action_for(request, name, action_name, "change_action")
    try:
        if "generate" in request.POST:
            run = action.test_runs.filter(error_kind="").first()
            if run is None:
                raise ValueError("Run a Test first: there is no response to learn from.")
            action.output_schema = schema.infer_schema_from_bytes(run.response_body.encode())
            done = "Generated the output schema from the last response."
        else:
            text = request.POST.get("output_schema", "").strip()
            action.output_schema = json.loads(text) if text else None
            done = "Saved the output schema."
        if schema.contains_nul(action.output_schema):
            raise ValueError("The output schema cannot hold a NUL character (\\u0000).")
    except json.JSONDecodeError as error:
        messages.error(request, f"The output schema is not valid JSON: {error.msg}.")
    except RecursionError:
        messages.error(request, "The output schema is nested too deeply to save.")
    except ValueError as error:
        messages.error(request, str(error))
    else:
        action.updated_by = request.user
        with transaction.atomic():
            fields = ["output_schema", "updated_by", "updated_at"]
            versions.save_versioned(action, None, update_fields=fields)
            history.record(action, Revision.Event.CHANGED, request.user)
        messages.success(request, done)
    return redirect(action.get_absolute_url() + "#output-schema")


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
