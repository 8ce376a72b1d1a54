"""Export: connectors and their actions as the catalog document; secrets as references."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from connectors.catalog.document import FORMAT, FORMAT_VERSION, export_connector
from connectors.models import Credential


def export_catalog(connectors: Any) -> dict[str, Any]:
    """The document for these connectors (a queryset or list), with every credential name."""
    chosen = list(connectors.prefetch_related("actions__input_args"))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "connectors": [export_connector(c, list(c.actions.all())) for c in chosen],
        "credentials": list(Credential.objects.order_by("name").values_list("name", flat=True)),
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
