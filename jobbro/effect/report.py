"""The effect report: a jobbro.reporting Report made from a done EffectRun's result (jobbro/effect/analysis.py).

The result is already disclosure-controlled: a curve point, estimate or subgroup with fewer than 5 persons in either
group is left out of it, and a count under 5 is null. The report shows every such place as words ("fewer than 5",
`Withheld`), never as a figure, on the page, in the PDF and in the spreadsheet. It reads nothing of the panels; it
reads the records only for the fidelity figures of each site (jobbro/reporting/fidelity.py and the first internship
kept as a report fact), which are aggregates the fidelity report shows too.

Tables: the persons counted; the estimates (programme and comparison mean, difference, 95 % interval, p-value and
the persons in each group, per outcome and horizon); per outcome curve, the mean by week since the start with its
95 % band; for a register comparison the balance of the matching, the pre-trend and the naive comparison; the
estimates by site and by target group; fidelity against effect across the sites. Shares of persons are shown in
percent, and each table checks that no percentage lies outside 0–100, that no group holds more persons than took
part, and that each interval holds its difference (`EffectTable.problems`).
"""

import datetime
from dataclasses import dataclass, field, replace

from django.db.models import Count, Q
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, gettext_lazy

from jobbro.accounts.fidelity_settings import CASELOAD, for_programme
from jobbro.accounts.models import TargetGroup
from jobbro.effect import categories
from jobbro.effect.models import TrialDesign
from jobbro.reporting import charts, fidelity
from jobbro.reporting.base import Fixed, Report, Row, Scope, Scored, Share, Table, Withheld

TITLE = gettext_lazy("Effect")
SUMMARY = gettext_lazy(
    "Did it work, compared with similar citizens who did not get it? Self-sufficiency and paid hours after 13, 26, "
    "52 and 104 weeks, from register data, by site and target group, beside the fidelity of each site."
)

LOTTERY = TrialDesign.Kind.LOTTERY.value
REGISTER = TrialDesign.Kind.REGISTER_COMPARISON.value
SMALLEST = 5
HORIZONS = (13, 26, 52, 104)
SELF_SUFFICIENT = "self_sufficient"
ORDINARY_HOURS = "ordinary_hours"
PAID_HOURS = "paid_hours_per_week"
CUMULATIVE = "cumulative_self_sufficient_weeks"
OUTCOMES = (SELF_SUFFICIENT, ORDINARY_HOURS, PAID_HOURS, CUMULATIVE)
# Outcomes that are shares of persons: their means are shown in percent, their differences in percentage points.
SHARES = (SELF_SUFFICIENT, ORDINARY_HOURS)
OUTCOME_LABELS = {
    SELF_SUFFICIENT: gettext_lazy("Self-sufficient (%)"),
    ORDINARY_HOURS: gettext_lazy("With ordinary paid hours (%)"),
    PAID_HOURS: gettext_lazy("Paid hours per week"),
    CUMULATIVE: gettext_lazy("Weeks self-sufficient since the start"),
}
COVARIATE_LABELS = {
    "age": gettext_lazy("Age"),
    "female": gettext_lazy("Women (share)"),
    "origin_indvandrer": gettext_lazy("Immigrants (share)"),
    "origin_efterkommer": gettext_lazy("Descendants of immigrants (share)"),
    "weeks_year1": gettext_lazy("Weeks on benefits in the year before the start"),
    "weeks_year2": gettext_lazy("Weeks on benefits two years before the start"),
    "weeks_year3": gettext_lazy("Weeks on benefits three years before the start"),
}


def group_labels(method):
    if method == LOTTERY:
        return gettext("Programme group"), gettext("Control group")
    return gettext("Participants"), gettext("Matched comparison group")


def scaled(outcome, value):
    """A mean or difference as shown: percent for a share of persons, as is for hours and weeks."""
    if value is None:
        return None
    return float(value) * 100 if outcome in SHARES else float(value)


MINUS = "\u2212"  # the minus sign: an interval is text, and text starting with "-" would read as a formula


