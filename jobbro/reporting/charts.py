"""Charts as SVG (matplotlib), the same file on the page and in the PDF.

A chart only repeats figures its report's table holds, so the table is the accessible version; each chart
carries a one-sentence description. Labels arrive already translated; numbers on axes follow the active
language's decimal separator.
"""

import functools
import io
import re
import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt  # noqa: E402
from django.utils import translation  # noqa: E402
from django.utils.formats import date_format, number_format  # noqa: E402
from django.utils.functional import Promise  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from jobbro.reporting.base import Chart  # noqa: E402

# Det Fælles Designsystem's palette: primary blue, then colours that stay apart for colour-blind readers.
COLOURS = ["#0059b3", "#e5a000", "#358000", "#b0006b", "#5c5c5c", "#00818a", "#8a3ffc", "#a05a00"]
LIGHT_COLOURS = {"green": "#358000", "amber": "#e5a000", "red": "#c4001c", "none": "#b0b0b0"}
# Each light has a shape of its own too, so the chart does not rely on colour alone (WCAG 1.4.1): a circle, a
# triangle, a square, and a small diamond for nothing to score.
LIGHT_MARKERS = {"green": "o", "amber": "^", "red": "s", "none": "d"}
LIGHT_SIZES = {"green": 220, "amber": 240, "red": 200, "none": 110}

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: selectable, and styled by the page's font
        "font.family": "sans-serif",
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=COLOURS),
    }
)

_localised = FuncFormatter(
    lambda value, _position: number_format(value, decimal_pos=None if value != int(value) else 0)
)


# Charts kept per server process, by everything their drawing depends on (see `kept_by_input`). A report page's
# charts are tens of kilobytes each, and drawing one takes matplotlib 50 ms to seconds (a bar per job broker).
KEPT_CHARTS = 64
_kept = OrderedDict()
_kept_lock = threading.Lock()


