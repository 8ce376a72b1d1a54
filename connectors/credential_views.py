"""The Credentials page: the team's named secrets, write-only."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from connectors import history, secrets
from connectors.forms import CredentialForm
from connectors.models import Credential, Revision
from connectors.permissions import require


def _credential_for(request: HttpRequest, name: str) -> Credential:
    require(request, "manage_credentials")
    return get_object_or_404(Credential.objects.select_related("set_by"), name=name)


@require_GET
def credential_list(request: HttpRequest) -> HttpResponse:
    require(request, "view_credential")
    credentials = list(Credential.objects.select_related("set_by"))
    # Viewers see names only; hints, authors and usage are for those who build connectors.
    details = request.user.has_perm("connectors.change_connector")
    used_by = secrets.connectors_using(c.name for c in credentials) if details else {}
    rows = [{"credential": c, "used_by": used_by.get(c.name, [])} for c in credentials]
    return render(
        request,
        "connectors/credentials.html",
        {
            "rows": rows,
            "details": details,
            "can_manage": request.user.has_perm("connectors.manage_credentials"),
        },
    )


@sensitive_post_parameters("value")
@require_http_methods(["GET", "POST"])
def credential_form(request: HttpRequest, name: str | None = None) -> HttpResponse:
    credential = _credential_for(request, name) if name else None
    require(request, "manage_credentials")
    if request.method == "POST":
        form = CredentialForm(request.POST, instance=credential)
        if form.is_valid():
            saved = form.save(commit=False)
            saved.set_by = request.user
            event = Revision.Event.CHANGED if credential else Revision.Event.CREATED
            try:
                with transaction.atomic():  # the credential and its history, or neither
                    saved.save()
                    history.record(saved, event, request.user)
            except IntegrityError:
                # Someone created the same Name at the same moment: the constraint held.
                saved.pk = credential.pk if credential else None
                form.add_error("name", "A credential with this Name already exists.")
            else:
                verb = "Replaced" if credential else "Created"
                messages.success(request, f"{verb} credential {saved.name}.")
                return redirect("credential_list")
    else:
        # Pre-filled from the Test or import that found it missing: its name and the host.
        initial = {"name": request.GET.get("name", "")}
        if credential is None:
            initial["allowed_hosts"] = request.GET.get("hosts", "")
        form = CredentialForm(instance=credential, initial=initial)
    return render(
        request, "connectors/credential_form.html", {"form": form, "credential": credential}
    )


@require_http_methods(["GET", "POST"])
def credential_delete(request: HttpRequest, name: str) -> HttpResponse:
    credential = _credential_for(request, name)
    if request.method == "POST":
        with transaction.atomic():
            history.record(credential, Revision.Event.DELETED, request.user)
            credential.delete()
        messages.success(request, f"Deleted credential {name}.")
        return redirect("credential_list")
    used_by = secrets.connectors_using([name])[name]
    return render(
        request,
        "connectors/confirm_delete.html",
        {
            "object": credential,
            "kind": "credential",
            "goes_with": [],
            "stops_working": used_by,
            "cancel_url": "/credentials/",
        },
    )
