"""Action pages: the form, the page with its Test panel, Test and Cancel, runs, schema, delete."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.core.cache import cache
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from connectors.catalog import writes
from connectors.engine import executor
from connectors.engine.drafts import Draft
from connectors.forms import error_summary
from connectors.forms.action import ActionForm, InputArgFormSet, TestInputsForm
from connectors.forms.checks import checks_formset
from connectors.forms.workbench import INPUTS_PREFIX, Bench
from connectors.lib import rendering, schema
from connectors.lib.outbound import watchdog
from connectors.models import Action, TestRun
from connectors.views.access import action_for, connector_for
from connectors.views.action_page import (
    action_page,
    bench_context,
    filter_json,
    result_context,
)
from connectors.views.connectors import RECENT_RUNS
from connectors.views.workbench import keep


@require_http_methods(["GET", "POST"])
def action_form(request: HttpRequest, name: str, action_name: str | None = None) -> HttpResponse:
    if action_name:
        action = action_for(request, name, action_name, "change_action")
        connector = action.connector
    else:
        connector = connector_for(request, name, "add_action")
        action = Action(connector=connector)
    if request.method == "POST":
        formset = InputArgFormSet(request.POST, instance=action, prefix="args")
        formset_valid = formset.is_valid()
        checks = checks_formset(request.POST, action.checks)
        checks_valid = not checks.is_bound or checks.is_valid()
        form = ActionForm(
            request.POST, instance=action, connector=connector, declared_args=formset.declared()
        )
        creating = action.pk is None
        if form.is_valid() and formset_valid and checks_valid:
            if checks.is_bound:
                form.instance.checks = checks.checks()
            try:
                saved = form.save_recorded(
                    request.user,
                    args=formset.save(commit=False),
                    dropped_args=formset.deleted_objects,
                    touch_connector=True,
                )
            except IntegrityError:
                # Someone took this Name at the same moment: the constraint held.
                if creating:
                    action.pk = None  # rolled back: still a new action
                name_taken = form.cleaned_data["name"]
                form.add_error("name", f"This connector already has an action named {name_taken}.")
            else:
                if saved is not None:  # None: stale, the form says who saved meanwhile
                    messages.success(request, f"Saved action {saved.name}.")
                    return redirect("action_detail", name=connector.name, action_name=saved.name)
    else:
        formset = InputArgFormSet(instance=action, prefix="args")
        form = ActionForm(instance=action, connector=connector, declared_args={})
        checks = checks_formset(checks=action.checks)
    arg_labels = {
        field.id_for_label: f"Input arg {number} {field.label}"
        for number, arg_form in enumerate(formset.forms, start=1)
        for field in arg_form
    }
    problems = error_summary.problems(form, *formset.forms, labels=arg_labels)
    problems += [error_summary.Problem("", "", e) for e in formset.non_form_errors()]
    problems += error_summary.problems(*checks.forms, labels=checks.labels())
    problems += [error_summary.Problem("#checks", "Checks", e) for e in checks.non_form_errors()]
    context = {
        "form": form,
        "formset": formset,
        "checks": checks,
        "connector": connector,
        "action": action,
        "problems": problems,
    }
    return render(request, "connectors/actions/form.html", context)


def _run_for(action: Action, run_id: str | None) -> TestRun | None:
    if not run_id:
        return None
    if not run_id.isdigit():
        raise Http404("No such run.")
    return get_object_or_404(TestRun, pk=run_id, action=action)


@require_GET
def action_detail(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = action_for(request, name, action_name, with_args=True, with_draft=True)
    run = _run_for(action, request.GET.get("run"))
    query = request.GET.get("jsonpath", "") if run is not None else ""
    if request.htmx and not request.htmx.history_restore_request and run is not None:
        context = {"action": action, "connector": action.connector, "run": run}
        context["result"] = result_context(run, query)
        return render(request, "connectors/actions/detail.html#result", context)
    return action_page(request, action, run, jsonpath_query=query)


CANCEL_FLAG_SECONDS = 600


BODY_EXTENSIONS = [("json", "json"), ("xml", "xml"), ("html", "html"), ("csv", "csv")]


TEST_TOKEN_RE = re.compile(r"^[0-9a-f]{16,64}$")


def _cancel_key(request: HttpRequest, token: str) -> str:
    return f"studio:test-cancel:{request.user.pk}:{token}"


@require_POST
def action_test(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = action_for(request, name, action_name, "run_test", with_args=True)
    if "bench" in request.POST and request.user.has_perm("connectors.change_action"):
        return _test_bench(request, action)
    prefix = INPUTS_PREFIX if "bench" in request.POST else None
    inputs_form = TestInputsForm(request.POST, action=action, prefix=prefix)
    context: dict[str, object] = {"action": action, "connector": action.connector}
    if not inputs_form.is_valid():
        context.update(inputs_form=inputs_form, input_errors=True)
        if request.htmx:
            # Errors go next to the inputs; the last result is replaced by what went wrong.
            response = render(request, "connectors/actions/detail.html#result", context)
            response.content += render(
                request, "connectors/actions/detail.html#test-form", context
            ).content.replace(b'<div id="test-form"', b'<div id="test-form" hx-swap-oob="true"', 1)
            return response
        return action_page(request, action, None, inputs_form=inputs_form)
    return _send(request, action, inputs_form.cleaned_data, None)


def _test_bench(request: HttpRequest, action: Action) -> HttpResponse:
    """Test what is on the screen, saved or not, the same way a saved action is sent."""
    bench = Bench(action, request.POST, for_test=True)
    valid = bench.is_valid()
    keep(request, action, bench)
    if not valid:
        if not request.htmx:
            return action_page(request, action, None, bench=bench)
        context = {"action": action, "connector": action.connector, "input_errors": True}
        context.update(bench_context(action, bench))
        response = render(request, "connectors/actions/detail.html#result", context)
        context["oob"] = True  # the form comes back with every error next to its field
        response.content += render(request, "connectors/actions/detail.html#bench", context).content
        return response
    draft = bench.draft() if bench.changed() else None
    response = _send(request, action, bench.inputs.cleaned_data, draft)
    if request.htmx:
        context = {"oob": True, "unsaved": bench.changed()}
        response.content += render(
            request, "connectors/actions/detail.html#draft-state", context
        ).content
    return response


def _send(
    request: HttpRequest, action: Action, inputs: dict[str, str], draft: Draft | None
) -> HttpResponse:
    token = request.POST.get("test_token", "")
    check = None
    if TEST_TOKEN_RE.match(token):
        key = _cancel_key(request, token)
        check = lambda: cache.get(key) is not None  # noqa: E731 - polled by the watchdog
    with watchdog.cancellable(check):
        run = executor.run(action, inputs, request.user, draft=draft)
    context = {"action": action, "connector": action.connector, "run": run}
    context["result"] = result_context(run)
    run_url = f"{action.get_absolute_url()}?run={run.pk}"
    if request.htmx:
        response = render(request, "connectors/actions/detail.html#result", context)
        response["HX-Trigger"] = "test-run-recorded"
        return push_url(response, run_url)  # reload, Back and Forward show this result again
    return redirect(run_url)


@require_POST
def action_test_cancel(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    """Stop a Test still waiting on the API: the request's watchdog sees the flag and hangs up."""
    action_for(request, name, action_name, "run_test")
    token = request.POST.get("test_token", "")
    if not TEST_TOKEN_RE.match(token):
        return HttpResponse("Unknown Test.", status=400)
    cache.set(_cancel_key(request, token), True, timeout=CANCEL_FLAG_SECONDS)
    return HttpResponse(status=204)


