"""The forms a secret takes in text, and one pass that masks them all.

An API may echo a secret back percent-encoded, as base64 (in any position of a longer
stream), as hex or JSON-escaped, and one of those inside another (percent of percent, base64
of percent, percent of base64, JSON-escaped of each); each form is masked like the raw value.
Escapes a reader decodes (XML and HTML character references and entities, JSON `\\u` and
backslash escapes, percent runs) are decoded, two layers deep, and what a decoded text reveals
is masked where it stands in the original. Pure functions, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, MatchKind

MIN_SECRET_CHARS = 4  # shorter values are too common to mask
MIN_FORM_CHARS = 6  # an encoded form shorter than this would mask ordinary text


def base64_forms(data: bytes) -> set[str]:
    """The base64 text that `data` always turns into, wherever it starts in a longer stream.

    Data starting at byte 0, 1 or 2 of a 3-byte group encodes differently; in each
    alignment only the characters made of the data's bits alone are stable, whatever comes
    before or after, so those are the ones to look for. Standard and URL-safe alphabets.
    """
    forms: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode()
        first = -(-8 * offset // 6)  # the first character holding only data bits
        last = 8 * (offset + len(data)) // 6  # one past the last such character
        stable = encoded[first:last]
        forms |= {stable, stable.replace("+", "-").replace("/", "_")}
    return forms


def basic_credentials(user: str, password: str) -> str:
    """The value of an `Authorization: Basic` header (RFC 7617: base64 of user:password)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _percent_forms(text: str) -> set[str]:
    """The ways text is percent-encoded: `/` kept or not, `+` for space, lower-case hex."""
    return {
        quote(text, safe=""),
        quote(text),
        quote_plus(text),
        quote_plus(text, safe="/"),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(text, safe="")),
    }


def _json_forms(text: str) -> set[str]:
    """Text inside a JSON string: ASCII-escaped, `/` escaped too, or as UTF-8."""
    ascii_form = json.dumps(text)[1:-1]
    return {ascii_form, ascii_form.replace("/", "\\/"), json.dumps(text, ensure_ascii=False)[1:-1]}


def forms_of(secret: str) -> set[str]:
    """Every text form of the secret that redact() masks, the raw value included: each
    encoding, and to depth two percent of percent, base64 of percent, percent of base64 and
    JSON-escaped of each."""
    data = secret.encode()
    hexed = binascii.hexlify(data).decode()
    percent = _percent_forms(secret)
    based = base64_forms(data)
    nested = {twice for once in percent for twice in _percent_forms(once)}
    nested |= {stable for once in percent for stable in base64_forms(once.encode())}
    nested |= {twice for stable in based for twice in _percent_forms(stable)}
    forms = {*percent, hexed, hexed.upper(), *_json_forms(secret), *based, *nested}
    forms |= {escaped for form in percent | based | nested for escaped in _json_forms(form)}
    return {form for form in forms if len(form) >= MIN_FORM_CHARS} | {secret}


@lru_cache(maxsize=64)
def _masker(secrets: tuple[str, ...], mask_raw: Callable[[str], str], mask: str) -> Callable:
    """One Aho-Corasick automaton over every form of every secret: a single pass over the
    text finds them all, leftmost and longest first (a regex alternation of dozens of forms
    without a common prefix is some 30 times slower). Then each decoded layer of the text,
    when it has escapes, is searched with the same automaton."""
    replacement: dict[str, str] = {}
    for secret in secrets:
        for form in forms_of(secret):
            replacement.setdefault(form, mask)
    for secret in secrets:  # the raw value may show its hint
        replacement[secret] = mask_raw(secret)
    forms = list(replacement)
    automaton = AhoCorasick(forms, matchkind=MatchKind.LeftmostLongest)
    reach = max(map(len, forms))  # a form found in a decoded text lies this near an escape

    def masked(text: str) -> str:
        out, pos = [], 0
        for index, start, end in automaton.find_matches_as_indexes(text):
            out += [text[pos:start], replacement[forms[index]]]
            pos = end
        if out:
            out.append(text[pos:])
            text = "".join(out)
        return _mask_decoded(text, automaton, mask, reach)

    return masked


def redact(text: str, secrets: Iterable[str], *, mask_raw: Callable[[str], str], mask: str) -> str:
    """Replace every form of every known secret in text in one pass, and every escaped
    spelling of one (character references, `\\u` escapes, percent runs) where it stands."""
    known = tuple(sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}))
    if not known or not text:
        return text
    return _masker(known, mask_raw, mask)(text)


def reveals(text: str, secrets: Iterable[str]) -> bool:
    """Whether text, or a decoded layer of it, still shows a form of a known secret."""
    return redact(text, secrets, mask_raw=_MARK, mask=_MARK("")) != text


def _MARK(_secret: str) -> str:  # noqa: N802 - a constant-like marker for reveals()
    return "\x00"


# --- escapes a reader decodes -----------------------------------------------------------------

DECODED_ROUNDS = 3  # two encodings deep inside a JSON string, whose own escapes are one more
_BACKSLASHED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _decode_reference(escape: str) -> str:
    return html.unescape(escape)


