"""A response body as the Test panel shows it: pretty JSON, XML as JSON, text, or a binary note.

`RenderedBody.html` is always safe markup: every byte of the body is escaped, and the only tags
are `<span class="...">` with Pygments' token classes (no inline styles, for the site's strict
CSP; static/css/highlight.css is Pygments' stylesheet for them).
"""

from __future__ import annotations

import codecs
import contextlib
import html
import itertools
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from xml.parsers.expat import ExpatError

import orjson
import xmltodict
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from pygments.formatters import HtmlFormatter

__all__ = ["HIGHLIGHT_CLASS", "RenderedBody", "marked_again", "pygments_css", "render_body"]

# The class of the element the template wraps highlighted JSON in: <pre class="highlight">.
HIGHLIGHT_CLASS = "highlight"
HIGHLIGHT_CAP = 64 * 1024  # characters coloured; the rest is escaped plainly
DISPLAY_CAP = 256 * 1024  # characters shown

# The tokens of JSON as json.dumps writes it, after escaping (which adds no quote nor
# backslash): a string, and the colon that makes it a key; a number; a constant; punctuation.
# Scanning left to right, a string is consumed whole, so nothing inside one is taken for
# another token. The spaces before a token are taken with it: trying each space as a token's
# start cost more than the tokens. A match starts only where spaces begin (the lookbehind),
# so a run of spaces with no token after it is passed over once, not once per space.
_JSON_TOKEN = re.compile(
    r"(?<!\s)(\s*+)(?:"
    r'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?'  # a string unrolled: no group per character
    r"|(-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)"
    r"|\b(true|false|null)\b"
    r"|([{}\[\],:]+))"
)
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "application/octet-stream")
_TEXT_MARKERS = ("json", "xml", "javascript", "ecmascript", "yaml", "x-www-form-urlencoded")


@dataclass(frozen=True)
class RenderedBody:
    kind: Literal["json", "xml", "text", "binary", "empty"]
    html: str  # safe markup, ready for mark_safe
    text: str  # plain text shown and stored (capped); for XML, the XML itself
    truncated: bool
    size: int  # bytes received
    raw_html: str = ""  # XML: the raw XML, escaped, one click from its JSON form


def render_body(
    body: bytes,
    content_type: str,
    *,
    display_cap: int = DISPLAY_CAP,
    highlight_cap: int = HIGHLIGHT_CAP,
    markup: bool = True,
) -> RenderedBody:
    """Render a response body; `display_cap` bounds the shown text, in characters.

    `markup=False` leaves `html` and `raw_html` empty: for callers that keep only the text
    (escaping 256 KB they would throw away costs more than the rest of a small Test).
    """
    size = len(body)
    if not body:
        return RenderedBody("empty", "", "", truncated=False, size=0)
    mime, charset = _parse_content_type(content_type)
    if mime.startswith(_BINARY_PREFIXES) and not mime.endswith("+xml"):  # SVG is text
        return _binary(mime, size)
    text = _decode(body, mime, charset)
    if text is None:
        return _binary(mime, size)

    declared_json = mime.endswith(("/json", "+json"))
    # Sniff JSON only for objects and arrays, so plain text like "true" stays text.
    sniff = mime in ("", "text/plain") and text.lstrip()[:1] in ("{", "[")
    if declared_json or sniff:
        pretty = _pretty_json(text, display_cap)
        if pretty is not None:
            shown, truncated = _cap(pretty, display_cap)
            marked = _highlight(shown, highlight_cap) if markup else ""
            return RenderedBody("json", marked, shown, truncated=truncated, size=size)

    shown, truncated = _cap(text, display_cap)
    if _is_xml(mime) and not truncated and (converted := xml_as_json(shown)) is not None:
        return RenderedBody(
            "xml",
            _highlight(converted, highlight_cap) if markup else "",
            shown,
            truncated=False,
            size=size,
            raw_html=html.escape(shown) if markup else "",
        )
    escaped = html.escape(shown) if markup else ""
    return RenderedBody("text", escaped, shown, truncated=truncated, size=size)


def marked_again(text: str, kind: Literal["json", "text"], size: int) -> RenderedBody:
    """Text that render_body wrote a moment ago (a Test's run just stored), marked up as
    render_body would mark it without reading it again: `json`, pretty JSON whole; `text`,
    the cut start of pretty JSON (which no longer parses), escaped."""
    if kind == "json":
        return RenderedBody(
            "json", _highlight(text, HIGHLIGHT_CAP), text, truncated=False, size=size
        )
    return RenderedBody("text", html.escape(text), text, truncated=False, size=size)


