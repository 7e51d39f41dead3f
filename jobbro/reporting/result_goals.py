"""Result goals: the three clean goals counted from the records as of a date, with progress and a forecast.

Each goal counts enrolments of the programme (at the chosen sites, all sites when none are given) by the
first date on which the enrolment reached it:

referred            = the start form date (`started_on`): a citizen referred whose start form is not filled yet is
                      not counted until it is, and then from the start form's date, not the referral date
matched and started = the earliest start (`starts_on`) of any of the enrolment's placements
employed            = the earliest Greatest(`week_start`, placement `starts_on`) over the enrolment's timesheets with
                      `ordinary_hours > 0`: ordinary paid hours in a week starting on or before the date, in a
                      placement started on or before the date. Internship hours never count.
The social-economic part of matched and started / employed counts only placements at companies of kind
social_economic. A goal is reached by date d when that first date is on or before d; the figures are cumulative,
so an ended enrolment still counts.

Progress on a goal is counted as of min(as-of date, deadline). The forecast is linear at the pace of the
last 90 days ending on the as-of date (days on−89 … on; from the programme start if it started later):
pace = (figure on the as-of date − figure the day before the window) / days in the window, and
forecast = figure on the as-of date + pace × days from the as-of date to the deadline. Once the deadline is
reached the forecast is the figure at the deadline.

Goals for one site, for one target group or both count the same way among the enrolments at that site and of
citizens in that target group (Citizen.target_groups). A percent goal is a share, numerator over denominator, both
counted as of the same day d = min(as-of date, deadline):

percent of those referred           denominator: enrolments with the start form dated on or before d (the
                                    "referred" goal); numerator: those of them that reached the goal's result by d
percent of those receiving active   denominator: enrolments receiving active effort on d (start form on or before
  effort                            d, no end form on or before d: EnrolmentQuerySet.receiving_active_effort_on);
                                    numerator: those of them that reached the goal's result by d
The numerator is counted within the denominator, so a share above 100 % can only come of broken records, and the
report's impossible-figure check (base.Table.problems) catches it. A percent goal is reached when the share is at
least the target; it has no forecast (a share rises and falls as citizens come and go).

Two queries give every figure for any number of days: the enrolments counted per start-form date, and one
query that takes each enrolment's first dates (report facts, jobbro/reporting/facts.py) and counts them as of
each day wanted (deadlines, the pace window, month ends) with conditional counts.
"""

import bisect
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Q

from jobbro.accounts.models import ResultGoal
from jobbro.cases.models import Enrolment, enrolment_receiving_active_effort_on
from jobbro.reporting import facts
from jobbro.reporting.base import Share

PACE_WINDOW_DAYS = 90
METRIC_ORDER = [ResultGoal.Metric.REFERRED, ResultGoal.Metric.MATCHED_AND_STARTED, ResultGoal.Metric.EMPLOYED]


def _site_ids(sites):
    return [getattr(site, "pk", site) for site in sites]


def enrolments(programme, sites=None, target_group=None):
    """The programme's enrolments at the given sites (Site objects or ids); all sites when `sites` is None. With a
    target group, only those of citizens in it."""
    queryset = Enrolment.objects.in_programme_effort().filter(programme=programme)
    if sites is not None:
        queryset = queryset.filter(site__in=_site_ids(sites))
    if target_group is not None:
        queryset = queryset.filter(citizen__target_groups=target_group)
    return queryset


# --- First dates ------------------------------------------------------------------------------------------------


def first_dates_per_enrolment(programme, sites=None, target_group=None):
    """One row per enrolment: its first start and first paid day, overall and social-economic (NULL: not yet).

    Each is a report fact kept per enrolment (jobbro/reporting/facts.py): a first date answers "by day d?" for
    every d at once, so the goals are counted from one row per enrolment, not from its placements and weeks."""
    return (
        enrolments(programme, sites, target_group)
        .order_by()
        .annotate(
            enrolment=F("pk"),
            matched_and_started=F("facts__first_start_on"),
            matched_and_started_social=F("facts__first_social_economic_start_on"),
            employed=F("facts__first_paid_on"),
            employed_social=F("facts__first_social_economic_paid_on"),
        )
    )


