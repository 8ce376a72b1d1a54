"""Monitors: list, create, read, change and delete them through engine.monitors' services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import ConfigDict

from connectors.api.auth import require
from connectors.api.errors import ERRORS, refuse_unknown_query
from connectors.api.runs import MAX_ID
from connectors.catalog import history
from connectors.engine import monitors
from connectors.models import AlertChannel, Monitor, Revision

router = Router(tags=["monitors"])

Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
Name = Annotated[str, Field(max_length=64, pattern=r"^[^\x00]*$")]
InputValue = str | int | float
MonitorId = Path(..., ge=1, le=MAX_ID, description="A monitor's id.", example=1)


class MonitorFields(Schema):
    """What a person sets on a monitor; every field of a PATCH is optional."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(max_length=100, description="Unique among monitors.")
    connector: Name = Field("", description="A connector's Name: all its actions.")
    tag: Text = Field(
        "", max_length=200, description="Only actions with this tag; alone: in every connector."
    )
    actions: list[Name] = Field(
        default_factory=list, max_length=500, description="Some actions of the connector."
    )
    interval_seconds: int | None = Field(
        None, ge=1, le=10**9, description="Every N seconds (at least the studio's minimum)."
    )
    cron: Text = Field(
        "", max_length=200, description="Or a cron expression: minute hour day month weekday."
    )
    timezone: Text = Field("UTC", max_length=64, description="The cron expression's time zone.")
    inputs: dict[Text, dict[Text, InputValue]] = Field(
        default_factory=dict,
        description='Inputs over the example values, by action: {"get_pet": {"id": "7"}}.',
    )
    alert_after: int = Field(2, ge=-(10**9), le=10**9, description="Failing runs in a row.")
    remind_every_hours: int | None = Field(None, ge=-(10**9), le=10**9)
    channels: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=100, description="Alert channels' ids."
    )
    active: bool = True


class MonitorPatch(MonitorFields):
    name: Text | None = Field(None, max_length=100)  # type: ignore[assignment]


class MonitorLastRun(Schema):
    id: int
    url: str
    status: Literal["queued", "running", "finished", "interrupted"]
    passed: bool | None
    slot_at: datetime | None
    finished_at: datetime | None


class Uptime(Schema):
    day: float | None = Field(alias="24h", description="Percent of runs passed, 24 hours.")
    week: float | None = Field(alias="7d")
    month: float | None = Field(alias="30d")


class MonitorOut(Schema):
    id: int
    url: str
    name: str
    connector: str
    tag: str
    actions: list[str]
    interval_seconds: int | None
    cron: str
    timezone: str
    inputs: dict[str, dict[str, str]]
    alert_after: int
    remind_every_hours: int | None
    channels: list[int]
    active: bool
    state: Literal["passing", "failing", "paused", "pending"]
    last_run: MonitorLastRun | None
    next_run_at: datetime | None
    uptime: Uptime


class MonitorPage(Schema):
    items: list[MonitorOut]
    count: int


class Paging(Schema):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


def _out(request: HttpRequest, monitor: Monitor, uptime: dict | None = None) -> dict[str, Any]:
    data = monitors.monitor_data(monitor, uptime)
    data["url"] = request.build_absolute_uri(data["url"])
    if data["last_run"]:
        data["last_run"]["url"] = request.build_absolute_uri(data["last_run"]["url"])
    return data


def _monitor(monitor_id: int) -> Monitor:
    found = Monitor.objects.select_related("last_run").filter(pk=monitor_id).first()
    if found is None:
        raise HttpError(404, f"There is no monitor {monitor_id}.")
    return found


def _channels(ids: list[int]) -> list[AlertChannel]:
    found = list(AlertChannel.objects.filter(pk__in=ids))
    if missing := sorted(set(ids) - {c.pk for c in found}):
        raise ValidationError(
            [
                {
                    "loc": ["body", "payload", "channels"],
                    "msg": f"There is no alert channel {missing[0]}.",
                }
            ]
        )
    return found


def _values(fields: dict[str, Any]) -> monitors.Values:
    return monitors.Values(
        name=fields["name"],
        connector=fields["connector"],
        tag=fields["tag"],
        actions=tuple(fields["actions"]),
        interval_seconds=fields["interval_seconds"],
        cron=fields["cron"],
        timezone=fields["timezone"],
        inputs=fields["inputs"],
        alert_after=fields["alert_after"],
        remind_every_hours=fields["remind_every_hours"],
        active=fields["active"],
    )


def _refused(error: DjangoValidationError) -> ValidationError:
    return ValidationError(
        [
            {"loc": ["body", "payload", field], "msg": " ".join(messages)}
            for field, messages in error.message_dict.items()
        ]
    )


