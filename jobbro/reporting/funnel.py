"""Funnel and time to paid hours: how far the citizens got, how long each step took, and how fast hours came.

Every enrolment in scope (the programme, the chosen sites, referred_on ≤ the as-of date `on`) has one first date
per stage, each counted only when it is on or before `on`:

referred        referred_on
job goal        the first people.JobGoal of kind "goal" (a job wish is not a goal) for the citizen with
                set_on ≤ on, but never before the referral: Greatest(first set_on, referred_on)
placement       the earliest placement starts_on ≤ on
ordinary hours  the earliest Greatest(week_start, placement starts_on) ≤ on over the enrolment's timesheets with
                ordinary_hours > 0 (as "employed" in the result goals; internship hours never count)
self-sufficient the earliest Outcome with status ordinary_job or education and measured_on ≤ on

Table "Funnel", one row per stage: citizens who reached it; their share of the referred; the median of the days
from the previous stage's date to this stage's date over the citizens who reached both (None when nobody did;
negative when this stage came first, e.g. a placement started before the job goal was set).

Table "Time to first ordinary hours": a Kaplan–Meier estimate over the days from referral to the first ordinary
hours (a first date before the referral counts as day 0). A citizen without ordinary hours by `on` is censored at
min(on, ended_on). At week w (w × 7 days) "at risk" counts the citizens whose time (event or censoring) is ≥ w × 7
days, and the share still without ordinary hours is 100 × Π (1 − events at t / at risk at t) over the event days
t ≤ w × 7, one decimal; it is None when nobody is followed that long, unless the estimate has already reached 0.
"""

import statistics
from bisect import bisect_left
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Min, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import Outcome, OutcomeStatus
from jobbro.people.models import JobGoal
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table
from jobbro.reporting.result_goals import first_ordinary_hours, first_start

TITLE = _("Funnel and time to paid hours")
SUMMARY = _("How many citizens reached a job goal, a placement, ordinary hours and self-sufficiency, how long each "
            "step took, and how soon ordinary hours came.")

STAGES = [
    ("referred", _("Referred")),
    ("job_goal", _("Job goal set")),
    ("placement", _("Placement started")),
    ("ordinary_hours", _("Ordinary hours")),
    ("self_sufficient", _("Self-sufficient (job or education)")),
]
STAGE_KEYS = [key for key, _label in STAGES]
SURVIVAL_WEEKS = [0, 4, 8, 13, 26, 39, 52]
SELF_SUFFICIENT = [OutcomeStatus.ORDINARY_JOB, OutcomeStatus.EDUCATION]


def build(scope):
    dates = stage_dates(scope)
    survival = kaplan_meier(times_to_ordinary_hours(dates, scope.on))
    funnel = funnel_table(dates)
    return Report(
        key="funnel",
        title=str(TITLE),
        scope=scope,
        tables=[funnel, survival_table(survival)],
        charts=[funnel_chart(funnel), survival_chart(survival)],
        notes=[gettext(
            "A job goal counts from the referral at the earliest, even when it was set before. Ordinary hours count "
            "from the Monday of their week, but never before the placement starts; internship hours never count. "
            "Self-sufficient: an outcome of ordinary job or education."
        )],
    )


# --- The one query --------------------------------------------------------------------------------------------


def first_job_goal(on):
    goals = JobGoal.objects.filter(citizen=OuterRef("citizen"), kind=JobGoal.Kind.GOAL, set_on__lte=on)
    # Inside the aggregate, so a citizen without a goal gets NULL (PostgreSQL's GREATEST would skip the NULL).
    first = Min(Greatest("set_on", OuterRef("referred_on")))
    return Subquery(goals.order_by().values("citizen").annotate(first=first).values("first")[:1])


def first_self_sufficient(on):
    outcomes = Outcome.objects.filter(enrolment=OuterRef("pk"), status__in=SELF_SUFFICIENT, measured_on__lte=on)
    return Subquery(outcomes.order_by().values("enrolment").annotate(first=Min("measured_on")).values("first")[:1])


def stage_dates(scope):
    """One row of stage dates per enrolment in scope, as dicts keyed by stage plus "ended_on".

    Medians and the survival curve need each citizen's own dates, which no SQL aggregate available on both
    SQLite and PostgreSQL gives, so this is the one place that fetches a row per enrolment: a single query
    with every first date computed in the database.
    """
    on = scope.on
    return list(
        scope.enrolments()
        .annotate(
            referred=F("referred_on"),
            job_goal=first_job_goal(on),
            placement=first_start(on=on),
            ordinary_hours=first_ordinary_hours(on=on),
            self_sufficient=first_self_sufficient(on),
        )
        .order_by()
        .values(*STAGE_KEYS, "ended_on")
    )


