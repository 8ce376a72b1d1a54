"""Where a send()'s time went: DNS, connect, TLS, waiting for the first byte, download.

send() opens a Timing for its request; the transport adds to it where connections are made
and answers read. Each phase is summed over the hops of a redirect chain; a phase that did
not happen (a pooled connection needs no connect, plain HTTP no TLS) stays at zero.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

PHASES = ("dns", "connect", "tls", "first_byte", "download")


@dataclass
class Timing:
    dns: float = 0.0
    connect: float = 0.0
    tls: float = 0.0
    first_byte: float = 0.0  # from the request sent to the answer's first line
    download: float = 0.0
    reused: bool = False  # a pooled connection served (part of) the request

    def as_dict(self) -> dict[str, float | bool]:
        """Milliseconds, rounded to a tenth: what a run stores."""
        data = asdict(self)
        return {k: round(v * 1000, 1) if k in PHASES else v for k, v in data.items()}


current: contextvars.ContextVar[Timing | None] = contextvars.ContextVar(
    "outbound_timing", default=None
)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Add the time spent inside to the current send()'s phase (no send(): nothing kept)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if (timing := current.get()) is not None:
            setattr(timing, name, getattr(timing, name) + time.perf_counter() - started)


def take(name: str, seconds: float) -> None:
    if (timing := current.get()) is not None:
        setattr(timing, name, max(0.0, getattr(timing, name) + seconds))
