"""Create: a plan's credentials, connector and actions in one transaction, recorded in history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from connectors import history, secrets
from connectors.gallery.plan import Plan
from connectors.models import Action, Connector, Credential, InputArg, Revision


@sensitive_variables("plan")
def _connector(plan: Plan, user: Any) -> Connector:
    data = plan.connector
    user_name = user.get_username()
    connector = Connector(
        name=data["name"],
        display_name=data["display_name"],
        description=data["description"],
        base_url=data["base_url"],
        auth_config=data["auth_config"],
        auth_settings=data["auth_settings"],
        variables=data["variables"],
        updated_by=user,
    )
    connector.auth_secrets = {
        name: secrets.sealed_field(choice.value, user_name)
        for name, choice in plan.auth_secrets.items()
    }
    connector.headers = data["headers"] + [
        {"key": key, "secret": secrets.sealed_field(choice.value, user_name)}
        for key, choice in plan.secret_headers.items()
    ]
    return connector


def _actions(plan: Plan, connector: Connector, user: Any) -> list[tuple[Action, list[InputArg]]]:
    made = []
    for spec in plan.actions:
        action = Action(
            connector=connector,
            name=spec["name"],
            description=spec["description"],
            method=spec["method"],
            path=spec["path"],
            query_params=spec["query_params"],
            headers=spec["headers"],
            body=spec["body"],
            updated_by=user,
        )
        made.append((action, [InputArg(**arg) for arg in spec["input_args"]]))
    return made


def problems(plan: Plan, user: Any) -> list[str]:
    """What the answers make invalid (a Base URL that is not a URL, say), before any write."""
    connector = _connector(plan, user)
    found = []
    try:
        connector.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        found += [
            f"{Connector._meta.get_field(k).verbose_name}: {' '.join(v)}"
            for k, v in error.message_dict.items()
        ]
    for action, _args in _actions(plan, connector, user):
        try:
            action.full_clean(exclude=["connector"], validate_unique=False)
        except ValidationError as error:
            found += [f"Action {action.name}: {' '.join(v)}" for v in error.message_dict.values()]
    return found


@sensitive_variables("plan")
@transaction.atomic
def apply(plan: Plan, user: Any) -> Action:
    """Everything the preview showed, or nothing (IntegrityError on a name taken meanwhile)."""
    note = f"Created from the {plan.template['vendor']} template ({plan.template['id']})."
    for new in plan.credentials:
        credential = Credential.objects.create(
            name=new.name,
            sealed=secrets.seal(new.value),
            hint=secrets.hint(new.value),
            set_by=user,
        )
        history.record(credential, Revision.Event.CREATED, user, note=note)
    connector = _connector(plan, user)
    connector.save()
    history.record(connector, Revision.Event.CREATED, user, note=note)
    created = []
    for action, args in _actions(plan, connector, user):
        action.save()
        for arg in args:
            arg.action = action
        InputArg.objects.bulk_create(args)
        history.record(action, Revision.Event.CREATED, user, note=note)
        created.append(action)
    return created[0]