# --- Counting as of days ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cumulative:
    """How many enrolments had reached a metric by any date, from the counts per first date."""

    days: tuple
    running: tuple

    @classmethod
    def from_counts(cls, counts):
        days, running, total = [], [], 0
        for day, count in sorted(counts):
            total += count
            days.append(day)
            running.append(total)
        return cls(tuple(days), tuple(running))

    @property
    def first_day(self):
        return self.days[0] if self.days else None

    def as_of(self, day):
        index = bisect.bisect_right(self.days, day)
        return self.running[index - 1] if index else 0


def start_forms(programme, sites=None, target_group=None):
    """One grouped query: the enrolments per start-form date (those without a start form are not referred yet)."""
    rows = (
        enrolments(programme, sites, target_group)
        .filter(started_on__isnull=False)
        .order_by()
        .values("started_on")
        .annotate(n=Count("pk"))
    )
    return Cumulative.from_counts(rows.values_list("started_on", "n"))


def _alias(metric, social_economic_only):
    return f"{metric}_social" if social_economic_only else str(metric)


class Figures:
    """The goals' figures at some sites as of the days asked for: two queries, however many days.

    `days` are the days every metric is counted on; `social_days` those its social-economic part is counted on.
    """

    def __init__(self, programme, sites=None, target_group=None, *, catch_up=True):
        if catch_up:  # False: another Figures of the same moment has just caught up
            facts.catch_up()  # the first dates of paid weeks are report facts: those of cases written since are refreshed
        self.programme = programme
        self.sites = sites
        self.target_group = target_group
        self._referred = None
        self._counts = {}
        self._shares = {}

    @property
    def referred(self):
        if self._referred is None:
            self._referred = start_forms(self.programme, self.sites, self.target_group)
        return self._referred

    def _first_dates(self):
        return first_dates_per_enrolment(self.programme, self.sites, self.target_group)

    def count_shares(self, wanted):
        """Count the shares (metric, kind, day) wanted, numerators and denominators, in one query."""
        wanted = [key for key in dict.fromkeys(wanted) if key not in self._shares]
        if not wanted:
            return self
        counts = {}
        for index, (metric, kind, day) in enumerate(wanted):
            whole = share_denominator(kind, day)
            counts[f"w{index}"] = Count("enrolment", filter=whole)
            counts[f"p{index}"] = Count("enrolment", filter=whole & Q(**{f"{_alias(metric, False)}__lte": day}))
        found = self._first_dates().aggregate(**counts)
        for index, key in enumerate(wanted):
            self._shares[key] = Share(found[f"p{index}"], found[f"w{index}"])
        return self

    def share(self, metric, kind, day):
        return self._shares[(metric, kind, day)]

    def count(self, days, social_days=()):
        wanted = [(metric, False, day) for metric in METRIC_ORDER[1:] for day in sorted(set(days))]
        wanted += [(metric, True, day) for metric in METRIC_ORDER[1:] for day in sorted(set(social_days))]
        wanted = [key for key in wanted if key not in self._counts]
        if not wanted:
            return self
        counts = {
            f"n{index}": Count("enrolment", filter=Q(**{f"{_alias(metric, social)}__lte": day}))
            for index, (metric, social, day) in enumerate(wanted)
        }
        found = self._first_dates().aggregate(**counts)
        for index, key in enumerate(wanted):
            self._counts[key] = found[f"n{index}"]
        return self

    def as_of(self, metric, day, *, social_economic_only=False):
        if metric == ResultGoal.Metric.REFERRED:
            return self.referred.as_of(day)
        return self._counts[(metric, social_economic_only, day)]


def share_denominator(kind, day):
    """Which enrolments a percent goal counts of on `day`, as a condition: those referred (the start form dated on or
    before the day), or those receiving active effort on the day (the shared definition in cases/models.py)."""
    if kind == ResultGoal.Kind.SHARE_OF_ACTIVE:
        return enrolment_receiving_active_effort_on(day)
    if kind == ResultGoal.Kind.SHARE_OF_REFERRED:
        return Q(started_on__lte=day)
    raise ValueError(kind)


