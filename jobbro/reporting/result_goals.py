"""Result goals: the three clean goals counted from the records as of a date.

referred            = enrolments whose start form is dated on or before the date
matched and started = enrolments with a placement started on or before the date
employed            = enrolments with ordinary paid hours registered in a week starting on or before the date,
                      in a placement started on or before the date
Each figure is one aggregate query; internships never count as employment.
"""

from dataclasses import dataclass

from django.db.models import Q

from jobbro.accounts.models import ResultGoal
from jobbro.cases.models import Enrolment
from jobbro.companies.models import Company


def referred(programme, on):
    return Enrolment.objects.filter(programme=programme, referred_on__lte=on).count()


def matched_and_started(programme, on, *, social_economic_only=False):
    condition = Q(placements__starts_on__lte=on)
    if social_economic_only:
        condition &= Q(placements__company__kind=Company.Kind.SOCIAL_ECONOMIC)
    return Enrolment.objects.filter(condition, programme=programme).distinct().count()


def employed(programme, on, *, social_economic_only=False):
    # The placement must have started too: a week can begin before a placement starting mid-week,
    # and employed must never count someone not yet matched and started.
    condition = Q(
        placements__timesheets__ordinary_hours__gt=0,
        placements__timesheets__week_start__lte=on,
        placements__starts_on__lte=on,
    )
    if social_economic_only:
        condition &= Q(placements__company__kind=Company.Kind.SOCIAL_ECONOMIC)
    return Enrolment.objects.filter(condition, programme=programme).distinct().count()


FIGURES = {
    ResultGoal.Metric.REFERRED: referred,
    ResultGoal.Metric.MATCHED_AND_STARTED: matched_and_started,
    ResultGoal.Metric.EMPLOYED: employed,
}


@dataclass
class GoalProgress:
    goal: ResultGoal
    actual: int
    social_economic_actual: int | None

    @property
    def percent_of_target(self):
        # May pass 100 %: beating a target is allowed; a share of citizens never is.
        return round(100 * self.actual / self.goal.target) if self.goal.target else None

    @property
    def bar_percent(self):
        return min(self.percent_of_target or 0, 100)


METRIC_ORDER = list(FIGURES)


def progress(programme, on):
    rows = []
    goals = sorted(programme.result_goals.all(), key=lambda g: (METRIC_ORDER.index(g.metric), g.deadline))
    for goal in goals:
        figure = FIGURES[goal.metric]
        as_of = min(on, goal.deadline)
        actual = figure(programme, as_of)
        social = None
        if goal.social_economic_target is not None and goal.metric != ResultGoal.Metric.REFERRED:
            social = figure(programme, as_of, social_economic_only=True)
            # A part can never exceed its whole; if it does the records are broken, not the goal.
            assert social <= actual, "social-economic part exceeds its total"
        rows.append(GoalProgress(goal=goal, actual=actual, social_economic_actual=social))
    return rows
