"""Record checks: records that cannot be right, found before a report counts them.

Every check reads the enrolments in scope (programme, sites, referred on or before `on`) and only records dated
on or before `on`. Each is one queryset; a finding gives how many records (or enrolments) it found and the first
50 enrolments behind them, ordered by pk, so the page can list the citizens to staff who may see them.

hours_outside_placement     timesheets with week_start <= on whose week [week_start, week_start + 6] does not
                            overlap their placement's period [starts_on, ended_on, or open]: week_start + 6 <
                            starts_on, or week_start > ended_on. Counts timesheets.
overlapping_placements      enrolments with two placements started on or before `on` whose periods overlap: each
                            starts before the other ends (an open placement never ends). A placement may start on
                            the day another ends. Counts enrolments.
open_after_planned_end      placements started on or before `on` whose planned end is before `on` and that have no
                            end date. Counts placements.
step_3_without_placement    enrolments active on `on` (not ended on or before it) whose step on `on` (the latest
                            step change dated on or before it, latest by date then id) is step 3, with no placement
                            active on `on` (started on or before it, not ended before it). Counts enrolments.
outcome_before_referral     outcomes measured on or before `on` and before their enrolment's start form date.
                            Counts outcomes.
hours_after_exit            timesheets with week_start <= on whose week starts after their enrolment's end form
                            date. Counts timesheets.
"""

import datetime
from dataclasses import dataclass

from django.db.models import DateField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from jobbro.cases.models import Outcome, Placement, Step, StepChange, Timesheet

LISTED = 50  # enrolments listed per finding


@dataclass
class Finding:
    key: str
    title: str  # translated
    explanation: str  # translated: why it matters and how to fix it
    count: int  # the records found (or the enrolments, for checks about an enrolment as a whole)
    enrolment_ids: list  # at most 50 enrolment pks, ordered


def _finding(key, title, explanation, records, enrolment_field):
    count = records.count()
    ids = []
    if count:
        ids = list(records.order_by(enrolment_field).values_list(enrolment_field, flat=True).distinct()[:LISTED])
    return Finding(key=key, title=title, explanation=explanation, count=count, enrolment_ids=ids)


def _timesheets(scope):
    return Timesheet.objects.filter(placement__enrolment__in=scope.enrolments(), week_start__lte=scope.on)


def hours_outside_placement(scope):
    week_ends_before_start = Q(week_start__lt=ExpressionWrapper(F("placement__starts_on") - datetime.timedelta(days=6),
                                                                output_field=DateField()))
    records = _timesheets(scope).filter(week_ends_before_start | Q(week_start__gt=F("placement__ended_on")))
    return _finding(
        "hours_outside_placement", gettext("Hours registered outside any placement"),
        gettext("A week of hours lies wholly before its placement started or after it ended, so the hours count for "
                "no placement in the reports. Move the hours to the right week, or correct the placement's dates."),
        records, "placement__enrolment_id",
    )


def overlapping_placements(scope):
    started = Placement.objects.filter(starts_on__lte=scope.on).annotate(open_end=Coalesce("ended_on", Value(datetime.date.max)))
    other = (
        Placement.objects.filter(enrolment=OuterRef("enrolment"), starts_on__lte=scope.on, starts_on__lt=OuterRef("open_end"))
        .exclude(pk=OuterRef("pk"))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=OuterRef("starts_on")))
    )
    records = scope.enrolments().filter(Exists(started.filter(enrolment=OuterRef("pk")).filter(Exists(other))))
    return _finding(
        "overlapping_placements", gettext("Overlapping placements"),
        gettext("A citizen has two placements running at the same time. If one replaced the other, end the first on "
                "the day the second started; if both really ran, check their dates."),
        records, "pk",
    )


def open_after_planned_end(scope):
    records = Placement.objects.filter(
        enrolment__in=scope.enrolments(), starts_on__lte=scope.on, planned_end_on__lt=scope.on, ended_on__isnull=True
    )
    return _finding(
        "open_after_planned_end", gettext("Placements not ended after their planned end"),
        gettext("The planned end has passed but the placement has no end date, so it still counts as running. End it "
                "with its actual date and reason, or move the planned end if it was extended."),
        records, "enrolment_id",
    )


def step_3_without_placement(scope):
    step_on = StepChange.objects.filter(enrolment=OuterRef("pk"), changed_on__lte=scope.on).order_by("-changed_on", "-id")
    running = Placement.objects.filter(enrolment=OuterRef("pk"), starts_on__lte=scope.on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=scope.on)
    )
    records = (
        scope.enrolments().active(scope.on)
        .annotate(step_on=Subquery(step_on.values("step")[:1]))
        .filter(step_on=Step.IN_COMPANY)
        .exclude(Exists(running))
    )
    return _finding(
        "step_3_without_placement", gettext("Citizens in step 3 with no placement"),
        gettext("Step 3 means the citizen is in a company, but no placement is running. Record the placement, or "
                "change the step back to step 2 from the day the last placement ended."),
        records, "pk",
    )


def outcome_before_referral(scope):
    records = Outcome.objects.filter(
        enrolment__in=scope.enrolments(), measured_on__lte=scope.on, measured_on__lt=F("enrolment__referred_on")
    )
    return _finding(
        "outcome_before_referral", gettext("Outcomes dated before the referral"),
        gettext("An outcome is dated before the citizen's start form, so it cannot be the result of the programme. "
                "Correct the outcome's date or the start form date."),
        records, "enrolment_id",
    )


def hours_after_exit(scope):
    records = _timesheets(scope).filter(week_start__gt=F("placement__enrolment__ended_on"))
    return _finding(
        "hours_after_exit", gettext("Hours registered after the citizen left"),
        gettext("A week of hours starts after the end form date, when the citizen was no longer in the programme. "
                "Correct the week or the placement, or the end form date if the citizen left later."),
        records, "placement__enrolment_id",
    )


CHECKS = [
    hours_outside_placement,
    overlapping_placements,
    open_after_planned_end,
    step_3_without_placement,
    outcome_before_referral,
    hours_after_exit,
]


def findings(scope):
    """Every check, in a fixed order, including those that found nothing."""
    return [check(scope) for check in CHECKS]
