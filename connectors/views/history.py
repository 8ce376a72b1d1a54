"""History pages: who changed what and when, restore an earlier version, undo a deletion.

Everyone who can see an object can see its history (secrets appear only as "changed");
restoring and undoing deletions is for Admins (`restore_revision`). Connectors and actions are
restored by connectors.catalog.restore, monitors through their service
(connectors.engine.monitors), so a restored monitor passes the checks a saved one does.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from connectors.catalog import history, restore
from connectors.engine import monitors
from connectors.models import Action, AlertChannel, Connector, Credential, Monitor, Revision
from connectors.views.access import require

PAGE = 100
VIEW_PERM = {
    Revision.Kind.CONNECTOR: "view_connector",
    Revision.Kind.ACTION: "view_action",
    Revision.Kind.CREDENTIAL: "view_credential",
    Revision.Kind.MONITOR: "view_monitor",
    Revision.Kind.CHANNEL: "view_alertchannel",
}
# Kinds whose old versions can be brought back (a credential's and a channel's secrets are
# not kept, so theirs cannot).
RESTORABLE = {Revision.Kind.CONNECTOR, Revision.Kind.ACTION, Revision.Kind.MONITOR}


def _revision_for(request: HttpRequest, pk: int, perm: str | None = None) -> Revision:
    revision = get_object_or_404(Revision.objects.select_related("user"), pk=pk)
    require(request, perm or VIEW_PERM[revision.kind])
    return revision


def _history_page(
    request: HttpRequest, revisions: list[Revision], title: str, back_url: str
) -> HttpResponse:
    # One more than shown, so the oldest shown revision still has something to diff with.
    rows = history.with_diffs(list(revisions[: PAGE + 1]))[:PAGE]
    context = {
        "rows": rows,
        "title": title,
        "back_url": back_url,
        "can_restore": request.user.has_perm("connectors.restore_revision"),
        "restorable": RESTORABLE,
        "latest": rows[0][0] if rows else None,
    }
    return render(request, "connectors/history/list.html", context)


@require_GET
def connector_history(request: HttpRequest, name: str) -> HttpResponse:
    require(request, "view_connector")
    connector = get_object_or_404(Connector, name=name)
    revisions = Revision.objects.filter(kind=Revision.Kind.CONNECTOR, object_id=connector.pk)
    return _history_page(
        request,
        revisions.select_related("user"),
        f"History of connector {connector.name}",
        connector.get_absolute_url(),
    )


@require_GET
def action_history(request: HttpRequest, name: str, action_name: str) -> HttpResponse:
    require(request, "view_action")
    action = get_object_or_404(
        Action.objects.select_related("connector"), connector__name=name, name=action_name
    )
    revisions = Revision.objects.filter(kind=Revision.Kind.ACTION, object_id=action.pk)
    return _history_page(
        request,
        revisions.select_related("user"),
        f"History of action {action}",
        action.get_absolute_url(),
    )


@require_GET
def credential_history(request: HttpRequest, name: str) -> HttpResponse:
    require(request, "view_credential")
    # By name: references point at the name, through deletions and re-creations.
    revisions = Revision.objects.filter(kind=Revision.Kind.CREDENTIAL, object_name=name)
    if not revisions.exists() and not Credential.objects.filter(name=name).exists():
        raise Http404("No such credential.")
    return _history_page(
        request, revisions.select_related("user"), f"History of credential {name}", "/credentials/"
    )


def _history_by_id(
    request: HttpRequest, kind: str, pk: int, current: Monitor | AlertChannel | None, back: str
) -> HttpResponse:
    """History by id, so a deleted object's stays readable (Recently deleted links to it)."""
    revisions = Revision.objects.filter(kind=kind, object_id=pk).select_related("user")
    latest = revisions.first()
    if current is None and latest is None:
        raise Http404("Nothing with this id has a history.")
    name = current.name if current is not None else latest.object_name if latest else ""
    title = f"History of {Revision.Kind(kind).label.lower()} {name}"
    return _history_page(request, revisions, title, back)


@require_GET
def monitor_history(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "view_monitor")
    monitor = Monitor.objects.filter(pk=pk).first()
    back = monitor.get_absolute_url() if monitor else reverse("monitor_list")
    return _history_by_id(request, Revision.Kind.MONITOR, pk, monitor, back)


@require_GET
def alert_channel_history(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "view_alertchannel")
    channel = AlertChannel.objects.filter(pk=pk).first()
    back = reverse("alert_channel_edit", args=[pk]) if channel else reverse("alert_channels")
    return _history_by_id(request, Revision.Kind.CHANNEL, pk, channel, back)


