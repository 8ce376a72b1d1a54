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

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from connectors import history, secrets, versions
from connectors.history import ARG_FIELDS
from connectors.models import Action, Connector, Credential, InputArg, Revision

FORMAT = "connector-studio-catalog"
FORMAT_VERSION = 1
CONNECTOR_KEYS = [
    "name",
    "display_name",
    "description",
    "base_url",
    "auth_config",
    "auth_settings",
    "secret_references",
    "headers",
    "timeout_seconds",
    "verify_tls",
]
ACTION_KEYS = history.ACTION_FIELDS  # an action travels whole
SKIP, OVERWRITE = "skip", "overwrite"


class FormatError(Exception):
    """The file is not a catalog this version can read; nothing was written."""


# --- export --------------------------------------------------------------------------------------


def _reference(stored: dict[str, Any] | None) -> str | None:
    """A stored secret as exported: its {{NAME}} reference, or None for a literal."""
    hint = (stored or {}).get("hint", "")
    return hint if secrets.reference_name(hint) else None


def _secret_fields(auth_config: str) -> list[str]:
    """The form fields of an Auth Config type that are secrets (not the broker's tokens)."""
    from connectors.fields import SecretField
    from connectors.forms import AUTH_FORMS

    form_class = AUTH_FORMS.get(auth_config)
    if form_class is None:
        return []
    return [n for n, f in form_class.base_fields.items() if isinstance(f, SecretField)]


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
            name: _reference(connector.auth_secrets.get(name))
            for name in _secret_fields(connector.auth_config)
            if name in connector.auth_secrets
        },
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
    reference = _reference(row["secret"])
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


# --- reading a file ------------------------------------------------------------------------------


