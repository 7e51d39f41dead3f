"""Weekly hours: the citizen's own estimate at referral against the hours actually registered, in three bands.

The unit is an enrolment (a citizen's course in the programme) at a site in scope, active on the as-of date `on`:
`referred_on` ≤ `on` and no end form, or an end form dated after `on`.

bands                       up to 10 hours (≤ 10), up to 20 hours (> 10 and ≤ 20), above 20 hours (> 20)
estimated                   Enrolment.estimated_weekly_hours, the citizen's estimate recorded at referral. It may
                            be missing (not given): such a citizen is in no estimated band and not in the estimated
                            columns' citizens or average, and the table says for how many the estimate was given
                            ("given for 84 of 100"); a missing estimate is never counted as 0 hours.
the window                  the 4 ISO weeks up to and including the week of `on`: timesheets with
                            `monday(on)` − 21 days ≤ `week_start` ≤ `on`, in placements with `starts_on` ≤ `on`
a week with hours           a week in the window whose timesheets (all the enrolment's placements together) hold
                            ordinary + internship hours > 0
actual weekly hours         for an enrolment with at least one week with hours: the hours of each such week summed
                            over all its placements, averaged over those weeks, where hours = ordinary + internship.
                            An enrolment with no week with hours has no actual figure.
ordinary weekly hours       the same average over the same weeks, of ordinary paid hours only (0 for a citizen with
                            internship hours only, who is then in "up to 10 hours")

Estimated and actual are banded separately: "estimated (citizens with actual hours)" bands the estimates of just
the citizens who have an actual figure, so it compares like with like.

The average of per-week sums equals the window's total hours divided by the number of weeks with hours (a week
without hours adds nothing to the total), so each enrolment's figures are one grouped sum; bands compare the total
with 10 or 20 times the number of weeks, counted in tenths of an hour so the edges (10.0, 20.0) are exact on
SQLite's floating point as on PostgreSQL's numeric.

By target group: one row per target group (Citizen.target_groups) with active citizens in scope, plus "No target
group"; a citizen in two target groups is counted in both rows, so the rows do not add up to all citizens.

One SQL statement (portable to SQLite and PostgreSQL) gives every figure: the active enrolments with their bands,
grouped by the three bands, and again by target group and band.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.accounts.models import TargetGroup
from jobbro.cases.models import Placement, Timesheet
from jobbro.people.models import Citizen
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table

TITLE = _("Weekly hours")
SUMMARY = _(
    "The citizens' own estimate of weekly hours at referral against the hours registered in the last four "
    "weeks, in bands up to 10, up to 20 and above 20 hours."
)

BANDS = ("up_to_10", "up_to_20", "above_20")
BAND_LIMITS = (10, 20)
WINDOW_WEEKS = 4
CITIZENS_KEY = "citizens"
GIVEN_KEY = "estimate_given"
ESTIMATED_COLUMNS = ("estimated_all", "estimated_with_actual")
AVERAGE_KEY = "average"
NO_TARGET_GROUP_KEY = "no-target-group"


def band_labels():
    return {
        "up_to_10": gettext("Up to 10 hours"),
        "up_to_20": gettext("Up to 20 hours"),
        "above_20": gettext("Above 20 hours"),
    }


def window_start(on):
    """The Monday three weeks before the week of `on`: four ISO weeks in all."""
    return on - datetime.timedelta(days=on.weekday() + 7 * (WINDOW_WEEKS - 1))


# --- The SQL -----------------------------------------------------------------------------------------------------


def _q(name):
    return connection.ops.quote_name(name)


def _band_sql(tenths, weeks="1"):
    """Band 1, 2 or 3 for an average of `tenths` / 10 / `weeks` hours; NULL when there is nothing to band."""
    low, high = (10 * limit for limit in BAND_LIMITS)
    return (
        f"CASE WHEN {tenths} <= {low} * {weeks} THEN 1 WHEN {tenths} <= {high} * {weeks} THEN 2 "
        f"WHEN {tenths} > {high} * {weeks} THEN 3 END"
    )


def _figures_sql(scope):
    """One statement, one row per group: the active enrolments banded, grouped by their three bands ('bands'),
    and by target group with the estimated and actual bands ('groups')."""
    citizens_sql, citizens_params = (
        scope.enrolments()
        .active_on(scope.on)
        .order_by()
        .values("id", "citizen_id", "estimated_weekly_hours")
        .query.sql_with_params()
    )
    timesheet, placement = _q(Timesheet._meta.db_table), _q(Placement._meta.db_table)
    through = Citizen.target_groups.through
    membership = _q(through._meta.db_table)
    member, group = (_q(through._meta.get_field(name).column) for name in ("citizen", "targetgroup"))
    # Hours in tenths of an hour, whole numbers on both databases (hours have one decimal).
    total = "ROUND((t.ordinary_hours + t.internship_hours) * 10)"
    ordinary = "ROUND(t.ordinary_hours * 10)"
    # Each enrolment's hours in the window, grouped once together with the enrolments in scope: the enrolments and
    # the window's timesheets are stacked (UNION ALL) and grouped by enrolment, so no step is ever joined to another
    # without an index, whatever the planner's statistics say. The timesheets are found by week through the
    # week_start index and their placement by its primary key; rows of enrolments out of scope are grouped away.
    sql = f"""
        WITH citizens (enrolment_id, citizen_id, estimated) AS ({citizens_sql}),
        stacked (enrolment_id, citizen_id, estimated, in_scope, total_tenths, ordinary_tenths, week) AS (
            SELECT enrolment_id, citizen_id, estimated, 1, 0, 0, CAST(NULL AS DATE) FROM citizens
            UNION ALL
            SELECT p.enrolment_id, NULL, NULL, 0, {total}, {ordinary},
                   CASE WHEN t.ordinary_hours + t.internship_hours > 0 THEN t.week_start END
            FROM {timesheet} t
            JOIN {placement} p ON p.id = t.placement_id
            WHERE t.week_start >= %s AND t.week_start <= %s AND p.starts_on <= %s
        ),
        weekly_hours AS (
            SELECT enrolment_id, MAX(citizen_id) AS citizen_id, MAX(estimated) AS estimated,
                   SUM(total_tenths) AS total_tenths, SUM(ordinary_tenths) AS ordinary_tenths,
                   COUNT(DISTINCT week) AS weeks
            FROM stacked
            GROUP BY enrolment_id
            HAVING MAX(in_scope) = 1
        ),
        banded AS (
            SELECT h.enrolment_id, h.citizen_id, h.estimated,
                   {_band_sql("ROUND(h.estimated * 10)")} AS estimated_band,
                   CASE WHEN h.weeks > 0 THEN {_band_sql("h.total_tenths", "h.weeks")} END AS actual_band,
                   CASE WHEN h.weeks > 0 THEN {_band_sql("h.ordinary_tenths", "h.weeks")} END AS ordinary_band,
                   CASE WHEN h.weeks > 0 THEN h.total_tenths / (10.0 * h.weeks) END AS actual_average,
                   CASE WHEN h.weeks > 0 THEN h.ordinary_tenths / (10.0 * h.weeks) END AS ordinary_average
            FROM weekly_hours h
        )
        SELECT 'bands', CAST(NULL AS BIGINT), estimated_band, actual_band, ordinary_band, COUNT(*),
               SUM(estimated), SUM(actual_average), SUM(ordinary_average)
        FROM banded
        GROUP BY estimated_band, actual_band, ordinary_band
        UNION ALL
        SELECT 'groups', g.{group}, b.estimated_band, b.actual_band, NULL, COUNT(*), NULL, NULL, NULL
        FROM banded b
        LEFT JOIN {membership} g ON g.{member} = b.citizen_id
        GROUP BY g.{group}, b.estimated_band, b.actual_band
    """
    dates = [connection.ops.adapt_datefield_value(day) for day in (window_start(scope.on), scope.on, scope.on)]
    return sql, [*citizens_params, *dates]


def _band_key(number):
    return BANDS[number - 1] if number else None


# --- The figures -------------------------------------------------------------------------------------------------


COLUMNS = ("estimated_all", "estimated_with_actual", "actual", "ordinary")


@dataclass
class Figures:
    """`columns`: per column of the first table {"citizens": n, "sum": the averages added up, band: count, "all": the
    citizens of the column with or without an estimate};
    `groups`: {target group id or None: {"estimated": {band: n}, "actual": {band: n}}}."""

    columns: dict
    groups: dict


def weekly_hours_figures(scope):
    """Every figure of the report, from one query."""
    with connection.cursor() as cursor:
        cursor.execute(*_figures_sql(scope))
        rows = cursor.fetchall()
    figures = Figures(
        columns={column: {"citizens": 0, "all": 0, "sum": Decimal(0), **dict.fromkeys(BANDS, 0)} for column in COLUMNS},
        groups={},
    )
    for part, group_id, estimated_band, actual_band, ordinary_band, count, estimated, actual, ordinary in rows:
        if part == "bands":
            _add_to_columns(
                figures.columns, estimated_band, actual_band, ordinary_band, count, estimated, actual, ordinary
            )
        else:
            _add_to_group(figures.groups, group_id, estimated_band, actual_band, count)
    return figures


def _add_to_columns(columns, estimated_band, actual_band, ordinary_band, count, estimated, actual, ordinary):
    def add(column, band, hours):
        columns[column]["all"] += count
        if column in ESTIMATED_COLUMNS and estimated is None:
            return  # the estimate was not given: counted in "all" only, never as 0 hours
        columns[column]["citizens"] += count
        columns[column]["sum"] += Decimal(str(hours or 0))
        if band:
            columns[column][_band_key(band)] += count

    add("estimated_all", estimated_band, estimated)
    if actual_band is None:
        return  # no actual figure: only in the first column
    add("estimated_with_actual", estimated_band, estimated)
    add("actual", actual_band, actual)
    add("ordinary", ordinary_band, ordinary)


def _add_to_group(groups, group_id, estimated_band, actual_band, count):
    figures = groups.setdefault(group_id, {"estimated": dict.fromkeys(BANDS, 0), "actual": dict.fromkeys(BANDS, 0)})
    if estimated_band:
        figures["estimated"][_band_key(estimated_band)] += count
    if actual_band:
        figures["actual"][_band_key(actual_band)] += count


# --- The tables --------------------------------------------------------------------------------------------------


def _average(figures):
    if not figures["citizens"]:
        return None
    return (figures["sum"] / figures["citizens"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def estimate_given_text(column):
    """ "Given for 84 of 100 citizens": how many of a column's citizens gave their own estimate."""
    return gettext("Given for %(given)s of %(all)s citizens.") % {"given": column["citizens"], "all": column["all"]}