def referred(programme, on, *, sites=None):
    """The "referred" goal: enrolments whose start form is filled on or before `on` (not the referral date)."""
    return enrolments(programme, sites).filter(started_on__lte=on).count()


def matched_and_started(programme, on, *, social_economic_only=False, sites=None):
    figures = Figures(programme, sites).count([on], [on] if social_economic_only else [])
    return figures.as_of(ResultGoal.Metric.MATCHED_AND_STARTED, on, social_economic_only=social_economic_only)


def employed(programme, on, *, social_economic_only=False, sites=None):
    figures = Figures(programme, sites).count([on], [on] if social_economic_only else [])
    return figures.as_of(ResultGoal.Metric.EMPLOYED, on, social_economic_only=social_economic_only)


FIGURES = {
    ResultGoal.Metric.REFERRED: referred,
    ResultGoal.Metric.MATCHED_AND_STARTED: matched_and_started,
    ResultGoal.Metric.EMPLOYED: employed,
}


# --- Progress and forecast ------------------------------------------------------------------------------------


class Standing:
    REACHED = "reached"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    DEADLINE_PASSED = "deadline_passed"
    BELOW = "below"  # a percent goal below its target before the deadline (no forecast)


def pace_window(programme_start, on):
    """The first day and the length in days of the window the pace is measured over (it ends on `on`)."""
    first = max(on - datetime.timedelta(days=PACE_WINDOW_DAYS - 1), programme_start)
    return first, (on - first).days + 1


def days_for_goals(goals, on, programme_start):
    """The days the goals need counts for: each as of min(on, deadline), and the pace window's two ends.

    Returns (days, social_days): the social-economic part is only counted for goals with such a target. Percent
    goals are counted apart (shares_for_goals).
    """
    counted = [goal for goal in goals if not goal.is_share]
    first, _days = pace_window(programme_start, on)
    days = {on, first - datetime.timedelta(days=1)} | {min(on, goal.deadline) for goal in counted}
    social_days = {min(on, goal.deadline) for goal in counted if has_social_part(goal)}
    return days, social_days


def shares_for_goals(goals, on):
    """The shares (metric, kind, day) the percent goals need, each as of min(on, deadline)."""
    return [(goal.metric, goal.kind, min(on, goal.deadline)) for goal in goals if goal.is_share]


def has_social_part(goal):
    return goal.social_economic_target is not None and goal.metric != ResultGoal.Metric.REFERRED


def forecast(figures, metric, programme_start, on, deadline):
    """The figure expected at the deadline (a Fraction), from the pace over the window ending on `on`."""
    if on >= deadline:
        return Fraction(figures.as_of(metric, deadline))
    first, days = pace_window(programme_start, on)
    now = figures.as_of(metric, on)
    if days <= 0:  # the programme has not started yet: no pace to go by
        return Fraction(now)
    gained = now - figures.as_of(metric, first - datetime.timedelta(days=1))
    return now + Fraction(gained, days) * (deadline - on).days


@dataclass
class GoalProgress:
    goal: ResultGoal
    actual: int
    social_economic_actual: int | None
    expected: Fraction | None = None
    standing: str | None = None
    share: Share | None = None  # a percent goal's figure: numerator and denominator (`actual` is the numerator)

    @property
    def percent_of_target(self):
        # May pass 100 %: beating a target is allowed; a share of citizens never is.
        if self.share is not None:
            return None
        return round(100 * self.actual / self.goal.target) if self.goal.target else None

    @property
    def percent(self):
        """The percent of the target with one decimal, as a measure (not a share: it may pass 100). A percent goal
        has none: its share and its target percent are shown side by side."""
        if not self.goal.target or self.share is not None:
            return None
        return (Decimal(100) * self.actual / self.goal.target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def forecast(self):
        """The expected figure in whole people, rounded half up: a forecast of 223.4 citizens reads 223. "On track"
        compares the exact expectation with the target."""
        if self.expected is None:
            return None
        value = Decimal(self.expected.numerator) / Decimal(self.expected.denominator)
        return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)

    @property
    def bar_percent(self):
        if self.share is not None:
            return min(max(round(self.share.percent or 0), 0), 100)
        return min(self.percent_of_target or 0, 100)


