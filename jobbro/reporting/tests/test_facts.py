"""The report facts: each equals a plain computation over the records, after any writes, and is kept that way."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.cases.models import (
    AssignmentChange,
    Contact,
    Enrolment,
    Outcome,
    Placement,
    PlacementKind,
    Step,
    StepChange,
    Timesheet,
)
from jobbro.companies.models import Company
from jobbro.conftest import rolled_back
from jobbro.people.models import CVEntry, JobGoal
from jobbro.reporting import facts
from jobbro.reporting.models import EnrolmentFacts, JobBrokerPeriod, PlacementFacts, StaleFacts
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import agreement, contact, cv_entry, days, decision, goal

D = datetime.date
REFERRED = D(2025, 1, 6)  # a Monday


@pytest.fixture
def site(db):
    _programme, sites = f.programme_with_sites("Aarhus")
    return sites[0]


def enrolment_facts(enrolment):
    facts.catch_up()
    return EnrolmentFacts.objects.get(enrolment=enrolment)


def placement_facts(placement):
    facts.catch_up()
    return PlacementFacts.objects.get(placement=placement)


def periods(enrolment):
    facts.catch_up()
    return sorted(
        JobBrokerPeriod.objects.filter(enrolment=enrolment).values_list("starts_on", "ends_on", "user_id"),
        key=lambda period: period[0] or D.min,
    )


# --- One rule each ------------------------------------------------------------------------------------------------


def test_first_dates_follow_every_write_and_delete(site):
    enrolment = f.enrolment(site, REFERRED)
    assert enrolment_facts(enrolment).first_contact_on is None
    later = contact(enrolment, REFERRED + days(10))
    contact(enrolment, REFERRED + days(20))
    assert enrolment_facts(enrolment).first_contact_on == REFERRED + days(10)
    earlier = contact(enrolment, REFERRED + days(3))
    assert enrolment_facts(enrolment).first_contact_on == REFERRED + days(3)
    earlier.delete()
    later.occurred_on = REFERRED + days(30)
    later.save()
    assert enrolment_facts(enrolment).first_contact_on == REFERRED + days(20)


def test_a_job_wish_is_not_a_goal_and_a_goal_counts_for_every_course_of_the_citizen(site):
    first = f.enrolment(site, REFERRED, ended_on=REFERRED + days(60))
    second = f.enrolment(site, REFERRED + days(90), the_citizen=first.citizen)
    goal(first, REFERRED + days(5), kind=JobGoal.Kind.WISH)
    assert enrolment_facts(first).first_job_goal_on is None
    goal(second, REFERRED + days(100))
    assert enrolment_facts(first).first_job_goal_on == REFERRED + days(100)
    assert enrolment_facts(second).first_job_goal_on == REFERRED + days(100)


def test_the_weeks_of_a_placement_and_its_first_paid_week(site):
    placement = f.placement(f.enrolment(site, REFERRED), f.company(), PlacementKind.HYBRID_INTERNSHIP, REFERRED)
    f.week(placement, REFERRED + days(7), internship=10)
    paid = f.week(placement, REFERRED + days(21), ordinary=4, internship=6)
    f.week(placement, REFERRED + days(35), ordinary=0, internship=10)
    kept = placement_facts(placement)
    assert (kept.first_week, kept.last_week, kept.first_paid_week) == (
        REFERRED + days(7),
        REFERRED + days(35),
        REFERRED + days(21),
    )
    paid.ordinary_hours = Decimal(0)
    paid.save()
    assert placement_facts(placement).first_paid_week is None


def test_cv_updated_needs_an_end_and_an_entry_up_to_30_days_after_it(site):
    enrolment = f.enrolment(site, REFERRED)
    placement = f.placement(enrolment, f.company(), PlacementKind.INTERNSHIP, REFERRED + days(7))
    cv_entry(enrolment, REFERRED + days(10))
    assert placement_facts(placement).cv_updated is False  # still running
    placement.ended_on = REFERRED + days(40)
    placement.save()
    assert placement_facts(placement).cv_updated is True
    CVEntry.objects.filter(citizen=enrolment.citizen).delete()
    cv_entry(enrolment, REFERRED + days(71))  # 31 days after the end
    assert placement_facts(placement).cv_updated is False


def test_ordinary_hours_at_the_start_read_the_first_agreement(site):
    enrolment = f.enrolment(site, REFERRED)
    placement = f.placement(
        enrolment, f.company(), PlacementKind.INTERNSHIP, REFERRED, agreed_ordinary_hours=Decimal(5)
    )
    assert placement_facts(placement).ordinary_hours_at_start is True  # no history: the placement's own field
    agreement(placement, REFERRED + days(14), Decimal(5))
    assert placement_facts(placement).ordinary_hours_at_start is False  # the first agreement came after the start


def test_upskilling_and_thirteen_weeks(site):
    enrolment = f.enrolment(site, REFERRED)
    decision(enrolment, REFERRED + days(2))
    placement = f.placement(enrolment, f.company(), PlacementKind.INTERNSHIP, REFERRED)
    for week in range(12):
        f.week(placement, REFERRED + days(7 * week), internship=10)
    kept = enrolment_facts(enrolment)
    assert kept.first_upskilling_decision_on == REFERRED + days(2)
    assert kept.thirteen_weeks_by_week_26 is False
    f.week(placement, REFERRED + days(7 * 12), ordinary=3)
    assert enrolment_facts(enrolment).thirteen_weeks_by_week_26 is True


def test_first_dates_over_the_placements_by_kind_of_company_follow_the_company(site):
    enrolment = f.enrolment(site, REFERRED)
    company = f.company()
    job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, REFERRED + days(9))  # a Wednesday
    f.placement(enrolment, f.company(), PlacementKind.HYBRID_INTERNSHIP, REFERRED + days(20))
    f.week(job, REFERRED + days(7), ordinary=5)  # the week began before the placement: paid from its start
    kept = enrolment_facts(enrolment)
    assert (kept.first_start_on, kept.first_paid_on, kept.first_internship_start_on) == (
        REFERRED + days(9),
        REFERRED + days(9),
        REFERRED + days(20),
    )
    assert kept.first_social_economic_start_on is None
    company.kind = Company.Kind.SOCIAL_ECONOMIC
    company.save()
    kept = enrolment_facts(enrolment)
    assert (kept.first_social_economic_start_on, kept.first_social_economic_paid_on) == (REFERRED + days(9),) * 2


def test_placements_overlap_from_the_later_start_and_not_when_one_starts_on_the_others_end(site):
    enrolment = f.enrolment(site, REFERRED)
    company = f.company()
    first = f.placement(enrolment, company, PlacementKind.SMALL_JOB, REFERRED + days(10), ended_on=REFERRED + days(40))
    # An end date is the first day a placement no longer runs: the next one may start on it.
    f.placement(enrolment, company, PlacementKind.SMALL_JOB, REFERRED + days(40))
    assert placement_facts(first).overlaps_from is None
    f.placement(enrolment, company, PlacementKind.SMALL_JOB, REFERRED + days(39), ended_on=REFERRED + days(45))
    assert placement_facts(first).overlaps_from == REFERRED + days(39)
    earlier = f.placement(enrolment, company, PlacementKind.SMALL_JOB, REFERRED + days(5))
    # A pair is kept on the placement recorded first: `earlier`, recorded last, runs with `first` from its start.
    assert placement_facts(first).overlaps_from == REFERRED + days(10)
    assert placement_facts(earlier).overlaps_from is None


def test_a_week_starting_on_the_end_date_lies_outside_the_placement(site):
    enrolment = f.enrolment(site, REFERRED)
    placement = f.placement(enrolment, f.company(), PlacementKind.SMALL_JOB, REFERRED, ended_on=REFERRED + days(21))
    f.week(placement, REFERRED + days(14), ordinary=5)  # holds the last day it ran
    assert placement_facts(placement).weeks_outside_dates is False
    f.week(placement, REFERRED + days(21), ordinary=5)  # starts on the end date: it ran no day of it
    assert placement_facts(placement).weeks_outside_dates is True


def test_latest_step_and_outcomes_before_the_referral(site):
    enrolment = f.enrolment(site, REFERRED)  # the factory records step 1 on the referral date
    assert (enrolment_facts(enrolment).latest_step, enrolment_facts(enrolment).latest_step_on) == (1, REFERRED)
    StepChange.objects.create(enrolment=enrolment, step=Step.IN_COMPANY, changed_on=REFERRED + days(30))
    later_same_day = StepChange.objects.create(
        enrolment=enrolment, step=Step.TOWARDS_JOB, changed_on=REFERRED + days(30)
    )
    assert enrolment_facts(enrolment).latest_step == Step.TOWARDS_JOB
    later_same_day.delete()
    assert enrolment_facts(enrolment).latest_step == Step.IN_COMPANY
    Outcome.objects.create(enrolment=enrolment, kind="follow_up", measured_on=REFERRED, status="other")
    assert enrolment_facts(enrolment).outcomes_before_referral == 0
    Outcome.objects.create(enrolment=enrolment, kind="follow_up", measured_on=REFERRED - days(1), status="other")
    assert enrolment_facts(enrolment).outcomes_before_referral == 1


def test_job_broker_periods_take_the_last_row_of_a_day_and_fall_back_to_the_field(site):
    anna, bo = f.broker(), f.broker()
    no_history = f.enrolment(site, REFERRED, job_broker=None)
    no_history.job_broker = anna
    no_history.save()
    assert periods(no_history) == [(None, None, anna.pk)]

    changed = f.enrolment(site, REFERRED, job_broker=anna)
    f.assign_broker(changed, bo, REFERRED + days(10))
    f.assign_broker(changed, anna, REFERRED + days(10))  # the same day: this row is the one that holds
    f.assign_broker(changed, None, REFERRED + days(30))
    assert periods(changed) == [
        (REFERRED, REFERRED + days(10), anna.pk),
        (REFERRED + days(10), REFERRED + days(30), anna.pk),
        (REFERRED + days(30), None, None),
    ]


def test_deleted_records_leave_no_facts_behind(site):
    enrolment = f.enrolment(site, REFERRED, job_broker=f.broker())
    placement = f.placement(enrolment, f.company(), PlacementKind.INTERNSHIP, REFERRED)
    f.week(placement, REFERRED, internship=5)
    facts.catch_up()
    placement.delete()
    facts.catch_up()
    assert not PlacementFacts.objects.filter(placement_id=placement.pk).exists()
    enrolment.citizen.delete()  # erasure: the citizen, the course and all its records
    facts.catch_up()
    for model in (EnrolmentFacts, PlacementFacts, JobBrokerPeriod, StaleFacts):
        assert not model.objects.filter(enrolment_id=enrolment.pk).exists()


def test_refreshing_facts_that_are_right_changes_nothing(site):
    enrolment = f.enrolment(site, REFERRED, job_broker=f.broker())
    f.week(f.placement(enrolment, f.company(), PlacementKind.SMALL_JOB, REFERRED), REFERRED, ordinary=4)
    facts.catch_up()
    rows = list(JobBrokerPeriod.objects.values_list("pk", "enrolment_id", "user_id"))
    assert facts.refresh() == []
    assert list(JobBrokerPeriod.objects.values_list("pk", "enrolment_id", "user_id")) == rows


def test_a_write_past_the_models_is_found_by_the_check_and_mended_by_the_command(site):
    enrolment = f.enrolment(site, REFERRED)
    talk = contact(enrolment, REFERRED + days(3))
    facts.catch_up()
    Contact.objects.filter(pk=talk.pk).update(occurred_on=REFERRED + days(9))  # no model save: no mark

    with pytest.raises(CommandError, match="1"):
        call_command("refresh_report_facts", "--check")
    output = StringIO()
    call_command("refresh_report_facts", stdout=output)
    assert "1" in output.getvalue()
    assert EnrolmentFacts.objects.get(enrolment=enrolment).first_contact_on == REFERRED + days(9)
    call_command("refresh_report_facts", "--check", stdout=StringIO())


def test_the_demo_generator_leaves_every_fact_right(db):
    from jobbro.demo.generator import generate

    generate(citizens=12, seed=7, today=D(2026, 11, 1))
    assert EnrolmentFacts.objects.count() == Enrolment.objects.count() > 0
    assert PlacementFacts.objects.count() == Placement.objects.count()
    assert not StaleFacts.objects.exists()
    assert facts.stale() == []


# --- Any writes: the facts equal the rules over the rows ----------------------------------------------------------


def plain_facts(enrolment):
    """The enrolment's facts computed straight from its rows, in Python."""
    contacts = [c.occurred_on for c in enrolment.contacts.all()]
    decisions = [d.decided_on for d in enrolment.upskilling_decisions.all()]
    goals = [g.set_on for g in JobGoal.objects.filter(citizen=enrolment.citizen, kind=JobGoal.Kind.GOAL)]
    cv_entries = [entry.recorded_on for entry in CVEntry.objects.filter(citizen=enrolment.citizen)]
    weeks = set()
    for sheet in Timesheet.objects.filter(placement__enrolment=enrolment):
        week = ((sheet.week_start - enrolment.referred_on).days + 6) // 7
        if 0 <= week < 26 and sheet.ordinary_hours + sheet.internship_hours > 0:
            weeks.add(week)
    run = any(all(w + n in weeks for n in range(13)) for w in range(14))
    first_goal = min(goals, default=None)
    return (
        min(contacts, default=None),
        min(decisions, default=None),
        first_goal,
        first_goal is not None and first_goal <= enrolment.referred_on + days(28),
        min(cv_entries, default=None),
        run,
        *plain_first_placement_dates(enrolment),
        *plain_record_check_facts(enrolment),
    )


