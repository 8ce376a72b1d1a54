"""HTTP Digest authentication (RFC 7616; RFC 2069 without qop): the answer to a challenge.

The password never travels: only H(...) of it, bound to the server's nonce, the method and
the URI. SHA-256 is chosen over MD5 when the server offers both; a challenge that asks only
for what is not supported here (qop=auth-int, an unknown algorithm) gets no answer.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
    "SHA-512-256": lambda data: hashlib.new("sha512_256", data).hexdigest(),
}
_PREFERENCE = ["SHA-512-256", "SHA-256", "MD5"]  # strongest first
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PART_RE = re.compile(rf'\s*({_TOKEN})(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?\s*,?')
_MAX_NONCES = 1000

_counts_lock = threading.Lock()
_counts: dict[tuple[str, str], int] = {}  # (origin, nonce) -> requests answered with it


@dataclass
class DigestCredentials:
    username: str
    password: str = field(repr=False)


@dataclass
class Challenge:
    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: list[str] = field(default_factory=list)
    opaque: str | None = None
    userhash: bool = False

    @property
    def base_algorithm(self) -> str:
        return self.algorithm.upper().removesuffix("-SESS")

    @property
    def session(self) -> bool:
        return self.algorithm.upper().endswith("-SESS")


def parse(headers: Iterable[str]) -> list[Challenge]:
    """The Digest challenges in WWW-Authenticate values (several may share one header)."""
    found: list[Challenge] = []
    for header in headers:
        scheme: str | None = None
        params: dict[str, str] = {}
        for match in _PART_RE.finditer(header):
            name, value = match.group(1), match.group(2)
            if value is None:  # a new scheme starts (or a token68 of another scheme)
                _keep(found, scheme, params)
                scheme, params = name, {}
            else:
                if value.startswith('"'):
                    value = re.sub(r"\\(.)", r"\1", value[1:-1])
                params[name.lower()] = value
        _keep(found, scheme, params)
    return found


def _keep(found: list[Challenge], scheme: str | None, params: dict[str, str]) -> None:
    if (scheme or "").lower() != "digest" or "nonce" not in params:
        return
    found.append(
        Challenge(
            realm=params.get("realm", ""),
            nonce=params["nonce"],
            algorithm=params.get("algorithm", "MD5"),
            qop=[q.strip().lower() for q in params["qop"].split(",")] if "qop" in params else [],
            opaque=params.get("opaque"),
            userhash=params.get("userhash", "").lower() == "true",
        )
    )


def choose(challenges: list[Challenge]) -> Challenge | None:
    """The strongest challenge this client can answer."""
    usable = [
        c for c in challenges if c.base_algorithm in _HASHES and (not c.qop or "auth" in c.qop)
    ]
    usable.sort(key=lambda c: _PREFERENCE.index(c.base_algorithm))
    return usable[0] if usable else None


def _next_count(origin: str, nonce: str) -> int:
    with _counts_lock:
        if len(_counts) >= _MAX_NONCES:
            _counts.clear()
        count = _counts.get((origin, nonce), 0) + 1
        _counts[(origin, nonce)] = count
        return count


def authorization(
    credentials: DigestCredentials,
    challenge: Challenge,
    method: str,
    uri: str,
    origin: str,
    *,
    cnonce: str | None = None,
) -> str:
    """The Authorization header value answering the challenge for this request."""
    h = _HASHES[challenge.base_algorithm]
    cnonce = cnonce or secrets.token_hex(16)
    realm, nonce = challenge.realm, challenge.nonce
    ha1 = h(f"{credentials.username}:{realm}:{credentials.password}".encode())
    if challenge.session:
        ha1 = h(f"{ha1}:{nonce}:{cnonce}".encode())
    ha2 = h(f"{method}:{uri}".encode())
    username = credentials.username
    if challenge.userhash:
        username = h(f"{username}:{realm}".encode())
    parts = [
        f"username={_quoted(username)}",
        f"realm={_quoted(realm)}",
        f"uri={_quoted(uri)}",
        f"algorithm={challenge.algorithm}",
        f"nonce={_quoted(nonce)}",
    ]
    if challenge.qop:
        nc = f"{_next_count(origin, nonce):08x}"
        response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode())
        parts += [f"nc={nc}", f"cnonce={_quoted(cnonce)}", "qop=auth"]
    else:  # RFC 2069
        response = h(f"{ha1}:{nonce}:{ha2}".encode())
    parts.append(f"response={_quoted(response)}")
    if challenge.opaque is not None:
        parts.append(f"opaque={_quoted(challenge.opaque)}")
    if challenge.userhash:
        parts.append("userhash=true")
    return "Digest " + ", ".join(parts)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
