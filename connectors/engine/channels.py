"""Alert channels: the writes (checked, the URL sealed with its home) and the test alert.

Pages, the admin and the API call these; each bad input is a ValidationError keyed by field
("name", "kind", "target") whose sentence never quotes a URL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

from connectors.engine import alerts
from connectors.lib.outbound import door
from connectors.models import AlertChannel, Monitor
from connectors.secrets import channel_urls


@sensitive_variables("target")
def create_channel(
    *, name: str, kind: str, target: str, user: AbstractBaseUser | None = None
) -> AlertChannel:
    """A new channel, or ValidationError({field: sentence}); nothing is half saved."""
    channel = AlertChannel(created_by=user)
    return save_channel(channel, name=name, kind=kind, target=target)


@sensitive_variables("target")
def save_channel(channel: AlertChannel, *, name: str, kind: str, target: str) -> AlertChannel:
    """Set the channel's name, kind and target and save it. On an existing channel a blank
    target keeps its URL (write-only), as long as it stays a webhook kind."""
    apply(channel, name=name, kind=kind, target=target)
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:  # the same name saved at the same moment: the constraint held
        raise ValidationError({"name": "A channel with this name already exists."}) from None
    return channel


@sensitive_variables("target")
def apply(channel: AlertChannel, *, name: str, kind: str, target: str) -> None:
    """Check the values and set them on the channel, unsaved (the admin saves it itself);
    ValidationError({field: sentence}) when one is refused."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "Enter a name."
    elif len(name) > 100:
        errors["name"] = "Use at most 100 characters."
    elif AlertChannel.objects.filter(name=name).exclude(pk=channel.pk).exists():
        errors["name"] = "A channel with this name already exists."
    if kind not in AlertChannel.Kind.values:
        errors["kind"] = f"Choose one of: {', '.join(AlertChannel.Kind.values)}."
    else:
        try:
            _set_target(channel, kind, target.strip())
        except ValidationError as error:
            errors["target"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    channel.name, channel.kind = name, kind


@sensitive_variables("target")
def _set_target(channel: AlertChannel, kind: str, target: str) -> None:
    if kind == AlertChannel.Kind.EMAIL:
        if not target:
            raise ValidationError("Enter the email address alerts go to.")
        try:
            validate_email(target)
        except ValidationError:
            raise ValidationError("Enter an email address, such as ops@example.com.") from None
        channel.address = target
        channel.url_sealed = channel.url_hint = channel.url_home = ""
        return
    if not target:
        if channel.pk and channel.url_sealed:
            channel.address = ""
            return  # blank keeps the stored URL
        raise ValidationError("Enter the webhook URL alerts are posted to.")
    sealed = seal_url(target)
    channel.address = ""
    channel.url_sealed, channel.url_hint, channel.url_home = sealed.sealed, sealed.hint, sealed.home


@sensitive_variables("url")
def seal_url(url: str) -> channel_urls.Sealed:
    """The URL sealed with its home once the one parser and the address guard accept it, or
    ValidationError with a sentence that does not quote it. The guard runs again at send: a
    host may resolve elsewhere later."""
    try:
        parsed = channel_urls.parse(url)
    except channel_urls.Refused as refused:
        raise ValidationError(refused.message) from None
    try:
        door.check_host(parsed.hostname, parsed.port, settings.STUDIO_OUTBOUND_ALLOW)
    except door.Blocked as blocked:
        raise ValidationError(alerts.failure_sentence(blocked.message, parsed)) from None
    except door.DNSError:
        pass  # not resolvable from here today: the test alert says so, and sends refuse it
    return channel_urls.seal(url)


def delete_channel(channel: AlertChannel) -> list[Monitor]:
    """Delete the channel; the monitors that sent to it, which no longer do, are returned."""
    lost = list(channel.monitors.all())
    channel.delete()
    return lost


def test_channel(channel: AlertChannel) -> alerts.Delivery:
    """Send a test alert to the channel now: what the receiver answered, or why not."""
    alert = alerts.Alert(
        monitor=f"channel {channel.name}",
        state="test",
        links={"alert_channels": alerts.absolute(reverse("alert_channels"))},
    )
    return alerts.send_alert(channel, alert)