def _signed(value):
    text = number_format(round(value, 1), decimal_pos=1)
    return MINUS + text[1:] if text.startswith("-") else text


def interval_text(low, high):
    """A 95 % interval as text ("−2,1 til 5,3"), negative ends with the minus sign, so a spreadsheet shows the text
    as it is instead of guarding it against being a formula."""
    return gettext("%(low)s to %(high)s") % {"low": _signed(low), "high": _signed(high)}


def p_value(value):
    if value is None:
        return None
    if value < 0.001:
        return gettext("under %(p)s") % {"p": number_format(0.001, decimal_pos=3)}
    return Fixed(float(value), 3)


def horizon_label(horizon):
    return gettext("after %(weeks)s weeks") % {"weeks": horizon}


@dataclass
class EffectTable(Table):
    """A table whose figures check themselves beyond shares and sums: `bounds` maps a row key to {column index:
    (lowest, highest)} the figure in that cell can take (a percentage 0–100, persons at most those who took part),
    and `intervals` to (difference column, low, high) of the row's 95 % interval, which must hold the difference."""

    bounds: dict = field(default_factory=dict)
    intervals: dict = field(default_factory=dict)

    def problems(self):
        found = list(super().problems())
        for row in self.rows:
            for index, (lowest, highest) in self.bounds.get(row.key, {}).items():
                value = _number(row.cells[index])
                if value is not None and not lowest - 1e-9 <= value <= highest + 1e-9:
                    found.append(
                        gettext("%(table)s: “%(row)s” in %(column)s is %(value)s, outside %(low)s–%(high)s.")
                        % {
                            "table": self.title,
                            "row": row.label,
                            "column": self.columns[index],
                            "value": number_format(round(value, 1), decimal_pos=1),
                            "low": number_format(lowest),
                            "high": number_format(round(highest, 1)),
                        }
                    )
            if row.key in self.intervals:
                index, low, high = self.intervals[row.key]
                value = _number(row.cells[index])
                if value is not None and not low - 1e-9 <= value <= high + 1e-9:
                    found.append(
                        gettext("%(table)s: the 95 %% interval of “%(row)s” does not hold its difference.")
                        % {"table": self.title, "row": row.label}
                    )
        return found


PRINTED_EVERY = 4  # the PDF prints every 4th week of a curve's table (and the start and the horizons)


@dataclass
class CurveTable(EffectTable):
    """A curve's figures week by week: the page and the spreadsheet hold every week; the PDF prints every
    PRINTED_EVERY-th week, the week before the start and the horizons, and says so."""

    def printed(self):
        keep = {-1, 0, *HORIZONS}
        rows = [
            row
            for row in self.rows
            if int(row.key.removeprefix("week")) % PRINTED_EVERY == 0 or int(row.key.removeprefix("week")) in keep
        ]
        if len(rows) == len(self.rows):
            return self, ""
        summary = gettext(
            "This table shows every %(every)sth week, the week before the start and the weeks 13, 26, 52 and 104: "
            "%(shown)s of %(all)s weeks. The spreadsheet (xlsx) of the report holds every week."
        ) % {"every": PRINTED_EVERY, "shown": len(rows), "all": len(self.rows)}
        return replace(self, rows=rows), summary


def _number(cell):
    if isinstance(cell, Fixed):
        return cell.value
    if isinstance(cell, bool) or not isinstance(cell, (int, float)):
        return None
    return float(cell)


# --- The tables ------------------------------------------------------------------------------------------------


def _count(value):
    return Withheld(SMALLEST) if value is None else int(value)


def counts_table(result):
    counts = result.get("counts", {})
    method = result["method"]
    programme, comparison = group_labels(method)
    rows = [("participants", gettext("Participants referred by the date with a project key"))]
    rows.append(("programme", programme))
    if method == LOTTERY:
        rows.append(("control", comparison))
    else:
        rows += [
            ("pool", gettext("Comparison pool (persons in the register without a project key)")),
            ("matched", gettext("Participants matched to a comparison person")),
            ("unmatched", gettext("Participants without a match within the caliper")),
        ]
    rows += [
        ("without_register_data", gettext("Participants without register data (left out)")),
        ("without_project_key", gettext("Referred without a project key (left out)")),
    ]
    table_rows = [Row(key, label, [_count(counts.get(key))]) for key, label in rows if key in counts]
    return Table(
        "effect_counts",
        gettext("Persons"),
        [gettext("Persons")],
        table_rows,
        first_column_label=gettext("Who"),
        note=gettext("A count under 5 is not shown (disclosure control)."),
    )


