"""The one parser of checks: what a check may say, normalized, and every problem by its path."""

from __future__ import annotations

import pytest

from connectors.lib.check_specs import CheckError, describe, parse_checks


def problems(data) -> dict[str, str]:
    with pytest.raises(CheckError) as caught:
        parse_checks(data)
    return {p.path: p.message for p in caught.value.problems}


def test_it_normalizes_each_type_and_fills_in_default_ops() -> None:
    assert parse_checks(
        [
            {"type": "status"},
            {"type": "status", "op": "in", "value": "200, 3XX"},
            {"type": "status", "value": 404},
            {"type": "jsonpath", "path": " $.data[0].id "},
            {"type": "jsonpath", "path": "$.n", "op": "equals", "value": 42},
            {"type": "header", "name": "Content-Type", "op": "contains", "value": "json"},
            {"type": "time", "value": "1500"},
            {"type": "schema"},
        ]
    ) == [
        {"type": "status", "op": "equals", "value": "2xx"},
        {"type": "status", "op": "in", "value": [200, "3xx"]},
        {"type": "status", "op": "equals", "value": 404},
        {"type": "jsonpath", "op": "exists", "path": "$.data[0].id"},
        {"type": "jsonpath", "op": "equals", "path": "$.n", "value": 42},
        {"type": "header", "op": "contains", "name": "Content-Type", "value": "json"},
        {"type": "time", "op": "below", "value": 1500},
        {"type": "schema"},
    ]


def test_it_lists_every_problem_with_its_field_path_at_once() -> None:
    found = problems(
        [
            {"type": "status", "value": "600"},
            {"type": "jsonpath", "path": "$.[", "op": "matches", "value": "("},
            {"type": "header", "op": "equals"},
            {"type": "time", "value": -1},
            {"type": "nope"},
            {"type": "schema", "path": "$.x"},
            {"type": "jsonpath", "path": "$.a", "op": "type", "value": "float"},
            {"type": "jsonpath", "path": "$.a", "op": "below", "value": 3},
            {"type": "status", "colour": "red"},
        ]
    )
    assert set(found) == {
        "[0].value",
        "[1].path",
        "[1].value",
        "[2].name",
        "[2].value",
        "[3].value",
        "[4].type",
        "[5].path",
        "[6].value",
        "[7].op",
        "[8].colour",
    }
    assert "RFC 9535" in found["[1].path"]
    assert "regular expression" in found["[1].value"]


def test_the_error_is_a_value_error_naming_the_first_path() -> None:
    with pytest.raises(ValueError) as caught:
        parse_checks([{"type": "status"}, {"type": "time"}])
    assert caught.value.path == "[1].value"
    assert str(caught.value).startswith("[1].value: ")


def test_it_refuses_what_is_not_a_list_of_objects_and_too_many_checks() -> None:
    assert "[0]" in problems({"type": "status"})
    assert "[0]" in problems(["status"])
    assert "[50]" in problems([{"type": "schema"}] * 51)
    assert parse_checks(None) == []


def test_it_bounds_paths_and_patterns() -> None:
    assert "[0].path" in problems([{"type": "jsonpath", "path": "$" + ".a" * 300}])
    long_pattern = {"type": "jsonpath", "path": "$.a", "op": "matches", "value": "a" * 501}
    assert "[0].value" in problems([long_pattern])


def test_it_says_each_check_as_a_sentence() -> None:
    checks = parse_checks(
        [
            {"type": "status", "op": "in", "value": [200, "3xx"]},
            {"type": "jsonpath", "path": "$.id", "op": "equals", "value": "42"},
            {"type": "header", "name": "ETag"},
            {"type": "time", "value": 500},
        ]
    )
    assert [describe(c) for c in checks] == [
        "Status is one of 200, 3xx",
        '$.id equals "42"',
        "Header ETag exists",
        "Time is below 500 ms",
    ]
