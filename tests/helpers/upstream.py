"""A real HTTP server on 127.0.0.1 for tests: it records what it received and answers as told."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How often a test server looks for shutdown(): the default half second was paid by every
# teardown, and was most of the suite's wall time.
SHUTDOWN_POLL_SECONDS = 0.02


@dataclass
class Received:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names
    body: bytes
    header_lines: list[tuple[str, str]] = field(default_factory=list)  # as sent, in order


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b"{}"


Handler = Callable[[Received], Reply]


class Upstream:
    """Start with `with Upstream() as up:`; set `up.handler` or `up.reply` to shape answers."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.reply = Reply()
        self.handler: Handler | None = None
        # A handler may take over the raw socket to misbehave (drip, reset...).
        self.raw: Callable[[socket.socket, Received], None] | None = None
        upstream = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                got = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    list(self.headers.items()),
                )
                upstream.received.append(got)
                if upstream.raw is not None:
                    upstream.raw(self.connection, got)
                    self.close_connection = True
                    return
                reply = upstream.handler(got) if upstream.handler else upstream.reply
                head = [f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
                head += [f"{k}: {v}" for k, v in reply.headers.items()]
                if "content-length" not in {k.lower() for k in reply.headers}:
                    head.append(f"Content-Length: {len(reply.body)}")
                # Headers and body in one send: no delayed-ACK stalls.
                self.wfile.write("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + reply.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            daemon=True,
        )

    def __enter__(self) -> Upstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def last(self) -> Received:
        return self.received[-1]