@require_GET
def revision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version: its fields, and what restoring it would change."""
    revision = _revision_for(request, pk)
    current = _current_object(revision)
    would_change = None
    if current is not None and revision.kind in RESTORABLE:
        would_change = history.diff(history.snapshot(current), revision.snapshot, revision.kind)
    context = {
        "revision": revision,
        "fields": history.shown(revision.snapshot, revision.kind),
        "current": current,
        "would_change": would_change,
        "can_restore": request.user.has_perm("connectors.restore_revision")
        and revision.kind in RESTORABLE,
        "actions": revision.snapshot.get("actions", [])
        if revision.kind == Revision.Kind.CONNECTOR
        else [],
    }
    return render(request, "connectors/history/revision.html", context)


def _current_object(revision: Revision) -> history.Recorded | None:
    if revision.kind == Revision.Kind.CONNECTOR:
        return Connector.objects.filter(pk=revision.object_id).first()
    if revision.kind == Revision.Kind.ACTION:
        found = Action.objects.select_related("connector").filter(pk=revision.object_id)
        return found.first()
    if revision.kind == Revision.Kind.MONITOR:
        return Monitor.objects.filter(pk=revision.object_id).first()
    if revision.kind == Revision.Kind.CHANNEL:
        return AlertChannel.objects.filter(pk=revision.object_id).first()
    return Credential.objects.filter(name=revision.object_name).first()


@require_POST
def revision_restore(request: HttpRequest, pk: int) -> HttpResponse:
    revision = _revision_for(request, pk, "restore_revision")
    if revision.kind == Revision.Kind.MONITOR:
        return _restore_monitor(request, revision)
    with_secrets = request.POST.get("with_secrets") == "on"
    try:
        restored = restore.restore(revision, request.user, with_secrets=with_secrets)
    except restore.RestoreError as error:
        messages.error(request, str(error))
        return redirect("revision_detail", pk=revision.pk)
    obj = restored.obj
    if revision.event == Revision.Event.DELETED:
        messages.success(request, f"Brought back {revision.kind} {obj.name}.")
    else:
        messages.success(
            request, f"Restored {revision.kind} {obj.name} to version {revision.version}."
        )
    if restored.unset_secrets:
        messages.warning(
            request,
            "Secrets were kept as they are; this version needs these set again: "
            + ", ".join(restored.unset_secrets)
            + ".",
        )
    for note in restored.home_notes:
        messages.warning(request, note)
    return redirect(obj.get_absolute_url())


def _restore_monitor(request: HttpRequest, revision: Revision) -> HttpResponse:
    """A monitor back to a version, or back from its deletion under its own id; through the
    service's checks (its connector may be gone, its name taken), all of it or nothing."""
    current = Monitor.objects.filter(pk=revision.object_id).first()
    problem = ""
    if revision.event == Revision.Event.DELETED and current is not None:
        problem = f"Monitor {current.name} is already back."
    elif revision.event != Revision.Event.DELETED and current is None:
        problem = (
            f"Monitor {revision.object_name} was deleted: undo its deletion first "
            "(Recently deleted)."
        )
    if problem:
        messages.error(request, problem)
        return redirect("revision_detail", pk=revision.pk)
    data = revision.snapshot
    chosen, gone = monitors.channels_named(data.get("channels", []))
    try:
        with transaction.atomic():
            if current is None:
                monitor = monitors.create_monitor(
                    monitors.values_from(data),
                    channels=chosen,
                    user=request.user,
                    pk=revision.object_id,
                )
                note = "Undid the deletion"
            else:
                monitor = monitors.update_monitor(
                    current, monitors.values_from(data), channels=chosen
                )
                note = f"Restored version {revision.version}"
            history.record(monitor, Revision.Event.RESTORED, request.user, note=note)
    except ValidationError as error:
        reasons = " ".join(" ".join(sentences) for sentences in error.message_dict.values())
        messages.error(request, f"Monitor {revision.object_name} cannot be restored: {reasons}")
        return redirect("revision_detail", pk=revision.pk)
    if current is None:
        messages.success(request, f"Brought back monitor {monitor.name}.")
    else:
        messages.success(request, f"Restored monitor {monitor.name} to version {revision.version}.")
    if gone:
        messages.warning(
            request, "These alert channels are gone and were left out: " + ", ".join(gone) + "."
        )
    return redirect(monitor)


@require_GET
def deleted_list(request: HttpRequest) -> HttpResponse:
    """Deleted connectors, actions and monitors that are still gone, newest first."""
    require(request, "view_connector")
    kinds = ["connector", "action"]
    still_gone = Q(kind=Revision.Kind.CONNECTOR, connector_exists=False) | Q(
        kind=Revision.Kind.ACTION, action_exists=False
    )
    if request.user.has_perm("connectors.view_monitor"):
        kinds.append(Revision.Kind.MONITOR)
        still_gone |= Q(kind=Revision.Kind.MONITOR, monitor_exists=False)
    revisions = (
        Revision.objects.filter(event=Revision.Event.DELETED, kind__in=kinds)
        .annotate(
            connector_exists=Exists(Connector.objects.filter(pk=OuterRef("object_id"))),
            action_exists=Exists(Action.objects.filter(pk=OuterRef("object_id"))),
            monitor_exists=Exists(Monitor.objects.filter(pk=OuterRef("object_id"))),
        )
        .filter(still_gone)
        .select_related("user")[:PAGE]
    )
    latest: dict[tuple[str, int], Revision] = {}
    for revision in revisions:  # deleted, brought back, deleted again: the last one counts
        latest.setdefault((revision.kind, revision.object_id), revision)
    context = {
        "revisions": list(latest.values()),
        "can_restore": request.user.has_perm("connectors.restore_revision"),
    }
    return render(request, "connectors/history/deleted.html", context)
