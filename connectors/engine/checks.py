"""Checks evaluated on a stored run: did the API answer as the action says it should?

They read the run as stored, after masking: the body, headers and status a person sees. A
check can therefore never tell whether a secret was in the response (the secret is already a
mask there), and what it reports is masked again with the run's secrets.

A run passes when it was sent, answered, and every check passed; an action with no checks is
held to `status 2xx` (checks.DEFAULT_CHECKS).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import jsonpath_rfc9535
import jsonschema
import referencing.exceptions
import regex
from jsonpath_rfc9535 import functions as jsonpath_functions

from connectors.lib import check_specs, rendering
from connectors.models import Action, TestRun
from connectors.secrets import sealing

REGEX_SECONDS = 0.25  # a pattern that backtracks for longer fails rather than stalls a Test
SCHEMA_ERRORS_SHOWN = 5
SCHEMA_ERRORS_COUNTED = 100
SHOWN_CHARS = 200  # of an expected or actual value in a result


@dataclass
class Result:
    type: str
    passed: bool
    detail: str
    expected: str = ""
    actual: str = ""
    label: str = ""  # the check as a sentence


class _TimedMatch(jsonpath_functions.Match):
    def go(self, pattern: regex.Pattern[str], string: str) -> bool:
        return bool(pattern.fullmatch(string, timeout=REGEX_SECONDS))


class _TimedSearch(jsonpath_functions.Search):
    def go(self, pattern: regex.Pattern[str], string: str) -> bool:
        return bool(pattern.search(string, timeout=REGEX_SECONDS))


class _Environment(jsonpath_rfc9535.JSONPathEnvironment):
    """RFC 9535 as the library has it, its match() and search() bounded in time too."""

    def __init__(self) -> None:
        super().__init__()
        self.functions["match"] = _TimedMatch(thread_safe=True)
        self.functions["search"] = _TimedSearch(thread_safe=True)


JSONPATH = _Environment()


def judge(run: TestRun, action: Action, hide: Iterable[str] = ()) -> TestRun:
    """Evaluate the action's checks on the run; sets run.check_results and run.passed."""
    hide = list(hide)
    answered = not run.error_kind and run.status is not None
    if not answered:
        run.check_results, run.passed = [], False
        return run
    body = _Body(run)
    results = []
    for check in action.checks or check_specs.DEFAULT_CHECKS:
        result = _evaluate(check, run, body, action.output_schema)
        result.label = check_specs.describe(check) + (" (default)" if not action.checks else "")
        results.append(_masked(result, hide))
    run.check_results = [asdict(result) for result in results]
    run.passed = all(result.passed for result in results)
    return run


def _masked(result: Result, hide: list[str]) -> Result:
    for name in ("detail", "expected", "actual", "label"):
        text = getattr(result, name)
        if hide and text:
            setattr(result, name, sealing.redact(text, hide))
    return result


class _Body:
    """The stored body as JSON, parsed once and only when a check asks for it."""

    def __init__(self, run: TestRun) -> None:
        self.run = run
        self._parsed: tuple[Any, str] | None = None

    def parsed(self) -> tuple[Any, str]:
        """(value, "") or (None, why the body cannot be read as JSON)."""
        if self._parsed is None:
            self._parsed = self._parse()
        return self._parsed

    def _parse(self) -> tuple[Any, str]:
        run = self.run
        if run.is_binary:
            return None, "The body is binary, not JSON."
        if run.body_truncated:
            return None, "The body was cut where the studio stops keeping it: too long to check."
        text = run.response_body
        if not text.strip():
            return None, "The body is empty."
        if "xml" in run.content_type.lower():
            text = rendering.xml_as_json(text) or text
        try:
            return json.loads(text), ""
        except (ValueError, RecursionError):
            return None, "The body is not JSON."


