"""The catalog file's format: its name and version, the keys it carries, FormatError."""

from __future__ import annotations

from connectors.catalog import history

FORMAT = "connector-studio-catalog"
FORMAT_VERSION = 1
# A connector travels as history knows it, but with references in place of sealed secrets.
CONNECTOR_KEYS = [
    "secret_references" if field == "auth_secrets" else field for field in history.CONNECTOR_FIELDS
]
ACTION_KEYS = history.ACTION_FIELDS  # an action travels whole
SKIP, OVERWRITE = "skip", "overwrite"


class FormatError(Exception):
    """The file is not a catalog this version can read; nothing was written."""
