"""The failures send() raises: one class per kind, each carrying a plain sentence."""

from __future__ import annotations


class OutboundError(Exception):
    kind = "OutboundError"
    elapsed_ms: float | None = None  # set by send(): how long it took to fail

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if kind:
            self.kind = kind


class Blocked(OutboundError):
    kind = "Blocked"


class DNSError(OutboundError):
    kind = "DNSError"


class ConnectError(OutboundError):
    kind = "ConnectError"


class Timeout(OutboundError):
    kind = "Deadline"  # or "ConnectTimeout"


class TLSError(OutboundError):
    kind = "TLSError"


class TooLarge(OutboundError):
    kind = "TooLarge"


class RedirectError(OutboundError):
    kind = "Redirect"
