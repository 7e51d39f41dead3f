"""Progression: how the citizens' own assessments changed, for those who reached ordinary hours and those who did not.

Definitions, as of the date `on`, for the enrolments in scope (the programme, the chosen sites, start form dated
on or before `on`). A "citizen" is an enrolment.

counted assessment      a ProgressionAssessment of the enrolment with assessed_on <= on (also one dated after the
                        end form: aftercare counts)
assessed twice          an enrolment with two or more counted assessments; only these are in the progression table
first / latest          the counted assessment with the smallest / the largest (assessed_on, id)
reached ordinary hours  the enrolment has a timesheet with ordinary_hours > 0 for a week starting on or before `on`,
                        in a placement starting on or before `on` (the "employed" result goal, result_goals.py);
                        internship hours never count
mean first / latest     per dimension and group: the sum of the scores over the group's enrolments divided by their
                        number, exact, rounded half away from zero to one decimal; empty (–) for an empty group
mean change             the mean of (latest − first), which is mean latest − mean first over the same enrolments,
                        computed exactly and then rounded; it can therefore differ by 0.1 from the difference of
                        the two rounded means

Tables
1. "Progression by dimension": rows are the seven dimensions and "Citizens with two or more assessments" (n);
   columns are first / latest / change for the citizens who reached ordinary hours, then for those who did not.
2. "Citizens assessed": per site and total, the citizens in scope; of them those with no / one / two or more
   counted assessments (their parts add up to the citizens in scope); of those with two or more, who reached
   ordinary hours and who did not (these add up to two or more). Sites add up to the total.
3. "Self-assessments per month": counted assessments per calendar month, for the twelve months ending with the month
   of `on` (that month only up to `on`), per site and total, and the sum of the twelve months.
Chart: grouped bars of the mean change per dimension for the two groups.

Queries: one for table 2 (a counting subquery per enrolment, grouped by site, how often assessed and reached); one
for the first and one for the latest assessments (window functions number each enrolment's counted assessments by
assessed_on, id in one pass; the first or last of those with two or more are summed, grouped by the reached flag);
one for table 3. Sums and counts come from the database; only the division and rounding happen here, so the means
are exact.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Least, RowNumber, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import ProgressionAssessment, Timesheet
from jobbro.cases.progression_forms import dimension_label
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table, site_columns

TITLE = _("Progression")
SUMMARY = _("The citizens' own assessments from 1 to 10, first and latest, for those who reached ordinary hours and those who did not.")

DIMENSIONS = ProgressionAssessment.DIMENSIONS
ONE_DECIMAL = Decimal("0.1")
MONTHS = 12


# --- The building blocks, each a query expression ----------------------------------------------------------------


def counted_assessments(on, enrolment_ref="pk"):
    """The assessments of the outer query's enrolment dated on or before `on`."""
    return ProgressionAssessment.objects.filter(enrolment=OuterRef(enrolment_ref), assessed_on__lte=on)


def counted_assessments_in_scope(scope):
    return ProgressionAssessment.objects.filter(
        enrolment__programme=scope.programme, enrolment__site__in=scope.site_ids, enrolment__referred_on__lte=scope.on,
        assessed_on__lte=scope.on,
    )


def reached_ordinary_hours(on, enrolment_ref="pk"):
    """The "employed" result goal for the outer enrolment: ordinary paid hours in a started placement by `on`."""
    return Exists(Timesheet.objects.filter(
        placement__enrolment=OuterRef(enrolment_ref), ordinary_hours__gt=0, week_start__lte=on, placement__starts_on__lte=on,
    ))


def how_often_assessed(on):
    """0, 1 or 2 for an outer enrolment with no, one, or two or more counted assessments (one subquery per enrolment)."""
    counted = counted_assessments(on).order_by().values("enrolment").annotate(n=Count("id")).values("n")
    return Least(Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)), Value(2))


def first_or_latest_ids(scope, latest):
    """The id of the first (or the latest) counted assessment of each enrolment in scope assessed two or more times.

    One pass over the counted assessments with window functions (the count and the position by assessed_on, id
    within each enrolment), rather than a subquery per enrolment.
    """
    by_enrolment = [F("enrolment_id")]
    order = [F("assessed_on").desc(), F("id").desc()] if latest else [F("assessed_on").asc(), F("id").asc()]
    return counted_assessments_in_scope(scope).annotate(
        assessments_counted=Window(Count("id"), partition_by=by_enrolment),
        position=Window(RowNumber(), partition_by=by_enrolment, order_by=order),
    ).filter(assessments_counted__gte=2, position=1).values("pk")


