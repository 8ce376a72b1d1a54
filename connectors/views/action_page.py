"""The action page drawn: its request (editable or read-only), the Test panel, and a run's
result with everything the response viewer shows (body views, JSONPath filter, timing,
cookies, HTML preview, "Copy as")."""

from __future__ import annotations

import json
import re

import jsonpath
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from connectors import bodies
from connectors.forms.workbench import Bench, bound
from connectors.lib import check_specs, cookies, origins, rendering
from connectors.lib.curl import languages
from connectors.models import Action, ActionDraft, TestRun
from connectors.secrets import references, sealing
from connectors.secrets.credential_refs import missing_credentials
from connectors.views import result_rows
from connectors.views.connectors import RECENT_RUNS
from connectors.views.runs import binary_context

LONG_JSON_LINES = 400  # longer JSON bodies open folded (Collapsible)


HIGHLIGHT_CAP = rendering.HIGHLIGHT_CAP  # colours stop there


MISSING_CREDENTIAL_RE = re.compile(r"credential ([A-Za-z_][A-Za-z0-9_]*) is not set")


JSONPATH_MAX = 500  # characters of a JSONPath query
JSONPATH_SHOWN = 256 * 1024  # characters of its matches shown

# The phases the network door measures, as the timing table names them.
TIMING_PHASES = [
    ("dns", "DNS lookup"),
    ("connect", "TCP connect"),
    ("tls", "TLS handshake"),
    ("first_byte", "Time to first byte"),
    ("download", "Download"),
]


def stored_bench(request: HttpRequest, action: Action) -> Bench:
    """The user's unsaved draft of this action, else the saved action."""
    if request.user.has_perm("connectors.change_action"):
        if hasattr(action, "draft_posted"):  # read with the action: action_for(with_draft=True)
            posted = action.draft_posted
        else:
            draft = ActionDraft.objects.filter(action=action, user=request.user).first()
            posted = draft.posted if draft is not None else None
        if posted is not None:
            return Bench(action, bound(posted))
    return Bench(action)


def bench_context(action: Action, bench: Bench) -> dict[str, object]:
    return {
        "bench": bench,
        "form": bench.form,
        "formset": bench.formset,
        "inputs_form": bench.inputs,
        "unsaved": bench.changed(),
        "undeclared": bench.undeclared(),
        "bench_problems": bench.problems() if bench.data is not None else [],
        "body_note": bodies.action_note(action),
    }


def action_page(
    request: HttpRequest,
    action: Action,
    run: TestRun | None,
    *,
    bench: Bench | None = None,
    jsonpath_query: str = "",
    **extra: object,
) -> HttpResponse:
    bench = bench if bench is not None else stored_bench(request, action)
    context = {
        "action": action,
        "connector": action.connector,
        **bench_context(action, bench),
        "runs": action.test_runs.select_related("user").defer("response_bytes")[:RECENT_RUNS],
        "run": run,
        "result": result_context(run, jsonpath_query) if run else None,
        "missing_credentials": missing_credentials(action.connector),
        "missing_hosts": ",".join(origins.hosts_of(action.connector.base_url)),
        "checks_shown": checks_shown(action),
        **extra,
    }
    return render(request, "connectors/actions/detail.html", context)


def checks_shown(action: Action) -> list[str]:
    """The action's checks in words; with none, the default a run is held to."""
    if not action.checks:
        return [check_specs.describe(c) + " (default)" for c in check_specs.DEFAULT_CHECKS]
    return [check_specs.describe(check) for check in action.checks]


def result_context(run: TestRun, jsonpath_query: str = "") -> dict[str, object]:
    missing = MISSING_CREDENTIAL_RE.search(run.error_message)
    if missing and references.is_env_credential(missing.group(1)):
        missing = None  # reserved: set on the server, never created as a team credential
    body = _body(run)
    json_text = body.text if body is not None and body.kind == "json" else ""
    snippets = languages.snippets(run.request_shape)
    timing = timing_rows(run)
    return {
        "missing_credential": missing.group(1) if missing else None,
        # The new credential's Allowed hosts start as the host this connector sends it to.
        "missing_hosts": ",".join(origins.hosts_of(run.action.connector.base_url))
        if missing
        else "",
        "run": run,
        "body": body,
        "binary": binary_context(run),
        "long_json": json_text.count("\n") > LONG_JSON_LINES,
        "unhighlighted": len(json_text) > HIGHLIGHT_CAP,
        "highlight_cap": HIGHLIGHT_CAP,
        "curl": run.request_curl,
        "snippets": snippets,
        "snippet_tabs": result_rows.snippet_tabs(snippets, run.pk),
        "timing": timing,
        "timing_rows": result_rows.timing_rows(timing),
        "response_header_rows": result_rows.header_rows(run.response_headers),
        "response_header_text": result_rows.header_text(run.response_headers),
        "request_header_rows": result_rows.header_rows(run.request_headers),
        "cookies": cookie_rows(run),
        "html_preview": body is not None
        and body.kind in ("text", "xml")
        and "html" in run.content_type.lower(),
        "jsonpath": filter_json(run, jsonpath_query) if jsonpath_query else None,
        "checks_passed": sum(1 for result in run.check_results if result.get("passed")),
        # Raw: the stored text escaped; text shown whole is escaped already (escape once).
        "raw_html": mark_safe(body.html)  # noqa: S308 - render_body escaped all of it
        if body is not None and body.kind == "text" and body.text == run.response_body
        else conditional_escape(run.response_body),
    }


def _body(run: TestRun) -> rendering.RenderedBody | None:
    if run.error_kind or run.is_binary:
        return None
    shown_as = getattr(run, "shown_as", "")  # the run the executor has just stored
    if shown_as:
        return rendering.marked_again(run.response_body, shown_as, run.size)
    return rendering.render_body(run.response_body.encode(), run.content_type)


def timing_rows(run: TestRun) -> list[dict[str, object]]:
    spent = run.timing or {}
    if not spent:
        return []
    return [
        {"key": key, "label": label, "ms": spent.get(key, 0.0), "total": run.elapsed_ms or 0.0}
        for key, label in TIMING_PHASES
    ]


def cookie_rows(run: TestRun) -> list[dict[str, object]]:
    """The cookies the response set, each value masked as a secret is: usually a session."""
    return [
        {
            "name": cookie.name,
            "value": sealing.mask(cookie.value) if cookie.value else "",
            "attributes": cookie.attributes,
        }
        for cookie in cookies.from_headers(run.response_headers)
    ]


def filter_json(run: TestRun, query: str) -> dict[str, object]:
    """The parts of the shown JSON a JSONPath (RFC 9535) selects, or why it selects nothing."""
    query = query.strip()
    if len(query) > JSONPATH_MAX:
        return {"query": query[:JSONPATH_MAX], "error": "This JSONPath is too long."}
    try:
        document = json.loads(run.response_body)
    except (ValueError, RecursionError):
        return {"query": query, "error": "The body is not JSON: there is nothing to filter."}
    try:
        matches = jsonpath.findall(query, document)
    except jsonpath.JSONPathError as error:
        first = str(error).splitlines()[0]
        return {"query": query, "error": f"This is not a JSONPath: {first}."}
    text = json.dumps(matches, indent=2, ensure_ascii=False)
    truncated = len(text) > JSONPATH_SHOWN
    return {
        "query": query,
        "count": len(matches),
        "text": text[:JSONPATH_SHOWN],
        "truncated": truncated,
    }
