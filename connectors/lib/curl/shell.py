"""Reading a pasted command line into words, as a POSIX shell (or Windows cmd) would.

Nothing is expanded: a shell variable (`$NAME`, `${NAME}`, `%NAME%` in cmd) or a command
substitution (`$(...)`, backticks) is kept as a marker, `VAR_OPEN + name + VAR_CLOSE`, so the
importer can turn it into a `{{NAME}}` reference. Pure functions, no I/O.
"""

from __future__ import annotations

import re

__all__ = ["VAR_CLOSE", "VAR_OPEN", "CurlParseError", "split_command"]

# Private-use characters: they never occur in a pasted command.
VAR_OPEN, VAR_CLOSE = "\ue000", "\ue001"
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTINUATION_RE = re.compile(r"\\[ \t]*\n")
_CMD_CONTINUATION_RE = re.compile(r"\^[ \t]*\n")
_ANSI_C = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


class CurlParseError(ValueError):
    """The command cannot be read; the message names the token at fault."""


def marker(name: str) -> str:
    return f"{VAR_OPEN}{name}{VAR_CLOSE}"


def _opened_at(text: str, start: int) -> str:
    """The few characters from `start` a person can find in what they pasted."""
    rest = text[start:]
    first = re.match(r"\S+", rest[1:])
    token = rest[0] + (first.group(0) if first else "")
    return token if len(token) <= 24 else token[:24] + "…"


