"""The token broker: one access token per connector, shared by every app server.

The access token lives sealed in Django's cache (shared when the cache is Redis or the database),
reused until shortly before it expires. A refresh token the endpoint hands out is kept sealed in
the connector's auth_secrets, so a lost cache entry costs a refresh, not a new sign-in. Many Tests
starting at once wait on one lock (a thread lock here, a cache.add lock across processes) and
only the first asks the token endpoint.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from connectors.engine.oauth import grants
from connectors.engine.oauth.client import AuthFailed, Token
from connectors.engine.oauth.config import is_authorization_code
from connectors.kinds import GRANT_REFRESH_TOKEN, OBTAINED_REFRESH_TOKEN, fingerprint
from connectors.models import Connector
from connectors.secrets import homes, sealing

SKEW_SECONDS = 60.0  # renew this long before expiry (or a tenth of a short lifetime)
LOCK_SECONDS = 90  # a cache lock outlives a crashed holder by at most this
KEEP_EXPIRED_SECONDS = 7 * 24 * 3600  # an expired entry stays, to show "expired"
POLL_SECONDS = 0.05

_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def _key(connector: Connector) -> str:
    return f"studio:oauth-token:{connector.pk}"


def _now() -> float:
    return time.time()


# --- reading and writing the cached token ---------------------------------------------------


def _api(connector: Connector) -> str:
    """The API origin a token is obtained for: a token retires when the Base URL's moves."""
    return homes.home_for(connector, "")[homes.API]


def _usable(entry: Any, config: str, api: str) -> str | None:
    """The cached access token, if it is for this configuration and API and not about to expire."""
    if not isinstance(entry, dict) or entry.get("config") != config or not entry.get("access"):
        return None
    if entry.get("api") != api:
        return None
    expires_at = entry.get("expires_at")
    if expires_at is not None:
        lifetime = expires_at - entry.get("obtained_at", expires_at)
        if _now() >= expires_at - min(SKEW_SECONDS, lifetime / 10):
            return None
    try:
        return sealing.unseal(entry["access"], owner="a cached access token")
    except sealing.SecretUnreadable:
        return None  # the keys changed: get a new one


@sensitive_variables("token")
def store(connector: Connector, token: Token, user_name: str = "token broker") -> None:
    """Keep a newly obtained token: the access token in the cache, a refresh token sealed."""
    entry = {
        "access": sealing.seal(token.access),
        "expires_at": token.expires_at,
        "obtained_at": _now(),
        "config": fingerprint(connector),
        "api": _api(connector),
    }
    keep = None if token.expires_at is None else token.expires_at - _now() + KEEP_EXPIRED_SECONDS
    cache.set(_key(connector), entry, timeout=None if keep is None else max(1, int(keep)))
    if token.refresh:
        stored = sealing.sealed_field(token.refresh, user_name)
        # Its home is the token endpoint and API it was obtained for; a token endpoint's
        # answer never moves it elsewhere.
        home = homes.home_for(connector, OBTAINED_REFRESH_TOKEN)
        stored = {**stored, "config": entry["config"], "home": home}
        _update_secrets(connector, {OBTAINED_REFRESH_TOKEN: stored})


def _update_secrets(connector: Connector, changes: dict[str, Any]) -> None:
    """Change only the broker's entries, on the row as it is now (a form may have saved)."""
    current = Connector.objects.filter(pk=connector.pk).values_list("auth_secrets", flat=True)
    merged = {**(current.first() or {}), **changes}
    merged = {name: value for name, value in merged.items() if value is not None}
    Connector.objects.filter(pk=connector.pk).update(auth_secrets=merged)
    connector.auth_secrets = merged


def _obtained_refresh_token(connector: Connector) -> str:
    """Read from the row, not the instance: another server may have rotated it just now."""
    row = Connector.objects.filter(pk=connector.pk).values_list("auth_secrets", flat=True)
    stored = (row.first() or {}).get(OBTAINED_REFRESH_TOKEN)
    if not stored or stored.get("config") != fingerprint(connector):
        return ""
    try:
        return sealing.unseal(stored["sealed"], owner=f"connector {connector.name}")
    except sealing.SecretUnreadable:
        return ""


# --- the lock -------------------------------------------------------------------------------