def _evaluate(check: dict[str, Any], run: TestRun, body: _Body, schema: Any) -> Result:
    kind = check["type"]
    if kind == "status":
        return _status(check, run)
    if kind == "time":
        return _time(check, run)
    if kind == "header":
        return _header(check, run)
    value, problem = body.parsed()
    if problem:
        return Result(kind, False, problem, expected=_expected(check), actual="")
    if kind == "jsonpath":
        return _jsonpath(check, value)
    return _schema(value, schema)


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _shown(value: Any) -> str:
    return _short(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


def _expected(check: dict[str, Any]) -> str:
    if check["type"] == "schema":
        return "conforms to the Output Schema"
    if check.get("op") == "exists":
        return "present"
    if check["type"] == "status" and check["op"] == "in":
        return ", ".join(str(v) for v in check["value"])
    if check.get("op") == "below":
        return f"below {check['value']} ms"
    if check.get("op") in ("matches", "contains", "type"):
        shown = _short(check_specs.shown_value(check["value"]))
        return f"{check_specs.OP_LABELS[check['op']]} {shown}"
    return _short(check_specs.shown_value(check["value"]))


def _status(check: dict[str, Any], run: TestRun) -> Result:
    wanted = check["value"] if check["op"] == "in" else [check["value"]]
    passed = any(check_specs.status_matches(item, run.status) for item in wanted)
    detail = "The status is as expected." if passed else f"The API answered {run.status}."
    return Result("status", passed, detail, _expected(check), str(run.status))


def _time(check: dict[str, Any], run: TestRun) -> Result:
    elapsed = run.elapsed_ms or 0.0
    passed = elapsed < check["value"]
    detail = "Fast enough." if passed else f"The response took {elapsed:.0f} ms."
    return Result("time", passed, detail, _expected(check), f"{elapsed:.0f} ms")


def _header(check: dict[str, Any], run: TestRun) -> Result:
    name = check["name"]
    values = [v for k, v in run.response_headers if k.lower() == name.lower()]
    actual = ", ".join(values)
    if not values:
        return Result("header", False, f"No {name} header came back.", _expected(check), "")
    if check["op"] == "exists":
        return Result("header", True, f"{name} came back.", _expected(check), _short(actual))
    wanted = check["value"]
    if check["op"] == "equals":
        passed = any(v == wanted for v in values)
    else:
        passed = any(wanted in v for v in values)
    detail = "As expected." if passed else f"{name} is not as expected."
    return Result("header", passed, detail, _expected(check), _short(actual))


def _jsonpath(check: dict[str, Any], document: Any) -> Result:
    path, op = check["path"], check["op"]
    expected = _expected(check)
    try:
        nodes = JSONPATH.find(path, document)
    except TimeoutError:
        return Result("jsonpath", False, f"{path} took too long to evaluate.", expected)
    except (jsonpath_rfc9535.JSONPathError, RecursionError) as error:
        return Result("jsonpath", False, f"{path} could not be evaluated: {error}.", expected)
    values = nodes.values()
    if not values:
        return Result("jsonpath", False, f"{path} matched nothing in the body.", expected, "")
    actual = _shown(values[0] if len(values) == 1 else values)
    if op == "exists":
        return Result("jsonpath", True, f"{path} is in the body.", expected, actual)
    try:
        passed = any(_holds(op, check["value"], value) for value in values)
    except TimeoutError:
        return Result("jsonpath", False, "The regular expression took too long.", expected, actual)
    which = "the value" if len(values) == 1 else f"none of the {len(values)} values"
    detail = "As expected." if passed else f"At {path}, {which} {_failing_verb(op)}."
    return Result("jsonpath", passed, detail, expected, actual)


def _failing_verb(op: str) -> str:
    return {
        "equals": "is not the one expected",
        "contains": "does not contain it",
        "matches": "does not match",
        "type": "is not of that type",
    }[op]


def _holds(op: str, wanted: Any, value: Any) -> bool:
    if op == "equals":
        return _same(value, wanted)
    if op == "type":
        return _json_type(value) == wanted or (
            wanted == "number" and _json_type(value) == "integer"
        )
    if op == "matches":
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return regex.search(wanted, text, timeout=REGEX_SECONDS) is not None
    # contains: a substring of a text, an item of a list, a key of an object
    if isinstance(value, str):
        return isinstance(wanted, str) and wanted in value
    if isinstance(value, list):
        return any(_same(item, wanted) for item in value)
    if isinstance(value, dict):
        return isinstance(wanted, str) and wanted in value
    return False


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _schema(document: Any, schema: Any) -> Result:
    expected = "conforms to the Output Schema"
    if not isinstance(schema, dict | bool) or schema == {}:
        return Result(
            "schema", False, "This action has no Output Schema to check against.", expected
        )
    try:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = validator_class(schema)
        errors = list(itertools.islice(validator.iter_errors(document), SCHEMA_ERRORS_COUNTED))
    except jsonschema.exceptions.SchemaError as error:
        return Result("schema", False, f"The Output Schema is not valid: {error.message}", expected)
    except (referencing.exceptions.Unresolvable, RecursionError) as error:
        return Result("schema", False, f"The Output Schema cannot be used: {error}", expected)
    if not errors:
        return Result(
            "schema", True, "The body conforms to the Output Schema.", expected, "conforms"
        )
    errors.sort(key=lambda e: (list(map(str, e.absolute_path)), e.message))
    lines = [f"{e.json_path}: {_short(e.message)}" for e in errors[:SCHEMA_ERRORS_SHOWN]]
    more = len(errors) - SCHEMA_ERRORS_SHOWN
    if more > 0:
        plus = "+" if len(errors) == SCHEMA_ERRORS_COUNTED else ""
        lines.append(f"and {more}{plus} more")
    count = f"{len(errors)}{'+' if len(errors) == SCHEMA_ERRORS_COUNTED else ''}"
    noun = "violation" if len(errors) == 1 else "violations"
    detail = f"{count} {noun} of the Output Schema:\n" + "\n".join(lines)
    return Result("schema", False, detail, expected, f"{count} {noun}")
