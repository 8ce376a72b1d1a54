"""The workbench's pasted-URL splitting and one-click Input Args."""

from __future__ import annotations

from django.http import QueryDict

from connectors.forms.workbench import add_input_arg, split_pasted
from connectors.models import Connector


def posted(**fields: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(fields)
    return data


def test_it_moves_a_typed_query_string_into_params() -> None:
    data = posted(path="/v1/items?limit=5&tag=a&tag=b")
    notes = split_pasted(data, Connector(base_url="https://api.example.com"))
    assert data["path"] == "/v1/items"
    assert data.getlist("query_params_key") == ["limit", "tag", "tag"]
    assert "Query Params" in notes[0]


def test_it_keeps_the_part_of_a_pasted_url_under_the_base_url() -> None:
    data = posted(path="https://api.example.com/v1/models/gpt-4o?x=1")
    split_pasted(data, Connector(base_url="https://api.example.com/v1"))
    assert data["path"] == "/models/gpt-4o"
    assert data.getlist("query_params_value") == ["1"]


def test_it_says_when_a_pasted_url_goes_elsewhere() -> None:
    data = posted(path="https://other.example.org/a")
    notes = split_pasted(data, Connector(base_url="https://api.example.com"))
    assert data["path"] == "/a" and "not this connector's Base URL" in notes[1]


def test_it_leaves_a_plain_path_alone() -> None:
    data = posted(path="/v1/{{id}}")
    assert split_pasted(data, Connector(base_url="https://api.example.com")) == []
    assert data["path"] == "/v1/{{id}}"


def test_it_adds_an_input_arg_once_into_a_blank_row() -> None:
    data = posted(**{"args-TOTAL_FORMS": "1", "args-0-name": ""})
    add_input_arg(data, "model")
    add_input_arg(data, "model")
    assert data["args-0-name"] == "model" and data["args-TOTAL_FORMS"] == "1"
    add_input_arg(data, "size")
    assert data["args-1-name"] == "size" and data["args-TOTAL_FORMS"] == "2"
