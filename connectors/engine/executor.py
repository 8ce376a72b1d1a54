"""The way of a Test: prepare (template + auth) -> send (outbound) -> TestRun.

Every failure becomes a stored TestRun with an error kind and a plain sentence;
nothing here raises to the view.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.views.decorators.debug import sensitive_variables

from connectors import bodies, variables
from connectors.engine import checks, runs
from connectors.engine.auth import strategies
from connectors.engine.drafts import Draft
from connectors.lib import header_rules, redaction, rendering, templating
from connectors.lib.curl import export
from connectors.lib.outbound import door, errors, messages, urls
from connectors.models import Action, Connector, TestRun
from connectors.secrets import homes, references, sealing

logger = logging.getLogger(__name__)

PLACEHOLDER_RE = re.compile(r"\$([A-Za-z_]\w*)")


Kind = TestRun.ErrorKind


class ExecutionError(Exception):
    """A failure before anything is sent, with the kind the panel shows (and, for a team
    credential that does not exist, its name: the panel offers to create it)."""

    def __init__(self, kind: Kind, message: str, missing_credential: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.missing_credential = missing_credential


@dataclass
class Prepared:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: str
    auth: strategies.AuthParts = field(default_factory=strategies.AuthParts)
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
    if bodies.is_json_content_type(content_type):
        return templating.escape_json_string
    if bodies.is_form_content_type(content_type):
        return templating.escape_form
    return templating.escape_none


def _limit() -> int:
    """No rendered part of a request may pass this; rendering stops as soon as one does."""
    return settings.STUDIO_MAX_REQUEST_BYTES


def _render_pairs(
    rows: list[dict[str, str]], values: Mapping[str, object]
) -> list[tuple[str, str]]:
    """Rows rendered in order; a key may repeat (`tag=a&tag=b`)."""
    rendered: list[tuple[str, str]] = []
    for row in rows:
        key = templating.render(row["key"], values, limit=_limit())
        value = templating.render(row["value"], values, limit=_limit())
        # A section that rendered to nothing drops the whole row (an optional param).
        if not value and "{{#" in row["value"]:
            continue
        rendered.append((key, value))
    return rendered


def _render_rows(rows: list[dict[str, str]], values: Mapping[str, object]) -> dict[str, str]:
    return dict(_render_pairs(rows, values))


# Kept here by name: the host rule is the executor's as much as the token requests'.
HostOutsideTemplate = variables.HostOutsideTemplate
_check_rendered_host = variables.check_rendered_host


# What requests leaves as it is when it quotes a URL (requests.utils.requote_uri).
PATH_SAFE = "!#$%&'()*+,/:;=?@[]~"


class ParamCollision(Exception):
    """An action query param has the name the Param Auth sends the Api Key under."""


def _check_param_collision(params: list[tuple[str, str]], auth_params: dict[str, str]) -> None:
    if clash := sorted({key for key, _ in params} & set(auth_params)):
        raise ParamCollision(
            f"The query param {clash[0]} is also the connector's Param Auth Param Name: "
            "rename one of them. Nothing was sent."
        )


@sensitive_variables("parts")
def prepare(
    action: Action, inputs: Mapping[str, str], arg_types: Mapping[str, str] | None = None
) -> Prepared:
    connector: Connector = action.connector
    values = variables.with_inputs(connector, inputs)
    in_path = templating.escape_path_segment
    base = variables.render_url(connector.base_url, values, limit=_limit())
    path = templating.render(action.path, values, escape=in_path, limit=_limit())
    params = _render_pairs(action.query_params, values)
    # A space or a non-ASCII letter typed in the path is sent percent-encoded, as requests would
    # send it; encoded first, so whitespace is refused only where parsers disagree (the host).
    path = quote(path, safe=PATH_SAFE)
    # Parsed once, here: the homes, the guard and the wire all read this canonical URL.
    url = urls.parse(base.rstrip("/") + path, what="The request URL").text
    common_plain = [row for row in connector.headers if "secret" not in row]
    # Every secret's home is checked against the final URL, where the request is built.
    common_secret = strategies.common_secret_headers(connector, url)
    action_headers = _render_rows(action.headers, values)
    headers = _merge_headers(
        _render_rows(common_plain, values), common_secret.headers, action_headers
    )
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    inferred: dict[str, str] = {}
    if content_type is None:
        if arg_types is None:
            arg_types = {arg.name: arg.data_type for arg in action.input_args.all()}
        if found := bodies.inferred_type(action.body, arg_types):
            content_type = inferred["Content-Type"] = found
    body = templating.render(action.body, values, escape=_body_escape(content_type), limit=_limit())
    if len(body.encode()) > _limit():
        raise templating.RenderTooLarge(_limit())

    # Before strategies.apply(): a bad header stops the Test before even a token request.
    header_rules.check(headers, common_secret.headers)
    parts = strategies.apply(connector, url)
    _check_param_collision(params, parts.params)
    all_params = [*params, *parts.params.items()]
    full_url = url + ("?" + urlencode(all_params) if all_params else "")
    shown_params = [*params, *parts.placeholders_for(parts.params).items()]
    curl_url = url + ("?" + urlencode(shown_params, safe="$") if shown_params else "")
    header_layers = _merge_headers(dict(headers), inferred, parts.headers)
    curl_headers = _merge_headers(
        _render_rows(common_plain, values),
        common_secret.placeholders_for(common_secret.headers),
        action_headers,
        inferred,
        parts.placeholders_for(parts.headers),
    )
    # Secret common headers are credentials too: masked, and never sent to another host.
    parts.secret_values = [*parts.secret_values, *common_secret.secret_values]
    parts.placeholders = {**common_secret.placeholders, **parts.placeholders}
    parts.credential_header_names = {*common_secret.headers, *parts.headers}
    header_rules.check(parts.headers.items(), parts.headers)
    return Prepared(
        method=action.method,
        url=full_url,
        headers=header_layers,
        body=body,
        auth=parts,
        curl_url=curl_url,
        curl_headers=curl_headers,
    )


def _outbound_request(connector: Connector, prepared: Prepared) -> messages.OutboundRequest:
    return messages.OutboundRequest(
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
        digest=prepared.auth.digest,
    )


def _prepare_or_fail(
    action: Action, inputs: Mapping[str, str], arg_types: Mapping[str, str] | None
) -> Prepared:
    try:
        return prepare(action, inputs, arg_types)
    except templating.ConstructError as error:
        raise ExecutionError(
            Kind.CONSTRUCT_ERROR, f"{error} Fill it in and press Test again."
        ) from None
    except templating.TemplateError as error:
        raise ExecutionError(
            Kind.CONSTRUCT_ERROR, f"Failed to construct request: {error}"
        ) from None
    except references.CredentialMissing as error:
        if references.is_env_credential(error.name):
            raise ExecutionError(
                Kind.CREDENTIAL_MISSING,
                f"environment {error}: set the environment variable {error.name} on the "
                "server (it is listed in STUDIO_ENV_CREDENTIALS). Nothing was sent.",
            ) from None
        raise ExecutionError(
            Kind.CREDENTIAL_MISSING,
            f"{error}: ask an Admin to create it, or put the value in the connector's "
            "secret field. Nothing was sent.",
            missing_credential=error.name,
        ) from None
    except templating.RenderTooLarge:
        raise ExecutionError(
            Kind.REQUEST_TOO_LARGE,
            f"The request would be larger than {_size(_limit())} "
            "(STUDIO_MAX_REQUEST_BYTES): the inputs make the body, path or a header too "
            "long. Nothing was sent.",
        ) from None
    except header_rules.InvalidHeader as error:
        raise ExecutionError(Kind.INVALID_HEADER, f"{error} Nothing was sent.") from None
    except HostOutsideTemplate as error:
        raise ExecutionError(Kind.BLOCKED, str(error)) from None
    except urls.UnsafeURL as error:
        kind = Kind.INVALID_URL if error.invalid else Kind.BLOCKED
        raise ExecutionError(kind, f"{error.message} Nothing was sent.") from None
    except ParamCollision as error:
        raise ExecutionError(Kind.CONSTRUCT_ERROR, str(error)) from None
    except homes.Refused as error:
        raise ExecutionError(Kind.BLOCKED, error.message) from None
    except homes.NotSet as error:
        raise ExecutionError(Kind.CREDENTIAL_MISSING, error.message) from None
    except sealing.SecretUnreadable as error:
        raise ExecutionError(Kind.SECRET_UNREADABLE, str(error)) from None
    except strategies.AuthFailed as error:
        raise ExecutionError(Kind.AUTH_FAILED, error.message) from None


@sensitive_variables("inputs")
def run(
    action: Action,
    inputs: Mapping[str, str],
    user: AbstractBaseUser | AnonymousUser | None,
    *,
    draft: Draft | None = None,
) -> TestRun:
    """Send the action (or an unsaved draft of its request) with these inputs and store what
    happened as a TestRun of the action, the draft kept with it."""
    record = send_and_judge(action, inputs, user, draft=draft)
    reconnect_if_dropped()
    runs.store(record)
    log(record)
    return record


@sensitive_variables("prepared", "inputs")
def send_and_judge(
    action: Action,
    inputs: Mapping[str, str],
    user: AbstractBaseUser | AnonymousUser | None,
    *,
    draft: Draft | None = None,
) -> TestRun:
    """What `run` does before it stores: the request prepared, sent through the network door,
    masked and judged, as a TestRun not yet saved: the caller stores it (runs.store, or
    runs.store_many for many at once), with reconnect_if_dropped() first, then logs it."""
    sent = draft.applied_to(action) if draft is not None else action
    arg_types = draft.arg_types() if draft is not None else None
    record = TestRun(
        action=action,
        user=user if user is not None and user.is_authenticated else None,
        inputs=dict(inputs),
        request_method=sent.method,
        draft=draft.as_json() if draft is not None else None,
    )
    secret_values: list[str] = []
    try:
        prepared = _prepare_or_fail(sent, inputs, arg_types)
        secret_values = prepared.auth.secret_values
        _record_request(record, prepared)
        response = door.send(_outbound_request(action.connector, prepared))
        if response.status == 401 and strategies.reauthorize(action.connector, prepared.auth):
            # The token was refused (revoked, expired early): one new token, one retry.
            prepared = _prepare_or_fail(sent, inputs, arg_types)
            secret_values = [*secret_values, *prepared.auth.secret_values]
            _record_request(record, prepared)
            response = door.send(_outbound_request(action.connector, prepared))
    except ExecutionError as error:
        record.error_kind, record.error_message = error.kind, error.message
        record.missing_credential = error.missing_credential
    except errors.OutboundError as error:
        record.error_kind, record.error_message = error.kind, error.message
        record.elapsed_ms = getattr(error, "elapsed_ms", None)
    else:
        _record_response(record, response, secret_values)
    record.error_message = sealing.redact(record.error_message, secret_values)
    # On the run as stored (masked): a check never reads a secret, and says none.
    checks.judge(record, action, hide=secret_values)
    return record


def log(record: TestRun) -> None:
    """The log line of a stored run: what happened, never what was sent."""
    logger.info(
        "Test %s: %s%s",
        record.action,
        record.error_kind or f"{record.status} in {record.elapsed_ms} ms",
        "" if record.passed or record.error_kind else ", a check failed",
    )


def reconnect_if_dropped() -> None:
    """A Test may wait on an API for its whole timeout, long enough for the database to drop
    an idle connection (restart, failover): check it again, as at the start of a request."""
    # Not close_if_unusable_or_obsolete(): with CONN_MAX_AGE=0 it always closes, and the
    # save would pay for a new connection on every Test.
    if connection.in_atomic_block or connection.connection is None:
        return
    if not connection.is_usable():
        connection.close()


def _size(count: int) -> str:
    """1 MB, 256 KB, 900 bytes: sizes as a sentence says them."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"


