"""Connector Variables: named, non-secret values a connector's templates use as {{name}}.

They fill the Base URL, the auth's URLs (token, authorization, JWT audience), connector headers
and every action; an action's input of the same name wins for a Test. Whatever fills a URL's
host fills one DNS label there, never the scheme or the port.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from connectors.lib import templating
from connectors.lib.outbound import urls
from connectors.models import Connector, url_template_problem

HOST_RE = re.compile(r"^([a-z]+)://([^/?#]*)", re.IGNORECASE)


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
    try:
        wanted = urls.template_origin(template)
    except urls.UnsafeURL as error:
        raise HostOutsideTemplate(f"{error.message} Nothing was sent.") from None
    try:
        made = urls.parse(rendered).origin
    except urls.UnsafeURL as error:
        rule = " Each {{...}} in a host fills one name without dots." if "{{" in wanted.host else ""
        raise HostOutsideTemplate(f"{error.message}{rule} Nothing was sent.") from None
    if not wanted.admits(made):
        raise HostOutsideTemplate(
            f"The values made the host “{made.host}”, which does not fit {template}: "
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
