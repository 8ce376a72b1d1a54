"""Mustache-style templates as Agent Studio uses them in paths, params, headers and bodies.

Supported: `{{name}}` (escaped by the caller's `escape`), `{{{name}}}` and `{{& name}}` (raw),
sections `{{#name}}...{{/name}}` (kept when the value is truthy) and inverted sections
`{{^name}}...{{/name}}`. A section is rendered once, never iterated: it exists to drop an
optional param. Pure functions, no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, quote_plus

__all__ = [
    "MAX_SECTION_DEPTH",
    "ConstructError",
    "RenderTooLarge",
    "TemplateError",
    "escape_form",
    "escape_json_string",
    "escape_none",
    "escape_path_segment",
    "render",
    "to_text",
    "variables",
]

# One tag: triple braces first, so `{{{x}}}` is not read as `{{` + `{x}}}`. No newlines inside.
_TAG_RE = re.compile(r"\{\{\{(?P<raw>[^\n]*?)\}\}\}|\{\{(?P<tag>[^\n]*?)\}\}")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# Sections exist to drop optional params: a few levels are plenty, and rendering recurses.
MAX_SECTION_DEPTH = 20


class TemplateError(ValueError):
    """The template itself is malformed (unclosed or mismatched section, bad tag)."""


class RenderTooLarge(Exception):
    """The filled template would pass the size it may have; rendering stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the rendered text would be longer than {limit} characters")
        self.limit = limit


class ConstructError(Exception):
    """A value the template needs was not given: Agent Studio's "Failed to construct request"."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Failed to construct request: `{{{{{name}}}}}` has no value")
        self.name = name


@dataclass(frozen=True)
class _Var:
    name: str
    raw: bool


@dataclass(frozen=True)
class _Section:
    name: str
    inverted: bool
    children: tuple[_Node, ...]


_Node = str | _Var | _Section


def _text(text: str) -> str:
    # Any `{{` left in plain text belongs to a tag that never closes.
    if "{{" in text:
        snippet = text[text.index("{{") :][:20]
        raise TemplateError(f"Unclosed tag: `{snippet}` has no closing `}}}}`.")
    return text


def _name(tag: str, inner: str) -> str:
    name = inner.strip()
    if not _NAME_RE.fullmatch(name):
        raise TemplateError(f"Bad tag `{tag}`: expected a name such as `{{{{user_id}}}}`.")
    return name


@lru_cache(maxsize=512)
def _parse(template: str) -> tuple[_Node, ...]:
    # A stack of open sections: (name, inverted, children so far).
    stack: list[tuple[str, bool, list[_Node]]] = [("", False, [])]
    pos = 0
    for match in _TAG_RE.finditer(template):
        if match.start() > pos:
            stack[-1][2].append(_text(template[pos : match.start()]))
        pos = match.end()
        tag = match.group(0)
        if match.group("raw") is not None:
            stack[-1][2].append(_Var(_name(tag, match.group("raw")), raw=True))
            continue
        inner = match.group("tag").strip()
        sigil, rest = inner[:1], inner[1:]
        if sigil in ("#", "^"):
            if len(stack) > MAX_SECTION_DEPTH:
                raise TemplateError(
                    f"Sections are nested more than {MAX_SECTION_DEPTH} deep at `{tag}`: "
                    "close some before opening more."
                )
            stack.append((_name(tag, rest), sigil == "^", []))
        elif sigil == "/":
            name = _name(tag, rest)
            if len(stack) == 1:
                raise TemplateError(f"`{tag}` closes a section that was never opened.")
            open_name, inverted, children = stack.pop()
            if name != open_name:
                opener = ("{{^" if inverted else "{{#") + open_name + "}}"
                raise TemplateError(f"`{tag}` does not match the open section `{opener}`.")
            stack[-1][2].append(_Section(name, inverted, tuple(children)))
        elif sigil == "&":
            stack[-1][2].append(_Var(_name(tag, rest), raw=True))
        else:
            stack[-1][2].append(_Var(_name(tag, inner), raw=False))
    if pos < len(template):
        stack[-1][2].append(_text(template[pos:]))
    if len(stack) > 1:
        name, inverted, _ = stack[-1]
        opener = ("{{^" if inverted else "{{#") + name + "}}"
        raise TemplateError(f"Section `{opener}` is never closed with `{{{{/{name}}}}}`.")
    return tuple(stack[0][2])


def variables(template: str) -> set[str]:
    """Every name the template uses, in variables and sections alike."""
    names: set[str] = set()

    def walk(nodes: tuple[_Node, ...]) -> None:
        for node in nodes:
            if isinstance(node, _Var):
                names.add(node.name)
            elif isinstance(node, _Section):
                names.add(node.name)
                walk(node.children)

    walk(_parse(template))
    return names


def to_text(value: object) -> str:
    """How a non-string value is written into a request."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def escape_none(text: str) -> str:
    return text


def render(
    template: str,
    values: Mapping[str, object],
    escape: Callable[[str], str] = escape_none,
    *,
    limit: int | None = None,
) -> str:
    """Fill the template; raises TemplateError on bad syntax, ConstructError on a missing value,
    RenderTooLarge as soon as the text passes `limit` characters (before building it whole)."""
    out: list[str] = []
    length = 0

    def add(text: str) -> None:
        nonlocal length
        length += len(text)
        if limit is not None and length > limit:
            raise RenderTooLarge(limit)
        out.append(text)

    def walk(nodes: tuple[_Node, ...], enclosing: frozenset[str]) -> None:
        for node in nodes:
            if isinstance(node, str):
                add(node)
            elif isinstance(node, _Var):
                value = values.get(node.name)
                if value is None:
                    # `{{#x}}...{{x}}...{{/x}}` says x is optional: empty, not an error.
                    if node.name not in enclosing:
                        raise ConstructError(node.name)
                    continue
                text = to_text(value)
                add(text if node.raw else escape(text))
            else:
                value = values.get(node.name)
                if bool(value) != node.inverted:
                    walk(node.children, enclosing | {node.name})

    walk(_parse(template), frozenset())
    return "".join(out)


# Escapes the executor passes to render(), one per place a value lands.


def escape_path_segment(text: str) -> str:
    """A value inside one path segment: `/` and `?` are encoded too."""
    return quote(text, safe="")


def escape_json_string(text: str) -> str:
    """What goes between the quotes of a JSON string: `"{{name}}"`."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def escape_form(text: str) -> str:
    """A value in `application/x-www-form-urlencoded` data."""
    return quote_plus(text)
