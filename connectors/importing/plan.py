"""The common plan of every importer: what a preview shows and apply writes. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What happens to one planned action, as the preview offers it.
CREATE, SKIP, OVERWRITE, RENAME = "create", "skip", "overwrite", "rename"
RESOLUTIONS = (SKIP, OVERWRITE, RENAME)
# How a planned action compares with the target connector's actions.
NEW, UNCHANGED, CHANGED, CONFLICT = "new", "unchanged", "changed", "conflict"
# What happens to the target connector's own fields (Base URL, auth, variables).
KEEP, UPDATE = "keep", "update"


class ReadError(Exception):
    """The source cannot be read: one sentence naming where (a JSON pointer or a line)."""


@dataclass
class ArgPlan:
    name: str
    data_type: str = "string"
    description: str = ""
    example_value: str = ""
    required: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "data_type": self.data_type,
            "description": self.description[:500],
            "example_value": self.example_value,
            "required": self.required,
        }


@dataclass
class ActionPlan:
    name: str
    method: str = "GET"
    path: str = "/"
    description: str = ""
    query_params: list[dict[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    body: str = ""
    output_schema: Any = None
    input_args: list[ArgPlan] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # None: the source says nothing of checks (an API description), so an action it
    # overwrites keeps its own; a catalog file's list replaces them.
    checks: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)
    # Set by compare.against_catalog:
    status: str = NEW
    existing: str = ""  # the target's action this one matches
    reason: str = ""  # why it matches: "same name" or "same method and path"
    changed_fields: list[str] = field(default_factory=list)
    default: str = CREATE  # what the preview proposes
    rename_to: str = ""  # the free name Rename would give

    @property
    def signature(self) -> tuple[str, str]:
        return self.method, self.path

    def fields(self) -> dict[str, Any]:
        """The action as history and the catalog export know it (input args as dicts)."""
        return {
            "name": self.name,
            "description": self.description,
            "method": self.method,
            "path": self.path,
            "query_params": self.query_params,
            "headers": self.headers,
            "body": self.body,
            "output_schema": self.output_schema,
            "tags": self.tags,
            "checks": self.checks,
            "input_args": [arg.as_dict() for arg in self.input_args],
        }


@dataclass
class CredentialToSet:
    """A team credential the import refers to as {{name}}; only an Admin gives its value."""

    name: str
    purpose: str  # e.g. "Api Key of the connector", "Postman variable api_token"
    secret_field: str = ""  # the auth secret field or header it fills, if any
    hosts: list[str] = field(default_factory=list)  # suggested Allowed hosts
    value: str = field(default="", repr=False)  # only when the source itself held it (cURL)
    exists: bool = False  # set by compare: a credential of this name is already there


@dataclass
class AuthPlan:
    auth_config: str = "NO_AUTH"
    settings: dict[str, Any] = field(default_factory=dict)
    # secret field -> "{{NAME}}" (or a literal a person typed in the preview); None: not set.
    secrets: dict[str, str | None] = field(default_factory=dict)
    described_as: str = ""  # where it came from, e.g. "securitySchemes.api_key (apiKey in header)"


@dataclass
class ConnectorPlan:
    name: str
    display_name: str = ""
    description: str = ""
    base_url: str = ""
    base_url_choices: list[str] = field(default_factory=list)  # several servers
    variables: list[dict[str, str]] = field(default_factory=list)
    # {"key", "value"} or {"key", "secret_reference": "{{NAME}}"} or {"key", "secret": None}
    headers: list[dict[str, Any]] = field(default_factory=list)
    timeout_seconds: int = 30
    verify_tls: bool = True


@dataclass
class Plan:
    kind: str  # "OpenAPI 3.1", "Swagger 2.0", "Postman Collection v2.1", "cURL", "catalog"
    source: str  # shown in the preview: "file petstore.yaml", "URL https://...", "pasted text"
    connector: ConnectorPlan
    auth: AuthPlan = field(default_factory=AuthPlan)
    credentials: list[CredentialToSet] = field(default_factory=list)
    actions: list[ActionPlan] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # operations no action can hold, and why
    notes: list[str] = field(default_factory=list)
    # Set by compare.against_catalog:
    target_exists: bool = False  # the connector of this name is already in the catalog
    removed: list[str] = field(default_factory=list)  # the target's actions not in the source
    connector_changes: list[str] = field(default_factory=list)  # fields that would change
    # Whole-connector importers (a catalog file) replace the target: its other actions go.
    replaces_target: bool = False
    # An action matches one of the target's by name, else (unless this is off) method and path.
    match_signature: bool = True
    history_note: str = ""  # the note on the revisions the import records
    # Connectors for the operations on other hosts (hosts.plan_for): created with this one.
    others: list[Plan] = field(default_factory=list)

    def action_names(self) -> set[str]:
        return {a.name.lower() for a in self.actions}

    def tags(self) -> list[str]:
        return sorted({tag for action in self.actions for tag in action.tags})

    def count(self, status: str) -> int:
        return sum(1 for action in self.actions if action.status == status)


@dataclass
class Choices:
    """What the person kept in the preview; the defaults are the preview's own."""

    included: set[int] | None = None  # indices of actions checked; None: every one
    resolutions: dict[int, str] = field(default_factory=dict)  # skip / overwrite / rename
    renames: dict[int, str] = field(default_factory=dict)
    remove: set[str] = field(default_factory=set)  # removed operations to delete too
    connector_mode: str = KEEP  # for an existing target
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # field -> typed value
    credential_values: dict[str, str] = field(default_factory=dict, repr=False)  # Admins only

    def resolution(self, index: int, action: ActionPlan) -> str:
        if self.included is not None and index not in self.included:
            return SKIP
        if action.status == NEW:
            return CREATE
        if action.status == UNCHANGED:
            return SKIP
        return self.resolutions.get(index, action.default)


@dataclass
class Outcome:
    connector: Any  # the Connector written to (or None when nothing was)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    credentials: list[str] = field(default_factory=list)
    connector_created: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. secrets retired because a host moved

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.skipped)} skipped"
            + (f", {len(self.removed)} removed" if self.removed else "")
        )


@dataclass
class ReadOptions:
    """What the person chose before (or while) previewing; readers take their defaults."""

    connector_name: str = ""  # the connector to create or import into
    base_url: str = ""  # one of the servers, or typed
    source_url: str = ""  # where the description was fetched from: relative servers resolve
