"""A catalog file compared with the catalog, connector by connector; writes nothing.

A catalog file carries whole connectors, so it keeps this whole-connector comparison rather than
the action compare (compare.against_catalog) other sources go through: a connector whose fields
or actions differ at all is one conflict, to skip or overwrite whole, and an overwrite removes
the actions the file does not hold. Folding it into the action compare would make each changed
action its own conflict and keep the target's other actions, changing what counts as a conflict.
Each connector to write is then read into the one Plan (readers.catalog.connector_plan) and
applied by apply.apply_catalog.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from connectors.catalog import history
from connectors.catalog.document import CONNECTOR_KEYS, export_connector, set_connector_fields
from connectors.importing import catalog_monitors
from connectors.models import Connector, Credential
from connectors.secrets import homes, references, sealing


@dataclass
class Item:
    """What importing one connector would do."""

    name: str
    status: str  # create, update (only adds actions), conflict, unchanged
    data: dict[str, Any]
    changed_fields: list[str] = field(default_factory=list)
    added_actions: list[str] = field(default_factory=list)
    changed_actions: list[str] = field(default_factory=list)
    removed_actions: list[str] = field(default_factory=list)  # on overwrite
    unset_secrets: list[str] = field(default_factory=list)  # literals dropped at export
    # On overwrite: stored literals that stay (their host does not move) and what a move retires.
    kept_secrets: list[str] = field(default_factory=list)
    home_notes: list[str] = field(default_factory=list)


@dataclass
class CatalogPlan:
    items: list[Item]
    missing_credentials: list[str]
    # Referenced environment credentials that this server does not list: set on the server.
    missing_environment: list[str] = field(default_factory=list)
    monitors: list[catalog_monitors.MonitorItem] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)


def plan(document: dict[str, Any]) -> CatalogPlan:
    """Compare the file with the catalog; writes nothing."""
    names = [data["name"] for data in document["connectors"]]
    existing = {
        c.name: c
        for c in Connector.objects.filter(name__in=names).prefetch_related("actions__input_args")
    }
    items = []
    for data in document["connectors"]:
        connector = existing.get(data["name"])
        item = Item(data["name"], "create", data, unset_secrets=_unset_secrets(data))
        if connector is not None:
            _compare(item, export_connector(connector, list(connector.actions.all())))
            if item.status == "conflict":
                preview_overwrite(item, connector)
        items.append(item)
    referenced = set(document["credentials"])
    for data in document["connectors"]:
        referenced |= _references(data)
    known = set(Credential.objects.filter(name__in=referenced).values_list("name", flat=True))
    # An environment credential's name is reserved: never one to create as a team credential.
    reserved = {name for name in referenced if references.is_env_credential(name)}
    env_missing = {name for name in reserved if name not in os.environ}
    found = CatalogPlan(items, sorted(referenced - known - reserved), sorted(env_missing))
    found.monitors = catalog_monitors.plan(document)
    return found


def preview_overwrite(item: Item, connector: Connector) -> None:
    """What an overwrite would keep: a stored literal stays unless its host moves."""
    before = homes.snapshot(connector)
    target = homes.snapshot(connector)
    assert target is not None
    set_connector_fields(target, item.data, "import")
    item.home_notes = homes.settle(before, target)
    item.unset_secrets, item.kept_secrets = literals_after(item.data, target)


def literals_after(data: dict[str, Any], connector: Connector) -> tuple[list[str], list[str]]:
    """The file's dropped literals: (still not set, kept from what was stored)."""
    unset, kept = [], []
    for name, reference in data["secret_references"].items():
        if reference is None:
            (kept if name in connector.auth_secrets else unset).append(history.label(name))
    stored = {row["key"].lower() for row in connector.headers if "secret" in row}
    for row in data["headers"]:
        if "secret" in row:
            (kept if row["key"].lower() in stored else unset).append(f"header {row['key']}")
    return unset, kept


def _references(data: dict[str, Any]) -> set[str]:
    found = [r for r in data["secret_references"].values() if r]
    found += [row["secret_reference"] for row in data["headers"] if "secret_reference" in row]
    return {name for r in found for name in sealing.reference_names(r)}


def _unset_secrets(data: dict[str, Any]) -> list[str]:
    unset = [history.label(n) for n, r in data["secret_references"].items() if r is None]
    return unset + [f"header {row['key']}" for row in data["headers"] if "secret" in row]


def _compare(item: Item, current: dict[str, Any]) -> None:
    wanted = item.data
    item.changed_fields = [
        history.label(key) for key in CONNECTOR_KEYS if wanted[key] != current[key]
    ]
    now = {a["name"]: a for a in current["actions"]}
    then = {a["name"]: a for a in wanted["actions"]}
    item.added_actions = [name for name in then if name not in now]
    item.changed_actions = [name for name in then if name in now and then[name] != now[name]]
    item.removed_actions = [name for name in now if name not in then]
    if item.changed_fields or item.changed_actions or item.removed_actions:
        item.status = "conflict"
    elif item.added_actions:
        item.status = "update"
    else:
        item.status = "unchanged"
