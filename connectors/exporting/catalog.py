"""Export: connectors and their actions as the catalog document; secrets as references. The
monitors of the connectors exported go along (their alert channels by name, never a URL)."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from connectors.catalog.document import FORMAT, FORMAT_VERSION, export_connector, export_monitor
from connectors.models import Connector, Credential, Monitor


def export_catalog(connectors: Any) -> dict[str, Any]:
    """The document for these connectors (a queryset or list), with every credential name and
    the monitors that run them."""
    chosen = list(connectors.prefetch_related("actions__input_args"))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "connectors": [export_connector(c, list(c.actions.all())) for c in chosen],
        "monitors": [export_monitor(m) for m in monitors_of(chosen)],
        "credentials": list(Credential.objects.order_by("name").values_list("name", flat=True)),
    }


def monitors_of(connectors: list[Connector]) -> list[Monitor]:
    """The monitors of these connectors, and those of a tag across every connector when one of
    these connectors has an action with that tag."""
    names = {c.name for c in connectors}
    tags = {tag for c in connectors for action in c.actions.all() for tag in action.tags or []}
    # Read whole and picked here: a long list of names would not fit in one SQL query.
    found = Monitor.objects.order_by("name").prefetch_related("channels")
    return [m for m in found if m.connector in names or (not m.connector and m.tag in tags)]


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
