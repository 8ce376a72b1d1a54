"""axe-core in the real browser: every page and state the browser tests visit is audited.

axe-playwright-python ships axe-core itself (no download at run time) and injects it with
Playwright's evaluate, which the strict CSP does not block.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE = Axe()
BLOCKING = frozenset({"serious", "critical"})


def violations(page: Page) -> list[dict]:
    """axe's violations of impact serious or critical on the page as it is now."""
    found = AXE.run(page).response["violations"]
    return [v for v in found if v.get("impact") in BLOCKING]


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']} at {targets}")
    return "\n".join(lines)


def audit(page: Page) -> None:
    """Fail on any serious or critical axe violation in the page's current state."""
    found = violations(page)
    assert not found, f"axe found on {page.url}:\n{describe(found)}"
