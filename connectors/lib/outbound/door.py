"""The only door to the network: SSRF guard, pinned DNS, total deadline, size cap, redirects.

Every outbound request (Test, OAuth token requests) goes through send(). The host is resolved
once, every address is checked, and the connection goes to the checked address while the URL,
Host header and TLS server name keep the hostname.

This module is the public API and the way of one send(): each hop checked, sent, and its
redirect followed or refused. The parts live next to it:

    errors      the OutboundError classes
    messages    OutboundRequest, OutboundResponse
    guard       which addresses may be reached; the allow list; check_host
    watchdog    the total deadline that shuts a connection down
    transport   pinned, pooled connections; reading the body under the size cap
    failures    requests/urllib3 exceptions turned into plain sentences
    digest      the HTTP Digest answer to a 401 challenge (RFC 7616)
"""

from __future__ import annotations

import time
from urllib.parse import unquote_plus

import requests
from urllib3.util import parse_url

from connectors.lib.outbound import digest, failures, timing, transport, urls, watchdog
from connectors.lib.outbound.digest import DigestCredentials
from connectors.lib.outbound.errors import (
    Blocked,
    ConnectError,
    DNSError,
    OutboundError,
    RedirectError,
    Timeout,
    TLSError,
    TooLarge,
)
from connectors.lib.outbound.guard import check_host, parse_allow, validate_allow_list
from connectors.lib.outbound.messages import Hop, OutboundRequest, OutboundResponse

__all__ = [
    "MAX_REDIRECTS",
    "Blocked",
    "ConnectError",
    "DNSError",
    "DigestCredentials",
    "Hop",
    "OutboundError",
    "OutboundRequest",
    "OutboundResponse",
    "RedirectError",
    "TLSError",
    "Timeout",
    "TooLarge",
    "check_host",
    "send",
    "validate_allow_list",
    "wire_url",
]

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PORTS = {"http": 80, "https": 443}
_ALWAYS_CREDENTIALS = frozenset({"authorization", "cookie", "proxy-authorization"})
_BODY_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})


def send(request: OutboundRequest) -> OutboundResponse:
    """Send one request (following safe redirects); raise an OutboundError subclass on failure."""
    started = time.monotonic()
    try:
        parse_allow(request.allow)
    except ValueError as e:
        raise Blocked(f"{e} Nothing is sent until it is fixed.") from None
    deadline = watchdog.Deadline(request.timeout)
    token = watchdog.current.set(deadline)
    spent = timing.Timing()
    timing_token = timing.current.set(spent)
    try:
        response = _follow(request, deadline, started)
    except OutboundError as e:
        e.elapsed_ms = (time.monotonic() - started) * 1000
        raise
    finally:
        deadline.stop()
        watchdog.current.reset(token)
        timing.current.reset(timing_token)
    response.timing = spent.as_dict()
    return response


def _follow(
    request: OutboundRequest, deadline: watchdog.Deadline, started: float
) -> OutboundResponse:
    method, body = request.method.upper(), request.body
    try:  # parsed once: the guard, the redirect check and the wire all use this value
        url = urls.parse(request.url)
    except urls.UnsafeURL as error:
        if error.invalid:
            raise OutboundError(f"{error.message} Nothing was sent.", "InvalidURL") from None
        raise Blocked(f"{error.message} Nothing was sent.") from None
    first = url
    headers = list(request.headers)
    redirects: list[tuple[int, str]] = []
    hops: list[Hop] = []
    via: tuple[int, str] | None = None
    answered: set[urls.URL] = set()  # URLs a Digest challenge was answered for
    while True:
        resp = _send_once(request, method, url, headers, body, deadline, via)
        if answer := _digest_answer(request, resp, url, first, answered):
            resp.close()
            answered.add(url)
            headers = [(k, v) for k, v in headers if k.lower() != "authorization"]
            headers.append(("Authorization", answer))
            continue
        location = resp.headers.get("Location")
        if resp.status_code not in _REDIRECTS or not location or not request.follow_redirects:
            break
        resp.close()  # unread: closes the connection rather than reading a body we don't need
        status = resp.status_code
        if len(redirects) == MAX_REDIRECTS:
            raise RedirectError(
                f"Stopped after {MAX_REDIRECTS} redirects: the server answered {status} again "
                f"with Location: {location}. Check the Base URL and path."
            )
        try:
            target = urls.resolve(url, location)
        except urls.UnsafeURL as error:
            said = f"The server answered {status} with Location: {location}; not followed. "
            if error.invalid:
                raise RedirectError(said + error.message) from None
            raise Blocked(said + error.message) from None
        redirects.append((status, location))
        hops.append(Hop(url.text, status, location, resp.raw.headers.getlist("Set-Cookie")))
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
            headers = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
        if target.origin != url.origin:  # credentials belong to the host they were meant for
            # A Host header named the first host: it would misdirect the request at another.
            secret = _ALWAYS_CREDENTIALS | request.credential_headers | {"host"}
            headers = [(k, v) for k, v in headers if k.lower() not in secret]
            target = _without_params(target, request.credential_params)
        url, via = target, (status, location)

    ok = False
    try:
        data = transport.read_capped(resp, request.max_bytes)
        ok = True
    except requests.RequestException as e:
        raise failures.translate(e, request, deadline, _where(url)) from e
    finally:
        deadline.stop()  # before the connection can return to the pool
        if deadline.fired or not ok:
            resp.raw.close()  # never pool a connection we gave up on
        resp.close()
    if deadline.cancelled:
        raise failures.cancelled()
    if deadline.fired:
        raise failures.deadline_passed(request)
    return OutboundResponse(
        status=resp.status_code,
        reason=resp.reason or "",
        headers=list(resp.raw.headers.iteritems()),
        body=data,
        elapsed_ms=(time.monotonic() - started) * 1000,
        size=len(data),
        url=resp.url,
        redirects=redirects,
        hops=hops,
    )


