"""Forms that save with optimistic locking: they carry the version they started from, and
write through the catalog's writes (a version up and a history entry), never by themselves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils.html import format_html

from connectors.catalog import history, writes
from connectors.catalog.versions import StaleVersion, changes_since
from connectors.models import Connector


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

    def save(self, commit: bool = True) -> Any:
        """The instance as this form set it, unsaved: save_recorded() writes it."""
        if commit:
            raise TypeError("A catalog form writes through save_recorded(), with its history.")
        return super().save(commit=False)

    def save_recorded(self, user: history.User, **options: Any) -> Any | None:
        """Write the instance through catalog.writes, one version up from where this form
        started, with its history entry (`options`: save_action's Input Args and the like).
        A stale version saves nothing: the conflict message goes on the form, and None back."""
        if isinstance(self.instance, Connector):
            write = writes.save_connector
        else:
            write = writes.save_action
        try:
            return write(self.instance, user=user, expected=self.started_from(), **options)
        except StaleVersion as stale:
            self.refuse_stale(stale.expected)
            return None

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
