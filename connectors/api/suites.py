"""Suite runs: start one on a scope (a connector, a tag, some actions), follow it, its JUnit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import ConfigDict

from connectors.api.auth import require
from connectors.api.errors import ERRORS, refuse_unknown_query
from connectors.api.runs import MAX_ID
from connectors.engine import suites
from connectors.exporting import junit
from connectors.models import Connector, SuiteRun

router = Router(tags=["suite runs"])

ActionName = Annotated[str, Field(max_length=64, pattern=r"^[^\x00]*$")]


class SuiteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    connector: str = Field(
        "", max_length=64, pattern=r"^[^\x00]*$", description="A connector's Name: its actions."
    )
    tag: str = Field(
        "",
        max_length=200,
        pattern=r"^[^\x00]*$",
        description="A tag: on the connector named, or across every connector.",
    )
    actions: list[ActionName] = Field(
        default_factory=list,
        max_length=suites.MAX_NAMES,
        description="Some actions of the connector named, by Name.",
    )


class Started(Schema):
    id: int
    url: str
    status: Literal["queued"]


class CheckLine(Schema):
    type: str
    passed: bool
    detail: str


class ResultOut(Schema):
    connector: str
    action: str
    run: int | None = Field(description="Its Test run (GET /api/v1/runs/{id}); null once gone.")
    run_url: str
    outcome: Literal["pending", "passed", "failed", "errored"]
    passed: bool | None = Field(description="null while it has not run yet.")
    status: int | None
    elapsed_ms: float | None
    error_kind: str
    checks: list[CheckLine]


class SuiteOut(Schema):
    id: int
    url: str
    title: str
    scope: dict[str, Any]
    status: Literal["queued", "running", "finished", "interrupted"]
    total: int
    passed: int
    failed: int
    errored: int
    problem: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    results: list[ResultOut]


SuiteRunId = Path(..., ge=1, le=MAX_ID, description="A suite run's id.", example=1)


@router.post(
    "/suite-runs",
    response={202: Started, **ERRORS},
    summary="Start a suite run",
    operation_id="start_suite_run",
)
def suite_run_start(request: HttpRequest, payload: SuiteIn) -> Status[dict[str, Any]]:
    """Tests every action of the scope on the task worker, as "Test all" does: `{"connector"}`,
    `{"tag"}`, `{"connector", "tag"}` or `{"connector", "actions": [names]}`. Answers at once;
    follow it with GET /api/v1/suite-runs/{id}. Developers and Admins."""
    user = require(request, "run_test", "start a suite run (Developers and Admins may)")
    refuse_unknown_query(request)
    if payload.connector and not Connector.objects.filter(name=payload.connector).exists():
        raise _scope_error("connector", f"There is no connector named {payload.connector}.")
    try:
        suite = suites.start_suite_run(
            user=user, connector=payload.connector, tag=payload.tag, actions=payload.actions
        )
    except suites.ScopeError as error:
        field = "actions" if payload.actions else "tag" if payload.tag else "connector"
        raise _scope_error(field, str(error)) from error
    url = request.build_absolute_uri(suite.get_absolute_url())
    return Status(202, {"id": suite.pk, "url": url, "status": "queued"})


def _scope_error(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ["body", "payload", field], "msg": message}])


def _suite(suite_run_id: int) -> SuiteRun:
    suite = SuiteRun.objects.filter(pk=suite_run_id).first()
    if suite is None:
        raise HttpError(404, f"There is no suite run {suite_run_id}.")
    return suite


@router.get(
    "/suite-runs/{int:suite_run_id}",
    response={200: SuiteOut, **ERRORS},
    summary="A suite run: its progress, then every action's outcome",
    operation_id="get_suite_run",
)
def suite_run_detail(request: HttpRequest, suite_run_id: int = SuiteRunId) -> dict[str, Any]:
    """`status` is queued, running, then finished (or interrupted: its worker stopped); the
    counts grow as actions finish. Each result's checks say what was expected and what came
    back, read from the masked run."""
    require(request, "view_testrun", "read suite runs")
    refuse_unknown_query(request)
    suite = _suite(suite_run_id)
    data = suites.results_data(suite)
    data["url"] = request.build_absolute_uri(data["url"])
    data["problem"] = suite.problem
    for result in data["results"]:
        if result["run_url"]:
            result["run_url"] = request.build_absolute_uri(result["run_url"])
    return data


JUNIT_RESPONSE = {
    "200": {
        "description": "JUnit XML: one testcase per action.",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/suite-runs/{int:suite_run_id}/junit",
    response=ERRORS,
    summary="A suite run as JUnit XML",
    operation_id="get_suite_run_junit",
    openapi_extra={"responses": JUNIT_RESPONSE},
)
def suite_run_junit(request: HttpRequest, suite_run_id: int = SuiteRunId) -> HttpResponse:
    """One `<testcase>` per action (`classname` its connector); a failed one carries a
    `<failure>` listing its checks, an errored one an `<error>`. Built from the stored,
    masked results. A run still going lists what has not run yet as skipped."""
    require(request, "view_testrun", "read suite runs")
    refuse_unknown_query(request)
    suite = _suite(suite_run_id)
    document = junit.to_junit(
        suite, suites.results_with_links(suite), request.build_absolute_uri("/").rstrip("/")
    )
    response = HttpResponse(document, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="suite-run-{suite.pk}.junit.xml"'
    return response
