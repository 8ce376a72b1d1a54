"""The total deadline of one send(): a watchdog that shuts the connection down when time is up.

Socket timeouts bound each recv, not their sum: a server dripping a byte at a time would
never trip them. Shutting the socket down ends any read, in any phase.

One long-lived thread per process watches every send's deadline (a heap ordered by time), and
one more asks the cancel checks of the sends that have one: starting a thread per send costs
little CPU but, on a busy machine, milliseconds of waiting for the scheduler.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import os
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
        self._check = cancel_check.get()
        _CLOCK.add(self)
        if self._check is not None:
            _POLLER.add(self)

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
            self._sock = None
        if self._check is not None:
            _POLLER.discard(self)

    @property
    def done(self) -> bool:
        return self._done

    def poll(self) -> bool:
        """Ask the cancel check once; True when it said cancel (and the socket is shut)."""
        try:
            wanted = self._check is not None and self._check()
        except Exception:  # a cache that is down must not end the request
            return False
        if wanted:
            with KILL_LOCK:
                self.cancelled = not self._done
            self.fire()
        return bool(wanted)

    def fire(self) -> None:
        with KILL_LOCK:
            if not self._done:
                self.fired = True
                if self._sock is not None:
                    _shutdown(self._sock)


class _Clock:
    """One thread that fires each Deadline when its time comes; stopped ones are skipped."""

    COMPACT_AT = 1024  # stopped deadlines left in the heap before it is rebuilt without them

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # threads do not survive a fork

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._cond:
            if len(self._heap) >= self.COMPACT_AT:
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="send-deadlines")
                self._thread.daemon = True
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._cond.notify()  # sooner than the one the thread waits for

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                deadline = heapq.heappop(self._heap)[2]
            deadline.fire()


class _Poller:
    """One thread that asks every cancellable send's check each CANCEL_POLL_SECONDS."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._watched: dict[int, Deadline] = {}
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._cond:
            self._watched[id(deadline)] = deadline
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="send-cancels")
                self._thread.daemon = True
                self._thread.start()
            self._cond.notify()

    def discard(self, deadline: Deadline) -> None:
        with self._cond:
            self._watched.pop(id(deadline), None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._watched:
                    self._cond.wait()
            time.sleep(CANCEL_POLL_SECONDS)
            with self._cond:
                watched = list(self._watched.values())
            for deadline in watched:  # outside the lock: a check may ask a remote cache
                if not deadline.done and deadline.poll():
                    self.discard(deadline)


_CLOCK = _Clock()
_POLLER = _Poller()


def watch(sock: socket.socket) -> None:
    """Put sock under the deadline of the send() running in this context, if any."""
    deadline = current.get()
    if deadline is not None:
        deadline.watch(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)