def hours_table(figures):
    figures = figures.columns
    labels = band_labels()
    rows = [
        Row(band, labels[band], [Share(figures[column][band], figures[column]["citizens"]) for column in COLUMNS])
        for band in BANDS
    ]
    rows.append(Row(CITIZENS_KEY, gettext("Citizens"), [figures[column]["citizens"] for column in COLUMNS]))
    rows.append(
        Row(
            GIVEN_KEY,
            gettext("Own estimate given"),
            [
                Share(figures[column]["citizens"], figures[column]["all"]) if column in ESTIMATED_COLUMNS else None
                for column in COLUMNS
            ],
            note=estimate_given_text(figures["estimated_all"]),
        )
    )
    rows.append(Row(AVERAGE_KEY, gettext("Average weekly hours"), [_average(figures[column]) for column in COLUMNS]))
    return Table(
        key="hours",
        title=gettext("Estimated and actual weekly hours"),
        columns=[
            gettext("Estimated, all active citizens"),
            gettext("Estimated, citizens with actual hours"),
            gettext("Actual hours in placements"),
            gettext("Of which ordinary paid hours"),
        ],
        rows=rows,
        # Every citizen in a column is in exactly one band.
        sums=[(CITIZENS_KEY, list(BANDS))],
        first_column_label=gettext("Weekly hours"),
        note=gettext(
            "Citizens active on the date. Estimated: the citizen's own estimate at referral, of the citizens who "
            "gave one (a missing estimate is not 0 hours). Actual: the average "
            "of the weeks with hours registered in the four weeks up to and including the week of the date, all "
            "placements of a week added together; ordinary and internship hours count, and ordinary paid hours "
            "are also shown alone (a citizen with internship hours only has 0 ordinary hours). Citizens without "
            "hours in those weeks have no actual figure."
        ),
    )


