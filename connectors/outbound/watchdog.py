"""The total deadline of one send(): a timer that shuts the connection down when time is up.

Socket timeouts bound each recv, not their sum: a server dripping a byte at a time would
never trip them. A timer that shuts the socket down ends any read, in any phase.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import threading
import time
from collections.abc import Callable, Iterator

KILL_LOCK = threading.Lock()  # guards every Deadline and the closing of watched sockets
current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("deadline", default=None)
# Asked every CANCEL_POLL_SECONDS while a send() runs: True means the person pressed Cancel.
cancel_check: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar(
    "cancel_check", default=None
)
CANCEL_POLL_SECONDS = 0.2


@contextlib.contextmanager
def cancellable(check: Callable[[], bool] | None) -> Iterator[None]:
    """Every send() in this block hangs up as soon as check() says the request was cancelled."""
    token = cancel_check.set(check)
    try:
        yield
    finally:
        cancel_check.reset(token)


class Deadline:
    """Shuts the watched socket down when the total time is up, unless stopped first."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.fired = False
        self.cancelled = False
        self._done = False
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()
        self._stopped = threading.Event()
        if (check := cancel_check.get()) is not None:
            poller = threading.Thread(target=self._poll, args=(check,), daemon=True)
            poller.start()

    def left(self) -> float:
        return self.at - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with KILL_LOCK:
            self._sock = sock
            if self.fired:
                _shutdown(sock)

    def stop(self) -> None:
        with KILL_LOCK:
            self._done = True  # from here on the connection may go back to the pool
        self._timer.cancel()
        self._stopped.set()

    def _poll(self, check: Callable[[], bool]) -> None:
        while not self._stopped.wait(CANCEL_POLL_SECONDS):
            try:
                wanted = check()
            except Exception:  # a cache that is down must not end the request
                continue
            if wanted:
                with KILL_LOCK:
                    self.cancelled = not self._done
                self._fire()
                return

    def _fire(self) -> None:
        with KILL_LOCK:
            if not self._done:
                self.fired = True
                if self._sock is not None:
                    _shutdown(self._sock)


def watch(sock: socket.socket) -> None:
    """Put sock under the deadline of the send() running in this context, if any."""
    deadline = current.get()
    if deadline is not None:
        deadline.watch(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)
