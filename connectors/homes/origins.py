"""Origins (scheme, host, port) of URLs, and the host patterns of Allowed hosts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.models import url_template_problem

DEFAULT_PORTS = {"http": 80, "https": 443}
URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)")
TAG_RE = re.compile(r"\{\{\{?[^}]*\}?\}\}")
LABEL = "[A-Za-z0-9-]+"  # what a {{...}} in a host may become: one DNS label
HOST_PATTERN_RE = re.compile(
    r"^(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:(\d{1,5}|\*))?$", re.IGNORECASE
)


class TemplateInPort(ValueError):
    """A {{...}} in a URL's scheme or port, where an input could pick any port."""


# --- origins ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str  # lower case; may hold {{...}} tags in a template
    port: int

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def shown(self) -> str:
        """`api.openai.com`, with the port only when it is not the scheme's default."""
        default = DEFAULT_PORTS.get(self.scheme) == self.port
        return self.host if default else f"{self.host}:{self.port}"

    def admits(self, other: Origin) -> bool:
        """The same scheme and port, and a host that fits this one (each tag one label)."""
        if (self.scheme, self.port) != (other.scheme, other.port):
            return False
        parts = TAG_RE.split(self.host)
        pattern = LABEL.join(re.escape(part) for part in parts)
        return re.fullmatch(pattern, other.host, re.IGNORECASE) is not None


def origin_of(url: str) -> Origin | None:
    """The URL's origin, or None when it has none (not http(s), no host)."""
    match = URL_RE.match(url.strip())
    if not match:
        return None
    scheme = match.group(1).lower()
    if scheme not in DEFAULT_PORTS:
        return None
    authority = match.group(2).rsplit("@", 1)[-1]
    if authority.startswith("["):
        host, _, rest = authority.partition("]")
        host, port_text = host + "]", rest.removeprefix(":")
    else:
        host, _, port_text = authority.partition(":")
    if problem := url_template_problem(url):
        raise TemplateInPort(problem)
    if not host:
        return None
    if port_text and not port_text.isdigit():
        return None
    port = int(port_text) if port_text else DEFAULT_PORTS[scheme]
    return Origin(scheme, host.lower(), port)


def parse_origin(text: str) -> Origin | None:
    """An origin as stamped in a secret's home (`https://api.openai.com:443`)."""
    try:
        return origin_of(text)
    except TemplateInPort:
        return None


def check_url_template(url: str) -> None:
    """Raise TemplateInPort for a URL whose port or scheme holds a {{...}}."""
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
    except TemplateInPort:
        return []
    if origin is None:
        return []
    host = TAG_RE.sub("*", origin.host)
    if "*" in host:
        rest = host.rsplit("*", 1)[1]
        host = "*" + rest if rest.startswith(".") else ""
    if not host:
        return []
    return [host if origin.shown == origin.host else f"{host}:{origin.port}"]