ESTIMATE_COLUMNS = 7  # programme mean, comparison mean, difference, interval, p, n programme, n comparison


def estimate_columns(method, *, changes=False, pool=False):
    """The columns of an estimates table; `changes`: the means are changes since the year before the start (the
    difference-in-differences of a register comparison), not levels; `pool`: compared with the whole comparison pool
    (the naive comparison), not the matched comparison group."""
    programme, comparison = group_labels(method)
    if pool:
        comparison = gettext("Comparison pool")
    if changes:
        means = [
            gettext("%(group)s: change since the year before") % {"group": label} for label in (programme, comparison)
        ]
    else:
        means = [programme, comparison]
    return [
        *means,
        gettext("Difference"),
        gettext("95 % interval"),
        gettext("p-value"),
        gettext("Persons, %(group)s") % {"group": programme.lower()},
        gettext("Persons, %(group)s") % {"group": comparison.lower()},
    ]


def _estimate_cells(outcome, estimate):
    if estimate is None:
        return [Withheld(SMALLEST)] * ESTIMATE_COLUMNS
    return [
        scaled(outcome, estimate["programme_mean"]),
        scaled(outcome, estimate["comparison_mean"]),
        scaled(outcome, estimate["difference"]),
        interval_text(scaled(outcome, estimate["ci_low"]), scaled(outcome, estimate["ci_high"])),
        p_value(estimate.get("p_value")),
        int(estimate["n_programme"]),
        int(estimate["n_comparison"]),
    ]


def _bounds(outcome, horizon, participants, changes):
    """The range each figure of an estimate row can lie in: a level from 0, a change from minus the same."""
    persons = participants if participants is not None else float("inf")
    if outcome in SHARES:
        highest = 100
    elif outcome == CUMULATIVE:
        highest = horizon
    else:
        highest = 7 * 24
    mean = (-highest if changes else 0, highest)
    return {0: mean, 1: mean, 5: (0, persons), 6: (0, float("inf"))}


def _estimate_rows(estimates, participants, changes, key_prefix="", label_prefix=""):
    """Rows for every outcome and horizon, the estimate's figures or "fewer than 5" where the result has none."""
    by_key = {(e["outcome"], int(e["horizon"])): e for e in estimates}
    rows, bounds, intervals = [], {}, {}
    for outcome in OUTCOMES:
        for horizon in HORIZONS:
            estimate = by_key.get((outcome, horizon))
            key = f"{key_prefix}{outcome}-{horizon}"
            label = f"{label_prefix}{OUTCOME_LABELS[outcome]}, {horizon_label(horizon)}"
            rows.append(Row(key, label, _estimate_cells(outcome, estimate)))
            bounds[key] = _bounds(outcome, horizon, participants, changes)
            if estimate is not None:
                intervals[key] = (2, scaled(outcome, estimate["ci_low"]), scaled(outcome, estimate["ci_high"]))
    return rows, bounds, intervals


def is_changes(result, source="estimates"):
    """A register comparison's estimates are differences in differences: each group's mean is its change."""
    return result["method"] == REGISTER and source != "naive"


def estimates_table(result, *, key="effect_estimates", title=None, note=None, source="estimates"):
    participants = result.get("counts", {}).get("participants")
    changes = is_changes(result, source)
    rows, bounds, intervals = _estimate_rows(result.get(source) or [], participants, changes)
    return EffectTable(
        key,
        title or gettext("Estimated effect"),
        estimate_columns(result["method"], changes=changes, pool=source == "naive"),
        rows,
        first_column_label=gettext("Outcome"),
        note=note or _estimates_note(result["method"]),
        bounds=bounds,
        intervals=intervals,
    )


