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

Queries: one for tables 1 and 2 together (portable SQL: each enrolment in scope is grouped with its counted
assessments, read through an index, into how often it was assessed and its first and latest assessment by assessed_on,
id; its first paid day comes from the report facts, jobbro/reporting/facts.py; the enrolments are then grouped by
site, how often assessed and reached, where reached is looked up only for those assessed twice, and the first and
latest scores of those are summed per group), so the sums and the counts cover the same enrolments; one for table 3,
counted per day and added up to months. Sums and counts come from the database; only the division and rounding
happen here, so the means are exact.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import ProgressionAssessment
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table, site_columns
from jobbro.reporting.models import EnrolmentFacts

TITLE = _("Progression")
SUMMARY = _(
    "The citizens' own assessments from 1 to 10, first and latest, for those who reached ordinary hours and those who did not."
)

DIMENSIONS = ProgressionAssessment.DIMENSIONS
ONE_DECIMAL = Decimal("0.1")
MONTHS = 12
ID_BITS = 40  # an assessment id below 2**40: see _assessment_order_sql


# --- The building blocks, each a query expression ----------------------------------------------------------------


def counted_assessments_in_scope(scope):
    return ProgressionAssessment.objects.filter(
        enrolment__programme=scope.programme,
        enrolment__site__in=scope.site_ids,
        enrolment__referred_on__lte=scope.on,
        enrolment__control_group=False,  # the programme's effort only (EnrolmentQuerySet.in_programme_effort)
        assessed_on__lte=scope.on,
    )


# --- Figures -------------------------------------------------------------------------------------------------------

COUNT_KEYS = ("in_scope", "none", "one", "two_or_more", "reached", "not_reached")
HOW_OFTEN = {0: "none", 1: "one", 2: "two_or_more"}


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field):
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _assessment_order_sql(alias):
    """SQL: a whole number that orders an assessment by (assessed_on, id) and holds its id in its lowest ID_BITS bits.

    The days since 1 January of year 1 (never negative) times 2**ID_BITS, plus the id (ids stay below 2**ID_BITS):
    at most about 2**60, within a 64-bit integer on both databases."""
    assessed_on, pk = (f"{alias}.{_column(ProgressionAssessment, name)}" for name in ("assessed_on", "id"))
    if connection.vendor == "sqlite":
        days = f"CAST(julianday({assessed_on}) - julianday('0001-01-01') AS INTEGER)"
    else:
        days = f"CAST({assessed_on} - DATE '0001-01-01' AS BIGINT)"
    return f"({days} * {2**ID_BITS} + {pk})"


def _per_enrolment_sql(scope):
    """One query, grouped by site × how often assessed (0, 1, 2 for two or more) × reached (only for two or more).

    Each group also carries the sums of the first and of the latest scores of its enrolments (only for two or more).
    Portable SQL (CASE, integer arithmetic); the enrolments in scope come from the ORM.

    Each enrolment in scope is joined to its counted assessments (the index (enrolment, assessed_on, id)) and to its
    report facts (a unique index) and grouped once per enrolment: how often it was assessed, its first paid day, and
    its first and its latest assessment as the MIN and the MAX of a number that orders the assessments by
    (assessed_on, id) and holds the id in its lowest bits (_assessment_order_sql); an enrolment without assessments
    keeps one row with none. The first and the latest assessment are then read by their primary key, and their scores
    summed per group. Every join goes from an enrolment or an id to an index, never from one computed step to
    another, so the plan is the same with or without the planner's statistics (a step joined to another step is
    scanned once per row on SQLite without them).
    """
    scoped_sql, scoped_params = scope.enrolments().order_by().values("id", "site_id").query.sql_with_params()
    a = ProgressionAssessment
    q = connection.ops.quote_name
    enrolment, assessed_on, pk = _column(a, "enrolment"), _column(a, "assessed_on"), _column(a, "id")
    dimensions = [_column(a, d) for d in DIMENSIONS]
    order, low_bits = _assessment_order_sql("a"), 2**ID_BITS
    paid_on = _column(EnrolmentFacts, "first_paid_on")
    sums = ", ".join(
        [f"SUM(CASE WHEN e.{q('how_often')} = 2 THEN f.{c} END)" for c in dimensions]
        + [f"SUM(CASE WHEN e.{q('how_often')} = 2 THEN l.{c} END)" for c in dimensions]
    )
    sql = f"""
WITH scores AS (  -- one row per enrolment in scope: how often assessed, its first paid day, its first and latest
    SELECT s.{q("site_id")} AS {q("site")}, MAX(ef.{paid_on}) AS {q("paid_on")}, COUNT(a.{pk}) AS {q("n")},
           MIN({order}) %% {low_bits} AS {q("first")}, MAX({order}) %% {low_bits} AS {q("latest")}
    FROM ({scoped_sql}) s
    LEFT JOIN {_table(a)} a ON a.{enrolment} = s.{q("id")} AND a.{assessed_on} <= %s
    LEFT JOIN {_table(EnrolmentFacts)} ef ON ef.{_column(EnrolmentFacts, "enrolment")} = s.{q("id")}
    GROUP BY s.{q("id")}, s.{q("site_id")}
),
flagged AS (
    SELECT {q("site")}, {q("first")}, {q("latest")},
           CASE WHEN {q("n")} = 0 THEN 0 WHEN {q("n")} >= 2 THEN 2 ELSE 1 END AS {q("how_often")},
           CASE WHEN {q("n")} >= 2 THEN ({q("paid_on")} IS NOT NULL AND {q("paid_on")} <= %s) END AS {q("reached")}
    FROM scores
)
SELECT e.{q("site")}, e.{q("how_often")}, e.{q("reached")}, COUNT(*), {sums}
FROM flagged e
LEFT JOIN {_table(a)} f ON f.{pk} = e.{q("first")}
LEFT JOIN {_table(a)} l ON l.{pk} = e.{q("latest")}
GROUP BY e.{q("site")}, e.{q("how_often")}, e.{q("reached")}
"""
    return sql, (*scoped_params, scope.on, scope.on)