def parse(text: str | bytes) -> dict[str, Any]:
    """The document, its connectors checked and normalized; FormatError says what is wrong."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FormatError(f"This is not JSON: {error}.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FormatError(f'This is not a Connector Studio catalog ("format": "{FORMAT}").')
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise FormatError(
            f"This catalog is format version {version}; this Connector Studio reads version "
            f"{FORMAT_VERSION}."
        )
    items = document.get("connectors")
    if not isinstance(items, list):
        raise FormatError('"connectors" must be a list.')
    connectors, seen = [], set()
    for index, item in enumerate(items):
        data = _normalized_connector(item, f"connectors[{index}]")
        if data["name"] in seen:
            raise FormatError(f"Connector {data['name']} appears twice.")
        seen.add(data["name"])
        connectors.append(data)
    names = document.get("credentials") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise FormatError('"credentials" must be a list of names.')
    return {"connectors": connectors, "credentials": names}


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind):
        raise FormatError(f"{where} has the wrong type.")
    return value


def _rows(value: Any, where: str, allow_secret: bool = False) -> list[dict[str, Any]]:
    rows = []
    for i, row in enumerate(_expect(value or [], list, where)):
        _expect(row, dict, f"{where}[{i}]")
        key = _expect(row.get("key"), str, f"{where}[{i}].key")
        if allow_secret and "secret_reference" in row:
            reference = _expect(row["secret_reference"], str, f"{where}[{i}].secret_reference")
            if not secrets.reference_name(reference):
                raise FormatError(f"{where}[{i}].secret_reference must look like {{{{NAME}}}}.")
            rows.append({"key": key, "secret_reference": reference})
        elif allow_secret and "secret" in row:
            rows.append({"key": key, "secret": None})  # a literal is never imported
        else:
            rows.append({"key": key, "value": _expect(row.get("value", ""), str, where)})
    return rows


def _invalid(where: str, error: Exception) -> FormatError:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    else:
        details = str(error)
    return FormatError(f"{where} is not valid: {details}")


def _normalized_connector(item: Any, where: str) -> dict[str, Any]:
    _expect(item, dict, where)
    references = _expect(item.get("secret_references") or {}, dict, f"{where}.secret_references")
    for name, reference in references.items():
        if reference is not None and not secrets.reference_name(str(reference)):
            raise FormatError(f"{where}.secret_references.{name} must be {{{{NAME}}}} or null.")
    data = {
        "name": item.get("name"),
        "display_name": item.get("display_name") or "",
        "description": item.get("description") or "",
        "base_url": item.get("base_url"),
        "auth_config": item.get("auth_config") or Connector.AuthConfig.NO_AUTH,
        "auth_settings": _expect(item.get("auth_settings") or {}, dict, f"{where}.auth_settings"),
        "secret_references": references,
        "headers": _rows(item.get("headers"), f"{where}.headers", allow_secret=True),
        "timeout_seconds": item.get("timeout_seconds", 30),
        "verify_tls": item.get("verify_tls", True),
    }
    fields = {k: v for k, v in data.items() if k not in ("secret_references", "headers")}
    try:
        connector = Connector(**fields)
        connector.full_clean(validate_unique=False, validate_constraints=False)
    except (ValidationError, TypeError, ValueError) as error:
        raise _invalid(f"{where} ({data['name']})", error) from None
    data.update({key: getattr(connector, key) for key in fields})  # as cleaned: "30" -> 30
    actions, seen = [], set()
    for index, action in enumerate(_expect(item.get("actions") or [], list, f"{where}.actions")):
        action_data = _normalized_action(action, f"{data['name']}.actions[{index}]")
        if action_data["name"] in seen:
            raise FormatError(f"Connector {data['name']} has two actions {action_data['name']}.")
        seen.add(action_data["name"])
        actions.append(action_data)
    data["actions"] = actions
    return data


def _normalized_action(item: Any, where: str) -> dict[str, Any]:
    _expect(item, dict, where)
    data = {
        "name": item.get("name"),
        "description": item.get("description") or "",
        "method": item.get("method") or Action.Method.GET,
        "path": item.get("path") or "/",
        "query_params": _rows(item.get("query_params"), f"{where}.query_params"),
        "headers": _rows(item.get("headers"), f"{where}.headers"),
        "body": item.get("body") or "",
        "output_schema": item.get("output_schema"),
    }
    args = []
    for i, arg in enumerate(_expect(item.get("input_args") or [], list, f"{where}.input_args")):
        _expect(arg, dict, f"{where}.input_args[{i}]")
        args.append(
            {
                "name": arg.get("name"),
                "data_type": arg.get("data_type") or InputArg.DataType.STRING,
                "description": arg.get("description") or "",
                "example_value": arg.get("example_value") or "",
                "required": bool(arg.get("required", False)),
            }
        )
    try:
        action = Action(**data)
        action.full_clean(exclude=["connector"], validate_unique=False, validate_constraints=False)
        data.update({key: getattr(action, key) for key in ACTION_KEYS})
        for arg in args:
            input_arg = InputArg(**arg)
            input_arg.full_clean(
                exclude=["action"], validate_unique=False, validate_constraints=False
            )
            arg.update({key: getattr(input_arg, key) for key in ARG_FIELDS})
    except (ValidationError, TypeError, ValueError) as error:
        raise _invalid(f"{where} ({data['name']})", error) from None
    if len({arg["name"] for arg in args}) != len(args):
        raise FormatError(f"{where} ({data['name']}) declares an input arg twice.")
    data["input_args"] = args
    return data


# --- the plan ------------------------------------------------------------------------------------


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


@dataclass
class Plan:
    items: list[Item]
    missing_credentials: list[str]

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)


def plan(document: dict[str, Any]) -> Plan:
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
        items.append(item)
    referenced = set(document["credentials"])
    for data in document["connectors"]:
        referenced |= _references(data)
    known = set(Credential.objects.filter(name__in=referenced).values_list("name", flat=True))
    return Plan(items, sorted(referenced - known))


def _references(data: dict[str, Any]) -> set[str]:
    found = [r for r in data["secret_references"].values() if r]
    found += [row["secret_reference"] for row in data["headers"] if "secret_reference" in row]
    return {name for r in found if (name := secrets.reference_name(r))}


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


# --- applying ------------------------------------------------------------------------------------


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
    _set_connector_fields(connector, data, user_name)
    connector.save()
    history.record(connector, Revision.Event.CREATED, user, note="Imported")
    for action in data["actions"]:
        _save_action(connector, None, action, user)
    return connector


def _set_connector_fields(connector: Connector, data: dict[str, Any], user_name: str) -> None:
    for key in CONNECTOR_KEYS:
        if key not in ("secret_references", "headers"):
            setattr(connector, key, data[key])
    stored = dict(connector.auth_secrets) if connector.pk else {}
    auth_secrets = {}
    for name, reference in data["secret_references"].items():
        if reference and _reference(stored.get(name)) == reference:
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
            same = _reference(current.get(key.lower())) == row["secret_reference"]
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
    _set_connector_fields(connector, item.data, user_name)
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
