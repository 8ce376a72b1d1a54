"""cURL export: a request as a command to paste into a POSIX shell.

Secrets arrive already replaced by `$NAME` / `${NAME}` placeholders, so the command reads
the real values from the user's environment: words holding a placeholder are double-quoted
(the placeholder stays live, everything else is escaped); every other word is single-quoted.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection

__all__ = ["shell_quote", "to_curl"]

_PLACEHOLDER_RE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)\}|(?P<bare>[A-Za-z_]\w*))", re.ASCII)
# Inside double quotes these still mean something to the shell.
_DOUBLE_QUOTE_ESCAPES = {"\\": "\\\\", '"': '\\"', "`": "\\`", "$": "\\$"}


def to_curl(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: str | None,
    *,
    placeholders: Collection[str] | None = None,
) -> str:
    """A multi-line cURL command; `body=None` sends no body, `""` an empty one.

    `placeholders` names the variables the caller put in; when given, any other `$word`
    (OData's `$select`, MongoDB's `$set`) stays literal. When None, every `$NAME` is live.
    """
    method = method.upper()
    first = ["curl"]
    if method != "GET" or body is not None:
        first += ["-X", shell_quote(method)]
    unglobbed = _PLACEHOLDER_RE.sub(lambda m: "" if _live(m, placeholders) else m[0], url)
    if any(char in unglobbed for char in "[]{}"):
        first.append("--globoff")  # else curl reads `filter[a]=1` as a range of URLs
    first.append(shell_quote(url, placeholders))
    lines = [" ".join(first)]
    for key, value in headers:
        # `-H 'Key:'` would make curl drop the header; `Key;` sends it empty.
        header = f"{key}: {value}" if value else f"{key};"
        lines.append("-H " + shell_quote(header, placeholders))
    if body is not None:
        lines.append("--data-raw " + shell_quote(body, placeholders))
    return " \\\n  ".join(lines)


def shell_quote(word: str, placeholders: Collection[str] | None = None) -> str:
    """Quote one word for a POSIX shell, leaving its `$NAME` placeholders expandable."""
    spans = [match.span() for match in _PLACEHOLDER_RE.finditer(word) if _live(match, placeholders)]
    if not spans:
        return shlex.quote(word)
    out = ['"']
    pos = 0
    for start, end in spans:
        out.append(_escape_double(word[pos:start]))
        out.append(word[start:end])
        pos = end
    out.append(_escape_double(word[pos:]))
    out.append('"')
    return "".join(out)


def _live(match: re.Match[str], placeholders: Collection[str] | None) -> bool:
    name = match.group("braced") or match.group("bare")
    return placeholders is None or name in placeholders


def _escape_double(text: str) -> str:
    escaped = "".join(_DOUBLE_QUOTE_ESCAPES.get(char, char) for char in text)
    # Interactive bash expands `!` even inside double quotes: step out to single quotes for it.
    return escaped.replace("!", "\"'!'\"")
