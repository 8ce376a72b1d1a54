"""Action pages: the form, the page with its Test panel, Test and Cancel, runs, schema, delete."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url, reswap, retarget

from connectors import bodies
from connectors.catalog import history, versions
from connectors.engine import executor
from connectors.forms import error_summary
from connectors.forms.action import ActionForm, InputArgFormSet, TestInputsForm
from connectors.lib import origins, rendering, schema
from connectors.lib.outbound import watchdog
from connectors.models import Action, Connector, Revision, TestRun
from connectors.secrets.credential_refs import missing_credentials
from connectors.views.access import action_for, connector_for
from connectors.views.connectors import RECENT_RUNS
from connectors.views.runs import binary_context


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
    action = action_for(request, name, action_name, with_args=True)
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


def _result_context(run: TestRun) -> dict[str, object]:
    body = (
        rendering.render_body(run.response_body.encode(), run.content_type)
        if not run.error_kind and not run.is_binary
        else None
    )
    json_text = body.text if body is not None and body.kind == "json" else ""
    return {
        "missing_credential": run.missing_credential,
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
    action = action_for(request, name, action_name, "run_test", with_args=True)
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
        context["result"] = _result_context(run)
        response = render(request, "connectors/action_detail.html#result", context)
        response["HX-Trigger"] = "test-run-recorded"  # the recent runs show the mark
        return response
    messages.success(request, "Kept this run." if run.pinned else "This run is no longer kept.")
    return redirect(f"{action.get_absolute_url()}?run={run.pk}")


@require_GET
def action_runs(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    action = action_for(request, name, action_name)
    runs = action.test_runs.select_related("user").defer("response_bytes")[:RECENT_RUNS]
    context = {"action": action, "connector": action.connector, "runs": runs}
    return render(request, "connectors/action_detail.html#runs", context)


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
    action = action_for(request, name, action_name, "delete_action")
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
