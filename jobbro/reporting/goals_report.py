"""Result goals: each target of the programme with the figure reached, the forecast and the progress over time.

The figures are those of jobbro/reporting/result_goals.py, counted at the scope's sites only (the targets are
the programme's, so with some sites chosen a note says so):

referred            = enrolments with started_on ≤ d (the start form filled; referred without one does not count)
matched and started = enrolments with a placement whose starts_on ≤ d
employed            = enrolments with a timesheet with ordinary_hours > 0 whose Greatest(week_start, placement
                      starts_on) ≤ d (internship hours never count)

Table "Result goals", one row per ResultGoal (metric and deadline), as of d = min(as-of date, deadline):
reached; of (a percent goal's denominator; empty for a number goal); target; percent of target (100 × reached / target, one decimal rounded half up, may pass 100: beating a
target is allowed); social-economic, i.e. of which in social-economic companies (matched and started / employed counting only placements at
companies of kind social_economic; shown for goals with a social-economic target, as a part of reached so a
part above its whole is flagged); the social-economic target; the forecast at the deadline (in whole people, rounded half up; linear at the pace
of the last 90 days ending on the as-of date, or since the programme start if shorter; once the deadline is
reached, the figure at the deadline); on track: "reached" when reached ≥ target, else "deadline passed" after
the deadline, else "yes" when the forecast ≥ target and "no" otherwise.

Goals for one site, for one target group or both, and percent goals (a share of those referred or of those
receiving active effort, with numerator and denominator shown; see result_goals.py) are rows of the same table:
payment criteria first, then the programme's goals, then those per site and per target group. A site's goal is shown
only when its site is among the chosen sites. A percent goal's target reads as a percent, it has no percent of
target, social-economic part or forecast, and "on track" is "reached" when the share is at least the target, else
"deadline passed" after the deadline, else "below target".

Table "Progress over time": one row per month end from the month of the programme start (or of the first
start form at the chosen sites, if earlier) to the as-of date, the last row being the as-of date itself, at most
the last 36 rows; the three figures cumulative as of that day. Both tables are counted by the same two queries
(see result_goals.py), so the last row equals the goals' figures for the as-of date.
"""

import calendar
import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.accounts.models import ResultGoal
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table
from jobbro.reporting.result_goals import METRIC_ORDER, Figures, Standing, days_for_goals, ordered_goals, progress

TITLE = _("Result goals")
SUMMARY = _(
    "Referred, matched and started, and employed against the programme's targets, with a forecast at each deadline."
)

MAX_MONTHS = 36
# Short names for the progress columns and the chart, where the deadline or the table note gives the rest.
SHORT_NAMES = {
    ResultGoal.Metric.REFERRED: _("Referred"),
    ResultGoal.Metric.MATCHED_AND_STARTED: _("Matched and started"),
    ResultGoal.Metric.EMPLOYED: _("Employed"),
}


def build(scope):
    programme, on = scope.programme, scope.on
    figures = Figures(programme, scope.sites)
    goals = ordered_goals(programme)
    days = month_ends(first_month(programme, figures.referred.first_day), on)
    # The programme's own number goals share one query with the progress over time; goals per site or target group,
    # and percent goals, are counted by their own (result_goals.progress).
    charted = [goal for goal in goals if goal.is_programme_wide and not goal.is_share]
    goal_days, social_days = days_for_goals(charted, on, programme.starts_on)
    figures.count(set(days) | goal_days, social_days)  # one query for every day either table needs
    rows = progress(programme, on, sites=scope.sites, figures=figures, goals=goals)
    series = {metric: [figures.as_of(metric, day) for day in days] for metric in METRIC_ORDER}
    charted_rows = [row for row in rows if row.goal.is_programme_wide and not row.goal.is_share]
    return Report(
        key="result-goals",
        title=str(TITLE),
        scope=scope,
        tables=[goals_table(rows), progress_table(days, series)],
        charts=[progress_chart(days, series, charted_rows, on)],
        notes=notes(scope, rows),
    )


