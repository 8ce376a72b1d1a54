"""A Django test client that calls the REST API with a user's personal token."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from connectors.secrets import tokens


class ApiClient:
    """`api.get("/connectors")`, `api.post(path, {...})`: JSON in, the response out."""

    def __init__(self, user: User | None = None, token: str | None = None) -> None:
        self.token = token if token is not None else tokens.issue(user, "tests", 30)[1]
        self.client = Client(raise_request_exception=False)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path: str, body: Any = None, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            f"/api/v1{path}", data, content_type="application/json", headers=self._headers()
        )

    def put(self, path: str, body: Any = None):
        return self._with_body("PUT", path, body)

    def patch(self, path: str, body: Any = None):
        return self._with_body("PATCH", path, body)

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}", headers=self._headers())

    def _with_body(self, method: str, path: str, body: Any):
        data = json.dumps(body if body is not None else {})
        return self.client.generic(
            method, f"/api/v1{path}", data, content_type="application/json", headers=self._headers()
        )

    def send(self, method: str, path: str):
        return self.client.generic(method, f"/api/v1{path}", headers=self._headers())
