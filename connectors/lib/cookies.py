"""Set-Cookie headers read into rows for the response's cookies table. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

# Attributes a table shows, in this order, with the spelling RFC 6265 gives them.
ATTRIBUTES = {
    "domain": "Domain",
    "path": "Path",
    "expires": "Expires",
    "max-age": "Max-Age",
    "samesite": "SameSite",
    "secure": "Secure",
    "httponly": "HttpOnly",
    "partitioned": "Partitioned",
}


@dataclass
class Cookie:
    name: str
    value: str
    attributes: dict[str, str] = field(default_factory=dict)  # "Path" -> "/", "Secure" -> ""


def parse_set_cookie(line: str) -> Cookie | None:
    """One Set-Cookie value as a Cookie, or None when it names no cookie (RFC 6265 5.2)."""
    pair, *rest = line.split(";")
    name, equals, value = pair.partition("=")
    if not equals or not name.strip():
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    attributes: dict[str, str] = {}
    for part in rest:
        key, _, attribute = part.partition("=")
        spelled = ATTRIBUTES.get(key.strip().lower())
        if spelled:
            attributes[spelled] = attribute.strip()
    ordered = {label: attributes[label] for label in ATTRIBUTES.values() if label in attributes}
    return Cookie(name.strip(), value, ordered)


def from_headers(headers: list[tuple[str, str]] | list[list[str]]) -> list[Cookie]:
    """Every cookie the response set, in the order its headers came."""
    found = []
    for key, value in headers:
        if key.lower() == "set-cookie" and (cookie := parse_set_cookie(value)) is not None:
            found.append(cookie)
    return found
