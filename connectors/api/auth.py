"""Bearer tokens only: a session cookie is never accepted, so no unsafe method needs CSRF."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from connectors.models import ApiToken
from connectors.secrets import tokens
from connectors.views.access import role_of


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: the request then acts as the token's user."""

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        # Parsed here rather than by ninja, which logs a header it does not expect (DEBUG).
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        record = tokens.find(token)
        if record is None:
            return None
        # Whatever session came with the request, this request is the token's user.
        request.user = record.user
        role_of(record.user)
        return record


def require(request: HttpRequest, perm: str, doing: str) -> AbstractBaseUser:
    """403 as JSON unless the token's user's role holds `connectors.<perm>`."""
    if not request.user.has_perm(f"connectors.{perm}"):
        raise HttpError(403, f"Your role does not allow you to {doing}.")
    return request.user