def split_command(text: str) -> tuple[list[str], list[str]]:
    """The words of the first command in `text`, and notes on what was left out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CMD_CONTINUATION_RE.search(text) or re.match(r"curl(\.exe)?\s+\^\"", text):
        return _split_cmd(text)
    return _Posix(text).words()


class _Posix:
    """bash's quoting: '...', "..." with backslash escapes, $'...', backslash-newline."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.notes: list[str] = []

    def words(self) -> tuple[list[str], list[str]]:
        text, words = self.text, []
        word: list[str] = []
        started = False
        while self.i < len(text):
            c = text[self.i]
            if c == "\\" and (m := _CONTINUATION_RE.match(text, self.i)):
                self.i = m.end()
            elif c == "\\":
                if self.i + 1 < len(text):
                    word.append(text[self.i + 1])
                    started = True
                self.i += 2
            elif c in " \t":
                started = self._end(words, word, started)
                self.i += 1
            elif c == "\n" and not words and not started:
                self.i += 1  # a blank or comment line before the command
            elif c == "\n":
                started = self._end(words, word, started)
                if not self._next_line_continues():
                    break
            elif c == "#" and not started:
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            elif c in "|;&":
                started = self._end(words, word, started)
                rest = text[self.i :].strip()
                self.notes.append(f"Only the curl command was read; `{_short(rest)}` was ignored.")
                break
            elif c in "<>":
                if started and "".join(word) in {"1", "2", "&"}:
                    word, started = [], False  # the 2 of 2>/dev/null
                started = self._end(words, word, started)
                self._skip_redirect()
            elif c == "'":
                word.append(self._single())
                started = True
            elif c == '"':
                word.append(self._double())
                started = True
            elif c == "$" and text.startswith("$'", self.i):
                word.append(self._ansi_c())
                started = True
            elif c == "$" and text.startswith('$"', self.i):
                self.i += 1
                word.append(self._double())
                started = True
            elif c in "$`":
                word.append(self._dollar())
                started = True
            else:
                word.append(c)
                started = True
                self.i += 1
        self._end(words, word, started)
        return words, self.notes

    @staticmethod
    def _end(words: list[str], word: list[str], started: bool) -> bool:
        if started:
            words.append("".join(word))
        word.clear()
        return False

    def _next_line_continues(self) -> bool:
        """A line that starts with `-` after a line with no backslash: docs often drop one."""
        rest = self.text[self.i :]
        stripped = rest.lstrip()
        while stripped.startswith("#"):  # a comment line: skipped, as the shell does
            stripped = stripped.partition("\n")[2].lstrip()
        self.i += len(rest) - len(stripped)
        if not stripped:
            return False
        if stripped.startswith("-"):
            note = "A line ended without `\\`; the next line, starting with -, was read as more."
            if note not in self.notes:
                self.notes.append(note)
            return True
        self.notes.append(f"Only the first command was read; `{_short(stripped)}` was ignored.")
        self.i = len(self.text)
        return False

    def _skip_redirect(self) -> None:
        match = re.compile(r"[<>&]+\s*(\"[^\"]*\"|'[^']*'|`[^`]*`|\$\([^)]*\)|\S*)").match(
            self.text, self.i
        )
        assert match is not None
        self.notes.append(f"Ignored the redirection `{match.group(0).strip()}`.")
        self.i = match.end()

    def _single(self) -> str:
        end = self.text.find("'", self.i + 1)
        if end < 0:
            raise self._unclosed()
        value = self.text[self.i + 1 : end]
        self.i = end + 1
        return value

    def _double(self) -> str:
        start, text = self.i, self.text
        out: list[str] = []
        self.i += 1
        while self.i < len(text):
            c = text[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\" and self.i + 1 < len(text) and text[self.i + 1] in '$`"\\\n':
                if text[self.i + 1] != "\n":
                    out.append(text[self.i + 1])
                self.i += 2
            elif c in "$`":
                out.append(self._dollar())
            else:
                out.append(c)
                self.i += 1
        self.i = start
        raise self._unclosed()

    def _ansi_c(self) -> str:
        start, text = self.i, self.text
        out: list[str] = []
        self.i += 2
        while self.i < len(text):
            c = text[self.i]
            if c == "'":
                self.i += 1
                return "".join(out)
            if c != "\\" or self.i + 1 >= len(text):
                out.append(c)
                self.i += 1
                continue
            nxt = text[self.i + 1]
            number = re.compile(
                r"x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|([0-7]{1,3})"
            ).match(text, self.i + 1)
            if nxt in _ANSI_C:
                out.append(_ANSI_C[nxt])
                self.i += 2
            elif number:
                digits = next(g for g in number.groups() if g)
                out.append(chr(int(digits, 8 if number.group(4) else 16)))
                self.i = number.end()
            else:
                out.append("\\" + nxt)
                self.i += 2
        self.i = start
        raise self._unclosed()

    def _dollar(self) -> str:
        """`$NAME`, `${NAME}`, `$(...)` or a backtick command: a marker; else a plain `$`."""
        text, i = self.text, self.i
        if text[i] == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise CurlParseError(
                    f"Could not read the command: the backtick at `{_opened_at(text, i)}` "
                    "is never closed."
                )
            self.i = end + 1
            return marker("$(" + text[i + 1 : end].strip() + ")")
        nxt = text[i + 1 : i + 2]
        if nxt == "{":
            end = text.find("}", i + 2)
            name = _NAME_RE.match(text, i + 2)
            if end < 0 or not name:
                raise CurlParseError(
                    f"Could not read the command: `{_opened_at(text, i)}` is not a variable."
                )
            self.i = end + 1  # ${NAME:-default} is read as NAME
            return marker(name.group(0))
        if nxt == "(":
            end = _closing_paren(text, i + 1)
            if end < 0:
                raise CurlParseError(
                    f"Could not read the command: the `$(` at `{_opened_at(text, i)}` "
                    "is never closed."
                )
            self.i = end + 1
            return marker("$(" + text[i + 2 : end].strip() + ")")
        if name := _NAME_RE.match(text, i + 1):
            self.i = name.end()
            return marker(name.group(0))
        self.i += 1
        return "$"

    def _unclosed(self) -> CurlParseError:
        return CurlParseError(
            f"Could not read the command: the quote opened at `{_opened_at(self.text, self.i)}` "
            "is never closed."
        )


def _closing_paren(text: str, open_at: int) -> int:
    depth = 0
    quote = ""
    for j in range(open_at, len(text)):
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _short(text: str) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= 40 else line[:40] + "…"


# --- Windows cmd ---------------------------------------------------------------------------------


def _split_cmd(text: str) -> tuple[list[str], list[str]]:
    """cmd removes `^` escapes (`^` + newline continues the line) and expands %NAME%; then the
    program splits its command line by the MSVC rules: "..." groups, \\" is a quote."""
    notes: list[str] = []
    out: list[str] = []
    in_quotes = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "^" and not in_quotes and (m := _CMD_CONTINUATION_RE.match(text, i)):
            i = m.end()
            continue
        if c == "^" and not in_quotes:
            out.append(text[i + 1 : i + 2])
            i += 2
            continue
        if c == "%" and (m := re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)%").match(text, i)):
            out.append(marker(m.group(1)))
            i = m.end()
            continue
        if c == '"':
            in_quotes = not in_quotes
        elif c == "\n" and not in_quotes:
            rest = text[i:].strip()
            if rest:
                notes.append(f"Only the first command was read; `{_short(rest)}` was ignored.")
            break
        out.append(c)
        i += 1
    return _split_msvc("".join(out)), notes


def _split_msvc(line: str) -> list[str]:
    words: list[str] = []
    word: list[str] = []
    started = in_quotes = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            run = len(line[i:]) - len(line[i:].lstrip("\\"))
            if line[i + run : i + run + 1] == '"':
                word.append("\\" * (run // 2))
                if run % 2:
                    word.append('"')
                    i += run + 1
                else:
                    i += run  # the quote toggles below
                started = True
                continue
            word.append("\\" * run)
            i += run
            started = True
            continue
        if c == '"':
            if in_quotes and line[i + 1 : i + 2] == '"':
                word.append('"')
                i += 2
                continue
            in_quotes = not in_quotes
            started = True
        elif c in " \t\n" and not in_quotes:
            if started:
                words.append("".join(word))
            word, started = [], False
        else:
            word.append(c)
            started = True
        i += 1
    if in_quotes:
        opened = _opened_at(line, line.rfind('"'))
        raise CurlParseError(
            f"Could not read the command: the quote opened at `{opened}` is never closed."
        )
    if started:
        words.append("".join(word))
    return words
