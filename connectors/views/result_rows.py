"""The repeated rows of a run's result (headers, timing, "Copy as" tabs) marked up in Python.

The result partial once wrote them with template loops: each row's few tags cost the Django
template engine more than the rest of a small Test's page. These write the same HTML, every
value escaped as the template escapes it. Not format_html: its escape() goes through
Django's lazy-string wrapper for every value, which costs more than the escaping itself.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from django.utils.safestring import SafeString, mark_safe

from connectors.templatetags.studio_tags import fixed

HEADER_ROW = '<tr><th scope="row">{}</th><td class="mono">{}</td></tr>'

TIMING_ROW = (
    '<tr><th scope="row">{0}</th><td><meter min="0" max="{1}" value="{2}" aria-label="{0}">'
    '</meter></td><td class="mono">{3} ms</td></tr>'
)

SNIPPET_TAB = (
    "\n      <details{open}><summary>{label}</summary>"
    '\n        <pre class="code" id="code-{key}-{pk}">{code}</pre>'
    '\n        <button type="button" class="secondary small copy" data-copy="#code-{key}-{pk}">'
    "Copy {button}</button>\n      </details>\n      "
)


def escaped(value: object) -> str:
    """What {{ value }} writes (conditional_escape): safe markup as it is, the rest escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def header_rows(headers: Iterable[tuple[str, str]]) -> SafeString:
    """<tr>s of name and value, for a headers table."""
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(HEADER_ROW.format(escaped(name), escaped(value)) for name, value in headers)
    )


def header_text(headers: Iterable[tuple[str, str]]) -> SafeString:
    """`Name: value` lines, as "Copy headers" copies them."""
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(f"{escaped(name)}: {escaped(value)}\n" for name, value in headers)
    )


def timing_rows(rows: list[dict[str, object]]) -> SafeString:
    """A <tr> per phase: its meter against the total, and its milliseconds."""
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(
            TIMING_ROW.format(
                escaped(row["label"]),
                _f(row["total"]),
                _f(row["ms"]),
                fixed(row["ms"], 1),
            )
            for row in rows
        )
    )


def _f(number: object) -> str:
    """As the template's stringformat:'f' writes it."""
    return html.escape("%f" % number)  # noqa: UP031 - printf style is what stringformat applies


def snippet_tabs(snippets: list[tuple[str, str, str]], run_pk: object) -> SafeString:
    """A folded tab per "Copy as" language, the first open, each with its Copy button."""
    pk = escaped(run_pk)
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(
            SNIPPET_TAB.format(
                open=" open" if number == 0 else "",
                label=escaped(label),
                key=escaped(key),
                pk=pk,
                code=escaped(code),
                button="cURL" if key == "curl" else escaped(label),
            )
            for number, (key, label, code) in enumerate(snippets)
        )
    )
