"""A stand-in for any guide's API on 127.0.0.1: the OAuth server of tests/oauth_server.py, or,
for static auth, an API that answers 200 only to the header, query param or Basic credentials
the real API expects. Every request is recorded for the test to check."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from tests.helpers.oauth_server import ApiRequest, AuthServer


@dataclass
class StaticAuth:
    kind: str  # "header", "param" or "basic"
    name: str = ""  # the header's or the query param's name
    value: str = ""  # the exact value expected (pattern applied)
    username: str = ""
    password: str = ""


@dataclass
class GuideStandIn(AuthServer):
    static: StaticAuth | None = None
    # Headers every API call must carry besides the auth (e.g. a second key).
    api_headers: dict[str, str] = field(default_factory=dict)

    def _api(self, path: str, headers: dict[str, str]) -> tuple:
        missing = [k for k, v in self.api_headers.items() if headers.get(k.lower()) != v]
        if self.static is None:
            status, data, *rest = super()._api(path, headers)
            if status == 200 and missing:
                self.api_requests[-1].status = 401
                return 401, {"error": f"missing {missing}"}
            return (status, data, *rest)
        record = ApiRequest(path, headers)
        with self._lock:
            self.api_requests.append(record)
        ok = self._static_ok(path, headers) and not missing
        record.status = 200 if ok else 401
        return (200, {"ok": True, "path": path}) if ok else (401, {"error": "unauthorized"})

    def _static_ok(self, path: str, headers: dict[str, str]) -> bool:
        auth = self.static
        assert auth is not None
        if auth.kind == "header":
            return headers.get(auth.name.lower()) == auth.value
        if auth.kind == "param":
            return dict(parse_qsl(urlsplit(path).query)).get(auth.name) == auth.value
        pair = f"{auth.username}:{auth.password}".encode()
        return headers.get("authorization") == "Basic " + base64.b64encode(pair).decode()
