"""YAML read into JSON types: a document is kept, stored and compared as JSON, so a YAML-only
value (a date, a timestamp, binary, `yes`, `0777`, `.inf`) stays the text its author wrote.

What stays a JSON value: `true`/`false` (any case YAML 1.2 allows), `null`/`~`/empty, a
decimal or hex integer, a decimal float. Mapping keys are text as written (`200:` is "200"), as
OpenAPI asks of YAML. Merge keys (`<<`) merge; `!!set` is a mapping of nulls, `!!omap` and
`!!pairs` a list of one-key mappings, as they are written.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_TRUE, _FALSE = {"true", "True", "TRUE"}, {"false", "False", "FALSE"}


class JsonTypesLoader(SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader, building only what JSON can hold."""

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[str, Any]:
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)  # merge keys (<<)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a key that is not plain text",
                    key_node.start_mark,
                )
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping

    def as_written(self, node: Node) -> str:
        return str(self.construct_scalar(node))

    def json_bool(self, node: Node) -> bool | str:
        text = self.as_written(node)
        return True if text in _TRUE else False if text in _FALSE else text

    def json_int(self, node: Node) -> int | str:
        text = self.as_written(node)
        if not _INT.fullmatch(text):
            return text
        try:
            return int(text, 16) if text.startswith("0x") else int(text)
        except ValueError:  # more digits than Python reads: keep the text
            return text

    def json_float(self, node: Node) -> float | str:
        text = self.as_written(node)
        return float(text) if _FLOAT.fullmatch(text) else text

    def json_set(self, node: Node) -> Any:
        data: dict[str, Any] = {}
        yield data
        data.update(self.construct_mapping(node))


for _tag, _constructor in {
    "bool": JsonTypesLoader.json_bool,
    "int": JsonTypesLoader.json_int,
    "float": JsonTypesLoader.json_float,
    "timestamp": JsonTypesLoader.as_written,
    "binary": JsonTypesLoader.as_written,
    "set": JsonTypesLoader.json_set,
    "omap": SafeLoader.construct_yaml_seq,
    "pairs": SafeLoader.construct_yaml_seq,
}.items():
    JsonTypesLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)


def load(text: str) -> Any:
    """The YAML document in JSON types; yaml.YAMLError when it is not YAML."""
    return yaml.load(text, Loader=JsonTypesLoader)  # noqa: S506 - a safe loader
