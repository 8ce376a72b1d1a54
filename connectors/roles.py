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
    "connectors.view_monitor",
    "connectors.view_incident",
]
_EDIT = [
    f"connectors.{verb}_{model}"
    for model in ("connector", "action", "inputarg")
    for verb in ("add", "change", "delete")
] + ["connectors.run_test", "connectors.add_testrun"]
_EDIT += [f"connectors.{verb}_monitor" for verb in ("add", "change", "delete")]
_ADMINISTER = [
    "connectors.add_credential",
    "connectors.change_credential",
    "connectors.delete_credential",
    "connectors.manage_credentials",
    "connectors.delete_testrun",
    "connectors.restore_revision",
    "connectors.import_catalog",
    # Alert channels hold webhook URLs, secrets of their own: Admins only.
    "connectors.view_alertchannel",
    "connectors.add_alertchannel",
    "connectors.change_alertchannel",
    "connectors.delete_alertchannel",
    "connectors.manage_api_tokens",
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


def grant_role_permissions(apps) -> None:
    """Create the role groups and grant them every permission above that exists yet.

    For migrations (`apps` is the migration state): roles grow with later models, and each
    migration that adds permissions calls this again.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


def ensure_roles(using: str = "default") -> None:
    """The same groups and grants, with the live models (after a migration has made them)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                *Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
