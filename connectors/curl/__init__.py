"""cURL import and export.

`export`: a request as a command to paste into a POSIX shell (`to_curl`).
`shell` and `parse`: a pasted command read into the parts of a connector and an action
(`parse_curl`). Pure functions, no I/O.
"""

from __future__ import annotations

from connectors.curl.export import shell_quote, to_curl
from connectors.curl.parse import parse_curl
from connectors.curl.result import DetectedAuth, ParsedCurl, Secret
from connectors.curl.shell import CurlParseError

__all__ = [
    "CurlParseError",
    "DetectedAuth",
    "ParsedCurl",
    "Secret",
    "parse_curl",
    "shell_quote",
    "to_curl",
]
