"""URLs as the transport reads them: parsed once, refused where parsers could disagree.

One parser decides what a URL means: urllib3's `parse_url`, the one requests and urllib3 use
to send. `parse()` reads a URL with it into a `URL` value whose `text` is the canonical form
handed to the transport; the home check, the address guard and the redirect check all read
that same value, so what is checked is what is sent.

A URL that other parsers (a browser's WHATWG parser, urllib.parse, curl, getaddrinfo) could read
differently is refused rather than guessed at: a backslash, whitespace or a control character
anywhere, userinfo (`user@`), a percent-encoded or non-ASCII host, an IP address in any form
other than the dotted quad or a bracketed IPv6 address.

Pure: no Django, no network.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin

from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

DEFAULT_PORTS = {"http": 80, "https": 443}
TAG_RE = re.compile(r"\{\{\{?[^}]*\}?\}\}")
LABEL = "[A-Za-z0-9-]+"  # what a {{...}} in a host may become: one DNS label
# A host name: letters, digits, - and _ in dot-separated labels (no sub-delims, no %).
_NAME_RE = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?", re.IGNORECASE)
# Labels that getaddrinfo (inet_aton) and WHATWG read as numbers: 127.1, 0x7f, 0177, 2130706433.
_NUMERIC_LABEL_RE = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_START_RE = re.compile(r"(https?)://", re.IGNORECASE)
_SENTINEL = "tmpl{}x"  # stands for the n-th {{...}} in a host while a template is parsed
_SENTINEL_RE = re.compile(r"tmpl\d+x")


class UnsafeURL(ValueError):
    """A URL that is not sent: not http(s), no host, or a form parsers could read differently."""

    def __init__(self, message: str, *, invalid: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.invalid = invalid  # not a URL at all, rather than a URL that is refused


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str  # lower case, IPv6 in brackets; may hold {{...}} tags in a template
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


@dataclass(frozen=True)
class URL:
    """A parsed URL in canonical form: what the home check, the guard and the wire all use."""

    scheme: str  # http or https
    host: str  # lower case ASCII (punycode), IPv6 in brackets
    port: int  # always set: the scheme's default when the URL names none
    path: str  # percent-encoded as the transport sends it; "/" at least
    query: str | None  # None: no "?" at all
    fragment: str | None = None  # never sent: not part of text

    @property
    def hostname(self) -> str:
        """The host as getaddrinfo takes it: IPv6 without brackets."""
        return self.host.strip("[]")

    @property
    def origin(self) -> Origin:
        return Origin(self.scheme, self.host, self.port)

    @property
    def text(self) -> str:
        """The canonical form: the only text the transport is handed."""
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        query = "" if self.query is None else f"?{self.query}"
        return f"{self.scheme}://{self.host}{port}{self.path}{query}"

    def __str__(self) -> str:
        return self.text

    def with_query(self, query: str | None) -> URL:
        return URL(self.scheme, self.host, self.port, self.path, query or None)


def parse(url: str | URL, *, what: str = "The URL") -> URL:
    """The URL parsed by the transport's parser, or UnsafeURL saying what is refused and why."""
    if isinstance(url, URL):
        return url
    return _parse(url, what, template=False)


def _parse(url: str, what: str, *, template: bool) -> URL:
    start = _START_RE.match(url)
    if start is None:
        raise UnsafeURL(f"Enter a URL starting with http:// or https:// and a host, not {url}.")
    _refuse_characters(url, what)
    scheme = start.group(1).lower()
    raw = _lenient("x-raw" + url[len(scheme) :])  # the same split, the host as written
    if raw is None:
        raise UnsafeURL(f"{what} {url} is not a valid URL.", invalid=True)
    if not raw.host:
        raise UnsafeURL(f"{what} {url} has no host.", invalid=True)
    if raw.auth is not None or not url[len(scheme) + 3 :].startswith(raw.host):
        raise UnsafeURL(
            f"{what} {url} has “@” before its host (a user name in the URL), which is refused: "
            "put credentials in the Auth Config."
        )
    parsed = _lenient(url)
    host = _checked_host(raw.host, parsed.host if parsed is not None else None, what, template)
    if parsed is None or parsed.scheme != scheme or not parsed.host:
        raise UnsafeURL(f"{what} {url} is not a valid URL.", invalid=True)
    port = DEFAULT_PORTS[scheme] if parsed.port is None else parsed.port
    if port == 0:
        raise UnsafeURL(f"{what} {url} has port 0, which is not a port a server listens on.")
    return URL(scheme, host, port, parsed.path or "/", parsed.query, parsed.fragment)


def resolve(base: URL, location: str) -> URL:
    """A redirect's Location against the URL that answered it, parsed like any other URL."""
    _refuse_characters(location, "The Location")
    try:  # urljoin is what requests uses for a relative Location; the result is parsed again
        joined = urljoin(base.text, location)
    except ValueError:
        raise UnsafeURL(f"The Location {location} is not a valid URL.", invalid=True) from None
    return parse(joined, what="The Location")


# --- templates: a {{...}} may fill one label of the host -------------------------------------


def template_origin(template: str, *, what: str = "The URL") -> Origin:
    """The origin of a URL template, its tags kept in the host (`{{instance}}.service-now.com`).

    UnsafeURL when it is refused once its tags are filled, or when a tag is in the scheme or
    the port."""
    url = parse_template(template, what=what)
    return Origin(url.scheme, url.host, url.port)


