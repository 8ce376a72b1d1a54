"""Project middleware: a read that lost its database connection mid-request runs once more."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse

from connectors.secrets import sealing

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD"})


class RetryReadsOnLostConnection:
    """Health checks (CONN_HEALTH_CHECKS) catch a connection that died between requests; one
    that dies during a request (database restart, failover, pg_terminate_backend) would fail
    it. A GET or HEAD changes nothing, so it runs again on a fresh connection. Writes are
    never retried: they may have committed part of their work.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "_studio_retry", False):
            request._studio_retry = False
            response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.method not in SAFE_METHODS or getattr(request, "_studio_retried", False):
            return None
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        lost = False
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None and not connection.is_usable():
                connection.close()
                lost = True
        if not lost:
            return None  # a real error, not a dropped connection: Django answers 500
        logger.warning(
            "Database connection lost during %s %s; retrying", request.method, request.path
        )
        request._studio_retry = request._studio_retried = True
        return HttpResponse(status=503)  # replaced by the retry's response


class RejectNulCharacters:
    """A NUL (\\x00) in a URL's name or a query parameter: 404 or 400, not a database error.

    PostgreSQL cannot hold NUL in text, not even to compare it (SQLite can), so a lookup by
    such a name fails in the database. No name can contain one (names are identifiers), and
    forms already refuse one in a field; this covers the path and the query string.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if any("\x00" in str(value) for value in [*view_args, *view_kwargs.values()]):
            raise Http404("No such name.")
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise BadRequest("A query parameter holds a NUL character.")
        return None


class CollectSecretsInPlay:
    """Remember the secrets a request decrypts, so its error report can mask them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with sealing.collecting_in_play():
            return self.get_response(request)