def standing(goal, actual, expected, on):
    if actual >= goal.target:
        return Standing.REACHED
    if on > goal.deadline:
        return Standing.DEADLINE_PASSED
    return Standing.ON_TRACK if expected >= goal.target else Standing.BEHIND


def share_reached(share, target):
    """The share is at least the target percent, compared exactly (part / whole ≥ target / 100)."""
    return bool(share.whole) and 100 * share.part >= target * share.whole


def share_progress(goal, figures, on):
    """A percent goal's share as of min(on, deadline): reached when at least the target, no forecast."""
    share = figures.share(goal.metric, goal.kind, min(on, goal.deadline))
    if share_reached(share, goal.target):
        standing = Standing.REACHED
    elif on > goal.deadline:
        standing = Standing.DEADLINE_PASSED
    else:
        standing = Standing.BELOW
    return GoalProgress(goal=goal, actual=share.part, social_economic_actual=None, standing=standing, share=share)


def goal_progress(goal, figures, on, programme_start):
    """One goal's figures as of min(on, deadline), its forecast and whether it is on track."""
    if goal.is_share:
        return share_progress(goal, figures, on)
    as_of = min(on, goal.deadline)
    actual = figures.as_of(goal.metric, as_of)
    social = figures.as_of(goal.metric, as_of, social_economic_only=True) if has_social_part(goal) else None
    expected = forecast(figures, goal.metric, programme_start, on, goal.deadline)
    return GoalProgress(
        goal=goal,
        actual=actual,
        social_economic_actual=social,
        expected=expected,
        standing=standing(goal, actual, expected, on),
    )


def goal_order(goal):
    """Payment criteria first, then the programme's goals, then those per site and per target group; within each, the
    results in their order and the deadlines in theirs."""
    return (
        not goal.payment_criterion,
        goal.site is not None,
        goal.site.name if goal.site else "",
        goal.target_group is not None,
        goal.target_group.name if goal.target_group else "",
        METRIC_ORDER.index(goal.metric),
        goal.deadline,
        goal.kind,
    )


def ordered_goals(programme):
    return sorted(programme.result_goals.select_related("site", "target_group"), key=goal_order)


def in_scope(goal, sites):
    """A site's goal is shown only where its site is counted (all sites when `sites` is None)."""
    return goal.site_id is None or sites is None or goal.site_id in _site_ids(sites)


def progress(programme, on, *, sites=None, figures=None, goals=None):
    """Every result goal of the programme with its progress as of `on`, counting only `sites` when given.

    The programme's goals are counted at `sites`; a site's goal at its site (and only when that site is among
    `sites`); a target group's goal among the citizens of the group. Pass `figures` (for the programme's goals at
    `sites`) to share the queries with other figures (they are counted here for the days the goals need).
    """
    goals = ordered_goals(programme) if goals is None else goals
    goals = [goal for goal in goals if in_scope(goal, sites)]
    by_scope = {}
    for goal in goals:
        by_scope.setdefault((goal.site_id, goal.target_group_id), []).append(goal)
    counted = {}
    caught_up = figures is not None
    for (site_id, _group_id), some in by_scope.items():
        group = some[0].target_group
        if site_id is None and group is None and figures is not None:
            found = figures
        else:
            chosen = [site_id] if site_id is not None else sites
            found = Figures(programme, chosen, group, catch_up=not caught_up)
            caught_up = True
        if any(not goal.is_share for goal in some):
            found.count(*days_for_goals(some, on, programme.starts_on))
        found.count_shares(shares_for_goals(some, on))
        for goal in some:
            counted[id(goal)] = goal_progress(goal, found, on, programme.starts_on)
    return [counted[id(goal)] for goal in goals]
