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
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import requests

from connectors.outbound import digest, failures, transport, watchdog
from connectors.outbound.digest import DigestCredentials
from connectors.outbound.errors import (
    Blocked,
    ConnectError,
    DNSError,
    OutboundError,
    RedirectError,
    Timeout,
    TLSError,
    TooLarge,
)
from connectors.outbound.guard import check_host, parse_allow, validate_allow_list
from connectors.outbound.messages import Hop, OutboundRequest, OutboundResponse

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
    try:
        return _follow(request, deadline, started)
    except OutboundError as e:
        e.elapsed_ms = (time.monotonic() - started) * 1000
        raise
    finally:
        deadline.stop()
        watchdog.current.reset(token)


def _follow(
    request: OutboundRequest, deadline: watchdog.Deadline, started: float
) -> OutboundResponse:
    method, url, body = request.method.upper(), request.url, request.body
    headers = list(request.headers)
    redirects: list[tuple[int, str]] = []
    hops: list[Hop] = []
    via: tuple[int, str] | None = None
    answered: set[str] = set()  # URLs a Digest challenge was answered for
    while True:
        resp = _send_once(request, method, url, headers, body, deadline, via)
        if answer := _digest_answer(request, resp, url, answered):
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
            target = urljoin(url, location)
        except ValueError:
            raise RedirectError(
                f"The server answered {status} with a Location that is not a URL: {location}."
            ) from None
        redirects.append((status, location))
        hops.append(Hop(url, status, location, resp.raw.headers.getlist("Set-Cookie")))
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
            headers = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
        if _origin(target) != _origin(url):  # credentials belong to the host they were meant for
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
        raise failures.translate(e, request, deadline, _where(resp.url)) from e
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
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
    deadline: watchdog.Deadline,
    via: tuple[int, str] | None,
) -> requests.Response:
    """Check the URL's host and send to its first reachable checked address."""
    redirected = f"The server redirected ({via[0]}) to {via[1]}; not followed. " if via else ""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # e.g. an unclosed [ in the host
        raise failures.bad_url(url, via) from None
    if scheme not in _PORTS:
        raise Blocked(f"{redirected}Only http and https URLs may be requested, not {url!r}.")
    merged = requests.utils.default_headers()
    merged.update(headers)
    try:
        prep = requests.Request(method, url, headers=merged, data=body).prepare()
        parts = urlsplit(prep.url or "")
        host, port = parts.hostname or "", _PORTS[scheme] if parts.port is None else parts.port
    except requests.exceptions.InvalidHeader:
        # The value may be a secret: name the problem, not the header.
        raise OutboundError(
            "A header name or value is not valid (e.g. it contains a line break): check Headers.",
            "InvalidHeader",
        ) from None
    except (requests.RequestException, ValueError):
        host = ""
    if not host:
        raise failures.bad_url(url, via)
    try:
        addresses = check_host(host, port, request.allow)
    except (Blocked, DNSError) as e:
        raise type(e)(redirected + e.message) from None

    for i, ip in enumerate(addresses):
        left = deadline.left()
        if deadline.cancelled:
            raise failures.cancelled()
        if left <= 0 or deadline.fired:
            raise failures.deadline_passed(request)
        connect = min(request.connect_timeout, request.timeout, left)
        try:
            return transport.session_for(scheme, host, port, ip, request.verify_tls).send(
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


def _digest_answer(
    request: OutboundRequest, resp: requests.Response, url: str, answered: set[str]
) -> str | None:
    """The Authorization that answers a 401 Digest challenge, or None to keep the 401.

    Only the request's own origin gets an answer: the credentials' home, not a redirect's."""
    if request.digest is None or resp.status_code != 401 or url in answered:
        return None
    if _origin(url) != _origin(request.url):
        return None
    challenge = digest.choose(digest.parse(resp.raw.headers.getlist("WWW-Authenticate")))
    if challenge is None:
        return None
    sent = resp.request
    scheme, host, port = _origin(url)
    return digest.authorization(
        request.digest, challenge, sent.method or "GET", sent.path_url, f"{scheme}://{host}:{port}"
    )


def wire_url(url: str) -> str:
    """The URL as it goes on the wire: non-ASCII and spaces percent-encoded, the host in IDNA."""
    try:
        return requests.Request("GET", url).prepare().url or url
    except (requests.RequestException, ValueError):
        return url


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = _PORTS.get(scheme) if parts.port is None else parts.port
    except ValueError:
        return "", "", -1  # unparseable: a different origin from any real one
    return scheme, (parts.hostname or "").rstrip("."), port


def _without_params(url: str, names: frozenset[str]) -> str:
    parts = urlsplit(url)
    if not names or not parts.query:
        return url
    kept = [p for p in parts.query.split("&") if unquote_plus(p.split("=", 1)[0]) not in names]
    return urlunsplit(parts._replace(query="&".join(kept)))


def _where(url: str, ip: str | None = None) -> str:
    """host:port as the user wrote it, plus the address when the host is a name."""
    _, host, port = _origin(url)
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" + (f" ({ip})" if ip and ip != host else "")
