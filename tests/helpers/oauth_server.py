"""A small, real OAuth 2.0 authorization server with a protected API, on 127.0.0.1, for tests.

POST /token    client_credentials, password, refresh_token, authorization_code (PKCE S256),
               urn:ietf:params:oauth:grant-type:jwt-bearer, and any grant listed in `custom`;
               client authentication by Basic header or request body, as `accept` allows;
               JWTs (assertion or client_assertion) verified with `public_key`.
GET /authorize approves at once: redirects to redirect_uri with a code and the state.
anything else  the API: 200 with a valid Bearer token, else 401.

Every request is recorded, so tests check what the endpoint received.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt

from tests.helpers.upstream import SHUTDOWN_POLL_SECONDS

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class TokenRequest:
    form: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    client_auth: str | None  # "basic", "body" or None
    answer: int = 0  # the status the server answered


@dataclass
class ApiRequest:
    path: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class AuthServer:
    client_id: str = "studio-client"
    client_secret: str = "client-secret-0123456789"
    accept: tuple[str, ...] = ("basic", "body")
    expires_in: Any = 3600
    expires_key: str = "expires_in"
    token_key: str = "access_token"
    refresh_for: tuple[str, ...] = ("password", "refresh_token", "authorization_code")
    rotate_refresh: bool = False
    users: dict[str, str] = field(default_factory=lambda: {"ada": "ada-password-123"})
    custom: dict[str, list[str]] = field(default_factory=dict)  # grant -> required fields
    public_key: Any = None  # verifies JWT assertions and, when `api_accepts_jwt`, API calls
    api_accepts_jwt: bool = False
    delay: float = 0.0  # seconds the token endpoint takes, so concurrent Tests overlap
    api_always_401: bool = False
    api_stagger: float = 0.0  # the n-th API call waits n times this before answering
    token_redirect: str = ""  # answer /token with a 307 to this URL
    token_path: str = "/token"  # where the token endpoint listens
    authorize_path: str = "/authorize"
    jwt_audience: str = ""  # the aud a JWT must carry; blank means the token URL

    def __post_init__(self) -> None:
        self.token_requests: list[TokenRequest] = []
        self.api_requests: list[ApiRequest] = []
        self.access_tokens: dict[str, float] = {}  # token -> expires at
        self.refresh_tokens: set[str] = set()
        self.codes: dict[str, dict[str, str]] = {}
        self.jwt_claims: list[dict[str, Any]] = []
        self.jwt_headers: list[dict[str, Any]] = []
        self.authorize_queries: list[dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                headers = {k.lower(): v for k, v in self.headers.items()}
                if urlsplit(self.path).path == server.token_path:
                    self._answer(*server._token(dict(parse_qsl(body)), headers))
                else:
                    self._answer(*server._api(self.path, headers))

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                parts = urlsplit(self.path)
                if parts.path == server.authorize_path:
                    self._answer(*server._authorize(dict(parse_qsl(parts.query))))
                else:
                    self._answer(*server._api(self.path, headers))

            def _answer(self, status: int, data: Any, extra: dict[str, str] | None = None) -> None:
                body = json.dumps(data).encode()
                head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
                head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
                head += [f"{k}: {v}" for k, v in (extra or {}).items()]
                self.wfile.write("\r\n".join(head).encode() + b"\r\n\r\n" + body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.token_url = f"{self.url}{self.token_path}"
        self.authorize_url = f"{self.url}{self.authorize_path}"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            daemon=True,
        )

    def __enter__(self) -> AuthServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests use ------------------------------------------------------------------------

    @property
    def grants(self) -> list[str]:
        return [r.form.get("grant_type", "") for r in self.token_requests]

    def revoke_access_tokens(self) -> None:
        with self._lock:
            self.access_tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self.refresh_tokens.clear()

    def add_refresh_token(self, token: str) -> None:
        with self._lock:
            self.refresh_tokens.add(token)

    # --- the token endpoint --------------------------------------------------------------------

    def _token(self, form: dict[str, str], headers: dict[str, str]) -> tuple:
        record = TokenRequest(form, headers, None)
        with self._lock:
            self.token_requests.append(record)
        if self.delay:
            time.sleep(self.delay)
        if self.token_redirect:
            record.answer = 307
            return 307, {}, {"Location": self.token_redirect}
        status, data = self._grant(form, headers, record)
        record.answer = status
        return status, data

    def _grant(self, form: dict[str, str], headers: dict[str, str], record: TokenRequest) -> tuple:
        grant = form.get("grant_type", "")
        uses_assertion = grant == JWT_BEARER or "client_assertion" in form
        if not uses_assertion:
            record.client_auth = self._client_auth(form, headers)
            if record.client_auth is None:
                return 401, {"error": "invalid_client", "error_description": "Bad client."}
        if "client_assertion" in form:
            if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
                return 400, {"error": "invalid_request"}
            if not self._verify(form["client_assertion"]):
                return 401, {"error": "invalid_client", "error_description": "Bad signature."}
        if grant == "client_credentials":
            return self._issue(grant, form)
        if grant == "password":
            if self.users.get(form.get("username", "")) != form.get("password"):
                return 400, {"error": "invalid_grant", "error_description": "Bad credentials."}
            return self._issue(grant, form)
        if grant == "refresh_token":
            with self._lock:
                known = form.get("refresh_token") in self.refresh_tokens
                if known and self.rotate_refresh:
                    self.refresh_tokens.discard(form["refresh_token"])
            if not known:
                return 400, {"error": "invalid_grant", "error_description": "Token revoked."}
            return self._issue(grant, form)
        if grant == "authorization_code":
            return self._code(form)
        if grant == JWT_BEARER:
            if not self._verify(form.get("assertion", "")):
                return 400, {"error": "invalid_grant", "error_description": "Bad assertion."}
            return self._issue(grant, form)
        if grant in self.custom:
            if missing := [f for f in self.custom[grant] if not form.get(f)]:
                return 400, {"error": "invalid_request", "error_description": f"No {missing}."}
            return self._issue(grant, form)
        return 400, {"error": "unsupported_grant_type"}

    def _client_auth(self, form: dict[str, str], headers: dict[str, str]) -> str | None:
        basic = headers.get("authorization", "")
        if basic.startswith("Basic ") and "basic" in self.accept:
            pair = base64.b64decode(basic[6:]).decode()
            if pair == f"{self.client_id}:{self.client_secret}":
                return "basic"
        pair = (form.get("client_id"), form.get("client_secret"))
        if "body" in self.accept and not basic and pair == (self.client_id, self.client_secret):
            return "body"
        return None

    def _code(self, form: dict[str, str]) -> tuple:
        with self._lock:
            issued = self.codes.pop(form.get("code", ""), None)
        if issued is None or issued["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "Unknown code."}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).decode().rstrip("=") != issued["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE check failed."}
        return self._issue("authorization_code", form)

    def _verify(self, token: str) -> bool:
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256", "ES256"],
                audience=self.jwt_audience or self.token_url,
            )
        except jwt.PyJWTError:
            return False
        self.jwt_claims.append(claims)
        self.jwt_headers.append(jwt.get_unverified_header(token))
        return True

    def _issue(self, grant: str, form: dict[str, str]) -> tuple:
        access = f"at-{len(self.token_requests)}-{secrets.token_hex(12)}"
        data: dict[str, Any] = {self.token_key: access, "token_type": "Bearer"}
        if self.expires_in is not None:
            data[self.expires_key] = self.expires_in
        with self._lock:
            # The API honours a token for an hour whatever it said: tests of the client's own
            # expiry handling stay apart from 401s (revoke_access_tokens makes those).
            self.access_tokens[access] = time.time() + 3600
            if grant in self.refresh_for:
                data["refresh_token"] = refresh = f"rt-{secrets.token_hex(12)}"
                self.refresh_tokens.add(refresh)
        if "scope" in form:
            data["scope"] = form["scope"]
        return 200, data

    # --- /authorize and the API ----------------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> tuple:
        if query.get("client_id") != self.client_id or query.get("code_challenge_method") != "S256":
            return 400, {"error": "invalid_request"}
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.codes[code] = {
                "challenge": query["code_challenge"],
                "redirect_uri": query["redirect_uri"],
            }
        self.authorize_queries.append(query)
        target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return 302, {}, {"Location": target}

    def _api(self, path: str, headers: dict[str, str]) -> tuple:
        record = ApiRequest(path, headers)
        with self._lock:
            self.api_requests.append(record)
            wait = self.api_stagger * (len(self.api_requests) - 1)
        time.sleep(wait)
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            valid = self.access_tokens.get(token, 0) > time.time()
        if self.api_accepts_jwt and not valid:
            valid = self._verify_api_jwt(token)
        record.status = 401 if self.api_always_401 or not valid else 200
        if record.status == 401:
            return 401, {"error": "invalid_token"}
        return 200, {"ok": True, "path": path}

    def _verify_api_jwt(self, token: str) -> bool:
        try:
            claims = jwt.decode(
                token, self.public_key, algorithms=["RS256", "ES256"], audience=self.url
            )
        except jwt.PyJWTError:
            return False
        self.jwt_claims.append(claims)
        self.jwt_headers.append(jwt.get_unverified_header(token))
        return True