def enrolment_groups(scope):
    """The grouped rows of the one query: dicts of site, how_often, reached (None unless two or more), n and the sums
    of the first and of the latest scores ({dimension: sum}, zero unless two or more)."""
    sql, params = _per_enrolment_sql(scope)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(DIMENSIONS)
    return [
        {
            "site": site,
            "how_often": how_often,
            "reached": None if how_often != 2 else bool(reached),
            "n": n,
            "first": dict(zip(DIMENSIONS, (v or 0 for v in sums[:width]), strict=True)),
            "latest": dict(zip(DIMENSIONS, (v or 0 for v in sums[width:]), strict=True)),
        }
        for site, how_often, reached, n, *sums in rows
    ]


def citizens_assessed(scope, groups=None):
    """Per site id: citizens in scope, with none / one / two or more counted assessments, and of the last reached or not.

    From the grouped rows of the one query (`groups`, read if not given); the few rows are added up here.
    """
    counts = {}
    for row in enrolment_groups(scope) if groups is None else groups:
        site = counts.setdefault(row["site"], dict.fromkeys(COUNT_KEYS, 0))
        how_often = HOW_OFTEN[row["how_often"]]
        site["in_scope"] += row["n"]
        site[how_often] += row["n"]
        if how_often == "two_or_more":
            site["reached" if row["reached"] else "not_reached"] += row["n"]
    return counts