# --- Funnel ---------------------------------------------------------------------------------------------------


def median_days(pairs):
    """The median of the days between pairs of dates, as a measure; None when there are none."""
    days = [(later - earlier).days for earlier, later in pairs]
    if not days:
        return None
    return Decimal(str(statistics.median(days))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def funnel_table(dates):
    # The counts come from the rows already fetched for the medians, so both describe exactly the same citizens.
    referred = len(dates)
    rows = []
    for index, (key, label) in enumerate(STAGES):
        reached = sum(1 for row in dates if row[key] is not None)
        median = None
        if index:
            previous = STAGE_KEYS[index - 1]
            median = median_days((row[previous], row[key]) for row in dates if row[previous] is not None and row[key] is not None)
        rows.append(Row(key=key, label=str(label), cells=[reached, Share(reached, referred), median]))
    return Table(
        key="funnel",
        title=gettext("Funnel"),
        columns=[gettext("Citizens"), gettext("Share of referred"), gettext("Median days from the previous stage")],
        rows=rows,
        note=gettext("Each citizen counts at every stage reached, in any order; the median is over the citizens "
                     "who reached both this stage and the one above it."),
        first_column_label=gettext("Stage"),
    )


def funnel_chart(table):
    return charts.bars(
        [row.label for row in table.rows],
        {gettext("Citizens"): [row.cells[0] for row in table.rows]},
        description=gettext("The number of citizens who reached each stage, from referral to self-sufficiency."),
        ylabel=gettext("Citizens"),
        horizontal=True,
    )


# --- Time to first ordinary hours (Kaplan–Meier) --------------------------------------------------------------


def times_to_ordinary_hours(dates, on):
    """(days since referral, had ordinary hours) per citizen: the first hours, or censoring at min(on, ended_on)."""
    times = []
    for row in dates:
        if row["ordinary_hours"] is not None:
            times.append((max((row["ordinary_hours"] - row["referred"]).days, 0), True))
        else:
            end = min(on, row["ended_on"]) if row["ended_on"] else on
            times.append(((end - row["referred"]).days, False))
    return times


class Survival:
    """A Kaplan–Meier estimate: the share still without the event, and the number at risk, at any day."""

    def __init__(self, times):
        self.sorted_times = sorted(time for time, _event in times)
        events = Counter(time for time, event in times if event)
        self.event_days = sorted(events)
        self.steps = []  # the estimate just after each event day
        estimate = 1.0
        for day in self.event_days:
            estimate *= 1 - events[day] / self.at_risk(day)
            self.steps.append(estimate)

    def at_risk(self, day):
        """Citizens still followed and without the event just before `day`: time (event or censoring) ≥ day."""
        return len(self.sorted_times) - bisect_left(self.sorted_times, day)

    def fraction(self, day):
        index = bisect_left(self.event_days, day + 1)  # event days ≤ day
        estimate = self.steps[index - 1] if index else 1.0
        if not self.at_risk(day) and estimate > 0:
            return None  # nobody followed this long: the estimate would only repeat the last one
        return estimate

    def percent(self, day):
        fraction = self.fraction(day)
        if fraction is None:
            return None
        return Decimal(repr(100 * fraction)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def kaplan_meier(times):
    return Survival(times)


def survival_table(survival):
    rows = [
        Row(
            key=f"week-{week}",
            label=gettext("Week %(week)s") % {"week": week},
            cells=[survival.at_risk(7 * week), survival.percent(7 * week)],
        )
        for week in SURVIVAL_WEEKS
    ]
    return Table(
        key="survival",
        title=gettext("Time to first ordinary hours"),
        columns=[gettext("Citizens still at risk"), gettext("Percent still without ordinary hours")],
        rows=rows,
        note=gettext(
            "Weeks since referral. A Kaplan–Meier estimate: citizens without ordinary hours are followed until the "
            "report date or the end of their course, whichever comes first. At risk: citizens followed at least this "
            "many weeks without ordinary hours."
        ),
        first_column_label=gettext("Weeks since referral"),
    )


def survival_chart(survival):
    weeks = [week for week in range(0, max(SURVIVAL_WEEKS) + 1) if survival.percent(7 * week) is not None]
    return charts.curve(
        weeks,
        {gettext("Without ordinary hours"): [survival.percent(7 * week) for week in weeks]},
        description=gettext("The percent of citizens still without ordinary hours, by weeks since referral."),
        xlabel=gettext("Weeks since referral"),
        ylabel=gettext("Percent without ordinary hours"),
        percent=True,
    )
