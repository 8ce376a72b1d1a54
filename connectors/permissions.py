"""The one permission check every view starts with."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require(request: HttpRequest, perm: str) -> None:
    """403 unless the user's role holds `connectors.<perm>`."""
    if not request.user.has_perm(f"connectors.{perm}"):
        raise PermissionDenied
