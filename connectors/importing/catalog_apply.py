"""Applying a catalog file: each connector becomes one import plan, applied by the one pipeline."""

from __future__ import annotations

from typing import Any

from django.db import transaction

import connectors.importing.apply
from connectors.catalog.document import OVERWRITE
from connectors.importing import catalog_monitors, compare
from connectors.importing.catalog_plan import CatalogPlan, plan
from connectors.importing.plan import (
    UPDATE,
    ActionPlan,
    ArgPlan,
    AuthPlan,
    Choices,
    ConnectorPlan,
    Plan,
)

KIND = "Connector Studio catalog"


def import_plan(data: dict[str, Any], source: str = "catalog file") -> Plan:
    """One connector of a parsed catalog as the common plan: it replaces its namesake whole."""
    actions = [
        ActionPlan(
            **{k: v for k, v in action.items() if k != "input_args"},
            input_args=[ArgPlan(**arg) for arg in action["input_args"]],
        )
        for action in data["actions"]
    ]
    return Plan(
        kind=KIND,
        source=source,
        connector=ConnectorPlan(
            name=data["name"],
            display_name=data["display_name"],
            description=data["description"],
            base_url=data["base_url"],
            variables=data.get("variables", []),
            headers=data["headers"],
            timeout_seconds=data["timeout_seconds"],
            verify_tls=data["verify_tls"],
        ),
        auth=AuthPlan(data["auth_config"], dict(data["auth_settings"]), data["secret_references"]),
        actions=actions,
        replaces_target=True,
        match_signature=False,
        history_note="Imported",
    )


@transaction.atomic
def apply(
    document: dict[str, Any],
    choices: dict[str, str],
    user: Any,
    monitor_choices: dict[str, str] | None = None,
) -> CatalogPlan:
    """Re-plan against the catalog as it is now, then write it all or nothing: the connectors,
    then the monitors that run them (`plan.monitors` says what became of each).

    A conflict is overwritten only when `choices` (`monitor_choices` for monitors) says so for
    its name; the default is skip.
    """
    result = plan(document)
    for item in result.items:
        overwrite = item.status == "conflict" and choices.get(item.name) == OVERWRITE
        if item.status not in ("create", "update") and not overwrite:
            continue
        common = compare.against_catalog(import_plan(item.data))
        picked = Choices()
        if overwrite:
            common.history_note = "Imported (overwrite)"
            picked.connector_mode = UPDATE
            picked.resolutions = dict.fromkeys(range(len(common.actions)), "overwrite")
        else:
            common.replaces_target = False  # an update only adds actions
        connectors.importing.apply.apply(common, picked, user, may_set_credentials=False)
    result.monitors = catalog_monitors.apply(document, monitor_choices or {}, user)
    return result
