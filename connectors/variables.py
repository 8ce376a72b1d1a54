"""Connector Variables: named, non-secret values a connector's templates use as {{name}}.

They fill the Base URL, the auth's URLs (token, authorization, JWT audience), connector headers
and every action; an action's input of the same name wins for a Test. Whatever fills a URL's
host fills one DNS label there, never the scheme or the port.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from connectors import templating
from connectors.models import Connector, url_template_problem

HOST_RE = re.compile(r"^([a-z]+)://([^/?#]*)", re.IGNORECASE)
TEMPLATE_TAG_RE = re.compile(r"\{\{\{?[^}]*\}?\}\}")


class HostOutsideTemplate(Exception):
    """A template made a URL's host something other than the one its literal parts name."""


def of(connector: Connector) -> dict[str, str]:
    """The connector's variables as name -> value."""
    return {row["key"]: row["value"] for row in connector.variables or []}


def with_inputs(connector: Connector, inputs: Mapping[str, object]) -> dict[str, object]:
    """The values a Test's templates see: the variables, an input given a value winning."""
    values: dict[str, object] = dict(of(connector))
    for name, value in inputs.items():
        if value is None or (value == "" and name in values):
            continue  # an input left empty keeps the variable of its name
        values[name] = value
    return values


def url_problem(template: str) -> str | None:
    """Why a URL template cannot be checked at send time: a tag in its scheme or port."""
    return url_template_problem(template)


def check_rendered_host(template: str, rendered: str) -> None:
    """Each template in a URL's host may fill one DNS label, nothing more.

    So `https://{{instance}}.service-now.com` stays under service-now.com whatever the
    value, and a connector's secrets never travel to a host a value chose.
    """
    if problem := url_problem(template):
        raise HostOutsideTemplate(f"{problem} ({template}). Nothing was sent.")
    host_template = HOST_RE.match(template)
    host = HOST_RE.match(rendered)
    if host_template is None or "{{" not in host_template.group(2):
        return
    literal_parts = TEMPLATE_TAG_RE.split(host_template.group(2))
    pattern = "[A-Za-z0-9-]+".join(re.escape(part) for part in literal_parts)
    if host is None or not re.fullmatch(pattern, host.group(2)):
        shown = host.group(2) if host else rendered
        raise HostOutsideTemplate(
            f"The values made the host “{shown}”, which does not fit {template}: "
            f"each {{{{...}}}} in a host fills one name without dots. Nothing was sent."
        )


def render_url(template: str, values: Mapping[str, object], *, limit: int | None = None) -> str:
    """A URL template filled (values escaped as path segments), its host checked.

    Raises templating.ConstructError for a missing value, HostOutsideTemplate."""
    rendered = templating.render(
        template, values, escape=templating.escape_path_segment, limit=limit
    )
    check_rendered_host(template, rendered)
    return rendered


def unknown_in(template: str, known: set[str]) -> list[str]:
    """The names a template uses that are not known (templating.TemplateError on bad syntax)."""
    return sorted(templating.variables(template) - known)
