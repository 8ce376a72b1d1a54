from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the role groups after `flush` (which empties tables and then signals post_migrate)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from connectors.roles import ensure_roles

    for label in ("contenttypes", "auth", "connectors"):
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    ensure_roles(using)


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Connector Studio"

    def ready(self) -> None:
        post_migrate.connect(_ensure_roles, sender=self)
        # Imported for their signal handlers: the catalog's data version (which watches every
        # connection's writes), stored runs, and the role cache.
        from connectors.catalog import queries  # noqa: F401
        from connectors.engine import runs  # noqa: F401
        from connectors.views import access  # noqa: F401