def _estimates_note(method):
    if method == LOTTERY:
        return gettext(
            "Intention to treat: everyone drawn to the programme group against everyone drawn to the control group, "
            "whatever happened afterwards. Shares in percent, differences in percentage points; the interval and "
            "p-value use heteroskedasticity-robust standard errors (HC1). Each horizon counts only the persons "
            "followed up that long, so each row has its own number of persons."
        )
    return gettext(
        "Difference-in-differences: the participants' change from the year before the start against the change of "
        "their matched comparison persons. Shares in percent, differences in percentage points. Each horizon "
        "counts only the persons followed up that long, so each row has its own number of persons."
    )


CURVED = (SELF_SUFFICIENT, ORDINARY_HOURS)


def curve_table(result, outcome):
    """The mean of an outcome by week since the start, in each group, with its 95 % band."""
    programme, comparison = group_labels(result["method"])
    points = {}
    for point in result.get("curves") or []:
        if point["outcome"] == outcome:
            points[(int(point["week"]), point["group"])] = point
    weeks = sorted({week for week, _group in points})
    columns, rows, bounds = [], [], {}
    for label in (programme, comparison):
        columns += [
            gettext("%(group)s: persons") % {"group": label},
            gettext("%(group)s: mean") % {"group": label},
            gettext("%(group)s: 95 %% band") % {"group": label},
        ]
    participants = result.get("counts", {}).get("participants")
    for week in weeks:
        cells = []
        for group in ("programme", "comparison"):
            point = points.get((week, group))
            if point is None:
                cells += [Withheld(SMALLEST)] * 3
            else:
                cells += [
                    int(point["n"]),
                    scaled(outcome, point["mean"]),
                    interval_text(scaled(outcome, point["low"]), scaled(outcome, point["high"])),
                ]
        key = f"week{week}"
        rows.append(Row(key, gettext("Week %(week)s") % {"week": week}, cells))
        mean = (0, 100) if outcome in SHARES else (0, 7 * 24)
        bounds[key] = {1: mean, 4: mean, 0: (0, participants if participants is not None else float("inf"))}
    return CurveTable(
        f"effect_curve_{outcome}",
        gettext("%(outcome)s by week since the start") % {"outcome": OUTCOME_LABELS[outcome]},
        columns,
        rows,
        first_column_label=gettext("Week since the start"),
        note=gettext(
            "Week 0 is the week of the referral; negative weeks are before it. A week with fewer than 5 persons "
            "in a group is not shown."
        ),
        bounds=bounds,
    )


def curve_chart(result, outcome, table):
    programme, comparison = group_labels(result["method"])
    points = {(int(p["week"]), p["group"]): p for p in result.get("curves") or [] if p["outcome"] == outcome}
    weeks = sorted({week for week, _group in points})
    if not weeks:
        return None
    series = {}
    for label, group in ((programme, "programme"), (comparison, "comparison")):
        values, lows, highs = [], [], []
        for week in weeks:
            point = points.get((week, group))
            values.append(scaled(outcome, point["mean"]) if point else None)
            lows.append(scaled(outcome, point["low"]) if point else None)
            highs.append(scaled(outcome, point["high"]) if point else None)
        series[label] = (values, lows, highs)
    return charts.band_curves(
        weeks,
        series,
        description=gettext(
            "%(outcome)s by week since the start, %(programme)s against %(comparison)s, each with its 95 %% band "
            "(the table “%(table)s” holds the figures)."
        )
        % {"outcome": OUTCOME_LABELS[outcome], "programme": programme, "comparison": comparison, "table": table.title},
        xlabel=gettext("Weeks since the start"),
        ylabel=str(OUTCOME_LABELS[outcome]),
        percent=outcome in SHARES,
        start_line=0,
    )


def covariate_label(name):
    """The analysis's name of a covariate (jobbro/effect/analysis.py) in words: "category=cash_benefit" is the
    category at the start, "municipality=751" a municipality code."""
    if name in COVARIATE_LABELS:
        return str(COVARIATE_LABELS[name])
    kind, _sep, value = name.partition("=")
    if kind == "category" and value in categories.LABELS:
        return gettext("Category at the start: %(category)s") % {"category": categories.LABELS[value]}
    if kind == "municipality":
        return gettext("Municipality %(code)s") % {"code": value}
    return name.replace("_", " ")


