"""Reading a catalog file: parse it, check and normalize each connector and action; each
connector then reads into the one Plan (connector_plan), which replaces its namesake whole."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError

from connectors.catalog.document import ACTION_KEYS, FORMAT, FORMAT_VERSION, FormatError
from connectors.catalog.history import ARG_FIELDS
from connectors.importing.plan import ActionPlan, ArgPlan, AuthPlan, ConnectorPlan, Plan
from connectors.lib import check_specs
from connectors.lib.schema import contains_nul
from connectors.models import IDENTIFIER_RE, Action, Connector, InputArg
from connectors.secrets import sealing

KIND = "Connector Studio catalog"


def parse(text: str | bytes) -> dict[str, Any]:
    """The document, its connectors checked and normalized; FormatError says what is wrong."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FormatError(f"This is not JSON: {error}.") from None
    except RecursionError:
        raise FormatError("This is not a catalog: it is nested too deeply.") from None
    except ValueError:  # Python's limit on int digits (sys.get_int_max_str_digits)
        raise FormatError(
            "This is not a catalog: it holds a number with thousands of digits."
        ) from None
    try:
        if contains_nul(document):
            raise FormatError("This catalog holds a NUL character (\\u0000), which no field can.")
    except RecursionError:
        raise FormatError("This is not a catalog: it is nested too deeply.") from None
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
    return {"connectors": connectors, "credentials": names, "monitors": _monitors(document)}


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
            if not sealing.is_reference(reference):
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
        if reference is not None and not sealing.is_reference(str(reference)):
            raise FormatError(f"{where}.secret_references.{name} must be {{{{NAME}}}} or null.")
    data = {
        "name": item.get("name"),
        "display_name": item.get("display_name") or "",
        "description": item.get("description") or "",
        "base_url": item.get("base_url"),
        "auth_config": item.get("auth_config") or Connector.AuthConfig.NO_AUTH,
        "auth_settings": _expect(item.get("auth_settings") or {}, dict, f"{where}.auth_settings"),
        "secret_references": references,
        "variables": _rows(item.get("variables"), f"{where}.variables"),
        "headers": _rows(item.get("headers"), f"{where}.headers", allow_secret=True),
        "timeout_seconds": item.get("timeout_seconds", 30),
        "verify_tls": item.get("verify_tls", True),
    }
    for row in data["variables"]:
        if not re.fullmatch(IDENTIFIER_RE, row["key"]):
            raise FormatError(f"{where}.variables: “{row['key']}” is not a variable name.")
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


def _tags(value: Any, where: str) -> list[str]:
    """An action's tags (what a monitor or Test all by tag picks): names of 200 at most."""
    tags = _expect(value or [], list, where)
    if not all(isinstance(tag, str) and 0 < len(tag.strip()) <= 200 for tag in tags):
        raise FormatError(f"{where} must be a list of names of at most 200 characters.")
    return list(dict.fromkeys(tag.strip() for tag in tags))


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
        "tags": _tags(item.get("tags"), f"{where}.tags"),
    }
    try:
        checks = check_specs.parse_checks(item.get("checks"))
    except check_specs.CheckError as error:
        found = "; ".join(f"{where}.checks{p.path}: {p.message}" for p in error.problems)
        raise FormatError(found) from None
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
        data["checks"] = checks
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


# --- monitors -----------------------------------------------------------------------------------

# Each key's type and the value a file that leaves it out means. The rules (schedule, scope,
# inputs) are checked by the import plan: a monitor that breaks one is skipped, not the file.
_MONITOR_TYPES: dict[str, tuple[tuple[type, ...], Any]] = {
    "name": ((str,), None),
    "connector": ((str,), ""),
    "tag": ((str,), ""),
    "actions": ((list,), []),
    "inputs": ((dict,), {}),
    "interval_seconds": ((int, type(None)), None),
    "cron": ((str,), ""),
    "timezone": ((str,), "UTC"),
    "alert_after": ((int,), 2),
    "remind_every_hours": ((int, type(None)), None),
    "active": ((bool,), True),
    "channels": ((list,), []),
}


def _monitors(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The file's monitors, each with every key of the right type; a catalog exported before
    monitors travelled has none."""
    items = document.get("monitors") or []
    if not isinstance(items, list):
        raise FormatError('"monitors" must be a list.')
    monitors, seen = [], set()
    for index, item in enumerate(items):
        where = f"monitors[{index}]"
        _expect(item, dict, where)
        data = {}
        for key, (types, default) in _MONITOR_TYPES.items():
            value = item.get(key, default)
            # A bool is an int to Python; not to a monitor's numbers.
            if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
                raise FormatError(f"{where}.{key} has the wrong type.")
            data[key] = value
        for key in ("actions", "channels"):
            if not all(isinstance(name, str) for name in data[key]):
                raise FormatError(f"{where}.{key} must be a list of names.")
        if data["name"] in seen:
            raise FormatError(f"Monitor {data['name']} appears twice.")
        seen.add(data["name"])
        monitors.append(data)
    return monitors


def connector_plan(data: dict[str, Any], source: str = "catalog file") -> Plan:
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