def plain_record_check_facts(enrolment):
    """The latest step change (by date, then id) and its date; the outcomes dated before the referral."""
    latest = max(enrolment.step_changes.all(), key=lambda change: (change.changed_on, change.pk), default=None)
    early = [o for o in enrolment.outcomes.all() if o.measured_on < enrolment.referred_on]
    return (latest and latest.step, latest and latest.changed_on, len(early))


def plain_overlaps_from(placement):
    """The first day the placement runs together with a later-recorded placement of its case: the later start of
    the two, when each starts before the other ends."""

    def before_end(day, other):
        return other.ended_on is None or day < other.ended_on

    days_together = [
        max(placement.starts_on, other.starts_on)
        for other in Placement.objects.filter(enrolment=placement.enrolment, pk__gt=placement.pk)
        if before_end(other.starts_on, placement) and before_end(placement.starts_on, other)
    ]
    return min(days_together, default=None)


def plain_first_placement_dates(enrolment):
    """First start and first paid day over all placements, the social-economic and the housing ones; first
    internship start."""

    def paid_day(placement):
        paid = [t.week_start for t in placement.timesheets.all() if t.ordinary_hours > 0]
        return max(min(paid), placement.starts_on) if paid else None

    def firsts(placements):
        return (
            min((p.starts_on for p in placements), default=None),
            min((day for p in placements if (day := paid_day(p))), default=None),
        )

    placements = list(enrolment.placements.select_related("company"))
    internships = [
        p.starts_on for p in placements if p.kind in (PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP)
    ]
    return (
        *firsts(placements),
        *firsts([p for p in placements if p.company.kind == Company.Kind.SOCIAL_ECONOMIC]),
        *firsts([p for p in placements if p.company.kind == Company.Kind.HOUSING_ORGANISATION]),
        min(internships, default=None),
    )


