"""Optimistic locking: a save names the version it started from; a stale one is refused."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from connectors.catalog import history
from connectors.models import LAST_RUN_FIELDS, Action, Connector


class StaleVersion(Exception):
    """Someone saved the object after this editor loaded it."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"the object is no longer at version {expected}")
        self.expected = expected


def save_versioned(
    obj: Connector | Action, expected: int | None, update_fields: list[str] | None = None
) -> None:
    """Save obj if its row is still at `expected` (None: whatever it is now), one version up."""
    model = type(obj)
    if obj.pk is None:
        obj.version = 1
        obj.save()
        return
    with transaction.atomic():
        if expected is None:  # a client that sends no version: no check, but still a bump
            expected = model.objects.filter(pk=obj.pk).values_list("version", flat=True).get()
        bumped = model.objects.filter(pk=obj.pk, version=expected).update(version=expected + 1)
        if not bumped:
            raise StaleVersion(expected)
        obj.version = expected + 1
        # Never the last-run fields: a Test stored meanwhile keeps its badge (connectors.runs).
        fields = update_fields or [
            f.name
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in LAST_RUN_FIELDS
        ]
        obj.save(update_fields=[*fields, "version"])


def changes_since(obj: Connector | Action, version: int) -> tuple[Any, list[history.Change]]:
    """The object as it is now, and what changed since `version` (empty if unknown)."""
    model = type(obj)
    current = model.objects.select_related("updated_by").get(pk=obj.pk)
    then = history.revision_at(history.kind_of(current), current.pk, version)
    if then is None:
        return current, []
    return current, history.diff(then.snapshot, history.snapshot(current))