def balance_table(result):
    rows = []
    for index, item in enumerate(result.get("balance") or []):
        after = item.get("smd_after")
        rows.append(
            Row(
                f"covariate-{index}",
                covariate_label(item["covariate"]),
                [
                    Fixed(float(item["programme_mean"]), 3),
                    Fixed(float(item["pool_mean"]), 3),
                    Fixed(float(item["matched_mean"]), 3) if item.get("matched_mean") is not None else None,
                    Fixed(float(item["smd_before"]), 3) if item.get("smd_before") is not None else None,
                    Fixed(float(after), 3) if after is not None else None,
                    abs(float(after)) >= 0.1 if after is not None else None,
                ],
            )
        )
    return Table(
        "effect_balance",
        gettext("Balance of the matching"),
        [
            gettext("Participants"),
            gettext("Comparison pool"),
            gettext("Matched comparison group"),
            gettext("Standardised difference before"),
            gettext("Standardised difference after"),
            gettext("At or above 0.1 after matching"),
        ],
        rows,
        first_column_label=gettext("Background"),
        note=gettext(
            "The standardised mean difference between the participants and the pool before matching and the "
            "matched comparison group after; below 0.1 counts as balanced. A row marked Yes is not balanced and "
            "weakens the comparison."
        ),
    )


def pre_trend_table(result):
    trend = result.get("pre_trend")
    rows = []
    if trend:
        difference = scaled(SELF_SUFFICIENT, trend.get("difference_per_year"))
        error = scaled(SELF_SUFFICIENT, trend.get("std_error"))
        interval = interval_text(difference - 1.96 * error, difference + 1.96 * error) if error is not None else None
        rows.append(
            Row(
                "pre_trend",
                str(OUTCOME_LABELS[SELF_SUFFICIENT]),
                [difference, interval, p_value(trend.get("p_value"))],
            )
        )
    return Table(
        "effect_pre_trend",
        gettext("Pre-trend: the difference in the years before the start"),
        [gettext("Difference per year (percentage points)"), gettext("95 % interval"), gettext("p-value")],
        rows,
        first_column_label=gettext("Outcome"),
        note=gettext(
            "How the difference between participants and their matched comparison persons changed per year before "
            "the start. Difference-in-differences assumes the two would have moved in parallel without the "
            "programme: a pre-trend far from 0 says they did not, and the estimates should be read with care."
        ),
    )


def naive_table(result):
    return estimates_table(
        result,
        key="effect_naive",
        title=gettext("Naive comparison: participants against the whole pool (not an effect)"),
        note=gettext(
            "For contrast only: the plain difference between the participants and everyone in the comparison pool, "
            "without matching. Its difference from the estimated effect shows how much the matching matters."
        ),
        source="naive",
    )


def subgroup_table(result, dimension, keys_and_labels):
    """The estimates per site or target group: every key the programme has, "fewer than 5" where left out."""
    found = {g["key"]: g["estimates"] for g in result.get("subgroups") or [] if g["dimension"] == dimension}
    rows, bounds, intervals = [], {}, {}
    participants = result.get("counts", {}).get("participants")
    labels = dict(keys_and_labels)
    for key in found:
        labels.setdefault(key, key)
    for key, label in labels.items():
        made, made_bounds, made_intervals = _estimate_rows(
            found.get(key, []),
            participants,
            is_changes(result),
            key_prefix=f"{dimension}-{key}-",
            label_prefix=f"{label}: ",
        )
        rows += made
        bounds.update(made_bounds)
        intervals.update(made_intervals)
    title = gettext("Estimated effect by site") if dimension == "site" else gettext("Estimated effect by target group")
    return EffectTable(
        f"effect_by_{dimension}",
        title,
        estimate_columns(result["method"], changes=is_changes(result)),
        rows,
        first_column_label=gettext("Site and outcome") if dimension == "site" else gettext("Target group and outcome"),
        note=gettext(
            "A group with fewer than 5 persons in either group is not shown, and where that leaves one group out, "
            "the next smallest is left out too, so that the total minus the others never reveals it."
        ),
        bounds=bounds,
        intervals=intervals,
    )