def _stored_body(body: str) -> str:
    """The request body as stored and shown: capped like a response body, and saying so."""
    cap = settings.STUDIO_DISPLAY_BYTES
    if len(body) <= cap:
        return body
    sent = _size(len(body.encode()))
    return f"{body[:cap]}\n[… truncated: the body sent was {sent}; the first {_size(cap)} shown]"


def _record_request(record: TestRun, prepared: Prepared) -> None:
    hide = prepared.auth.secret_values
    # Redacted whole, then capped: a secret cut at the cap would otherwise show its start.
    body = _stored_body(sealing.redact(prepared.body, hide))
    # As on the wire (a non-ASCII path percent-encoded), so the cURL copy runs as it is.
    wire = door.wire_url(prepared.url)
    # The same URL unless a secret param stands as a placeholder in cURL's (Param Auth).
    curl_wire = wire if prepared.curl_url == prepared.url else door.wire_url(prepared.curl_url)
    record.request_url = sealing.redact(wire, hide)
    record.request_headers = [(k, sealing.redact(v, hide)) for k, v in prepared.headers]
    record.request_body = body
    shape = {
        "method": prepared.method,
        "url": sealing.redact(curl_wire, hide),
        "headers": [[k, sealing.redact(v, hide)] for k, v in prepared.curl_headers],
        "body": body or None,
        "secrets": sorted(
            set(PLACEHOLDER_RE.findall(" ".join(prepared.auth.placeholders.values())))
        ),
    }
    record.request_shape = shape
    record.request_curl = export.to_curl(
        shape["method"],
        shape["url"],
        [(k, v) for k, v in shape["headers"]],
        shape["body"],
        placeholders=set(shape["secrets"]),
    )
    if prepared.auth.digest is not None:  # curl answers the challenge itself, as Test does
        user = sealing.redact(prepared.auth.placeholders["digest"], hide)
        record.request_shape["digest"] = user
        record.request_curl += " \\\n  --digest -u " + export.shell_quote(user, {"DIGEST_PASSWORD"})


