"""Generate New Access Token (Authorization Code), its callback, and Clear token."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from connectors.engine.oauth import broker, flow
from connectors.engine.oauth.client import AuthFailed
from connectors.engine.oauth.config import is_authorization_code, uses_broker
from connectors.models import Connector
from connectors.secrets import homes, references, sealing
from connectors.views.access import require

UNTRUSTED_CALLBACK = (
    "The sign-in did not complete, and this answer does not belong to a sign-in started in "
    "this browser: press Generate New Access Token again."
)
MAX_DETAIL_CHARS = 300


def connector_for(request: HttpRequest, name: str, perm: str) -> Connector:
    require(request, perm)
    return get_object_or_404(Connector, name=name)


def _local(request: HttpRequest, url: str | None, fallback: str) -> str:
    safe = url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else fallback  # type: ignore[return-value]


def _secret_failure(error: Exception) -> str:
    """A secret the sign-in needs cannot be read: what happened and how to try again."""
    again = "then press Generate New Access Token again."
    if isinstance(error, references.CredentialMissing):
        if references.is_env_credential(error.name):
            return (
                f"The sign-in needs the environment credential {error.name}, which is not set: "
                f"set it on the server (STUDIO_ENV_CREDENTIALS), {again}"
            )
        return (
            f"The sign-in needs the credential {error.name}, which does not exist: ask an Admin "
            f"to create it, or put the value in the connector's Client Secret, {again}"
        )
    if isinstance(error, homes.NotSet | homes.Refused):
        return f"{error.message} {again[0].upper()}{again[1:]}"
    return f"{error} {again[0].upper()}{again[1:]}"


def callback_url(request: HttpRequest) -> str:
    """The Redirect URI to register with the provider."""
    return request.build_absolute_uri(reverse("oauth_callback"))


@require_GET
def oauth_start(request: HttpRequest, name: str) -> HttpResponse:
    """A link, not a form: CSP form-action 'self' would stop a form's redirect to the provider."""
    connector = connector_for(request, name, "run_test")
    if not is_authorization_code(connector) or not connector.setting("authorization_url"):
        messages.error(request, f"{connector.name} does not use the Authorization Code grant.")
        return redirect(connector)
    next_url = _local(request, request.GET.get("next"), connector.get_absolute_url())
    try:
        target = flow.start(request, connector, callback_url(request), next_url)
    except AuthFailed as failure:
        messages.error(request, str(failure).replace(" The API was not called.", ""))
        return redirect(next_url)
    except (references.CredentialMissing, sealing.SecretUnreadable, homes.NotSet) as failure:
        messages.error(request, _secret_failure(failure))
        return redirect(next_url)
    return HttpResponseRedirect(target)


@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    require(request, "run_test")
    state = request.GET.get("state", "")
    back = _local(request, flow.next_url_of(request, state), reverse("catalog"))
    if error := request.GET.get("error"):
        if not flow.is_pending(request, state):
            # Anyone can send a link to this page: its words are not shown unless it answers
            # a sign-in this browser started.
            messages.error(request, UNTRUSTED_CALLBACK)
            return redirect(back)
        detail = request.GET.get("error_description", "")[:MAX_DETAIL_CHARS]
        messages.error(request, f"The provider did not authorize: {error[:100]}. {detail}".strip())
        return redirect(back)
    try:
        done = flow.finish(request, state, request.GET.get("code", ""))
    except flow.FlowError as failure:
        messages.error(request, str(failure))
        return redirect(back)
    except AuthFailed as failure:
        messages.error(request, failure.message.replace(" The API was not called.", ""))
        return redirect(back)
    except homes.Refused as refused:  # a secret may not go to this token endpoint
        messages.error(request, refused.message)
        return redirect(back)
    except (references.CredentialMissing, sealing.SecretUnreadable, homes.NotSet) as failure:
        messages.error(request, _secret_failure(failure))
        return redirect(back)
    messages.success(
        request, f"Signed in: {done.connector.name} has a new access token. Press Test."
    )
    return redirect(_local(request, done.next_url, done.connector.get_absolute_url()))


@require_POST
def token_clear(request: HttpRequest, name: str) -> HttpResponse:
    connector = connector_for(request, name, "change_connector")
    if uses_broker(connector):
        broker.clear(connector)
        messages.success(request, f"Cleared the tokens of {connector.name}.")
    return redirect(connector)
