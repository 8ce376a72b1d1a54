"""Generate from response: a JSON Schema (draft 2020-12) inferred from a parsed JSON value.

Arrays are described by one `items` schema merged across all elements: a property is listed if
any element has it and `required` if every object element has it; mixed types become a list.
Properties keep the order in which they first appear, so the schema reads like the response.
"""

from __future__ import annotations

import json

__all__ = ["SCHEMA_DIALECT", "infer_schema", "infer_schema_from_bytes"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# The order in which a type list is written, e.g. ["string", "null"].
_TYPE_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")


def infer_schema(value: object) -> dict:
    """The schema of one parsed JSON value, with "$schema" at the top."""
    return {"$schema": SCHEMA_DIALECT, **_infer_all([value])}


def infer_schema_from_bytes(body: bytes) -> dict:
    """The schema of a response body; ValueError when the body is not JSON."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        raise ValueError("The last response is not JSON.") from None
    try:
        return infer_schema(value)
    except RecursionError:
        raise ValueError("The last response is nested too deeply to infer a schema.") from None


def contains_nul(value: object) -> bool:
    """Whether a parsed JSON value holds a NUL ("\\u0000"), which PostgreSQL cannot store.

    RecursionError for a value nested deeper than the interpreter allows.
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


def _type_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    raise TypeError(f"Not a JSON value: {type(value).__name__}")


def _infer_all(values: list[object]) -> dict:
    """One schema that every value in `values` satisfies."""
    types = {_type_of(value) for value in values}
    if "number" in types:
        types.discard("integer")  # every integer is a number
    ordered = [name for name in _TYPE_ORDER if name in types]
    schema: dict = {"type": ordered[0] if len(ordered) == 1 else ordered}

    objects = [value for value in values if isinstance(value, dict)]
    if objects:
        keys = list(dict.fromkeys(key for obj in objects for key in obj))
        schema["properties"] = {
            key: _infer_all([obj[key] for obj in objects if key in obj]) for key in keys
        }
        required = [key for key in keys if all(key in obj for obj in objects)]
        if required:
            schema["required"] = required

    arrays = [value for value in values if isinstance(value, list | tuple)]
    elements = [element for array in arrays for element in array]
    if elements:
        schema["items"] = _infer_all(elements)
    return schema
