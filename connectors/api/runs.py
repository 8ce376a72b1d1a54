"""Test runs: what a Test answered, and one stored run with its masked request and response."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema
from ninja.errors import HttpError

from connectors.api.auth import require
from connectors.api.errors import ERRORS, refuse_unknown_query
from connectors.models import TestRun

router = Router(tags=["runs"])
MAX_ID = 2**63 - 1  # the largest id a database holds: beyond it, a 422 rather than an overflow


class CheckResult(Schema):
    type: str
    passed: bool
    detail: str


class RunResult(Schema):
    run: int
    url: str
    status: int | None
    reason: str
    elapsed_ms: float | None
    size: int | None
    error_kind: str
    error_message: str
    passed: bool
    checks: list[CheckResult]


class Header(Schema):
    name: str
    value: str


class SentRequest(Schema):
    method: str
    url: str
    headers: list[Header]
    body: str


class Answer(Schema):
    headers: list[Header]
    content_type: str
    body: str | None
    body_truncated: bool
    is_binary: bool
    final_url: str


class RunDetail(RunResult):
    connector: str
    action: str
    created_at: datetime
    user: str | None
    inputs: dict[str, Any]
    request: SentRequest
    response: Answer


def checks_of(run: TestRun) -> list[dict[str, Any]]:
    """The run's checks as stored with it (masked): [{"type", "passed", "detail"}]."""
    return [
        {
            "type": str(r.get("type", "")),
            "passed": bool(r.get("passed")),
            "detail": str(r.get("detail", "")),
        }
        for r in run.check_results
    ]


def page_url(request: HttpRequest, run: TestRun) -> str:
    return request.build_absolute_uri(f"{run.action.get_absolute_url()}?run={run.pk}")


def result_of(request: HttpRequest, run: TestRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "url": page_url(request, run),
        "status": run.status,
        "reason": run.reason,
        "elapsed_ms": run.elapsed_ms,
        "size": run.size,
        "error_kind": run.error_kind,
        "error_message": run.error_message,
        "passed": run.passed,
        "checks": checks_of(run),
    }


def _headers(pairs: list[Any]) -> list[dict[str, str]]:
    return [{"name": str(name), "value": str(value)} for name, value in pairs]


@router.get(
    "/runs/{int:run_id}",
    response={200: RunDetail, **ERRORS},
    summary="A Test run",
    operation_id="get_run",
)
def run_detail(request: HttpRequest, run_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    """One stored Test run: inputs, the request as sent (secrets masked), the answer (body
    as stored: masked, capped; null for a binary body) and its checks."""
    require(request, "view_testrun", "read Test runs")
    refuse_unknown_query(request)
    run = (
        TestRun.objects.select_related("action__connector", "user")
        .defer("response_bytes")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise HttpError(404, f"There is no Test run {run_id}.")
    return {
        **result_of(request, run),
        "connector": run.action.connector.name,
        "action": run.action.name,
        "created_at": run.created_at,
        "user": run.user.get_username() if run.user else None,
        "inputs": run.inputs,
        "request": {
            "method": run.request_method,
            "url": run.request_url,
            "headers": _headers(run.request_headers),
            "body": run.request_body,
        },
        "response": {
            "headers": _headers(run.response_headers),
            "content_type": run.content_type,
            "body": None if run.is_binary else run.response_body,
            "body_truncated": run.body_truncated,
            "is_binary": run.is_binary,
            "final_url": run.final_url,
        },
    }
