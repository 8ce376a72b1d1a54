"""The short form a template asks: Name, its placeholders, its secrets; nothing else."""

from __future__ import annotations

import os
import re
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.views.decorators.debug import sensitive_variables

from connectors.importing.readers.gallery import EXISTING, NEW, VALUE, Template
from connectors.models import Connector, Credential, validate_identifier
from connectors.secrets import credential_refs, homes, references, sealing


def unique_name(base: str) -> str:
    """The template's name, or name_2, name_3... if the catalog has it already."""
    base = re.sub(r"\W", "_", base)[:60]
    taken = set(Connector.objects.filter(name__istartswith=base).values_list("name", flat=True))
    if base not in taken:
        return base
    return next(f"{base}_{n}" for n in range(2, 1000) if f"{base}_{n}" not in taken)


def free_credential_name(base: str) -> str:
    """The template's credential name, or NAME_2, NAME_3... when a team credential or an
    environment credential (STUDIO_ENV_CREDENTIALS, reserved) has it."""
    base = base[:60]
    taken = set(Credential.objects.filter(name__startswith=base).values_list("name", flat=True))
    taken |= set(references.env_credentials())
    names = [base, *(f"{base}_{n}" for n in range(2, 1000))]
    return next(name for name in names if name not in taken)


def environment_credential_for(name: str, url: str) -> bool:
    """An environment credential of this name is set and may be sent to the URL's host."""
    if not references.is_env_credential(name) or name not in os.environ:
        return False
    try:
        homes.check_reference(name, url)
    except homes.Refused:
        return False
    return True


