"""The JUnit document: valid XML whatever the results hold, pending actions as skipped."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from connectors.exporting import junit
from connectors.models import SuiteResult, SuiteRun

pytestmark = pytest.mark.django_db


def test_it_stays_valid_xml_with_control_characters_and_marks_pending_as_skipped() -> None:
    suite = SuiteRun.objects.create(scope_key="k", title="Shop <&>", failed=1, total=2)
    failed = SuiteResult.objects.create(
        suite_run=suite,
        position=0,
        connector_name="Shop",
        action_name="odd",
        outcome="failed",
        elapsed_ms=1500,
        checks=[{"type": "jsonpath", "passed": False, "detail": "got \x01\x1b]0;x\x07 <b>"}],
    )
    pending = SuiteResult.objects.create(
        suite_run=suite, position=1, connector_name="Shop", action_name="later"
    )
    root = ElementTree.fromstring(junit.to_junit(suite, [(failed, ""), (pending, "")]))
    testsuite = root.find("testsuite")
    assert testsuite.get("name") == "Shop <&>" and testsuite.get("skipped") == "1"
    odd, later = testsuite.findall("testcase")
    assert odd.get("time") == "1.500"
    assert odd.find("failure").get("message") == "got \ufffd\ufffd]0;x\ufffd <b>"
    assert odd.find("system-out") is None  # no run to link
    assert later.find("skipped") is not None
