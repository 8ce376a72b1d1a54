"""The error summary at the top of a form: one link per problem, to the field that has it."""

from __future__ import annotations

from typing import NamedTuple

from django import forms


class Problem(NamedTuple):
    href: str
    label: str
    message: str


def problems(
    *all_forms: forms.BaseForm | None, labels: dict[str, str] | None = None
) -> list[Problem]:
    """Every error of these forms; `labels` renames a field by its id ("Input arg 2 Name")."""
    found: list[Problem] = []
    for form in all_forms:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            found.append(Problem("", "", message))
        for field in form:
            for message in field.errors:
                field_id = field.id_for_label or field.auto_id
                label = (labels or {}).get(field_id, str(field.label))
                found.append(Problem(f"#{field_id}", label, message))
    return found
