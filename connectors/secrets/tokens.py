"""Personal API tokens: issued once, kept as a digest, found by it, revoked by deletion."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from connectors.models import ApiToken

# A recognisable prefix lets secret scanners (and people) tell a studio token from others.
PREFIX = "cst_"
# Days a token may live when it expires at all; 0 days means no expiry.
MAX_DAYS = 3650
# A token's last use is written at most this often, not on every request.
LAST_USED_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    """SHA-256 in hex: the token holds 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: AbstractBaseUser, name: str, days: int | None) -> tuple[ApiToken, str]:
    """A new token for `user`, valid `days` days (None or 0: no expiry). The plaintext is
    returned here only: it is never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days) if days else None
    record = ApiToken.objects.create(
        user=user, name=name, digest=digest(token), hint=token[-4:], expires_at=expires_at
    )
    return record, token


def find(token: str) -> ApiToken | None:
    """The live token of an active user that `token` is, else None (unknown, expired)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    record = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(token), user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .first()
    )
    if record is None:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        record.last_used_at = now
    return record


def visible_to(user: AbstractBaseUser, *, everyone: bool) -> QuerySet[ApiToken]:
    """The tokens a user sees: their own, or everyone's for an Admin."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    return tokens if everyone else tokens.filter(user=user)
