"""Where a description comes from (a file, pasted text, a URL) and how its text is parsed.

JSON is read with the standard library; YAML only through `yaml_documents.load` (PyYAML's safe
loader, its aliases within a node budget, into JSON types only: a date or `yes` stays the text
its author wrote), so a document can never build Python objects nor expand past its budget.
A URL is fetched through the
outbound door, with its guard, allow list and a size cap of STUDIO_MAX_IMPORT_BYTES.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings

from connectors.importing.plan import ReadError
from connectors.lib import yaml_documents
from connectors.lib.outbound import door, errors, messages, urls
from connectors.lib.schema import contains_nul


@dataclass
class Source:
    label: str  # shown in the preview: "file petstore.yaml", "URL https://...", "pasted text"
    data: bytes


def max_bytes() -> int:
    return int(settings.STUDIO_MAX_IMPORT_BYTES)


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    return f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


def too_large() -> ReadError:
    return ReadError(
        f"The description is larger than {size_text(max_bytes())}, the import limit "
        "(STUDIO_MAX_IMPORT_BYTES)."
    )


def check_size(data: bytes | str) -> None:
    if len(data) > max_bytes():
        raise too_large()


def fetch(url: str) -> Source:
    """GET the URL through the outbound door; ReadError says why it could not be read."""
    try:
        target = urls.parse(url)
    except urls.UnsafeURL as error:
        raise ReadError(error.message) from None
    request = messages.OutboundRequest(
        method="GET",
        url=target.text,
        headers=[("Accept", "application/json, application/yaml, text/yaml, */*")],
        timeout=30.0,
        max_bytes=max_bytes(),
        allow=settings.STUDIO_OUTBOUND_ALLOW,
    )
    try:
        response = door.send(request)
    except errors.TooLarge:
        raise too_large() from None
    except errors.OutboundError as error:
        raise ReadError(f"Could not fetch {url}: {error}") from None
    if not 200 <= response.status < 300:
        raise ReadError(f"Could not fetch {url}: the server answered {response.status}.")
    return Source(f"URL {url}", response.body)


def parse(data: bytes | str) -> Any:
    """The document: JSON, else YAML (safe loading only); ReadError names the line."""
    check_size(data)
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    if not text.strip():
        raise ReadError("The description is empty.")
    try:
        if text.lstrip()[:1] in ("{", "["):
            try:
                # NaN and Infinity are no JSON values: they stay the text written.
                document = json.loads(text, parse_constant=str)
            except json.JSONDecodeError as error:
                raise ReadError(
                    f"This is not valid JSON: {error.msg} at line {error.lineno}, "
                    f"column {error.colno}."
                ) from None
            except ValueError:  # Python's limit on int digits (sys.get_int_max_str_digits)
                raise ReadError(
                    "The description holds a number with thousands of digits."
                ) from None
        else:
            try:
                document = yaml_documents.load(text)
            except yaml_documents.TooManyNodes as error:
                raise ReadError(f"This description is too large once expanded. {error}") from None
            except yaml.MarkedYAMLError as error:
                mark = error.problem_mark or error.context_mark
                where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
                problem = error.problem or error.context or "unreadable"
                raise ReadError(f"This is not valid YAML: {problem}{where}.") from None
            except yaml.YAMLError as error:
                raise ReadError(f"This is not valid YAML: {error}.") from None
        if contains_nul(document):
            raise ReadError("The description holds a NUL character (\\u0000), which no field can.")
    except RecursionError:
        raise ReadError("The description is nested too deeply to read.") from None
    if not isinstance(document, dict):
        raise ReadError("This is not an API description: its top level is not an object.")
    return document
