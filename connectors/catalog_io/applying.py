"""Applying an import: re-plan, then create, add to or overwrite connectors in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from connectors import history, homes, secrets, versions
from connectors.catalog_io.document import ACTION_KEYS, CONNECTOR_KEYS, OVERWRITE
from connectors.catalog_io.export import exported_reference
from connectors.catalog_io.planning import Item, Plan, literals_after, plan
from connectors.history import ARG_FIELDS
from connectors.models import Action, Connector, InputArg, Revision


@transaction.atomic
def apply(document: dict[str, Any], choices: dict[str, str], user: Any) -> Plan:
    """Re-plan against the catalog as it is now, then write it all or nothing.

    A conflict is overwritten only when `choices` says so for its name; the default is skip.
    """
    result = plan(document)
    user_name = user.get_username() if user is not None else "import"
    for item in result.items:
        if item.status == "create":
            _create(item.data, user, user_name)
        elif item.status == "update":
            connector = Connector.objects.get(name=item.name)
            for action in item.data["actions"]:
                if action["name"] in item.added_actions:
                    _save_action(connector, None, action, user)
        elif item.status == "conflict" and choices.get(item.name) == OVERWRITE:
            _overwrite(item, user, user_name)
    return result


def _sealed(reference: str, user_name: str) -> dict[str, str]:
    return secrets.sealed_field(reference, user_name)


def _create(data: dict[str, Any], user: Any, user_name: str) -> Connector:
    connector = Connector(updated_by=user if user is not None else None)
    set_connector_fields(connector, data, user_name)
    homes.settle(None, connector)
    connector.save()
    history.record(connector, Revision.Event.CREATED, user, note="Imported")
    for action in data["actions"]:
        _save_action(connector, None, action, user)
    return connector


def set_connector_fields(connector: Connector, data: dict[str, Any], user_name: str) -> None:
    for key in CONNECTOR_KEYS:
        if key not in ("secret_references", "headers"):
            setattr(connector, key, data[key])
    stored = dict(connector.auth_secrets) if connector.pk else {}
    auth_secrets = {}
    for name, reference in data["secret_references"].items():
        if reference and exported_reference(stored.get(name)) == reference:
            auth_secrets[name] = stored[name]  # the same reference: keep who set it and when
        elif reference:
            auth_secrets[name] = _sealed(reference, user_name)
        elif name in stored:
            auth_secrets[name] = stored[name]  # a dropped literal keeps what is here
    connector.auth_secrets = auth_secrets
    current = {r["key"].lower(): r["secret"] for r in connector.headers if "secret" in r}
    headers = []
    for row in data["headers"]:
        key = row["key"]
        if "value" in row:
            headers.append({"key": key, "value": row["value"]})
        elif row.get("secret_reference"):
            same = exported_reference(current.get(key.lower())) == row["secret_reference"]
            secret = current[key.lower()] if same else _sealed(row["secret_reference"], user_name)
            headers.append({"key": key, "secret": secret})
        elif key.lower() in current:
            headers.append({"key": key, "secret": current[key.lower()]})
    connector.headers = headers


def _save_action(
    connector: Connector, action: Action | None, data: dict[str, Any], user: Any
) -> Action:
    created = action is None
    if action is None:
        action = Action(connector=connector)
    for key in ACTION_KEYS:
        setattr(action, key, data[key])
    action.updated_by = user
    versions.save_versioned(action, None if created else action.version)
    action.input_args.all().delete()
    InputArg.objects.bulk_create(
        InputArg(action=action, **{k: arg[k] for k in ARG_FIELDS}) for arg in data["input_args"]
    )
    event = Revision.Event.CREATED if created else Revision.Event.CHANGED
    history.record(action, event, user, note="Imported")
    return action


def _overwrite(item: Item, user: Any, user_name: str) -> None:
    connector = Connector.objects.select_for_update().get(name=item.name)
    before = homes.snapshot(connector)
    set_connector_fields(connector, item.data, user_name)
    # A stored literal stays only where its host does not move; say exactly what stayed.
    item.home_notes = homes.settle(before, connector)
    item.unset_secrets, item.kept_secrets = literals_after(item.data, connector)
    connector.updated_by = user
    versions.save_versioned(connector, connector.version)
    history.record(connector, Revision.Event.CHANGED, user, note="Imported (overwrite)")
    current = {a.name: a for a in connector.actions.all()}
    for data in item.data["actions"]:
        if data["name"] in item.added_actions or data["name"] in item.changed_actions:
            _save_action(connector, current.get(data["name"]), data, user)
    for name in item.removed_actions:
        history.record(current[name], Revision.Event.DELETED, user, note="Imported (overwrite)")
        current[name].delete()