@router.get(
    "/monitors",
    response={200: MonitorPage, **ERRORS},
    by_alias=True,
    summary="List monitors",
    operation_id="list_monitors",
)
def monitor_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Every monitor by name, 50 a page, with its state, last run, next run and uptime."""
    require(request, "view_monitor", "read monitors")
    refuse_unknown_query(request, Paging.model_fields)
    found = Monitor.objects.select_related("last_run").order_by("name")
    start = (paging.page - 1) * paging.per_page
    page = list(found[start : start + paging.per_page])
    uptime = monitors.uptimes(page)
    return {
        "items": [_out(request, m, uptime[m.pk]) for m in page],
        "count": found.count(),
    }


@router.post(
    "/monitors",
    response={201: MonitorOut, **ERRORS},
    by_alias=True,
    summary="Create a monitor",
    operation_id="create_monitor",
)
def monitor_create(request: HttpRequest, payload: MonitorFields) -> Status[dict[str, Any]]:
    """A scope (`connector`, `tag`, or `connector` and `actions`) on a schedule
    (`interval_seconds` or `cron` in a `timezone`). Every problem is a 422 naming its field,
    all at once; nothing is saved. Developers and Admins."""
    user = require(request, "add_monitor", "create monitors (Developers and Admins may)")
    refuse_unknown_query(request)
    fields = payload.model_dump()
    chosen = _channels(fields["channels"])
    try:
        with transaction.atomic():  # the monitor and its history entry, or neither
            monitor = monitors.create_monitor(_values(fields), channels=chosen, user=user)
            history.record(monitor, Revision.Event.CREATED, user)
    except DjangoValidationError as error:
        raise _refused(error) from error
    return Status(201, _out(request, _monitor(monitor.pk)))


@router.get(
    "/monitors/{int:monitor_id}",
    response={200: MonitorOut, **ERRORS},
    by_alias=True,
    summary="A monitor",
    operation_id="get_monitor",
)
def monitor_detail(request: HttpRequest, monitor_id: int = MonitorId) -> dict[str, Any]:
    require(request, "view_monitor", "read monitors")
    refuse_unknown_query(request)
    return _out(request, _monitor(monitor_id))


@router.patch(
    "/monitors/{int:monitor_id}",
    response={200: MonitorOut, **ERRORS},
    by_alias=True,
    summary="Change a monitor",
    operation_id="update_monitor",
)
def monitor_update(
    request: HttpRequest, payload: MonitorPatch, monitor_id: int = MonitorId
) -> dict[str, Any]:
    """Only the fields given change. Giving `interval_seconds` drops a cron expression and
    giving `cron` drops an interval; `active: false` pauses it, `true` resumes it. A changed
    schedule starts over from its first slot. Developers and Admins."""
    user = require(request, "change_monitor", "change monitors (Developers and Admins may)")
    refuse_unknown_query(request)
    monitor = _monitor(monitor_id)
    given = payload.model_dump(exclude_unset=True)
    if given.get("name", "") is None:
        raise ValidationError([{"loc": ["body", "payload", "name"], "msg": "Enter a name."}])
    current = monitors.values_of(monitor)
    fields: dict[str, Any] = {
        "name": current.name,
        "connector": current.connector,
        "tag": current.tag,
        "actions": list(current.actions),
        "interval_seconds": current.interval_seconds,
        "cron": current.cron,
        "timezone": current.timezone,
        "inputs": current.inputs,
        "alert_after": current.alert_after,
        "remind_every_hours": current.remind_every_hours,
        "active": current.active,
    }
    if given.get("interval_seconds") is not None and "cron" not in given:
        fields["cron"] = ""
    if (given.get("cron") or "").strip() and "interval_seconds" not in given:
        fields["interval_seconds"] = None
    fields.update({k: v for k, v in given.items() if k != "channels"})
    chosen = _channels(given["channels"]) if "channels" in given else None
    try:
        with transaction.atomic():
            monitors.update_monitor(monitor, _values(fields), channels=chosen)
            history.record(monitor, Revision.Event.CHANGED, user)
    except DjangoValidationError as error:
        raise _refused(error) from error
    return _out(request, _monitor(monitor.pk))


@router.delete(
    "/monitors/{int:monitor_id}",
    response={204: None, **ERRORS},
    summary="Delete a monitor",
    operation_id="delete_monitor",
)
def monitor_delete(request: HttpRequest, monitor_id: int = MonitorId) -> Status[None]:
    """Its suite runs stay (pruned as usual) and its incidents are kept."""
    user = require(request, "delete_monitor", "delete monitors (Developers and Admins may)")
    refuse_unknown_query(request)
    monitor = _monitor(monitor_id)
    with transaction.atomic():
        history.record(monitor, Revision.Event.DELETED, user)
        monitors.delete_monitor(monitor)
    return Status(204, None)
