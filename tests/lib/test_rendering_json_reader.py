"""A JSON body is read by orjson where that reads it as json does: the same values, types,
key order and refusals, so the page shows the same pretty JSON."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from connectors.lib import rendering

# Numbers as APIs write them, long ones included (orjson reads a 64-bit integer as a float).
NUMBERS = st.from_regex(
    r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,22})?([eE][+-]?[0-9]{1,3})?", fullmatch=True
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=8)  # lone surrogates too
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=4), children, max_size=5)
    ),
    max_leaves=30,
)


def read(text: str) -> str:
    """What a reader makes of the text, in a form that tells 1 from 1.0, -0.0 from 0.0 and
    one key order from another; or that it refused it."""
    try:
        return repr(rendering._read(text)[0])
    except (ValueError, RecursionError):
        return "refused"


def read_by_json(text: str) -> str:
    try:
        return repr(json.loads(text))
    except (ValueError, RecursionError):
        return "refused"


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS, st.booleans(), st.sampled_from([None, 2]))
def test_a_document_reads_as_json_reads_it(document, ascii_only, indent) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only, indent=indent)
    assert read(text) == read_by_json(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(NUMBERS, min_size=1, max_size=4))
@example(["-9223372036854775809", "18446744073709551616", "1e400", "1e-400", "-0", "-0.0"])
def test_numbers_read_as_json_reads_them(numbers) -> None:
    text = "[" + ", ".join(numbers) + "]"
    assert read(text) == read_by_json(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]":,0123456789.eE-+ \t\n\r\x0cabntrulfsNIy\\u', max_size=30))
@example('{"a": 1, "b": 2, "a": 3}')
@example('"\\ud800"')
@example("[NaN, Infinity, -Infinity]")
@example("[1,]")
@example(" [1] \n")
def test_any_text_is_read_or_refused_as_json_does(text) -> None:
    assert read(text) == read_by_json(text)


def test_nesting_deeper_than_orjson_reads_is_read_by_json() -> None:
    text = "[" * 1500 + "]" * 1500
    assert read(text) == read_by_json(text)


def test_a_large_body_pretty_prints_as_before() -> None:
    data = {"object": "list", "data": [{"id": f"m-{n}", "n": n, "f": n / 7} for n in range(5000)]}
    text = json.dumps(data)
    assert rendering._pretty_json(text) == json.dumps(data, indent=2, ensure_ascii=False)


# Documents orjson both reads and writes back: no float, integers of 64 bits at most.
PLAIN_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text(max_size=8)
)
PLAIN_DOCUMENTS = st.recursive(
    PLAIN_SCALARS,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=4), children, max_size=6)
    ),
    max_leaves=40,
)


def pretty_by_json(text: str, cap: int | None = None) -> str | None:
    """The pretty JSON as json alone writes it."""
    document = json.loads(text)
    if cap is not None and len(text) > cap // 2:
        pretty = rendering._pretty_start(document, cap, rendering._dumps)
    else:
        pretty = rendering._dumps(document)
    return pretty.encode("utf-8", errors="backslashreplace").decode("utf-8")


@settings(max_examples=400, deadline=None)
@given(PLAIN_DOCUMENTS | DOCUMENTS.filter(lambda d: not isinstance(d, float)), st.booleans())
@example({"a": '\x7f\u2028\x00\x1f"\\/é😀', "b": [], "c": {}, "": [[{}]]}, False)
@example({"floats": [1e16, 1e-07, 0.1, -0.0, 5e-324], "v1.2": "9e9"}, True)
def test_a_document_is_written_pretty_as_json_writes_it(document, ascii_only) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    assert rendering._pretty_json(text) == pretty_by_json(text)


@settings(max_examples=40, deadline=None)
@given(st.lists(PLAIN_DOCUMENTS, min_size=20, max_size=60), st.integers(40, 400))
def test_the_start_of_a_long_document_is_written_as_json_writes_it(items, cap) -> None:
    text = json.dumps({"object": "list", "data": items})
    assert rendering._pretty_json(text, cap) == pretty_by_json(text, cap)


def test_nesting_deeper_than_orjson_writes_is_written_by_json() -> None:
    text = "[" * 300 + "1" + "]" * 300
    assert rendering._pretty_json(text) == pretty_by_json(text)
