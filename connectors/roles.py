"""The three roles, as Django groups, and the permissions each one holds."""

from __future__ import annotations

VIEWER = "Viewer"
DEVELOPER = "Developer"
ADMIN = "Admin"

_BROWSE = [
    "connectors.view_connector",
    "connectors.view_action",
    "connectors.view_inputarg",
    "connectors.view_testrun",
    "connectors.view_credential",
]
_EDIT = [
    f"connectors.{verb}_{model}"
    for model in ("connector", "action", "inputarg")
    for verb in ("add", "change", "delete")
] + ["connectors.run_test", "connectors.add_testrun"]
_ADMINISTER = [
    "connectors.add_credential",
    "connectors.change_credential",
    "connectors.delete_credential",
    "connectors.manage_credentials",
    "connectors.delete_testrun",
    "connectors.restore_revision",
    "connectors.import_catalog",
] + [
    f"auth.{verb}_{model}"
    for model in ("user", "group")
    for verb in ("view", "add", "change", "delete")
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    VIEWER: _BROWSE,
    DEVELOPER: _BROWSE + _EDIT,
    ADMIN: _BROWSE + _EDIT + _ADMINISTER,
}
