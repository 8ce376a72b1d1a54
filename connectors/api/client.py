"""The CI client, served by the studio itself: a pipeline fetches it from the server it tests."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router

from connectors.api.errors import ERRORS, refuse_unknown_query

router = Router(tags=["client"])

CLIENT = settings.BASE_DIR / "clients" / "studio_ci.py"
CLIENT_RESPONSE = {
    "200": {
        "description": "clients/studio_ci.py: one file, Python's standard library only.",
        "content": {"text/x-python": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/client/studio_ci.py",
    auth=None,
    response={code: ERRORS[code] for code in (400, 405, 422, 500)},
    summary="The CI client",
    operation_id="get_ci_client",
    openapi_extra={"responses": CLIENT_RESPONSE, "security": []},
)
def ci_client(request: HttpRequest) -> HttpResponse:
    """`python studio_ci.py --server URL --connector NAME [--junit FILE]` with STUDIO_TOKEN
    set: starts a suite run, waits, prints each action and writes JUnit; exit 0 when all
    passed, 1 when a check failed, 2 on a usage or server error. Public: it holds no data."""
    refuse_unknown_query(request)
    response = HttpResponse(CLIENT.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="studio_ci.py"'
    return response