def _frozen(value):
    """A hashable copy of a chart's input; TypeError for anything that might not fix the drawing by its value."""
    if isinstance(value, Promise):
        return str(value)
    if value is None or isinstance(value, (str, int, float, Decimal, date)):
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return ("dict", tuple((_frozen(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_frozen(v) for v in value))
    raise TypeError(type(value))


def kept_by_input(draw):
    """The same figures in the same language draw the same SVG: keep the latest charts and give them back instead of
    drawing them again. Correct without expiry, since the key is the input itself (labels, values, dates, the
    language that formats them); a chart whose figures changed is a new key. Managers looking at the same report
    in a day, and a report page with its PDF, then cost one drawing."""

    @functools.wraps(draw)
    def drawn_once(*args, **kwargs):
        try:
            key = (draw.__name__, translation.get_language(), _frozen(args), _frozen(kwargs))
        except TypeError:
            return draw(*args, **kwargs)
        with _kept_lock:
            chart = _kept.get(key)
            if chart is not None:
                _kept.move_to_end(key)
                return chart
        chart = draw(*args, **kwargs)
        with _kept_lock:
            _kept[key] = chart
            while len(_kept) > KEPT_CHARTS:
                _kept.popitem(last=False)
        return chart

    return drawn_once


_STYLE_ELEMENT = re.compile(r"\s*<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>")


def _svg(figure, description):
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    svg = buffer.getvalue()
    # Drop the XML prolog so the SVG can be inlined in HTML.
    svg = svg[svg.index("<svg") :]
    # matplotlib's one style rule (round line joins) becomes inherited attributes on the root: the page's
    # Content-Security-Policy refuses inline <style> elements.
    svg = _STYLE_ELEMENT.sub("", svg, count=1).replace(
        "<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1
    )
    return Chart(svg=svg, description=str(description))


def _figure(width=7.5, height=3.2):
    figure, axes = plt.subplots(figsize=(width, height))
    axes.yaxis.set_major_formatter(_localised)
    return figure, axes


# A chart with a bar per person (a job broker, say) draws them all while a reader can take them in, and beyond that
# only both ends of the ranking: hundreds of bars are unreadable and cost matplotlib seconds. The table keeps every row.
ALL_BARS_UP_TO = 25
BARS_AT_EACH_END = 10


def both_ends(items, measure, *, each_end=BARS_AT_EACH_END, all_up_to=ALL_BARS_UP_TO):
    """The items a chart draws: all of them, in their own order, when there are at most `all_up_to`; otherwise
    (most, fewest): the `each_end` with the highest `measure`, highest first, and the `each_end` with the lowest,
    also highest first so the whole chart reads as one ranking. Ties keep the items' own order."""
    items = list(items)
    if len(items) <= all_up_to:
        return items, []
    ranked = sorted(items, key=measure, reverse=True)  # sorted() is stable: equal measures keep the given order
    return ranked[:each_end], ranked[-each_end:]


@kept_by_input
def bars(categories, series, *, description, ylabel="", stacked=False, horizontal=False, title="", sections=()):
    """Grouped (or stacked) bars: `series` maps a label to one value per category.

    `sections` (horizontal bars only) names consecutive runs of categories as (label, number of categories): a
    dashed line parts each run from the next and its label stands beside it, right of the plot."""
    figure, axes = _figure(height=max(3.2, 0.35 * len(categories)) if horizontal else 3.2)
    count = max(len(series), 1)
    width = 0.8 / (1 if stacked else count)
    bottoms = [0] * len(categories)
    for index, (label, values) in enumerate(series.items()):
        values = [float(v or 0) for v in values]
        positions = [i + (0 if stacked else (index - (count - 1) / 2) * width) for i in range(len(categories))]
        if horizontal:
            axes.barh(positions, values, height=width, left=bottoms if stacked else None, label=label)
        else:
            axes.bar(positions, values, width=width, bottom=bottoms if stacked else None, label=label)
        if stacked:
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    if horizontal:
        axes.set_yticks(range(len(categories)), [str(c) for c in categories])
        axes.invert_yaxis()
        axes.xaxis.set_major_formatter(_localised)
        axes.set_xlabel(str(ylabel))
        _sections(axes, sections)
    else:
        labels = [str(c) for c in categories]
        # Slant the labels when they would run into each other (many bars, or long site names).
        crowded = len(labels) > 5 or sum(len(label) for label in labels) > 12 * len(labels)
        axes.set_xticks(range(len(labels)), labels, rotation=20 if crowded else 0, ha="right" if crowded else "center")
        axes.set_ylabel(str(ylabel))
    if title:
        axes.set_title(str(title), loc="left", fontsize=10)
    _legend(axes, len(series))
    return _svg(figure, description)


def _sections(axes, sections):
    first = 0
    for index, (label, size) in enumerate(sections):
        if index:
            axes.axhline(first - 0.5, color=COLOURS[4], linewidth=0.8, linestyle="--")
        if label:
            # Beside the plot (x in axes fractions, y in bar positions): never over a bar or the legend.
            axes.text(
                1.02,
                first + (size - 1) / 2,
                str(label),
                transform=axes.get_yaxis_transform(),
                ha="left",
                va="center",
                fontsize=9,
                color=COLOURS[4],
            )
        first += size


def _legend(axes, entries):
    if entries > 4:
        # Many entries: the legend goes beside the plot, where it cannot hide the bars or lines.
        axes.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))
    elif entries > 1:
        axes.legend(frameon=False, fontsize=9)


@kept_by_input
def lines(dates, series, *, description, ylabel="", targets=(), forecasts=(), step=False):
    """Lines over dates: `series` maps a label to one value per date; `targets` are (date, value, label, series label)
    markers and `forecasts` (series label, dates, values, label) dashed lines, each drawn in the colour of the series
    it belongs to."""
    figure, axes = _figure()
    colours = {}
    for index, (label, values) in enumerate(series.items()):
        colours[label] = COLOURS[index % len(COLOURS)]
        values = [float(v) if v is not None else None for v in values]
        if step:
            axes.step(dates, values, where="post", label=label, color=colours[label])
        else:
            axes.plot(dates, values, label=label, color=colours[label])
    for day, value, label, series_label in targets:
        axes.plot(
            [day], [float(value)], marker="D", linestyle="none", color=colours.get(series_label, "#333333"), label=label
        )
    for series_label, days, values, label in forecasts:
        axes.plot(
            days, [float(v) for v in values], linestyle="--", color=colours.get(series_label, "#333333"), label=label
        )
    axes.set_ylabel(str(ylabel))
    if dates:
        axes.xaxis.set_major_formatter(
            FuncFormatter(lambda value, _p: date_format(matplotlib.dates.num2date(value).date(), "SHORT_DATE_FORMAT"))
        )
        figure.autofmt_xdate()
    _legend(axes, len(series) + len(targets) + len(forecasts))
    return _svg(figure, description)


