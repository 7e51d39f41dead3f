"""Plain rows for report tests: build a programme straight into the tables, as an import or years of use would.

The reports read records, not actions, so these write rows directly (fast enough for Hypothesis) and
take every date as an argument. Nothing here is validated: tests of the data-quality checks need rows
the actions would refuse.
"""

import datetime
import itertools

from jobbro.accounts.models import Programme, Role, Site, User
from jobbro.cases.models import (
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    Placement,
    StepChange,
    Timesheet,
    UpskillingDecision,
)
from jobbro.companies.models import Company
from jobbro.conftest import make_cvr
from jobbro.people import cpr
from jobbro.people.models import Citizen, CVEntry, JobGoal

_serial = itertools.count(1)


def programme_with_sites(*names, starts_on=datetime.date(2025, 1, 1), name=None):
    programme = Programme.objects.create(name=name or f"Programme {next(_serial)}", starts_on=starts_on)
    sites = tuple(Site.objects.create(programme=programme, name=site_name) for site_name in names or ("Site A",))
    return programme, sites


def broker(username=None):
    return User.objects.create(username=username or f"broker{next(_serial)}", role=Role.JOB_BROKER)


def citizen(**fields):
    n = next(_serial)
    number = f"{n:010d}"  # unique, not a real CPR number: the reports never read it
    values = {
        "first_name": "Borger",
        "last_name": f"Nr{n}",
        "birth_date": datetime.date(1985, 1, 1),
        "sex": "female",
        "traffic_light": "yellow",
    }
    values.update(fields)
    return Citizen.objects.create(cpr_encrypted=cpr.encrypt(number), cpr_hash=cpr.lookup_hash(number), **values)


def enrolment(
    site, referred_on, *, ended_on=None, job_broker=None, estimated_weekly_hours=10, step=1, the_citizen=None, **fields
):
    """An enrolment with its first step and job-broker history rows, as the referral action writes them.

    The start form is filled on the referral date unless `started_on` says otherwise (None: not filled)."""
    fields.setdefault("started_on", referred_on)
    made = Enrolment.objects.create(
        citizen=the_citizen or citizen(),
        programme=site.programme,
        site=site,
        referred_on=referred_on,
        ended_on=ended_on,
        job_broker=job_broker,
        estimated_weekly_hours=estimated_weekly_hours,
        traffic_light_at_referral="yellow",
        current_step=step,
        **fields,
    )
    StepChange.objects.create(enrolment=made, step=1, changed_on=referred_on)
    if job_broker:
        AssignmentChange.objects.create(
            enrolment=made, role=AssignmentChange.Role.JOB_BROKER, user=job_broker, changed_on=referred_on
        )
    return made


def company(kind=Company.Kind.PRIVATE, name=None):
    return Company.objects.create(
        cvr=make_cvr(), name=name or f"Company {next(_serial)}", industry_code="561010", kind=kind
    )


def placement(
    enrolment, company, kind, starts_on, *, ended_on=None, planned_end_on=None, agreed_ordinary_hours=None, **fields
):
    return Placement.objects.create(
        enrolment=enrolment,
        company=company,
        kind=kind,
        starts_on=starts_on,
        ended_on=ended_on,
        planned_end_on=planned_end_on,
        agreed_ordinary_hours=agreed_ordinary_hours,
        **fields,
    )


def week(placement, monday, ordinary=0, internship=0):
    assert monday.isoweekday() == 1, "a timesheet week starts on a Monday"
    return Timesheet.objects.create(
        placement=placement, week_start=monday, ordinary_hours=ordinary, internship_hours=internship
    )


def days(n):
    return datetime.timedelta(days=n)


def monday(day):
    return day - datetime.timedelta(days=day.weekday())


def assign_broker(enrolment, user, on):
    """A change of job broker from a date (user None: the case has no job broker from then)."""
    from jobbro.cases.models import AssignmentChange

    return AssignmentChange.objects.create(
        enrolment=enrolment, role=AssignmentChange.Role.JOB_BROKER, user=user, changed_on=on
    )


def opening(company, programme, posted_on, *, status=None, filled_on=None, closed_on=None, weekly_hours=5):
    """A small job; the status follows the dates unless given (a status without its date is a broken record)."""
    from jobbro.companies.models import Opening

    if status is None:
        status = Opening.Status.FILLED if filled_on else Opening.Status.CLOSED if closed_on else Opening.Status.OPEN
    return Opening.objects.create(
        company=company,
        programme=programme,
        title=f"Small job {next(_serial)}",
        tasks="Tasks",
        weekly_hours=weekly_hours,
        posted_on=posted_on,
        status=status,
        filled_on=filled_on,
        closed_on=closed_on,
    )


def target_group(name=None):
    from jobbro.accounts.models import TargetGroup

    n = next(_serial)
    return TargetGroup.objects.create(code=f"group-{n}", name=name or f"Target group {n}")


def assessment(enrolment, assessed_on, score=5, **scores):
    """A self-assessment with every dimension at `score` unless named in `scores`."""
    from jobbro.cases.models import ProgressionAssessment

    values = dict.fromkeys(ProgressionAssessment.DIMENSIONS, score)
    values.update(scores)
    return ProgressionAssessment.objects.create(enrolment=enrolment, assessed_on=assessed_on, **values)


# --- Records the fidelity indicators and the report facts read ---------------------------------------------------


def goal(enrolment, set_on, kind=JobGoal.Kind.GOAL):
    return JobGoal.objects.create(citizen_id=enrolment.citizen_id, kind=kind, text="Køkkenmedhjælper", set_on=set_on)


def contact(enrolment, occurred_on, kind=Contact.Kind.CONVERSATION):
    return Contact.objects.create(enrolment=enrolment, kind=kind, occurred_on=occurred_on)


def decision(enrolment, decided_on):
    return UpskillingDecision.objects.create(
        enrolment=enrolment, decided_on=decided_on, wanted=False, reason="Vil arbejde"
    )


def cv_entry(enrolment, recorded_on):
    return CVEntry.objects.create(
        citizen_id=enrolment.citizen_id, kind=CVEntry.Kind.WORK, title="Lager", recorded_on=recorded_on
    )


def agreement(placement, from_date, ordinary):
    return AgreedHoursChange.objects.create(placement=placement, from_date=from_date, ordinary_hours=ordinary)