def _decode_backslash(escape: str) -> str:
    kind = escape[1]
    if kind == "u":
        units = escape[2:6] + escape[8:12]  # a surrogate pair is two escapes
        try:
            return bytes.fromhex(units).decode("utf-16-be")
        except UnicodeDecodeError:  # a lone surrogate stays as it was written
            return escape
    if kind == "x":
        return chr(int(escape[2:], 16))
    return _BACKSLASHED.get(kind, kind)


def _decode_percent(escape: str) -> str:
    return unquote(escape, errors="replace")


# One decoder per kind of escape, each a literal first character (a fast scan) and run only
# when that character is in the text: XML/HTML references, JSON and JavaScript backslash
# escapes, runs of percent-encoded bytes.
_DECODERS: list[tuple[str, re.Pattern[str], Callable[[str], str]]] = [
    (
        "&",
        re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)"),
        _decode_reference,
    ),
    (
        "\\",
        re.compile(
            r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
            r"|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\/\"'bfnrt])"
        ),
        _decode_backslash,
    ),
    ("%", re.compile(r"%[0-9a-fA-F]{2}(?:%[0-9a-fA-F]{2})*"), _decode_percent),
]


class _Layer:
    """A text with one kind of escape decoded, and where each escape was, to map back."""

    def __init__(self, text: str, pattern: re.Pattern[str], decode: Callable[[str], str]):
        self.starts: list[int] = []  # where each escape's output starts in the decoded text
        self.spans: list[tuple[int, int, int]] = []  # (output end, escape start, escape end)
        shift = 0  # decoded offset minus original offset

        def decoded(match: re.Match[str]) -> str:
            nonlocal shift
            output = decode(match.group(0))
            start, end = match.span()
            self.starts.append(start + shift)
            self.spans.append((start + shift + len(output), start, end))
            shift += len(output) - (end - start)
            return output

        self.text = pattern.sub(decoded, text)

    def outer(self, position: int, *, end: bool) -> int:
        """The position in the text this layer was decoded from; inside an escape's output,
        the whole escape."""
        probe = position - 1 if end else position
        index = bisect_right(self.starts, probe) - 1
        if index < 0:
            return position
        out_end, in_start, in_end = self.spans[index]
        if probe < out_end:
            return in_end if end else in_start
        return in_end + (position - out_end)


def _layers(text: str) -> list[_Layer]:
    """Each decoding of text in turn, every kind of escape, DECODED_ROUNDS times."""
    layers: list[_Layer] = []
    for _ in range(DECODED_ROUNDS):
        for trigger, pattern, decode in _DECODERS:
            current = layers[-1].text if layers else text
            if trigger in current:
                layer = _Layer(current, pattern, decode)
                if layer.spans:
                    layers.append(layer)
    return layers


def _windows(text: str, reach: int) -> list[list[int]]:
    """The stretches of text within `reach` of an escape, merged: only they can reveal a form
    once decoded (text far from every escape decodes to itself and was searched already)."""
    spots: list[tuple[int, int]] = []
    for trigger, pattern, _ in _DECODERS:
        if trigger in text:
            spots += [match.span() for match in pattern.finditer(text)]
    windows: list[list[int]] = []
    for start, end in sorted(spots):
        start, end = max(0, start - reach), min(len(text), end + reach)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    return windows


def _mask_decoded(text: str, automaton: AhoCorasick, mask: str, reach: int) -> str:
    """Mask what each decoded layer of text reveals, where it stands in text."""
    spans: list[tuple[int, int]] = []
    for offset, window_end in _windows(text, reach):
        layers = _layers(text[offset:window_end])
        for depth, layer in enumerate(layers):
            for _, start, end in automaton.find_matches_as_indexes(layer.text):
                for inner in reversed(layers[: depth + 1]):
                    start, end = inner.outer(start, end=False), inner.outer(end, end=True)
                spans.append((offset + start, offset + end))
    if not spans:
        return text
    out, pos = [], 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        out += [text[pos : max(start, pos)], mask if start >= pos else ""]
        pos = end
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=64)
def _bytes_automaton(secrets: tuple[str, ...]) -> BytesAhoCorasick:
    found: set[bytes] = set()
    for secret in secrets:
        found |= {form.encode() for form in forms_of(secret)}
        found |= {secret.encode("utf-16-le"), secret.encode("utf-16-be")}
        found.add(secret.encode("latin-1", errors="ignore") or secret.encode())
    return BytesAhoCorasick(list(found))


def found_in_bytes(data: bytes, secrets: Iterable[str]) -> bool:
    """Whether bytes hold a known secret: bytes cannot be masked like text, so a body that does
    is not kept. Every form redact() masks (as UTF-8), plus UTF-16 in both byte orders and
    Latin-1, in one pass. A secret inside compressed data (a zip, a PDF stream) is beyond such
    a search."""
    known = tuple(sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}))
    if not known or not data:
        return False
    return bool(_bytes_automaton(known).find_matches_as_indexes(data))