def xml_as_json(text: str) -> str | None:
    """XML as Agent Studio hands it on: JSON with `@attribute` and `#text` keys (xmltodict).

    defusedxml reads it first, so entity expansion and external references are refused
    before xmltodict (which also ignores entities) converts it. None when it is not XML.
    """
    try:
        defused_fromstring(text)
        converted = xmltodict.parse(text, disable_entities=True)
    except (DefusedXmlException, ParseError, ExpatError, ValueError):
        return None
    return _pretty_json(json.dumps(converted))


def _is_xml(mime: str) -> bool:
    # SVG is an image format and XHTML a page: they stay text, never converted nor rendered.
    return mime in ("application/xml", "text/xml") or (
        mime.endswith("+xml") and mime not in ("image/svg+xml", "application/xhtml+xml")
    )


def pygments_css() -> str:
    """The stylesheet for the highlighting classes, scoped to `.highlight`."""
    formatter = HtmlFormatter()
    selector = "." + HIGHLIGHT_CLASS
    # Only background and token rules: get_style_defs() also restyles every <pre> on the site.
    rules = formatter.get_background_style_defs(selector)
    rules += formatter.get_token_style_defs(selector)
    return "\n".join(rules) + "\n"


def _parse_content_type(content_type: str) -> tuple[str, str | None]:
    mime, _, params = (content_type or "").partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _is_text_type(mime: str) -> bool:
    return mime.startswith("text/") or any(marker in mime for marker in _TEXT_MARKERS)


def _decode(body: bytes, mime: str, charset: str | None) -> str | None:
    """The body as text, or None when it looks binary."""
    text = None
    if charset:
        # An unknown charset, or one that is not a text encoding, falls back to UTF-8.
        with contextlib.suppress(LookupError):
            text = body.decode(charset, errors="replace")
    if text is None and _is_text_type(mime):
        text = body.decode("utf-8-sig", errors="replace")
    if text is None:
        try:
            # Not final: a body cut mid-character by the size cap is still text.
            decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
            text = decoder.decode(body, final=False)
        except UnicodeDecodeError:
            return None
    # NUL means binary; PostgreSQL could not store it in a text column anyway.
    return None if "\x00" in text else text


def _pretty_json(text: str, cap: int | None = None) -> str | None:
    """The JSON indented by 2, or None when it is not JSON. With a `cap`: all of it, or a start
    longer than `cap` (the first 256 KB of a 1 MB list are shown, not all of it written)."""
    try:
        document, plain = _read(text)
        dumps = _dumps_plain if plain else _dumps
        if cap is not None and len(text) > cap // 2:
            pretty = _pretty_start(document, cap, dumps)
        else:
            pretty = dumps(document)
    except (ValueError, RecursionError):
        return None
    # A lone surrogate (from a "\ud800" escape) cannot be encoded for the page or the database;
    # write it back as the JSON escape it came from (character by character, so that a start
    # stays the start of the whole).
    return pretty.encode("utf-8", errors="backslashreplace").decode("utf-8")


# Every byte to a space but the ASCII digits, which become "9", and the dot and e of a number,
# which become ".": a run of 19 digits, or a digit then a dot or an e, is then found by a plain
# substring search (a regular expression for it takes ten times as long).
_NUMBER_BYTES = bytes(
    0x39 if 0x30 <= byte <= 0x39 else 0x2E if byte in b".eE" else 0x20 for byte in range(256)
)
_LONG_RUN = b"9" * 19
_FLOAT_START = b"9."


def _read(text: str) -> tuple[object, bool]:
    """`json.loads(text)`, read by orjson where it reads the same: 3 to 4 times as fast on a
    large body; and whether the document is plain: read by orjson, and with no number written
    with a fraction or an exponent (orjson writes a float otherwise than json does).

    orjson refuses what json reads beyond the standard (NaN, Infinity, an escaped lone
    surrogate, a number too large for a float, nesting past 1024), and json then reads it; it
    reads an integer of 64 bits or more as a float, so text with a run of 19 digits anywhere
    (even in a string) is read by json."""
    encoded = text.encode("utf-8", errors="surrogatepass")
    numbers = encoded.translate(_NUMBER_BYTES)
    # rfind, not `in`: searching from the end skips over runs of digits two to four times as
    # fast (a megabyte of ids costs half a millisecond less).
    if numbers.rfind(_LONG_RUN) == -1:
        try:
            document = orjson.loads(encoded)
        except orjson.JSONDecodeError:
            pass
        else:
            return document, numbers.rfind(_FLOAT_START) == -1
    return json.loads(text), False


