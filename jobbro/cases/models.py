"""Case work: enrolment and steps, job plans, placements, hours, contacts, progression and outcomes.

History is append-only: a step change, a change of hours or of contact person is a
new dated row. The few "current" fields (Enrolment.current_step and the named staff)
are kept in step by the actions in cases/actions.py, which write the history row
in the same transaction.
"""

import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.days import today
from jobbro.people.models import TrafficLight
from jobbro.weekly_hours import MAX_WEEKLY_HOURS, WEEKLY_HOURS_VALIDATORS

HOURS_VALIDATORS = WEEKLY_HOURS_VALIDATORS  # the one weekly hours rule, jobbro/weekly_hours.py


def week_at_most_60(name):
    """Ordinary and internship hours together at most 60 a week (cases/rules.py), kept by the database too.

    SQLite computes with binary floats (60 - 40.2 is 19.799999…), so the sum is compared with 60.05: hours have
    one decimal, so a week under 60.05 is a week of at most 60, in floats and in PostgreSQL's exact numbers alike."""
    return models.CheckConstraint(
        condition=models.Q(
            ordinary_hours__lte=models.Value(MAX_WEEKLY_HOURS + Decimal("0.05")) - models.F("internship_hours")
        ),
        name=name,
        violation_error_message=_("Ordinary and internship hours together can be at most 60 a week."),
    )


class Step(models.IntegerChoices):
    CLARIFICATION = 1, _("Step 1 – clarification")
    TOWARDS_JOB = 2, _("Step 2 – towards a job")
    IN_COMPANY = 3, _("Step 3 – in a company")
    ENDED = 4, _("Ended")


# --- Shared definitions: one home each, used by every page, report, rule and the matching -------------------------
#
# One last-day rule for both: `ended_on` is the first day the record no longer runs. An enrolment or a placement
# ended on d is not active or running on d (ended today: ended now, as every page that lists open records shows it).
# Active on a date (an enrolment): referred on or before the date and no end form dated on or before it.
# Running on a date (a placement): started on or before the date and no end date on or before it.
# Over a period (first to last day, both included): active or running on at least one of its days.
# Caseload: the enrolments a user carries as job broker or mentor, within what the user may see (accounts/access.py).
# Each definition is a queryset method below, with its condition as a Q for counts and subqueries filtered inside one
# query (`prefix` is the path to the record, e.g. "enrolment__"; empty on the model itself).


def _at(prefix, lookup, value):
    return models.Q(**{f"{prefix}{lookup}": value})


def enrolment_active_on(on, prefix=""):
    """The condition of EnrolmentQuerySet.active_on as a Q."""
    return _at(prefix, "referred_on__lte", on) & (
        _at(prefix, "ended_on__isnull", True) | _at(prefix, "ended_on__gt", on)
    )


def _runs_between(first, last, prefix, start):
    """Runs on at least one day from `first` to `last`: [start, ended_on) meets [first, last]. A record ended on the
    day it started never ran."""
    ends_after = _at(prefix, "ended_on__gt", first) & _at(prefix, "ended_on__gt", models.F(f"{prefix}{start}"))
    return _at(prefix, f"{start}__lte", last) & (_at(prefix, "ended_on__isnull", True) | ends_after)


def enrolment_active_between(first, last, prefix=""):
    """The condition of EnrolmentQuerySet.active_between as a Q: active on at least one day from `first` to `last`."""
    return _runs_between(first, last, prefix, "referred_on")


def placement_running_on(on, prefix=""):
    """The condition of PlacementQuerySet.running_on as a Q."""
    return _at(prefix, "starts_on__lte", on) & placement_running_or_planned_on(on, prefix)


def placement_running_between(first, last, prefix=""):
    """The condition of PlacementQuerySet.running_between as a Q: running on at least one day from `first` to `last`."""
    return _runs_between(first, last, prefix, "starts_on")


def placement_running_or_planned_on(on, prefix=""):
    """Running on `on` or starting after it (a planned placement: the citizen is spoken for), as a Q."""
    return _at(prefix, "ended_on__isnull", True) | _at(prefix, "ended_on__gt", on)


def caseload_of(user):
    """The condition of EnrolmentQuerySet.caseload_of as a Q over Enrolment (the user's access scope included)."""
    from jobbro.accounts.access import enrolment_scope

    return (models.Q(job_broker=user) | models.Q(mentor=user)) & enrolment_scope(user)