def _record_response(record: TestRun, response: messages.OutboundResponse, hide: list[str]) -> None:
    content_type = next((v for k, v in response.headers if k.lower() == "content-type"), "")
    cap = settings.STUDIO_DISPLAY_BYTES
    # Rendered a little past the cap and cut after masking: a secret across the cap is masked
    # whole rather than showing its start (an encoded form is at most 12 times as long).
    margin = 12 * max((len(s) for s in hide), default=0)
    shown = rendering.render_body(
        response.body, content_type, display_cap=cap + margin, highlight_cap=0, markup=False
    )
    text = sealing.redact(shown.text, hide)
    record.status = response.status
    record.reason = response.reason
    record.response_headers = [(k, sealing.redact(v, hide)) for k, v in response.headers]
    record.content_type = content_type
    record.is_binary = shown.kind == "binary"
    record.response_body = "" if record.is_binary else text[:cap]
    if shown.kind == "xml" and _json_form_reveals(record.response_body, hide):
        record.response_body = XML_WITHHELD
    if record.is_binary:
        _keep_bytes(record, response.body, hide)
    record.body_truncated = shown.truncated or len(text) > cap
    record.shown_as = _shown_as(shown, text, record)
    record.elapsed_ms = response.elapsed_ms
    record.timing = response.timing
    record.size = response.size
    record.final_url = sealing.redact(response.url, hide)
    record.redirects = [
        {
            "url": sealing.redact(door.wire_url(hop.url), hide),
            "status": hop.status,
            "location": sealing.redact(hop.location, hide),
            "set_cookies": [_masked_cookie(sealing.redact(c, hide)) for c in hop.set_cookies],
        }
        for hop in response.hops
    ]