def _dumps(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def _dumps_plain(document: object) -> str:
    """`_dumps` of a plain document (see _read) by orjson, which writes it alike (json's is
    written in Python when it indents); nesting past orjson's 255 levels is json's."""
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8")
    except orjson.JSONEncodeError:
        return _dumps(document)


_FIRST_WIDTH = 1024  # items kept per long list or object in the first try at a start
_TRIES = 3
_FEW = 8  # the children of a list or object this short are all looked into


def _pretty_start(document: object, cap: int, dumps: Callable[[object], str] = _dumps) -> str:
    """`_dumps(document)`, or a start of it longer than `cap`.

    Lists and objects longer than `width` items are cut after `width` and a marker stands in
    for the rest: what is written before the first marker is exactly the start of the whole.
    The marker is 128 random bits drawn after the document was read, so the document cannot
    hold it. The width grows until that start is longer than `cap`; a document whose length
    is not in long lists or objects is written whole, as before.
    """
    width = _FIRST_WIDTH
    for _ in range(_TRIES):
        mark = secrets.token_hex(16)
        try:
            cut = _cut(document, width, mark)
        except RecursionError:
            break  # nested deeper than Python recurses: json writes it whole (in C)
        if cut is None:
            break  # nothing long to cut: the whole it is
        written = dumps(cut)
        at = written.find(f'"{mark}"')
        if at > cap:
            return written[:at]
        width = max(2 * width, int(1.25 * width * (cap + 1) / max(at, 1)))
    return dumps(document)


def _cut(value: object, width: int, mark: str) -> object | None:
    """A copy of `value` with its lists and objects of more than `width` items cut after
    `width` and `mark` in place of the rest, or None when there is nothing to cut.

    Only the children of a short list or object are all looked into (a wrapper such as
    {"data": [...]}); under a long one, only children that are long themselves: looking into
    every small object of a long list would cost what writing it out does.
    """
    if type(value) is list:
        keys: list = list(range(min(len(value), width)))
    elif type(value) is dict:
        keys = list(itertools.islice(value, width))
    else:
        return None
    look_into_all = len(value) <= _FEW
    changed: dict = {}
    for key in keys:
        child = value[key]
        looked_into = type(child) in (list, dict) and (look_into_all or len(child) > width)
        if looked_into and (copy := _cut(child, width, mark)) is not None:
            changed[key] = copy
    longer = len(value) > width
    if not changed and not longer:
        return None
    if type(value) is list:
        kept = [changed.get(i, value[i]) for i in keys] if changed else value[:width]
        return [*kept, mark] if longer else kept
    cut = {key: changed.get(key, value[key]) for key in keys}
    if longer:
        cut[mark] = None
    return cut


def _cap(text: str, cap: int) -> tuple[str, bool]:
    if len(text) <= cap:
        return text, False
    return text[:cap], True


def _highlight(text: str, cap: int) -> str:
    """Highlight the first `cap` characters (cut at a line end); escape the rest plainly."""
    head = text[:cap]
    if len(text) > cap and "\n" in head:
        head = head[: head.rindex("\n") + 1]
    marked = _JSON_TOKEN.sub(_span, html.escape(head, quote=False))
    return marked + html.escape(text[len(head) :])


def _span(token: re.Match[str]) -> str:
    """One token in the class Pygments' JsonLexer gives it (nt, s2, mi, mf, kc, p), so its
    stylesheet applies; spaces stay bare."""
    space, string, colon, number, fraction, exponent, constant, punctuation = token.groups()
    if string is not None:
        if colon:
            return f'{space}<span class="nt">{string}</span>{colon[:-1]}<span class="p">:</span>'
        return f'{space}<span class="s2">{string}</span>'
    if number is not None:
        return f'{space}<span class="{"mf" if fraction or exponent else "mi"}">{number}</span>'
    if constant is not None:
        return f'{space}<span class="kc">{constant}</span>'
    return f'{space}<span class="p">{punctuation}</span>'


def _binary(mime: str, size: int) -> RenderedBody:
    note = f"{mime or 'unknown type'}, {size:,} bytes (binary, not shown)"
    return RenderedBody("binary", html.escape(note), note, truncated=False, size=size)
