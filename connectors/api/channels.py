"""Alert channels (Admins): list and create them, send a test alert. A webhook's URL is a
secret: it goes in, and only its hint (host and last 4 characters) comes out."""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from ninja import Field, Path, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import ConfigDict

from connectors.api.auth import require
from connectors.api.errors import ERRORS, refuse_unknown_query
from connectors.api.runs import MAX_ID
from connectors.catalog import history
from connectors.engine import channels
from connectors.models import AlertChannel, Revision

router = Router(tags=["alert channels"])

Kind = Literal["email", "webhook", "slack", "teams"]
ChannelId = Path(..., ge=1, le=MAX_ID, description="An alert channel's id.", example=1)


class ChannelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "", max_length=100, pattern=r"^[^\x00]*$", description="Unique; default: kind and number."
    )
    kind: Kind
    target: str = Field(
        max_length=2000,
        pattern=r"^[^\x00]*$",
        description="An email address, or the webhook URL (kept sealed; never shown again).",
    )


class ChannelOut(Schema):
    id: int
    name: str
    kind: Kind
    target_hint: str = Field(description="The address, or the URL's host and last 4 characters.")
    created_at: datetime


class ChannelList(Schema):
    items: list[ChannelOut]
    count: int


class DeliveryOut(Schema):
    ok: bool
    status: int | None
    reason: str
    error: str
    error_kind: str
    elapsed_ms: float | None
    note: str
    summary: str


def _out(channel: AlertChannel) -> dict[str, Any]:
    return {
        "id": channel.pk,
        "name": channel.name,
        "kind": channel.kind,
        "target_hint": channel.target_hint,
        "created_at": channel.created_at,
    }


@router.get(
    "/alert-channels",
    response={200: ChannelList, **ERRORS},
    summary="List alert channels",
    operation_id="list_alert_channels",
)
def channel_list(request: HttpRequest) -> dict[str, Any]:
    """Every channel by name: its kind and a hint of its target. Admins."""
    require(request, "view_alertchannel", "see alert channels (Admins may)")
    refuse_unknown_query(request)
    found = list(AlertChannel.objects.order_by("name"))
    return {"items": [_out(c) for c in found], "count": len(found)}


def _channel_create(request: HttpRequest, payload: ChannelIn) -> Status[dict[str, Any]]:
    """`{"kind", "target"}` (and a `name`): a webhook URL passes the one URL parser and the
    address guard, or is a 422 naming `target` in a sentence that does not quote it. Admins."""
    user = require(request, "add_alertchannel", "create alert channels (Admins may)")
    refuse_unknown_query(request)
    name = payload.name.strip() or _default_name(payload.kind)
    try:
        with transaction.atomic():  # the channel and its history entry, or neither
            channel = channels.create_channel(
                name=name, kind=payload.kind, target=payload.target, user=user
            )
            history.record(channel, Revision.Event.CREATED, user)
    except DjangoValidationError as error:
        raise ValidationError(
            [
                {"loc": ["body", "payload", field], "msg": " ".join(messages)}
                for field, messages in error.message_dict.items()
            ]
        ) from None
    return Status(201, _out(channel))


# The payload holds the URL: hidden from error reports. ninja reads the wrapped view's
# parameters from this signature (their types resolved here, where they are defined).
channel_create = sensitive_variables("payload")(_channel_create)
channel_create.__signature__ = inspect.signature(_channel_create, eval_str=True)  # type: ignore[attr-defined]
router.post(
    "/alert-channels",
    response={201: ChannelOut, **ERRORS},
    summary="Create an alert channel",
    operation_id="create_alert_channel",
)(channel_create)


def _default_name(kind: str) -> str:
    label = AlertChannel.Kind(kind).label
    taken = set(AlertChannel.objects.filter(name__startswith=label).values_list("name", flat=True))
    number = 1
    while f"{label} {number}" in taken:
        number += 1
    return f"{label} {number}"


@router.post(
    "/alert-channels/{int:channel_id}/test",
    response={200: DeliveryOut, **ERRORS},
    summary="Send a test alert",
    operation_id="test_alert_channel",
)
def channel_test(request: HttpRequest, channel_id: int = ChannelId) -> dict[str, Any]:
    """Sends a `test` alert now; answers how it went (the receiver's status and what it said,
    or the sentence of what failed). A refused send is still a 200 with `ok: false`. Admins."""
    require(request, "change_alertchannel", "test alert channels (Admins may)")
    refuse_unknown_query(request)
    channel = AlertChannel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise HttpError(404, f"There is no alert channel {channel_id}.")
    delivery = channels.test_channel(channel)
    return {
        "ok": delivery.ok,
        "status": delivery.status,
        "reason": delivery.reason,
        "error": delivery.error,
        "error_kind": delivery.error_kind,
        "elapsed_ms": delivery.elapsed_ms,
        "note": delivery.note,
        "summary": delivery.summary,
    }
