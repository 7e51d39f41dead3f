"""Record checks: records that cannot be right, found before a report counts them.

Every check reads the enrolments in scope (programme, sites, referred on or before `on`) and only records dated
on or before `on`. Each is one queryset; a finding gives how many records (or enrolments) it found and the first
50 enrolments behind them, ordered by pk, so the page can list the citizens to staff who may see them.

hours_outside_placement     timesheets with week_start <= on whose week [week_start, week_start + 6] does not
                            overlap their placement's period [starts_on, ended_on, or open]: week_start + 6 <
                            starts_on, or week_start >= ended_on (the first day it no longer runs). Counts timesheets.
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
hours_after_exit            timesheets with week_start <= on whose week starts on or after their enrolment's end
                            form date. Counts timesheets.

The two checks about hours count timesheets per placement, each as a range of weeks of the (placement, week)
index, and only for the placements with weeks outside their dates (a report fact, see jobbro/reporting/facts.py,
read through a partial index that holds only the flagged placements): neither a clean programme's millions of weeks
nor its enrolments in scope are read.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import Outcome, Placement, Step, StepChange, Timesheet
from jobbro.reporting.models import EnrolmentFacts, PlacementFacts

LISTED = 50  # enrolments listed per finding


@dataclass
class Finding:
    key: str
    title: str  # translated
    explanation: str  # translated: why it matters and how to fix it
    count: int  # the records found (or the enrolments, for checks about an enrolment as a whole)
    enrolment_ids: list  # at most 50 enrolment pks, ordered


def _listed(records, enrolment_field):
    return list(records.order_by(enrolment_field).values_list(enrolment_field, flat=True).distinct()[:LISTED])


def _finding(key, title, explanation, records, enrolment_field):
    count = records.count()
    return Finding(key, title, explanation, count, _listed(records, enrolment_field) if count else [])


# --- Hours outside the dates: counted per placement --------------------------------------------------------------


def _weeks(scope, **week_start):
    """The number of the placement's timesheets for weeks starting on or before `on` within a range of weeks,
    counted from the (placement, week) index alone."""
    weeks = Timesheet.objects.filter(placement=OuterRef("pk"), week_start__lte=scope.on, **week_start)
    return Coalesce(Subquery(weeks.order_by().values("placement").annotate(n=Count("week_start")).values("n")), 0)


def _weeks_after(scope, end):
    """The weeks after an end date, looked up only when there is one."""
    # An end date is the first day the placement or the course no longer runs: a week starting on it is after it.
    return Case(When(**{f"{end}__isnull": False}, then=_weeks(scope, week_start__gte=OuterRef(end))), default=0)


def _hours_outside_the_dates(scope):
    """The placements in scope with, each, the number of their weeks of hours outside the placement (before its
    start or after its end) and after the citizen's exit: a range of the (placement, week) index for each.

    A placement never ends before it starts (a database constraint), so no week is both before and after it."""
    week_ends_before_start = ExpressionWrapper(F("starts_on") - datetime.timedelta(days=6), output_field=DateField())
    # Whether a placement's weeks reach outside its dates is a report fact: only such a placement can have a week to
    # count, so the weeks of the others are never looked at.
    # The flagged placements are read from their partial index first, and each is joined to its enrolment to see
    # whether it is in scope: no list of the scope's enrolments is made (100,000 of them in a large programme).
    scope.catch_up()
    flagged = PlacementFacts.objects.filter(weeks_outside_dates=True).values("placement_id")
    return (
        Placement.objects.filter(
            pk__in=flagged,
            enrolment__programme=scope.programme,
            enrolment__site__in=scope.site_ids,
            enrolment__referred_on__lte=scope.on,
            enrolment__control_group=False,
        )
        .alias(week_ends_before_start=week_ends_before_start)
        .annotate(
            outside=_weeks(scope, week_start__lt=OuterRef("week_ends_before_start")) + _weeks_after(scope, "ended_on"),
            after_exit=_weeks_after(scope, "enrolment__ended_on"),
        )
    )


HOURS_OUTSIDE_PLACEMENT = (
    "hours_outside_placement",
    _("Hours registered outside any placement"),
    _(
        "A week of hours lies wholly before its placement started or after it ended, so the hours count for no placement "
        "in the reports. Move the hours to the right week, or correct the placement's dates."
    ),
)
HOURS_AFTER_EXIT = (
    "hours_after_exit",
    _("Hours registered after the citizen left"),
    _(
        "A week of hours starts on or after the end form date, when the citizen was no longer in the programme. Correct "
        "the week or the placement, or the end form date if the citizen left later."
    ),
)


def hours_findings(scope):
    """{key: Finding} for hours outside any placement and hours after exit, each counting timesheets."""
    placements = _hours_outside_the_dates(scope)
    sums = placements.aggregate(**{f"{counted}_sum": Sum(counted) for counted in ("outside", "after_exit")})
    found = {}
    for (key, title, explanation), counted in ((HOURS_OUTSIDE_PLACEMENT, "outside"), (HOURS_AFTER_EXIT, "after_exit")):
        count = sums[f"{counted}_sum"] or 0
        listed = _listed(placements.filter(**{f"{counted}__gt": 0}), "enrolment_id") if count else []
        found[key] = Finding(key, str(title), str(explanation), count, listed)
    return found


# --- The other checks ---------------------------------------------------------------------------------------------


def _enrolment_in_scope(scope):
    """A placement's or an outcome's enrolment is in scope, as a join to it: the few records a check looks for are
    read first and each looks up its enrolment, where `enrolment__in=scope.enrolments()` first listed the scope's
    enrolments (100,000 of them in a large programme) and then read each one's records."""
    scope.catch_up()
    return Q(
        enrolment__programme=scope.programme,
        enrolment__site__in=scope.site_ids,
        enrolment__referred_on__lte=scope.on,
        enrolment__control_group=False,  # as scope.enrolments(): the programme's effort only
    )