def target_group_table(figures):
    groups = figures.groups
    names = TargetGroup.objects.in_bulk([pk for pk in groups if pk is not None])
    ordered = sorted(names.values(), key=lambda group: (group.name.casefold(), group.pk))
    keyed = [(f"target-group-{group.pk}", group.name, groups[group.pk]) for group in ordered]
    if None in groups:
        keyed.append((NO_TARGET_GROUP_KEY, gettext("No target group"), groups[None]))
    labels = band_labels()
    return Table(
        key="target_groups",
        title=gettext("By target group"),
        columns=[gettext("Estimated: %(band)s") % {"band": labels[band]} for band in BANDS]
        + [gettext("Actual: %(band)s") % {"band": labels[band]} for band in BANDS],
        rows=[
            Row(
                key, label, [figures["estimated"][band] for band in BANDS] + [figures["actual"][band] for band in BANDS]
            )
            for key, label, figures in keyed
        ],
        first_column_label=gettext("Target group"),
        note=gettext(
            "Citizens active on the date; actual bands only for citizens with hours registered in the four weeks. "
            "A citizen in more than one target group is counted in each of them, so the rows do not add up to "
            "the citizens in the first table."
        ),
    )


def band_chart(table):
    categories = [table.row(band).label for band in BANDS]
    series = {
        table.columns[index]: [table.cell(band, index).percent or 0 for band in BANDS]
        for index in (COLUMNS.index("estimated_with_actual"), COLUMNS.index("actual"), COLUMNS.index("ordinary"))
    }
    return charts.bars(
        categories,
        series,
        ylabel=gettext("Percent of citizens with actual hours"),
        description=gettext(
            "Bars for each band of weekly hours: the citizens' own estimate, the actual hours and "
            "the ordinary paid hours, as percentages of the citizens with actual hours."
        ),
    )


def build(scope):
    figures = weekly_hours_figures(scope)
    table = hours_table(figures)
    return Report(
        key="hours",
        title=str(TITLE),
        scope=scope,
        tables=[table, target_group_table(figures)],
        charts=[band_chart(table)],
        notes=[
            gettext("Bands: up to 10 hours a week; more than 10 and up to 20; more than 20."),
            gettext("The citizen's own estimate of weekly hours: %(given)s") % {"given": table.row(GIVEN_KEY).note},
            gettext(
                "Actual hours are ordinary and internship hours together; ordinary paid hours are also shown "
                "alone, since internship hours are not paid work."
            ),
        ],
    )
