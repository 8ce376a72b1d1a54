"""The way of a Test: prepare (template + auth) -> send (outbound) -> TestRun.

Every failure becomes a stored TestRun with an error kind and a plain sentence;
nothing here raises to the view.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.views.decorators.debug import sensitive_variables

from connectors import auth, curl, outbound, rendering, secrets, templating
from connectors.forms import is_json_content_type
from connectors.models import Action, Connector, TestRun

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
PLACEHOLDER_RE = re.compile(r"\$([A-Za-z_]\w*)")


class ExecutionError(Exception):
    """A failure before anything is sent, with the kind the panel shows."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Prepared:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: str
    auth: auth.AuthParts = field(default_factory=auth.AuthParts)
    curl_url: str = ""
    curl_headers: list[tuple[str, str]] = field(default_factory=list)


def _merge_headers(*layers: Mapping[str, str]) -> list[tuple[str, str]]:
    """Later layers win, names compared case-insensitively, first spelling's position kept."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for key, value in layer.items():
            merged[key.lower()] = (merged.get(key.lower(), (key, ""))[0], value)
    return list(merged.values())


def _body_escape(content_type: str | None) -> Callable[[str], str]:
    if is_json_content_type(content_type):
        return templating.escape_json_string
    if (content_type or "").split(";")[0].strip().lower() == FORM_CONTENT_TYPE:
        return templating.escape_form
    return templating.escape_none


def _render_rows(rows: list[dict[str, str]], values: Mapping[str, object]) -> dict[str, str]:
    rendered: dict[str, str] = {}
    for row in rows:
        key = templating.render(row["key"], values)
        value = templating.render(row["value"], values)
        # A section that rendered to nothing drops the whole row (an optional param).
        if not value and "{{#" in row["value"]:
            continue
        rendered[key] = value
    return rendered


def _values(action: Action, inputs: Mapping[str, str]) -> dict[str, object]:
    """Inputs as given; an optional arg left empty counts as absent for sections."""
    return {name: value for name, value in inputs.items() if value is not None}


class HostOutsideTemplate(Exception):
    """An input made the Base URL's host something other than the connector's own."""


HOST_RE = re.compile(r"^[a-z]+://([^/?#]*)", re.IGNORECASE)
TEMPLATE_TAG_RE = re.compile(r"\{\{\{?[^}]*\}?\}\}")


def _check_rendered_host(template: str, rendered: str) -> None:
    """Each template in the Base URL's host may fill one DNS label, nothing more.

    So `https://{{instance}}.service-now.com` stays under service-now.com whatever the
    input, and a connector's secrets never travel to a host an input chose.
    """
    host_template = HOST_RE.match(template)
    host = HOST_RE.match(rendered)
    if host_template is None or "{{" not in host_template.group(1):
        return
    literal_parts = TEMPLATE_TAG_RE.split(host_template.group(1))
    pattern = "[A-Za-z0-9-]+".join(re.escape(part) for part in literal_parts)
    if host is None or not re.fullmatch(pattern, host.group(1)):
        shown = host.group(1) if host else rendered
        raise HostOutsideTemplate(
            f"The inputs made the host “{shown}”, which does not fit the Base URL "
            f"{template}: each {{{{...}}}} in a host fills one name without dots. "
            "Nothing was sent."
        )


@sensitive_variables("parts")
def prepare(action: Action, inputs: Mapping[str, str]) -> Prepared:
    connector: Connector = action.connector
    values = _values(action, inputs)
    base = templating.render(connector.base_url, values, escape=templating.escape_path_segment)
    _check_rendered_host(connector.base_url, base)
    path = templating.render(action.path, values, escape=templating.escape_path_segment)
    params = _render_rows(action.query_params, values)
    common_plain = [row for row in connector.headers if "secret" not in row]
    common_secret = auth.common_secret_headers(connector)
    action_headers = _render_rows(action.headers, values)
    headers = _merge_headers(
        _render_rows(common_plain, values), common_secret.headers, action_headers
    )
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    body = templating.render(action.body, values, escape=_body_escape(content_type))

    parts = auth.apply(connector)
    all_params = {**params, **parts.params}
    url = base.rstrip("/") + path
    full_url = url + ("?" + urlencode(list(all_params.items())) if all_params else "")
    shown_params = {**params, **parts.placeholders_for(parts.params)}
    curl_url = url + ("?" + urlencode(list(shown_params.items()), safe="$") if shown_params else "")
    header_layers = _merge_headers(dict(headers), parts.headers)
    curl_headers = _merge_headers(
        _render_rows(common_plain, values),
        common_secret.placeholders_for(common_secret.headers),
        action_headers,
        parts.placeholders_for(parts.headers),
    )
    # Secret common headers are credentials too: masked, and never sent to another host.
    parts.secret_values = [*parts.secret_values, *common_secret.secret_values]
    parts.placeholders = {**common_secret.placeholders, **parts.placeholders}
    parts.credential_header_names = {*common_secret.headers, *parts.headers}
    return Prepared(
        method=action.method,
        url=full_url,
        headers=header_layers,
        body=body,
        auth=parts,
        curl_url=curl_url,
        curl_headers=curl_headers,
    )


def _outbound_request(connector: Connector, prepared: Prepared) -> outbound.OutboundRequest:
    return outbound.OutboundRequest(
        method=prepared.method,
        url=prepared.url,
        headers=prepared.headers,
        body=prepared.body.encode() if prepared.body else None,
        timeout=float(connector.timeout_seconds),
        connect_timeout=min(10.0, float(connector.timeout_seconds)),
        verify_tls=connector.verify_tls,
        max_bytes=settings.STUDIO_MAX_RESPONSE_BYTES,
        allow=settings.STUDIO_OUTBOUND_ALLOW,
        credential_headers=frozenset(k.lower() for k in prepared.auth.credential_header_names),
        credential_params=frozenset(prepared.auth.params),
    )


def _prepare_or_fail(action: Action, inputs: Mapping[str, str]) -> Prepared:
    try:
        return prepare(action, inputs)
    except templating.ConstructError as error:
        raise ExecutionError(
            "ConstructError", f"{error} Fill it in and press Test again."
        ) from None
    except templating.TemplateError as error:
        raise ExecutionError("ConstructError", f"Failed to construct request: {error}") from None
    except secrets.CredentialMissing as error:
        raise ExecutionError(
            "CredentialMissing",
            f"{error}: ask an Admin to create it, or put the value in the connector's "
            "secret field. Nothing was sent.",
        ) from None
    except HostOutsideTemplate as error:
        raise ExecutionError("Blocked", str(error)) from None
    except secrets.SecretUnreadable as error:
        raise ExecutionError("SecretUnreadable", str(error)) from None
    except auth.AuthFailed as error:
        raise ExecutionError("AuthFailed", error.message) from None


@sensitive_variables("prepared", "inputs")
def run(
    action: Action, inputs: Mapping[str, str], user: AbstractBaseUser | AnonymousUser | None
) -> TestRun:
    """Send the action with these inputs and store what happened as a TestRun."""
    record = TestRun(
        action=action,
        user=user if user is not None and user.is_authenticated else None,
        inputs=dict(inputs),
        request_method=action.method,
    )
    secret_values: list[str] = []
    try:
        prepared = _prepare_or_fail(action, inputs)
        secret_values = prepared.auth.secret_values
        _record_request(record, prepared)
        response = outbound.send(_outbound_request(action.connector, prepared))
        if response.status == 401 and auth.reauthorize(action.connector, prepared.auth):
            # The token was refused (revoked, expired early): one new token, one retry.
            prepared = _prepare_or_fail(action, inputs)
            secret_values = [*secret_values, *prepared.auth.secret_values]
            _record_request(record, prepared)
            response = outbound.send(_outbound_request(action.connector, prepared))
    except ExecutionError as error:
        record.error_kind, record.error_message = error.kind, error.message
    except outbound.OutboundError as error:
        record.error_kind, record.error_message = error.kind, error.message
        record.elapsed_ms = getattr(error, "elapsed_ms", None)
    else:
        _record_response(record, response, secret_values)
    record.error_message = secrets.redact(record.error_message, secret_values)
    _reconnect_if_dropped()
    record.save()
    logger.info(
        "Test %s: %s", action, record.error_kind or f"{record.status} in {record.elapsed_ms} ms"
    )
    return record


def _reconnect_if_dropped() -> None:
    """A Test may wait on an API for its whole timeout, long enough for the database to drop
    an idle connection (restart, failover): check it again, as at the start of a request."""
    # Not close_if_unusable_or_obsolete(): with CONN_MAX_AGE=0 it always closes, and the
    # save would pay for a new connection on every Test.
    if connection.in_atomic_block or connection.connection is None:
        return
    if not connection.is_usable():
        connection.close()


def _record_request(record: TestRun, prepared: Prepared) -> None:
    hide = prepared.auth.secret_values
    # As on the wire (a non-ASCII path percent-encoded), so the cURL copy runs as it is.
    record.request_url = secrets.redact(outbound.wire_url(prepared.url), hide)
    record.request_headers = [(k, secrets.redact(v, hide)) for k, v in prepared.headers]
    record.request_body = secrets.redact(prepared.body, hide)
    record.request_curl = curl.to_curl(
        prepared.method,
        secrets.redact(outbound.wire_url(prepared.curl_url), hide),
        [(k, secrets.redact(v, hide)) for k, v in prepared.curl_headers],
        secrets.redact(prepared.body, hide) or None,
        placeholders=set(PLACEHOLDER_RE.findall(" ".join(prepared.auth.placeholders.values()))),
    )


def _record_response(record: TestRun, response: outbound.OutboundResponse, hide: list[str]) -> None:
    content_type = next((v for k, v in response.headers if k.lower() == "content-type"), "")
    shown = rendering.render_body(
        response.body, content_type, display_cap=settings.STUDIO_DISPLAY_BYTES, highlight_cap=0
    )
    record.status = response.status
    record.reason = response.reason
    record.response_headers = [(k, secrets.redact(v, hide)) for k, v in response.headers]
    record.content_type = content_type
    record.is_binary = shown.kind == "binary"
    record.response_body = "" if record.is_binary else secrets.redact(shown.text, hide)
    if record.is_binary:
        _keep_bytes(record, response.body, hide)
    record.body_truncated = shown.truncated
    record.elapsed_ms = response.elapsed_ms
    record.size = response.size
    record.final_url = secrets.redact(response.url, hide)
    record.redirects = [
        {
            "url": secrets.redact(outbound.wire_url(hop.url), hide),
            "status": hop.status,
            "location": secrets.redact(hop.location, hide),
            "set_cookies": [_masked_cookie(secrets.redact(c, hide)) for c in hop.set_cookies],
        }
        for hop in response.hops
    ]


BYTES_WITHHELD = (
    "The body holds a secret of this connector, and bytes cannot be masked like text: "
    "they were not kept, so there is nothing to download."
)


def _keep_bytes(record: TestRun, body: bytes, hide: list[str]) -> None:
    """Keep a binary body for its download, unless it holds a secret in any encoding we know."""
    if secrets.found_in_bytes(body, hide):
        record.bytes_withheld = BYTES_WITHHELD
    else:
        record.response_bytes = body


def _masked_cookie(set_cookie: str) -> str:
    """A Set-Cookie seen on a redirect, its value masked: it is usually a fresh session."""
    pair, sep, attributes = set_cookie.partition(";")
    name, equals, value = pair.partition("=")
    shown = secrets.mask(value.strip()) if value.strip() else ""
    return f"{name.strip()}{equals}{shown}{sep}{attributes}"
