"""A real HTTP Digest server (RFC 7616 server side; RFC 2069 without qop) on 127.0.0.1.

Every request without a valid Authorization gets a 401 with a fresh nonce; one with a Digest
answer is checked by recomputing the response hash from the password it knows, the nonce it
issued, the method and the URI, and by refusing an nc it has already seen for that nonce.
Every request's raw bytes are kept, so a test can check the password never travelled.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.helpers.upstream import SHUTDOWN_POLL_SECONDS

HASHES = {
    "MD5": lambda text: hashlib.md5(text.encode(), usedforsecurity=False).hexdigest(),
    "SHA-256": lambda text: hashlib.sha256(text.encode()).hexdigest(),
}
PARAM_RE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]*)')


def parse_params(text: str) -> dict[str, str]:
    return {k: v[1:-1] if v.startswith('"') else v for k, v in PARAM_RE.findall(text)}


@dataclass
class DigestServer:
    username: str = "ada"
    password: str = "digest-pass-0123456789"
    realm: str = "studio@example.test"
    algorithms: tuple[str, ...] = ("SHA-256", "MD5")  # offered, in this order
    qop: str | None = "auth"  # None: the legacy RFC 2069 challenge

    def __post_init__(self) -> None:
        self.raw: list[bytes] = []  # every request as it arrived (head and body)
        self.authorizations: list[dict[str, str]] = []
        self.accepted: list[dict[str, str]] = []
        self.nonces: set[str] = set()
        self.seen_nc: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                head = self.requestline + "\r\n" + str(self.headers)
                with server._lock:
                    server.raw.append(head.encode("latin-1", "replace") + body)
                status, extra, payload = server._answer(
                    self.command, self.path, self.headers.get("Authorization", "")
                )
                lines = [f"HTTP/1.1 {status} {self.responses[status][0]}"]
                lines += [f"{k}: {v}" for k, v in extra]
                lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
                self.wfile.write("\r\n".join(lines).encode() + b"\r\n\r\n" + payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            daemon=True,
        )

    def __enter__(self) -> DigestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _challenges(self) -> list[tuple[str, str]]:
        nonce = secrets.token_hex(16)
        with self._lock:
            self.nonces.add(nonce)
        headers = []
        for algorithm in self.algorithms:
            qop = f', qop="{self.qop}"' if self.qop else ""
            value = f'Digest realm="{self.realm}"{qop}, algorithm={algorithm}, '
            value += f'nonce="{nonce}", opaque="opaque-1"'
            headers.append(("WWW-Authenticate", value))
        return headers

    def _answer(self, method: str, uri: str, authorization: str) -> tuple:
        if not authorization.startswith("Digest "):
            return 401, self._challenges(), b'{"error": "authenticate"}'
        params = parse_params(authorization[7:])
        with self._lock:
            self.authorizations.append(params)
        if self._valid(method, uri, params):
            with self._lock:
                self.accepted.append(params)
            return 200, [], b'{"ok": true}'
        return 401, self._challenges(), b'{"error": "bad digest"}'

    def _valid(self, method: str, uri: str, p: dict[str, str]) -> bool:
        algorithm = p.get("algorithm", "MD5")
        if algorithm not in self.algorithms or p.get("nonce") not in self.nonces:
            return False
        if p.get("username") != self.username or p.get("realm") != self.realm:
            return False
        if p.get("uri") != uri or p.get("opaque") != "opaque-1":
            return False
        h = HASHES[algorithm]
        ha1 = h(f"{self.username}:{self.realm}:{self.password}")
        ha2 = h(f"{method}:{uri}")
        if self.qop:
            if p.get("qop") != "auth" or not p.get("cnonce") or not p.get("nc"):
                return False
            with self._lock:
                if (p["nonce"], p["nc"]) in self.seen_nc:
                    return False  # a replayed count
                self.seen_nc.add((p["nonce"], p["nc"]))
            expected = h(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:auth:{ha2}")
        else:
            expected = h(f"{ha1}:{p['nonce']}:{ha2}")
        return secrets.compare_digest(expected, p.get("response", ""))

    def password_travelled(self) -> bool:
        """The password in any request, as is or in base64 (a Basic header)."""
        needles = [self.password.encode(), base64.b64encode(self.password.encode())]
        needles.append(base64.b64encode(f"{self.username}:{self.password}".encode()))
        return any(needle in raw for raw in self.raw for needle in needles)