def plain_placement_facts(placement):
    weeks = [(t.week_start, t.ordinary_hours) for t in placement.timesheets.all()]
    paid = [week for week, ordinary in weeks if ordinary > 0]
    first = placement.hours_changes.order_by("from_date", "id").first()
    if first is None:
        at_start = (placement.agreed_ordinary_hours or 0) > 0
    else:
        at_start = first.from_date <= placement.starts_on and first.ordinary_hours > 0
    cv = (
        placement.ended_on is not None
        and CVEntry.objects.filter(
            citizen=placement.enrolment.citizen,
            recorded_on__gte=placement.starts_on,
            recorded_on__lte=placement.ended_on + days(30),
        ).exists()
    )
    ends = [day for day in (placement.ended_on, placement.enrolment.ended_on) if day]
    outside = any(week + days(6) < placement.starts_on or any(week >= day for day in ends) for week, _ in weeks)
    return (
        min(w for w, _ in weeks) if weeks else None,
        max(w for w, _ in weeks) if weeks else None,
        min(paid, default=None),
        outside,
        at_start,
        cv,
        plain_overlaps_from(placement),
        placement.planned_end_on if placement.ended_on is None else None,
    )


def plain_job_broker(enrolment, on):
    rows = list(AssignmentChange.objects.filter(enrolment=enrolment, role=AssignmentChange.Role.JOB_BROKER))
    if not rows:
        return enrolment.job_broker_id
    held = [row for row in rows if row.changed_on <= on]
    return max(held, key=lambda row: (row.changed_on, row.pk)).user_id if held else None