# --- Figures -------------------------------------------------------------------------------------------------------

COUNT_KEYS = ("in_scope", "none", "one", "two_or_more", "reached", "not_reached")
HOW_OFTEN = {0: "none", 1: "one", 2: "two_or_more"}


def citizens_assessed(scope):
    """Per site id: citizens in scope, with none / one / two or more counted assessments, and of the last reached or not.

    One grouped query (site × how often assessed × reached); the few grouped rows are added up here.
    """
    rows = (
        scope.enrolments().annotate(how_often=how_often_assessed(scope.on), reached=reached_ordinary_hours(scope.on))
        .order_by().values("site", "how_often", "reached").annotate(n=Count("id"))
    )
    counts = {}
    for row in rows:
        site = counts.setdefault(row["site"], dict.fromkeys(COUNT_KEYS, 0))
        how_often = HOW_OFTEN[row["how_often"]]
        site["in_scope"] += row["n"]
        site[how_often] += row["n"]
        if how_often == "two_or_more":
            site["reached" if row["reached"] else "not_reached"] += row["n"]
    return counts


def _score_sums(scope, latest):
    """Per reached flag: the number of enrolments assessed twice and the sum of each dimension's first (or latest) score."""
    rows = (
        ProgressionAssessment.objects.filter(pk__in=first_or_latest_ids(scope, latest))
        .annotate(reached=reached_ordinary_hours(scope.on, "enrolment_id"))
        .order_by().values("reached")
        .annotate(n=Count("id"), **{dimension: Sum(dimension) for dimension in DIMENSIONS})
    )
    return {bool(row.pop("reached")): row for row in rows}


