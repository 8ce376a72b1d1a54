"""A response body as the Test panel shows it: pretty JSON, XML as JSON, text, or a binary note.

`RenderedBody.html` is always safe markup: every byte of the body is escaped, and the only tags
are `<span class="...">` with Pygments' token classes (no inline styles, for the site's strict
CSP; static/css/highlight.css is Pygments' stylesheet for them).
"""

from __future__ import annotations

import codecs
import contextlib
import html
import json
import re
from dataclasses import dataclass
from typing import Literal
from xml.parsers.expat import ExpatError

import xmltodict
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from pygments.formatters import HtmlFormatter

__all__ = ["HIGHLIGHT_CLASS", "RenderedBody", "pygments_css", "render_body"]

# The class of the element the template wraps highlighted JSON in: <pre class="highlight">.
HIGHLIGHT_CLASS = "highlight"

# The tokens of JSON as json.dumps writes it, after escaping (which adds no quote nor
# backslash): a string, and the colon that makes it a key; a number; a constant; punctuation.
# Scanning left
# to right, a string is consumed whole, so nothing inside one is taken for another token.
_JSON_TOKEN = re.compile(
    r'("(?:[^"\\]|\\.)*")(\s*:)?'
    r"|(-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)"
    r"|\b(true|false|null)\b"
    r"|([{}\[\],:]+)"
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
    display_cap: int = 256 * 1024,
    highlight_cap: int = 64 * 1024,
) -> RenderedBody:
    """Render a response body; `display_cap` bounds the shown text, in characters."""
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
        pretty = _pretty_json(text)
        if pretty is not None:
            shown, truncated = _cap(pretty, display_cap)
            return RenderedBody(
                "json", _highlight(shown, highlight_cap), shown, truncated=truncated, size=size
            )

    shown, truncated = _cap(text, display_cap)
    if _is_xml(mime) and not truncated and (converted := xml_as_json(shown)) is not None:
        return RenderedBody(
            "xml",
            _highlight(converted, highlight_cap),
            shown,
            truncated=False,
            size=size,
            raw_html=html.escape(shown),
        )
    return RenderedBody("text", html.escape(shown), shown, truncated=truncated, size=size)


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


def _pretty_json(text: str) -> str | None:
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return None
    # A lone surrogate (from a "\ud800" escape) cannot be encoded for the page or the database;
    # write it back as the JSON escape it came from.
    return pretty.encode("utf-8", errors="backslashreplace").decode("utf-8")


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
    string, colon, number, fraction, exponent, constant, punctuation = token.groups()
    if string is not None:
        if colon:
            return f'<span class="nt">{string}</span>{colon[:-1]}<span class="p">:</span>'
        return f'<span class="s2">{string}</span>'
    if number is not None:
        return f'<span class="{"mf" if fraction or exponent else "mi"}">{number}</span>'
    if constant is not None:
        return f'<span class="kc">{constant}</span>'
    return f'<span class="p">{punctuation}</span>'


def _binary(mime: str, size: int) -> RenderedBody:
    note = f"{mime or 'unknown type'}, {size:,} bytes (binary, not shown)"
    return RenderedBody("binary", html.escape(note), note, truncated=False, size=size)
