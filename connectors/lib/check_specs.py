"""What a check on an action may say, and the one parser every door uses (the action form, the
admin, the catalog reader, the API): `parse_checks(data)` returns the checks normalized, or
raises CheckError naming each bad field by its path (`[2].value`). Pure: no I/O, no Django.

A check is `{"type", "path"?, "name"?, "op"?, "value"?}`:

- status: `equals` a code (200) or a class ("2xx"), or is `in` a list of them;
- jsonpath: the RFC 9535 `path` `exists`, `equals` a JSON value, `contains` a value, `matches`
  a regular expression, or has a `type`;
- header: the response header `name` `exists`, `equals` or `contains` a text;
- time: the response arrived `below` a number of milliseconds;
- schema: the body conforms to the action's Output Schema.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import jsonpath_rfc9535
import regex

from connectors.lib import header_rules

TYPES = ("status", "jsonpath", "header", "time", "schema")
TYPE_LABELS = {
    "status": "Status",
    "jsonpath": "JSONPath",
    "header": "Header",
    "time": "Time",
    "schema": "Schema",
}
OPS = ("equals", "in", "exists", "contains", "matches", "type", "below")
OP_LABELS = {
    "equals": "equals",
    "in": "is one of",
    "exists": "exists",
    "contains": "contains",
    "matches": "matches",
    "type": "is of type",
    "below": "is below",
}
# Each type's ops, its default op first (taken when a check names none).
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "status": ("equals", "in"),
    "jsonpath": ("exists", "equals", "contains", "matches", "type"),
    "header": ("exists", "equals", "contains"),
    "time": ("below",),
    "schema": (),
}
JSON_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
KEYS = {"type", "path", "name", "op", "value"}
# An action with no checks is held to this one.
DEFAULT_CHECKS: list[dict[str, Any]] = [{"type": "status", "op": "equals", "value": "2xx"}]

MAX_CHECKS = 50
MAX_PATH = 500  # characters of a JSONPath
MAX_PATTERN = 500  # characters of a regular expression
MAX_TEXT = 2000  # characters of an expected text or JSON value
MAX_MS = 600_000
STATUS_CLASS_RE = re.compile(r"^[1-5]xx$")


class Problem(NamedTuple):
    index: int  # the check's position in the list
    field: str  # "type", "path", "name", "op", "value", or "" for the check as a whole
    message: str

    @property
    def path(self) -> str:
        return f"[{self.index}]" + (f".{self.field}" if self.field else "")


class CheckError(ValueError):
    """Checks that cannot be kept: every problem found, each with its field path."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.path = problems[0].path if problems else ""
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