@require_GET
def action_run_body(request: HttpRequest, name: str, action_name: str, run_id: str) -> HttpResponse:
    """The stored body as a file: never rendered by the browser (it is someone else's content)."""
    action = action_for(request, name, action_name)
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
    action = action_for(request, name, action_name, "run_test")
    run = get_object_or_404(TestRun, pk=run_id, action=action)
    run.pinned = request.POST.get("keep") == "1"
    run.save(update_fields=["pinned"])
    if request.htmx:
        context = {"action": action, "connector": action.connector, "run": run}
        context["result"] = result_context(run)
        response = render(request, "connectors/actions/detail.html#result", context)
        response["HX-Trigger"] = "test-run-recorded"  # the recent runs show the mark
        return response
    messages.success(request, "Kept this run." if run.pinned else "This run is no longer kept.")
    return redirect(f"{action.get_absolute_url()}?run={run.pk}")


@require_GET
def action_runs(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = action_for(request, name, action_name)
    runs = action.test_runs.select_related("user").defer("response_bytes")[:RECENT_RUNS]
    context = {"action": action, "connector": action.connector, "runs": runs}
    return render(request, "connectors/actions/detail.html#runs", context)


@require_POST
def action_schema(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    """Save the output schema as edited, or generate it from the last JSON response."""
    action = action_for(request, name, action_name, "change_action")
    run = _run_for(action, request.POST.get("run"))
    text = request.POST.get("output_schema", "")
    try:
        if "generate" in request.POST:
            last = action.test_runs.filter(error_kind=TestRun.ErrorKind.NONE).first()
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
        writes.save_action(action, user=request.user, fields=["output_schema"])
        messages.success(request, done)
        shown = f"?run={run.pk}" if run else ""
        return redirect(action.get_absolute_url() + shown + "#output-schema")
    # The typed text stays, the error sits under it, and the Test result stays shown.
    action.refresh_from_db()
    return action_page(request, action, run, schema_text=text, schema_error=problem)


def _as_json(run: TestRun) -> str:
    """The response as the schema sees it: XML as the JSON Agent Studio turns it into."""
    shown = rendering.render_body(run.response_body.encode(), run.content_type, highlight_cap=0)
    return shown.text if shown.kind != "xml" else rendering.xml_as_json(shown.text) or ""


@require_http_methods(["GET", "POST"])
def action_delete(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = action_for(request, name, action_name, "delete_action")
    if request.method == "POST":
        writes.delete(action, user=request.user)
        messages.success(request, f"Deleted action {action_name}.")
        return redirect("connector_detail", name=name)
    return render(
        request,
        "connectors/shared/confirm_delete.html",
        {
            "object": action,
            "kind": "action",
            "goes_with": [f"{action.test_runs.count()} stored Test runs"],
            "cancel_url": action.get_absolute_url(),
        },
    )


@require_GET
def run_filter(request: HttpRequest, name: str, action_name: str, run_id: int) -> HttpResponse:
    """The parts of a run's JSON body a JSONPath selects (the page's filter, inline)."""
    action = action_for(request, name, action_name)
    run = get_object_or_404(TestRun, pk=run_id, action=action)
    query = request.GET.get("jsonpath", "")
    context = {"action": action, "connector": action.connector, "run": run}
    context["result"] = {"jsonpath": filter_json(run, query) if query.strip() else None}
    return render(request, "connectors/actions/detail.html#jsonpath-out", context)


# Someone else's HTML: drawn in a sandbox that runs no script and loads nothing.
PREVIEW_CSP = {"sandbox": True, "default-src": [CSP.NONE], "frame-ancestors": [CSP.SELF]}


@require_GET
@xframe_options_sameorigin
@csp_override(PREVIEW_CSP)
def run_preview(request: HttpRequest, name: str, action_name: str, run_id: int) -> HttpResponse:
    """A run's HTML body for the sandboxed preview frame of the action page."""
    action = action_for(request, name, action_name)
    run = get_object_or_404(TestRun, pk=run_id, action=action)
    response = HttpResponse(run.response_body, content_type="text/html; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response
