"""The repeated rows of a run's result (headers, timing, "Copy as" tabs) marked up in Python.

The result partial once wrote them with template loops: each row's few tags cost the Django
template engine more than the rest of a small Test's page. These write the same HTML, every
value escaped as the template escaped it (conditional_escape).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

HEADER_ROW = '<tr><th scope="row">{}</th><td class="mono">{}</td></tr>'

TIMING_ROW = (
    '<tr><th scope="row">{}</th><td><meter min="0" max="{}" value="{}" aria-label="{}">'
    '</meter></td><td class="mono">{} ms</td></tr>'
)

SNIPPET_TAB = (
    "\n      <details{}><summary>{}</summary>"
    '\n        <pre class="code" id="code-{}-{}">{}</pre>'
    '\n        <button type="button" class="secondary small copy" data-copy="#code-{}-{}">'
    "Copy {}</button>\n      </details>\n      "
)


def header_rows(headers: Iterable[tuple[str, str]]) -> SafeString:
    """<tr>s of name and value, for a headers table."""
    return format_html_join("", HEADER_ROW, headers)


def header_text(headers: Iterable[tuple[str, str]]) -> SafeString:
    """`Name: value` lines, as "Copy headers" copies them."""
    return format_html_join("", "{}: {}\n", headers)


def timing_rows(rows: list[dict[str, object]]) -> SafeString:
    """A <tr> per phase: its meter against the total, and its milliseconds."""
    cells = (
        (row["label"], _f(row["total"]), _f(row["ms"]), row["label"], floatformat(row["ms"], 1))
        for row in rows
    )
    return format_html_join("", TIMING_ROW, cells)


def _f(number: object) -> str:
    """As the template's stringformat:'f' writes it."""
    return "%f" % number  # noqa: UP031 - printf style is what stringformat applies


def snippet_tabs(snippets: list[tuple[str, str, str]], run_pk: object) -> SafeString:
    """A folded tab per "Copy as" language, the first open, each with its Copy button."""
    return mark_safe(  # noqa: S308 - every piece is escaped by format_html
        "".join(
            format_html(
                SNIPPET_TAB,
                mark_safe(" open") if first else "",
                label,
                key,
                run_pk,
                code,
                key,
                run_pk,
                "cURL" if key == "curl" else label,
            )
            for first, (key, label, code) in ((n == 0, s) for n, s in enumerate(snippets))
        )
    )