def kept_job_broker(enrolment, on):
    holding = [
        user
        for starts, ends, user in periods(enrolment)
        if (starts is None or starts <= on) and (ends is None or on < ends)
    ]
    assert len(holding) <= 1, "periods never overlap"
    return holding[0] if holding else None


day = st.integers(-10, 220).map(lambda n: REFERRED + days(n))
monday = st.integers(-2, 30).map(lambda n: REFERRED + days(7 * n))
hours = st.sampled_from([Decimal(0), Decimal(0), Decimal(4), Decimal("7.5")])
write = st.one_of(
    st.tuples(st.just("contact"), st.integers(0, 2), day),
    st.tuples(st.just("decision"), st.integers(0, 2), day),
    st.tuples(st.just("goal"), st.integers(0, 2), day),
    st.tuples(st.just("cv"), st.integers(0, 2), day),
    st.tuples(st.just("broker"), st.integers(0, 2), monday, st.integers(0, 2)),  # often several on one day
    st.tuples(
        st.just("placement"),
        st.integers(0, 2),
        day,
        st.one_of(st.none(), st.integers(0, 120)),
        st.booleans(),
        st.integers(0, 2),
        st.sampled_from([PlacementKind.INTERNSHIP, PlacementKind.SMALL_JOB]),
    ),
    st.tuples(st.just("company kind"), st.integers(0, 2), st.sampled_from(list(Company.Kind))),
    st.tuples(st.just("exit"), st.integers(0, 2), st.one_of(st.none(), st.integers(0, 200))),  # days after referral
    st.tuples(st.just("week"), st.integers(0, 5), monday, hours, hours),
    st.tuples(st.just("week"), st.integers(0, 5), monday, hours, hours),
    st.tuples(st.just("agreement"), st.integers(0, 5), day, hours),
    st.tuples(st.just("step"), st.integers(0, 2), day, st.sampled_from(list(Step))),  # often several on one day
    st.tuples(st.just("outcome"), st.integers(0, 2), day),
    st.tuples(st.just("planned end"), st.integers(0, 5), st.one_of(st.none(), st.integers(0, 120))),
    st.tuples(st.just("read")),  # a report reads the facts between two writes: they are checked then too
    st.tuples(st.just("read")),
    st.tuples(
        st.just("delete"),
        st.sampled_from(["contact", "week", "placement", "goal", "broker", "step", "outcome"]),
        st.integers(0, 5),
    ),
)


