"""Server-side SVG geometry for the PMQ chart (no JavaScript, no CDN). Pure: no Django."""

from __future__ import annotations

LEFT, WIDTH, ROW, TOP = 230, 420, 22, 30


def x(score: float) -> float:
    """Scale position of a 1-7 score."""
    return round(LEFT + (score - 1) / 6 * WIDTH, 1)


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
                    "x1": x(summary.low) if summary.low is not None else None,
                    "x2": x(summary.high) if summary.high is not None else None,
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