# --- The goals ------------------------------------------------------------------------------------------------

GOAL_COLUMNS = [
    _("Reached"),
    _("Of (denominator)"),
    _("Target"),
    _("% of target"),
    _("Social-economic"),
    _("Social-economic target"),
    _("Forecast"),
    _("On track"),
]


def standing_label(standing):
    return {
        Standing.REACHED: gettext("reached"),
        Standing.ON_TRACK: gettext("yes"),
        Standing.BEHIND: gettext("no"),
        Standing.DEADLINE_PASSED: gettext("deadline passed"),
        Standing.BELOW: gettext("below target"),
    }[standing]


SHARE_NAMES = {
    ResultGoal.Kind.SHARE_OF_REFERRED: _("%(metric)s, percent of those referred"),
    ResultGoal.Kind.SHARE_OF_ACTIVE: _("%(metric)s, percent of those receiving active effort"),
}


def goal_label(goal):
    """The goal as a row label: its result (and for a percent goal, of whom) by its deadline, then for whom, with the
    payment criterion named first."""
    metric = SHORT_NAMES[goal.metric]
    if goal.is_share:
        metric = SHARE_NAMES[goal.kind] % {"metric": metric}
    label = gettext("%(metric)s by %(deadline)s") % {
        "metric": metric,
        "deadline": date_format(goal.deadline, "SHORT_DATE_FORMAT"),
    }
    scope = [name for name in (goal.site and goal.site.name, goal.target_group and goal.target_group.name) if name]
    if scope:
        label = f"{label} · {' · '.join(scope)}"
    if goal.payment_criterion:
        label = gettext("Payment criterion: %(goal)s") % {"goal": label}
    return label


def goal_key(goal):
    """The row's key: the result and deadline, and for any other goal than the programme's number goals what else
    sets it apart."""
    key = f"{goal.metric}-{goal.deadline.isoformat()}"
    if goal.is_share:
        key += f"-{goal.kind}"
    if goal.site_id:
        key += f"-site-{goal.site_id}"
    if goal.target_group_id:
        key += f"-group-{goal.target_group.code}"
    return key


def target_text(goal):
    """A percent goal's target reads as a percent (a text cell); a number goal's is the number."""
    if goal.is_share:
        return gettext("%(target)s %%") % {"target": goal.target}
    return goal.target


def goal_row(row):
    goal = row.goal
    if row.share is not None:
        # The share with its numerator and denominator: one above 100 % is flagged by Table.problems, never shown.
        reached, social = row.share, None
    else:
        reached = row.actual
        # The social-economic part as a share of all reached: a part above its whole is flagged by Table.problems.
        social = Share(row.social_economic_actual, row.actual) if row.social_economic_actual is not None else None
    return Row(
        key=goal_key(goal),
        label=goal_label(goal),
        cells=[
            reached,
            row.share.whole if row.share is not None else None,
            target_text(goal),
            row.percent,
            social,
            goal.social_economic_target,
            row.forecast,
            standing_label(row.standing),
        ],
    )


def goals_table(goals):
    return Table(
        key="goals",
        title=gettext("Result goals"),
        columns=[str(column) for column in GOAL_COLUMNS],
        rows=[goal_row(row) for row in goals],
        note=gettext(
            "Each goal is counted as of its deadline, or as of the report date if that comes first. Social-economic: "
            "those of the reached counted in placements at social-economic companies. The forecast, at the "
            "deadline, continues the pace of the last 90 days (or since the programme start). A percent goal shows "
            "those who reached the result and, in brackets, their percent of the goal's denominator; it is reached "
            "when that percent is at least the target, and has no forecast."
        )
        if goals
        else gettext("The programme has no result goals yet."),
        first_column_label=gettext("Goal"),
    )


