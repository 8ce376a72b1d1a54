"""The Alert channels pages (Admins): list, create, edit, delete, and send a test alert.

Every change is recorded in history; a channel's URL is a secret and history keeps only that it
was set or changed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from connectors.catalog import history
from connectors.engine import alerts, channels
from connectors.forms import error_summary
from connectors.forms.alert_channel import AlertChannelEditForm, AlertChannelForm
from connectors.models import AlertChannel, Revision
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
            with transaction.atomic():  # the channel and its history entry, or neither
                channel = channels.create_channel(**form.cleaned_data, user=request.user)
                history.record(channel, Revision.Event.CREATED, request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Created alert channel {channel.name}.")
            return redirect("alert_channels")
    return _page(request, form, status=400)


@sensitive_post_parameters("target")
@require_http_methods(["GET", "POST"])
def alert_channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Name, kind and target; a blank target keeps the stored one, which is never shown."""
    channel = _channel_for(request, pk, "change_alertchannel")
    if request.method == "GET":
        return _edit_page(request, AlertChannelEditForm(channel=channel))
    form = AlertChannelEditForm(request.POST, channel=channel)
    form.is_valid()
    data = form.cleaned_data
    name, kind, target = data.get("name", ""), data.get("kind", ""), data.get("target", "")
    if not target.strip() and kind == channel.kind == AlertChannel.Kind.EMAIL:
        target = channel.address  # blank keeps an address as it keeps a URL
    # Checked on a copy, so a refused save leaves the stored channel as it was; the service's
    # sentences join the form's, each next to its field, all at once.
    edited = AlertChannel.objects.get(pk=channel.pk)
    try:
        channels.apply(edited, name=name, kind=kind, target=target)
    except ValidationError as error:
        for field, sentences in error.message_dict.items():
            if field not in form.errors:
                form.add_error(field, sentences)
    if not form.errors:
        try:
            with transaction.atomic():
                channels.save_channel(edited, name=name, kind=kind, target=target)
                history.record(edited, Revision.Event.CHANGED, request.user)
        except ValidationError as error:  # the same name saved at the same moment
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved alert channel {edited.name}.")
            return redirect("alert_channels")
    return _edit_page(request, form, status=400)


def _edit_page(request: HttpRequest, form: AlertChannelEditForm, status: int = 200) -> HttpResponse:
    context = {
        "channel": form.channel,
        "form": form,
        "problems": error_summary.problems(form),
        "mail_configured": alerts.mail_configured(),
    }
    return render(request, "connectors/alert_channels/edit.html", context, status=status)


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
    with transaction.atomic():
        history.record(channel, Revision.Event.DELETED, request.user)
        for monitor in channels.delete_channel(channel):
            note = f"Alert channel {channel.name} was deleted"
            history.record(monitor, Revision.Event.CHANGED, request.user, note=note)
    messages.success(request, f"Deleted alert channel {channel.name}.")
    return redirect("alert_channels")
