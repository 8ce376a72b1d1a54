"""A suite run as JUnit XML: one testcase per action, its checks in the failure's text.

It reads only the stored results, whose check details come from masked runs: no secret can
reach the file. CI servers (GitHub, GitLab, Jenkins) read this shape.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from connectors.models import SuiteResult, SuiteRun

# Characters XML 1.0 cannot hold, even escaped: a response's control bytes would break the file.
NOT_XML_RE = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return NOT_XML_RE.sub("\ufffd", str(value))


def _seconds(result: SuiteResult) -> str:
    return f"{(result.elapsed_ms or 0) / 1000:.3f}"


def _check_lines(result: SuiteResult) -> str:
    return "\n".join(
        f"{'passed' if c.get('passed') else 'FAILED'} {c.get('type', '')}: {c.get('detail', '')}"
        for c in result.checks
    )


def to_junit(suite: SuiteRun, results: list[tuple[SuiteResult, str]], base_url: str = "") -> bytes:
    """The XML document; `results` pairs each result with its run's link ("" when gone)."""
    total_time = sum((r.elapsed_ms or 0) for r, _ in results) / 1000
    pending = sum(1 for r, _ in results if r.outcome == SuiteResult.Outcome.PENDING)
    counts = {
        "tests": str(len(results)),
        "failures": str(suite.failed),
        "errors": str(suite.errored),
        "skipped": str(pending),
        "time": f"{total_time:.3f}",
    }
    root = ET.Element(
        "testsuites", {"name": _text(f"Connector Studio suite run {suite.pk}"), **counts}
    )
    testsuite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": _text(suite.title),
            "timestamp": suite.created_at.replace(microsecond=0, tzinfo=None).isoformat(),
            **counts,
        },
    )
    for result, link in results:
        case = ET.SubElement(
            testsuite,
            "testcase",
            {
                "classname": _text(result.connector_name),
                "name": _text(result.action_name),
                "time": _seconds(result),
            },
        )
        failed = [c for c in result.checks if not c.get("passed")]
        first = _text(failed[0].get("detail", "")) if failed else ""
        if result.outcome == SuiteResult.Outcome.FAILED:
            element = ET.SubElement(case, "failure", {"message": first, "type": "check"})
            element.text = _text(_check_lines(result))
        elif result.outcome == SuiteResult.Outcome.ERRORED:
            kind = _text(result.error_kind or "Error")
            element = ET.SubElement(case, "error", {"message": first, "type": kind})
            element.text = _text(_check_lines(result))
        elif result.outcome == SuiteResult.Outcome.PENDING:
            ET.SubElement(case, "skipped", {"message": "not run: the suite run did not reach it"})
        if link:
            ET.SubElement(case, "system-out").text = _text(f"Run: {base_url}{link}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
