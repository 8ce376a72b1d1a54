"""A source between preview and Create: kept in the shared cache under a random token.

The preview page carries only the token; Create reads the very same bytes back, re-reads them
and compares them with the catalog again, so what it writes is what the preview showed.
"""

from __future__ import annotations

import secrets as random
import zlib

from django.core.cache import cache

from connectors.importing.sources import Source

TTL_SECONDS = 3600


def _key(token: str) -> str:
    return f"connectors:import:{token}"


def stage(source: Source, user_id: int) -> str:
    token = random.token_urlsafe(24)
    cache.set(
        _key(token),
        {"user": user_id, "label": source.label, "data": zlib.compress(source.data, 1)},
        TTL_SECONDS,
    )
    return token


def staged(token: str, user_id: int) -> Source | None:
    """The source staged by this user under the token, or None (expired or not theirs)."""
    if not token or len(token) > 64:
        return None
    entry = cache.get(_key(token))
    if not entry or entry.get("user") != user_id:
        return None
    return Source(entry["label"], zlib.decompress(entry["data"]))


def drop(token: str) -> None:
    cache.delete(_key(token))