class EnrolmentQuerySet(models.QuerySet):
    def active_on(self, on):
        """Active on the date: referred on or before it and not ended on or before it (the end form date is the exit)."""
        return self.filter(enrolment_active_on(on))

    def active_between(self, first, last):
        """Active on at least one day from `first` to `last` (both included), e.g. a week."""
        return self.filter(enrolment_active_between(first, last))

    def active(self):
        """Active today, in the programme's time zone (jobbro/days.py)."""
        return self.active_on(today())

    def caseload_of(self, user):
        """The user's own caseload: the enrolments the user is job broker or mentor on, within the user's access
        (accounts/access.py), active or not: chain active_on(d) for the caseload on a date. A control-group citizen
        of a lottery is not in anyone's caseload (in_programme_effort)."""
        return self.in_programme_effort().filter(caseload_of(user))

    def in_programme_effort(self):
        """The enrolments that get the programme's company-oriented effort: all but the control group of a lottery
        (docs/effect.md "What the control group gets"). Caseloads, matching and the programme's reports read these."""
        return self.filter(control_group=False)

    def receiving_active_effort_on(self, on):
        """Receiving active effort on the date (the evaluations' word): the start form filled on or before it and no
        end form dated on or before it. A citizen referred whose start form is not filled yet is not counted."""
        return self.filter(enrolment_receiving_active_effort_on(on))


def enrolment_receiving_active_effort_on(on, prefix=""):
    """The condition of EnrolmentQuerySet.receiving_active_effort_on as a Q."""
    return models.Q(**{f"{prefix}started_on__lte": on}) & (
        models.Q(**{f"{prefix}ended_on__isnull": True}) | models.Q(**{f"{prefix}ended_on__gt": on})
    )


class Enrolment(models.Model):
    """A citizen's course in a programme, from referral to exit (end form).

    A citizen can be referred before the start form is filled: `started_on` is empty until it is (the evaluations
    count "referred" and "receiving active effort", the latter with the start form filled and no end form)."""

    citizen = models.ForeignKey(
        "people.Citizen", on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("citizen")
    )
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("programme")
    )
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("site")
    )
    job_broker = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="caseload",
        null=True,
        blank=True,
        verbose_name=_("job broker"),
    )
    caseworker = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("caseworker")
    )
    mentor = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="mentees",
        null=True,
        blank=True,
        verbose_name=_("mentor"),
    )
    referred_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("referred by"),
    )
    referral_text = models.TextField(
        _("referral"), blank=True, max_length=textlimits.NOTE, validators=textlimits.text_validators(textlimits.NOTE)
    )
    referred_on = models.DateField(_("referral date"))
    started_on = models.DateField(_("start form date"), null=True, blank=True)
    ended_on = models.DateField(_("end form date"), null=True, blank=True)
    traffic_light_at_referral = models.CharField(
        _("traffic light at referral"), max_length=10, choices=TrafficLight.choices
    )
    # Empty when the citizen gave no estimate: reported as not given, never as 0 hours.
    estimated_weekly_hours = models.DecimalField(
        _("citizen's estimate of weekly hours"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HOURS_VALIDATORS,
    )
    current_step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices, default=Step.CLARIFICATION)
    external_id = models.CharField(_("external id"), max_length=60, blank=True)
    # Drawn to the control group of the programme's lottery (jobbro/effect): the usual services of the job centre,
    # not the programme's placements, small jobs and matching. Set only by cases.actions.assign_control_group.
    control_group = models.BooleanField(_("control group"), default=False, editable=False)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "id"]
        indexes = [
            models.Index(fields=["programme", "site"]),
            models.Index(fields=["job_broker", "ended_on"]),
            # The citizen list's pages, citizen by citizen in name order: which of a citizen's enrolments the list
            # shows (open or ended, programme and site of the scope, step) and their order, from the index alone;
            # the list's count reads it too instead of the rows.
            models.Index(
                fields=["citizen", "ended_on", "programme", "site", "current_step", "referred_on"],
                name="enrolment_list_by_citizen",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("referred_on")),
                name="enrolment_ends_after_referral",
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True) | models.Q(started_on__gte=models.F("referred_on")),
                name="enrolment_starts_after_referral",
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="enrolment_ends_after_start_form",
            ),
        ]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self):
        return f"{self.citizen} · {self.programme}"

    def clean(self):
        if self.ended_on and self.ended_on < self.referred_on:
            raise ValidationError({"ended_on": _("The end form date cannot be before the referral date.")})
        if self.started_on and self.referred_on and self.started_on < self.referred_on:
            raise ValidationError({"started_on": _("The start form cannot be dated before the referral.")})
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end form date cannot be before the start form date.")})

    @property
    def start_form_filled(self):
        return self.started_on is not None

    @property
    def is_active(self):
        return self.ended_on is None


class StepChange(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="step_changes")
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices)
    changed_on = models.DateField(_("date"))
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["changed_on", "id"]
        # The reports and record checks find each case's step on a date: the latest row up to that date, latest by
        # date then id, read from the index alone.
        indexes = [models.Index(fields=["enrolment", "changed_on", "id"], include=["step"], name="step_on_date")]
        verbose_name = _("step change")
        verbose_name_plural = _("step changes")

    def __str__(self):
        return f"{self.get_step_display()} ({self.changed_on:%d.%m.%Y})"


