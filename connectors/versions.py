"""Optimistic locking: a save names the version it started from; a stale one is refused.

The forms carry the version as a hidden field. `save_versioned` bumps it with an
UPDATE ... WHERE version = <started from>: of two saves from the same version, the database
lets exactly one through (PostgreSQL re-checks the WHERE after the first commits; SQLite
serializes writers), and the other is told what changed meanwhile, its input kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils.html import format_html

from connectors import history
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


class VersionedForm(forms.BaseForm):
    """A ModelForm mixin: the hidden `version` and the stale check, for views and the admin."""

    instance: Any
    stale_changes: list[history.Change] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, min_value=1
        )
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = self.instance.version

    def started_from(self) -> int | None:
        return self.cleaned_data.get("version") if hasattr(self, "cleaned_data") else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        expected = cleaned.get("version")
        edited = [name for name in self.changed_data if name != "version"]
        # An untouched inline row is not saved, so it need not be current.
        if self.instance.pk and expected is not None and edited:
            model = type(self.instance)
            now = model.objects.filter(pk=self.instance.pk)
            if transaction.get_connection().in_atomic_block:
                # In the admin's transaction: the row stays locked until its save commits.
                now = now.select_for_update()
            current = now.values_list("version", flat=True).first()
            if current is not None and current != expected:
                self.refuse_stale(expected)
        return cleaned

    def refuse_stale(self, expected: int) -> None:
        """Say who saved meanwhile and what changed; keep the input, move the version on."""
        current, changes = changes_since(self.instance, expected)
        self.stale_changes = changes
        who = current.updated_by.get_username() if current.updated_by else "Someone"
        kind = current._meta.verbose_name
        message = format_html(
            "{} saved this {} while you were editing it (version {}; you started from "
            "version {}). Your input is still below: compare it with what changed, then save "
            "again.",
            who,
            kind,
            current.version,
            expected,
        )
        if changes:
            listed = "; ".join(
                f"{c.field}: {c.new}" if c.secret else f"{c.field}: “{c.old}” → “{c.new}”"
                for c in changes
            )
            message = format_html("{} What changed: {}.", message, listed)
        self.add_error(None, message)
        self.data = self.data.copy()
        self.data["version"] = str(current.version)  # the next save starts from what is there now