def assert_facts_follow_the_rows(enrolments, probes):
    """What a report reads, after it brings the facts up to date, is what the rows say."""
    facts.catch_up()
    for enrolment in Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]):
        kept = EnrolmentFacts.objects.get(enrolment=enrolment)
        assert (
            kept.first_contact_on,
            kept.first_upskilling_decision_on,
            kept.first_job_goal_on,
            kept.job_goal_in_time,
            kept.first_cv_entry_on,
            kept.thirteen_weeks_by_week_26,
            kept.first_start_on,
            kept.first_paid_on,
            kept.first_social_economic_start_on,
            kept.first_social_economic_paid_on,
            kept.first_housing_start_on,
            kept.first_housing_paid_on,
            kept.first_internship_start_on,
            kept.latest_step,
            kept.latest_step_on,
            kept.outcomes_before_referral,
        ) == plain_facts(enrolment)
        for on in probes:
            assert kept_job_broker(enrolment, on) == plain_job_broker(enrolment, on)
    for placement in Placement.objects.filter(enrolment__in=enrolments):
        kept = PlacementFacts.objects.get(placement=placement)
        assert (
            kept.first_week,
            kept.last_week,
            kept.first_paid_week,
            kept.weeks_outside_dates,
            kept.ordinary_hours_at_start,
            kept.cv_updated,
            kept.overlaps_from,
            kept.unended_planned_end_on,
        ) == plain_placement_facts(placement)
    assert PlacementFacts.objects.count() == Placement.objects.count()