class AssignmentChange(models.Model):
    """Who held a role on the case from a date: continuity of the job broker and caseworker is tracked."""

    class Role(models.TextChoices):
        JOB_BROKER = "job_broker", _("Job broker")
        CASEWORKER = "caseworker", _("Caseworker")
        MENTOR = "mentor", _("Mentor")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assignment_changes")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changed_on = models.DateField(_("from"))
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["changed_on", "id"]
        # The reports find each case's job broker on a date: the latest row per case and role up to that date,
        # latest by date then id, read from the index alone.
        indexes = [
            models.Index(fields=["enrolment", "role", "changed_on", "id"], include=["user"], name="assignment_on_date"),
        ]
        verbose_name = _("change of contact person")
        verbose_name_plural = _("changes of contact person")

    def __str__(self):
        return f"{self.get_role_display()}: {self.user} ({self.changed_on:%d.%m.%Y})"


class JobPlan(models.Model):
    """The job plan from step 1; a job package (jobpakke) is a plan towards a named job with dated milestones."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="job_plans")
    is_job_package = models.BooleanField(_("job package"), default=False)
    title = models.CharField(_("title"), max_length=200)
    target_occupation_code = models.CharField(_("target job (DISCO-08)"), max_length=6, blank=True)
    created_on = models.DateField(_("created on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=60, blank=True)

    class Meta:
        ordering = ["created_on", "id"]
        verbose_name = _("job plan")
        verbose_name_plural = _("job plans")

    def __str__(self):
        return self.title


class Milestone(models.Model):
    class Kind(models.TextChoices):
        CLARIFICATION = "clarification", _("Clarification")
        INTERNSHIP = "internship", _("Internship")
        WAGE_SUBSIDY = "wage_subsidy", _("Wage subsidy")
        COURSE = "course", _("Course")
        DANISH_LESSONS = "danish_lessons", _("Danish lessons")
        MENTOR = "mentor", _("Mentor")
        TARGET_JOB = "target_job", _("Target job")

    plan = models.ForeignKey(JobPlan, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self):
        return f"{self.title} ({self.due_on:%d.%m.%Y})"

    def is_overdue(self, on=None):
        return self.completed_on is None and self.due_on < (on or today())


class PlacementKind(models.TextChoices):
    INTERNSHIP = "internship", _("Internship (virksomhedspraktik)")
    HYBRID_INTERNSHIP = "hybrid_internship", _("Hybrid internship")
    WAGE_SUBSIDY = "wage_subsidy", _("Wage subsidy (løntilskud)")
    SMALL_JOB = "small_job", _("Small job (småjob)")
    ORDINARY_JOB = "ordinary_job", _("Ordinary job")
    FLEX_JOB = "flex_job", _("Flex job")
    EDUCATION = "education", _("Education")
    REHABILITATION = "rehabilitation", _("Rehabilitation (revalidering)")


class LegalBasis(models.TextChoices):
    """The law a placement is given under (docs/funders.md "Legal basis"). LAB is lov om en aktiv
    beskæftigelsesindsats, lov nr. 548 af 7. maj 2019, as consolidated by lovbekendtgørelse nr. 280 af 1. marts 2024
    (lovguiden.dk, "Bekendtgørelse af lov om en aktiv beskæftigelsesindsats", LBK nr 280 af 01/03/2024; elov.dk, the
    law's § 57 and chapters 12 and 20, read 6 December 2026). The stored values name the scheme, not the paragraph,
    so a renumbered law changes a label, not the records."""

    INTERNSHIP = "lab_internship", _("Internship (virksomhedspraktik) – LAB § 57 ff.")
    WAGE_SUBSIDY = "lab_wage_subsidy", _("Employment with wage subsidy (løntilskud) – LAB § 66 ff. (chapter 12)")
    FLEX_JOB = "lab_flex_job", _("Flex job (fleksjob) – LAB § 116 ff. (chapter 20)")
    REHABILITATION = "lab_rehabilitation", _("Rehabilitation (revalidering) – LAB chapter 21")
    GUIDANCE_AND_UPSKILLING = "lab_upskilling", _("Guidance and upskilling (vejledning og opkvalificering) – LAB")
    ORDINARY = "ordinary", _("Ordinary employment – no offer under LAB")
    OTHER = "other", _("Other legal basis")


# The legal basis a placement of each kind has unless the placement form says otherwise. A hybrid internship is an
# internship with some ordinary hours: its unpaid part is virksomhedspraktik. Small jobs and ordinary jobs are
# ordinary employment on ordinary terms.
DEFAULT_LEGAL_BASIS = {
    PlacementKind.INTERNSHIP: LegalBasis.INTERNSHIP,
    PlacementKind.HYBRID_INTERNSHIP: LegalBasis.INTERNSHIP,
    PlacementKind.WAGE_SUBSIDY: LegalBasis.WAGE_SUBSIDY,
    PlacementKind.SMALL_JOB: LegalBasis.ORDINARY,
    PlacementKind.ORDINARY_JOB: LegalBasis.ORDINARY,
    PlacementKind.FLEX_JOB: LegalBasis.FLEX_JOB,
    PlacementKind.EDUCATION: LegalBasis.GUIDANCE_AND_UPSKILLING,
    PlacementKind.REHABILITATION: LegalBasis.REHABILITATION,
}


def default_legal_basis(kind):
    """The usual legal basis of a placement of this kind (DEFAULT_LEGAL_BASIS); OTHER for an unknown kind."""
    return DEFAULT_LEGAL_BASIS.get(kind, LegalBasis.OTHER)


# Education is followed by attendance at the school, not by weekly hours at a company: no timesheets are expected.
KINDS_WITHOUT_WEEKLY_HOURS = (PlacementKind.EDUCATION,)
# The kinds that are (partly) an unpaid internship: internship hours belong to these, or to a placement of
# another kind where internship hours were agreed (Placement.has_internship_part).
KINDS_WITH_INTERNSHIP = (PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP)


class PlacementEndReason(models.TextChoices):
    COMPLETED = "completed", _("Completed as planned")
    HIRED = "hired", _("Hired with ordinary hours")
    CITIZEN_LEFT = "citizen_left", _("The citizen stopped")
    COMPANY_ENDED = "company_ended", _("The company ended it")
    ILLNESS = "illness", _("Illness")
    NOT_A_MATCH = "not_a_match", _("Not a match")
    OTHER = "other", _("Other")


class PlacementQuerySet(models.QuerySet):
    def running_on(self, on):
        """Running on the date: started on or before it and not ended on or before it (ended_on is the first day the
        placement no longer runs)."""
        return self.filter(placement_running_on(on))

    def running_between(self, first, last):
        """Running on at least one day from `first` to `last` (both included), e.g. a week."""
        return self.filter(placement_running_between(first, last))

    def running_or_planned_on(self, on):
        """Running on the date or planned to start after it: the citizen is spoken for."""
        return self.filter(placement_running_or_planned_on(on))


class Placement(models.Model):
    """A citizen's course at a company (virksomhedsforløb) of one kind, with its written agreement."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="placements", verbose_name=_("enrolment")
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="placements", verbose_name=_("company")
    )
    opening = models.ForeignKey(
        "companies.Opening",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("opening"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PlacementKind.choices)
    # Set from the kind when the placement is started unless the form names another (DEFAULT_LEGAL_BASIS).
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    starts_on = models.DateField(_("start"))
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_on = models.DateField(_("actual end"), null=True, blank=True)
    purpose = models.TextField(
        _("purpose"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )
    agreed_ordinary_hours = models.DecimalField(
        _("agreed ordinary hours a week"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HOURS_VALIDATORS,
    )
    agreed_internship_hours = models.DecimalField(
        _("agreed internship hours a week"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HOURS_VALIDATORS,
    )
    ordinary_hours_condition = models.TextField(
        _("condition for ordinary hours (what it takes)"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )
    no_hours_reason = models.TextField(
        _("reason for no agreement on ordinary hours"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )
    buddy = models.ForeignKey(
        "companies.CompanyContact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("buddy"),
    )
    end_reason = models.CharField(_("end reason"), max_length=20, choices=PlacementEndReason.choices, blank=True)
    end_note = models.CharField(_("end note"), max_length=300, blank=True)
    external_id = models.CharField(_("external id"), max_length=60, blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["company", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("starts_on")),
                name="placement_ends_after_start",
            ),
        ]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.company}"

    def save(self, *args, **kwargs):
        # A placement written without a legal basis gets its kind's usual one (the actions set it; this covers the
        # rest). Bulk writes (the import, the demo) set it themselves.
        if not self.legal_basis:
            self.legal_basis = default_legal_basis(self.kind)
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.ended_on and self.ended_on < self.starts_on:
            errors["ended_on"] = _("The end date cannot be before the start date.")
        if self.planned_end_on and self.planned_end_on < self.starts_on:
            errors["planned_end_on"] = _("The planned end cannot be before the start date.")
        if (
            self.agreed_ordinary_hours is None
            and not self.ordinary_hours_condition.strip()
            and not self.no_hours_reason.strip()
        ):
            errors["agreed_ordinary_hours"] = _(
                "Agree ordinary hours, write the condition for them, or give the reason there is neither."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def has_internship_part(self):
        """Internship hours may be registered: an internship kind, or internship hours agreed (now)."""
        return self.kind in KINDS_WITH_INTERNSHIP or (self.agreed_internship_hours or 0) > 0

    def is_active_on(self, on):
        """Running on the date, as PlacementQuerySet.running_on (ended_on is the first day it no longer runs)."""
        return self.starts_on <= on and (self.ended_on is None or self.ended_on > on)


class AgreedHoursChange(models.Model):
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="hours_changes")
    from_date = models.DateField(_("from"))
    ordinary_hours = models.DecimalField(
        _("ordinary hours a week"), max_digits=4, decimal_places=1, validators=HOURS_VALIDATORS
    )
    internship_hours = models.DecimalField(
        _("internship hours a week"), max_digits=4, decimal_places=1, default=0, validators=HOURS_VALIDATORS
    )
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["from_date", "id"]
        constraints = [week_at_most_60("agreed_hours_week_at_most_60")]
        verbose_name = _("change of agreed hours")
        verbose_name_plural = _("changes of agreed hours")

    def __str__(self):
        return f"{self.ordinary_hours} + {self.internship_hours} ({self.from_date:%d.%m.%Y})"


class Timesheet(models.Model):
    """Hours for one placement in one ISO week; ordinary paid hours are always kept apart from internship hours."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="timesheets")
    week_start = models.DateField(_("week (Monday)"))
    ordinary_hours = models.DecimalField(
        _("ordinary paid hours"), max_digits=4, decimal_places=1, default=0, validators=HOURS_VALIDATORS
    )
    internship_hours = models.DecimalField(
        _("internship hours"), max_digits=4, decimal_places=1, default=0, validators=HOURS_VALIDATORS
    )
    # Hours with wage subsidy (løntilskud): their own figure, never ordinary paid hours in any report or pay.
    subsidised_hours = models.DecimalField(
        _("subsidised hours (løntilskud)"), max_digits=4, decimal_places=1, default=0, validators=HOURS_VALIDATORS
    )
    registered_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered"), auto_now=True)
    # The company's word on the week, given through its link (jobbro/portal): confirmed as registered, or corrected.
    # A correction never overwrites the registration; it waits beside it until the job broker accepts it.
    company_confirmed_at = models.DateTimeField(_("confirmed by the company"), null=True, blank=True)
    company_confirmed_by_link = models.ForeignKey(
        "portal.AccessLink", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    company_corrected_hours = models.DecimalField(
        _("ordinary paid hours as corrected by the company"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HOURS_VALIDATORS,
    )
    company_corrected_internship_hours = models.DecimalField(
        _("internship hours as corrected by the company"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HOURS_VALIDATORS,
    )

    class Meta:
        ordering = ["week_start"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "week_start"], name="timesheet_one_per_week"),
            models.CheckConstraint(
                condition=models.Q(
                    ordinary_hours__gte=0, ordinary_hours__lte=60, internship_hours__gte=0, internship_hours__lte=60
                ),
                name="timesheet_hours_0_to_60",
            ),
            week_at_most_60("timesheet_week_at_most_60"),
            models.CheckConstraint(
                condition=models.Q(subsidised_hours__gte=0)
                & models.Q(
                    subsidised_hours__lte=models.Value(MAX_WEEKLY_HOURS + Decimal("0.05"))
                    - models.F("ordinary_hours")
                    - models.F("internship_hours")
                ),
                name="timesheet_subsidised_within_week",
                violation_error_message=_(
                    "Ordinary, internship and subsidised hours together can be at most 60 a week."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["week_start"]),
            # The reports ask, per placement, which weeks had ordinary or internship hours: with the hours in the
            # index, PostgreSQL answers from the index alone instead of reading weeks scattered over the table.
            models.Index(
                fields=["placement", "week_start"],
                include=["ordinary_hours", "internship_hours"],
                name="timesheet_week_hours",
            ),
            # "Had ordinary paid hours by a date" is the employment result goal and is asked in most reports: this
            # index holds only the weeks with ordinary hours, so a placement that never had any is passed at once.
            models.Index(
                fields=["placement", "week_start"],
                condition=models.Q(ordinary_hours__gt=0),
                name="timesheet_ordinary_weeks",
            ),
        ]
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")

    def __str__(self):
        return f"{self.iso_week}: {self.ordinary_hours} + {self.internship_hours}"

    def clean(self):
        if self.week_start and self.week_start.isoweekday() != 1:
            raise ValidationError({"week_start": _("A week starts on a Monday.")})

    @property
    def iso_week(self):
        year, week, _day = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def company_correction_pending(self):
        """The company corrected the week and the job broker has not yet accepted it."""
        return self.company_corrected_hours is not None or self.company_corrected_internship_hours is not None

    @property
    def confirmed_by_company(self):
        """The company confirmed the hours as they are registered (or its correction was accepted)."""
        return self.company_confirmed_at is not None and not self.company_correction_pending


class HourlyWage(models.Model):
    """A placement's hourly wage from a date: append-only history, one row per change (cases/actions.py
    set_hourly_wage). The wage in force for a week is the latest from on or before the week's Monday
    (cases/wages.py)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="wages")
    valid_from = models.DateField(_("wage from"))
    hourly_wage = models.DecimalField(
        _("hourly wage (kr.)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("10000"))],
    )
    set_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    set_at = models.DateTimeField(_("set"), auto_now_add=True)

    class Meta:
        ordering = ["placement", "valid_from", "pk"]
        indexes = [models.Index(fields=["placement", "valid_from"], name="hourly_wage_from")]
        verbose_name = _("hourly wage")
        verbose_name_plural = _("hourly wages")

    def __str__(self):
        return f"{self.hourly_wage} kr. from {self.valid_from:%d.%m.%Y}"


class WageListSending(models.Model):
    """The benefits office's monthly list of paid hours and gross wages (ydelseskontoret), marked as sent for one
    programme (or one of its sites) and one month: who sent it, when, and a snapshot of the figures sent, per
    citizen id (no names, no CPR numbers: the snapshot is there to find what changed since). A correction list is
    sent the same way; the latest sending of a month is what the benefits office knows (cases/wage_list.py)."""

    class Kind(models.TextChoices):
        LIST = "list", _("Monthly list")
        CORRECTION = "correction", _("Correction list")

    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    month = models.DateField(_("month"))  # the first day of the month
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.LIST)
    sent_on = models.DateField(_("sent on"))
    sent_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by"))
    sent_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # {citizen id: {"hours": "37.5", "gross_pay": "4875.00"}}: the figures as sent (a correction: all of the month's).
    figures = models.JSONField(_("figures sent"), default=dict)

    class Meta:
        ordering = ["month", "sent_at", "pk"]
        indexes = [models.Index(fields=["programme", "month"], name="wage_list_sent_month")]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__day=1), name="wage_list_month_first_day"),
        ]
        verbose_name = _("list sent to the benefits office")
        verbose_name_plural = _("lists sent to the benefits office")

    def __str__(self):
        return f"{self.get_kind_display()} {self.month:%m.%Y} {self.sent_on:%d.%m.%Y}"