# --- Fidelity against effect -----------------------------------------------------------------------------------------


def fidelity_horizon(result):
    """The horizon the sites' effects are compared at: the one with an overall estimate of self-sufficiency and the
    most sites with an estimate of their own, the longer of equals (None without any overall estimate)."""
    overall = {int(e["horizon"]) for e in result.get("estimates") or [] if e["outcome"] == SELF_SUFFICIENT}
    if not overall:
        return None
    sites = {horizon: 0 for horizon in overall}
    for group in result.get("subgroups") or []:
        if group["dimension"] == "site":
            for estimate in group["estimates"]:
                horizon = int(estimate["horizon"])
                if estimate["outcome"] == SELF_SUFFICIENT and horizon in sites:
                    sites[horizon] += 1
    return max(sites, key=lambda horizon: (sites[horizon], horizon))


def internship_shares(scope):
    """Per site pk: Share(referred by the date who had started an internship by then, referred by the date)."""
    rows = (
        scope.enrolments()
        .order_by()
        .values("site")
        .annotate(
            referred=Count("pk"), internship=Count("pk", filter=Q(facts__first_internship_start_on__lte=scope.on))
        )
    )
    return {row["site"]: Share(row["internship"], row["referred"]) for row in rows}


def _small(cell):
    """Whether a cell of the fidelity table is about fewer than SMALLEST persons (a count, or a share's part or
    whole); 0 is no person and is shown."""
    if isinstance(cell, Scored):
        cell = cell.value
    if isinstance(cell, Share):
        return 0 < cell.part < SMALLEST or 0 < cell.whole < SMALLEST
    if isinstance(cell, int) and not isinstance(cell, bool):
        return 0 < cell < SMALLEST
    return False


def _size(cell):
    if isinstance(cell, Scored):
        cell = cell.value
    if isinstance(cell, Share):
        return cell.whole
    return cell if isinstance(cell, int) else 0


def disclosure_controlled(rows, columns):
    """The rows with every cell about fewer than SMALLEST persons withheld, and in a column where that withholds
    exactly one row, the next smallest too (so that the total less the others never reveals it). The total row
    (the last) is withheld only where it is small itself. Returns (rows, cells withheld)."""
    withheld = 0
    sites, total = rows[:-1], rows[-1]
    hidden = {(r, c) for r, row in enumerate(sites) for c in columns if _small(row.cells[c])}
    for c in columns:
        in_column = [r for r, _row in enumerate(sites) if (r, c) in hidden]
        if len(in_column) == 1:
            others = [r for r in range(len(sites)) if r not in in_column and _size(sites[r].cells[c])]
            if others:
                hidden.add((min(others, key=lambda r: _size(sites[r].cells[c])), c))
    made = []
    for r, row in enumerate(sites):
        cells = list(row.cells)
        for c in columns:
            if (r, c) in hidden:
                cells[c] = Withheld(SMALLEST)
                withheld += 1
        made.append(Row(row.key, row.label, cells, note=row.note))
    cells = list(total.cells)
    for c in columns:
        if _small(cells[c]):
            cells[c] = Withheld(SMALLEST)
            withheld += 1
    made.append(Row(total.key, total.label, cells, note=total.note))
    return made, withheld


