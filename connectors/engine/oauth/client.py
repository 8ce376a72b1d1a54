"""One token request, sent through the outbound door, and its answer read.

Failures are AuthFailed with a plain sentence and the endpoint's answer, secrets masked.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from connectors.kinds import CLIENT_AUTH_BASIC, CLIENT_AUTH_BODY, EXPIRES_UNITS
from connectors.lib import redaction
from connectors.lib.outbound import door, errors, messages, urls
from connectors.models import Connector
from connectors.secrets import homes, sealing

FORM = "application/x-www-form-urlencoded"
SHOWN_RESPONSE_CHARS = 1000
# Errors that mean "this grant (refresh token, code) is no good", not "the client is wrong".
REFUSED_GRANT_ERRORS = frozenset({"invalid_grant", "invalid_token", "expired_token"})


class AuthFailed(Exception):
    """A token could not be obtained; the Test stops before the API is called."""

    def __init__(self, message: str, *, status: int | None = None, error: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error

    @property
    def grant_refused(self) -> bool:
        return self.status in (400, 401) and self.error in REFUSED_GRANT_ERRORS


@dataclass
class Token:
    access: str
    expires_at: float | None  # epoch seconds; None when the endpoint gave no lifetime
    refresh: str = ""


@dataclass
class ResponseKeys:
    access_token: str = "access_token"
    expires_in: str = "expires_in"
    unit: str = "seconds"

    @classmethod
    def of(cls, connector: Connector) -> ResponseKeys:
        return cls(
            connector.setting("access_token_key") or "access_token",
            connector.setting("expires_in_key") or "expires_in",
            connector.setting("expires_in_unit") or "seconds",
        )


@dataclass
class Client:
    """Who asks for the token and how it proves it (Oauth2 Client Authentication)."""

    client_id: str = ""
    client_secret: str = ""
    method: str = ""  # CLIENT_AUTH_BODY, CLIENT_AUTH_BASIC, or "" to try Basic then the body


@sensitive_variables("fields", "client", "hide")
def request_token(
    connector: Connector,
    url: str,
    fields: list[tuple[str, str]],
    *,
    client: Client,
    headers: list[tuple[str, str]] | None = None,
    keys: ResponseKeys | None = None,
    hide: list[str] | None = None,
) -> Token:
    """POST the grant's form fields to the token endpoint; raise AuthFailed when refused."""
    keys = keys or ResponseKeys.of(connector)
    headers = headers or []
    hide = [*(hide or []), client.client_secret]
    methods = [client.method] if client.method else [CLIENT_AUTH_BASIC, CLIENT_AUTH_BODY]
    if not client.client_id:
        methods = [CLIENT_AUTH_BODY]  # nothing to authenticate: the grant is the proof
    for attempt, method in enumerate(methods):
        try:
            return _send(connector, url, fields, client, method, headers, keys, hide)
        except AuthFailed as failure:
            retry = failure.status in (400, 401) and failure.error in ("", "invalid_client")
            if attempt + 1 == len(methods) or not retry:
                raise
    raise AssertionError("unreachable")


def _send(
    connector: Connector,
    url: str,
    fields: list[tuple[str, str]],
    client: Client,
    method: str,
    extra_headers: list[tuple[str, str]],
    keys: ResponseKeys,
    hide: list[str],
) -> Token:
    body = list(fields)
    headers = [("Accept", "application/json"), ("Content-Type", FORM), *extra_headers]
    if client.client_id and method == CLIENT_AUTH_BASIC:
        basic = redaction.basic_credentials(client.client_id, client.client_secret)
        headers.append(("Authorization", "Basic " + basic))
        hide = [*hide, basic]
    elif client.client_id:
        body = [("client_id", client.client_id), *body]
        if client.client_secret:
            body.append(("client_secret", client.client_secret))
    # The token request is built: every token-side secret must be at home at this URL.
    homes.check_token_request(connector, url)
    timeout = float(connector.timeout_seconds)
    try:
        response = door.send(
            messages.OutboundRequest(
                method="POST",
                url=url,
                headers=headers,
                body=urlencode(body).encode(),
                timeout=timeout,
                connect_timeout=min(10.0, timeout),
                verify_tls=connector.verify_tls,
                max_bytes=settings.STUDIO_MAX_RESPONSE_BYTES,
                allow=settings.STUDIO_OUTBOUND_ALLOW,
                credential_headers=frozenset({"authorization"}),
                follow_redirects=False,
            )
        )
    except errors.OutboundError as error:
        host = _shown_host(url)
        raise AuthFailed(
            f"Authorization failed: the token request to {host} failed ({error.kind}): "
            f"{sealing.redact(error.message, hide)} The API was not called."
        ) from None
    return _read(response, keys, hide)


def _shown_host(url: str) -> str:
    try:
        return urls.parse(url).origin.shown
    except urls.UnsafeURL:
        return "the token endpoint"


def _read(response: messages.OutboundResponse, keys: ResponseKeys, hide: list[str]) -> Token:
    text = response.body.decode("utf-8", "replace")
    data = _parse(text, dict(response.headers).get("Content-Type", ""))
    found = [str(v) for k, v in data.items() if k.endswith("token") and isinstance(v, str)]
    shown = sealing.redact(text, [*hide, *found])[:SHOWN_RESPONSE_CHARS]
    if not 200 <= response.status < 300:
        error = str(data.get("error") or "")
        raise AuthFailed(
            f"Authorization failed: the token endpoint answered {response.status} "
            f"{error or response.reason}. The API was not called. Response: {shown or '(empty)'}",
            status=response.status,
            error=error,
        )
    access = _dig(data, keys.access_token)
    if not isinstance(access, str) or not access:
        raise AuthFailed(
            f"Authorization failed: the token endpoint answered {response.status} without "
            f"{keys.access_token!r} (the access token key). The API was not called. "
            f"Response: {shown or '(empty)'}",
            status=response.status,
        )
    return Token(access, _expires_at(_dig(data, keys.expires_in), keys.unit), _refresh(data))


def _parse(text: str, content_type: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except RecursionError:  # nested too deeply to be a token answer
        data = {}
    except ValueError:
        # Some endpoints (GitHub's, for one) answer with form data.
        data = dict(parse_qsl(text)) if FORM in content_type.lower() else {}
    return data if isinstance(data, dict) else {}


def _dig(data: dict[str, Any], path: str) -> Any:
    """`access_token`, or a dotted path such as `data.token` for nested answers."""
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _expires_at(value: Any, unit: str) -> float | None:
    try:
        seconds = float(value) * EXPIRES_UNITS.get(unit, 1.0)
    except (TypeError, ValueError):
        return None
    return time.time() + seconds


def _refresh(data: dict[str, Any]) -> str:
    value = data.get("refresh_token")
    return value if isinstance(value, str) else ""