class Contact(models.Model):
    class Kind(models.TextChoices):
        CONVERSATION = "conversation", _("Conversation")
        PHONE = "phone", _("Phone")
        COMPANY_VISIT = "company_visit", _("Company visit")
        COFFEE_VISIT = "coffee_visit", _("Coffee visit")
        MATCH_MEETING = "match_meeting", _("Match meeting")
        MONTHLY_FOLLOW_UP = "monthly_follow_up", _("Monthly follow-up")
        THREE_MONTH_TALK = "three_month_talk", _("Three-month talk")
        AFTERCARE = "aftercare", _("Aftercare")
        # With a treatment or support provider about the citizen: only with the citizen's consent (log_contact).
        TREATMENT_CONTACT = "treatment_contact", _("Contact with a treatment or support provider")

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("enrolment")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    staff = models.ManyToManyField("accounts.User", blank=True, related_name="+", verbose_name=_("staff present"))
    company_contacts = models.ManyToManyField(
        "companies.CompanyContact", blank=True, related_name="+", verbose_name=_("company people present")
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    # A case note: managers and evaluators never see it.
    note = models.TextField(
        _("note"), blank=True, max_length=textlimits.NOTE, validators=textlimits.text_validators(textlimits.NOTE)
    )
    registered_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_id = models.CharField(_("external id"), max_length=60, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["enrolment", "occurred_on"])]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.occurred_on:%d.%m.%Y})"


