"""The action form's Checks: one row a check, each read by the one parser (lib.check_specs), so the
form, the admin, the importers and the API agree on what a check may say."""

from __future__ import annotations

from typing import Any

from django import forms

from connectors.lib import check_specs

TYPE_CHOICES = [("", "—"), *((t, check_specs.TYPE_LABELS[t]) for t in check_specs.TYPES)]
OP_CHOICES = [("", "—"), *((op, check_specs.OP_LABELS[op]) for op in check_specs.OPS)]
# Where the parser names a field, and the row's input that holds it.
FIELD_OF = {"path": "target", "name": "target", "type": "type", "op": "op", "value": "value"}
# Values read as JSON when they read as JSON (42, true, "42"), else as the text typed.
JSON_VALUES = {("jsonpath", "equals"), ("jsonpath", "contains")}


class CheckRowForm(forms.Form):
    type = forms.ChoiceField(label="Type", choices=TYPE_CHOICES, required=False)
    target = forms.CharField(
        label="JSONPath or header",
        required=False,
        widget=forms.TextInput(attrs={"class": "mono", "placeholder": "$.data[0].id"}),
    )
    op = forms.ChoiceField(label="Op", choices=OP_CHOICES, required=False)
    value = forms.CharField(
        label="Value", required=False, widget=forms.TextInput(attrs={"class": "mono"})
    )

    def __init__(self, *args: Any, index: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.index = index

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("type"):
            if any(cleaned.get(k) for k in ("target", "op", "value")):
                self.add_error("type", "Choose a type for this check.")
            return cleaned
        try:
            cleaned["check"] = check_specs.parse_check(as_check(cleaned), self.index)
        except check_specs.CheckError as error:
            for problem in error.problems:
                self.add_error(FIELD_OF.get(problem.field), problem.message)
        return cleaned


def as_check(row: dict[str, Any]) -> dict[str, Any]:
    """A row as typed, in the parser's terms: the target is a path or a header name."""
    kind, op = row.get("type"), row.get("op") or None
    check: dict[str, Any] = {"type": kind}
    if op:
        check["op"] = op
    if target := (row.get("target") or "").strip():
        check["name" if kind == "header" else "path"] = target
    text = row.get("value") or ""
    if text.strip():
        check["value"] = check_specs.typed_value(text) if (kind, op) in JSON_VALUES else text
    return check


def as_row(check: dict[str, Any]) -> dict[str, str]:
    """A stored check as the form shows it."""
    value = check.get("value")
    if value is None:
        shown = ""
    elif isinstance(value, list):
        shown = ", ".join(str(item) for item in value)
    elif (check["type"], check.get("op")) in JSON_VALUES:
        shown = check_specs.shown_value(value)
    else:
        shown = str(value)
    return {
        "type": check["type"],
        "target": check.get("path") or check.get("name") or "",
        "op": check.get("op") or "",
        "value": shown,
    }


class BaseChecksFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "index": index or 0}

    def checks(self) -> list[dict[str, Any]]:
        """The checks kept, in order (valid rows only; blank and removed rows are left out)."""
        kept = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("check") and not data.get("DELETE"):
                kept.append(data["check"])
        return kept

    def labels(self) -> dict[str, str]:
        """Each row's inputs by name for the error summary: "Check 2 Value"."""
        return {
            field.id_for_label: f"Check {number} {field.label}"
            for number, form in enumerate(self.forms, start=1)
            for field in form
        }


ChecksFormSet = forms.formset_factory(
    CheckRowForm,
    formset=BaseChecksFormSet,
    extra=1,
    can_delete=True,
    max_num=check_specs.MAX_CHECKS,
    validate_max=True,
)


def checks_formset(data: Any = None, checks: list[dict[str, Any]] | None = None) -> Any:
    """The Checks rows: as posted, or as stored (also when a post carries no Checks rows at
    all: the checks then stay as they are)."""
    if data is not None and "checks-TOTAL_FORMS" in data:
        return ChecksFormSet(data, prefix="checks")
    return ChecksFormSet(initial=[as_row(check) for check in checks or []], prefix="checks")
