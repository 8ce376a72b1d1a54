"""What send() takes and what it gives back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from connectors.lib.outbound.digest import DigestCredentials


@dataclass
class OutboundRequest:
    method: str
    url: str  # full URL incl. query string already encoded
    headers: list[tuple[str, str]]
    body: bytes | None = None
    timeout: float = 30.0  # total deadline in seconds, enforced while reading
    connect_timeout: float = 10.0  # min(this, timeout)
    verify_tls: bool = True
    max_bytes: int = 10 * 1024 * 1024  # cap on bytes read AFTER decompression
    # STUDIO_OUTBOUND_ALLOW entries: hostnames and CIDRs/IPs allowed although private
    allow: Sequence[str] = ()
    credential_headers: frozenset[str] = frozenset()  # lower-case header names holding credentials
    credential_params: frozenset[str] = frozenset()  # query param names holding credentials
    # False for token requests: a redirect would carry the client secret in the body elsewhere.
    follow_redirects: bool = True
    # Digest Auth: answer a 401 Digest challenge from the request's own origin, once per URL.
    digest: DigestCredentials | None = field(default=None, repr=False)


@dataclass
class Hop:
    """One redirect answer on the way: what it said and where it sent us."""

    url: str  # the URL that answered with the redirect
    status: int
    location: str
    set_cookies: list[str] = field(default_factory=list)


@dataclass
class OutboundResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes  # decompressed
    elapsed_ms: float
    size: int  # len(body)
    url: str  # final URL after redirects
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, location) per hop
    hops: list[Hop] = field(default_factory=list)  # the same hops, with their URL and cookies
    # Milliseconds per phase (dns, connect, tls, first_byte, download) and `reused`.
    timing: dict[str, float | bool] = field(default_factory=dict)
