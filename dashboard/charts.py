"""Server-side SVG geometry for the PMQ chart (no JavaScript, no CDN). Pure: no Django."""

from __future__ import annotations

LEFT, WIDTH, ROW, TOP = 230, 420, 22, 30


def x(score: float) -> float:
    """Scale position of a 1-7 score."""
    return round(LEFT + (score - 1) / 6 * WIDTH, 1)


def _whisker(low: float | None, high: float | None, y: float) -> dict:
    """A 95% interval drawn within the 1-7 scale: an end past the scale is cut there and
    marked with an arrowhead (the table beside the chart has the real bounds)."""
    if low is None or high is None:
        return {"x1": None, "x2": None, "cut_low": False, "cut_high": False, "arrows": []}
    x1, x2 = x(max(low, 1)), x(min(high, 7))
    arrows = []
    if low < 1:
        arrows.append(f"{x1},{y} {x1 + 7},{y - 4} {x1 + 7},{y + 4}")
    if high > 7:
        arrows.append(f"{x2},{y} {x2 - 7},{y - 4} {x2 - 7},{y + 4}")
    return {"x1": x1, "x2": x2, "cut_low": low < 1, "cut_high": high > 7, "arrows": arrows}


def pmq_chart(cells) -> dict:
    """Rows of dots (means) with whiskers (95% CIs), one per condition x session x factor x
    timepoint; the table beside it carries the same numbers for screen readers."""
    rows, y = [], TOP
    for cell in cells:
        for timepoint in ("pre", "post"):
            summary = getattr(cell, timepoint)
            if summary.mean is None:
                continue
            rows.append(
                {
                    "label": f"{cell.condition} s{cell.session_number} {cell.factor} {timepoint}",
                    "y": y,
                    "cx": x(summary.mean),
                    "timepoint": timepoint,
                    **_whisker(summary.low, summary.high, y),
                }
            )
            y += ROW
        y += 6
    ticks = [{"value": v, "x": x(v)} for v in range(1, 8)]
    return {
        "rows": rows,
        "ticks": ticks,
        "height": y + 30,
        "width": LEFT + WIDTH + 30,
        "axis_y": y + 5,
        "left": LEFT,
        "right": LEFT + WIDTH,
    }
