"""Export and import of the catalog as versioned JSON; secrets never leave, references do.

    {"format": "connector-studio-catalog", "version": 1, "exported_at": ...,
     "connectors": [{name, ..., secret_references: {field: "{{NAME}}" or null}, headers,
                     actions: [{..., input_args: [...]}]}],
     "credentials": ["NAME", ...]}

A secret field holding a `{{NAME}}` reference is exported as that reference; one holding a
literal is exported as null (the literal is dropped, the importer sets it again). Import plans
first (creates, updates, conflicts), then applies the plan in one transaction.
"""

from __future__ import annotations

from connectors.catalog_io.applying import apply
from connectors.catalog_io.document import (
    ACTION_KEYS,
    CONNECTOR_KEYS,
    FORMAT,
    FORMAT_VERSION,
    OVERWRITE,
    SKIP,
    FormatError,
)
from connectors.catalog_io.export import dumps, export_action, export_catalog, export_connector
from connectors.catalog_io.planning import Item, Plan, plan
from connectors.catalog_io.reading import parse

__all__ = [
    "ACTION_KEYS",
    "CONNECTOR_KEYS",
    "FORMAT",
    "FORMAT_VERSION",
    "OVERWRITE",
    "SKIP",
    "FormatError",
    "Item",
    "Plan",
    "apply",
    "dumps",
    "export_action",
    "export_catalog",
    "export_connector",
    "parse",
    "plan",
]
