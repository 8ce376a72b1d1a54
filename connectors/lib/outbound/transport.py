"""Pinned connections, pooled per (scheme, host, port, ip, verify), and capped reading.

A connection goes to the address check_host approved while the URL, Host header and TLS
server name keep the hostname; every socket is put under the current send()'s deadline.
"""

from __future__ import annotations

import http.cookiejar
import logging
import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from connectors.lib.outbound import timing, watchdog
from connectors.lib.outbound.failures import too_large

_CHUNK = 64 * 1024
_REQUEST_LINE = '%s://%s:%s "%s %s %s" %s %s'  # urllib3's DEBUG line for each answer


class _WithoutTarget(logging.Filter):
    """urllib3 logs each request's path and query at DEBUG: they may hold a secret (a Param
    Auth key, a webhook URL's token), so the line keeps the method, host and status only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _REQUEST_LINE and isinstance(record.args, tuple):
            args = list(record.args)
            args[4] = "(path withheld)"
            record.args = tuple(args)
        elif record.msg.startswith(("Redirecting", "Retry")):
            record.args = ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_WithoutTarget())
_MAX_SESSIONS = 64


class _Pinned:
    """Connects to the address check_host approved; Host header and SNI still use the hostname.

    The twin is a dup() of the TCP socket: shutting it down ends the connection even while TLS
    wraps (and detaches) the original, so the deadline covers the handshake too.
    """

    def __init__(self, *args: Any, pinned_ip: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pinned_ip = pinned_ip
        self._twin: socket.socket | None = None
        self._tcp_seconds = 0.0
        self._fresh = False  # connected for the request about to be sent

    def _new_conn(self) -> socket.socket:
        started = time.perf_counter()
        try:
            sock = create_connection(
                (self.pinned_ip, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as e:
            raise ConnectTimeoutError(self, f"Connection to {self.pinned_ip} timed out") from e
        except OSError as e:
            raise NewConnectionError(self, f"Failed to connect to {self.pinned_ip}") from e
        self._tcp_seconds = time.perf_counter() - started
        timing.take("connect", self._tcp_seconds)
        self._fresh = True
        self._close_twin()
        self._twin = sock.dup()
        watchdog.watch(self._twin)
        return sock

    def connect(self) -> None:
        # What connect() takes beyond the TCP connection is the TLS handshake; plain http has none
        # (what it does beyond TCP is our own bookkeeping, not a phase of the exchange).
        started = time.perf_counter()
        self._tcp_seconds = 0.0
        super().connect()
        if isinstance(self, HTTPSConnection):
            timing.take("tls", time.perf_counter() - started - self._tcp_seconds)

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self._twin is not None:  # a pooled connection serving a new send()
            watchdog.watch(self._twin)
            if not self._fresh and (now := timing.current.get()) is not None:
                now.reused = True
        super().request(*args, **kwargs)  # plain http connects in here
        self._fresh = False

    def getresponse(self) -> Any:
        with timing.phase("first_byte"):  # the request is sent: waiting for the answer
            return super().getresponse()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._close_twin()

    def _close_twin(self) -> None:
        with watchdog.KILL_LOCK:  # never close it while a deadline is shutting it down
            if self._twin is not None:
                self._twin.close()
                self._twin = None


class _PinnedHTTPConnection(_Pinned, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_Pinned, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class _PinnedAdapter(HTTPAdapter):
    """Hands requests one pool whose connections all go to the pinned address."""

    def __init__(self, scheme: str, host: str, port: int, ip: str, verify: bool) -> None:
        super().__init__()
        self.pool: HTTPConnectionPool
        if scheme == "https":
            reqs = "CERT_REQUIRED" if verify else "CERT_NONE"
            self.pool = _PinnedHTTPSPool(host, port, maxsize=10, cert_reqs=reqs, pinned_ip=ip)
        else:
            self.pool = _PinnedHTTPPool(host, port, maxsize=10, pinned_ip=ip)

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> HTTPConnectionPool:
        return self.pool

    def close(self) -> None:
        super().close()
        self.pool.close()


class PinnedSession(requests.Session):
    def __init__(self, adapter: _PinnedAdapter) -> None:
        super().__init__()
        self.trust_env = False  # no proxy, .netrc or CA bundle from the environment
        # Shared by every user of the studio: remember no cookies between sends.
        self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None  # we follow redirects ourselves; requests would first read the whole body


_sessions: dict[tuple[str, str, int, str, bool], PinnedSession] = {}
_sessions_lock = threading.Lock()


def session_for(scheme: str, host: str, port: int, ip: str, verify: bool) -> PinnedSession:
    """The pooled session whose connections go to ip (the least recently used one is dropped)."""
    key = (scheme, host, port, ip, verify)
    with _sessions_lock:
        session = _sessions.pop(key, None) or PinnedSession(_PinnedAdapter(*key))
        _sessions[key] = session  # most recently used last
        if len(_sessions) > _MAX_SESSIONS:  # DNS rotation would otherwise grow this forever
            _sessions.pop(next(iter(_sessions))).close()
    return session


def read_capped(resp: requests.Response, max_bytes: int) -> bytes:
    """Read the decompressed body in chunks, stopping as soon as it passes max_bytes."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes and "Content-Encoding" not in resp.headers:
        raise too_large(max_bytes)  # fail fast; a compressed body is judged after decoding
    body = bytearray()
    with timing.phase("download"):
        for chunk in resp.iter_content(_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise too_large(max_bytes)
    return bytes(body)