class UpskillingDecision(models.Model):
    """At the first talk upskilling must be considered: yes with a course, or no with a reason."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="upskilling_decisions")
    decided_on = models.DateField(_("date"))
    wanted = models.BooleanField(_("upskilling wanted"))
    course = models.ForeignKey(
        "companies.Course", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("course")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["decided_on", "id"]
        # Fidelity asks, per case, whether upskilling was decided by a date.
        indexes = [models.Index(fields=["enrolment", "decided_on"], name="upskilling_by_date")]
        verbose_name = _("upskilling decision")
        verbose_name_plural = _("upskilling decisions")

    def __str__(self):
        return f"{self.decided_on:%d.%m.%Y}: {self.course or self.reason}"

    def clean(self):
        if self.wanted and not self.course_id:
            raise ValidationError({"course": _("Choose the course when upskilling is wanted.")})
        if not self.wanted and not self.reason.strip():
            raise ValidationError({"reason": _("Give the reason when upskilling is not wanted.")})


class UpskillingEnrolment(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        INTERRUPTED = "interrupted", _("Interrupted")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="upskilling")
    course = models.ForeignKey("companies.Course", on_delete=models.PROTECT, verbose_name=_("course"))
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"), null=True, blank=True)
    # "Completed" means completed: a course left after a week is interrupted, whatever a survey would say.
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("upskilling")
        verbose_name_plural = _("upskilling")

    def __str__(self):
        return f"{self.course} ({self.get_status_display()})"


PROGRESSION_DIMENSIONS = (
    "work_ability",
    "keep_job_ability",
    "physical_health",
    "mental_health",
    "sleep",
    "family_relations",
    "belief_in_job_chances",
)
SCORE = [MinValueValidator(1), MaxValueValidator(10)]


class ProgressionAssessment(models.Model):
    """The citizen's own assessment (like MinVurdering), 1-10 on each dimension, repeated over time."""

    DIMENSIONS = PROGRESSION_DIMENSIONS

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("date"))
    work_ability = models.PositiveSmallIntegerField(_("work ability"), validators=SCORE)
    keep_job_ability = models.PositiveSmallIntegerField(_("ability to keep a job"), validators=SCORE)
    physical_health = models.PositiveSmallIntegerField(_("physical health"), validators=SCORE)
    mental_health = models.PositiveSmallIntegerField(_("mental health"), validators=SCORE)
    sleep = models.PositiveSmallIntegerField(_("sleep"), validators=SCORE)
    family_relations = models.PositiveSmallIntegerField(_("family relations"), validators=SCORE)
    belief_in_job_chances = models.PositiveSmallIntegerField(_("belief in own job chances"), validators=SCORE)

    class Meta:
        ordering = ["assessed_on", "id"]
        # Each enrolment's assessments in order with their scores, read from the index alone: the progression report
        # numbers them from the first and the latest without a sort.
        indexes = [
            models.Index(
                fields=["enrolment", "assessed_on", "id"],
                include=list(PROGRESSION_DIMENSIONS),
                name="assessment_by_date",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{d}__gte": 1 for d in PROGRESSION_DIMENSIONS})
                & models.Q(**{f"{d}__lte": 10 for d in PROGRESSION_DIMENSIONS}),
                name="assessment_scores_1_to_10",
            )
        ]
        verbose_name = _("progression assessment")
        verbose_name_plural = _("progression assessments")

    def __str__(self):
        return f"{self.assessed_on:%d.%m.%Y}"

    @classmethod
    def dimension_label(cls, dimension):
        """The short name of a dimension, e.g. "Work ability" (its field's label): the forms' and the report's."""
        label = str(cls._meta.get_field(dimension).verbose_name)
        return label[:1].upper() + label[1:]


