"""The citizen's self-assessment scores over time as a small inline SVG, drawn directly.

The chart is on the citizen page, the page staff open most. Drawn by matplotlib it cost about 90 ms of CPU per view
(a third of the page, and most of it under load), for seven lines of at most a few points on a fixed 1–10 scale;
written out here it costs well under a millisecond. It uses presentation attributes only (no <style>), so the
page's Content-Security-Policy needs nothing for it. The table beside it holds the same figures (the accessible
version); the chart's description goes in the figure's aria-label.
"""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.html import escape

# Det Fælles Designsystem's primary blue, then colours that stay apart for colour-blind readers (as the reports).
COLOURS = ["#0059b3", "#e5a000", "#358000", "#b0006b", "#5c5c5c", "#00818a", "#8a3ffc", "#a05a00"]
LOWEST, HIGHEST = 1, 10
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 230, 12, 64  # the plot's margins: scale on the left, legend on the right
MAX_DATE_LABELS = 8


@dataclass(frozen=True)
class ScoresChart:
    svg: str
    description: str


def _x_positions(dates):
    """Each date's x, proportional to time (as on a date axis); evenly spread if every date is the same."""
    left, right = LEFT, WIDTH - RIGHT
    first, last = min(dates), max(dates)
    span = (last - first).days
    if span == 0:
        step = (right - left) / max(len(dates) - 1, 1)
        return [left + i * step for i in range(len(dates))]
    return [left + (day - first).days / span * (right - left) for day in dates]


def _y(score):
    bottom, top = HEIGHT - BOTTOM, TOP
    return bottom - (score - LOWEST) / (HIGHEST - LOWEST) * (bottom - top)


def _segments(xs, values):
    """Runs of consecutive points with a score: a missing score breaks the line instead of dropping to zero."""
    run = []
    for x, value in zip(xs, values, strict=True):
        if value is None:
            if run:
                yield run
            run = []
        else:
            run.append((x, _y(value)))
    if run:
        yield run


def _points(run):
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in run)


def _scale(ylabel):
    left, right = LEFT, WIDTH - RIGHT
    parts = []
    for score in range(LOWEST, HIGHEST + 1):
        y = _y(score)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e6e6e6" stroke-width="1"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{score}</text>')
    middle = (TOP + HEIGHT - BOTTOM) / 2
    parts.append(
        f'<text x="14" y="{middle:.1f}" text-anchor="middle" transform="rotate(-90 14 {middle:.1f})">{escape(ylabel)}</text>'
    )
    parts.append(
        f'<line x1="{left}" y1="{HEIGHT - BOTTOM}" x2="{right}" y2="{HEIGHT - BOTTOM}" stroke="#333333" stroke-width="1"/>'
    )
    parts.append(f'<line x1="{left}" y1="{TOP}" x2="{left}" y2="{HEIGHT - BOTTOM}" stroke="#333333" stroke-width="1"/>')
    return parts


def _date_labels(dates, xs):
    """The assessment dates under the axis, slanted; every k-th when there are too many to read."""
    every = -(-len(dates) // MAX_DATE_LABELS)
    parts, baseline = [], HEIGHT - BOTTOM
    for index, (day, x) in enumerate(zip(dates, xs, strict=True)):
        parts.append(
            f'<line x1="{x:.1f}" y1="{baseline}" x2="{x:.1f}" y2="{baseline + 5}" stroke="#333333" stroke-width="1"/>'
        )
        if index % every == 0:
            label = escape(date_format(day, "SHORT_DATE_FORMAT"))
            parts.append(
                f'<text x="{x:.1f}" y="{baseline + 18}" text-anchor="end" transform="rotate(-30 {x:.1f} {baseline + 18})">{label}</text>'
            )
    return parts


def _legend(labels):
    parts, x = [], WIDTH - RIGHT + 16
    for index, label in enumerate(labels):
        y = TOP + 10 + index * 20
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="{colour}" stroke-width="2.5"/>')
        parts.append(f'<text x="{x + 30}" y="{y + 4}">{escape(label)}</text>')
    return parts


def scores_svg(dates, series, *, ylabel):
    """An SVG of one line per series over the dates: `series` maps a label to one score (1–10 or None) per date."""
    xs = _x_positions(dates)
    parts = _scale(ylabel) + _date_labels(dates, xs)
    for index, values in enumerate(series.values()):
        colour = COLOURS[index % len(COLOURS)]
        for run in _segments(xs, values):
            parts.append(f'<polyline points="{_points(run)}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in run)
    parts += _legend(series)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12" fill="#1a1a1a">' + "".join(parts) + "</svg>"
    )
