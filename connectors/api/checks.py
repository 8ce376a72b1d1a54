"""An action's checks: read them, or replace them all (the one parser, a version and history)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict

from connectors.api.auth import require
from connectors.api.connectors import ActionName, ConnectorName, find_action
from connectors.api.errors import ERRORS, refuse_unknown_query
from connectors.catalog import writes
from connectors.lib import check_specs

router = Router(tags=["checks"])

CheckType = Literal["status", "jsonpath", "header", "time", "schema"]
CheckOp = Literal["equals", "in", "exists", "contains", "matches", "type", "below"]


class Check(Schema):
    """One check; which fields it takes depends on its type (README: Checks)."""

    model_config = ConfigDict(extra="forbid")

    type: CheckType
    path: str | None = None
    name: str | None = None
    op: CheckOp | None = None
    value: Any = None


@router.get(
    "/connectors/{name}/actions/{action}/checks",
    response={200: list[Check], **ERRORS},
    exclude_none=True,
    summary="An action's checks",
    operation_id="get_checks",
)
def checks_get(request: HttpRequest, name: ConnectorName, action: ActionName) -> list[Any]:
    """The action's checks; an empty list: a run is held to a 2xx status."""
    require(request, "view_action", "browse the catalog")
    refuse_unknown_query(request)
    return find_action(name, action).checks or []


@router.put(
    "/connectors/{name}/actions/{action}/checks",
    response={200: list[Check], **ERRORS},
    exclude_none=True,
    summary="Replace an action's checks",
    operation_id="put_checks",
)
def checks_put(
    request: HttpRequest, name: ConnectorName, action: ActionName, payload: list[Check]
) -> list[Any]:
    """Replaces every check of the action (an empty list: held to a 2xx status). A bad check
    is a 422 naming its place (`[2].value`), and nothing is saved. The change gets a version
    and a History entry, as a save of the action form does."""
    user = require(request, "change_action", "change actions (Developers and Admins may)")
    refuse_unknown_query(request)
    found = find_action(name, action)
    given = [check.model_dump(exclude_none=True) for check in payload]
    try:
        parsed = check_specs.parse_checks(given)
    except check_specs.CheckError as error:
        raise ValidationError(
            [
                {
                    "loc": ["body", "payload", p.index, *([p.field] if p.field else [])],
                    "msg": p.message,
                }
                for p in error.problems
            ]
        ) from error
    found.checks = parsed
    writes.save_action(found, user=user, fields=["checks"])
    return parsed
