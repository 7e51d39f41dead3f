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

import datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import connection
from django.db.models import Case, DateField, F, Min, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import Outcome, OutcomeStatus
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table

TITLE = _("Funnel and time to paid hours")
SUMMARY = _(
    "How many citizens reached a job goal, a placement, ordinary hours and self-sufficiency, how long each "
    "step took, and how soon ordinary hours came."
)

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
        notes=[
            gettext(
                "A job goal counts from the referral at the earliest, even when it was set before. Ordinary hours count "
                "from the Monday of their week, but never before the placement starts; internship hours never count. "
                "Self-sufficient: an outcome of ordinary job or education."
            )
        ],
    )


# --- The one query --------------------------------------------------------------------------------------------


def first_self_sufficient(scoped, on):
    """Per enrolment in scope with such an outcome: the earliest ordinary job or education outcome."""
    outcomes = Outcome.objects.filter(
        enrolment__in=scoped.values("pk"), status__in=SELF_SUFFICIENT, measured_on__lte=on
    )
    return outcomes.order_by().values(key=F("enrolment")).annotate(first=Min("measured_on"))


_EPOCH = datetime.date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min  # NaT as datetime64


def _days(values):
    """Dates (SQLite hands them back as ISO text) as an array of datetime64 days, NaT for NULL."""
    if isinstance(next((value for value in values if value is not None), None), str):
        return np.array(["NaT" if value is None else value for value in values], dtype="datetime64[D]")
    days = (_NAT if value is None else value.toordinal() - _EPOCH for value in values)
    return np.fromiter(days, dtype=np.int64, count=len(values)).view("datetime64[D]")


def stage_dates(scope):
    """The stage dates of every enrolment in scope: one array of days (NaT when not reached) per stage plus
    "ended_on", all in the same enrolment order.

    Medians and the survival curve need each citizen's own dates, which no SQL aggregate available on both
    SQLite and PostgreSQL gives, so this is the one place that fetches a row per enrolment: a single query
    with every first date computed in the database. The first job goal, placement start and paid day are report
    facts kept per enrolment (the job goal lifted to the referral here); the first self-sufficient outcome is
    grouped once by enrolment and joined, rather than looked up per enrolment.
    """
    on = scope.on
    scoped = scope.enrolments().order_by()

    # The first job goal, start and paid day are facts kept per enrolment (jobbro/reporting/facts.py); a first date
    # is on or before `on` exactly when any is.
    def by_on(fact):
        return Case(When(**{f"facts__{fact}__lte": on}, then=F(f"facts__{fact}")), output_field=DateField())

    base = scoped.values(
        key=F("pk"),
        referred=F("referred_on"),
        ended=F("ended_on"),
        goal=by_on("first_job_goal_on"),
        placement=by_on("first_start_on"),
        paid=by_on("first_paid_on"),
    )
    quote = connection.ops.quote_name
    parts = [  # (subquery, its columns, the outer column it joins on)
        (first_self_sufficient(scoped, on), ["first"], "key"),
    ]
    base_sql, params = base.query.sql_with_params()
    params = list(params)
    columns = [f"e.{quote(name)}" for name in ("referred", "ended", "goal", "placement", "paid")]
    joins = []
    for index, (queryset, names, outer) in enumerate(parts):
        sql, part_params = queryset.query.sql_with_params()
        joins.append(f"LEFT JOIN ({sql}) s{index} ON s{index}.{quote('key')} = e.{quote(outer)}")
        columns.extend(f"s{index}.{quote(name)}" for name in names)
        params.extend(part_params)
    sql = f"SELECT {', '.join(columns)} FROM ({base_sql}) e {' '.join(joins)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    referred, ended_on, goal, placement, ordinary_hours, self_sufficient = (
        _days([row[index] for row in rows]) for index in range(6)
    )
    return {
        "referred": referred,
        "job_goal": np.maximum(goal, referred),  # NaT (no goal) stays NaT
        "placement": placement,
        "ordinary_hours": ordinary_hours,
        "self_sufficient": self_sufficient,
        "ended_on": ended_on,
    }


# --- Funnel ---------------------------------------------------------------------------------------------------


def median_days(earlier, later):
    """The median of the days from `earlier` to `later` where both are dates, as a measure; None when none are."""
    both = ~(np.isnat(earlier) | np.isnat(later))
    if not both.any():
        return None
    days = (later[both] - earlier[both]).astype(np.int64)
    return Decimal(str(float(np.median(days)))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def funnel_table(dates):
    # The counts come from the dates already fetched for the medians, so both describe exactly the same citizens.
    referred = len(dates["referred"])
    rows = []
    for index, (key, label) in enumerate(STAGES):
        reached = int(np.count_nonzero(~np.isnat(dates[key])))
        median = median_days(dates[STAGE_KEYS[index - 1]], dates[key]) if index else None
        rows.append(Row(key=key, label=str(label), cells=[reached, Share(reached, referred), median]))
    return Table(
        key="funnel",
        title=gettext("Funnel"),
        columns=[gettext("Citizens"), gettext("Share of referred"), gettext("Median days from the previous stage")],
        rows=rows,
        note=gettext(
            "Each citizen counts at every stage reached, in any order; the median is over the citizens "
            "who reached both this stage and the one above it."
        ),
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
    on = np.datetime64(on, "D")
    referred, hours, ended_on = dates["referred"], dates["ordinary_hours"], dates["ended_on"]
    events = ~np.isnat(hours)
    end = np.minimum(np.where(np.isnat(ended_on), on, ended_on), on)
    first = np.maximum((np.where(events, hours, referred) - referred).astype(np.int64), 0)  # before referral: 0
    days = np.where(events, first, (end - referred).astype(np.int64))
    return days, events


class Survival:
    """A Kaplan–Meier estimate: the share still without the event, and the number at risk, at any day."""

    def __init__(self, days, events):
        days = np.asarray(days, dtype=np.int64)
        events = np.asarray(events, dtype=bool)
        self.sorted_times = np.sort(days)
        self.event_days, counts = np.unique(days[events], return_counts=True)
        at_risk = len(self.sorted_times) - np.searchsorted(self.sorted_times, self.event_days, side="left")
        # The estimate just after each event day, multiplied in day order as the product is defined.
        self.steps = np.cumprod(1 - counts / at_risk)

    def at_risk(self, day):
        """Citizens still followed and without the event just before `day`: time (event or censoring) ≥ day."""
        return int(len(self.sorted_times) - np.searchsorted(self.sorted_times, day, side="left"))

    def fraction(self, day):
        index = int(np.searchsorted(self.event_days, day + 1, side="left"))  # event days ≤ day
        estimate = float(self.steps[index - 1]) if index else 1.0
        if not self.at_risk(day) and estimate > 0:
            return None  # nobody followed this long: the estimate would only repeat the last one
        return estimate

    def percent(self, day):
        fraction = self.fraction(day)
        if fraction is None:
            return None
        return Decimal(repr(100 * fraction)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def kaplan_meier(times):
    """The estimate over (days, had the event) pairs, or over a pair of arrays (days, events)."""
    if isinstance(times, tuple):
        return Survival(*times)
    return Survival([time for time, _event in times], [event for _time, event in times])


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