def fidelity_table(result, scope):
    settings = for_programme(scope.programme)
    indicators = [indicator for indicator in settings.enabled() if indicator.key != CASELOAD]
    counted, _active = fidelity.counts(scope, settings)
    internships = internship_shares(scope)
    horizon = fidelity_horizon(result)
    site_estimates = {}
    for group in result.get("subgroups") or []:
        if group["dimension"] == "site":
            for estimate in group["estimates"]:
                if estimate["outcome"] == SELF_SUFFICIENT and int(estimate["horizon"]) == (horizon or -1):
                    site_estimates[group["key"]] = estimate
    overall = next(
        (
            e
            for e in result.get("estimates") or []
            if e["outcome"] == SELF_SUFFICIENT and int(e["horizon"]) == (horizon or -1)
        ),
        None,
    )
    columns = [gettext("Referred"), gettext("Ever in an internship")]
    columns += [str(indicator.name) for indicator in indicators]
    columns += [
        gettext("Effect on self-sufficiency (percentage points)"),
        gettext("95 % interval"),
    ]

    def effect_cells(estimate):
        if estimate is None:
            return [Withheld(SMALLEST), Withheld(SMALLEST)]
        low, high = scaled(SELF_SUFFICIENT, estimate["ci_low"]), scaled(SELF_SUFFICIENT, estimate["ci_high"])
        return [scaled(SELF_SUFFICIENT, estimate["difference"]), interval_text(low, high)]

    def scored(indicator, share):
        rule = settings.rule(indicator.key)
        return Scored(share, fidelity.light(share, rule.target, settings.amber_margin), rule.target)

    rows = []
    for site in scope.sites:
        internship = internships.get(site.pk, Share(0, 0))
        cells = [internship.whole, internship]
        cells += [scored(indicator, counted[indicator.key].site(site.pk)) for indicator in indicators]
        cells += effect_cells(site_estimates.get(str(site.pk)))
        rows.append(Row(f"site-{site.pk}", site.name, cells))
    total_internship = Share(
        sum(share.part for share in internships.values()), sum(share.whole for share in internships.values())
    )
    total = [total_internship.whole, total_internship]
    total += [scored(indicator, counted[indicator.key].total) for indicator in indicators]
    total += effect_cells(overall)
    rows.append(Row("total", gettext("Total"), total))
    title = gettext("Fidelity against effect across sites")
    # The figures are checked (every site adds up to the total) before disclosure control withholds the small ones.
    checked = Table("effect_fidelity", title, columns, rows, sums=[("total", [row.key for row in rows[:-1]])])
    problems = checked.problems()
    shown, withheld = disclosure_controlled(rows, range(2 + len(indicators)))
    note = gettext(
        "What each site did beside its effect. The fidelity figures are those of the fidelity report on the same "
        "date; ever in an internship counts the referred who had started an internship (or a hybrid internship) "
        "by the date."
    )
    if horizon is not None:
        note += " " + gettext("The effect is the difference in self-sufficiency %(horizon)s.") % {
            "horizon": horizon_label(horizon)
        }
    if withheld:
        note += " " + gettext("A figure about fewer than 5 citizens is not shown here either.")
    return (
        CheckedTable(
            "effect_fidelity",
            title,
            columns,
            shown,
            first_column_label=gettext("Site"),
            note=note,
            checked=problems,
        ),
        site_estimates,
        internships,
        horizon,
    )


@dataclass
class CheckedTable(Table):
    """A table whose add-up checks ran on its figures before disclosure control withheld some of them (withheld
    cells no longer add up): `checked` holds what those checks found."""

    checked: list = field(default_factory=list)

    def problems(self):
        return [*self.checked, *super().problems()]


def fidelity_chart(scope, site_estimates, table, horizon):
    """Each site's effect against its internship share, for the sites whose both figures the table shows (never one
    it withholds)."""
    points = []
    for site in scope.sites:
        estimate = site_estimates.get(str(site.pk))
        share = table.row(f"site-{site.pk}").cells[1]
        if estimate is None or not isinstance(share, Share) or share.fraction is None:
            continue
        points.append(
            (
                site.name,
                share.fraction * 100,
                scaled(SELF_SUFFICIENT, estimate["difference"]),
                scaled(SELF_SUFFICIENT, estimate["ci_low"]),
                scaled(SELF_SUFFICIENT, estimate["ci_high"]),
            )
        )
    if not points:
        return None
    return charts.points_with_intervals(
        points,
        description=gettext(
            "Each site's effect on self-sufficiency %(horizon)s with its 95 %% interval, against the share of its "
            "referred citizens ever in an internship (the table “Fidelity against effect across sites” holds the "
            "figures)."
        )
        % {"horizon": horizon_label(horizon)},
        xlabel=gettext("Ever in an internship (%)"),
        ylabel=gettext("Effect (percentage points)"),
    )


