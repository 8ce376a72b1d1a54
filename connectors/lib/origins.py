"""Origins of the URLs a secret goes to, and the host patterns of Allowed hosts.

URLs are read by the one parser in connectors.origins; this module only says which origin a
URL (or a URL template) has, and which Allowed hosts admit it.
"""

from __future__ import annotations

import re

from connectors.lib.outbound.urls import DEFAULT_PORTS, TAG_RE, Origin, UnsafeURL, template_origin

__all__ = [
    "TAG_RE",
    "Origin",
    "UnsafeURL",
    "check_url_template",
    "host_allowed",
    "hosts_of",
    "invalid_hosts",
    "origin_of",
    "parse_hosts",
    "parse_origin",
]

HOST_PATTERN_RE = re.compile(
    r"^(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:(\d{1,5}|\*))?$", re.IGNORECASE
)


# --- origins ---------------------------------------------------------------------------------


def origin_of(url: str) -> Origin:
    """The URL's origin, tags kept in its host; UnsafeURL when the URL is refused."""
    return template_origin(url)


def parse_origin(text: str) -> Origin | None:
    """An origin as stamped in a secret's home (`https://api.openai.com:443`), or None."""
    try:
        return origin_of(text)
    except UnsafeURL:
        return None


def check_url_template(url: str) -> None:
    """Raise UnsafeURL for a URL that is refused, or whose port or scheme holds a {{...}}."""
    origin_of(url)


# --- allowed hosts ---------------------------------------------------------------------------


def parse_hosts(text: str) -> list[str]:
    """Allowed hosts as typed (comma, space or line separated), lower case, in order, once."""
    hosts = [h.strip().lower() for h in re.split(r"[\s,]+", text or "") if h.strip()]
    return list(dict.fromkeys(hosts))


def invalid_hosts(hosts: list[str]) -> list[str]:
    return [h for h in hosts if not HOST_PATTERN_RE.match(h)]


def host_allowed(pattern: str, origin: Origin) -> bool:
    """`api.example.com` (default port), `api.example.com:8443`, `*.example.com`, `host:*`."""
    match = HOST_PATTERN_RE.match(pattern)
    if not match:
        return False
    wildcard, name, port = bool(match.group(1)), match.group(2).lower(), match.group(5)
    if port != "*" and int(port or DEFAULT_PORTS[origin.scheme]) != origin.port:
        return False
    if "{{" in origin.host:
        return False
    return origin.host.endswith("." + name) if wildcard else origin.host == name


def hosts_of(url: str) -> list[str]:
    """What Allowed hosts must hold for a URL: `api.example.com`, a tag as `*`, a port."""
    try:
        origin = origin_of(url)
    except UnsafeURL:
        return []
    host = TAG_RE.sub("*", origin.host)
    if "*" in host:
        rest = host.rsplit("*", 1)[1]
        host = "*" + rest if rest.startswith(".") else ""
    if not host:
        return []
    return [host if origin.shown == origin.host else f"{host}:{origin.port}"]
