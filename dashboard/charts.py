"""Server-side SVG geometry for the dashboard's charts (no JavaScript, no CDN). Pure.

Dot-and-whisker charts (means with 95% CIs) on a scale of the caller's choosing, and the
session timeline: identity fields as lanes over the session's turns."""

from __future__ import annotations

LEFT, WIDTH, ROW, TOP = 230, 420, 22, 30


def x(score: float, low: float = 1, high: float = 7) -> float:
    """Position of a score on a ``low``-``high`` scale (the PMQ's 1-7 by default)."""
    return round(LEFT + (score - low) / (high - low) * WIDTH, 1)


def _whisker(lo: float | None, hi: float | None, y: float, low: float, high: float) -> dict:
    """A 95% interval drawn within the scale: an end past the scale is cut there and
    marked with an arrowhead (the table beside the chart has the real bounds)."""
    if lo is None or hi is None:
        return {"x1": None, "x2": None, "cut_low": False, "cut_high": False, "arrows": []}
    x1, x2 = x(max(lo, low), low, high), x(min(hi, high), low, high)
    arrows = []
    if lo < low:
        arrows.append(f"{x1},{y} {x1 + 7},{y - 4} {x1 + 7},{y + 4}")
    if hi > high:
        arrows.append(f"{x2},{y} {x2 - 7},{y - 4} {x2 - 7},{y + 4}")
    return {"x1": x1, "x2": x2, "cut_low": lo < low, "cut_high": hi > high, "arrows": arrows}


def _frame(rows: list, y: float, ticks, low: float, high: float) -> dict:
    return {
        "rows": rows,
        "ticks": [{"value": t, "x": x(t, low, high)} for t in ticks],
        "height": y + 30,
        "width": LEFT + WIDTH + 30,
        "axis_y": y + 5,
        "left": LEFT,
        "right": LEFT + WIDTH,
    }


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
                    **_whisker(summary.low, summary.high, y, 1, 7),
                }
            )
            y += ROW
        y += 6
    return _frame(rows, y, range(1, 8), 1, 7)


def measure_chart(labelled, low: float, high: float, ticks) -> dict:
    """One dot and whisker per ``(label, Summary)`` on a ``low``-``high`` scale."""
    rows, y = [], TOP
    for label, summary in labelled:
        if summary.mean is None:
            continue
        mean = min(max(summary.mean, low), high)
        rows.append(
            {
                "label": label,
                "y": y,
                "cx": x(mean, low, high),
                "timepoint": "pre",
                **_whisker(summary.low, summary.high, y, low, high),
            }
        )
        y += ROW
    return _frame(rows, y, ticks, low, high)


LANE, LANE_LEFT, TURN_WIDTH, LANE_TOP = 26, 170, 28, 24
AUTHOR_ROW = {"participant": -5, "researcher": -5, "agent": 5, "system": 5}


def timeline(last_turn: int, rows, replies) -> dict:
    """Lanes (one per field changed, one for the agent's replies) over turns 1..last_turn.

    ``rows``: ledger rows ``(turn, lane, author, status, title)``; ``replies``: ``(turn,
    score 0-1 or None, flagged, title)``: each reply is a bar as tall as its score, red when
    an exact check flagged it."""
    turns = max(last_turn, 1)
    lanes = sorted({lane for _, lane, *_ in rows})
    y_of = {lane: LANE_TOP + i * LANE for i, lane in enumerate(lanes)}
    replies_y = LANE_TOP + len(lanes) * LANE

    def at(turn) -> float:
        return LANE_LEFT + (min(max(turn or 0, 0), turns) + 0.5) * TURN_WIDTH

    marks = [
        {
            "x": at(turn),
            "y": y_of[lane] + AUTHOR_ROW.get(author, 0),
            "author": author,
            "status": status,
            "title": title,
        }
        for turn, lane, author, status, title in rows
    ]
    bars = []
    for turn, score, flagged, title in replies:
        height = round(4 + 16 * (score or 0), 1)
        bars.append(
            {
                "x": at(turn) - 4,
                "y": replies_y + 10 - height,
                "height": height,
                "flagged": flagged,
                "title": title,
            }
        )
    ticks = [{"turn": t, "x": at(t)} for t in range(1, turns + 1) if turns <= 30 or t % 5 == 0]
    return {
        "lanes": [{"label": lane, "y": y_of[lane]} for lane in lanes],
        "marks": marks,
        "bars": bars,
        "replies_y": replies_y,
        "ticks": ticks,
        "axis_y": replies_y + 24,
        "width": LANE_LEFT + (turns + 1) * TURN_WIDTH + 10,
        "height": replies_y + 40,
        "left": LANE_LEFT,
    }