class OutcomeStatus(models.TextChoices):
    ORDINARY_JOB = "ordinary_job", _("Self-sufficient / ordinary job")
    FLEX_JOB = "flex_job", _("Flex job")
    EDUCATION = "education", _("Education")
    IN_PROGRAMME = "in_programme", _("Still in the programme")
    BENEFIT = "benefit", _("Still on benefit")
    EARLY_PENSION = "early_pension", _("Early-retirement pension")
    OTHER = "other", _("Other")


class Outcome(models.Model):
    """Where the citizen stands at exit (end form) or at a later follow-up date."""

    class Kind(models.TextChoices):
        EXIT = "exit", _("At exit")
        FOLLOW_UP = "follow_up", _("Follow-up")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    measured_on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=20, choices=OutcomeStatus.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["measured_on", "id"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        # The latest outcome on a date, read backwards from the index alone (the site and follow-up reports).
        indexes = [models.Index(fields=["enrolment", "measured_on", "id"], include=["status"], name="outcome_on_date")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_status_display()} ({self.measured_on:%d.%m.%Y})"


class ProgressionInvitationQuerySet(models.QuerySet):
    def live(self, now):
        """Invitations that can still be used: not used and not expired."""
        return self.filter(used_at__isnull=True, expires_at__gt=now)


class ProgressionInvitation(models.Model):
    """A one-time invitation to fill in the self-assessment on a tablet, without logging in.

    The staff member is shown a link with a random token (for this device) and a six-digit code (to type on
    another device) once; only keyed hashes of them are stored, so neither can be read back from the database.
    Neither contains anything about the citizen. The invitation expires after a while and is used once:
    `used_at` is set in the same transaction that saves the assessment. A code is exchanged once for a fresh
    token (`code_hash` is then emptied), so a code read over the citizen's shoulder cannot be used again.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assessment_invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    assessment = models.OneToOneField(
        ProgressionAssessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )

    objects = ProgressionInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("self-assessment invitation")
        verbose_name_plural = _("self-assessment invitations")

    def __str__(self):
        return f"{self.enrolment_id} · {self.created_at:%d.%m.%Y %H:%M}"

    @staticmethod
    def hash_token(token):
        # The token is 256 random bits: a plain hash is enough to make a stored row useless as a link.
        return hashlib.sha256(str(token).encode()).hexdigest()

    @staticmethod
    def hash_code(code):
        # A six-digit code could be found from a plain hash by trying all million; keyed with the secret key it cannot.
        return salted_hmac("jobbro.cases.ProgressionInvitation.code", str(code), algorithm="sha256").hexdigest()

    def is_live(self, now):
        return self.used_at is None and self.expires_at > now


# --- The funders' participant forms (docs/funders.md) ----------------------------------------------------------------
#
# EU-funded programmes report each participant's start form and end form to the funder (for the ESF+ in Denmark,
# Erhvervsstyrelsen: "Deltagerstartskema og deltagerophørsskema", regionalt.erhvervsstyrelsen.dk/indberetning-af-
# deltagerne-paa-socialfondsprojekter). The answers follow the common indicators of Regulation (EU) 2021/1057 (ESF+),
# Annex I (eur-lex.europa.eu, CELEX 32021R1057): labour-market status at entry, education level by ISCED group, age
# group and sex; at exit the immediate results. The age group is computed from the birth date at the start form date,
# never typed (cases/funders.py age_group).


class ParticipantSex(models.TextChoices):
    """As the citizen answers it on the start form; never derived from the CPR number."""

    FEMALE = "female", _("Woman")
    MALE = "male", _("Man")
    OTHER = "other", _("Non-binary or other")
    NOT_STATED = "not_stated", _("Does not wish to say")


class EducationLevel(models.TextChoices):
    """The highest education completed, in the ESF+ indicators' ISCED 2011 groups."""

    ISCED_0_2 = "isced_0_2", _("ISCED 0-2: at most primary and lower secondary school (grundskole)")
    ISCED_3_4 = "isced_3_4", _("ISCED 3-4: upper secondary or post-secondary, non-tertiary (gymnasium, EUD)")
    ISCED_5_8 = "isced_5_8", _("ISCED 5-8: tertiary (short, medium or long higher education)")


class StatusAtEntry(models.TextChoices):
    """The labour-market status at entry: exactly one per participant (the ESF+ output indicators' categories;
    long-term unemployed is a part of unemployed there, so the export shows both columns for it)."""

    UNEMPLOYED = "unemployed", _("Unemployed (not long-term)")
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", _("Long-term unemployed")
    INACTIVE = "inactive", _("Inactive (outside the labour force)")
    EMPLOYED = "employed", _("Employed, including self-employed")


class StatusAtExit(models.TextChoices):
    """Where the participant stands on leaving (the ESF+ immediate result indicators); a qualification gained is a
    separate answer (ParticipantForm.qualification_gained)."""

    EMPLOYED = "employed", _("In employment, including self-employment")
    EDUCATION = "education", _("In education or training")
    JOB_SEARCHING = "job_searching", _("Engaged in job searching")
    INACTIVE = "inactive", _("Inactive, none of these")


class ParticipantForm(models.Model):
    """The funder's answers of one enrolment's start form and end form. Written only by cases.actions
    (fill_start_form, end_enrolment, record_participant_form), each change in the change log."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="participant_form", verbose_name=_("enrolment")
    )
    sex = models.CharField(_("sex (as the citizen answers)"), max_length=12, choices=ParticipantSex.choices, blank=True)
    education_level = models.CharField(
        _("highest education completed"), max_length=12, choices=EducationLevel.choices, blank=True
    )
    status_at_entry = models.CharField(
        _("labour-market status at entry"), max_length=24, choices=StatusAtEntry.choices, blank=True
    )
    status_at_exit = models.CharField(
        _("labour-market status at exit"), max_length=16, choices=StatusAtExit.choices, blank=True
    )
    # Empty: not answered; the end form asks it.
    qualification_gained = models.BooleanField(_("gained a qualification"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    START_FIELDS = ("sex", "education_level", "status_at_entry")
    END_FIELDS = ("status_at_exit", "qualification_gained")

    class Meta:
        verbose_name = _("participant form")
        verbose_name_plural = _("participant forms")

    def __str__(self):
        return f"{self._meta.verbose_name} · {self.enrolment_id}"

    def missing_start(self):
        return [name for name in self.START_FIELDS if getattr(self, name) in ("", None)]

    def missing_end(self):
        return [name for name in self.END_FIELDS if getattr(self, name) in ("", None)]
