"""The forms a secret takes in text, and one pass that masks them all.

An API may echo a secret back percent-encoded, as base64 (in any position of a longer
stream), as hex or JSON-escaped; each of those forms is masked like the raw value. Pure
functions, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus

from ahocorasick_rs import AhoCorasick, MatchKind

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


def forms_of(secret: str) -> set[str]:
    """Every text form of the secret that redact() masks, the raw value included."""
    data = secret.encode()
    hexed = binascii.hexlify(data).decode()
    json_ascii = json.dumps(secret)[1:-1]
    forms = {
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote_plus(secret, safe="/"),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe="")),
        hexed,
        hexed.upper(),
        json_ascii,
        json_ascii.replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        *base64_forms(data),
    }
    return {form for form in forms if len(form) >= MIN_FORM_CHARS} | {secret}


@lru_cache(maxsize=64)
def _masker(secrets: tuple[str, ...], mask_raw: Callable[[str], str], mask: str) -> Callable:
    """One Aho-Corasick automaton over every form of every secret: a single pass over the
    text finds them all, leftmost and longest first (a regex alternation of dozens of forms
    without a common prefix is some 30 times slower)."""
    replacement: dict[str, str] = {}
    for secret in secrets:
        for form in forms_of(secret):
            replacement.setdefault(form, mask)
    for secret in secrets:  # the raw value may show its hint
        replacement[secret] = mask_raw(secret)
    forms = list(replacement)
    automaton = AhoCorasick(forms, matchkind=MatchKind.LeftmostLongest)

    def masked(text: str) -> str:
        out, pos = [], 0
        for index, start, end in automaton.find_matches_as_indexes(text):
            out += [text[pos:start], replacement[forms[index]]]
            pos = end
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)

    return masked


def redact(text: str, secrets: Iterable[str], *, mask_raw: Callable[[str], str], mask: str) -> str:
    """Replace every form of every known secret in text in one pass."""
    known = tuple(sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}))
    if not known or not text:
        return text
    return _masker(known, mask_raw, mask)(text)


def found_in_bytes(data: bytes, secrets: Iterable[str]) -> bool:
    """Whether bytes hold a known secret: bytes cannot be masked like text, so a body that does
    is not kept. Every form redact() masks (as UTF-8), plus UTF-16 in both byte orders and
    Latin-1. A secret inside compressed data (a zip, a PDF stream) is beyond such a search."""
    for secret in {s for s in secrets if len(s) >= 4}:
        found = {form.encode() for form in forms_of(secret)}
        found |= {secret.encode("utf-16-le"), secret.encode("utf-16-be")}
        found.add(secret.encode("latin-1", errors="ignore") or secret.encode())
        if any(form in data for form in found):
            return True
    return False
