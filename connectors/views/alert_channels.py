"""The Alert channels page (Admins): list, create, delete, and send a test alert."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from connectors.engine import alerts, channels
from connectors.forms import error_summary
from connectors.forms.alert_channel import AlertChannelForm
from connectors.models import AlertChannel
from connectors.views.access import require


def _channel_for(request: HttpRequest, pk: int, perm: str) -> AlertChannel:
    require(request, perm)
    return get_object_or_404(AlertChannel, pk=pk)


def _page(
    request: HttpRequest,
    form: AlertChannelForm,
    tested: dict[int, alerts.Delivery] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "channels": AlertChannel.objects.select_related("created_by"),
        "form": form,
        "problems": error_summary.problems(form),
        "tested": tested or {},
        "mail_configured": alerts.mail_configured(),
    }
    return render(request, "connectors/alert_channels/list.html", context, status=status)


@sensitive_post_parameters("target")
@require_http_methods(["GET", "POST"])
def alert_channels(request: HttpRequest) -> HttpResponse:
    require(request, "view_alertchannel")
    if request.method == "GET":
        return _page(request, AlertChannelForm())
    require(request, "add_alertchannel")
    form = AlertChannelForm(request.POST)
    if form.is_valid():
        try:
            channel = channels.create_channel(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Created alert channel {channel.name}.")
            return redirect("alert_channels")
    return _page(request, form, status=400)


@require_POST
def alert_channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel_for(request, pk, "change_alertchannel")
    delivery = channels.test_channel(channel)
    if request.htmx:
        context = {"channel": channel, "delivery": delivery}
        return render(request, "connectors/alert_channels/list.html#delivery", context)
    return _page(request, AlertChannelForm(), tested={channel.pk: delivery})


@require_POST
def alert_channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel_for(request, pk, "delete_alertchannel")
    channels.delete_channel(channel)
    messages.success(request, f"Deleted alert channel {channel.name}.")
    return redirect("alert_channels")
