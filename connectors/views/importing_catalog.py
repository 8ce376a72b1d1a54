"""Export the catalog as a JSON download; import one with a preview first.

Anyone who can browse may export (an export holds no secret, only credential names and
`{{NAME}}` references). Importing writes to the whole catalog, so it is for Admins
(`import_catalog`), as restoring is.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.catalog.document import OVERWRITE, SKIP, FormatError
from connectors.catalog.queries import filter_catalog, search_connectors
from connectors.exporting.catalog import dumps, export_catalog
from connectors.forms.catalog_filters import CatalogFilters
from connectors.importing import apply, catalog_compare, staging
from connectors.importing.readers import catalog
from connectors.models import Connector
from connectors.views.access import require

MAX_IMPORT_BYTES = 5 * 1024 * 1024


@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    """The chosen connectors (`name`), or all matching the catalog's filters (scope=all)."""
    require(request, "view_connector")
    if request.GET.get("scope") == "selected":
        names = request.GET.getlist("name")
        if not names:
            messages.error(request, "Choose the connectors to export, or export all matching.")
            return redirect("catalog")
        connectors = Connector.objects.filter(name__in=names).order_by("name")
    else:
        chosen = CatalogFilters(request.GET).values()
        connectors = filter_catalog(search_connectors(chosen["q"]), chosen)
    document = export_catalog(connectors)
    response = HttpResponse(dumps(document), content_type="application/json")
    filename = f"connector-studio-catalog-{timezone.now():%Y%m%d-%H%M%S}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _read_upload(request: HttpRequest) -> str:
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_IMPORT_BYTES:
            raise FormatError("The file is larger than 5 MB.")
        return upload.read().decode("utf-8", errors="replace")
    return request.POST.get("text", "")


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """A file or pasted JSON in; the preview of what it would do out. Nothing is written."""
    require(request, "import_catalog")
    if request.method == "GET":
        return render(request, "connectors/importing/catalog.html", {})
    try:
        text = _read_upload(request) if request.FILES or "text" in request.POST else ""
        if not text.strip():
            raise FormatError("Choose a file or paste a catalog.")
        document = catalog.parse(text)
    except FormatError as error:
        context = {"error": str(error), "text": request.POST.get("text", "")}
        return render(request, "connectors/importing/catalog.html", context, status=400)
    plan = catalog_compare.plan(document)
    context = {
        "plan": plan,
        "text": text,
        "document": json.dumps(json.loads(text)),
        "digest": staging.catalog_digest(plan),
    }
    return render(request, "connectors/importing/catalog.html", context)


@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    """Apply the previewed file, re-planned against the catalog as it is now, in one go."""
    require(request, "import_catalog")
    try:
        document = catalog.parse(request.POST.get("document", ""))
    except FormatError as error:
        messages.error(request, f"Nothing was imported: {error}")
        return redirect("catalog_import")
    choices = {
        item["name"]: request.POST.get(f"choice-{item['name']}", SKIP)
        for item in document["connectors"]
    }
    monitor_choices = {
        item["name"]: request.POST.get(f"monitor-choice-{item['name']}", SKIP)
        for item in document["monitors"]
    }
    shown = request.POST.get("digest", "")
    now = catalog_compare.plan(document)
    if not shown or staging.catalog_differs(now, shown):
        # No preview seen, or what it showed is no longer what happens: show it, write nothing.
        context = {
            "plan": now,
            "text": request.POST["document"],  # the source form above keeps the file's text
            "document": request.POST["document"],
            "digest": staging.catalog_digest(now),
            "refusal": staging.refusal("Import", previewed=bool(shown)),
        }
        return render(request, "connectors/importing/catalog.html", context, status=409)
    plan = apply.apply_catalog(document, choices, request.user, monitor_choices)
    written = [
        i
        for i in plan.items
        if i.status == "create" or (i.status == "conflict" and choices[i.name] == OVERWRITE)
    ]
    overwritten = len(written) - plan.count("create")
    skipped = plan.count("conflict") - overwritten
    messages.success(
        request,
        f"Imported: {plan.count('create')} created, {plan.count('update')} updated, "
        f"{overwritten} overwritten, {skipped} skipped, {plan.count('unchanged')} unchanged.",
    )
    _monitor_messages(request, plan)
    kept = [f"{i.name}: {', '.join(i.kept_secrets)}" for i in written if i.kept_secrets]
    if kept:
        messages.info(request, "Kept the stored secrets (not in the file): " + "; ".join(kept))
    for item in written:
        for note in item.home_notes:
            messages.warning(request, f"{item.name}: {note}")
    unset = [f"{i.name}: {', '.join(i.unset_secrets)}" for i in written if i.unset_secrets]
    if unset:
        messages.warning(request, "Set these secrets (not in the file): " + "; ".join(unset))
    if plan.missing_credentials:
        messages.warning(
            request, "Create these credentials: " + ", ".join(plan.missing_credentials) + "."
        )
    if plan.missing_environment:
        messages.warning(
            request,
            "Set these environment variables on the server (environment credentials): "
            + ", ".join(plan.missing_environment)
            + ".",
        )
    return redirect("catalog")


def _monitor_messages(request: HttpRequest, plan: catalog_compare.CatalogPlan) -> None:
    """What became of the file's monitors, and the channels they name that are not here."""
    if not plan.monitors:
        return
    outcomes = [item.outcome for item in plan.monitors]
    counts = ", ".join(
        f"{outcomes.count(word)} {word}"
        for word in ("created", "overwritten", "skipped", "unchanged")
        if outcomes.count(word)
    )
    messages.success(request, f"Monitors: {counts or 'none imported'}.")
    for item in plan.monitors:
        if item.outcome.startswith("not imported"):
            messages.warning(request, f"Monitor {item.name} {item.outcome}")
    missing = sorted(
        {
            name
            for item in plan.monitors
            if item.outcome in ("created", "overwritten")
            for name in item.missing_channels
        }
    )
    if missing:
        messages.warning(
            request,
            "These alert channels do not exist here and were left out of the monitors: "
            + ", ".join(missing)
            + ". An Admin can add them (Alert channels) and choose them on each monitor.",
        )
