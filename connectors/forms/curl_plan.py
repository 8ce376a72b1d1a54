"""What an import makes: the connector, credentials and action a preview shows and Create saves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.views.decorators.debug import sensitive_variables

from connectors.forms.action import ActionForm
from connectors.forms.auth_base import AuthForm
from connectors.forms.connector import ConnectorForm
from connectors.importing.curl_names import NewCredential
from connectors.importing.staging import keyed_digest
from connectors.lib.curl.result import ParsedCurl
from connectors.models import Connector
from connectors.secrets import sealing

_SHOWN_AUTH_FIELDS = {
    "header_auth_key",
    "header_auth_value_pattern",
    "param_auth_param_name",
    "api_key",
    "username",
    "password",
}


@dataclass
class OwnSecret:
    """A pasted literal kept as the connector's own secret (anyone but an Admin imports so)."""

    what: str  # "the Api Key", "the header DD-APPLICATION-KEY"
    value: str = field(repr=False)

    @property
    def masked(self) -> str:
        return sealing.mask(self.value)


@dataclass
class Reference:
    name: str
    state: str  # "credential", "environment" or "missing"
    refused: str = ""  # why a Test would be refused: the host is not one it may go to


@dataclass
class CurlPlan:
    parsed: ParsedCurl
    connector: Connector
    is_new: bool
    action_form: ActionForm | None = None
    connector_form: ConnectorForm | None = None
    auth_form: AuthForm | None = None
    credentials: list[NewCredential] = field(default_factory=list)
    own_secrets: list[OwnSecret] = field(default_factory=list)
    own_origin: str = ""  # where the own secrets may go: the Base URL's origin
    references: list[Reference] = field(default_factory=list)
    input_args: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: list[Any] = field(default_factory=list, repr=False)  # what the digest covers

    @property
    def action(self) -> dict[str, Any]:
        assert self.action_form is not None
        return self.action_form.cleaned_data

    @property
    def new_connector(self) -> dict[str, Any]:
        assert self.connector_form is not None
        return self.connector_form.cleaned_data

    @property
    def auth_fields(self) -> list[tuple[str, str]]:
        """The Auth Config's fields as they will be stored: secrets as their references."""
        if self.auth_form is None:
            return []
        shown = []
        for bound in self.auth_form:
            value = self.auth_form.cleaned_data.get(bound.name)
            if value and bound.name in _SHOWN_AUTH_FIELDS:
                shown.append((bound.label, self._shown(bound.name, str(value))))
        return shown

    @property
    def connector_headers(self) -> list[dict[str, str]]:
        """The new connector's headers as the preview shows them: own secrets masked."""
        return [
            {**row, "value": sealing.mask(row["value"])}
            if row.get("kind") == "secret" and not sealing.is_reference(row["value"])
            else row
            for row in self.new_connector["headers"]
        ]

    def _shown(self, name: str, value: str) -> str:
        if name in self.auth_form.secret_fields and not sealing.is_reference(value):
            return sealing.mask(value)
        return value

    @property
    def saves(self) -> str:
        """What Create saves, as a phrase: "the connector, the credential X and the action"."""
        parts = ["the connector"] if self.is_new else []
        parts += [f"the credential {c.name}" for c in self.credentials if not c.reused]
        if self.own_secrets:
            parts.append("its own secrets")
        return " and ".join([", ".join(parts), "the action"]) if parts else "the action"

    @sensitive_variables()
    def digest(self) -> str:
        secret_facts = [(c.name, c.value, c.reused) for c in self.credentials]
        secret_facts += [(s.what, s.value, False) for s in self.own_secrets]
        return keyed_digest([self.facts, secret_facts], salt="connectors.curl_import")
