"""An Auth Config as the forms know it: its secret fields, and its settings with defaults."""

from __future__ import annotations

from typing import Any

from connectors import kinds
from connectors.importing import names
from connectors.importing.plan import AuthPlan, CredentialToSet, Plan
from connectors.lib import origins
from connectors.models import Connector
from connectors.secrets import homes


def full_settings(auth: AuthPlan) -> dict[str, Any]:
    """The plan's settings over the kind's defaults, as a saved form would store them."""
    return kinds.full_settings(auth.auth_config, auth.settings)


def suggested_hosts(plan: Plan, secret_field: str) -> list[str]:
    """The Allowed hosts a credential filling this field needs: every URL the field is sent to,
    the way a secret's home is decided ("header:X" and plain fields go where the Base URL does).
    """
    connector = Connector(
        base_url=plan.connector.base_url,
        auth_config=plan.auth.auth_config,
        auth_settings=full_settings(plan.auth),
    )
    where, _, name = secret_field.rpartition(":")
    urls = homes.roles_of(connector, "" if where == "header" else name).values()
    return list(dict.fromkeys(host for url in urls for host in origins.hosts_of(url)))


def secret_label(auth_config: str, name: str) -> str:
    field = kinds.kind_of(auth_config).field(name)
    return field.label if field else name


def ask_for_secrets(plan: Plan) -> None:
    """Each secret field the Auth Config needs refers to a credential to set, named after the
    connector; the preview asks for its value (Admins) or for another {{NAME}}."""
    prefix = names.identifier(plan.connector.name, "api").upper()
    for field, value in plan.auth.secrets.items():
        if value:
            continue
        name = f"{prefix[: 63 - len(field)]}_{field.upper()}"
        plan.auth.secrets[field] = "{{" + name + "}}"
        if all(c.name != name for c in plan.credentials):
            plan.credentials.append(
                CredentialToSet(
                    name,
                    purpose=f"{secret_label(plan.auth.auth_config, field)} of connector "
                    f"{plan.connector.name}",
                    secret_field=field,
                    hosts=suggested_hosts(plan, field),
                )
            )
