"""Geometry for small server-rendered SVG charts (no script: the page's strict CSP holds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    level: str  # "pass", "fail", "none": the template picks the colour
    label: str  # the <title>: what a pointer or a screen reader finds


@dataclass(frozen=True)
class Line:
    points: str  # "x,y x,y ..." for <polyline points>
    dots: list[tuple[float, float, str, str]]  # (x, y, level, label)
    top_label: str  # the value at the top of the scale


def strip(
    cells: list[tuple[float | None, str]], width: float = 600, height: float = 28
) -> list[Bar]:
    """One bar per cell (uptime percent or None, label), side by side, full height."""
    if not cells:
        return []
    step = width / len(cells)
    bars = []
    for index, (percent, label) in enumerate(cells):
        level = "none" if percent is None else "pass" if percent >= 100 else "fail"
        if percent is not None and 0 < percent < 100:
            level = "partial"
        bars.append(Bar(round(index * step + 1, 2), 0, round(step - 2, 2), height, level, label))
    return bars


def line(
    values: list[tuple[float | None, bool, str]], width: float = 600, height: float = 160
) -> Line:
    """A polyline of the values (None skipped), scaled to the largest; each point a dot
    coloured by whether its run passed."""
    known = [v for v, _, _ in values if v is not None]
    top = max(known, default=0.0) or 1.0
    pad = 8.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points, dots = [], []
    for index, (value, passed, label) in enumerate(values):
        if value is None:
            continue
        x = round(pad + index * step, 2)
        y = round(height - pad - (height - 2 * pad) * value / top, 2)
        points.append(f"{x},{y}")
        dots.append((x, y, "pass" if passed else "fail", label))
    return Line(" ".join(points), dots, f"{top:.0f} ms")