def mean(total, n):
    """An exact mean rounded half away from zero to one decimal, or None for an empty group."""
    if not n:
        return None
    return (Decimal(total) / Decimal(n)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _first_and_latest_sums(scope, tries=3):
    """The sums of the first and of the latest scores, over the same enrolments in each group.

    They are two queries, so an assessment or hours registered for the as-of date between them could change a group;
    the pair is then read again.
    """
    for _try in range(tries):
        firsts, latests = _score_sums(scope, latest=False), _score_sums(scope, latest=True)
        if all(firsts.get(r, {}).get("n", 0) == latests.get(r, {}).get("n", 0) for r in (True, False)):
            return firsts, latests
    raise RuntimeError("the records kept changing while the progression report was read")


def progression_by_group(scope):
    """{reached: {"n": n, dimension: (mean first, mean latest, mean change)}} for reached True and False."""
    firsts, latests = _first_and_latest_sums(scope)
    result = {}
    for reached in (True, False):
        first, last = firsts.get(reached, {}), latests.get(reached, {})
        n = first.get("n", 0)
        result[reached] = {"n": n}
        for dimension in DIMENSIONS:
            first_sum, last_sum = first.get(dimension) or 0, last.get(dimension) or 0
            result[reached][dimension] = (mean(first_sum, n), mean(last_sum, n), mean(last_sum - first_sum, n))
    return result


def month_starts(on, months=MONTHS):
    """The first day of each of the `months` calendar months ending with the month of `on`, oldest first."""
    year, month = on.year, on.month
    starts = []
    for _month in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def assessments_per_month(scope):
    """{(month start, site id): count} of counted assessments of enrolments in scope in the last twelve months."""
    rows = (
        counted_assessments_in_scope(scope).filter(assessed_on__gte=month_starts(scope.on)[0])
        .annotate(month=TruncMonth("assessed_on")).order_by().values("month", "enrolment__site").annotate(n=Count("id"))
    )
    return {(_as_date(row["month"]), row["enrolment__site"]): row["n"] for row in rows}


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


# --- Tables --------------------------------------------------------------------------------------------------------


def group_labels():
    return gettext("With ordinary hours"), gettext("Without ordinary hours")


def progression_table(by_group):
    reached, not_reached = group_labels()
    columns = [
        f"{group}: {part}" for group in (reached, not_reached)
        for part in (gettext("first"), gettext("latest"), gettext("change"))
    ]
    rows = [
        Row(dimension, dimension_label(dimension), [*by_group[True][dimension], *by_group[False][dimension]])
        for dimension in DIMENSIONS
    ]
    n_true, n_false = by_group[True]["n"], by_group[False]["n"]
    rows.append(Row("citizens", gettext("Citizens with two or more assessments"), [n_true] * 3 + [n_false] * 3))
    return Table(
        key="progression", title=gettext("Progression by dimension"), columns=columns, rows=rows,
        first_column_label=gettext("Dimension"),
        note=gettext("Mean scores from 1 (worst) to 10 (best) at the first and the latest self-assessment, and the mean "
                     "change between them. Only citizens with two or more self-assessments by the date are included."),
    )


def citizens_assessed_table(scope, counts):
    """Table 2 from the per-site counts (a separate step, so its add-up rules can be tested on any counts)."""
    empty = dict.fromkeys(COUNT_KEYS, 0)
    per_site = [counts.get(site_id, empty) for site_id in scope.site_ids]
    total = {key: sum(site[key] for site in per_site) for key in empty}
    columns = [*per_site, total]

    def row(key, label, whole=None):
        cells = [Share(c[key], c[whole]) if whole else c[key] for c in columns]
        return Row(key, label, cells, additive=True)

    rows = [
        row("in_scope", gettext("Citizens referred")),
        row("none", gettext("No self-assessment"), "in_scope"),
        row("one", gettext("One self-assessment"), "in_scope"),
        row("two_or_more", gettext("Two or more self-assessments"), "in_scope"),
        row("reached", gettext("… of them with ordinary hours"), "two_or_more"),
        row("not_reached", gettext("… of them without ordinary hours"), "two_or_more"),
    ]
    return Table(
        key="assessed", title=gettext("Citizens assessed"), columns=site_columns(scope), rows=rows,
        total_column=len(scope.sites), first_column_label=gettext("Citizens"),
        sums=[("in_scope", ["none", "one", "two_or_more"]), ("two_or_more", ["reached", "not_reached"])],
        note=gettext("Self-assessments dated on or before the date. Ordinary hours: paid hours registered by the date."),
    )


def per_month_table(scope, counts):
    months = month_starts(scope.on)
    rows = []
    for start in months:
        cells = [counts.get((start, site_id), 0) for site_id in scope.site_ids]
        rows.append(Row(start.isoformat(), date_format(start, "YEAR_MONTH_FORMAT"), [*cells, sum(cells)], additive=True))
    totals = [sum(row.cells[index] for row in rows) for index in range(len(scope.sites) + 1)]
    rows.append(Row("all", gettext("All twelve months"), totals, additive=True))
    return Table(
        key="per_month", title=gettext("Self-assessments per month"), columns=site_columns(scope), rows=rows,
        total_column=len(scope.sites), first_column_label=gettext("Month"),
        sums=[("all", [start.isoformat() for start in months])],
        note=gettext("The last month is counted up to the date."),
    )


def change_chart(by_group):
    reached, not_reached = group_labels()
    categories = [dimension_label(d) for d in DIMENSIONS]
    series = {
        f"{reached} (n = {by_group[True]['n']})": [by_group[True][d][2] for d in DIMENSIONS],
        f"{not_reached} (n = {by_group[False]['n']})": [by_group[False][d][2] for d in DIMENSIONS],
    }
    return charts.bars(categories, series, ylabel=gettext("Mean change (points)"), description=gettext(
        "Mean change from the first to the latest self-assessment on each of the seven questions, for citizens "
        "with ordinary hours and citizens without. Above zero is better."
    ))


def build(scope):
    by_group = progression_by_group(scope)
    report = Report(
        key="progression", title=str(TITLE), scope=scope,
        tables=[progression_table(by_group), citizens_assessed_table(scope, citizens_assessed(scope)),
                per_month_table(scope, assessments_per_month(scope))],
        notes=[
            gettext("The citizens answer seven questions on a scale from 1 (worst) to 10 (best), on a tablet or on "
                    "paper. First and latest are each citizen's first and latest self-assessment on or before the date."),
            gettext("“With ordinary hours”: the citizen has had paid ordinary hours by the date (the result goal "
                    "“employed”). Internship hours do not count."),
            gettext("The two groups are compared as they are: the table does not show that the hours caused the change."),
        ],
    )
    if by_group[True]["n"] or by_group[False]["n"]:
        report.charts.append(change_chart(by_group))
    return report
