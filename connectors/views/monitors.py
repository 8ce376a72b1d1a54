"""Monitors: the list, the form (create and edit), a monitor's page, pause/resume, delete.

Viewers read; Developers and Admins manage. The charts are SVG drawn on the server.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.catalog import history
from connectors.engine import monitors
from connectors.forms import error_summary
from connectors.forms.monitor import FIELD_OF, MonitorForm
from connectors.lib import charts
from connectors.models import Monitor, Revision
from connectors.views.access import require

RUNS_SHOWN = 50


def _monitor_for(request: HttpRequest, pk: int, perm: str) -> Monitor:
    require(request, perm)
    return get_object_or_404(Monitor.objects.select_related("last_run"), pk=pk)


@require_GET
def monitor_list(request: HttpRequest) -> HttpResponse:
    require(request, "view_monitor")
    found = Monitor.objects.select_related("last_run")
    if connector := request.GET.get("connector", "")[:64]:
        found = found.filter(connector=connector)
    found = list(found)
    uptime = monitors.uptimes(found)
    rows = [(m, uptime[m.pk]) for m in found]
    context = {"rows": rows, "connector": connector}
    return render(request, "connectors/monitors/list.html", context)


def _form_page(request: HttpRequest, form: MonitorForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "monitor": form.monitor, "problems": error_summary.problems(form)}
    return render(request, "connectors/monitors/form.html", context, status=status)


def _save(request: HttpRequest, form: MonitorForm) -> Monitor | None:
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():  # the monitor and its history entry, or neither
            if form.monitor is None:
                saved = monitors.create_monitor(
                    form.values(), channels=form.cleaned_data["channels"], user=request.user
                )
                history.record(saved, Revision.Event.CREATED, request.user)
            else:
                saved = monitors.update_monitor(
                    form.monitor, form.values(), channels=form.cleaned_data["channels"]
                )
                history.record(saved, Revision.Event.CHANGED, request.user)
            return saved
    except ValidationError as error:  # a name taken at the same moment
        for field, sentences in error.message_dict.items():
            form.add_error(FIELD_OF.get(field, field), sentences)
        return None


@require_http_methods(["GET", "POST"])
def monitor_new(request: HttpRequest) -> HttpResponse:
    require(request, "add_monitor")
    if request.method == "GET":
        initial = {k: request.GET[k][:200] for k in ("connector", "tag") if k in request.GET}
        return _form_page(request, MonitorForm(initial={"every_minutes": 5, **initial}))
    form = MonitorForm(request.POST)
    if (monitor := _save(request, form)) is None:
        return _form_page(request, form, status=400)
    messages.success(request, f"Created monitor {monitor.name}: {monitor.schedule_text}.")
    return redirect(monitor)


@require_http_methods(["GET", "POST"])
def monitor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    monitor = _monitor_for(request, pk, "change_monitor")
    if request.method == "GET":
        return _form_page(request, MonitorForm(monitor=monitor))
    form = MonitorForm(request.POST, monitor=monitor)
    if _save(request, form) is None:
        return _form_page(request, form, status=400)
    messages.success(request, f"Saved monitor {monitor.name}.")
    return redirect(monitor)


@require_GET
def monitor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    monitor = _monitor_for(request, pk, "view_monitor")
    recent = monitors.recent_runs(monitor, RUNS_SHOWN)
    days = monitors.daily_uptime(monitor)
    chart = charts.line(
        [
            (
                point.mean_ms,
                point.suite.all_passed,
                f"Run {point.suite.pk}, {point.suite.created_at:%Y-%m-%d %H:%M} UTC: "
                + (f"{point.mean_ms:.0f} ms" if point.mean_ms is not None else "no time")
                + (", passed" if point.suite.all_passed else f", {point.suite.status}"),
            )
            for point in recent
        ]
    )
    cells = [
        (
            day.uptime,
            f"{day.start:%Y-%m-%d}: "
            + (f"{day.uptime:.1f}% of {day.runs} runs passed" if day.runs else "no runs"),
        )
        for day in days
    ]
    context = {
        "monitor": monitor,
        "data": monitors.monitor_data(monitor),
        "incidents": monitor.incidents.select_related("opened_by", "closed_by")[:50],
        "runs": list(reversed(recent)),
        "chart": chart,
        "strip": charts.strip(cells),
        "channels": monitor.channels.all(),
    }
    return render(request, "connectors/monitors/detail.html", context)


@require_POST
def monitor_pause(request: HttpRequest, pk: int) -> HttpResponse:
    monitor = _monitor_for(request, pk, "change_monitor")
    with transaction.atomic():
        monitors.set_active(monitor, not monitor.active)
        note = "Resumed" if monitor.active else "Paused"
        history.record(monitor, Revision.Event.CHANGED, request.user, note=note)
    messages.success(
        request, f"{'Resumed' if monitor.active else 'Paused'} monitor {monitor.name}."
    )
    return redirect(monitor)


@require_http_methods(["GET", "POST"])
def monitor_delete(request: HttpRequest, pk: int) -> HttpResponse:
    monitor = _monitor_for(request, pk, "delete_monitor")
    if request.method == "POST":
        name = monitor.name
        with transaction.atomic():
            history.record(monitor, Revision.Event.DELETED, request.user)
            monitors.delete_monitor(monitor)
        messages.success(request, f"Deleted monitor {name}. Its incidents are kept.")
        return redirect("monitor_list")
    context = {
        "object": monitor,
        "kind": "monitor",
        "goes_with": [],
        "cancel_url": monitor.get_absolute_url(),
    }
    return render(request, "connectors/shared/confirm_delete.html", context)
