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

KILL_LOCK = threading.Lock()  # guards every Deadline and the closing of watched sockets
current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("deadline", default=None)


class Deadline:
    """Shuts the watched socket down when the total time is up, unless stopped first."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.fired = False
        self._done = False
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

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