class TemplateForm(forms.Form):
    """Built from one template; `secret_rows()` and `variable_rows()` group fields for the page."""

    def __init__(
        self,
        template: Template,
        user: AbstractBaseUser | AnonymousUser,
        data: Any = None,
    ) -> None:
        super().__init__(data)
        self.template = template
        # A typed secret is sealed for this user, this template and this field only.
        self.user_id: int | None = getattr(user, "pk", None)
        self.refused: dict[int, str] = {}  # a kept value that came back where it was not sealed
        self.may_create_credentials = user.has_perm("connectors.manage_credentials")
        self.fields["name"] = forms.CharField(
            label="Name",
            max_length=64,
            initial=unique_name(template["default_name"]),
            validators=[validate_identifier],
            help_text="A letter, then letters, digits or _.",
        )
        for variable in template["variables"]:
            key = variable["key"]
            self.fields[f"var_{key}"] = forms.CharField(
                label=f"{variable['label']} ({{{{{key}}}}})",
                max_length=2000,
                help_text=f"e.g. {variable['example']}" if variable["example"] else "",
            )
            if not variable["plain_only"]:
                self.fields[f"keep_{key}"] = forms.BooleanField(
                    label=f"Keep {key} as a Connector Variable",
                    required=False,
                    initial=True,
                )
        for ask in template["asks"]:
            self.fields[f"ask_{ask['name']}"] = forms.CharField(
                label=ask["label"],
                max_length=2000,
                initial=ask["initial"],
                help_text=ask["help"],
            )
        names = credential_refs.available_names()
        for index, secret in enumerate(template["secrets"]):
            label = secret["label"]
            choices = [] if secret["reference_only"] else [(VALUE, f"Enter the {label}")]
            choices.append((EXISTING, f"Use a team credential for the {label}"))
            if self.may_create_credentials:
                choices.append((NEW, f"Create a team credential for the {label}"))
            # The server's own key for this host, when it has one, before a new credential.
            from_env = environment_credential_for(secret["credential"], template["base_url"])
            if from_env:
                initial = EXISTING
            else:
                initial = NEW if self.may_create_credentials else choices[0][0]
            self.fields[f"secret_{index}_source"] = forms.ChoiceField(
                label=f"{secret['label']}: where it comes from",
                choices=choices,
                initial=initial,
                widget=forms.RadioSelect,
            )
            self.fields[f"secret_{index}_value"] = forms.CharField(
                label=f"{secret['label']} value",
                required=False,
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                help_text=secret["help"],
            )
            self.fields[f"secret_{index}_sealed"] = forms.CharField(
                required=False, widget=forms.HiddenInput
            )
            self.fields[f"secret_{index}_credential"] = forms.ChoiceField(
                label=f"{secret['label']}: team credential",
                required=False,
                choices=[("", "---------"), *((n, n) for n in names)],
                initial=secret["credential"] if from_env else "",
            )
            if self.may_create_credentials:
                self.fields[f"secret_{index}_name"] = forms.CharField(
                    label=f"{secret['label']}: new credential name",
                    required=False,
                    max_length=64,
                    initial=free_credential_name(secret["credential"]),
                )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if Connector.objects.filter(name=name).exists():
            raise forms.ValidationError("A connector with this Name already exists.")
        return name

    @sensitive_variables("value", "cleaned")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        new_names: set[str] = set()
        for index, secret in enumerate(self.template["secrets"]):
            source = cleaned.get(f"secret_{index}_source")
            value = self.secret_value(index)
            if source in (VALUE, NEW) and not value:
                message = f"Enter the {secret['label']}. {self.refused.get(index, '')}".strip()
                self.add_error(f"secret_{index}_value", message)
            if source == EXISTING and not cleaned.get(f"secret_{index}_credential"):
                self.add_error(f"secret_{index}_credential", "Choose a team credential.")
            if source == NEW:
                self._check_new_name(index, new_names)
        return cleaned

    def _check_new_name(self, index: int, new_names: set[str]) -> None:
        field = f"secret_{index}_name"
        name = self.cleaned_data.get(field, "")
        try:
            validate_identifier(name)
        except forms.ValidationError as error:
            self.add_error(field, error)
            return
        if Credential.objects.filter(name=name).exists():
            self.add_error(field, f"The credential {name} exists: choose it as a team credential.")
        elif references.is_env_credential(name):
            self.add_error(
                field,
                f"{name} is an environment credential (STUDIO_ENV_CREDENTIALS), reserved: "
                f"choose another name, or {name} as a team credential when the server has it.",
            )
        elif name in new_names:
            self.add_error(field, f"{name} is already created for another secret here.")
        new_names.add(name)

    @sensitive_variables("typed")
    def secret_value(self, index: int) -> str:
        """What was typed, or what an earlier Preview of this form sealed."""
        typed = (self.cleaned_data or {}).get(f"secret_{index}_value") or ""
        if typed:
            return typed
        sealed = (self.cleaned_data or {}).get(f"secret_{index}_sealed") or ""
        if sealed:
            try:
                return sealing.unseal_for(sealed, self.seal_scope(index))
            except sealing.SealRefused as refused:
                self.refused[index] = refused.message
        return ""

    def seal_scope(self, index: int) -> sealing.Scope:
        return sealing.Scope(self.user_id, f"the template {self.template['id']}", f"secret_{index}")

    @sensitive_variables("value")
    def keep_typed_secrets(self) -> None:
        """After a Preview or an error, typed secrets ride along sealed, never shown back."""
        self.data = self.data.copy()
        for index in range(len(self.template["secrets"])):
            if value := self.secret_value(index):
                self.data[f"secret_{index}_sealed"] = sealing.seal_for(
                    value, self.seal_scope(index)
                )
                self.data[f"secret_{index}_value"] = ""
            else:
                self.data[f"secret_{index}_sealed"] = ""  # nothing kept, or refused here

    def has_typed_secret(self, index: int) -> bool:
        return bool(self.is_bound and self.data.get(f"secret_{index}_sealed"))

    def variable_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "variable": v,
                "value": self[f"var_{v['key']}"],
                "keep": self[f"keep_{v['key']}"] if f"keep_{v['key']}" in self.fields else None,
            }
            for v in self.template["variables"]
        ]

    def ask_fields(self) -> list[Any]:
        return [self[f"ask_{ask['name']}"] for ask in self.template["asks"]]

    def secret_rows(self) -> list[dict[str, Any]]:
        rows = []
        for index, secret in enumerate(self.template["secrets"]):
            rows.append(
                {
                    "index": index,
                    "secret": secret,
                    "source": self[f"secret_{index}_source"],
                    "value": self[f"secret_{index}_value"],
                    "sealed": self[f"secret_{index}_sealed"],
                    "credential": self[f"secret_{index}_credential"],
                    "name": self[f"secret_{index}_name"] if self.may_create_credentials else None,
                    "typed": self.has_typed_secret(index),
                }
            )
        return rows
