"""What an HTTP header can carry: a name of token characters, a value without control
characters or anything beyond Latin-1 (RFC 9110 section 5). Pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

# RFC 9110 tchar; a {{template}} in a name is filled before sending, so it is left out here.
_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_TEMPLATE_TAG_RE = re.compile(r"\{\{\{?[^}]*\}?\}\}")
# Visible ASCII, space, tab and obs-text (0x80-0xFF): what HTTP/1.1 sends as it is.
_BAD_VALUE_CHAR_RE = re.compile(r"[^\t\x20-\x7e\x80-\xff]")


class InvalidHeader(Exception):
    """A header that HTTP cannot carry; the message never quotes a credential's value."""


def name_problem(name: str, *, templated: bool = False) -> str | None:
    """`templated`: the name may still hold {{tags}} (as saved, before a Test fills them)."""
    literal = _TEMPLATE_TAG_RE.sub("", name) if templated else name
    if not templated and not name:
        return "A header has no name."
    if literal and not _TOKEN_RE.fullmatch(literal):
        bad = next(ch for ch in literal if not _TOKEN_RE.fullmatch(ch))
        return (
            f"Header name “{name}” has a character HTTP header names cannot carry "
            f"({_describe(bad)}): use letters, digits and - only."
        )
    return None


def value_problem(name: str, value: str, *, secret: bool = False) -> str | None:
    bad = _BAD_VALUE_CHAR_RE.search(value)
    if bad is None:
        return None
    shown = "" if secret else f" ({_describe(bad.group(0))})"
    return (
        f"The value of header “{name}” has a character HTTP headers cannot carry{shown}: "
        "line breaks, control characters and characters beyond Latin-1 (such as €) cannot "
        "be sent in a header."
    )


def check(headers: Iterable[tuple[str, str]], secret_names: Collection[str] = ()) -> None:
    """Raise InvalidHeader for the first header HTTP cannot carry."""
    secret = {n.lower() for n in secret_names}
    for name, value in headers:
        problem = name_problem(name) or value_problem(name, value, secret=name.lower() in secret)
        if problem:
            raise InvalidHeader(problem)


def _describe(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return f"“{char}”"
    return {"\n": "a line break", "\r": "a carriage return", " ": "a space"}.get(
        char, f"U+{ord(char):04X}"
    )
