"""Team credentials as the Credentials page lists them: names, hosts, hints, never a value."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from connectors.api.auth import require
from connectors.api.errors import ERRORS, refuse_unknown_query
from connectors.models import Credential
from connectors.secrets import sealing

router = Router(tags=["credentials"])


class CredentialOut(Schema):
    name: str
    allowed_hosts: list[str] | None
    hint: str | None
    set_at: datetime | None
    set_by: str | None


class CredentialList(Schema):
    items: list[CredentialOut]
    count: int


def _hint(credential: Credential) -> str:
    """As the Credentials page shows it: a reference whole, else the mask and 4 characters."""
    if "{{" in credential.hint:
        return credential.hint
    return sealing.MASK + credential.hint


@router.get(
    "/credentials",
    response={200: CredentialList, **ERRORS},
    summary="Credentials",
    operation_id="list_credentials",
)
def credential_list(request: HttpRequest) -> dict[str, Any]:
    """Every team credential's name. Allowed hosts, hint and who set it are for those who
    build connectors (Developers and Admins), as on the Credentials page; null for Viewers."""
    require(request, "view_credential", "see credentials")
    refuse_unknown_query(request)
    details = request.user.has_perm("connectors.change_connector")
    items = [
        {
            "name": c.name,
            "allowed_hosts": list(c.allowed_hosts or []) if details else None,
            "hint": _hint(c) if details else None,
            "set_at": c.set_at if details else None,
            "set_by": (c.set_by.get_username() if c.set_by else None) if details else None,
        }
        for c in Credential.objects.select_related("set_by").order_by("name")
    ]
    return {"items": items, "count": len(items)}
