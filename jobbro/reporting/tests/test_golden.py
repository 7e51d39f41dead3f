"""A golden programme: a small, complete programme built by hand, whose every report cell is known in advance.

The fixture's docstring is the programme. Every expected table below was worked out by hand from it (the
comments next to the figures say how), never by calling the report code, so a change in any report's
definitions shows up here as a cell that no longer matches.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from jobbro.accounts.models import ResultGoal, TargetGroup
from jobbro.cases.models import (
    AgreedHoursChange,
    Contact,
    JobPlan,
    Outcome,
    OutcomeStatus,
    PlacementEndReason,
    PlacementKind,
    ProgressionAssessment,
    Step,
    StepChange,
    Timesheet,
    UpskillingDecision,
)
from jobbro.companies.models import Company, CompanyContact, Course, KnowledgeInstitution
from jobbro.people.models import CVEntry, JobGoal
from jobbro.reporting import fidelity, follow_up, funnel, goals_report, hours, progression, quality, sites, status
from jobbro.reporting.base import Light, Scope, Scored, Share
from jobbro.reporting.registry import REPORTS
from jobbro.reporting.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

D = datetime.date
ON = D(2026, 6, 30)  # a Tuesday: the fortnight is 17.06–30.06.2026, the hours window the weeks of 08.06–29.06
EARLY = D(2025, 12, 31)  # a Wednesday: the fortnight is 18.12–31.12.2025
ONE_WEEK = datetime.timedelta(days=7)


# --- Building blocks -------------------------------------------------------------------------------------------------


def named_broker(username, first_name, last_name):
    user = f.broker(username)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


def weekly(placement, first_monday, last_monday, *, ordinary=0, internship=0):
    """One timesheet for every week from `first_monday` to `last_monday`, both included."""
    mondays = []
    monday = first_monday
    while monday <= last_monday:
        mondays.append(monday)
        monday += ONE_WEEK
    assert all(day.isoweekday() == 1 for day in mondays)
    Timesheet.objects.bulk_create(
        Timesheet(placement=placement, week_start=day, ordinary_hours=ordinary, internship_hours=internship)
        for day in mondays
    )
    return len(mondays)


def job_goal(citizen, set_on, kind=JobGoal.Kind.GOAL):
    return JobGoal.objects.create(citizen=citizen, kind=kind, text="Kitchen assistant", set_on=set_on)


def cv_entry(citizen, recorded_on, kind=CVEntry.Kind.WORK):
    return CVEntry.objects.create(citizen=citizen, kind=kind, title="CV line", recorded_on=recorded_on)


def contact(enrolment, occurred_on, kind=Contact.Kind.CONVERSATION):
    return Contact.objects.create(enrolment=enrolment, kind=kind, occurred_on=occurred_on)


def first_talk(enrolment, on, *, decided_on=None, course=None):
    """The first talk (a conversation), with upskilling decided at it or later on `decided_on`."""
    contact(enrolment, on)
    UpskillingDecision.objects.create(
        enrolment=enrolment,
        decided_on=decided_on or on,
        wanted=course is not None,
        course=course,
        reason="" if course else "Danish lessons first",
    )


def assess(enrolment, assessed_on, score, **scores):
    values = dict.fromkeys(ProgressionAssessment.DIMENSIONS, score)
    values.update(scores)
    return ProgressionAssessment.objects.create(enrolment=enrolment, assessed_on=assessed_on, **values)


def outcome(enrolment, measured_on, status, kind=Outcome.Kind.EXIT):
    return Outcome.objects.create(enrolment=enrolment, kind=kind, measured_on=measured_on, status=status)


def step(enrolment, changed_on, to):
    return StepChange.objects.create(enrolment=enrolment, step=to, changed_on=changed_on)


def job_plan(enrolment, created_on, *, package):
    return JobPlan.objects.create(enrolment=enrolment, is_job_package=package, title="Plan", created_on=created_on)


# --- The programme ---------------------------------------------------------------------------------------------------


@pytest.fixture
def golden(db):
    """The golden programme. As of Tuesday 30.06.2026 (ON); the earlier date is Wednesday 31.12.2025 (EARLY).

    Programme from 01.01.2025; sites Aarhus (A) and Randers (R); job brokers Alice Andersen, Bo Berg, Carl Clausen.
    Companies: Bakery (private; buddy Pia), Social Café (social-economic), Housing Co (housing organisation; buddy
    Hans), Workshop (private), Parks (public). Target groups: "Young people under 30" (young), "Women of
    non-Western origin" (women). Ten citizens C1–C10, eleven enrolments E1–E11 (C10 has E10 and E11).
    Every timesheet is one a week, every Monday from the first to the last week given, at the hours given.

    enr. site broker  referred    ended       est.h group        what happened
    E1   A    Alice   01.06.2026  –           10    young        referred only, without a start form: nothing else
    E2   A    Alice   05.01.2026  –           15    –            job wish 06.01, job goal 20.01.2026 (within 4 weeks);
                                                                 first talk 07.01 with upskilling decision; CV 15.01;
                                                                 hybrid internship at Bakery from 22.06.2026, buddy,
                                                                 4 ordinary h agreed; weeks 22.06–29.06: 4 ord + 10 int
    E3   A    Bo      02.02.2026  –           20    young, women job goal 01.04.2026 (too late); first talk 04.02,
                                                                 upskilling decided only 16.02; CV 10.02; match meeting
                                                                 28.04; internship at Bakery from 04.05.2026 (planned
                                                                 end 31.07), buddy, no hours agreed (a condition);
                                                                 weeks 04.05–29.06: 15 internship h (no ordinary);
                                                                 monthly follow-up 10.06.2026; step 3 from 04.05.2026
    E4   A    Alice,  03.03.2025  –           10    women        job goal 10.03.2025; first talk 05.03 with decision;
              Bo from                                            CV 20.03.2025; small job at Social Café from
              02.03.2026                                         07.04.2025, no buddy, 8 h agreed (agreement from
                                                                 07.04); weeks 07.04.2025–29.06.2026: 8 ordinary h;
                                                                 monthly follow-ups 10.12.2025, 15.06.2026;
                                                                 step 2 from 20.03.2025, step 3 from 07.04.2025
    E5   R    Carl    01.09.2025  –           12    –            job goal 15.09.2025; first talk 03.09 deciding on a
                                                                 forklift course; CV 01.10.2025; small job at Housing Co
                                                                 from 03.11.2025, buddy, 12 h agreed; weeks
                                                                 03.11.2025–29.06.2026: 12 ordinary h; monthly
                                                                 follow-ups 15.12.2025, 20.06.2026
    E6   R    Carl    06.10.2025  –           20    young        job goal 20.10.2025; first talk (phone) 07.10 with
                                                                 decision; CV 15.10.2025; job plan 08.10.2025, job
                                                                 packages 20.10.2025 and 02.01.2026; wage subsidy at
                                                                 Workshop from 05.01.2026 (planned end 03.07.2026), no
                                                                 buddy, no ordinary hours agreed; weeks
                                                                 05.01–29.06.2026: 25 h in the internship column;
                                                                 monthly follow-ups 05.02.2026, 20.05.2026 (none since)
    E7   A    Bo      03.02.2025  29.08.2025  25    –            job goal 10.02.2025; first talk 05.02 with decision;
                                                                 job package 20.02.2025; internship at Bakery
                                                                 03.03–30.03.2025, buddy; weeks 03.03–24.03: 20 int h;
                                                                 CV 28.03.2025; ordinary job at Bakery 01.04–29.08.2025
                                                                 (a Tuesday start), buddy, 25 h agreed; week 31.03: 20
                                                                 ord h, weeks 07.04–25.08.2025: 25 ord h; exit outcome
                                                                 29.08.2025 ordinary job; CV 10.09.2025; aftercare
                                                                 01.10.2025; follow-up outcome 30.06.2026 (ON itself)
                                                                 still on benefit; step 4 from 29.08.2025
    E8   R    Carl    07.04.2025  31.03.2026  15    women        a job wish only (10.04.2025), never a goal; first talk
                                                                 (phone) 09.04, no upskilling decision ever; no CV;
                                                                 flex job at Parks 01.10.2025 (a Wednesday)–31.03.2026,
                                                                 15 h agreed; weeks 29.09.2025–30.03.2026: 15 ordinary
                                                                 h; monthly follow-up 01.12.2025; exit outcome
                                                                 31.03.2026 flex job
    E9   R    Carl    05.05.2025  28.11.2025  5     –            no job goal; first talk 07.05 with decision; no CV;
                                                                 internship at Workshop 02.06–25.07.2025, no buddy, no
                                                                 hours (a reason); weeks 02.06–21.07: 10 int h; ended
                                                                 with no outcome
    E10  A    Alice   02.06.2025  30.09.2025  10    young        (C10) job goal 20.06.2025; CV 15.06.2025; first talk
                                                                 04.06 with decision; exit outcome 30.09.2025 education
    E11  R    Bo      02.03.2026  –           8     young        (C10 again) first talk 04.03.2026 with decision;
                                                                 small job at Social Café from 04.05.2026 through
                                                                 opening O1, no buddy, 6 h on the placement but the
                                                                 first agreement of hours is dated 11.05 (after the
                                                                 start); weeks 04.05–29.06.2026: 6 ordinary h; monthly
                                                                 follow-up 25.06.2026

    Self-assessments (every dimension at the score given unless named):
    E2 07.01.2026: 4 · E3 04.02.2026: 5; 15.06.2026: 6, belief in job chances 8 · E4 05.03.2025: 4; 01.09.2025: 6;
    02.03.2026: 7, work ability 8 · E5 03.09.2025: 3; 04.05.2026: 5, mental health 6 · E6 05.01.2026: 5 ·
    E7 05.02.2025: 4; 20.08.2025: 7 · E8 09.04.2025: 5 · E9 07.05.2025: 5; 20.07.2025: 4, sleep 3 ·
    E10 04.06.2025: 3 · E11 04.03.2026: 5; 22.06.2026: 6

    Small jobs (openings) in the programme:
    O1 Social Café posted 20.04.2026 filled 01.05.2026 · O2 Bakery posted 20.06.2026, open · O3 Housing Co posted
    15.05.2026 filled 30.06.2026 · O4 Workshop posted 17.06.2026 closed 26.06.2026 · O5 Bakery posted 01.12.2025,
    open · O6 Housing Co posted 01.06.2026, open · O7 Social Café posted 20.12.2025 filled 15.01.2026

    Result goals: referred 6 by 31.12.2025 and 14 by 31.12.2026; matched and started 6 by 31.12.2025 and 8 by
    31.12.2026 (2 social-economic); employed 3 by 31.12.2025 (1 social-economic) and 7 by 31.12.2026
    (3 social-economic).
    """
    programme, (aarhus, randers) = f.programme_with_sites("Aarhus", "Randers", starts_on=D(2025, 1, 1), name="Golden")
    alice = named_broker("alice", "Alice", "Andersen")
    bo = named_broker("bo", "Bo", "Berg")
    carl = named_broker("carl", "Carl", "Clausen")
    young = TargetGroup.objects.create(code="young", name="Young people under 30")
    women = TargetGroup.objects.create(code="women", name="Women of non-Western origin")
    programme.target_groups.set([young, women])

    bakery = f.company(Company.Kind.PRIVATE, "Bakery")
    cafe = f.company(Company.Kind.SOCIAL_ECONOMIC, "Social Café")
    housing = f.company(Company.Kind.HOUSING_ORGANISATION, "Housing Co")
    workshop = f.company(Company.Kind.PRIVATE, "Workshop")
    parks = f.company(Company.Kind.PUBLIC, "Parks")
    pia = CompanyContact.objects.create(company=bakery, name="Pia", is_buddy=True, buddy_trained_on=D(2025, 1, 15))
    hans = CompanyContact.objects.create(company=housing, name="Hans", is_buddy=True)
    forklift = Course.objects.create(
        institution=KnowledgeInstitution.objects.create(name="AMU", kind=KnowledgeInstitution.Kind.ADULT_EDUCATION),
        name="Forklift",
        subject=Course.Subject.FORKLIFT,
        duration_days=5,
    )

    openings = {
        "O1": f.opening(cafe, programme, D(2026, 4, 20), filled_on=D(2026, 5, 1)),
        "O2": f.opening(bakery, programme, D(2026, 6, 20)),
        "O3": f.opening(housing, programme, D(2026, 5, 15), filled_on=D(2026, 6, 30)),
        "O4": f.opening(workshop, programme, D(2026, 6, 17), closed_on=D(2026, 6, 26)),
        "O5": f.opening(bakery, programme, D(2025, 12, 1)),
        "O6": f.opening(housing, programme, D(2026, 6, 1)),
        "O7": f.opening(cafe, programme, D(2025, 12, 20), filled_on=D(2026, 1, 15)),
    }

    def person(name, *groups):
        made = f.citizen(first_name=name)
        made.target_groups.set(groups)
        return made

    # E1: referred only; the start form is not filled.
    e1 = f.enrolment(
        aarhus,
        D(2026, 6, 1),
        job_broker=alice,
        estimated_weekly_hours=10,
        the_citizen=person("C1", young),
        started_on=None,
    )

    # E2: job goal within four weeks; a hybrid internship started in the fortnight.
    c2 = person("C2")
    e2 = f.enrolment(aarhus, D(2026, 1, 5), job_broker=alice, estimated_weekly_hours=15, the_citizen=c2)
    job_goal(c2, D(2026, 1, 6), JobGoal.Kind.WISH)
    job_goal(c2, D(2026, 1, 20))
    first_talk(e2, D(2026, 1, 7))
    cv_entry(c2, D(2026, 1, 15), CVEntry.Kind.EDUCATION)
    p2 = f.placement(
        e2,
        bakery,
        PlacementKind.HYBRID_INTERNSHIP,
        D(2026, 6, 22),
        planned_end_on=D(2026, 9, 18),
        agreed_ordinary_hours=4,
        buddy=pia,
    )
    weekly(p2, D(2026, 6, 22), D(2026, 6, 29), ordinary=4, internship=10)

    # E3: an internship only, at a private company with a buddy.
    c3 = person("C3", young, women)
    e3 = f.enrolment(
        aarhus, D(2026, 2, 2), job_broker=bo, estimated_weekly_hours=20, the_citizen=c3, step=Step.IN_COMPANY
    )
    job_goal(c3, D(2026, 4, 1))
    first_talk(e3, D(2026, 2, 4), decided_on=D(2026, 2, 16))
    cv_entry(c3, D(2026, 2, 10))
    contact(e3, D(2026, 4, 28), Contact.Kind.MATCH_MEETING)
    p3 = f.placement(
        e3,
        bakery,
        PlacementKind.INTERNSHIP,
        D(2026, 5, 4),
        planned_end_on=D(2026, 7, 31),
        buddy=pia,
        ordinary_hours_condition="Ordinary hours once 10 hours a week go well",
    )
    weekly(p3, D(2026, 5, 4), D(2026, 6, 29), internship=15)
    contact(e3, D(2026, 6, 10), Contact.Kind.MONTHLY_FOLLOW_UP)
    step(e3, D(2026, 5, 4), Step.IN_COMPANY)

    # E4: a small job at a social-economic company, ordinary hours every week; a change of job broker.
    c4 = person("C4", women)
    e4 = f.enrolment(
        aarhus, D(2025, 3, 3), job_broker=alice, estimated_weekly_hours=10, the_citizen=c4, step=Step.IN_COMPANY
    )
    f.assign_broker(e4, bo, D(2026, 3, 2))
    e4.job_broker = bo
    e4.save()
    job_goal(c4, D(2025, 3, 10))
    first_talk(e4, D(2025, 3, 5))
    cv_entry(c4, D(2025, 3, 20))
    p4 = f.placement(e4, cafe, PlacementKind.SMALL_JOB, D(2025, 4, 7), agreed_ordinary_hours=8)
    AgreedHoursChange.objects.create(placement=p4, from_date=D(2025, 4, 7), ordinary_hours=8)
    weekly(p4, D(2025, 4, 7), D(2026, 6, 29), ordinary=8)
    contact(e4, D(2025, 12, 10), Contact.Kind.MONTHLY_FOLLOW_UP)
    contact(e4, D(2026, 6, 15), Contact.Kind.MONTHLY_FOLLOW_UP)
    step(e4, D(2025, 3, 20), Step.TOWARDS_JOB)
    step(e4, D(2025, 4, 7), Step.IN_COMPANY)

    # E5: ordinary hours at the housing organisation.
    c5 = person("C5")
    e5 = f.enrolment(randers, D(2025, 9, 1), job_broker=carl, estimated_weekly_hours=12, the_citizen=c5)
    job_goal(c5, D(2025, 9, 15))
    first_talk(e5, D(2025, 9, 3), course=forklift)
    cv_entry(c5, D(2025, 10, 1))
    p5 = f.placement(e5, housing, PlacementKind.SMALL_JOB, D(2025, 11, 3), agreed_ordinary_hours=12, buddy=hans)
    weekly(p5, D(2025, 11, 3), D(2026, 6, 29), ordinary=12)
    contact(e5, D(2025, 12, 15), Contact.Kind.MONTHLY_FOLLOW_UP)
    contact(e5, D(2026, 6, 20), Contact.Kind.MONTHLY_FOLLOW_UP)

    # E6: wage subsidy; two job packages.
    c6 = person("C6", young)
    e6 = f.enrolment(randers, D(2025, 10, 6), job_broker=carl, estimated_weekly_hours=20, the_citizen=c6)
    job_goal(c6, D(2025, 10, 20))
    contact(e6, D(2025, 10, 7), Contact.Kind.PHONE)
    UpskillingDecision.objects.create(enrolment=e6, decided_on=D(2025, 10, 7), wanted=False, reason="Not now")
    cv_entry(c6, D(2025, 10, 15))
    job_plan(e6, D(2025, 10, 8), package=False)
    job_plan(e6, D(2025, 10, 20), package=True)
    job_plan(e6, D(2026, 1, 2), package=True)
    p6 = f.placement(
        e6,
        workshop,
        PlacementKind.WAGE_SUBSIDY,
        D(2026, 1, 5),
        planned_end_on=D(2026, 7, 3),
        ordinary_hours_condition="Hired with ordinary hours after the subsidy",
    )
    weekly(p6, D(2026, 1, 5), D(2026, 6, 29), internship=25)
    contact(e6, D(2026, 2, 5), Contact.Kind.MONTHLY_FOLLOW_UP)
    contact(e6, D(2026, 5, 20), Contact.Kind.MONTHLY_FOLLOW_UP)

    # E7: internship, then an ordinary job; exit with a job, later followed up as back on benefit.
    c7 = person("C7")
    e7 = f.enrolment(
        aarhus,
        D(2025, 2, 3),
        ended_on=D(2025, 8, 29),
        job_broker=bo,
        estimated_weekly_hours=25,
        the_citizen=c7,
        step=Step.ENDED,
    )
    job_goal(c7, D(2025, 2, 10))
    first_talk(e7, D(2025, 2, 5))
    job_plan(e7, D(2025, 2, 20), package=True)
    p7a = f.placement(
        e7,
        bakery,
        PlacementKind.INTERNSHIP,
        D(2025, 3, 3),
        ended_on=D(2025, 3, 30),
        buddy=pia,
        planned_end_on=D(2025, 3, 30),
        ordinary_hours_condition="Hired if the four weeks go well",
        end_reason=PlacementEndReason.HIRED,
    )
    weekly(p7a, D(2025, 3, 3), D(2025, 3, 24), internship=20)
    cv_entry(c7, D(2025, 3, 28), CVEntry.Kind.INTERNSHIP)
    p7b = f.placement(
        e7,
        bakery,
        PlacementKind.ORDINARY_JOB,
        D(2025, 4, 1),
        ended_on=D(2025, 8, 29),
        buddy=pia,
        agreed_ordinary_hours=25,
        end_reason=PlacementEndReason.COMPLETED,
    )
    weekly(p7b, D(2025, 3, 31), D(2025, 3, 31), ordinary=20)
    weekly(p7b, D(2025, 4, 7), D(2025, 8, 25), ordinary=25)
    outcome(e7, D(2025, 8, 29), OutcomeStatus.ORDINARY_JOB)
    cv_entry(c7, D(2025, 9, 10))
    contact(e7, D(2025, 10, 1), Contact.Kind.AFTERCARE)
    outcome(e7, D(2026, 6, 30), OutcomeStatus.BENEFIT, Outcome.Kind.FOLLOW_UP)  # measured on ON itself
    step(e7, D(2025, 8, 29), Step.ENDED)

    # E8: flex job, exit with flex job.
    c8 = person("C8", women)
    e8 = f.enrolment(
        randers,
        D(2025, 4, 7),
        ended_on=D(2026, 3, 31),
        job_broker=carl,
        estimated_weekly_hours=15,
        the_citizen=c8,
        step=Step.ENDED,
    )
    job_goal(c8, D(2025, 4, 10), JobGoal.Kind.WISH)
    contact(e8, D(2025, 4, 9), Contact.Kind.PHONE)  # the first talk; upskilling is never decided
    p8 = f.placement(
        e8,
        parks,
        PlacementKind.FLEX_JOB,
        D(2025, 10, 1),
        ended_on=D(2026, 3, 31),
        agreed_ordinary_hours=15,
        end_reason=PlacementEndReason.COMPLETED,
    )
    weekly(p8, D(2025, 9, 29), D(2026, 3, 30), ordinary=15)
    contact(e8, D(2025, 12, 1), Contact.Kind.MONTHLY_FOLLOW_UP)
    outcome(e8, D(2026, 3, 31), OutcomeStatus.FLEX_JOB)

    # E9: an internship without hours, ended with no outcome.
    c9 = person("C9")
    e9 = f.enrolment(
        randers,
        D(2025, 5, 5),
        ended_on=D(2025, 11, 28),
        job_broker=carl,
        estimated_weekly_hours=5,
        the_citizen=c9,
        step=Step.ENDED,
    )
    first_talk(e9, D(2025, 5, 7))
    p9 = f.placement(
        e9,
        workshop,
        PlacementKind.INTERNSHIP,
        D(2025, 6, 2),
        ended_on=D(2025, 7, 25),
        planned_end_on=D(2025, 7, 25),
        no_hours_reason="Clarifying what work she can do",
        end_reason=PlacementEndReason.CITIZEN_LEFT,
    )
    weekly(p9, D(2025, 6, 2), D(2025, 7, 21), internship=10)

    # E10 and E11: one citizen, exit into education, then referred again at the other site.
    c10 = person("C10", young)
    e10 = f.enrolment(
        aarhus,
        D(2025, 6, 2),
        ended_on=D(2025, 9, 30),
        job_broker=alice,
        estimated_weekly_hours=10,
        the_citizen=c10,
        step=Step.ENDED,
    )
    job_goal(c10, D(2025, 6, 20))
    cv_entry(c10, D(2025, 6, 15))
    first_talk(e10, D(2025, 6, 4))
    outcome(e10, D(2025, 9, 30), OutcomeStatus.EDUCATION)
    e11 = f.enrolment(randers, D(2026, 3, 2), job_broker=bo, estimated_weekly_hours=8, the_citizen=c10)
    first_talk(e11, D(2026, 3, 4))
    p11 = f.placement(
        e11, cafe, PlacementKind.SMALL_JOB, D(2026, 5, 4), agreed_ordinary_hours=6, opening=openings["O1"]
    )
    AgreedHoursChange.objects.create(placement=p11, from_date=D(2026, 5, 11), ordinary_hours=6)
    weekly(p11, D(2026, 5, 4), D(2026, 6, 29), ordinary=6)
    contact(e11, D(2026, 6, 25), Contact.Kind.MONTHLY_FOLLOW_UP)

    for enrolment, *assessments in [
        (e2, (D(2026, 1, 7), 4, {})),
        (e3, (D(2026, 2, 4), 5, {}), (D(2026, 6, 15), 6, {"belief_in_job_chances": 8})),
        (e4, (D(2025, 3, 5), 4, {}), (D(2025, 9, 1), 6, {}), (D(2026, 3, 2), 7, {"work_ability": 8})),
        (e5, (D(2025, 9, 3), 3, {}), (D(2026, 5, 4), 5, {"mental_health": 6})),
        (e6, (D(2026, 1, 5), 5, {})),
        (e7, (D(2025, 2, 5), 4, {}), (D(2025, 8, 20), 7, {})),
        (e8, (D(2025, 4, 9), 5, {})),
        (e9, (D(2025, 5, 7), 5, {}), (D(2025, 7, 20), 4, {"sleep": 3})),
        (e10, (D(2025, 6, 4), 3, {})),
        (e11, (D(2026, 3, 4), 5, {}), (D(2026, 6, 22), 6, {})),
    ]:
        for assessed_on, score, named in assessments:
            assess(enrolment, assessed_on, score, **named)

    for metric, target, deadline, social in [
        (ResultGoal.Metric.REFERRED, 6, D(2025, 12, 31), None),
        (ResultGoal.Metric.REFERRED, 14, D(2026, 12, 31), None),
        (ResultGoal.Metric.MATCHED_AND_STARTED, 6, D(2025, 12, 31), None),
        (ResultGoal.Metric.MATCHED_AND_STARTED, 8, D(2026, 12, 31), 2),
        (ResultGoal.Metric.EMPLOYED, 3, D(2025, 12, 31), 1),
        (ResultGoal.Metric.EMPLOYED, 7, D(2026, 12, 31), 3),
    ]:
        ResultGoal.objects.create(
            programme=programme, metric=metric, target=target, deadline=deadline, social_economic_target=social
        )

    return SimpleNamespace(
        programme=programme,
        aarhus=aarhus,
        randers=randers,
        alice=alice,
        bo=bo,
        carl=carl,
        young=young,
        women=women,
        e1=e1,
        e2=e2,
        e3=e3,
        e4=e4,
        e5=e5,
        e6=e6,
        e7=e7,
        e8=e8,
        e9=e9,
        e10=e10,
        e11=e11,
        p9=p9,
    )


def scope(golden, on):
    return Scope(programme=golden.programme, sites=(golden.aarhus, golden.randers), on=on)


def assert_cells(table, expected):
    """The table has exactly the expected rows, in order, and every cell is the expected one."""
    assert [row.key for row in table.rows] == list(expected), table.key
    wrong = [
        f"{table.key} / {row.key} / {column}: got {got!r}, expected {want!r}"
        for row in table.rows
        for column, got, want in zip(table.columns, row.cells, expected[row.key], strict=True)
        if got != want or type(got) is not type(want)
    ]
    assert not wrong, "\n".join(wrong)
    assert table.problems() == []


def tables_of(report):
    return {table.key: table for table in report.tables}


S = Share
Dec = Decimal


# --- Fortnightly status ----------------------------------------------------------------------------------------------


def test_status_on_the_date(golden):
    report = status.build(scope(golden, ON))
    tables = tables_of(report)
    # Job brokers on 30.06.2026: Alice has E1, E2, E10; Bo E3, E4 (from 02.03.2026), E7, E11; Carl E5, E6, E8, E9.
    # Fortnight 17.06–30.06; paid weeks from 15.06. Columns: caseload, ordinary hours, internship, wage subsidy,
    # started a placement.
    assert_cells(
        tables["status"],
        {
            # E1, E2 active (E10 ended); E2 paid in weeks 22.06/29.06; E2's hybrid internship; E2 started 22.06.
            f"broker-{golden.alice.pk}": [2, 1, 1, 0, 1],
            # E3, E4, E11 active; E4 and E11 paid; E3 in an internship.
            f"broker-{golden.bo.pk}": [3, 2, 1, 0, 0],
            # E5, E6 active; E5 paid; E6 in wage subsidy (internship-column hours are not ordinary hours).
            f"broker-{golden.carl.pk}": [2, 1, 0, 1, 0],
            "total": [7, 4, 2, 1, 1],
        },
    )
    # New: O2 (20.06), O4 (17.06, the fortnight's first day). Filled: O3 (30.06, the date itself). Open: O2, O5, O6
    # (O1, O3, O7 filled; O4 closed).
    assert_cells(tables["small_jobs"], {"new": [2], "filled": [1], "open": [3]})


def test_status_on_the_earlier_date(golden):
    tables = tables_of(status.build(scope(golden, EARLY)))
    # In scope on 31.12.2025: E4 (Alice then), E5, E6, E7, E8, E9, E10. Paid weeks from 15.12.2025.
    assert_cells(
        tables["status"],
        {
            f"broker-{golden.alice.pk}": [1, 1, 0, 0, 0],  # E4 active and paid; E10 ended
            f"broker-{golden.bo.pk}": [0, 0, 0, 0, 0],  # E7 ended in August
            # E5, E6, E8 active (E9 ended 28.11); E5 and E8 paid; E6's wage subsidy starts only in January.
            f"broker-{golden.carl.pk}": [3, 2, 0, 0, 0],
            "total": [4, 3, 0, 0, 0],
        },
    )
    # New: O7 (20.12). Filled: none. Open: O5, O7.
    assert_cells(tables["small_jobs"], {"new": [1], "filled": [0], "open": [2]})


# --- Weekly hours ----------------------------------------------------------------------------------------------------


def test_hours_on_the_date(golden):
    tables = tables_of(hours.build(scope(golden, ON)))
    # Active: E1, E2, E3, E4, E5, E6, E11. Window: the weeks of 08.06, 15.06, 22.06, 29.06.2026.
    # Estimates: E1 10, E2 15, E3 20, E4 10, E5 12, E6 20, E11 8 (sum 95 over 7).
    # Actual (weeks with hours, averaged): E2 (4+10)×2/2 = 14, E3 15, E4 8, E5 12, E6 25, E11 6 (sum 80 over 6);
    # ordinary: E2 4, E3 0, E4 8, E5 12, E6 0, E11 6 (sum 30). E1 has no actual figure.
    # Columns: estimated (all), estimated (with actual), actual, ordinary.
    assert_cells(
        tables["hours"],
        {
            # estimates 10 (E1), 10 (E4), 8 (E11) | E4, E11 | E4 8, E11 6 | E2, E3, E4, E6, E11
            "up_to_10": [S(3, 7), S(2, 6), S(2, 6), S(5, 6)],
            # 15, 20, 12, 20 | E2, E3, E5, E6 | E2 14, E3 15, E5 12 | E5 12
            "up_to_20": [S(4, 7), S(4, 6), S(3, 6), S(1, 6)],
            "above_20": [S(0, 7), S(0, 6), S(1, 6), S(0, 6)],  # E6's 25 wage-subsidy hours
            "citizens": [7, 6, 6, 6],
            "estimate_given": [S(7, 7), S(6, 6), None, None],  # every golden citizen gave an estimate
            # 95/7 = 13.57; 85/6 = 14.17; 80/6 = 13.33; 30/6 = 5
            "average": [Dec("13.6"), Dec("14.2"), Dec("13.3"), Dec("5.0")],
        },
    )
    # Estimated bands, then actual bands. Women: E3 (20 / 15), E4 (10 / 8); young: E1 (10 / –), E3, E6 (20 / 25),
    # E11 (8 / 6); none: E2 (15 / 14), E5 (12 / 12).
    assert_cells(
        tables["target_groups"],
        {
            f"target-group-{golden.women.pk}": [1, 1, 0, 1, 1, 0],
            f"target-group-{golden.young.pk}": [2, 2, 0, 1, 1, 1],
            "no-target-group": [0, 2, 0, 0, 2, 0],
        },
    )


def test_hours_on_the_earlier_date(golden):
    tables = tables_of(hours.build(scope(golden, EARLY)))
    # Active on 31.12.2025: E4, E5, E6, E8. Window: the weeks of 08.12, 15.12, 22.12, 29.12.2025.
    # Estimates: E4 10, E5 12, E6 20, E8 15 (sum 57). Actual = ordinary: E4 8, E5 12, E8 15 (sum 35); E6's wage
    # subsidy starts 05.01.2026, so no actual figure.
    assert_cells(
        tables["hours"],
        {
            "up_to_10": [S(1, 4), S(1, 3), S(1, 3), S(1, 3)],
            "up_to_20": [S(3, 4), S(2, 3), S(2, 3), S(2, 3)],
            "above_20": [S(0, 4), S(0, 3), S(0, 3), S(0, 3)],
            "citizens": [4, 3, 3, 3],
            "estimate_given": [S(4, 4), S(3, 3), None, None],
            # 57/4 = 14.25, rounded half up; 37/3 = 12.33; 35/3 = 11.67
            "average": [Dec("14.3"), Dec("12.3"), Dec("11.7"), Dec("11.7")],
        },
    )
    # Women: E4 (10 / 8), E8 (15 / 15); young: E6 (20 / –); none: E5 (12 / 12).
    assert_cells(
        tables["target_groups"],
        {
            f"target-group-{golden.women.pk}": [1, 1, 0, 1, 1, 0],
            f"target-group-{golden.young.pk}": [0, 1, 0, 0, 0, 0],
            "no-target-group": [0, 1, 0, 0, 1, 0],
        },
    )


# --- Fidelity --------------------------------------------------------------------------------------------------------


# Lights read off by hand against the default settings: target 80 %, amber from 65 %, none when nothing to count.
def green(part, whole):
    return Scored(Share(part, whole), Light.GREEN, 80)


def amber(part, whole):
    return Scored(Share(part, whole), Light.AMBER, 80)


def red(part, whole):
    return Scored(Share(part, whole), Light.RED, 80)


NOT_SCORED = Scored(Share(0, 0), Light.NONE, 80)


def caseload(active):
    return Scored(active, Light.GREEN, 25)  # at most 25 active citizens


def test_fidelity_on_the_date(golden):
    tables = tables_of(fidelity.build(scope(golden, ON)))
    # Placements: P2 E2 hybrid (buddy, 4 h), P3 E3 internship (buddy, none), P4 E4 small job (8 h at start),
    # P5 E5 small job (buddy, 12 h), P6 E6 wage subsidy (none), P7a E7 internship (buddy, none), P7b E7 ordinary job
    # (buddy, 25 h), P8 E8 flex job (15 h), P9 E9 internship (none), P11 E11 small job (first agreement after start).
    assert_cells(
        tables["fidelity_by_site"],
        {
            # Referred by 02.06.2026: all 11. Goal within 28 days: A E2, E4, E7, E10 (not E1, E3); R E5, E6, E11
            # (C10's goal of 20.06.2025 predates E11), not E8 (a wish), E9. 66.7 % amber; 60 % and 63.6 % red.
            "job_goal_4_weeks": [amber(4, 6), red(3, 5), red(7, 11)],
            # A: P2, P3, P7a, P7b of P2, P3, P4, P7a, P7b; R: P5 of P5, P6, P8, P9, P11.
            "buddy": [green(4, 5), red(1, 5), red(5, 10)],
            # With a contact: all but E1. Decided by the first talk: not E3 (decided later), not E8 (never).
            "upskilling_first_talk": [green(4, 5), green(4, 5), green(8, 10)],
            # Ended by 31.05.2026: P7a (CV 28.03.2025), P7b (CV 10.09.2025, within 30 days), P8 and P9 (no CV).
            "cv_updated": [green(2, 2), red(0, 2), red(2, 4)],
            # In a placement since 30.05.2026 or earlier and still in it: E3, E4 (A); E5, E6, E11 (R). Contact since
            # 31.05: all but E6 (last one 20.05). 66.7 % amber.
            "monthly_follow_up": [green(2, 2), amber(2, 3), green(4, 5)],
            # Referred by 30.12.2025: E4, E7, E10 (A); E5, E6, E8, E9 (R). 13 weeks in a row among weeks 0–25:
            # E4 weeks 5–25, E7 4–25, E5 9–25, E6 13–25 (exactly 13); E8 only week 25, E9 weeks 4–11, E10 none.
            "thirteen_weeks": [amber(2, 3), red(2, 4), red(4, 7)],
            # A: P2, P4, P7b of 5; R: P5, P8 of 5 (P11's first agreement is dated a week after its start).
            "hours_at_start": [red(3, 5), red(2, 5), red(5, 10)],
            # Job brokers with active citizens at a site: A Alice (2), Bo (2 there, 3 in all); R Bo, Carl (2).
            "caseload": [green(2, 2), green(2, 2), green(3, 3)],
        },
    )
    assert_cells(
        tables["fidelity_by_broker"],
        {
            # Alice: E1, E2, E10 and placement P2. Nothing to score for the CV (P2 runs) or the monthly follow-up (P2
            # started 22.06); E10 lacks the 13 weeks.
            f"broker-{golden.alice.pk}": [
                amber(2, 3),
                green(1, 1),
                green(2, 2),
                NOT_SCORED,
                NOT_SCORED,
                red(0, 1),
                green(1, 1),
                caseload(2),
            ],
            # Bo: E3, E4, E7, E11; P3, P4, P7a, P7b, P11.
            f"broker-{golden.bo.pk}": [
                amber(3, 4),
                red(3, 5),
                amber(3, 4),
                green(2, 2),
                green(3, 3),
                green(2, 2),
                red(2, 5),
                caseload(3),
            ],
            # Carl: E5, E6, E8, E9; P5, P6, P8, P9.
            f"broker-{golden.carl.pk}": [
                red(2, 4),
                red(1, 4),
                amber(3, 4),
                red(0, 2),
                red(1, 2),
                red(2, 4),
                red(2, 4),
                caseload(2),
            ],
            "total": [red(7, 11), red(5, 10), green(8, 10), red(2, 4), green(4, 5), red(4, 7), red(5, 10), 7],
        },
    )


def test_fidelity_on_the_earlier_date(golden):
    tables = tables_of(fidelity.build(scope(golden, EARLY)))
    # In scope on 31.12.2025: E4 (Alice until 02.03.2026), E7 (Bo), E10 (Alice) at Aarhus; E5, E6, E8, E9 (Carl) at
    # Randers. Placements started by then: P4, P5, P7a, P7b, P8, P9 (P6 starts 05.01.2026).
    assert_cells(
        tables["fidelity_by_site"],
        {
            # Referred by 03.12.2025: all 7; goals within 28 days: E4, E7, E10 / E5, E6. 71.4 % amber.
            "job_goal_4_weeks": [green(3, 3), red(2, 4), amber(5, 7)],
            # P7a, P7b of P4, P7a, P7b / P5 of P5, P8, P9.
            "buddy": [amber(2, 3), red(1, 3), red(3, 6)],
            # All 7 have had a first talk; only E8 without a decision.
            "upskilling_first_talk": [green(3, 3), amber(3, 4), green(6, 7)],
            # Ended by 01.12.2025: P7a, P7b (CVs) / P9 (no CV); P8 still runs.
            "cv_updated": [green(2, 2), red(0, 1), amber(2, 3)],
            # In a placement since 30.11.2025 or earlier: E4 / E5, E8; contacts 10.12, 15.12 and 01.12 (the first day).
            "monthly_follow_up": [green(1, 1), green(2, 2), green(3, 3)],
            # Referred by 02.07.2025: E4, E7, E10 / E8, E9 (not E5, E6); 13 weeks: E4, E7.
            "thirteen_weeks": [amber(2, 3), red(0, 2), red(2, 5)],
            # P4 (agreement dated on its start), P7b / P5, P8.
            "hours_at_start": [amber(2, 3), amber(2, 3), amber(4, 6)],
            # Active: E4 with Alice at Aarhus; E5, E6, E8 with Carl at Randers.
            "caseload": [green(1, 1), green(1, 1), green(2, 2)],
        },
    )
    assert_cells(
        tables["fidelity_by_broker"],
        {
            # Alice: E4, E10; P4. No placement ended long enough ago to score the CV.
            f"broker-{golden.alice.pk}": [
                green(2, 2),
                red(0, 1),
                green(2, 2),
                NOT_SCORED,
                green(1, 1),
                red(1, 2),
                green(1, 1),
                caseload(1),
            ],
            # Bo: E7 only (ended), with P7a, P7b; no active citizens, so his caseload is not scored.
            f"broker-{golden.bo.pk}": [
                green(1, 1),
                green(2, 2),
                green(1, 1),
                green(2, 2),
                NOT_SCORED,
                green(1, 1),
                red(1, 2),
                Scored(0, Light.NONE, 25),
            ],
            # Carl: E5, E6, E8, E9; P5, P8, P9.
            f"broker-{golden.carl.pk}": [
                red(2, 4),
                red(1, 3),
                amber(3, 4),
                red(0, 1),
                green(2, 2),
                red(0, 2),
                amber(2, 3),
                caseload(3),
            ],
            "total": [amber(5, 7), red(3, 6), green(6, 7), amber(2, 3), green(3, 3), red(2, 5), amber(4, 6), 4],
        },
    )


# --- Progression -----------------------------------------------------------------------------------------------------


def test_progression_on_the_date(golden):
    tables = tables_of(progression.build(scope(golden, ON)))
    # Twice or more: E4, E5, E7, E11 with ordinary hours; E3 (internship hours only), E9 without.
    # With: first 4, 3, 4, 5 (sum 16); latest E4 7 (work 8), E5 5 (mental 6), E7 7, E11 6 (sum 25; work and mental 26).
    # Without: first 5, 5 (sum 10); latest E3 6 (belief 8), E9 4 (sleep 3).
    same = [Dec("4.0"), Dec("6.3"), Dec("2.3"), Dec("5.0"), Dec("5.0"), Dec("0.0")]  # 25/4 = 6.25, 9/4 = 2.25 up
    assert_cells(
        tables["progression"],
        {
            "work_ability": [Dec("4.0"), Dec("6.5"), Dec("2.5"), Dec("5.0"), Dec("5.0"), Dec("0.0")],
            "keep_job_ability": same,
            "physical_health": same,
            "mental_health": [Dec("4.0"), Dec("6.5"), Dec("2.5"), Dec("5.0"), Dec("5.0"), Dec("0.0")],
            "sleep": [Dec("4.0"), Dec("6.3"), Dec("2.3"), Dec("5.0"), Dec("4.5"), Dec("-0.5")],
            "family_relations": same,
            "belief_in_job_chances": [Dec("4.0"), Dec("6.3"), Dec("2.3"), Dec("5.0"), Dec("6.0"), Dec("1.0")],
            "citizens": [4, 4, 4, 2, 2, 2],
        },
    )
    # Aarhus: E1 none; E2, E10 one; E3, E4, E7 two or more (E4, E7 with hours). Randers: E6, E8 one; E5, E9, E11
    # two or more (E5, E11 with hours).
    assert_cells(
        tables["assessed"],
        {
            "in_scope": [6, 5, 11],
            "none": [S(1, 6), S(0, 5), S(1, 11)],
            "one": [S(2, 6), S(2, 5), S(4, 11)],
            "two_or_more": [S(3, 6), S(3, 5), S(6, 11)],
            "reached": [S(2, 3), S(2, 3), S(4, 6)],
            "not_reached": [S(1, 3), S(1, 3), S(2, 6)],
        },
    )
    assert_cells(
        tables["per_month"],
        {
            "2025-07-01": [0, 1, 1],  # E9 20.07
            "2025-08-01": [1, 0, 1],  # E7 20.08
            "2025-09-01": [1, 1, 2],  # E4 01.09, E5 03.09
            "2025-10-01": [0, 0, 0],
            "2025-11-01": [0, 0, 0],
            "2025-12-01": [0, 0, 0],
            "2026-01-01": [1, 1, 2],  # E2 07.01, E6 05.01
            "2026-02-01": [1, 0, 1],  # E3 04.02
            "2026-03-01": [1, 1, 2],  # E4 02.03, E11 04.03
            "2026-04-01": [0, 0, 0],
            "2026-05-01": [0, 1, 1],  # E5 04.05
            "2026-06-01": [1, 1, 2],  # E3 15.06, E11 22.06
            "all": [6, 6, 12],  # 17 in all, 5 of them before July 2025
        },
    )


def test_progression_on_the_earlier_date(golden):
    tables = tables_of(progression.build(scope(golden, EARLY)))
    # Assessed twice by 31.12.2025: E4 (4 then 6; the third comes in March), E7 (4 then 7), both with ordinary
    # hours; E9 (5 then 4, sleep 3) without.
    every = [Dec("4.0"), Dec("6.5"), Dec("2.5"), Dec("5.0"), Dec("4.0"), Dec("-1.0")]
    assert_cells(
        tables["progression"],
        {
            "work_ability": every,
            "keep_job_ability": every,
            "physical_health": every,
            "mental_health": every,
            "sleep": [Dec("4.0"), Dec("6.5"), Dec("2.5"), Dec("5.0"), Dec("3.0"), Dec("-2.0")],
            "family_relations": every,
            "belief_in_job_chances": every,
            "citizens": [2, 2, 2, 1, 1, 1],
        },
    )
    # Aarhus: E4, E7 twice (with hours), E10 once. Randers: E6 none (its first is 05.01.2026), E5 and E8 once, E9
    # twice (without hours).
    assert_cells(
        tables["assessed"],
        {
            "in_scope": [3, 4, 7],
            "none": [S(0, 3), S(1, 4), S(1, 7)],
            "one": [S(1, 3), S(2, 4), S(3, 7)],
            "two_or_more": [S(2, 3), S(1, 4), S(3, 7)],
            "reached": [S(2, 2), S(0, 1), S(2, 3)],
            "not_reached": [S(0, 2), S(1, 1), S(1, 3)],
        },
    )
    assert_cells(
        tables["per_month"],
        {
            "2025-01-01": [0, 0, 0],
            "2025-02-01": [1, 0, 1],  # E7
            "2025-03-01": [1, 0, 1],  # E4
            "2025-04-01": [0, 1, 1],  # E8
            "2025-05-01": [0, 1, 1],  # E9
            "2025-06-01": [1, 0, 1],  # E10
            "2025-07-01": [0, 1, 1],  # E9
            "2025-08-01": [1, 0, 1],  # E7
            "2025-09-01": [1, 1, 2],  # E4, E5
            "2025-10-01": [0, 0, 0],
            "2025-11-01": [0, 0, 0],
            "2025-12-01": [0, 0, 0],
            "all": [5, 4, 9],
        },
    )


# --- Site comparison -------------------------------------------------------------------------------------------------


def test_sites_on_the_date(golden):
    (table,) = sites.build(scope(golden, ON)).tables
    # Every golden course but E1 has its start form on its referral date; E1 has none: referred, start form not
    # filled, not receiving active effort.
    assert_cells(
        table,
        {
            "referred": [6, 5, 11],  # A: E1, E2, E3, E4, E7, E10; R: E5, E6, E8, E9, E11
            "not_started": [1, 0, 1],  # E1
            "active": [3, 3, 6],  # not E1, E7, E10 / not E8, E9
            "ended": [2, 2, 4],
            "active_share": [S(3, 6), S(3, 5), S(6, 11)],
            # Of those receiving active effort (A: E2-E4; R: E5, E6, E11), then of the referred.
            "with_cv_of_active": [S(3, 3), S(3, 3), S(6, 6)],
            "with_cv_of_referred": [S(5, 6), S(3, 5), S(8, 11)],  # not C1 / not C8, C9 (E11 has C10's CV of 15.06.2025)
            "internship_only_of_active": [S(1, 3), S(0, 3), S(1, 6)],  # E3 (E9 has ended)
            "internship_only_of_referred": [
                S(1, 6),
                S(1, 5),
                S(2, 11),
            ],  # E3 / E9 (E2's hybrid and E7 had ordinary hours)
            "ordinary_hours_of_active": [S(2, 3), S(2, 3), S(4, 6)],  # E2, E4 / E5, E11
            "ordinary_hours_of_referred": [S(3, 6), S(3, 5), S(6, 11)],  # E2, E4, E7 / E5, E8, E11
            # Latest outcome: E7 back on benefit (follow-up measured on the date itself), E8 flex job, E10 education:
            # all ended, so none of those receiving active effort.
            "self_sufficient_of_active": [S(0, 3), S(0, 3), S(0, 6)],
            "self_sufficient_of_referred": [S(1, 6), S(0, 5), S(1, 11)],
            "housing_cooperation": [False, True, True],  # E5 at Housing Co
            "housing_placed": [0, 1, 1],
            "housing_jobs": [0, 1, 1],
        },
    )


def test_sites_on_the_earlier_date(golden):
    (table,) = sites.build(scope(golden, EARLY)).tables
    assert_cells(
        table,
        {
            "referred": [3, 4, 7],  # A: E4, E7, E10; R: E5, E6, E8, E9
            "not_started": [0, 0, 0],
            "active": [1, 3, 4],  # E4 / E5, E6, E8
            "ended": [2, 1, 3],  # E7, E10 / E9
            "active_share": [S(1, 3), S(3, 4), S(4, 7)],
            "with_cv_of_active": [S(1, 1), S(2, 3), S(3, 4)],  # E4 / E5, E6
            "with_cv_of_referred": [S(3, 3), S(2, 4), S(5, 7)],  # E4, E7, E10 / E5, E6
            "internship_only_of_active": [S(0, 1), S(0, 3), S(0, 4)],  # E9 has ended
            "internship_only_of_referred": [S(0, 3), S(1, 4), S(1, 7)],  # E9
            "ordinary_hours_of_active": [S(1, 1), S(2, 3), S(3, 4)],  # E4 / E5, E8
            "ordinary_hours_of_referred": [
                S(2, 3),
                S(2, 4),
                S(4, 7),
            ],  # E4, E7 / E5, E8 (E6's wage subsidy not yet started)
            # E7's job at exit still stands (the follow-up comes in June 2026); E10 in education: both ended.
            "self_sufficient_of_active": [S(0, 1), S(0, 3), S(0, 4)],
            "self_sufficient_of_referred": [S(2, 3), S(0, 4), S(2, 7)],
            "housing_cooperation": [False, True, True],
            "housing_placed": [0, 1, 1],
            "housing_jobs": [0, 1, 1],
        },
    )


# --- Follow-up status ------------------------------------------------------------------------------------------------


def test_follow_up_on_the_date(golden):
    (table,) = follow_up.build(scope(golden, ON)).tables
    # One row per citizen, the latest enrolment: C10 counts once, with E11 at Randers.
    # Aarhus: E1, E2, E3, E4 in the programme; E7 on benefit (the follow-up of 30.06.2026, the date itself,
    # replaces the job at exit).
    # Randers: E5, E6, E11 in the programme; E8 flex job; E9 no outcome.
    assert_cells(
        table,
        {
            "ordinary_job": [S(0, 5), S(0, 5), S(0, 10)],
            "education": [S(0, 5), S(0, 5), S(0, 10)],  # E10's education is not counted: E11 is C10's latest
            "flex_job": [S(0, 5), S(1, 5), S(1, 10)],
            "in_programme": [S(4, 5), S(3, 5), S(7, 10)],
            "benefit": [S(1, 5), S(0, 5), S(1, 10)],
            "early_pension": [S(0, 5), S(0, 5), S(0, 10)],
            "other": [S(0, 5), S(0, 5), S(0, 10)],
            "no_outcome": [S(0, 5), S(1, 5), S(1, 10)],
            "citizens": [5, 5, 10],
            "job_packages": [1, 2, 3],  # E7's one / E6's two (its plain job plan is not a package)
        },
    )


def test_follow_up_on_the_earlier_date(golden):
    (table,) = follow_up.build(scope(golden, EARLY)).tables
    # Aarhus: E4 in the programme, E7 ordinary job (at exit), E10 education. Randers: E5, E6, E8 in the programme,
    # E9 no outcome.
    assert_cells(
        table,
        {
            "ordinary_job": [S(1, 3), S(0, 4), S(1, 7)],
            "education": [S(1, 3), S(0, 4), S(1, 7)],
            "flex_job": [S(0, 3), S(0, 4), S(0, 7)],
            "in_programme": [S(1, 3), S(3, 4), S(4, 7)],
            "benefit": [S(0, 3), S(0, 4), S(0, 7)],
            "early_pension": [S(0, 3), S(0, 4), S(0, 7)],
            "other": [S(0, 3), S(0, 4), S(0, 7)],
            "no_outcome": [S(0, 3), S(1, 4), S(1, 7)],
            "citizens": [3, 4, 7],
            "job_packages": [1, 1, 2],  # E6's second package is dated 02.01.2026
        },
    )


# --- Funnel ----------------------------------------------------------------------------------------------------------


def test_funnel_on_the_date(golden):
    tables = tables_of(funnel.build(scope(golden, ON)))
    assert_cells(
        tables["funnel"],
        {
            "referred": [11, S(11, 11), None],
            # E2, E3, E4, E5, E6, E7, E10, E11 (from its referral 02.03.2026). Days: 15, 58, 7, 14, 14, 7, 18, 0.
            "job_goal": [8, S(8, 11), Dec("14.0")],
            # All but E1 and E10. From the goal: E2 153, E3 33, E4 28, E5 49, E6 77, E7 21, E11 63 (E8, E9 no goal).
            "placement": [9, S(9, 11), Dec("49.0")],
            # E2, E4, E5, E7 (01.04.2025, the placement's start), E8 (01.10.2025), E11. From the placement: 0, 0, 0, 29,
            # 0, 0.
            "ordinary_hours": [6, S(6, 11), Dec("0.0")],
            # E7 (job at exit 29.08.2025: 150 days after 01.04.2025), E10 (education; no ordinary hours).
            "self_sufficient": [2, S(2, 11), Dec("150.0")],
        },
    )
    # Days from referral to first ordinary hours (event) or to min(30.06.2026, end) (censored): E1 29c, E2 168,
    # E3 148c, E4 35, E5 63, E6 267c, E7 57, E8 177, E9 207c, E10 120c, E11 63.
    # Kaplan–Meier: day 35 × (1 − 1/10) → 0.9; day 57 × (1 − 1/9) → 0.8; day 63 × (1 − 2/8) → 0.6;
    # day 168 × (1 − 1/4) → 0.45; day 177 × (1 − 1/3) → 0.3.
    assert_cells(
        tables["survival"],
        {
            "week-0": [11, Dec("100.0")],
            "week-4": [11, Dec("100.0")],  # day 28: E1 is followed until day 29
            "week-8": [9, Dec("90.0")],  # day 56
            "week-13": [6, Dec("60.0")],  # day 91: 120, 148, 168, 177, 207, 267
            "week-26": [2, Dec("30.0")],  # day 182: 207, 267
            "week-39": [0, None],  # day 273: nobody followed that long
            "week-52": [0, None],
        },
    )


def test_funnel_on_the_earlier_date(golden):
    tables = tables_of(funnel.build(scope(golden, EARLY)))
    # In scope: E4, E5, E6, E7, E8, E9, E10.
    assert_cells(
        tables["funnel"],
        {
            "referred": [7, S(7, 7), None],
            "job_goal": [5, S(5, 7), Dec("14.0")],  # E4 7, E5 14, E6 14, E7 7, E10 18 days
            "placement": [5, S(5, 7), Dec("28.0")],  # E4, E5, E7, E8, E9 (E6 starts in January); E4 28, E5 49, E7 21
            "ordinary_hours": [4, S(4, 7), Dec("0.0")],  # E4 0, E5 0, E7 29, E8 0
            "self_sufficient": [2, S(2, 7), Dec("150.0")],  # E7, E10
        },
    )
    # E4 35, E5 63, E6 86c, E7 57, E8 177, E9 207c (its end), E10 120c (its end). Estimate: 6/7 after day 35,
    # 5/7 after 57, 4/7 after 63, 2/7 after 177.
    assert_cells(
        tables["survival"],
        {
            "week-0": [7, Dec("100.0")],
            "week-4": [7, Dec("100.0")],
            "week-8": [6, Dec("85.7")],
            "week-13": [3, Dec("57.1")],  # 120, 177, 207
            "week-26": [1, Dec("28.6")],  # 207
            "week-39": [0, None],
            "week-52": [0, None],
        },
    )


# --- Result goals ----------------------------------------------------------------------------------------------------

# First dates. Referred (the start form, on the referral date here; E1 has none and is never counted): E7 03.02.25, E4 03.03.25, E8 07.04.25, E9 05.05.25, E10 02.06.25, E5 01.09.25, E6 06.10.25,
# E2 05.01.26, E3 02.02.26, E11 02.03.26. Matched and started: E7 03.03.25, E4 07.04.25 (social),
# E9 02.06.25, E8 01.10.25, E5 03.11.25, E6 05.01.26, E3 and E11 (social) 04.05.26, E2 22.06.26. Employed: E7
# 01.04.25, E4 07.04.25 (social), E8 01.10.25, E5 03.11.25, E11 04.05.26 (social), E2 22.06.26.
PROGRESS = {  # month end: referred, matched and started, employed
    "2025-01-31": [0, 0, 0],
    "2025-02-28": [1, 0, 0],
    "2025-03-31": [2, 1, 0],
    "2025-04-30": [3, 2, 2],
    "2025-05-31": [4, 2, 2],
    "2025-06-30": [5, 3, 2],
    "2025-07-31": [5, 3, 2],
    "2025-08-31": [5, 3, 2],
    "2025-09-30": [6, 3, 2],
    "2025-10-31": [7, 4, 3],
    "2025-11-30": [7, 5, 4],
    "2025-12-31": [7, 5, 4],
    "2026-01-31": [8, 6, 4],
    "2026-02-28": [9, 6, 4],
    "2026-03-31": [10, 6, 4],
    "2026-04-30": [10, 6, 4],
    "2026-05-31": [10, 8, 5],
    "2026-06-30": [10, 9, 6],  # E1, referred 01.06.2026 without a start form, is not counted
}


def test_result_goals_on_the_date(golden):
    tables = tables_of(goals_report.build(scope(golden, ON)))
    # Pace window 02.04–30.06.2026 (90 days); on 01.04.2026: referred 10, matched 6, employed 4. 184 days to
    # 31.12.2026. Columns: reached, target, % of target, social-economic, its target, forecast (whole people), on track.
    assert_cells(
        tables["goals"],
        {
            "referred-2025-12-31": [7, None, 6, Dec("116.7"), None, None, Dec("7"), "reached"],
            # 10 + 0/90 × 184 = 10 < 14: E1's referral of 01.06.2026 has no start form, so no pace
            "referred-2026-12-31": [10, None, 14, Dec("71.4"), None, None, Dec("10"), "no"],
            "matched_and_started-2025-12-31": [5, None, 6, Dec("83.3"), None, None, Dec("5"), "deadline passed"],
            # 9 + 3/90 × 184 = 15.13
            "matched_and_started-2026-12-31": [9, None, 8, Dec("112.5"), S(2, 9), 2, Dec("15"), "reached"],
            "employed-2025-12-31": [4, None, 3, Dec("133.3"), S(1, 4), 1, Dec("4"), "reached"],
            # 6 + 2/90 × 184 = 10.09 ≥ 7
            "employed-2026-12-31": [6, None, 7, Dec("85.7"), S(2, 6), 3, Dec("10"), "yes"],
        },
    )
    assert_cells(tables["progress"], PROGRESS)


def test_result_goals_on_the_earlier_date(golden):
    tables = tables_of(goals_report.build(scope(golden, EARLY)))
    # Pace window 03.10–31.12.2025 (90 days); on 02.10.2025: referred 6, matched 4, employed 3. 365 days to
    # 31.12.2026. On a deadline day the forecast is the figure itself.
    assert_cells(
        tables["goals"],
        {
            "referred-2025-12-31": [7, None, 6, Dec("116.7"), None, None, Dec("7"), "reached"],
            "referred-2026-12-31": [7, None, 14, Dec("50.0"), None, None, Dec("11"), "no"],  # 7 + 365/90 = 11.06
            # The deadline is today, not passed: the forecast (5) is below the target.
            "matched_and_started-2025-12-31": [5, None, 6, Dec("83.3"), None, None, Dec("5"), "no"],
            "matched_and_started-2026-12-31": [5, None, 8, Dec("62.5"), S(1, 5), 2, Dec("9"), "yes"],  # 5 + 365/90
            "employed-2025-12-31": [4, None, 3, Dec("133.3"), S(1, 4), 1, Dec("4"), "reached"],
            "employed-2026-12-31": [4, None, 7, Dec("57.1"), S(1, 4), 3, Dec("8"), "yes"],  # 4 + 365/90 = 8.06
        },
    )
    assert_cells(tables["progress"], {day: cells for day, cells in PROGRESS.items() if day <= "2025-12-31"})


# --- Continuity of contact persons ----------------------------------------------------------------------------------


def test_continuity_on_the_golden_programme(golden):
    from jobbro.reporting import continuity
    from jobbro.reporting.base import Withheld

    W = Withheld(5)
    report = continuity.build(scope(golden, ON))
    tables = tables_of(report)
    a, r = f"site-{golden.aarhus.pk}", f"site-{golden.randers.pk}"
    # Referred by 30.06.2026: Aarhus E1, E2, E3, E4, E7, E10 (6), Randers E5, E6, E8, E9, E11 (5). The one change of
    # job broker is E4's (Alice, then Bo from 02.03.2026): Aarhus 5 with none and 1 with one (mean 1/6 = 0.2),
    # Randers 5 with none, in total 10 and 1 (mean 1/11 = 0.1). Withheld: the 1s (fewer than 5); then, row by row,
    # Aarhus's 5 (its 6 less the 5 would give the 1 away) and the total's 10 (likewise). No line is then left with
    # one withheld figure: Randers's 5 stands, as the total's 10 is withheld too.
    assert_cells(
        tables["job_broker_changes"],
        {
            a: [6, W, W, S(0, 6), S(0, 6), Dec("0.2")],
            r: [5, S(5, 5), S(0, 5), S(0, 5), S(0, 5), Dec("0.0")],
            "total": [11, W, W, S(0, 11), S(0, 11), Dec("0.1")],
        },
    )
    # No caseworker history in the golden programme: no changes, and 0 is no one, so nothing is withheld.
    assert_cells(
        tables["caseworker_changes"],
        {
            a: [6, S(6, 6), S(0, 6), S(0, 6), S(0, 6), Dec("0.0")],
            r: [5, S(5, 5), S(0, 5), S(0, 5), S(0, 5), Dec("0.0")],
            "total": [11, S(11, 11), S(0, 11), S(0, 11), S(0, 11), Dec("0.0")],
        },
    )


# --- Every report is consistent; the record checks ------------------------------------------------------------------


# The tables each report has: every one of them is checked cell by cell above.
TABLES = {
    "result-goals": ["goals", "progress"],
    "status": ["status", "small_jobs"],
    "hours": ["hours", "target_groups"],
    "sites": ["sites"],
    "follow-up": ["follow_up"],
    "funnel": ["funnel", "survival"],
    "progression": ["progression", "assessed", "per_month"],
    "fidelity": ["fidelity_by_site", "fidelity_by_broker"],
    "meetings": ["meetings_by_site", "meetings_by_kind"],
    "attendance": ["attendance_by_kind"],
    "continuity": ["job_broker_changes", "caseworker_changes"],
}


def test_every_report_has_no_problems_on_the_golden_programme(golden):
    assert [entry.slug for entry in REPORTS] == list(TABLES)
    for on in (EARLY, ON):
        for entry in REPORTS:
            report = entry.build(scope(golden, on))
            assert [table.key for table in report.tables] == TABLES[entry.slug], (entry.slug, on)
            assert report.problems() == [], (entry.slug, on)


def counted_findings(golden, on):
    return {finding.key: (finding.count, finding.enrolment_ids) for finding in quality.findings(scope(golden, on))}


NOTHING_FOUND = {
    "hours_outside_placement": (0, []),
    "overlapping_placements": (0, []),
    "open_after_planned_end": (0, []),
    "step_3_without_placement": (0, []),
    "outcome_before_referral": (0, []),
    "hours_after_exit": (0, []),
}


def test_the_record_checks_find_nothing_on_the_golden_programme(golden):
    assert counted_findings(golden, ON) == NOTHING_FOUND
    assert counted_findings(golden, EARLY) == NOTHING_FOUND


def test_the_record_checks_count_planted_impossible_records_exactly(golden):
    # An outcome dated before E1's referral (01.06.2026), and a week of hours on E9's internship (ended 25.07.2025)
    # after E9's exit (28.11.2025): the one timesheet is outside its placement and after the exit.
    outcome(golden.e1, D(2026, 5, 15), OutcomeStatus.BENEFIT, Outcome.Kind.FOLLOW_UP)
    f.week(golden.p9, D(2025, 12, 1), internship=10)

    assert counted_findings(golden, ON) == {
        **NOTHING_FOUND,
        "hours_outside_placement": (1, [golden.e9.pk]),
        "outcome_before_referral": (1, [golden.e1.pk]),
        "hours_after_exit": (1, [golden.e9.pk]),
    }
    # On 31.12.2025 E1 is not referred yet, but the week of 01.12.2025 is already registered.
    assert counted_findings(golden, EARLY) == {
        **NOTHING_FOUND,
        "hours_outside_placement": (1, [golden.e9.pk]),
        "hours_after_exit": (1, [golden.e9.pk]),
    }


def test_an_outcome_with_an_unknown_status_breaks_the_follow_up_table(golden):
    # E9 ended without an outcome; an outcome with a status outside the list cannot be placed in any row.
    outcome(golden.e9, D(2025, 12, 1), "lottery_win")
    (table,) = follow_up.build(scope(golden, ON)).tables
    assert table.cell("no_outcome", "Total") == S(0, 10)
    assert table.cell("citizens", "Total") == 10
    assert table.problems() != []
