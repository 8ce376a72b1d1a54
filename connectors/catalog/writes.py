"""Every write of the catalog: a connector, an action with its Input Args, a credential.

Each write is one transaction: the optimistic version check (versions.save_versioned), the
save, and its history entry (history.record). Pages, the API, the admin, commands and imports
write through here; none of them saves a catalog object or records history itself.

`user` is who did it (None or an anonymous user: nobody, as a command). `note` says how, in
History ("Imported from cURL"); `event` is CREATED or CHANGED by default, RESTORED for a restore.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from connectors.catalog import history, versions
from connectors.catalog.history import ARG_FIELDS, User
from connectors.models import Action, Connector, Credential, InputArg, Revision

# What an action's revision keeps of each Input Arg.
ArgRow = dict[str, Any]


def _actor(user: User) -> Any:
    """The person a row names as its author: none for a command or an anonymous request."""
    return user if user is not None and user.is_authenticated else None


def _event(obj: Connector | Action | Credential, event: str | None) -> str:
    if event is not None:
        return event
    return Revision.Event.CREATED if obj.pk is None else Revision.Event.CHANGED


def save_connector(
    connector: Connector,
    *,
    user: User,
    expected: int | None = None,
    event: str | None = None,
    note: str = "",
) -> Connector:
    """Save the connector as it is set, one version up from `expected`, and record it.

    `expected` is the version the editor started from (None: no check, still a bump). A stale
    one raises versions.StaleVersion and saves nothing; a Name taken meanwhile, IntegrityError.
    Secrets' homes are the caller's to settle first (homes.settle), as it warns about them.
    """
    with transaction.atomic():
        event = _event(connector, event)
        connector.updated_by = _actor(user)
        versions.save_versioned(connector, expected)
        history.record(connector, event, user, note=note)
    return connector


def save_action(
    action: Action,
    *,
    user: User,
    expected: int | None = None,
    fields: Sequence[str] | None = None,
    args: Iterable[InputArg] = (),
    dropped_args: Iterable[InputArg] = (),
    replace_args: Iterable[ArgRow] | None = None,
    touch_connector: bool = False,
    event: str | None = None,
    note: str = "",
) -> Action:
    """Save the action (its checks and the rest as set), its Input Args, and record it.

    `fields`: only these columns (an output schema or the checks alone), so a save does not
    carry back what it did not edit. `args` are rows to save (new or changed, as a formset's
    `save(commit=False)` gives them) and `dropped_args` rows to delete; `replace_args` instead
    stands for all of them, as dicts of ARG_FIELDS (an import, a restore). `touch_connector`:
    the connector names this user as its last editor too (the action pages do).
    A stale `expected` raises versions.StaleVersion and saves nothing.
    """
    with transaction.atomic():
        event = _event(action, event)
        action.updated_by = _actor(user)
        only = [*fields, "updated_by", "updated_at"] if fields else None
        versions.save_versioned(action, expected, update_fields=only)
        # Deleted rows first: a row may take the Name of one that goes.
        for arg in dropped_args:
            arg.delete()
        for arg in args:
            arg.action = action
            arg.save()
        if replace_args is not None:
            action.input_args.all().delete()
            InputArg.objects.bulk_create(_new_args(action, replace_args))
        if touch_connector:
            Connector.objects.filter(pk=action.connector_id).update(updated_by=action.updated_by)
        history.record(action, event, user, note=note)
    return action


def create_actions(
    connector: Connector,
    actions: Sequence[tuple[Action, Sequence[ArgRow]]],
    *,
    user: User,
    note: str = "",
) -> list[Action]:
    """New actions of one saved connector, each with its Input Args, at version 1 and recorded:
    three INSERTs a batch, for an import of hundreds."""
    if not actions:
        return []
    actor = _actor(user)
    for action, _ in actions:
        action.connector, action.updated_by, action.version = connector, actor, 1
    with transaction.atomic():
        saved = Action.objects.bulk_create([action for action, _ in actions], batch_size=500)
        rows = [list(args) for _, args in actions]
        InputArg.objects.bulk_create(
            [
                arg
                for action, args in zip(saved, rows, strict=True)
                for arg in _new_args(action, args)
            ],
            batch_size=1000,
        )
        revisions = [
            history.revision(
                action,
                Revision.Event.CREATED,
                user,
                note=note,
                data=history.snapshot(action, args=args),
            )
            for action, args in zip(saved, rows, strict=True)
        ]
        Revision.objects.bulk_create(revisions, batch_size=500)
    return saved


def touch_connector(connector: Connector, *, user: User) -> None:
    """The connector names this user as its last editor, now: its actions changed, not it (no
    version, no history entry of its own)."""
    Connector.objects.filter(pk=connector.pk).update(
        updated_by=_actor(user), updated_at=timezone.now()
    )


def _new_args(action: Action, rows: Iterable[ArgRow]) -> list[InputArg]:
    return [InputArg(action=action, **{field: row[field] for field in ARG_FIELDS}) for row in rows]


def save_credential(credential: Credential, *, user: User, note: str = "") -> Credential:
    """Save the credential (its value sealed by the caller) and record it: its history keeps
    only that the value changed, never the value. Who set it and how are the caller's fields."""
    with transaction.atomic():
        event = _event(credential, None)
        credential.save()
        history.record(credential, event, user, note=note)
    return credential


def confirm_credential(credential: Credential, *, user: User) -> None:
    """An Admin keeps a credential someone else made, its hosts included: recorded with why it
    was flagged."""
    note = f"Confirmed ({credential.flag})."
    now = timezone.now()
    with transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(
            needs_confirmation=False, confirmed_by=_actor(user), confirmed_at=now
        )
        history.record(credential, Revision.Event.CHANGED, user, note=note)
    credential.needs_confirmation, credential.confirmed_by = False, _actor(user)
    credential.confirmed_at = now


def delete(obj: Connector | Action | Credential, *, user: User, note: str = "") -> Revision:
    """Record the deletion, then delete: a connector's revision keeps its actions, so the
    deletion can be undone (restore.restore) with them. Returns that revision."""
    with transaction.atomic():
        revision = history.record(obj, Revision.Event.DELETED, user, note=note)
        obj.delete()
    return revision
