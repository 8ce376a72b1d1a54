"""Create: the gallery's plan through the shared import apply, in one transaction with history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

import connectors.importing.apply
from connectors.importing import compare
from connectors.importing.auth import full_settings
from connectors.importing.readers.gallery import GalleryPlan
from connectors.models import Action, Connector


def problems(made: GalleryPlan) -> list[str]:
    """What the answers make invalid (a Base URL that is not a URL, say), before any write."""
    wanted = made.plan.connector
    connector = Connector(
        name=wanted.name,
        base_url=wanted.base_url,
        auth_config=made.plan.auth.auth_config,
        auth_settings=full_settings(made.plan.auth),
    )
    found = []
    try:
        connector.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        found += [
            f"{Connector._meta.get_field(k).verbose_name}: {' '.join(v)}"
            for k, v in error.message_dict.items()
        ]
    for planned in made.plan.actions:
        action = Action(name=planned.name, method=planned.method, path=planned.path)
        try:
            action.full_clean(exclude=["connector"], validate_unique=False)
        except ValidationError as error:
            found += [f"Action {action.name}: {' '.join(v)}" for v in error.message_dict.values()]
    return found


@sensitive_variables("made")
def apply(made: GalleryPlan, user: Any) -> Action:
    """Everything the preview showed, or nothing: IntegrityError when a connector or credential
    of the same name appeared meanwhile."""
    plan = compare.against_catalog(made.plan)
    if plan.target_exists or any(c.exists for c in plan.credentials):
        raise IntegrityError("a name was taken meanwhile")
    with transaction.atomic():
        outcome = connectors.importing.apply.apply(
            plan,
            made.choices,
            user,
            may_set_credentials=user.has_perm("connectors.manage_credentials"),
        )
        if len(outcome.credentials) != len(plan.credentials):
            raise IntegrityError("a credential could not be created")
        return outcome.connector.actions.get(name=made.first_action)
