"""Every error the API gives is JSON with a sentence: the schema, the handlers, and a
middleware for what Django answers before or around the API (unknown paths, 500s)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger("django.request")

API_PREFIX = "/api/"


class FieldError(Schema):
    field: str
    message: str


class Error(Schema):
    detail: str
    errors: list[FieldError] = []


# What any operation may answer besides its success: documented on every one.
ERRORS: dict[int, type[Error]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    405: Error,
    422: Error,
    500: Error,
}

UNAUTHORIZED = (
    "Send a personal API token as 'Authorization: Bearer <token>'; create one on "
    "/account/tokens/. This one is missing, unknown, revoked or expired."
)
_MESSAGES = {
    400: "The request could not be read.",
    403: "Your role does not allow this.",
    404: "There is no such API path. The operations are listed at /api/v1/docs.",
    500: "The server failed to answer; the error is logged. Nothing was half-saved.",
}


def error(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or []}, status=status)


def _field(loc: list[Any]) -> str:
    """ninja's location ("body", "payload", "inputs", "x") as the field a client sent:
    inputs.x; a query parameter by its name."""
    parts = list(loc)
    if parts[:1] == ["body"]:
        parts = parts[2:] or ["body"]
    elif parts[:1] in (["query"], ["path"], ["header"]):
        parts = parts[1:]
    # A list's item by its index, as JSON paths name it: checks[2].value, [0].op.
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)
    return text.removeprefix(".") or "body"


def refuse_unknown_query(request: HttpRequest, known: Iterable[str] = ()) -> None:
    """A query parameter the operation does not take is a 422 naming it, not silently ignored
    (a typo such as `?pgae=2` would otherwise read page 1)."""
    unknown = sorted(set(request.GET) - set(known))
    if unknown:
        raise ValidationError(
            [
                {"loc": ["query", name], "msg": "This operation takes no such parameter"}
                for name in unknown
            ]
        )


def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    found = [
        {"field": _field(e.get("loc", [])), "message": str(e.get("msg", "is not valid"))}
        for e in exc.errors
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in found[:5])
    return error(422, f"Invalid input. {summary}", found)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(exc.status_code, str(exc))


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Our 404s carry a sentence ("No Connector matches the given query." from a lookup).
    return error(404, str(exc) or "Not found.")


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(401, UNAUTHORIZED)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never a traceback in the answer, DEBUG or not: logged as Django logs a 500.
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return error(500, _MESSAGES[500])


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(ValidationError, _invalid)
    api.add_exception_handler(AuthenticationError, _unauthenticated)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(Exception, _unexpected)


def _phrase(status: int) -> str:
    # Django's own reason phrases: the standard library's http package stays with the network door.
    phrase = HttpResponse(status=status).reason_phrase
    return f"HTTP {status}." if phrase == "Unknown Status Code" else f"{phrase}."


class JsonErrorsUnderApi:
    """Under /api/ an error is JSON whoever answered: Django's 404 for an unknown path, a 405
    naming the allowed methods, a 400 from a middleware, a 500 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        detail = _MESSAGES.get(status) or _phrase(status)
        if status == 405 and response.has_header("Allow"):
            detail = f"This path does not take {request.method}: use {response['Allow']}."
        replaced = error(status, detail)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if response.has_header(header):
                replaced[header] = response[header]
        return replaced