def _send_once(
    request: OutboundRequest,
    method: str,
    url: urls.URL,
    headers: list[tuple[str, str]],
    body: bytes | None,
    deadline: watchdog.Deadline,
    via: tuple[int, str] | None,
) -> requests.Response:
    """Check the URL's host and send to its first reachable checked address."""
    redirected = f"The server redirected ({via[0]}) to {via[1]}; not followed. " if via else ""
    merged = requests.utils.default_headers()
    merged.update(headers)
    try:
        prep = requests.Request(method, url.text, headers=merged, data=body).prepare()
    except requests.exceptions.InvalidHeader:
        # The value may be a secret: name the problem, not the header.
        raise OutboundError(
            "A header name or value is not valid (e.g. it contains a line break): check Headers.",
            "InvalidHeader",
        ) from None
    except (requests.RequestException, ValueError):
        raise failures.bad_url(url.text, via) from None
    _check_wire(url, prep.url or "")
    try:
        with timing.phase("dns"):
            addresses = check_host(url.hostname, url.port, request.allow)
    except (Blocked, DNSError) as e:
        raise type(e)(redirected + e.message) from None

    for i, ip in enumerate(addresses):
        left = deadline.left()
        if deadline.cancelled:
            raise failures.cancelled()
        if left <= 0 or deadline.fired:
            raise failures.deadline_passed(request)
        connect = min(request.connect_timeout, request.timeout, left)
        session = transport.session_for(url.scheme, url.hostname, url.port, ip, request.verify_tls)
        try:
            return session.send(
                prep,
                stream=True,
                allow_redirects=False,
                verify=request.verify_tls,
                timeout=(connect, left),
            )
        except requests.RequestException as e:
            if i + 1 < len(addresses) and failures.connect_failed(e) and not deadline.fired:
                continue  # like a browser: try the next address (e.g. ::1 then 127.0.0.1)
            raise failures.translate(e, request, deadline, _where(url, ip), connect) from e
    raise AssertionError("unreachable: check_host returns at least one address")


def _check_wire(url: urls.URL, prepared: str) -> None:
    """The request requests built goes where the checked URL says, or nothing is sent."""
    wire = parse_url(prepared)
    port = _PORTS.get(wire.scheme or "") if wire.port is None else wire.port
    if (wire.scheme, wire.host, port) != (url.scheme, url.host, url.port):
        raise Blocked(
            f"The URL {url.text} would be sent to {wire.host}:{port} rather than the checked "
            f"{url.origin.shown}. Nothing was sent."
        )


def _digest_answer(
    request: OutboundRequest,
    resp: requests.Response,
    url: urls.URL,
    first: urls.URL,
    answered: set[urls.URL],
) -> str | None:
    """The Authorization that answers a 401 Digest challenge, or None to keep the 401.

    Only the request's own origin gets an answer: the credentials' home, not a redirect's."""
    if request.digest is None or resp.status_code != 401 or url in answered:
        return None
    if url.origin != first.origin:
        return None
    challenge = digest.choose(digest.parse(resp.raw.headers.getlist("WWW-Authenticate")))
    if challenge is None:
        return None
    sent = resp.request
    return digest.authorization(
        request.digest, challenge, sent.method or "GET", sent.path_url, str(url.origin)
    )


def wire_url(url: str) -> str:
    """The URL as it goes on the wire: non-ASCII and spaces percent-encoded, the host in IDNA."""
    prepared = requests.PreparedRequest()  # only its URL: Request.prepare() does it all
    try:
        prepared.prepare_url(url, {})
        return prepared.url or url
    except (requests.RequestException, ValueError):
        return url


def _without_params(url: urls.URL, names: frozenset[str]) -> urls.URL:
    if not names or not url.query:
        return url
    pairs = url.query.split("&")
    kept = [p for p in pairs if unquote_plus(p.split("=", 1)[0]) not in names]
    return url.with_query("&".join(kept))


def _where(url: urls.URL, ip: str | None = None) -> str:
    """host:port of the URL, plus the address when the host is a name."""
    return f"{url.host}:{url.port}" + (f" ({ip})" if ip and ip != url.hostname else "")
