"""Which reader reads a document: OpenAPI / Swagger, or a Postman collection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.importing import compare, sources
from connectors.importing.plan import Plan, ReadError, ReadOptions
from connectors.importing.readers import openapi, postman

Reader = Callable[[dict[str, Any], str, ReadOptions], Plan]
# (detect, read): the first whose detect() says yes reads the document.
READERS: list[tuple[Callable[[dict[str, Any]], bool], Reader]] = [
    (openapi.detect, openapi.read),
    (postman.detect, postman.read),
]


def read_document(document: dict[str, Any], source: str, options: ReadOptions) -> Plan:
    for detect, read in READERS:
        if detect(document):
            try:
                return read(document, source, options)
            except RecursionError:
                raise ReadError("The description is nested too deeply to read.") from None
    if document.get("format") == "connector-studio-catalog":
        raise ReadError("This is a Connector Studio catalog file: use Import catalog instead.")
    raise ReadError(
        'This is not an OpenAPI 3.x, Swagger 2.0 or Postman v2 description: it has no "openapi" '
        'or "swagger" key at #/, and no Postman schema at #/info/schema.'
    )


def read_source(source: sources.Source, options: ReadOptions) -> Plan:
    return read_document(sources.parse(source.data), source.label, options)


def read_plan(source: sources.Source, options: ReadOptions) -> Plan:
    """Read the source and compare it with the catalog; ReadError says what is wrong."""
    plan = read_source(source, options)
    for other in plan.others:
        compare.against_catalog(other)
    return compare.against_catalog(plan)
