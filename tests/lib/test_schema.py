from __future__ import annotations

import json

import pytest

from connectors.lib.schema import SCHEMA_DIALECT, infer_schema, infer_schema_from_bytes


def without_dialect(schema: dict) -> dict:
    assert schema.pop("$schema") == SCHEMA_DIALECT
    return schema


@pytest.mark.parametrize(
    ("value", "type_name"),
    [("a", "string"), (1, "integer"), (1.5, "number"), (True, "boolean"), (None, "null")],
)
def test_it_infers_scalar_types(value: object, type_name: str):
    assert without_dialect(infer_schema(value)) == {"type": type_name}


def test_it_puts_the_dialect_at_the_top_level_only():
    schema = infer_schema({"a": {"b": [{"c": 1}]}})
    assert list(schema)[0] == "$schema"
    assert "$schema" not in json.dumps(schema)[len('{"$schema"') :]


def test_it_lists_object_properties_and_requires_every_key():
    schema = without_dialect(infer_schema({"id": 7, "name": "x", "owner": None}))
    assert schema == {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "owner": {"type": "null"},
        },
        "required": ["id", "name", "owner"],
    }


def test_it_describes_an_empty_object_without_required():
    assert without_dialect(infer_schema({})) == {"type": "object", "properties": {}}


def test_it_describes_an_empty_array_without_items():
    assert without_dialect(infer_schema([])) == {"type": "array"}


def test_it_merges_array_items_across_elements():
    value = [{"id": 1, "name": "a"}, {"id": 2, "email": "b@x"}, {"id": 3, "name": None}]
    assert without_dialect(infer_schema(value)) == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": ["string", "null"]},
                "email": {"type": "string"},
            },
            "required": ["id"],
        },
    }


def test_it_widens_integers_to_numbers():
    assert without_dialect(infer_schema([1, 2.5])) == {"type": "array", "items": {"type": "number"}}


def test_it_lists_mixed_types_in_a_fixed_order():
    schema = without_dialect(infer_schema([None, True, "s", 1, [], {}]))
    assert schema["items"]["type"] == ["object", "array", "string", "integer", "boolean", "null"]


def test_it_requires_only_keys_of_the_object_elements_when_mixed_with_null():
    schema = without_dialect(infer_schema([{"a": 1}, None]))
    assert schema["items"]["type"] == ["object", "null"]
    assert schema["items"]["required"] == ["a"]


def test_it_merges_nested_arrays():
    schema = without_dialect(infer_schema([[1], [], ["x"]]))
    assert schema == {
        "type": "array",
        "items": {"type": "array", "items": {"type": ["string", "integer"]}},
    }


def test_it_keeps_the_order_in_which_keys_first_appear():
    schema = infer_schema([{"b": 1, "a": 1}, {"c": 1, "a": 1}])
    assert list(schema["items"]["properties"]) == ["b", "a", "c"]


def test_it_is_deterministic():
    value = json.loads(
        '{"data": [{"id": "m1", "created": 1, "tags": ["x", null]}], "object": "list"}'
    )
    first = json.dumps(infer_schema(value))
    assert all(json.dumps(infer_schema(value)) == first for _ in range(3))


def test_it_infers_the_openai_models_list():
    body = json.dumps(
        {
            "object": "list",
            "data": [
                {"id": "gpt-4", "object": "model", "created": 1687882411, "owned_by": "openai"},
                {"id": "dall-e-3", "object": "model", "created": 1698785189, "owned_by": "system"},
            ],
        }
    ).encode()
    schema = infer_schema_from_bytes(body)
    model = schema["properties"]["data"]["items"]
    assert model["required"] == ["id", "object", "created", "owned_by"]
    assert model["properties"]["created"] == {"type": "integer"}


@pytest.mark.parametrize("body", [b"", b"<html></html>", b"\xff\xfe\x00", b"{'a': 1}"])
def test_it_refuses_a_body_that_is_not_json(body: bytes):
    with pytest.raises(ValueError, match=r"^The last response is not JSON\.$"):
        infer_schema_from_bytes(body)


def test_it_refuses_a_body_nested_beyond_the_recursion_limit():
    with pytest.raises(ValueError, match="last response"):
        infer_schema_from_bytes(b"[" * 100_000 + b"]" * 100_000)
