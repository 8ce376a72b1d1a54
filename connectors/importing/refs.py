"""`$ref` within one document, `allOf` merged, `oneOf`/`anyOf` first branch, cycles cut.

External references (another file or URL) are refused up front, every one of them named.
Schemas come back with references inlined to a limited depth, so an output schema stays small.
"""

from __future__ import annotations

from typing import Any

from connectors.importing.plan import ReadError

MAX_DEPTH = 5  # levels of nesting kept in a resolved schema
MAX_NODES = 80  # schemas (properties, items) kept in one resolved schema
_SCALARS = {"string": "string", "integer": 0, "number": 0, "boolean": False}


def pointer(*parts: Any) -> str:
    """A JSON pointer (RFC 6901) from its parts: ("paths", "/pets", "get") -> #/paths/~1pets/get."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + "/".join(escaped)


def external_refs(root: Any, limit: int = 5) -> list[tuple[str, str]]:
    """(reference, where) of each $ref that leaves the document; walks without recursion."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while stack and len(found) < limit:
        node, parts = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                found.append((ref, pointer(*parts)))
            stack.extend((v, (*parts, k)) for k, v in node.items() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(node) if isinstance(v, dict | list))
    return found


def refuse_external(root: Any) -> None:
    found = external_refs(root)
    if found:
        named = "; ".join(f"{ref} (at {where})" for ref, where in found)
        raise ReadError(
            f"This description refers to other files, which are not read: {named}. "
            "Bundle it into one document first."
        )


class Resolver:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def lookup(self, ref: str, where: str) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ReadError(f"The $ref {ref!r} at {where} is not a reference within the document.")
        node: Any = self.root
        for raw in ref[2:].split("/") if ref not in ("#", "#/") else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise ReadError(f"The $ref {ref} at {where} points to nothing in the document.")
        return node

    def deref(self, node: Any, where: str) -> Any:
        """Follow $ref until a node that is not one; a loop of references is an error."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ReadError(f"The $ref {ref} at {where} refers back to itself.")
            seen.add(ref)
            node = self.lookup(ref, where)
        return node

    # --- schemas ---------------------------------------------------------------------------------

    def flat(self, schema: Any, where: str, stack: frozenset[str] = frozenset()) -> dict[str, Any]:
        """One level of a schema made plain: $ref followed, allOf merged, first oneOf/anyOf."""
        for _ in range(50):
            if not isinstance(schema, dict):
                return {}
            if "$ref" in schema:
                ref = schema["$ref"]
                if ref in stack:
                    return {"description": f"(recursive: {ref})"}
                stack = stack | {ref}
                schema = self.lookup(ref, where)
                continue
            if "allOf" in schema and isinstance(schema["allOf"], list):
                merged = {k: v for k, v in schema.items() if k != "allOf"}
                for part in schema["allOf"]:
                    _merge(merged, self.flat(part, where, stack))
                schema = merged
                continue
            for key in ("oneOf", "anyOf"):
                branches = schema.get(key)
                if isinstance(branches, list) and branches:
                    rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
                    schema = _merge(rest, self.flat(branches[0], where, stack))
                    break
            else:
                return schema
        return {}

    def schema(
        self,
        schema: Any,
        where: str,
        depth: int = MAX_DEPTH,
        stack: frozenset[str] = frozenset(),
        budget: list[int] | None = None,
    ) -> dict[str, Any]:
        """The schema with references inlined down to `depth` levels and at most MAX_NODES
        properties in all, so an output schema stays small; cycles cut."""
        budget = [MAX_NODES] if budget is None else budget
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if isinstance(ref, str):
            if ref in stack:
                return {"description": f"(recursive: {ref})"}
            if budget[0] <= 0 or depth <= 0:
                return {"description": f"(see {ref})"}
            return self.schema(self.lookup(ref, where), where, depth, stack | {ref}, budget)
        flat = self.flat(schema, where, stack)
        out = {k: v for k, v in flat.items() if k not in ("properties", "items", "xml")}
        budget[0] -= 1
        if depth <= 0 or budget[0] <= 0:
            out.pop("additionalProperties", None)
            return out
        if isinstance(flat.get("properties"), dict):
            out["properties"] = {
                name: self.schema(value, where, depth - 1, stack, budget)
                for name, value in flat["properties"].items()
            }
        if isinstance(flat.get("items"), dict):
            out["items"] = self.schema(flat["items"], where, depth - 1, stack, budget)
        if isinstance(flat.get("additionalProperties"), dict):
            out["additionalProperties"] = self.schema(
                flat["additionalProperties"], where, depth - 1, stack, budget
            )
        return out

    def example(self, schema: Any, where: str, depth: int = 4) -> Any:
        """A value the schema allows: its example, default, first enum value, or one built."""
        flat = self.flat(schema, where)
        for key in ("example", "default", "const"):
            if key in flat:
                return flat[key]
        if isinstance(flat.get("examples"), list) and flat["examples"]:
            return flat["examples"][0]
        if isinstance(flat.get("enum"), list) and flat["enum"]:
            return flat["enum"][0]
        kind = schema_type(flat)
        if kind == "object" or "properties" in flat:
            if depth <= 0:
                return {}
            props = flat.get("properties") if isinstance(flat.get("properties"), dict) else {}
            return {name: self.example(value, where, depth - 1) for name, value in props.items()}
        if kind == "array":
            return [] if depth <= 0 else [self.example(flat.get("items") or {}, where, depth - 1)]
        return _SCALARS.get(kind, "string")


def schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):  # 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), "string")
    if not kind:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return str(kind)


def _merge(into: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    for key, value in part.items():
        if key == "properties" and isinstance(value, dict):
            into["properties"] = {**into.get("properties", {}), **value}
        elif key == "required" and isinstance(value, list):
            into["required"] = list(dict.fromkeys([*into.get("required", []), *value]))
        else:
            into.setdefault(key, value)
    return into