def parse_checks(data: Any) -> list[dict[str, Any]]:
    """The checks, normalized (defaults filled, values typed); CheckError lists what is wrong."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise CheckError([Problem(0, "", "Checks are a list of objects.")])
    if len(data) > MAX_CHECKS:
        raise CheckError([Problem(MAX_CHECKS, "", f"An action takes at most {MAX_CHECKS} checks.")])
    checks, problems = [], []
    for index, item in enumerate(data):
        try:
            checks.append(parse_check(item, index))
        except CheckError as error:
            problems += error.problems
    if problems:
        raise CheckError(problems)
    return checks


def parse_check(item: Any, index: int = 0) -> dict[str, Any]:
    """One check, normalized; CheckError with every problem of this check."""
    if not isinstance(item, dict):
        raise CheckError([Problem(index, "", "A check is an object with a type.")])
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(index, field, message))

    for key in sorted(set(item) - KEYS):
        problem(key, f"Unknown field {key}: a check has type, path, name, op and value.")
    kind = item.get("type")
    if kind not in TYPES:
        problem("type", f"Choose a type: {', '.join(TYPES)}.")
        raise CheckError(problems)
    ops = OPS_BY_TYPE[kind]
    op = item.get("op") or (ops[0] if ops else None)
    if kind == "schema":
        if op is not None:
            problem("op", "A schema check takes no op: the body conforms to the Output Schema.")
        for key in ("path", "name", "value"):
            if item.get(key) not in (None, ""):
                problem(key, f"A schema check takes no {key}.")
        if problems:
            raise CheckError(problems)
        return {"type": "schema"}
    if op not in ops:
        problem("op", f"A {TYPE_LABELS[kind]} check's op is one of: {', '.join(ops)}.")
        raise CheckError(problems)
    check: dict[str, Any] = {"type": kind, "op": op}
    for key in ("path", "name"):
        wanted = (kind == "jsonpath" and key == "path") or (kind == "header" and key == "name")
        if not wanted and item.get(key) not in (None, ""):
            problem(key, f"A {TYPE_LABELS[kind]} check takes no {key}.")
    if kind == "jsonpath":
        path = _path(item.get("path"), problem)
        if path is not None:
            check["path"] = path
    if kind == "header":
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            problem("name", "Name the response header to check, e.g. Content-Type.")
        elif found := header_rules.name_problem(name.strip()):
            problem("name", found)
        else:
            check["name"] = name.strip()
    value = _value(kind, op, item.get("value"), problem)
    if value is not _NONE:
        check["value"] = value
    if problems:
        raise CheckError(problems)
    return check


_NONE = object()  # no value: an `exists` check


def _path(path: Any, problem: Any) -> str | None:
    if not isinstance(path, str) or not path.strip():
        problem("path", "Give a JSONPath, e.g. $.data[0].id.")
        return None
    path = path.strip()
    if len(path) > MAX_PATH:
        problem("path", f"A JSONPath is at most {MAX_PATH} characters.")
        return None
    try:
        jsonpath_rfc9535.compile(path)
    except jsonpath_rfc9535.JSONPathError as error:
        problem("path", f"Not an RFC 9535 JSONPath: {_first_line(error)}.")
        return None
    return path


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0].rstrip(".") if str(error) else type(error).__name__


def _value(kind: str, op: str, value: Any, problem: Any) -> Any:
    if op == "exists":
        if value not in (None, ""):
            problem("value", "An exists check takes no value.")
        return _NONE
    if kind == "status":
        return _status_value(op, value, problem)
    if kind == "time":
        number = _number(value)
        if number is None or not 0 < number <= MAX_MS:
            problem("value", f"Give a time in milliseconds, above 0 and at most {MAX_MS}.")
            return _NONE
        return int(number) if float(number).is_integer() else number
    if op == "type":
        if value not in JSON_TYPES:
            problem("value", f"Choose a JSON type: {', '.join(JSON_TYPES)}.")
            return _NONE
        return value
    if op == "matches":
        if not isinstance(value, str) or not value:
            problem("value", "Give a regular expression, e.g. ^[a-z]+$.")
            return _NONE
        if len(value) > MAX_PATTERN:
            problem("value", f"A regular expression is at most {MAX_PATTERN} characters.")
            return _NONE
        try:
            regex.compile(value)
        except (regex.error, OverflowError, RecursionError) as error:
            problem("value", f"Not a regular expression: {error}.")
            return _NONE
        return value
    if value is None or (kind == "header" and not isinstance(value, str)):
        problem("value", "Give the value to compare with." if value is None else "Give a text.")
        return _NONE
    if len(str(value)) > MAX_TEXT:
        problem("value", f"A value is at most {MAX_TEXT} characters.")
        return _NONE
    if kind == "header" and header_rules.value_problem("", value):
        problem(
            "value",
            "A header value holds no line break, control character or character beyond Latin-1.",
        )
        return _NONE
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _status_item(value: Any) -> int | str | None:
    """200 or "2xx" (any spelling of them), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if STATUS_CLASS_RE.match(text):
            return text
        value = int(text) if text.isdigit() and len(text) == 3 else None
    if isinstance(value, int) and 100 <= value <= 599:
        return value
    return None


def _status_value(op: str, value: Any, problem: Any) -> Any:
    if op == "equals":
        found = _status_item("2xx" if value in (None, "") else value)
        if found is None:
            problem("value", "Give a status code (200) or a class (2xx).")
            return _NONE
        return found
    items = [part for part in value.split(",") if part.strip()] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problem("value", "Give a list of status codes or classes, e.g. 200, 201, 3xx.")
        return _NONE
    parsed = [_status_item(item) for item in items]
    if None in parsed or len(parsed) > 100:
        problem("value", "Give status codes (200) or classes (2xx), separated by commas.")
        return _NONE
    return parsed


def status_matches(expected: int | str, status: int) -> bool:
    if isinstance(expected, str):
        return str(status)[0] == expected[0]
    return status == expected


def describe(check: dict[str, Any]) -> str:
    """A check as a sentence: `$.data[0].id exists`, `Status is 2xx`."""
    kind, op, value = check["type"], check.get("op"), check.get("value")
    if kind == "schema":
        return "Body conforms to the Output Schema"
    if kind == "time":
        return f"Time is below {value} ms"
    if kind == "status":
        if op == "in":
            return "Status is one of " + ", ".join(str(v) for v in value)
        return f"Status is {value}"
    subject = check["path"] if kind == "jsonpath" else f"Header {check['name']}"
    if op == "exists":
        return f"{subject} exists"
    return f"{subject} {OP_LABELS[op]} {shown_value(value)}"


def shown_value(value: Any) -> str:
    """A value as typed in the form: text as it is, anything else (or text that reads as
    another JSON value, such as "42") as JSON."""
    if isinstance(value, str) and not _reads_as_json(value):
        return value
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _reads_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def typed_value(text: str) -> Any:
    """What a value typed in the form means: JSON when it reads as JSON, else the text."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text
