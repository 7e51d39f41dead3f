"""A company's track record is computed from the records, and matches a plain count over the raw rows."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.accounts.models import Programme
from jobbro.cases import actions
from jobbro.cases.models import KINDS_WITH_INTERNSHIP, Contact, Placement, PlacementKind, Timesheet
from jobbro.companies.models import Company
from jobbro.conftest import make_company, rolled_back
from jobbro.reporting import track_record
from jobbro.reporting.track_record import FactoryRule

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 1)
RULE = FactoryRule(min_internships=2, max_paid_share_percent=50, lookback_days=365)
KINDS = [PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP, PlacementKind.SMALL_JOB, PlacementKind.WAGE_SUBSIDY]


def monday(day):
    return day - datetime.timedelta(days=day.weekday())


# --- The property: database figures equal a Python computation over the rows -------------------------------------

placement_strategy = st.fixed_dictionaries(
    {
        "enrolment": st.integers(0, 3),
        "company": st.integers(0, 1),
        "kind": st.sampled_from(KINDS),
        "starts_ago": st.integers(-20, 800),
        "length": st.one_of(st.none(), st.integers(0, 400)),
        "weeks": st.lists(
            st.tuples(st.integers(0, 8), st.sampled_from([Decimal("0"), Decimal("0"), Decimal("5"), Decimal("12.5")])),
            max_size=4,
            unique_by=lambda w: w[0],
        ),
    }
)
contact_strategy = st.tuples(st.integers(0, 3), st.integers(0, 1), st.integers(-10, 400))


def python_figures(company, programme):
    """The figures the slow, obvious way: loops over every placement, timesheet and contact."""
    placements = [p for p in Placement.objects.select_related("enrolment") if p.enrolment.programme_id == programme.pk]
    sheets = [
        t
        for t in Timesheet.objects.select_related("placement__enrolment")
        if t.placement.enrolment.programme_id == programme.pk
    ]
    since = RULE.since(ON)

    def paid(internship):
        return any(
            t.ordinary_hours > 0
            and t.placement.company_id == internship.company_id
            and t.placement.enrolment.citizen_id == internship.enrolment.citizen_id
            and t.placement.starts_on >= internship.starts_on
            for t in sheets
        )

    internships = [
        p for p in placements if p.company_id == company.pk and p.kind in KINDS_WITH_INTERNSHIP and p.starts_on <= ON
    ]
    recent = [p for p in internships if p.starts_on >= since]
    hours = [t.ordinary_hours for t in sheets if t.placement.company_id == company.pk and t.ordinary_hours > 0]
    running = {
        p.enrolment.citizen_id
        for p in placements
        if p.company_id == company.pk and p.starts_on <= ON and (p.ended_on is None or p.ended_on > ON)
    }
    contacts = [
        c.occurred_on
        for c in Contact.objects.select_related("enrolment")
        if c.company_id == company.pk and c.enrolment.programme_id == programme.pk and c.occurred_on <= ON
    ]
    return {
        "internships_started": len(internships),
        "internships_paid": sum(1 for p in internships if paid(p)),
        "recent_internships": len(recent),
        "recent_internships_paid": sum(1 for p in recent if paid(p)),
        "average_weekly_ordinary_hours": (sum(hours) / len(hours)).quantize(Decimal("0.01")) if hours else None,
        "current_citizens": len(running),
        "last_contact_on": max(contacts, default=None),
    }


def write_rows(enrolments, companies, placements, contacts):
    """The generated placements (with their weeks) and contacts, written through the models, dated back from ON."""
    for spec in placements:
        starts_on = ON - datetime.timedelta(days=spec["starts_ago"])
        ended_on = None if spec["length"] is None else starts_on + datetime.timedelta(days=spec["length"])
        placement = Placement.objects.create(
            enrolment=enrolments[spec["enrolment"]],
            company=companies[spec["company"]],
            kind=spec["kind"],
            starts_on=starts_on,
            ended_on=ended_on,
            no_hours_reason="test",
        )
        for week, ordinary in spec["weeks"]:
            Timesheet.objects.create(
                placement=placement,
                week_start=monday(starts_on) + datetime.timedelta(weeks=week),
                ordinary_hours=ordinary,
                internship_hours=Decimal("3"),
            )
    for enrolment_index, company_index, days_ago in contacts:
        Contact.objects.create(
            enrolment=enrolments[enrolment_index],
            company=companies[company_index],
            kind=Contact.Kind.PHONE,
            occurred_on=ON - datetime.timedelta(days=days_ago),
        )


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(placements=st.lists(placement_strategy, max_size=8), contacts=st.lists(contact_strategy, max_size=4))
def test_the_track_record_equals_a_plain_count_over_the_rows(world, programme, placements, contacts):
    enrolments = [world.alices_enrolment, world.bobs_enrolment, world.randers_enrolment, world.charlies_enrolment]
    with rolled_back():
        companies = [make_company("Alfa Køkken"), make_company("Beta Lager")]
        write_rows(enrolments, companies, placements, contacts)

        rows = {
            row["pk"]: row
            for row in track_record.with_track_record(
                Company.objects.filter(pk__in=[c.pk for c in companies]), programme, on=ON, rule=RULE
            ).values("pk", *track_record.FIGURES)
        }
        for company in companies:
            row = rows[company.pk]
            expected = python_figures(company, programme)
            average = row.pop("average_weekly_ordinary_hours")
            expected_average = expected.pop("average_weekly_ordinary_hours")
            row.pop("pk")
            assert row == expected
            if expected_average is None:
                assert average is None
            else:
                assert Decimal(str(average)).quantize(Decimal("0.01")) == expected_average


@given(recent=st.integers(0, 30), paid=st.integers(0, 30), minimum=st.integers(1, 10), share=st.integers(1, 100))
def test_the_factory_rule_flags_many_internships_with_a_small_paid_share(recent, paid, minimum, share):
    paid = min(paid, recent)
    rule = FactoryRule(min_internships=minimum, max_paid_share_percent=share, lookback_days=730)
    expected = recent >= minimum and (paid / recent) * 100 <= share + 1e-9
    assert rule.flags(recent, paid) == expected


# --- Examples --------------------------------------------------------------------------------------------------------


def internship(enrolment, company, starts_on, *, kind=PlacementKind.INTERNSHIP, ended_on=None):
    return Placement.objects.create(
        enrolment=enrolment,
        company=company,
        kind=kind,
        starts_on=starts_on,
        ended_on=ended_on,
        no_hours_reason="Praktik først",
    )


@pytest.fixture
def four_enrolments(refer):
    return [refer(first_name=f"Borger{i}") for i in range(4)]


def test_a_company_taking_four_unpaid_interns_in_two_years_is_flagged_with_the_default_rule(
    four_enrolments, company, programme
):
    for i, enrolment in enumerate(four_enrolments):
        internship(
            enrolment, company, ON - datetime.timedelta(days=30 * i + 10), ended_on=ON - datetime.timedelta(days=30 * i)
        )
    [record] = track_record.company_track_records(company, [programme], on=ON)
    assert record.rule == FactoryRule(4, 10, 730)
    assert (record.internships_started, record.internships_paid, record.recent_internships) == (4, 0, 4)
    assert record.is_factory
    assert record.paid_share_percent == 0


def test_one_internship_in_four_turning_into_a_later_small_job_lifts_the_flag(
    four_enrolments, company, programme, caseworker
):
    for i, enrolment in enumerate(four_enrolments):
        internship(enrolment, company, ON - datetime.timedelta(days=60 + i))
    hired = Placement.objects.create(
        enrolment=four_enrolments[0],
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=ON - datetime.timedelta(days=14),
        agreed_ordinary_hours=8,
    )
    actions.register_hours(
        acting_user=caseworker,
        placement=hired,
        week_start=monday(ON - datetime.timedelta(days=14)),
        ordinary_hours=8,
        internship_hours=0,
    )
    [record] = track_record.company_track_records(company, [programme], on=ON)
    assert record.internships_paid == 1
    assert record.paid_share_percent == 25
    assert not record.is_factory
    assert record.average_hours == Decimal("8.0")


def test_ordinary_hours_before_the_internship_or_at_another_company_do_not_count(four_enrolments, company, programme):
    enrolment = four_enrolments[0]
    other = make_company("Anden Virksomhed")
    earlier = Placement.objects.create(
        enrolment=enrolment,
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=ON - datetime.timedelta(days=200),
        ended_on=ON - datetime.timedelta(days=150),
        agreed_ordinary_hours=5,
    )
    Timesheet.objects.create(placement=earlier, week_start=monday(earlier.starts_on), ordinary_hours=5)
    elsewhere = Placement.objects.create(
        enrolment=enrolment,
        company=other,
        kind=PlacementKind.SMALL_JOB,
        starts_on=ON - datetime.timedelta(days=20),
        agreed_ordinary_hours=5,
    )
    Timesheet.objects.create(placement=elsewhere, week_start=monday(elsewhere.starts_on), ordinary_hours=5)
    internship(enrolment, company, ON - datetime.timedelta(days=100))
    [record] = track_record.company_track_records(company, [programme], on=ON)
    assert (record.internships_started, record.internships_paid) == (1, 0)


def test_internships_before_the_look_back_period_do_not_make_a_factory(four_enrolments, company, programme):
    Programme.objects.filter(pk=programme.pk).update(settings={"factory_lookback_days": 100})
    programme.refresh_from_db()
    for i, enrolment in enumerate(four_enrolments):
        internship(enrolment, company, ON - datetime.timedelta(days=95 + 3 * i))  # 95, 98, 101, 104 days ago
    [record] = track_record.company_track_records(company, [programme], on=ON)
    assert record.rule.lookback_days == 100
    assert (record.internships_started, record.recent_internships) == (4, 2)
    assert not record.is_factory


def test_a_programme_setting_changes_the_rule(four_enrolments, company, programme):
    Programme.objects.filter(pk=programme.pk).update(
        settings={"factory_min_internships": 2, "factory_max_paid_share_percent": 60}
    )
    programme.refresh_from_db()
    internship(four_enrolments[0], company, ON - datetime.timedelta(days=10))
    internship(four_enrolments[1], company, ON - datetime.timedelta(days=10), kind=PlacementKind.HYBRID_INTERNSHIP)
    [record] = track_record.company_track_records(company, [programme], on=ON)
    assert record.rule == FactoryRule(2, 60, 730)
    assert record.is_factory


def test_placements_in_another_programme_are_not_counted(charlies_enrolment, company, programme, other_programme):
    internship(charlies_enrolment, company, ON - datetime.timedelta(days=10))
    [mine, theirs] = track_record.company_track_records(company, [programme, other_programme], on=ON)
    assert (mine.programme, mine.internships_started, mine.current_citizens) == (programme, 0, 0)
    assert (theirs.programme, theirs.internships_started, theirs.current_citizens) == (other_programme, 1, 1)


def test_who_is_in_contact_lists_staff_on_recent_contacts_and_brokers_of_citizens_placed_now(
    alices_enrolment, bobs_enrolment, randers_enrolment, company, programme, alice, bob, mentor, caseworker
):
    Contact.objects.create(
        enrolment=randers_enrolment,
        company=company,
        kind=Contact.Kind.COMPANY_VISIT,
        occurred_on=ON - datetime.timedelta(days=30),
    ).staff.set([mentor])
    Contact.objects.create(
        enrolment=randers_enrolment,
        company=company,
        kind=Contact.Kind.COMPANY_VISIT,
        occurred_on=ON - datetime.timedelta(days=120),
    ).staff.set([caseworker])
    internship(alices_enrolment, company, ON - datetime.timedelta(days=5))
    internship(bobs_enrolment, company, ON - datetime.timedelta(days=50), ended_on=ON - datetime.timedelta(days=20))
    [record] = track_record.company_track_records(company, [programme], on=ON)
    assert set(record.in_contact) == {mentor, alice}
    assert record.last_contact_on == ON - datetime.timedelta(days=30)
    assert record.current_citizens == 1