# --- Progress over time ---------------------------------------------------------------------------------------


def first_month(programme, first_start_form):
    start = programme.starts_on
    return min(start, first_start_form) if first_start_form else start


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(start, on, limit=MAX_MONTHS):
    """Every month end from `start`'s month until before `on`, then `on` itself; the last `limit` of them."""
    days = []
    day = month_end(start)
    while day < on:
        days.append(day)
        day = month_end(day + datetime.timedelta(days=1))
    days.append(on)
    return days[-limit:]


def progress_table(days, series):
    return Table(
        key="progress",
        title=gettext("Progress over time"),
        columns=[str(SHORT_NAMES[metric]) for metric in METRIC_ORDER],
        rows=[
            Row(
                key=day.isoformat(),
                label=date_format(day, "SHORT_DATE_FORMAT"),
                cells=[series[metric][index] for metric in METRIC_ORDER],
            )
            for index, day in enumerate(days)
        ],
        note=gettext("Cumulative figures at each month end; the last row is the report date."),
        first_column_label=gettext("Date"),
    )


def forecast_lines(goals, on):
    """{metric: ((on, deadline), (figure on `on`, forecast))} for each metric with a deadline after `on`.

    The forecast is linear at one pace (result_goals.forecast), so the goals of a metric lie on one line: the line to
    its last deadline passes through the forecasts at the earlier ones. A goal whose deadline is still ahead is counted
    as of `on`, so its figure reached is where the line starts. A metric whose deadlines have all passed has no line."""
    last_open = {}
    for row in goals:
        metric = row.goal.metric
        if row.goal.deadline > on and (metric not in last_open or row.goal.deadline > last_open[metric].goal.deadline):
            last_open[metric] = row
    return {metric: ((on, row.goal.deadline), (row.actual, row.forecast)) for metric, row in last_open.items()}


def progress_chart(days, series, goals, on):
    # Each target is marked in its metric's colour, at its deadline; the forecast runs dashed to the last deadline.
    targets = [
        (row.goal.deadline, row.goal.target, target_label(row.goal), str(SHORT_NAMES[row.goal.metric])) for row in goals
    ]
    forecasts = [
        (str(SHORT_NAMES[metric]), dates, values, forecast_label(metric))
        for metric, (dates, values) in forecast_lines(goals, on).items()
    ]
    return charts.lines(
        days,
        {str(SHORT_NAMES[metric]): values for metric, values in series.items()},
        description=gettext(
            "Referred, matched and started, and employed, cumulative at each month end, with the targets marked "
            "at their deadlines and the forecast drawn dashed from the report date to the last deadline."
        ),
        ylabel=gettext("Citizens"),
        targets=targets,
        forecasts=forecasts,
    )


def forecast_label(metric):
    return gettext("Forecast: %(metric)s") % {"metric": SHORT_NAMES[metric]}


def target_label(goal):
    return gettext("Target: %(metric)s by %(deadline)s") % {
        "metric": SHORT_NAMES[goal.metric],
        "deadline": date_format(goal.deadline, "SHORT_DATE_FORMAT"),
    }


def notes(scope, rows=()):
    found = [
        gettext(
            "Referred: the start form is dated on or before the day. Matched and started: a placement has started. "
            "Employed: ordinary paid hours are registered in a week of a started placement; internship hours never "
            "count. Each citizen counts once, and still counts after the course ends."
        )
    ]
    if not scope.all_sites:
        found.append(gettext("Only the chosen sites are counted, but the targets are the whole programme's."))
    if any(not row.goal.is_programme_wide for row in rows):
        found.append(
            gettext(
                "A goal for a site counts only that site's citizens, and a goal for a target group only the citizens "
                "in that group; the chart shows the programme's number goals only."
            )
        )
    if any(row.goal.payment_criterion for row in rows):
        found.append(gettext("A payment criterion is a goal the funder pays by; it is listed first."))
    return found