# --- Method and assumptions ------------------------------------------------------------------------------------------


def method_notes(result):
    as_of = datetime.date.fromisoformat(result["as_of"])
    notes = []
    last_week = result.get("last_week")
    dates = {"as_of": date_format(as_of, "SHORT_DATE_FORMAT")}
    if last_week:
        dates["last_week"] = date_format(datetime.date.fromisoformat(last_week), "SHORT_DATE_FORMAT")
        notes.append(
            gettext(
                "As of %(as_of)s: participants referred on or before that date; register weeks up to the week of "
                "%(last_week)s. A horizon a person has not yet reached leaves them out of that horizon's estimate."
            )
            % dates
        )
    if result["method"] == LOTTERY:
        notes.append(
            gettext(
                "Method: a lottery at referral drew each citizen to the programme group or the control group. Since "
                "chance alone decided, the groups are alike in everything but the programme, and the difference in "
                "outcomes is its effect (intention to treat)."
            )
        )
    else:
        notes.append(
            gettext(
                "Method: each participant is matched to the person in the comparison pool with the nearest "
                "propensity score (a logit on age, sex, origin, benefit category at the start, weeks on benefits in "
                "each of the three years before and municipality), within the same start cohort and a caliper of "
                "0.2 standard deviations. The effect is the difference in differences against the year before the "
                "start."
            )
        )
        notes.append(
            gettext(
                "Assumption: the matched persons are like the participants in everything that affects the outcomes, "
                "also what the register does not hold (motivation, health). The balance table shows what was "
                "matched on, the pre-trend whether the groups moved in parallel before the start."
            )
        )
    notes.append(
        gettext(
            "Self-sufficient: no benefit registered in the week, or only SU / ordinary education. A 95 % interval "
            "holds the true difference in 95 of 100 such studies; an interval that includes 0 means the data cannot "
            "tell an effect from chance."
        )
    )
    suppressed = result.get("suppressed") or 0
    notes.append(
        gettext(
            "Disclosure control: no figure about fewer than 5 persons is shown or exported (“fewer than 5”); "
            "%(n)s figures were left out."
        )
        % {"n": suppressed}
    )
    return notes


def build_from_result(result, scope):
    """The report for a result (the JSON of an EffectRun) within a scope (the programme, its sites, the as-of date)."""
    tables = [counts_table(result), estimates_table(result)]
    chart_list = []
    for outcome in CURVED:
        table = curve_table(result, outcome)
        if table.rows:
            tables.append(table)
            chart = curve_chart(result, outcome, table)
            if chart is not None:
                chart_list.append(chart)
    if result["method"] == REGISTER:
        tables += [balance_table(result), pre_trend_table(result), naive_table(result)]
    sites = [(str(site.pk), site.name) for site in scope.sites]
    tables.append(subgroup_table(result, "site", sites))
    groups = list(scope.programme.target_groups.order_by("name").values_list("code", "name"))
    names = dict(TargetGroup.objects.values_list("code", "name"))
    in_result = [g["key"] for g in result.get("subgroups") or [] if g["dimension"] == "target_group"]
    groups += [(code, names.get(code, code)) for code in in_result if code not in dict(groups)]
    tables.append(subgroup_table(result, "target_group", groups))
    table, site_estimates, _internships, horizon = fidelity_table(result, scope)
    tables.append(table)
    if horizon is not None:
        chart = fidelity_chart(scope, site_estimates, table, horizon)
        if chart is not None:
            chart_list.append(chart)
    return Report(
        key="effect", title=str(TITLE), scope=scope, tables=tables, charts=chart_list, notes=method_notes(result)
    )


def scope_of(run):
    sites = tuple(run.programme.sites.order_by("name"))
    return Scope(programme=run.programme, sites=sites, on=run.as_of, staff_named=False)


def build(run):
    """The report of a done EffectRun."""
    return build_from_result(run.result, scope_of(run))