def apply(kind, args, enrolments, brokers, companies, probes):
    """One write through the models, as any part of the product makes it, or a report reading the facts."""

    def nth(queryset, n):
        rows = list(queryset.order_by("pk"))
        return rows[n % len(rows)] if rows else None

    placements = Placement.objects.filter(enrolment__in=enrolments)
    if kind == "read":
        assert_facts_follow_the_rows(enrolments, probes)
    elif kind == "contact":
        contact(enrolments[args[0]], args[1])
    elif kind == "decision":
        decision(enrolments[args[0]], args[1])
    elif kind == "goal":
        goal(enrolments[args[0]], args[1])
    elif kind == "cv":
        cv_entry(enrolments[args[0]], args[1])
    elif kind == "broker":
        f.assign_broker(enrolments[args[0]], brokers[args[2]], args[1])
    elif kind == "step":
        StepChange.objects.create(enrolment=enrolments[args[0]], changed_on=args[1], step=args[2])
    elif kind == "outcome":
        Outcome.objects.create(enrolment=enrolments[args[0]], kind="follow_up", measured_on=args[1], status="other")
    elif kind == "planned end" and (placement := nth(placements, args[0])):
        placement.planned_end_on = None if args[1] is None else placement.starts_on + days(args[1])
        placement.save()
    elif kind == "placement":
        index, starts_on, length, agreed, at, placement_kind = args
        ended_on = None if length is None else starts_on + days(length)
        f.placement(
            enrolments[index],
            companies[at],
            placement_kind,
            starts_on,
            ended_on=ended_on,
            agreed_ordinary_hours=Decimal(6) if agreed else None,
        )
    elif kind == "exit":
        enrolment = Enrolment.objects.get(pk=enrolments[args[0]].pk)
        enrolment.ended_on = None if args[1] is None else enrolment.referred_on + days(args[1])
        enrolment.save()
    elif kind == "company kind":
        company = companies[args[0]]
        company.kind = args[1]
        company.save()
    elif kind == "week" and (placement := nth(placements, args[0])):
        Timesheet.objects.update_or_create(
            placement=placement, week_start=args[1], defaults={"ordinary_hours": args[2], "internship_hours": args[3]}
        )
    elif kind == "agreement" and (placement := nth(placements, args[0])):
        agreement(placement, args[1], args[2])
    elif kind == "delete":
        what, n = args
        models = {
            "contact": Contact.objects.filter(enrolment__in=enrolments),
            "week": Timesheet.objects.filter(placement__in=placements),
            "placement": placements,
            "goal": JobGoal.objects.filter(citizen__enrolments__in=enrolments),
            "broker": AssignmentChange.objects.filter(enrolment__in=enrolments),
            "step": StepChange.objects.filter(enrolment__in=enrolments),
            "outcome": Outcome.objects.filter(enrolment__in=enrolments),
        }
        if row := nth(models[what], n):
            row.delete()


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(writes=st.lists(write, min_size=1, max_size=30), probes=st.lists(day, min_size=1, max_size=4))
def test_after_any_writes_every_fact_equals_the_rules_over_the_rows(db, writes, probes):
    with rolled_back():
        _programme, (site,) = f.programme_with_sites("Aarhus")
        brokers = [f.broker(), f.broker(), None]
        enrolments = [
            f.enrolment(site, REFERRED, job_broker=brokers[0]),
            f.enrolment(site, REFERRED + days(3)),
            f.enrolment(site, REFERRED + days(40), job_broker=brokers[1]),
        ]
        companies = [f.company(), f.company(Company.Kind.SOCIAL_ECONOMIC), f.company(Company.Kind.HOUSING_ORGANISATION)]
        f.placement(enrolments[0], companies[1], PlacementKind.SMALL_JOB, REFERRED + days(1))
        for kind, *args in writes:
            apply(kind, args, enrolments, brokers, companies, probes)
        assert_facts_follow_the_rows(enrolments, probes)
        assert facts.stale() == []


def test_subsidised_hours_never_make_a_paid_week(site):
    """Subsidised hours (løntilskud) are their own figure: a week with only them is no paid week, no first paid day."""
    enrolment = f.enrolment(site, REFERRED)
    placement = f.placement(enrolment, f.company(), PlacementKind.WAGE_SUBSIDY, REFERRED)
    Timesheet.objects.create(placement=placement, week_start=REFERRED + days(7), subsidised_hours=30)
    assert placement_facts(placement).first_paid_week is None
    assert enrolment_facts(enrolment).first_paid_on is None


def test_no_report_reads_subsidised_hours_as_ordinary_hours():
    """The reports' ordinary-hours definitions read ordinary_hours alone; no reporting module names subsidised hours."""
    from pathlib import Path

    for module in Path(facts.__file__).parent.glob("*.py"):
        assert "subsidised_hours" not in module.read_text(encoding="utf-8"), module.name
