"""Retake every screenshot in docs/ (the README shows them).

The browser tests that walk through each screen take them with Playwright in the system
Chromium (tests.browser.helpers.screenshot), so a screenshot always shows a state a test
checked. Run: .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "browser"

# Every browser test module that calls screenshot(page, ...).
modules = sorted(
    str(path.relative_to(ROOT))
    for path in TESTS.glob("test_*.py")
    if re.search(r"\bscreenshot\(page", path.read_text())
)
# The tests take their screenshots only when asked (tests.browser.helpers.RETAKE_SCREENSHOTS).
environment = {**os.environ, "STUDIO_RETAKE_SCREENSHOTS": "1"}
command = [sys.executable, "-m", "pytest", "-q", *modules]
sys.exit(subprocess.call(command, cwd=ROOT, env=environment))
