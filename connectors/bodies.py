"""What a body is sent as: its Content-Type header's type, or, without one, what it is.

A body that is JSON (or a JSON-shaped template) goes as application/json with inputs
JSON-escaped; `key=value&...` as form data with inputs form-escaped; anything else as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from connectors.lib import templating
from connectors.models import Action, Connector, InputArg

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
FORM_RE = re.compile(r"[^=&\s]+=[^&\s]*(?:&[^=&\s]+=[^&\s]*)*")

# A value of each type, to see whether a template renders to valid JSON.
SAMPLE_VALUES: dict[str, object] = {
    InputArg.DataType.STRING: "x",
    InputArg.DataType.NUMBER: 0,
    InputArg.DataType.BOOLEAN: True,
    InputArg.DataType.OBJECT: {},
    InputArg.DataType.ARRAY: [],
}


def is_json_content_type(value: str | None) -> bool:
    media = (value or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def is_form_content_type(value: str | None) -> bool:
    return (value or "").split(";")[0].strip().lower() == FORM


def samples(body: str, arg_types: Mapping[str, str]) -> dict[str, object]:
    """A sample value for every name the body uses: by its Input Arg's type, else text."""
    try:
        names = templating.variables(body)
    except templating.TemplateError:
        return {}
    return {name: SAMPLE_VALUES.get(arg_types.get(name, ""), "x") for name in names}


def looks_json(body: str) -> bool:
    """Written as JSON: starts with `{` (not a `{{` tag) or `[`."""
    text = body.lstrip()
    return text.startswith("[") or (text.startswith("{") and not text.startswith("{{"))


def inferred_type(body: str, arg_types: Mapping[str, str]) -> str | None:
    """The Content-Type a body without one is sent with, or None to send it as it is."""
    text = body.strip()
    if not text:
        return None
    if looks_json(text):
        return JSON
    try:
        rendered = templating.render(
            text, samples(text, arg_types), escape=templating.escape_json_string
        )
        if isinstance(json.loads(rendered), dict | list):
            return JSON  # e.g. {{{payload}}} holding an object
    except (templating.ConstructError, templating.TemplateError, ValueError, RecursionError):
        pass
    return FORM if FORM_RE.fullmatch(text) else None


def note(body: str, content_type: str | None, arg_types: Mapping[str, str]) -> str:
    """One sentence for the Body field and the action page: how the body will be sent."""
    if not body.strip():
        return ""
    if content_type:
        if is_json_content_type(content_type):
            escaped = "inputs JSON-escaped"
        elif is_form_content_type(content_type):
            escaped = "inputs form-escaped"
        else:
            escaped = "inputs as they are"
        return f"Sent as {content_type} (the Content-Type header), {escaped}."
    inferred = inferred_type(body, arg_types)
    if inferred == JSON:
        return (
            f"Sent as JSON ({JSON}): there is no Content-Type header and the body is JSON; "
            "inputs are JSON-escaped."
        )
    if inferred == FORM:
        return (
            f"Sent as form data ({FORM}): there is no Content-Type header and the body is "
            "key=value pairs; inputs are form-escaped."
        )
    return "Sent as it is, with no Content-Type header: add one if the API needs it."


def header_content_type(connector: Connector | None, rows: list[dict[str, str]]) -> str | None:
    """The Content-Type the action's headers set, else the connector's plain headers."""
    for layer in (rows, [r for r in (connector.headers if connector else []) if "value" in r]):
        for row in layer:
            if row["key"].lower() == "content-type":
                return row["value"]
    return None


def action_note(action: Action) -> str:
    """How a saved action's body is sent, for its page."""
    arg_types = {arg.name: arg.data_type for arg in action.input_args.all()}
    content_type = header_content_type(action.connector, action.headers)
    return note(action.body, content_type, arg_types)
