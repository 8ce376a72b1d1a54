"""The catalog file's format: its name and version, the keys it carries, FormatError."""

from __future__ import annotations

from connectors import history

FORMAT = "connector-studio-catalog"
FORMAT_VERSION = 1
CONNECTOR_KEYS = [
    "name",
    "display_name",
    "description",
    "base_url",
    "auth_config",
    "auth_settings",
    "secret_references",
    "headers",
    "timeout_seconds",
    "verify_tls",
]
ACTION_KEYS = history.ACTION_FIELDS  # an action travels whole
SKIP, OVERWRITE = "skip", "overwrite"


class FormatError(Exception):
    """The file is not a catalog this version can read; nothing was written."""
