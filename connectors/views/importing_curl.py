"""Import cURL: paste a command, see what it makes, then create it all in one transaction.

Preview saves nothing. The page never shows a secret back: after a preview the command box
holds the command with its secrets masked, and the original travels sealed (Fernet) in a hidden
field. Create re-reads the same command and refuses when the outcome differs from what was
previewed (a digest of it rides along), so what is created is exactly what was shown.

Team credentials are the Admins': for an Admin a pasted literal becomes a team credential under
a fresh name (never replacing one, never taking an environment credential's name), allowed to
go to the command's host only, or an existing credential holding the very same value. For
anyone else it stays the connector's own secret, sealed in its secret field and bound to the
command's origin; existing credentials are never compared, so the preview cannot tell whether a
pasted value is a stored one. A literal never lands in a plain field.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from connectors.forms.curl_create import create
from connectors.forms.curl_import import CurlImportForm
from connectors.forms.curl_preview import preview
from connectors.importing import staging
from connectors.models import Connector
from connectors.views.access import require

TEMPLATE = "connectors/importing/curl.html"


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def curl_import(request: HttpRequest, name: str | None = None) -> HttpResponse:
    require(request, "add_action")
    target = get_object_or_404(Connector, name=name) if name else None
    if request.method == "GET":
        initial = {"connector": name or "", "chosen": "1" if name else ""}
        return render(
            request, TEMPLATE, {"form": CurlImportForm(initial=initial), "target": target}
        )

    form = CurlImportForm(request.POST.copy())
    plan = preview(request, form) if form.is_valid() else None
    refusal = ""  # Create pressed, but without the preview or with another outcome than it
    if plan is not None and "create" in request.POST:
        if not constant_time_compare(form.cleaned_data["digest"], plan.digest()):
            refusal = staging.refusal()
        elif action := create(request, form, plan):
            messages.success(request, f"Imported action {action.name} from cURL.")
            return redirect(action.get_absolute_url())
    if plan is not None and not form.errors:
        form.data["digest"] = plan.digest()
    context = {
        "form": form,
        "plan": None if form.errors else plan,
        "refusal": "" if form.errors else refusal,
        "target": target,
    }
    return render(request, TEMPLATE, context)
