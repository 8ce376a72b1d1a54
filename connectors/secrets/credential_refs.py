"""Team credential references seen from a form or a page: which names exist, which are missing."""

from __future__ import annotations

import os

from connectors.models import Connector, Credential
from connectors.secrets import references
from connectors.secrets.sealing import reference_names


def available_names() -> list[str]:
    """The names a secret field may refer to: team credentials, then allowed env variables."""
    names = list(Credential.objects.order_by("name").values_list("name", flat=True))
    names += [n for n in references.env_credentials() if n in os.environ and n not in names]
    return names


def missing_credentials(connector: Connector) -> list[str]:
    """The names the connector refers to that no credential (or allowed env variable) holds."""
    wanted = references.references_in(connector)
    if not wanted:
        return []
    existing = set(Credential.objects.filter(name__in=wanted).values_list("name", flat=True))
    present = {n for n in references.env_credentials() if n in os.environ}
    return sorted(wanted - existing - present)


def reference_kind(hint: str) -> str:
    """What the {{NAME}}s in a stored secret's hint refer to now, as a page says it: "team
    credential", "environment credential", or which names no credential holds yet."""
    wanted = reference_names(hint) if "{{" in hint else []
    existing = set(Credential.objects.filter(name__in=wanted).values_list("name", flat=True))
    env = {n for n in references.env_credentials() if n in os.environ}
    missing = [n for n in wanted if n not in existing and n not in env]
    if missing:
        return f"no credential {', '.join(missing)} exists yet"
    return "team credential" if existing or not env else "environment credential"
