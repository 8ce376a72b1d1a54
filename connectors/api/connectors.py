"""Connectors and their actions: the catalog as JSON, and Test of an action."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import ConfigDict

from connectors.api.auth import require
from connectors.api.errors import ERRORS, refuse_unknown_query
from connectors.api.runs import RunResult, result_of
from connectors.catalog import queries
from connectors.engine import executor
from connectors.forms.action import TestInputsForm
from connectors.models import Action, Connector, InputArg

router = Router(tags=["connectors"])

MAX_QUERY = 200
# The walkthrough's connector (`make run` loads it) as the document's example.
ConnectorName = Annotated[str, Path(description="A connector's Name.", example="OpenAI")]
ActionName = Annotated[str, Path(description="An action's Name.", example="list_models")]


class LastRun(Schema):
    at: datetime
    status: int | None
    error_kind: str


class InputArgOut(Schema):
    name: str
    data_type: str
    description: str
    example_value: str
    required: bool


class ActionOut(Schema):
    name: str
    description: str
    method: str
    path: str
    tags: list[str]
    input_args: list[InputArgOut]
    last_run: LastRun | None
    url: str


class ConnectorOut(Schema):
    name: str
    display_name: str
    description: str
    base_url: str
    auth_config: str
    action_count: int
    last_run: LastRun | None
    updated_at: datetime
    url: str


class ConnectorDetail(ConnectorOut):
    actions: list[ActionOut]


class ConnectorPage(Schema):
    items: list[ConnectorOut]
    count: int


class ConnectorFilter(Schema):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(
        "",
        max_length=MAX_QUERY,
        pattern=r"^[^\x00]*$",  # no NUL: a 400 (the database could not compare it)
        description="Name, Display Name, Description or Base URL holds it.",
    )
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


# A JSON value for an input: text as it is; a number, boolean, object or array as its JSON text.
InputValue = str | int | float | bool | dict[str, Any] | list[Any] | None


class TestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, InputValue] = Field(
        default_factory=dict,
        description="A value per Input Arg; an arg left out takes its example value, as the "
        "Test button's form is pre-filled.",
    )


def _last_run(obj: Connector | Action) -> dict[str, Any] | None:
    if obj.last_run_at is None:
        return None
    return {"at": obj.last_run_at, "status": obj.last_run_status, "error_kind": obj.last_run_error}


def _connector(request: HttpRequest, connector: Connector, action_count: int) -> dict[str, Any]:
    return {
        "name": connector.name,
        "display_name": connector.display_name,
        "description": connector.description,
        "base_url": connector.base_url,
        "auth_config": connector.auth_config,
        "action_count": action_count,
        "last_run": _last_run(connector),
        "updated_at": connector.updated_at,
        "url": request.build_absolute_uri(connector.get_absolute_url()),
    }


def _action(request: HttpRequest, action: Action) -> dict[str, Any]:
    return {
        "name": action.name,
        "description": action.description,
        "method": action.method,
        "path": action.path,
        "tags": [str(tag) for tag in action.tags or []],
        "input_args": [
            {
                "name": arg.name,
                "data_type": arg.data_type,
                "description": arg.description,
                "example_value": arg.example_value,
                "required": arg.required,
            }
            for arg in action.input_args.all()
        ],
        "last_run": _last_run(action),
        "url": request.build_absolute_uri(action.get_absolute_url()),
    }


@router.get(
    "/connectors",
    response={200: ConnectorPage, **ERRORS},
    summary="List connectors",
    operation_id="list_connectors",
)
def connector_list(request: HttpRequest, filters: Query[ConnectorFilter]) -> dict[str, Any]:
    """The catalog, by Name, 50 a page (`per_page` up to 200); `q` searches as the catalog's
    search box does."""
    require(request, "view_connector", "browse the catalog")
    refuse_unknown_query(request, ConnectorFilter.model_fields)
    found = queries.search_connectors(filters.q)
    count = found.count()
    start = (filters.page - 1) * filters.per_page
    ids = list(found.values_list("pk", flat=True)[start : start + filters.per_page])
    rows = queries.catalog_rows(ids)
    return {"items": [_connector(request, c, c.action_count) for c in rows], "count": count}


@router.get(
    "/connectors/{name}",
    response={200: ConnectorDetail, **ERRORS},
    summary="A connector with its actions",
    operation_id="get_connector",
)
def connector_detail(request: HttpRequest, name: ConnectorName) -> dict[str, Any]:
    require(request, "view_connector", "browse the catalog")
    refuse_unknown_query(request)
    connector = (
        Connector.objects.prefetch_related(
            Prefetch("actions", Action.objects.prefetch_related("input_args"))
        )
        .filter(name=name)
        .first()
    )
    if connector is None:
        raise HttpError(404, f"There is no connector named {name}.")
    actions = list(connector.actions.all())
    return {
        **_connector(request, connector, len(actions)),
        "actions": [_action(request, action) for action in actions],
    }


def find_action(name: str, action: str) -> Action:
    """The action by its connector's Name and its own, with its input args; a JSON 404."""
    found = (
        Action.objects.select_related("connector")
        .prefetch_related("input_args")
        .filter(connector__name=name, name=action)
        .first()
    )
    if found is None:
        raise HttpError(404, f"There is no action {action} in a connector named {name}.")
    return found


def _as_text(value: InputValue) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value)


@router.post(
    "/connectors/{name}/actions/{action}/test",
    response={200: RunResult, **ERRORS},
    summary="Run a Test of an action now",
    operation_id="test_action",
)
def action_test(
    request: HttpRequest, name: ConnectorName, action: ActionName, payload: TestIn
) -> dict[str, Any]:
    """Sends the action now, exactly as the Test button does, stores the run and answers
    with its outcome and checks. A failed send (refused, timed out, a credential not set) is
    still a 200: the run says what happened in `error_kind` and `error_message`."""
    require(request, "run_test", "run a Test (Developers and Admins may)")
    refuse_unknown_query(request)
    found = find_action(name, action)
    args: list[InputArg] = list(found.input_args.all())
    known = {arg.name for arg in args}
    unknown = sorted(set(payload.inputs) - known)
    if unknown:
        raise ValidationError(
            [
                {"loc": ["body", "payload", "inputs", key], "msg": "This action has no such input"}
                for key in unknown
            ]
        )
    data = {arg.name: arg.example_value for arg in args}
    data.update({key: _as_text(value) for key, value in payload.inputs.items()})
    form = TestInputsForm(data, action=found)
    if not form.is_valid():
        raise ValidationError(
            [
                {"loc": ["body", "payload", "inputs", field], "msg": " ".join(messages)}
                for field, messages in form.errors.items()
            ]
        )
    run = executor.run(found, form.cleaned_data, request.user)
    return result_of(request, run)