@kept_by_input
def curve(xs, series, *, description, xlabel="", ylabel="", percent=False):
    """Step curves over a numeric axis (e.g. a survival curve over weeks since referral)."""
    figure, axes = _figure()
    for label, values in series.items():
        axes.step(xs, [float(v) for v in values], where="post", label=label)
    axes.set_xlabel(str(xlabel))
    axes.set_ylabel(str(ylabel))
    if percent:
        axes.set_ylim(0, 100)
    _legend(axes, len(series))
    return _svg(figure, description)


@kept_by_input
def lights(rows, columns, grid, *, description, labels):
    """A grid of traffic lights: `grid[r][c]` is 'green', 'amber', 'red' or 'none'; each is drawn in its colour and
    its shape, and the legend names them (`labels`: light -> the word for it in the reader's language)."""
    figure, axes = plt.subplots(figsize=(max(4, 1.1 * len(columns) + 3), 0.4 * len(rows) + 1.4))
    for light in LIGHT_MARKERS:
        points = [(c, r) for r, row in enumerate(grid) for c, cell in enumerate(row) if (cell or "none") == light]
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        # One scatter call per light, never per cell: a call per cell costs a second on a fidelity table.
        axes.scatter(
            xs,
            ys,
            s=LIGHT_SIZES[light],
            c=LIGHT_COLOURS[light],
            marker=LIGHT_MARKERS[light],
            edgecolors="#333333",
            linewidths=0.5,
            label=str(labels[light]),
        )
    if any(grid):
        axes.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1), labelspacing=1.1)
    axes.set_xticks(range(len(columns)), [str(c) for c in columns], rotation=20, ha="right")
    axes.set_yticks(range(len(rows)), [str(r) for r in rows])
    axes.invert_yaxis()
    axes.set_xlim(-0.6, len(columns) - 0.4)
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.tick_params(length=0)
    return _svg(figure, description)


@kept_by_input
def band_curves(xs, series, *, description, xlabel="", ylabel="", percent=False, start_line=None):
    """Lines over a numeric axis (e.g. weeks since the start), each with its 95 % band: `series` maps a label to
    (values, lows, highs), one per x, None where there is no figure (a week left out by disclosure control breaks
    the line and the band there). `start_line`, if given, is an x marked with a dashed vertical line."""
    figure, axes = _figure()
    for index, (label, (values, lows, highs)) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        axes.plot(xs, [_nan(v) for v in values], label=label, color=colour, linewidth=1.6)
        axes.fill_between(xs, [_nan(v) for v in lows], [_nan(v) for v in highs], color=colour, alpha=0.18, linewidth=0)
    if start_line is not None:
        axes.axvline(start_line, color=COLOURS[4], linewidth=0.8, linestyle="--")
    axes.set_xlabel(str(xlabel))
    axes.set_ylabel(str(ylabel))
    axes.xaxis.set_major_formatter(_localised)
    if percent:
        axes.set_ylim(0, 100)
    _legend(axes, len(series))
    return _svg(figure, description)


@kept_by_input
def points_with_intervals(points, *, description, xlabel="", ylabel="", zero_line=True):
    """One labelled point per item with a vertical 95 % interval: `points` are (label, x, y, low, high). Used to set
    each site's effect against a measure of what the site did."""
    figure, axes = _figure(height=3.6)
    for index, (label, x, y, low, high) in enumerate(points):
        colour = COLOURS[index % len(COLOURS)]
        x, y = float(x), float(y)
        axes.errorbar(
            [x],
            [y],
            yerr=[[y - float(low)], [float(high) - y]],
            fmt="o",
            color=colour,
            capsize=4,
            markersize=7,
            label=str(label),
        )
        axes.annotate(str(label), (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8, color=COLOURS[4])
    if zero_line:
        axes.axhline(0, color=COLOURS[4], linewidth=0.8, linestyle="--")
    axes.set_xlabel(str(xlabel))
    axes.set_ylabel(str(ylabel))
    axes.xaxis.set_major_formatter(_localised)
    _legend(axes, len(points))
    return _svg(figure, description)


def _nan(value):
    return float("nan") if value is None else float(value)
