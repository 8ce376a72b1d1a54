"""What a cURL command was read into: the request, the auth found, the secrets kept apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from connectors.lib.curl.vocabulary import host_label, identifier


@dataclass
class Secret:
    """A secret field's value: a literal to keep as a new credential, or a reference to one."""

    credential: str  # the credential to create (a literal) or the one referred to
    value: str | None = field(default=None, repr=False)

    @property
    def is_literal(self) -> bool:
        return self.value is not None


@dataclass
class DetectedAuth:
    """An Auth Config: its plain fields, and its secret fields (`api_key`, `password`, or
    `username` when the key is the Username and the Password is empty)."""

    auth_config: str  # "API_KEY", "BASIC" or "DIGEST", as Connector.AuthConfig
    settings: dict[str, str]
    secrets: dict[str, Secret]
    source: str  # where it came from, for the preview

    def describe(self) -> str:
        s = self.settings
        if self.auth_config == "BASIC":
            return "Basic Auth"
        if self.auth_config == "DIGEST":
            return "Digest Auth"
        if s.get("api_key_auth_type") == "PARAM":
            return f"Api Key Auth · Param Auth · parameter {s['param_auth_param_name']}"
        return (
            f"Api Key Auth · Header Auth · {s['header_auth_key']}: {s['header_auth_value_pattern']}"
        )


@dataclass
class ParsedCurl:
    method: str = "GET"
    base_url: str = ""  # scheme://host[:port]
    path: str = "/"
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    auth: DetectedAuth | None = None
    # Other headers that carry a secret: for the connector's secret headers.
    secret_headers: list[tuple[str, Secret]] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)  # {{NAME}}s the action uses: input args
    notes: list[str] = field(default_factory=list)
    verify_tls: bool = True
    timeout: int | None = None
    # The secrets exactly as they appear in the command, to mask it for showing.
    secret_literals: list[str] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        return self.base_url + self.path

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def connector_name(self) -> str:
        return identifier(host_label(self.host).lower(), "connector")

    def action_name(self) -> str:
        return identifier(f"{self.method}_{self.path}".lower(), "action")
