"""Form fields the catalog needs: key/value tables and write-only secrets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connectors.lib import header_rules
from connectors.secrets import sealing

BLANK_ROWS = 2  # spare rows so the table can grow without JavaScript


class KeyValueWidget(forms.Widget):
    """Rows of key/value inputs, posted as parallel lists `<name>_key` / `<name>_value`.

    With `allow_secret`, each row also has a `<name>_kind` of "plain" or "secret"; a secret
    row's value is write-only (rendered blank, its stored hint beside it).
    """

    template_name = "connectors/widgets/key_value.html"

    def __init__(self, attrs: dict | None = None, allow_secret: bool = False) -> None:
        super().__init__(attrs)
        self.allow_secret = allow_secret

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, str]]:
        if not hasattr(data, "getlist"):
            return []
        keys = data.getlist(f"{name}_key")
        values = data.getlist(f"{name}_value")
        kinds = data.getlist(f"{name}_kind") if self.allow_secret else []
        rows = []
        for index, (key, value) in enumerate(zip(keys, values, strict=False)):
            row = {"key": key.strip(), "value": value}
            if self.allow_secret:
                row["kind"] = kinds[index] if index < len(kinds) else "plain"
            if row["key"] or row["value"]:
                rows.append(row)
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = [_shown_row(row) for row in value or []]
        blank = {"key": "", "value": "", "kind": "plain"}
        context["widget"]["rows"] = rows + [blank] * BLANK_ROWS
        context["widget"]["allow_secret"] = self.allow_secret
        context["widget"]["row_label"] = getattr(self, "row_label", "Row")
        kept = getattr(self, "kept_keys", set())
        for row in rows:
            row["kept"] = row["kind"] == "secret" and row["key"].lower() in kept
        return context

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_key_0" if id_ else id_


def _shown_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the form shows it: a secret's value never goes back to the browser."""
    if "secret" in row:  # as stored
        return {"key": row["key"], "value": "", "kind": "secret", "stored": row["secret"]}
    if row.get("kind") == "secret":  # as posted
        return {"key": row["key"], "value": "", "kind": "secret", "stored": row.get("stored")}
    return {"key": row["key"], "value": row.get("value", ""), "kind": "plain"}


class KeyValueField(forms.Field):
    """A table of unique keys with values, kept in the order given.

    With `allow_repeats` a key may come back (query params: `tag=a&tag=b`)."""

    widget = KeyValueWidget

    def __init__(
        self,
        *,
        key_label: str = "Key",
        allow_secret: bool = False,
        http_headers: bool = False,
        allow_repeats: bool = False,
        **kwargs: Any,
    ):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", KeyValueWidget(allow_secret=allow_secret))
        super().__init__(**kwargs)
        self.key_label = key_label
        self.http_headers = http_headers  # rows are HTTP headers: names and values checked
        self.allow_repeats = allow_repeats
        # Each row's inputs are named for screen readers: "Query param 2 value".
        self.widget.row_label = str(self.label or "Row").removesuffix("s").capitalize()

    def to_python(self, value: Any) -> list[dict[str, str]]:
        return list(value or [])

    def validate(self, value: list[dict[str, str]]) -> None:
        super().validate(value)
        seen: set[str] = set()
        for row in value:
            if not row["key"]:
                raise ValidationError(f"A row has a value but no {self.key_label.lower()}.")
            folded = row["key"].lower()
            if folded in seen and not self.allow_repeats:
                raise ValidationError(f"{self.key_label} “{row['key']}” appears twice.")
            seen.add(folded)
            if self.http_headers:
                secret = row.get("kind") == "secret"
                problem = header_rules.name_problem(row["key"], templated=True)
                problem = problem or header_rules.value_problem(
                    row["key"], row["value"], secret=secret
                )
                if problem:
                    raise ValidationError(problem)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return list(initial or []) != list(data or [])


class SecretInput(forms.PasswordInput):
    """Never renders a stored value back; shows what is set beside the input."""

    template_name = "connectors/widgets/secret.html"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(
            attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False
        )
        self.stored: dict[str, str] | None = None
        self.kept = False  # a value typed into a form that failed, kept server-side
        # Team credential names to choose from; None: this field takes a value only.
        self.references: list[str] | None = None
        self.create_url = ""  # where "create one" goes (and comes back from)

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        widget = context["widget"]
        widget.update(stored=self.stored, kept=self.kept, clear_name=f"{name}_clear")
        if self.references is not None:
            chosen = self._chosen_reference()
            names = list(self.references)
            if chosen and chosen not in names:
                names.append(chosen)
            widget.update(
                references=names,
                chosen_reference=chosen,
                missing_reference=chosen if chosen and chosen not in self.references else "",
                mode=self._mode or ("ref" if chosen else "value"),
                mode_name=f"{name}_mode",
                ref_name=f"{name}_ref",
                create_url=self.create_url,
            )
        return context

    _mode = ""
    _posted_reference = ""

    def _chosen_reference(self) -> str:
        if self._posted_reference:
            return self._posted_reference
        hint = (self.stored or {}).get("hint", "")
        return secrets_reference_name(hint) or ""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if data.get(f"{name}_clear"):
            return SecretField.CLEAR
        if self.references is not None:
            self._mode = data.get(f"{name}_mode", "")
            if self._mode == "ref":
                # A reference is a name, not a secret: it is shown again as chosen.
                self._posted_reference = data.get(f"{name}_ref", "")
                return f"{{{{{self._posted_reference}}}}}" if self._posted_reference else ""
        return super().value_from_datadict(data, files, name)


def secrets_reference_name(value: str) -> str | None:
    return sealing.reference_name(value)


class SecretField(forms.CharField):
    """Write-only: blank keeps the stored value, the Clear box removes it."""

    CLEAR = object()  # what the field cleans to when Clear is ticked
    widget = SecretInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        return self.CLEAR if value is self.CLEAR else super().clean(value)


class SecretTextarea(SecretInput):
    """A write-only text area, for secrets with line breaks (a PEM private key)."""

    template_name = "connectors/widgets/secret_textarea.html"