@contextmanager
def _lock(connector: Connector) -> Iterator[None]:
    """Threads of this process queue on a Lock; processes on a cache.add entry."""
    key = _key(connector) + ":lock"
    with _locks_guard:
        local = _locks.setdefault(key, threading.Lock())
    with local:
        me = uuid.uuid4().hex
        waited_until = time.monotonic() + connector.timeout_seconds + 5
        # cache.add is atomic in every backend: only one process gets the lock.
        while not cache.add(key, me, timeout=LOCK_SECONDS):
            if time.monotonic() > waited_until:
                me = ""  # the holder is stuck: better a second token request than none
                break
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            if me and cache.get(key) == me:
                cache.delete(key)


# --- what the strategies call ---------------------------------------------------------------


def access_token(connector: Connector) -> str:
    """A usable access token: cached, refreshed or newly obtained. Raises AuthFailed."""
    config, api = fingerprint(connector), _api(connector)
    if token := _usable(cache.get(_key(connector)), config, api):
        return token
    with _lock(connector):
        # Whoever held the lock before us may have just stored one.
        if token := _usable(cache.get(_key(connector)), config, api):
            return token
        try:
            new = _renew(connector)
        except AuthFailed as failure:
            cache.set(
                _key(connector),
                {"failed": failure.message, "failed_at": _now(), "config": config},
                timeout=KEEP_EXPIRED_SECONDS,
            )
            raise
        store(connector, new)
        return new.access


def _renew(connector: Connector) -> Token:
    """Refresh when there is a refresh token; else (or when it is refused) the grant again."""
    if refresh_token := _obtained_refresh_token(connector):
        try:
            return grants.refresh(connector, refresh_token)
        except AuthFailed as failure:
            if not failure.grant_refused:
                raise
            _update_secrets(connector, {OBTAINED_REFRESH_TOKEN: None})
            if is_authorization_code(connector):
                raise AuthFailed(
                    f"{failure.message} The stored refresh token was refused (revoked or "
                    "expired): press Generate New Access Token to sign in again.",
                    status=failure.status,
                    error=failure.error,
                ) from None
    try:
        return grants.primary(connector)
    except AuthFailed as failure:
        if failure.grant_refused and connector.setting("oauth2_grant_type") == GRANT_REFRESH_TOKEN:
            raise AuthFailed(
                f"{failure.message} The refresh token was refused (revoked or expired): set a "
                "new Refresh Token Grant Refresh Token on the connector.",
                status=failure.status,
                error=failure.error,
            ) from None
        raise


def forget_if_current(connector: Connector, used: list[str]) -> None:
    """The API refused the token it was given: drop it, unless another Test already has."""
    entry = cache.get(_key(connector))
    if isinstance(entry, dict) and entry.get("access"):
        try:
            current = sealing.unseal(entry["access"], owner="a cached access token")
        except sealing.SecretUnreadable:
            current = ""
        if not current or current in used:
            cache.delete(_key(connector))


def clear(connector: Connector) -> None:
    """Forget every token of the connector: the next Test asks for a new one."""
    cache.delete(_key(connector))
    _update_secrets(connector, {OBTAINED_REFRESH_TOKEN: None})


# --- what the pages show --------------------------------------------------------------------


@dataclass
class TokenState:
    kind: str  # "none", "valid", "expired" or "failed"
    expires_at: datetime | None = None
    message: str = ""
    has_refresh_token: bool = False
    at: datetime | None = None

    @property
    def label(self) -> str:
        if self.kind == "valid" and self.expires_at is not None:
            return f"valid until {timezone.localtime(self.expires_at):%H:%M}"
        return {"valid": "valid", "expired": "expired", "failed": "refresh failed"}.get(
            self.kind, "none"
        )


def state(connector: Connector) -> TokenState:
    entry = cache.get(_key(connector))
    has_refresh = bool(_obtained_refresh_token(connector))
    if not isinstance(entry, dict) or entry.get("config") != fingerprint(connector):
        return TokenState("none", has_refresh_token=has_refresh)
    if entry.get("access") and entry.get("api") != _api(connector):
        return TokenState("none", has_refresh_token=has_refresh)  # obtained for another API
    if entry.get("failed"):
        return TokenState(
            "failed",
            message=entry["failed"],
            at=_when(entry.get("failed_at")),
            has_refresh_token=has_refresh,
        )
    expires_at = _when(entry.get("expires_at"))
    kind = "expired" if _usable(entry, entry["config"], _api(connector)) is None else "valid"
    return TokenState(kind, expires_at=expires_at, has_refresh_token=has_refresh)


def _when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)