def mean(total, n):
    """An exact mean rounded half away from zero to one decimal, or None for an empty group."""
    if not n:
        return None
    return (Decimal(total) / Decimal(n)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def progression_by_group(scope, groups=None):
    """{reached: {"n": n, dimension: (mean first, mean latest, mean change)}} for reached True and False.

    First and latest sums come from the same query (`groups`, read if not given), so they cover the same enrolments.
    """
    totals = {
        reached: {"n": 0, "first": dict.fromkeys(DIMENSIONS, 0), "latest": dict.fromkeys(DIMENSIONS, 0)}
        for reached in (True, False)
    }
    for row in enrolment_groups(scope) if groups is None else groups:
        if row["how_often"] != 2:
            continue
        group = totals[row["reached"]]
        group["n"] += row["n"]
        for dimension in DIMENSIONS:
            group["first"][dimension] += row["first"][dimension]
            group["latest"][dimension] += row["latest"][dimension]
    result = {}
    for reached, group in totals.items():
        n = group["n"]
        result[reached] = {"n": n}
        for dimension in DIMENSIONS:
            first_sum, last_sum = group["first"][dimension], group["latest"][dimension]
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
    """{(month start, site id): count} of counted assessments of enrolments in scope in the last twelve months.

    Counted per day and site in the database (at most 366 days × the sites), and the days added up to their months
    here: a month function in the query would run once per assessment, on SQLite as a Python function."""
    rows = (
        counted_assessments_in_scope(scope)
        .filter(assessed_on__gte=month_starts(scope.on)[0])
        .order_by()
        .values("assessed_on", "enrolment__site")
        .annotate(n=Count("id"))
    )
    counts = defaultdict(int)
    for row in rows:
        day = _as_date(row["assessed_on"])
        counts[(day.replace(day=1), row["enrolment__site"])] += row["n"]
    return dict(counts)


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


# --- Tables --------------------------------------------------------------------------------------------------------


def group_labels():
    return gettext("With ordinary hours"), gettext("Without ordinary hours")


def progression_table(by_group):
    reached, not_reached = group_labels()
    columns = [
        f"{group}: {part}"
        for group in (reached, not_reached)
        for part in (gettext("first"), gettext("latest"), gettext("change"))
    ]
    rows = [
        Row(
            dimension,
            ProgressionAssessment.dimension_label(dimension),
            [*by_group[True][dimension], *by_group[False][dimension]],
        )
        for dimension in DIMENSIONS
    ]
    n_true, n_false = by_group[True]["n"], by_group[False]["n"]
    rows.append(Row("citizens", gettext("Citizens with two or more assessments"), [n_true] * 3 + [n_false] * 3))
    return Table(
        key="progression",
        title=gettext("Progression by dimension"),
        columns=columns,
        rows=rows,
        first_column_label=gettext("Dimension"),
        note=gettext(
            "Mean scores from 1 (worst) to 10 (best) at the first and the latest self-assessment, and the mean "
            "change between them. Only citizens with two or more self-assessments by the date are included."
        ),
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
        key="assessed",
        title=gettext("Citizens assessed"),
        columns=site_columns(scope),
        rows=rows,
        total_column=len(scope.sites),
        first_column_label=gettext("Citizens"),
        sums=[("in_scope", ["none", "one", "two_or_more"]), ("two_or_more", ["reached", "not_reached"])],
        note=gettext(
            "Self-assessments dated on or before the date. Ordinary hours: paid hours registered by the date."
        ),
    )


def per_month_table(scope, counts):
    months = month_starts(scope.on)
    rows = []
    for start in months:
        cells = [counts.get((start, site_id), 0) for site_id in scope.site_ids]
        rows.append(
            Row(start.isoformat(), date_format(start, "YEAR_MONTH_FORMAT"), [*cells, sum(cells)], additive=True)
        )
    totals = [sum(row.cells[index] for row in rows) for index in range(len(scope.sites) + 1)]
    rows.append(Row("all", gettext("All twelve months"), totals, additive=True))
    return Table(
        key="per_month",
        title=gettext("Self-assessments per month"),
        columns=site_columns(scope),
        rows=rows,
        total_column=len(scope.sites),
        first_column_label=gettext("Month"),
        sums=[("all", [start.isoformat() for start in months])],
        note=gettext("The last month is counted up to the date."),
    )


def change_chart(by_group):
    reached, not_reached = group_labels()
    categories = [ProgressionAssessment.dimension_label(d) for d in DIMENSIONS]
    series = {
        f"{reached} (n = {by_group[True]['n']})": [by_group[True][d][2] for d in DIMENSIONS],
        f"{not_reached} (n = {by_group[False]['n']})": [by_group[False][d][2] for d in DIMENSIONS],
    }
    return charts.bars(
        categories,
        series,
        ylabel=gettext("Mean change (points)"),
        description=gettext(
            "Mean change from the first to the latest self-assessment on each of the seven questions, for citizens "
            "with ordinary hours and citizens without. Above zero is better."
        ),
    )


def build(scope):
    groups = enrolment_groups(scope)
    by_group = progression_by_group(scope, groups)
    report = Report(
        key="progression",
        title=str(TITLE),
        scope=scope,
        tables=[
            progression_table(by_group),
            citizens_assessed_table(scope, citizens_assessed(scope, groups)),
            per_month_table(scope, assessments_per_month(scope)),
        ],
        notes=[
            gettext(
                "The citizens answer seven questions on a scale from 1 (worst) to 10 (best), on a tablet or on "
                "paper. First and latest are each citizen's first and latest self-assessment on or before the date."
            ),
            gettext(
                "“With ordinary hours”: the citizen has had paid ordinary hours by the date (the result goal "
                "“employed”). Internship hours do not count."
            ),
            gettext(
                "The two groups are compared as they are: the table does not show that the hours caused the change."
            ),
        ],
    )
    if by_group[True]["n"] or by_group[False]["n"]:
        report.charts.append(change_chart(by_group))
    return report