def _shown_as(shown: rendering.RenderedBody, text: str, record: TestRun) -> str:
    """How the page would mark up the stored body if it read it again, when that is known
    without reading it (rendering.marked_again): "json" for pretty JSON kept whole, "text" for
    the cut start of a pretty JSON list or object (which no longer parses); else ""."""
    if (
        shown.kind != "json"
        or text != shown.text
        or len(record.response_body) > rendering.DISPLAY_CAP
    ):
        return ""  # masked (may no longer parse), or longer than the page shows
    if not record.body_truncated:
        return "json"
    return "text" if text.startswith(("{", "[")) else ""


BYTES_WITHHELD = (
    "The body holds a secret of this connector, and bytes cannot be masked like text: "
    "they were not kept, so there is nothing to download."
)


XML_WITHHELD = (
    "The body held a secret of this connector in a form that cannot be masked where it "
    "stands, which its JSON form would show: it was not kept."
)


def _json_form_reveals(stored: str, hide: list[str]) -> bool:
    """Whether the JSON form a page derives from stored XML would show a secret that masking
    the XML did not reach (text that XML joins across comments or CDATA sections)."""
    derived = rendering.xml_as_json(stored)
    return derived is not None and redaction.reveals(derived, hide)


def _keep_bytes(record: TestRun, body: bytes, hide: list[str]) -> None:
    """Keep a binary body for its download, unless it holds a secret in any encoding we know."""
    if redaction.found_in_bytes(body, hide):
        record.bytes_withheld = BYTES_WITHHELD
    else:
        record.response_bytes = body


def _masked_cookie(set_cookie: str) -> str:
    """A Set-Cookie seen on a redirect, its value masked: it is usually a fresh session."""
    pair, sep, attributes = set_cookie.partition(";")
    name, equals, value = pair.partition("=")
    shown = sealing.mask(value.strip()) if value.strip() else ""
    return f"{name.strip()}{equals}{shown}{sep}{attributes}"
