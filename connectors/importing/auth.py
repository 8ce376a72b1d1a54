"""An Auth Config as the forms know it: its secret fields, and its settings with defaults."""

from __future__ import annotations

from typing import Any

from connectors.importing.plan import AuthPlan, CredentialToSet, Plan


def secret_fields(auth_config: str) -> list[str]:
    """The form fields of an Auth Config type that are secrets (not the broker's tokens)."""
    from connectors.fields import SecretField
    from connectors.forms import AUTH_FORMS

    form_class = AUTH_FORMS.get(auth_config)
    if form_class is None:
        return []
    return [n for n, f in form_class.base_fields.items() if isinstance(f, SecretField)]


def full_settings(auth: AuthPlan) -> dict[str, Any]:
    """The plan's settings over the form's initial values, as a saved form would store them."""
    from connectors.fields import KeyValueField, SecretField
    from connectors.forms import AUTH_FORMS

    form_class = AUTH_FORMS.get(auth.auth_config)
    if form_class is None:
        return dict(auth.settings)
    defaults = {
        name: []
        if isinstance(field, KeyValueField)
        else ""
        if field.initial is None
        else field.initial
        for name, field in form_class.base_fields.items()
        if not isinstance(field, SecretField)
    }
    return defaults | auth.settings


def suggested_hosts(plan: Plan, secret_field: str) -> list[str]:
    """The Allowed hosts a credential filling this field needs: every URL the field is sent to,
    the way a secret's home is decided ("header:X" and plain fields go where the Base URL does).
    """
    from connectors import homes
    from connectors.models import Connector

    connector = Connector(
        base_url=plan.connector.base_url,
        auth_config=plan.auth.auth_config,
        auth_settings=full_settings(plan.auth),
    )
    where, _, name = secret_field.rpartition(":")
    urls = homes.roles_of(connector, "" if where == "header" else name).values()
    return list(dict.fromkeys(host for url in urls for host in homes.hosts_of(url)))


def secret_label(auth_config: str, name: str) -> str:
    from connectors.forms import AUTH_FORMS

    form_class = AUTH_FORMS.get(auth_config)
    if form_class is not None and name in form_class.base_fields:
        return str(form_class.base_fields[name].label)
    return name


def ask_for_secrets(plan: Plan) -> None:
    """Each secret field the Auth Config needs refers to a credential to set, named after the
    connector; the preview asks for its value (Admins) or for another {{NAME}}."""
    from connectors.importing import names

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
