"""YAML read into JSON types: every YAML-only scalar stays the text its author wrote."""

from __future__ import annotations

import json

import pytest
import yaml

from connectors.importing import sources
from connectors.importing.plan import ReadError
from connectors.lib.yaml_json import load

# (YAML value, what the document holds): every scalar type YAML's safe schema knows.
SCALARS = [
    # timestamps and dates: the text, never a date
    ("2024-10-01", "2024-10-01"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"),
    ("2001-12-15T02:59:43.1Z", "2001-12-15T02:59:43.1Z"),
    ("!!timestamp 2002-12-14", "2002-12-14"),
    # binary: its base64 text
    (
        "!!binary R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5",
        "R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5",
    ),
    # booleans: YAML 1.2's; YAML 1.1's words stay words
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("False", False),
    ("FALSE", False),
    ("yes", "yes"),
    ("No", "No"),
    ("ON", "ON"),
    ("off", "off"),
    ("y", "y"),
    ("n", "n"),
    ("!!bool yes", "yes"),
    # nulls
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("~", None),
    ("", None),
    ("''", ""),
    # integers: decimal and hex; other bases, underscores and sexagesimal stay text
    ("12", 12),
    ("-3", -3),
    ("+12", 12),
    ("0", 0),
    ("0x1A", 26),
    ("0777", "0777"),
    ("0o17", "0o17"),
    ("0b1010", "0b1010"),
    ("1_000", "1_000"),
    ("1:30", "1:30"),
    ("!!int 5", 5),
    ("9" * 5000, "9" * 5000),
    # floats: decimal; infinity and not-a-number have no JSON form
    ("1.5", 1.5),
    (".5", 0.5),
    ("-1.0e+3", -1000.0),
    ("1.", 1.0),
    (".inf", ".inf"),
    ("-.Inf", "-.Inf"),
    (".NaN", ".NaN"),
    ("1_000.5", "1_000.5"),
    ("1:30.5", "1:30.5"),
    ("!!float 2", 2.0),
    # strings stay strings
    ("'2024-10-01'", "2024-10-01"),
    ('"yes"', "yes"),
    ("!!str 12", "12"),
    ("text", "text"),
]


@pytest.mark.parametrize(("written", "expected"), SCALARS)
def test_it_reads_each_yaml_scalar_as_a_json_value(written: str, expected: object) -> None:
    document = load(f"value: {written}\n")
    assert document == {"value": expected}
    assert type(document["value"]) is type(expected)
    assert json.loads(json.dumps(document, allow_nan=False)) == document


def test_it_keeps_mapping_keys_as_the_text_written() -> None:
    document = load("200: ok\ntrue: t\n~: n\n2024-10-01: d\n1.5: f\n")
    assert list(document) == ["200", "true", "~", "2024-10-01", "1.5"]


def test_it_merges_merge_keys() -> None:
    document = load("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nn:\n  <<: [*b, {z: 4}]\n")
    assert document["m"] == {"x": 1, "y": 3}
    assert document["n"] == {"x": 1, "y": 2, "z": 4}


def test_it_reads_sets_omaps_and_pairs_as_they_are_written() -> None:
    document = load("s: !!set {a, b}\no: !!omap [a: 1, b: 2]\np: !!pairs [a: 1, a: 2]\n")
    assert document == {
        "s": {"a": None, "b": None},
        "o": [{"a": 1}, {"b": 2}],
        "p": [{"a": 1}, {"a": 2}],
    }


def test_it_refuses_a_key_that_is_not_text() -> None:
    with pytest.raises(yaml.YAMLError):
        load("? [a, b]\n: c\n")


def test_it_still_builds_no_python_object() -> None:
    with pytest.raises(yaml.YAMLError):
        load("!!python/object/apply:os.system ['echo hacked']\n")


def test_a_description_is_parsed_into_json_types() -> None:
    document = sources.parse(
        b"openapi: 3.1.0\ninfo: {title: T, version: 2024-10-01}\npaths: {}\n"
        b"x-when: 2001-12-14t21:59:43.10-05:00\nx-responses: {200: ok}\n"
    )
    assert document["info"]["version"] == "2024-10-01"
    assert document["x-when"] == "2001-12-14t21:59:43.10-05:00"
    assert document["x-responses"] == {"200": "ok"}
    json.dumps(document, allow_nan=False)


def test_json_nan_and_infinity_stay_text() -> None:
    document = sources.parse(b'{"openapi": "3.1.0", "a": NaN, "b": [Infinity, -Infinity]}')
    assert document["a"] == "NaN" and document["b"] == ["Infinity", "-Infinity"]


def test_a_json_number_of_thousands_of_digits_is_a_sentence() -> None:
    with pytest.raises(ReadError, match="thousands of digits"):
        sources.parse(b'{"openapi": "3.1.0", "a": ' + b"9" * 5000 + b"}")
