"""{{NAME}} references: team credentials and environment credentials, resolved at send time."""

from __future__ import annotations

import os
from collections.abc import Iterable

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from connectors.models import Connector, Credential
from connectors.secrets.sealing import REFERENCE_TAG_RE, _note, reference_names, unseal

MAX_REFERENCE_DEPTH = 3


class CredentialMissing(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"credential {name} is not set")
        self.name = name


@sensitive_variables("value")
def resolve(value: str, *, depth: int = 0) -> str:
    """A literal stays as it is; each {{NAME}} in it becomes the team credential or an
    allowed env var, the text around it kept (`{{PASSWORD}}{{TOKEN}}`, `Key {{KEY}}`).

    A credential's own value may be a reference too (to an environment variable, say).
    Raises CredentialMissing naming the first reference that cannot be resolved.
    """
    if "{{" not in value:
        return value
    return REFERENCE_TAG_RE.sub(lambda match: _resolve_name(match.group(1), depth), value)


@sensitive_variables("resolved")
def _resolve_name(name: str, depth: int) -> str:
    credential = Credential.objects.filter(name=name).first()
    if credential is not None and depth < MAX_REFERENCE_DEPTH:
        resolved = unseal(credential.sealed, owner=f"credential {name}")
        return resolve(resolved, depth=depth + 1)
    if name in env_credentials() and name in os.environ:
        return _note(os.environ[name])
    raise CredentialMissing(name)


def env_credentials() -> dict[str, list[str]]:
    """STUDIO_ENV_CREDENTIALS as name -> allowed hosts: `NAME@host` entries, a name repeated
    for more hosts; a plain `NAME` may be referenced but allows no host."""
    found: dict[str, list[str]] = {}
    for entry in settings.STUDIO_ENV_CREDENTIALS:
        name, _, host = str(entry).strip().partition("@")
        hosts = found.setdefault(name, [])
        if host.strip() and host.strip().lower() not in hosts:
            hosts.append(host.strip().lower())
    return found


def is_env_credential(name: str) -> bool:
    """A name listed in STUDIO_ENV_CREDENTIALS: reserved, never a team credential."""
    return name in env_credentials()


def references_in(connector: Connector) -> set[str]:
    """The credential names a connector's secret fields and secret headers refer to."""
    hints = [stored.get("hint", "") for stored in connector.auth_secrets.values()]
    hints += [row["secret"].get("hint", "") for row in connector.headers if "secret" in row]
    return {name for h in hints for name in reference_names(h)}


def connectors_using(names: Iterable[str]) -> dict[str, list[str]]:
    """Credential name -> names of the connectors that refer to it."""
    wanted = set(names)
    users: dict[str, list[str]] = {name: [] for name in wanted}
    rows = Connector.objects.only("name", "auth_secrets", "headers").order_by("name")
    for connector in rows.iterator(chunk_size=500):
        for name in references_in(connector) & wanted:
            users[name].append(connector.name)
    return users
