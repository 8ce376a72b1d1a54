"""Error mapping: a plain sentence for what went wrong, never the exception's own text.

requests and urllib3 bury the cause (refused, reset, timed out, bad certificate) in chains of
causes, reasons and args; translate() digs it out and names the host and address involved.
"""

from __future__ import annotations

import errno
import ssl
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

from connectors.lib.outbound.errors import (
    ConnectError,
    OutboundError,
    RedirectError,
    Timeout,
    TLSError,
    TooLarge,
)
from connectors.lib.outbound.messages import OutboundRequest
from connectors.lib.outbound.watchdog import Deadline


def translate(
    exc: requests.RequestException,
    request: OutboundRequest,
    deadline: Deadline,
    where: str,
    connect: float | None = None,
) -> OutboundError:
    """A plain sentence for what went wrong, without the exception's own text."""
    if deadline.cancelled:
        return cancelled()
    if deadline.fired or isinstance(exc, requests.ReadTimeout) or _find(exc, ReadTimeoutError):
        return deadline_passed(request)  # each recv may wait at most the time left
    if isinstance(exc, requests.ConnectTimeout) or (
        _find(exc, ConnectTimeoutError) and not _find(exc, NewConnectionError)
    ):
        return Timeout(
            f"No connection to {where} within {_seconds(connect or request.connect_timeout)} "
            "(connect timeout): check the address; a firewall may be dropping the connection.",
            "ConnectTimeout",
        )
    if isinstance(exc, requests.exceptions.SSLError):
        verify = _find(exc, ssl.SSLCertVerificationError)
        if verify is not None:
            return TLSError(
                f"The TLS certificate of {where} could not be verified "
                f"({verify.verify_message or 'untrusted'}): fix the server's certificate, or "
                "turn off Verify TLS on the connector only if you trust this server."
            )
        reason = getattr(_find(exc, ssl.SSLError), "reason", None) or "handshake failed"
        return TLSError(
            f"The TLS handshake with {where} failed ({reason.lower().replace('_', ' ')}): check "
            "that the server speaks https on this port. Verify TLS does not change this."
        )
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return OutboundError(
            f"The response from {where} could not be decompressed although its Content-Encoding "
            "says it is compressed.",
            "BadResponse",
        )
    if _find(exc, NewConnectionError) is not None:
        code = getattr(_find(exc, OSError, lambda e: e.errno is not None), "errno", None)
        if code == errno.ECONNREFUSED:
            return ConnectError(f"Connection refused by {where}: is the server running?")
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return ConnectError(f"No route to {where}: the network is unreachable from here.")
        return ConnectError(f"Could not connect to {where}: check the address and port.")
    return ConnectError(
        f"The connection to {where} broke before the response was complete (closed or reset by "
        "the server). Try again; if it keeps happening, check the server."
    )


def connect_failed(exc: BaseException) -> bool:
    """True when no TCP connection was made: safe to try another address."""
    return _find(exc, ConnectTimeoutError) is not None  # NewConnectionError is a subclass


def cancelled() -> OutboundError:
    return OutboundError(
        "You pressed Cancel: the studio hung up before the response was complete.", "Cancelled"
    )


def deadline_passed(request: OutboundRequest) -> Timeout:
    return Timeout(
        f"The whole request took longer than the connector's {_seconds(request.timeout)} timeout.",
        "Deadline",
    )


def too_large(max_bytes: int) -> TooLarge:
    return TooLarge(
        f"The response is larger than {_size(max_bytes)} (STUDIO_MAX_RESPONSE_BYTES), so it was "
        "not kept: ask the API for less (pagination, filters) or raise the limit."
    )


def bad_url(url: str, via: tuple[int, str] | None) -> OutboundError:
    if via:
        return RedirectError(
            f"The server redirected ({via[0]}) to {via[1]}, which is not a valid URL."
        )
    return OutboundError(f"{url!r} is not a valid URL: check the Base URL and path.", "InvalidURL")


def _find(exc: BaseException, cls: type[BaseException], test: Any = None) -> Any:
    """The first exception of type cls (passing test) among exc's causes, reasons and args."""
    todo: list[Any] = [exc]
    seen: set[int] = set()
    while todo:
        e = todo.pop(0)
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, cls) and (test is None or test(e)):
            return e
        todo += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
    return None


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _size(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} bytes"
