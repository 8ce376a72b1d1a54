"""Names an import gives: snake_case identifiers, unique within their connector."""

from __future__ import annotations

import re

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD_RE = re.compile(r"[^A-Za-z0-9]+")
MAX_LENGTH = 64


def snake(text: str) -> str:
    """`listPets`, `List pets`, `pets.list` -> `list_pets`; empty when nothing is left."""
    words = _NON_WORD_RE.sub("_", _CAMEL_RE.sub("_", text)).strip("_").lower()
    return re.sub(r"_+", "_", words)


def identifier(text: str, fallback: str = "item") -> str:
    """A valid Name (a letter first, 2 to 64 characters) made from text."""
    name = snake(text) or fallback
    if not name[0].isalpha():
        name = f"{fallback}_{name}"
    if len(name) < 2:
        name = f"{name}_{fallback}"
    return name[:MAX_LENGTH].rstrip("_") or fallback


_IDENTIFIER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,63}$")


def arg_name(raw: str) -> str:
    """A parameter's name as it is when it is a valid Name (petId), else made one (pet_id)."""
    return raw if _IDENTIFIER_RE.match(raw) else identifier(raw, "arg")


def action_name(operation_id: str, method: str, path: str) -> str:
    """From the operationId, else the method and path: GET /pets/{id} -> get_pets_id."""
    if operation_id and snake(operation_id):
        return identifier(operation_id, "action")
    return identifier(f"{method} {path}", "action")


def unique(name: str, taken: set[str]) -> str:
    """name, or name_2, name_3... whichever is not taken (case-insensitive); adds it to taken."""
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"_{n}"
        candidate = name[: MAX_LENGTH - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate
