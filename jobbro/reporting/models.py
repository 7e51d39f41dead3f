"""Facts kept for the reports: summaries of a case's records that hold for every as-of date.

Each fact is a first or last date, a yes/no that only depends on records dated before the date any report asks
about it, or the period a job broker held a case. None is ever typed: jobbro/reporting/facts.py computes them
from the records, and refreshes a case's facts whenever one of its records is saved or deleted (see that module
for how and for the one command that rebuilds them all). The records stay the truth; a report that reads a fact
reads what it would compute from the records, only without reading millions of weeks again.
"""

from django.db import models

# Only jobbro/reporting/facts.py writes and deletes these rows, the deleted records' facts included; a database
# constraint would refuse the order in which a cascade deletes a case's records and refreshes its facts.
OWNED_BY_REFRESH = {"on_delete": models.DO_NOTHING, "db_constraint": False}


class EnrolmentFacts(models.Model):
    enrolment = models.OneToOneField("cases.Enrolment", primary_key=True, related_name="facts", **OWNED_BY_REFRESH)
    first_contact_on = models.DateField(null=True)
    first_upskilling_decision_on = models.DateField(null=True)
    first_job_goal_on = models.DateField(null=True)  # the citizen's first job goal (a wish is not a goal)
    job_goal_in_time = models.BooleanField(default=False)  # the first job goal within 28 days of the referral
    first_cv_entry_on = models.DateField(null=True)  # the citizen's first CV entry, written in any course
    thirteen_weeks_by_week_26 = models.BooleanField(default=False)
    # Over the enrolment's placements: the first start, and the first day ordinary hours count (the later of the
    # first paid week and the placement's start), in all, at social-economic companies, at housing organisations;
    # and the first start of an internship or hybrid internship.
    first_start_on = models.DateField(null=True)
    first_paid_on = models.DateField(null=True)
    first_social_economic_start_on = models.DateField(null=True)
    first_social_economic_paid_on = models.DateField(null=True)
    first_housing_start_on = models.DateField(null=True)
    first_housing_paid_on = models.DateField(null=True)
    first_internship_start_on = models.DateField(null=True)
    # For the record checks: the latest step change (by date, then id) and its date, so a case's step on any date
    # from that one on is read here instead of from its history; and the outcomes dated before the referral.
    latest_step = models.PositiveSmallIntegerField(null=True)
    latest_step_on = models.DateField(null=True)
    outcomes_before_referral = models.PositiveIntegerField(default=0)
    # For the fidelity report's monthly follow-up: the latest contact that is not aftercare.
    latest_follow_up_contact_on = models.DateField(null=True)

    class Meta:
        default_permissions = ()
        indexes = [
            models.Index(
                fields=["enrolment"],
                condition=models.Q(outcomes_before_referral__gt=0),
                name="facts_outcomes_before_referral",
            ),
            models.Index(fields=["latest_step", "latest_step_on", "enrolment"], name="facts_latest_step"),
            models.Index(fields=["latest_step_on", "enrolment"], name="facts_latest_step_on"),
        ]

    def __str__(self):
        return f"facts of enrolment {self.enrolment_id}"


class PlacementFacts(models.Model):
    placement = models.OneToOneField("cases.Placement", primary_key=True, related_name="facts", **OWNED_BY_REFRESH)
    enrolment = models.ForeignKey("cases.Enrolment", related_name="+", **OWNED_BY_REFRESH)
    first_week = models.DateField(null=True)  # of any timesheet
    last_week = models.DateField(null=True)
    first_paid_week = models.DateField(null=True)  # the first week with ordinary hours above 0
    # A week of hours lies wholly before the start, after the placement's end, or after the citizen's exit.
    weeks_outside_dates = models.BooleanField(default=False)
    ordinary_hours_at_start = models.BooleanField(default=False)
    cv_updated = models.BooleanField(default=False)  # a CV entry from the start to 30 days after the end
    # For the record checks: the first day this placement runs together with a later-recorded placement of the
    # same case (both started and neither ended), and the planned end of a placement that has not ended.
    overlaps_from = models.DateField(null=True)
    unended_planned_end_on = models.DateField(null=True)

    class Meta:
        default_permissions = ()
        # The record checks start from the few placements each one is about.
        indexes = [
            models.Index(
                fields=["placement"], condition=models.Q(weeks_outside_dates=True), name="facts_weeks_outside_dates"
            ),
            models.Index(
                fields=["overlaps_from"], condition=models.Q(overlaps_from__isnull=False), name="facts_overlaps_from"
            ),
            models.Index(
                fields=["unended_planned_end_on"],
                condition=models.Q(unended_planned_end_on__isnull=False),
                name="facts_unended_planned_end",
            ),
        ]

    def __str__(self):
        return f"facts of placement {self.placement_id}"


class JobBrokerPeriod(models.Model):
    """The job broker of an enrolment from `starts_on` (NULL: always) until the day before `ends_on` (NULL: still).

    The periods of an enrolment never overlap, so at most one holds on any date; a date no period holds had no
    job broker. `user` NULL is a period without one."""

    enrolment = models.ForeignKey("cases.Enrolment", related_name="job_broker_periods", **OWNED_BY_REFRESH)
    user = models.ForeignKey("accounts.User", null=True, related_name="+", **OWNED_BY_REFRESH)
    starts_on = models.DateField(null=True)
    ends_on = models.DateField(null=True)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["enrolment", "starts_on"], name="job_broker_period")]

    def __str__(self):
        return f"{self.user_id} on enrolment {self.enrolment_id} from {self.starts_on} to {self.ends_on}"


class StaleFacts(models.Model):
    """An enrolment one of whose records was saved or deleted since its facts were computed."""

    enrolment_id = models.IntegerField(primary_key=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"stale facts of enrolment {self.enrolment_id}"


class CompanyTrackRecord(models.Model):
    """A company's track record in one programme (jobbro/reporting/track_record.py's figures), as of `computed_on`.

    The figures hold, with no write in between, from `computed_on` until the day before `valid_until` (NULL: until
    a write): that is the first day a placement starts or ends its run, an internship leaves the look-back period or
    a dated contact comes due. jobbro/reporting/company_facts.py computes and refreshes them; a pair with no
    placement and no contact in the programme has no row (all figures 0, no contact)."""

    programme = models.ForeignKey("accounts.Programme", related_name="+", **OWNED_BY_REFRESH)
    company = models.ForeignKey("companies.Company", related_name="+", **OWNED_BY_REFRESH)
    internships_started = models.PositiveIntegerField(default=0)
    internships_paid = models.PositiveIntegerField(default=0)
    recent_internships = models.PositiveIntegerField(default=0)
    recent_internships_paid = models.PositiveIntegerField(default=0)
    average_weekly_ordinary_hours = models.DecimalField(max_digits=12, decimal_places=6, null=True)
    current_citizens = models.PositiveIntegerField(default=0)
    last_contact_on = models.DateField(null=True)
    lookback_days = models.PositiveIntegerField()  # the programme's factory look-back the recent figures used
    computed_on = models.DateField()
    valid_until = models.DateField(null=True)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["company", "programme"], name="company_track_record_unique"),
        ]
        indexes = [models.Index(fields=["valid_until"], name="company_track_record_until")]

    def __str__(self):
        return f"track record of company {self.company_id} in programme {self.programme_id}"


class StaleCompanyFacts(models.Model):
    """A company one of whose placements, timesheets or contacts was saved or deleted since its track record was
    computed."""

    company_id = models.IntegerField(primary_key=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"stale track record of company {self.company_id}"
