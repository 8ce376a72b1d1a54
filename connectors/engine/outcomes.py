"""How a Test's outcome reads in the panel: a title in plain words, and whether it was sent."""

from __future__ import annotations

from connectors.models import TestRun

Kind = TestRun.ErrorKind

# Failures that happen before a byte of the request leaves: the request was built (perhaps)
# but never reached the server.
NOT_SENT = frozenset(
    {
        Kind.AUTH_FAILED,
        Kind.BLOCKED,
        Kind.CONNECT_ERROR,
        Kind.CONNECT_TIMEOUT,
        Kind.CONSTRUCT_ERROR,
        Kind.CREDENTIAL_MISSING,
        Kind.DNS_ERROR,
        Kind.INVALID_HEADER,
        Kind.INVALID_URL,
        Kind.REQUEST_TOO_LARGE,
        Kind.SECRET_UNREADABLE,
        Kind.TLS_ERROR,
    }
)


def title(error_kind: str) -> str:
    """The failure's title; an unknown kind reads "Request failed" rather than a code name."""
    if error_kind and error_kind in Kind.values:
        return Kind(error_kind).label
    return Kind.OUTBOUND_ERROR.label


def was_sent(error_kind: str) -> bool:
    return error_kind not in NOT_SENT
