"""cURL against the catalog: the connector a URL is under, fresh names, the credential a
pasted literal is set under (or one that already holds it, for an Admin)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.views.decorators.debug import sensitive_variables

from connectors.importing.readers.curl import relative_path
from connectors.lib.curl.result import Secret
from connectors.models import Connector, Credential
from connectors.secrets import references, sealing


@dataclass
class NewCredential:
    name: str
    value: str = field(repr=False)
    reused: bool = False  # an existing credential already holds this value
    allowed_hosts: list[str] = field(default_factory=list)  # the command's host

    @property
    def masked(self) -> str:
        return sealing.mask(self.value)


def matching_connector(url: str) -> Connector | None:
    """The connector whose Base URL the command's URL is under; the longest wins."""
    best: Connector | None = None
    for connector in Connector.objects.only("name", "base_url"):
        base = connector.base_url.rstrip("/")
        if relative_path(url, base) is not None and (
            best is None or len(base) > len(best.base_url.rstrip("/"))
        ):
            best = connector
    return best


def unique_name(base: str, taken: set[str]) -> str:
    base = base[:60]
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}_{n}"
    return name


@sensitive_variables("secret")
def credential_for(
    secret: Secret, planned: list[NewCredential], *, hosts: list[str], may_compare: bool
) -> NewCredential:
    """A fresh credential name for a literal, or (`may_compare`, for Admins) an existing
    credential with that value.

    Anyone else never learns whether a pasted value equals a stored credential: existing
    names are skipped without being read. Environment credential names are reserved.
    """
    assert secret.value is not None
    base, n = secret.credential[:60], 1
    while True:
        name = base if n == 1 else f"{base}_{n}"
        n += 1
        mine = next((c for c in planned if c.name == name), None)
        if mine is not None:
            if mine.value == secret.value:
                return mine
            continue
        if references.is_env_credential(name):
            continue
        existing = Credential.objects.filter(name=name).first()
        if existing is None:
            return NewCredential(name, secret.value, allowed_hosts=hosts)
        if not may_compare:
            continue
        try:
            same = sealing.unseal(existing.sealed) == secret.value
        except sealing.SecretUnreadable:
            same = False
        if same:
            return NewCredential(name, secret.value, reused=True)
