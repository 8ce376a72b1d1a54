"""The personal API tokens page: create one (shown once), list and revoke them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from connectors.forms import error_summary
from connectors.forms.tokens import ApiTokenForm
from connectors.secrets import tokens


def _sees_everyone(request: HttpRequest) -> bool:
    return request.user.has_perm("connectors.manage_api_tokens")


@sensitive_variables("token")
@never_cache  # the one response that shows a new token is never stored by a cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    everyone = _sees_everyone(request)
    token = ""
    created = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            created, token = tokens.issue(
                request.user, form.cleaned_data["name"], form.cleaned_data["days"]
            )
            form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    context = {
        "form": form,
        "problems": error_summary.problems(form),
        "created": created,
        "token": token,
        "tokens": tokens.visible_to(request.user, everyone=everyone),
        "everyone": everyone,
    }
    return render(request, "connectors/tokens/list.html", context)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    found = tokens.visible_to(request.user, everyone=_sees_everyone(request)).filter(pk=pk)
    token = found.first()
    if token is None:
        raise Http404("No such token.")
    token.delete()
    owner = "" if token.user_id == request.user.pk else f" of {token.user.get_username()}"
    messages.success(request, f"Revoked the token {token.name}{owner}: it no longer works.")
    return redirect("token_list")
