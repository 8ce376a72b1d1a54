"""A token for what some tables hold: it changes whenever a write to any of them commits.

A page rendered from those tables can be kept under the token and served again until the
token changes: it is never served after the data it shows changed. Every statement Django
sends through any connection, in any process (web workers, task workers, management
commands, migrations), is looked at: one that is not a SELECT and names a watched table
(INSERT, UPDATE, DELETE, TRUNCATE, raw or from the ORM) gives the tables a new token once its
transaction commits (at once outside a transaction). Writes made outside Django (psql, another
program) are not seen.

The token lives where every process of the site reads it: in the cache when the cache is
shared (CACHE_URL), else in a small file in the temporary directory, named after the database,
which the processes of one server share (a local-memory cache is per process, and a site with
several servers needs CACHE_URL anyway). Inside a transaction there is no token: a page read
there may see writes of its own that no token counts yet.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, connections, transaction
from django.db.backends.signals import connection_created

__all__ = ["DataVersion"]


class DataVersion:
    """`DataVersion("catalog", ["connectors_connector", ...])`; `.token()` before reading."""

    def __init__(self, name: str, tables: Iterable[str]) -> None:
        self.name = name
        self.tables = frozenset(tables)
        self._names = re.compile("|".join(re.escape(f'"{table}"') for table in sorted(self.tables)))
        connection_created.connect(self._watch, dispatch_uid=f"studio-data-version-{name}")
        for opened in connections.all(initialized_only=True):  # opened before this was made
            self._watch(None, opened)

    def token(self) -> str | None:
        """The current token, or None when there is none to trust (inside a transaction, or
        the token cannot be read): then render afresh and keep nothing."""
        if connection.in_atomic_block:
            return None
        try:
            return self._read()
        except OSError:
            return None

    def bump(self) -> None:
        """A new token: what was kept under the old one is never served again."""
        new = secrets.token_hex(16)
        if _shared_cache():
            cache.set(self._cache_key(), new, None)
            return
        path = self._path()
        try:
            _write_in_place(path, new)
        except OSError:
            # No token to read then, and pages are rendered afresh; but the old one must go.
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            if path.exists():
                raise

    # --- where the token lives ---------------------------------------------------------------

    def _read(self) -> str:
        if _shared_cache():
            return cache.get_or_set(self._cache_key(), lambda: secrets.token_hex(16), None)
        path = self._path()
        try:
            token = _read_small(path)
        except FileNotFoundError:
            self.bump()
            token = _read_small(path)
        if not token:
            raise OSError(f"{path} is empty")
        return token

    def _cache_key(self) -> str:
        return f"studio:data-version:{self.name}"

    def _path(self) -> Path:
        database = connection.settings_dict
        identity = "|".join(
            str(database.get(part, "")) for part in ("ENGINE", "NAME", "HOST", "PORT")
        )
        return _token_path(self.name, identity, tempfile.gettempdir())

    # --- watching the writes -----------------------------------------------------------------

    def _watch(self, sender: Any, connection: Any, **kwargs: Any) -> None:
        """Each new database connection reports its writes (one wrapper per connection)."""
        if self._wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(self._wrapper)

    def _wrapper(
        self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        if isinstance(sql, str) and not _reads_only(sql) and self._names.search(sql):
            used = context["connection"]
            # Once per transaction, after it commits (at once in autocommit).
            if not any(func == self.bump for _, func, _ in used.run_on_commit):
                transaction.on_commit(self.bump, using=used.alias)
        return result


def _write_in_place(path: Path, token: str) -> None:
    """Overwrite the token where it stands: one write, no temporary file and rename (every
    stored run bumps it). A reader that meets the write halfway reads a token no one else
    will: it renders afresh and what it keeps is never served, as after any change."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        data = token.encode("ascii")
        if os.pwrite(descriptor, data, 0) != len(data):
            raise OSError(f"{path}: short write")
        os.ftruncate(descriptor, len(data))
    finally:
        os.close(descriptor)


@functools.lru_cache(maxsize=64)  # read on every catalog page and every stored run
def _token_path(name: str, identity: str, temporary: str) -> Path:
    """The token's file for a database: in the temporary directory, named after the database."""
    digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
    directory = Path(temporary) / f"connector-studio-{os.getuid()}"
    return directory / f"{name}-{digest}"


def _read_small(path: Path) -> str:
    """The file's first 64 bytes: a token, read on every request (without a file object)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        return os.read(descriptor, 64).decode("ascii", errors="replace")
    finally:
        os.close(descriptor)


def _reads_only(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


def _shared_cache() -> bool:
    """Whether every process of the site reads the same cache."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)
