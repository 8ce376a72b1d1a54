"""Export: connectors and their actions as the catalog document; secrets as references."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from connectors import kinds
from connectors.catalog import history
from connectors.catalog.document import ACTION_KEYS, FORMAT, FORMAT_VERSION
from connectors.models import Action, Connector, Credential
from connectors.secrets import sealing


def exported_reference(stored: dict[str, Any] | None) -> str | None:
    """A stored secret as exported: its {{NAME}} reference, or None for a literal."""
    hint = (stored or {}).get("hint", "")
    return hint if sealing.is_reference(hint) else None


def export_connector(connector: Connector, actions: list[Action] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": connector.name,
        "display_name": connector.display_name,
        "description": connector.description,
        "base_url": connector.base_url,
        "auth_config": connector.auth_config,
        # Plain settings only: anything sealed that found its way in stays behind.
        "auth_settings": {
            k: v
            for k, v in connector.auth_settings.items()
            if not (isinstance(v, dict) and "sealed" in v)
        },
        "secret_references": {
            name: exported_reference(connector.auth_secrets.get(name))
            for name in kinds.secret_fields(connector.auth_config)
            if name in connector.auth_secrets
        },
        "variables": [{"key": row["key"], "value": row["value"]} for row in connector.variables],
        "headers": [_export_header(row) for row in connector.headers],
        "timeout_seconds": connector.timeout_seconds,
        "verify_tls": connector.verify_tls,
    }
    if actions is None:
        actions = list(connector.actions.prefetch_related("input_args"))
    data["actions"] = [export_action(action) for action in actions]
    return data


def _export_header(row: dict[str, Any]) -> dict[str, Any]:
    if "secret" not in row:
        return {"key": row["key"], "value": row.get("value", "")}
    reference = exported_reference(row["secret"])
    if reference:
        return {"key": row["key"], "secret_reference": reference}
    return {"key": row["key"], "secret": None}  # a literal, dropped


def export_action(action: Action) -> dict[str, Any]:
    data = {key: getattr(action, key) for key in ACTION_KEYS}
    data["input_args"] = [history.arg_snapshot(arg) for arg in action.input_args.all()]
    return data


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