def overlapping_placements(scope):
    # Each placement keeps, as a report fact, the first day it runs together with a later-recorded placement of the
    # same case: the few placements with such a day on or before the date name their enrolments.
    scope.catch_up()
    overlapping = PlacementFacts.objects.filter(overlaps_from__lte=scope.on)
    records = scope.enrolments().filter(pk__in=overlapping.values("enrolment_id"))
    return _finding(
        "overlapping_placements",
        gettext("Overlapping placements"),
        gettext(
            "A citizen has two placements running at the same time. If one replaced the other, end the first on "
            "the day the second started; if both really ran, check their dates."
        ),
        records,
        "pk",
    )


def open_after_planned_end(scope):
    # The placements with no end date keep their planned end as a report fact: those past it are read from its
    # partial index first, and each then looks up its enrolment.
    unended = PlacementFacts.objects.filter(unended_planned_end_on__lt=scope.on).values("placement_id")
    records = Placement.objects.filter(
        _enrolment_in_scope(scope),
        pk__in=unended,
        starts_on__lte=scope.on,
        planned_end_on__lt=scope.on,
        ended_on__isnull=True,
    )
    return _finding(
        "open_after_planned_end",
        gettext("Placements not ended after their planned end"),
        gettext(
            "The planned end has passed but the placement has no end date, so it still counts as running. End it "
            "with its actual date and reason, or move the planned end if it was extended."
        ),
        records,
        "enrolment_id",
    )


def step_3_without_placement(scope):
    step_on = StepChange.objects.filter(enrolment=OuterRef("pk"), changed_on__lte=scope.on).order_by(
        "-changed_on", "-id"
    )
    running = Placement.objects.running_on(scope.on)
    # A case whose latest step change is dated on or before the date is on that step, kept as a report fact; only
    # the cases with a step change after the date (a past date) look their step on the date up in the history. The
    # candidates are read from the facts' indexes alone, less the cases with a running placement (one set, computed
    # once and hashed); only the few left look up their enrolment.
    scope.catch_up()
    latest_known = Q(facts__latest_step_on__lte=scope.on)
    candidates = (
        EnrolmentFacts.objects.filter(
            Q(latest_step=Step.IN_COMPANY, latest_step_on__lte=scope.on) | Q(latest_step_on__gt=scope.on)
        )
        .exclude(enrolment_id__in=running.values("enrolment"))
        .values("enrolment_id")
    )
    records = (
        scope.enrolments()
        .active_on(scope.on)
        .filter(pk__in=candidates)
        .alias(step_on=Subquery(step_on.values("step")[:1]))
        .filter(
            Q(latest_known, facts__latest_step=Step.IN_COMPANY)
            | Q(facts__latest_step_on__gt=scope.on, step_on=Step.IN_COMPANY)
        )
    )
    return _finding(
        "step_3_without_placement",
        gettext("Citizens in step 3 with no placement"),
        gettext(
            "Step 3 means the citizen is in a company, but no placement is running. Record the placement, or "
            "change the step back to step 2 from the day the last placement ended."
        ),
        records,
        "pk",
    )


def outcome_before_referral(scope):
    # The cases with outcomes before their referral are a report fact: their outcomes alone are read.
    flagged = EnrolmentFacts.objects.filter(outcomes_before_referral__gt=0).values("enrolment_id")
    records = Outcome.objects.filter(
        _enrolment_in_scope(scope),
        enrolment_id__in=flagged,
        measured_on__lte=scope.on,
        measured_on__lt=F("enrolment__referred_on"),
    )
    return _finding(
        "outcome_before_referral",
        gettext("Outcomes dated before the referral"),
        gettext(
            "An outcome is dated before the citizen's start form, so it cannot be the result of the programme. "
            "Correct the outcome's date or the start form date."
        ),
        records,
        "enrolment_id",
    )


CHECKS = [
    overlapping_placements,
    open_after_planned_end,
    step_3_without_placement,
    outcome_before_referral,
]
ORDER = [
    "hours_outside_placement",
    "overlapping_placements",
    "open_after_planned_end",
    "step_3_without_placement",
    "outcome_before_referral",
    "hours_after_exit",
]


def findings(scope):
    """Every check, in a fixed order, including those that found nothing."""
    found = hours_findings(scope)
    for check in CHECKS:
        finding = check(scope)
        found[finding.key] = finding
    return [found[key] for key in ORDER]
