"""The Credentials page: the team's named secrets, write-only."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.catalog import writes
from connectors.forms import error_summary
from connectors.forms.credential import CredentialForm
from connectors.models import Credential
from connectors.secrets import kept, references
from connectors.views.access import require


def _credential_for(request: HttpRequest, name: str) -> Credential:
    require(request, "manage_credentials")
    return get_object_or_404(Credential.objects.select_related("set_by"), name=name)


@require_GET
def credential_list(request: HttpRequest) -> HttpResponse:
    require(request, "view_credential")
    credentials = list(Credential.objects.select_related("set_by"))
    # Viewers see names only; hints, authors and usage are for those who build connectors.
    details = request.user.has_perm("connectors.change_connector")
    used_by = references.connectors_using(c.name for c in credentials) if details else {}
    rows = [{"credential": c, "used_by": used_by.get(c.name, [])} for c in credentials]
    return render(
        request,
        "connectors/credentials/list.html",
        {
            "rows": rows,
            "details": details,
            "can_manage": request.user.has_perm("connectors.manage_credentials"),
        },
    )


def _safe_next(request: HttpRequest) -> str:
    """Where to go back after saving: only a path on this site, never another host."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed else ""


@sensitive_variables("data")
@sensitive_post_parameters("value")
@require_http_methods(["GET", "POST"])
def credential_form(request: HttpRequest, name: str | None = None) -> HttpResponse:
    credential = _credential_for(request, name) if name else None
    require(request, "manage_credentials")
    next_url = _safe_next(request)
    form_key = f"credential:{credential.pk if credential else 'new'}"
    kept_names: set[str] = set()
    if request.method == "POST":
        data = kept.fill(request, form_key, request.POST)
        form = CredentialForm(data, instance=credential)
        if form.is_valid():
            saved = form.save(commit=False)
            saved.set_by = request.user
            if credential is None:
                saved.created_by, saved.created_via = request.user, Credential.Via.PAGE
            try:
                writes.save_credential(saved, user=request.user)  # with its history, or neither
            except IntegrityError:
                # Someone created the same Name at the same moment: the constraint held.
                saved.pk = credential.pk if credential else None
                form.add_error("name", "A credential with this Name already exists.")
            else:
                kept.drop(request, form_key)
                verb = "Replaced" if credential else "Created"
                messages.success(request, f"{verb} credential {saved.name}.")
                return redirect(next_url or "credential_list")
        kept_names = kept.keep(request, form_key, kept.typed(data, ["value"]))
        form.fields["value"].widget.kept = "value" in kept_names
    else:
        # Pre-filled from the Test or import that found it missing: its name and the host.
        initial = {"name": request.GET.get("name", "")}
        if credential is None:
            initial["allowed_hosts"] = request.GET.get("hosts", "")
        form = CredentialForm(instance=credential, initial=initial)
    context = {
        "form": form,
        "credential": credential,
        "next_url": next_url,
        "problems": error_summary.problems(form),
        "kept": kept_names,
    }
    return render(request, "connectors/credentials/form.html", context)


@require_POST
def credential_confirm(request: HttpRequest, name: str) -> HttpResponse:
    """An Admin has looked at a credential someone else made, its hosts included, and keeps it."""
    credential = _credential_for(request, name)
    if credential.needs_confirmation:
        writes.confirm_credential(credential, user=request.user)
        messages.success(request, f"Confirmed credential {name}.")
    return redirect("credential_list")


@require_http_methods(["GET", "POST"])
def credential_delete(request: HttpRequest, name: str) -> HttpResponse:
    credential = _credential_for(request, name)
    if request.method == "POST":
        writes.delete(credential, user=request.user)
        messages.success(request, f"Deleted credential {name}.")
        return redirect("credential_list")
    used_by = references.connectors_using([name])[name]
    return render(
        request,
        "connectors/shared/confirm_delete.html",
        {
            "object": credential,
            "kind": "credential",
            "goes_with": [],
            "stops_working": used_by,
            "cancel_url": "/credentials/",
        },
    )