def parse_template(template: str, *, what: str = "The URL") -> URL:
    """A URL template parsed as the URL it becomes, each {{...}} standing for one host label;
    the tags are put back in the host only (the path's are not needed by anyone)."""
    if problem := template_problem(template):
        raise UnsafeURL(problem)
    tags = TAG_RE.findall(template)
    filled = template
    for n, tag in enumerate(tags):
        filled = filled.replace(tag, _SENTINEL.format(n), 1)
    url = _parse(filled, what, template=True)
    host = url.host
    for n, tag in enumerate(tags):
        host = host.replace(_SENTINEL.format(n), tag)
    return URL(url.scheme, host, url.port, url.path, url.query, url.fragment)


def template_problem(template: str) -> str | None:
    """Why a URL template could not be held to its host: a {{...}} in its scheme or port, where
    a value could pick any port or protocol. A {{...}} may only fill a name in the host."""
    if "{{" not in template:
        return None
    ones, twos = _lenient(TAG_RE.sub("1", template)), _lenient(TAG_RE.sub("2", template))
    if ones is None or twos is None:
        return None  # parse() says what is wrong with it
    if ones.scheme is None or ones.scheme != twos.scheme:
        return (
            "A {{...}} may fill a name in the host, never the scheme: start with http:// or "
            "https://."
        )
    if ones.port != twos.port:
        return "A {{...}} may fill a name in the host, never the port: write the port itself."
    return None


# --- the parts -------------------------------------------------------------------------------


def check_characters(url: str, *, what: str = "The URL") -> None:
    """UnsafeURL for a backslash, whitespace or a control character anywhere in url: for
    readers of other formats (a cURL command) before they take a URL apart their own way."""
    _refuse_characters(url, what)


def _refuse_characters(url: str, what: str) -> None:
    """Backslash, whitespace, control and invisible characters: read differently by parsers."""
    for char in url:
        if char == "\\":
            raise UnsafeURL(
                f"{what} contains a backslash (\\), which parsers read differently: use /."
            )
        category = unicodedata.category(char)
        if char.isspace() or category in ("Cc", "Cf", "Zl", "Zp", "Zs"):
            name = unicodedata.name(char, "a control character")
            raise UnsafeURL(
                f"{what} contains {_described(char, name)}, which parsers read differently: "
                "remove it (encode a space in a path as %20)."
            )


def _described(char: str, name: str) -> str:
    code = f"U+{ord(char):04X}"
    if char == " ":
        return "a space"
    if char == "\t":
        return "a tab"
    return f"{name.lower()} ({code})" if name != "a control character" else f"{name} ({code})"


def _lenient(url: str) -> Url | None:
    """urllib3's reading of url, or None. With the scheme swapped for one it does not know, it
    splits alike but leaves the host as written (it normalizes only http(s) hosts)."""
    try:
        return parse_url(url)
    except LocationParseError:
        return None


def _checked_host(raw: str, normalized: str | None, what: str, template: bool) -> str:
    """The host when it is written in the one form every parser reads alike."""
    if raw.startswith("["):
        if "%" in raw:
            raise UnsafeURL(f"{what} has an IPv6 zone in its host ({raw}), which is refused.")
        try:
            address = ipaddress.IPv6Address(raw[1:-1])
        except ValueError:
            raise UnsafeURL(
                f"{what} has {raw} as its host, which is not an IPv6 address written in full "
                "(a zone such as %25eth0 is refused)."
            ) from None
        return f"[{address.compressed}]"
    if not raw.isascii():
        char = next(c for c in raw if not c.isascii())
        found = f"{what} has the non-ASCII character “{char}” (U+{ord(char):04X}) in its host"
        if normalized is None:  # not a valid international name: a look-alike (ａｐｉ)
            raise UnsafeURL(f"{found}, which is not a valid international host name.")
        raise UnsafeURL(
            f"{found}: write the host as {normalized}, its ASCII (punycode) form, so that it "
            "cannot pass for another."
        )
    if "%" in raw:
        raise UnsafeURL(f"{what} has a percent-encoded host ({raw}): write the host plainly.")
    if bad := next((c for c in raw if not (c.isalnum() or c in "-._")), None):
        raise UnsafeURL(f"{what} has “{bad}” in its host ({raw}), which a host name cannot hold.")
    if normalized is None or not _NAME_RE.fullmatch(raw):
        raise UnsafeURL(f"{what} has {raw} as its host, which is not a host name.")
    last = raw.rstrip(".").rsplit(".", 1)[-1]
    # 127.{{octet}}.0.1 is judged once filled in, at send: only then is it an address.
    tagged = template and _SENTINEL_RE.search(raw)
    if _NUMERIC_LABEL_RE.fullmatch(last) and not tagged:
        try:
            canonical = str(ipaddress.IPv4Address(raw))
        except ValueError:
            canonical = ""
        if canonical != raw:
            raise UnsafeURL(
                f"{what} has {raw} as its host, an IP address in a form parsers read "
                "differently: write it as four decimal numbers (127.0.0.1) or in brackets for "
                "IPv6."
            )
    return normalized
