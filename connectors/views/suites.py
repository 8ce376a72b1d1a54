"""Suite runs: start one ("Test all"), follow it live, list them, download one as JUnit."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from connectors.engine import suites
from connectors.exporting import junit
from connectors.models import Connector, SuiteRun
from connectors.views.access import require

PAGE_SIZE = 50
POLL_SECONDS = 1


def _scope_fields(data) -> dict[str, object]:
    return {
        "connector": _name(data.get("connector", ""), 64),
        "tag": _name(data.get("tag", ""), 200),
        "connectors": [_name(n, 64) for n in data.getlist("name")],
        "actions": [_name(n, 64) for n in data.getlist("action")],
    }


def _name(value: str, limit: int) -> str:
    # No name holds a NUL, and PostgreSQL refuses one in a query: it reads as a name not found.
    return value[:limit].replace("\x00", "\ufffd")


@require_http_methods(["GET", "POST"])
def suite_run_new(request: HttpRequest) -> HttpResponse:
    """GET: what "Test all" would run, with the button that starts it. POST: start it."""
    require(request, "run_test")
    fields = _scope_fields(request.POST if request.method == "POST" else request.GET)
    problem, chosen = "", []
    try:
        scope = suites.scope_from(**fields)
        if request.method == "POST":
            suite = suites.start_suite_run(user=request.user, **fields)
            return redirect(suite)
        chosen = scope.actions_to_run()
    except suites.ScopeError as error:
        scope, problem = None, str(error)
    connector_names = sorted({a.connector.name for a in chosen})
    context = {
        "scope": scope,
        "fields": fields,
        "problem": problem,
        "count": len(chosen),
        "connectors": Connector.objects.filter(name__in=connector_names),
    }
    # Nothing chosen yet reads as a page that says what to choose; a POST of it is refused.
    status = 400 if problem and request.method == "POST" else 200
    return render(request, "connectors/suites/new.html", context, status=status)


@require_GET
def suite_run_list(request: HttpRequest) -> HttpResponse:
    require(request, "view_testrun")
    found = SuiteRun.objects.select_related("user")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "connectors/suites/list.html", {"page": page})


@require_GET
def suite_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while it runs (polled by htmx, or a reload without JavaScript), then the table."""
    require(request, "view_testrun")
    suite = get_object_or_404(SuiteRun.objects.select_related("user", "monitor"), pk=pk)
    context: dict[str, object] = {"suite": suite, "poll_seconds": POLL_SECONDS}
    if suite.ended:
        rows = suites.results_with_links(suite)
        context["rows"] = rows
        context["changes"] = suites.changes(suite, [result for result, _ in rows])
    if request.htmx:
        return render(request, "connectors/suites/detail.html#suite", context)
    return render(request, "connectors/suites/detail.html", context)


@require_GET
def suite_run_junit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "view_testrun")
    suite = get_object_or_404(SuiteRun, pk=pk)
    document = junit.to_junit(
        suite, suites.results_with_links(suite), request.build_absolute_uri("/").rstrip("/")
    )
    response = HttpResponse(document, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="suite-run-{suite.pk}.junit.xml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
