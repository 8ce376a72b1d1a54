"""The one way a YAML document is loaded: PyYAML's safe loader into JSON types (yaml_json), its
aliases within a node budget.

An alias (`*name`) makes a loaded document share one object in many places, so whatever walks
it afterwards (a reader, a NUL check, json.dumps) walks each share again: 406 bytes of six
levels of ten nested aliases are a million nodes. The composed node graph is counted first,
each distinct node once (so counting never walks an alias twice), and a document that would
expand past its budget is refused before anything is built from it.
"""

from __future__ import annotations

from typing import Any

import yaml

from connectors.lib.yaml_json import JsonTypesLoader

MAX_EXPANDED_NODES = 1_000_000
EXPANSION_FACTOR = 10  # a document may expand to 10 times its own nodes, at most the above


class TooManyNodes(ValueError):
    """The document's aliases would expand it beyond its node budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        super().__init__(
            f"Its YAML aliases (*name) would expand it to more than {budget:,} nodes, the "
            f"limit ({EXPANSION_FACTOR} times the document's own nodes, at most "
            f"{MAX_EXPANDED_NODES:,}); it was not read. Write the repeated parts out, or use $ref."
        )


def load(text: str) -> Any:
    """The document (safe types only); yaml.YAMLError when it is not YAML, TooManyNodes when
    its aliases would expand it beyond its budget."""
    loader = JsonTypesLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_expansion(root: yaml.Node) -> None:
    """Raise TooManyNodes when the tree the node graph stands for passes the budget."""
    expanded: dict[int, int] = {}  # id(node) -> nodes in its expanded tree
    open_nodes: set[int] = set()  # on the current path: an alias back to one never ends
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            total = 1 + sum(expanded[id(child)] for child in _children(node))
            expanded[key] = total
            if total > MAX_EXPANDED_NODES:
                raise TooManyNodes(MAX_EXPANDED_NODES)
            continue
        if key in expanded:
            continue
        if key in open_nodes:  # `&a [*a]`: it contains itself
            raise TooManyNodes(MAX_EXPANDED_NODES)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in expanded)
    own = len(expanded)
    if expanded[id(root)] > _budget(own):
        raise TooManyNodes(_budget(own))


def _budget(own: int) -> int:
    return min(MAX_EXPANDED_NODES, EXPANSION_FACTOR * own)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
