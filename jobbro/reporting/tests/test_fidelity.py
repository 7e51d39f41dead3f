"""Fidelity: each indicator counted by its written definition, scored against its target, configurable per programme."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.accounts import fidelity_settings, thresholds
from jobbro.accounts.models import Programme
from jobbro.cases.models import (
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    Placement,
    PlacementKind,
    Timesheet,
    UpskillingDecision,
)
from jobbro.companies.models import CompanyContact
from jobbro.conftest import rolled_back
from jobbro.people.models import CVEntry, JobGoal
from jobbro.reporting import facts, fidelity
from jobbro.reporting.base import Light, Scope, Share
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import agreement, contact, cv_entry, days, decision, goal

D = datetime.date
ON = D(2026, 6, 30)  # a Tuesday


# --- Rows the factories do not make ---------------------------------------------------------------------


def buddy_at(company):
    return CompanyContact.objects.create(company=company, name="Buddy", is_buddy=True)


def new_broker(enrolment, user, changed_on):
    return AssignmentChange.objects.create(
        enrolment=enrolment, role=AssignmentChange.Role.JOB_BROKER, user=user, changed_on=changed_on
    )


def counted(scope, key, settings=None):
    result, _active = fidelity.counts(scope, settings or fidelity_settings.for_settings(None))
    return result[key]


@pytest.fixture
def world(db):
    programme, (a, b) = f.programme_with_sites("Aarhus", "Randers")
    anna, bo = f.broker("anna"), f.broker("bo")
    return type(
        "World",
        (),
        {
            "programme": programme,
            "a": a,
            "b": b,
            "anna": anna,
            "bo": bo,
            "company": f.company(),
            "scope": Scope(programme, (a, b), ON),
        },
    )


def by_site(counts, world):
    return [counts.site(world.a.pk), counts.site(world.b.pk), counts.total]


# --- Settings -----------------------------------------------------------------------------------------------


def test_a_programme_without_settings_gets_every_indicator_with_the_default_targets():
    settings = fidelity_settings.for_settings(None)
    assert [indicator.key for indicator in settings.enabled()] == [
        "job_goal_4_weeks",
        "buddy",
        "upskilling_first_talk",
        "cv_updated",
        "monthly_follow_up",
        "thirteen_weeks",
        "hours_at_start",
        "caseload",
    ]
    assert settings.amber_margin == 15
    assert all(settings.rule(key).target == 80 for key in fidelity_settings.BY_KEY)
    assert settings.rule("caseload").max == 25


def test_settings_override_their_defaults_and_leave_the_others():
    settings = fidelity_settings.for_settings(
        {"buddy": {"target": 90}, "cv_updated": {"enabled": False}, "caseload": {"max": 20}, "amber_margin": 10}
    )
    assert settings.rule("buddy").target == 90
    assert "cv_updated" not in [indicator.key for indicator in settings.enabled()]
    assert settings.rule("caseload") == fidelity_settings.Rule(enabled=True, target=80, max=20)
    assert settings.amber_margin == 10
    assert settings.rule("job_goal_4_weeks") == fidelity_settings.Rule(enabled=True, target=80)


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"buddy": {"target": "90"}}, "fidelity.buddy.target"),
        ({"buddy": {"target": 90.5}}, "fidelity.buddy.target"),
        ({"buddy": {"target": True}}, "fidelity.buddy.target"),
        ({"buddy": {"target": 0}}, "fidelity.buddy.target"),
        ({"thirteen_weeks": {"target": 101}}, "fidelity.thirteen_weeks.target"),
        ({"buddy": {"enabled": "no"}}, "fidelity.buddy.enabled"),
        ({"caseload": {"max": 0}}, "fidelity.caseload.max"),
        ({"caseload": {"max": "25"}}, "fidelity.caseload.max"),
        ({"amber_margin": -1}, "fidelity.amber_margin"),
        ({"amber_margin": 101}, "fidelity.amber_margin"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key_and_ignored_when_read(given, named, caplog):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            thresholds.validate_settings({"fidelity": given})
    [message] = refused.value.message_dict["settings"]
    assert named in message
    settings = fidelity_settings.for_settings(given)
    assert settings == fidelity_settings.for_settings(None), "the default is used instead"
    assert named in caplog.text


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"bddy": {"target": 90}}, "fidelity.bddy"),  # a typing error in an indicator's key
        ({"buddy": 90}, "fidelity.buddy"),  # an indicator's settings are an object
        ({"buddy": {"goal": 90}}, "fidelity.buddy.goal"),
        ({"buddy": {"max": 3}}, "fidelity.buddy.max"),  # only the caseload has a limit
    ],
)
def test_an_unknown_key_is_refused_naming_it(given, named):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            fidelity_settings.validate_settings(given)
    assert named in refused.value.message_dict["settings"][0]
    assert fidelity_settings.for_settings(given) == fidelity_settings.for_settings(None)


def test_fidelity_settings_that_are_not_an_object_are_refused():
    with pytest.raises(ValidationError):
        thresholds.validate_settings({"fidelity": [80]})
    assert fidelity_settings.for_settings([80]) == fidelity_settings.for_settings(None)


def test_every_problem_is_reported_at_once_with_the_other_thresholds():
    with pytest.raises(ValidationError) as refused:
        thresholds.validate_settings(
            {"parked_days": 0, "fidelity": {"buddy": {"target": 0}, "nope": {}, "cv_updated": {"enabled": False}}}
        )
    assert len(refused.value.message_dict["settings"]) == 3


def test_good_fidelity_settings_pass_with_the_thresholds():
    thresholds.validate_settings(
        {
            "no_contact_days": 7,
            "fidelity": {"buddy": {"target": 90, "enabled": True}, "caseload": {"max": 20}, "amber_margin": 0},
        }
    )
    fidelity_settings.validate_settings({})


@pytest.mark.django_db
def test_the_administration_refuses_a_programme_with_a_bad_fidelity_target():
    programme = Programme(name="Forkert", starts_on=D(2026, 1, 1), settings={"fidelity": {"buddy": {"target": 900}}})
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert "settings" in refused.value.message_dict
    programme.settings = {"fidelity": {"buddy": {"target": 90}}}
    programme.full_clean()


# --- Traffic lights -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "target", "margin", "expected"),
    [
        (80, 100, 80, 15, Light.GREEN),  # exactly the target
        (4, 5, 80, 15, Light.GREEN),
        (79, 100, 80, 15, Light.AMBER),
        (65, 100, 80, 15, Light.AMBER),  # exactly target − margin
        (64, 100, 80, 15, Light.RED),
        (13, 20, 80, 15, Light.AMBER),  # 65 %
        (0, 3, 80, 15, Light.RED),
        (3, 3, 100, 15, Light.GREEN),
        (2, 3, 67, 15, Light.AMBER),  # 66.67 % shows as 66.7 but is below 67: compared exactly, not rounded
        (79, 100, 80, 0, Light.RED),  # no amber band
        (0, 0, 80, 15, Light.NONE),  # nothing to score
    ],
)
def test_the_traffic_light_edges(part, whole, target, margin, expected):
    assert fidelity.light(Share(part, whole), target, margin) == expected


def test_a_job_brokers_caseload_is_green_up_to_the_limit():
    assert [fidelity.caseload_light(n, 25) for n in (0, 1, 25, 26)] == [Light.NONE, Light.GREEN, Light.GREEN, Light.RED]


# --- Each indicator by hand ---------------------------------------------------------------------------------


def test_job_goal_within_4_weeks(world):
    in_time = f.enrolment(world.a, ON - days(60), job_broker=world.anna)
    goal(in_time, in_time.referred_on + days(28))
    late = f.enrolment(world.a, ON - days(60), job_broker=world.anna)
    goal(late, late.referred_on + days(29))
    wish_only = f.enrolment(world.a, ON - days(60), job_broker=world.anna)
    goal(wish_only, wish_only.referred_on, kind=JobGoal.Kind.WISH)
    too_new = f.enrolment(world.b, ON - days(27), job_broker=world.bo)  # 4 weeks have not passed: not counted
    goal(too_new, ON)
    just_in = f.enrolment(world.b, ON - days(28), job_broker=world.bo)
    goal(just_in, ON)

    counts = counted(world.scope, "job_goal_4_weeks")
    assert by_site(counts, world) == [Share(1, 3), Share(1, 1), Share(2, 4)]
    assert counts.by_broker == {world.anna.pk: Share(1, 3), world.bo.pk: Share(1, 1)}


def test_buddy_counts_placements_at_a_company_started_by_the_date(world):
    enrolment = f.enrolment(world.a, ON - days(100), job_broker=world.anna)
    buddy = buddy_at(world.company)
    f.placement(enrolment, world.company, PlacementKind.INTERNSHIP, ON - days(90), ended_on=ON - days(60), buddy=buddy)
    f.placement(enrolment, world.company, PlacementKind.SMALL_JOB, ON - days(50))
    f.placement(enrolment, world.company, PlacementKind.EDUCATION, ON - days(40))  # no company workplace
    f.placement(enrolment, world.company, PlacementKind.ORDINARY_JOB, ON + days(1), buddy=buddy)  # after the date

    assert by_site(counted(world.scope, "buddy"), world) == [Share(1, 2), Share(0, 0), Share(1, 2)]


def test_upskilling_considered_by_the_first_talk(world):
    at_talk = f.enrolment(world.a, ON - days(30))
    contact(at_talk, ON - days(20))
    contact(at_talk, ON - days(10))
    decision(at_talk, ON - days(20))
    after_talk = f.enrolment(world.a, ON - days(30))
    contact(after_talk, ON - days(20))
    decision(after_talk, ON - days(19))
    before_talk = f.enrolment(world.b, ON - days(30))
    decision(before_talk, ON - days(30))
    contact(before_talk, ON - days(5), kind=Contact.Kind.PHONE)
    no_talk_yet = f.enrolment(world.b, ON - days(30))
    decision(no_talk_yet, ON - days(3))
    contact(no_talk_yet, ON + days(1))  # after the date

    assert by_site(counted(world.scope, "upskilling_first_talk"), world) == [Share(1, 2), Share(1, 1), Share(2, 3)]


def test_cv_updated_within_30_days_of_a_placements_end(world):
    enrolment = f.enrolment(world.a, ON - days(300))
    ended = f.placement(enrolment, world.company, PlacementKind.INTERNSHIP, ON - days(200), ended_on=ON - days(100))
    cv_entry(enrolment, ended.ended_on + days(30))
    missed = f.enrolment(world.a, ON - days(300))
    f.placement(missed, world.company, PlacementKind.INTERNSHIP, ON - days(200), ended_on=ON - days(100))
    cv_entry(missed, ON - days(69))  # 31 days after the end
    cv_entry(missed, ON - days(201))  # the day before the start
    recent = f.enrolment(world.b, ON - days(300))
    f.placement(
        recent, world.company, PlacementKind.INTERNSHIP, ON - days(100), ended_on=ON - days(29)
    )  # not 30 days yet
    during = f.enrolment(world.b, ON - days(300))
    placement = f.placement(during, world.company, PlacementKind.SMALL_JOB, ON - days(100), ended_on=ON - days(30))
    cv_entry(during, placement.starts_on)

    assert by_site(counted(world.scope, "cv_updated"), world) == [Share(1, 2), Share(1, 1), Share(2, 3)]


def test_monthly_follow_up_of_citizens_in_a_placement_for_over_a_month(world):
    followed = f.enrolment(world.a, ON - days(100))
    f.placement(followed, world.company, PlacementKind.SMALL_JOB, ON - days(31))
    contact(followed, ON - days(30))
    aftercare_only = f.enrolment(world.a, ON - days(100))
    f.placement(
        aftercare_only, world.company, PlacementKind.SMALL_JOB, ON - days(60), ended_on=ON + days(1)
    )  # still running on the date: it ends the day after
    contact(aftercare_only, ON - days(1), kind=Contact.Kind.AFTERCARE)
    contact(aftercare_only, ON - days(31))  # 31 days ago: too old
    too_new = f.enrolment(world.b, ON - days(100))
    f.placement(too_new, world.company, PlacementKind.SMALL_JOB, ON - days(30))
    ended = f.enrolment(world.b, ON - days(100))
    f.placement(ended, world.company, PlacementKind.SMALL_JOB, ON - days(90), ended_on=ON)  # ended on the date

    assert by_site(counted(world.scope, "monthly_follow_up"), world) == [Share(1, 2), Share(0, 0), Share(1, 2)]


def weeks_with_hours(enrolment, company, first_week, count, *, internship=False, gap_at=None):
    """Timesheets for `count` weeks from week `first_week` after the referral's week (week 0)."""
    placement = f.placement(enrolment, company, PlacementKind.INTERNSHIP, enrolment.referred_on)
    start = f.monday(enrolment.referred_on)
    for n in range(first_week, first_week + count):
        hours = (0, 0) if n == gap_at else ((0, 10) if internship else (8, 0))
        f.week(placement, start + days(7 * n), *hours)
    return placement


def test_thirteen_consecutive_weeks_within_the_first_26(world):
    referred = ON - days(200)  # a Friday
    assert referred.isoweekday() == 5
    last_weeks = f.enrolment(world.a, referred)
    weeks_with_hours(last_weeks, world.company, 13, 13, internship=True)  # weeks 13-25: the last possible run
    one_late = f.enrolment(world.a, referred)
    weeks_with_hours(one_late, world.company, 14, 13)  # weeks 14-26: week 26 is outside
    broken = f.enrolment(world.a, referred)
    weeks_with_hours(broken, world.company, 0, 14, gap_at=6)  # a week with 0 hours breaks the run
    from_referral_week = f.enrolment(world.b, referred)
    # The referral's own week (its Monday is before the referral date) is week 0.
    weeks_with_hours(from_referral_week, world.company, 0, 13)
    too_new = f.enrolment(world.b, ON - days(181))
    weeks_with_hours(too_new, world.company, 0, 20)

    assert by_site(counted(world.scope, "thirteen_weeks"), world) == [Share(1, 3), Share(1, 1), Share(2, 4)]


def test_two_placements_in_the_same_weeks_count_each_week_once(world):
    enrolment = f.enrolment(world.a, ON - days(200))
    weeks_with_hours(enrolment, world.company, 0, 7)
    weeks_with_hours(enrolment, world.company, 5, 7)  # weeks 5-11 overlap the first: 12 distinct weeks in all
    assert counted(world.scope, "thirteen_weeks").total == Share(0, 1)
    weeks_with_hours(enrolment, world.company, 12, 1)
    assert counted(world.scope, "thirteen_weeks").total == Share(1, 1)


def test_ordinary_hours_agreed_at_the_start(world):
    enrolment = f.enrolment(world.a, ON - days(200))
    start = ON - days(100)

    def placement(agreed=None):
        return f.placement(enrolment, world.company, PlacementKind.INTERNSHIP, start, agreed_ordinary_hours=agreed)

    agreed = placement(10)
    agreement(agreed, start, Decimal(10))
    agreement(agreed, start + days(20), Decimal(0))  # hours cut later: still agreed at the start
    later = placement(12)  # first agreement after the start: none at the start, whatever it says now
    agreement(later, start + days(14), Decimal(12))
    placement(5)  # imported without a history: the agreement on the placement is the start's
    placement(None)
    zero = placement(0)
    agreement(zero, start, Decimal(0))
    f.placement(enrolment, world.company, PlacementKind.EDUCATION, start, agreed_ordinary_hours=10)  # not at a company

    assert counted(world.scope, "hours_at_start").total == Share(2, 5)


def test_the_caseload_per_job_broker_and_per_site(world):
    settings = fidelity_settings.for_settings({"caseload": {"max": 2}})
    for _ in range(2):
        f.enrolment(world.a, ON - days(10), job_broker=world.anna)
    f.enrolment(world.b, ON - days(10), job_broker=world.anna)  # anna: 3 active, across both sites
    f.enrolment(world.b, ON - days(10), job_broker=world.bo)
    f.enrolment(world.b, ON - days(100), ended_on=ON - days(1), job_broker=world.bo)  # ended: not in a caseload
    f.enrolment(world.b, ON + days(1), job_broker=world.bo)  # referred after the date
    f.enrolment(world.a, ON - days(10))  # no job broker

    counts = counted(world.scope, "caseload", settings)
    assert counts.by_broker == {world.anna.pk: 3, world.bo.pk: 1, None: 1}
    assert by_site(counts, world) == [Share(0, 1), Share(1, 2), Share(1, 2)]


def test_the_job_broker_is_the_one_on_the_date(world):
    enrolment = f.enrolment(world.a, ON - days(100), job_broker=world.anna)
    new_broker(enrolment, world.bo, ON - days(5))
    later = f.enrolment(world.a, ON - days(100), job_broker=world.anna)
    new_broker(later, world.bo, ON + days(1))  # after the date: still anna's
    unassigned = f.enrolment(world.a, ON - days(100))
    unassigned.job_broker = world.bo  # no history row: the enrolment's own job broker
    unassigned.save()
    not_yet = f.enrolment(world.a, ON - days(100))
    new_broker(not_yet, world.bo, ON + days(1))  # only a row after the date: no job broker yet
    dropped = f.enrolment(world.a, ON - days(100), job_broker=world.anna)
    new_broker(dropped, None, ON - days(1))  # a row with no user: no job broker
    assert counted(world.scope, "caseload").by_broker == {world.anna.pk: 1, world.bo.pk: 2, None: 2}
    with translation.override("en"):
        report = fidelity.build(Scope(world.programme, (world.a,), ON - days(10)))
    assert report.tables[1].cell(f"broker-{world.anna.pk}", "Caseload within the limit").value == 3  # dropped later


# --- The report ---------------------------------------------------------------------------------------------


def small_programme(world):
    for site, broker_user in ((world.a, world.anna), (world.b, world.bo), (world.b, None)):
        enrolment = f.enrolment(site, ON - days(250), job_broker=broker_user)
        goal(enrolment, enrolment.referred_on + days(3))
        contact(enrolment, enrolment.referred_on + days(1))
        decision(enrolment, enrolment.referred_on + days(1))
        placement = weeks_with_hours(enrolment, world.company, 1, 14)
        placement.buddy = buddy_at(world.company)
        placement.save()
        contact(enrolment, ON - days(3))


def test_the_report_has_a_row_per_indicator_and_a_column_per_site(world):
    small_programme(world)
    with translation.override("en"):
        report = fidelity.build(world.scope)
    by_site, by_broker = report.tables
    assert by_site.columns == ["Aarhus", "Randers", "Total"]
    on_by_default = [i for i in fidelity_settings.INDICATORS if fidelity_settings.DEFAULTS[i.key]["enabled"]]
    assert [row.key for row in by_site.rows] == [indicator.key for indicator in on_by_default]
    assert by_site.cell("thirteen_weeks", "Total").value == Share(3, 3)
    assert by_site.cell("thirteen_weeks", "Total").light == Light.GREEN
    assert by_site.cell("hours_at_start", "Randers").light == Light.RED  # no hours agreed at all
    assert by_site.cell("cv_updated", "Aarhus").light == Light.NONE  # no placement has ended
    assert "Target: 80 % (amber from 65 %)" in by_site.row("buddy").note
    assert "at most 25 active citizens" in by_site.row("caseload").note
    assert [row.label for row in by_broker.rows] == ["anna", "bo", "No job broker", "Total"]
    assert by_broker.cell("total", "Caseload within the limit") == 3
    assert by_broker.cell("no-broker", "Monthly follow-up held").value == Share(1, 1)
    assert report.problems() == []
    assert len(report.charts) == 1 and "<svg" in report.charts[0].svg


def test_a_disabled_indicator_disappears(world):
    small_programme(world)
    Programme.objects.filter(pk=world.programme.pk).update(
        settings={
            "fidelity": {"cv_updated": {"enabled": False}, "caseload": {"enabled": False}, "buddy": {"target": 95}}
        }
    )
    world.programme.refresh_from_db()
    scope = Scope(world.programme, (world.a, world.b), ON)
    with translation.override("en"):
        report = fidelity.build(scope)
    by_site, by_broker = report.tables
    keys = [row.key for row in by_site.rows]
    assert "cv_updated" not in keys and "caseload" not in keys and len(keys) == 6
    assert "CV updated after each placement" not in by_broker.columns
    assert "Caseload within the limit" not in by_broker.columns
    assert by_site.cell("buddy", "Total").target == 95
    assert "CV updated" not in report.charts[0].svg


def test_the_add_up_checks_are_real(world):
    small_programme(world)
    report = fidelity.build(world.scope)
    by_site, by_broker = report.tables
    assert report.problems() == []
    cells = by_site.row("buddy").cells
    cells[0] = fidelity.Scored(Share(0, 1), Light.RED, 80)  # Aarhus loses its buddy: the sites no longer add up
    assert len(by_site.problems()) == 1
    cells = by_broker.row(f"broker-{world.anna.pk}").cells
    cells[0] = fidelity.Scored(Share(5, 1), Light.GREEN, 80)  # above 100 %, and the job brokers no longer add up
    assert len(by_broker.problems()) == 2


def test_a_job_broker_at_two_sites_is_counted_at_each_without_an_add_up_problem(world):
    f.enrolment(world.a, ON - days(10), job_broker=world.anna)
    f.enrolment(world.b, ON - days(10), job_broker=world.anna)
    report = fidelity.build(world.scope)
    assert report.tables[0].row("caseload").cells == [fidelity.Scored(Share(1, 1), Light.GREEN, 80)] * 3
    assert report.problems() == []


def test_an_empty_programme_scores_nothing(world):
    report = fidelity.build(world.scope)
    assert all(cell.light == Light.NONE for row in report.tables[0].rows for cell in row.cells)
    assert report.tables[1].rows[-1].key == "total" and len(report.tables[1].rows) == 1
    assert report.problems() == []


def test_the_report_takes_a_handful_of_queries(world, django_assert_max_num_queries):
    small_programme(world)
    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    # The enrolments, the monthly follow-up's narrow set, the placements, the staff names; + 1: are any facts stale?
    with django_assert_max_num_queries(5):
        fidelity.build(world.scope)


# --- Property: each indicator equals the plain computation over the raw rows --------------------------------

KINDS = [PlacementKind.INTERNSHIP, PlacementKind.SMALL_JOB, PlacementKind.WAGE_SUBSIDY, PlacementKind.EDUCATION]
offset = st.integers(0, 240)

placement_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "starts_after": st.integers(0, 120),
        "lasts": st.one_of(st.none(), st.integers(0, 150)),
        "buddy": st.booleans(),
        "agreed": st.sampled_from([None, 0, 10]),
        "history": st.lists(st.tuples(st.sampled_from([0, 0, -2, 14]), st.sampled_from([0, 8, 8])), max_size=2),
        "weeks": st.one_of(
            st.lists(st.tuples(st.integers(0, 30), st.sampled_from([(0, 0), (5, 0), (0, 10)])), max_size=5),
            # A run: first week, length, and a week with no hours in it (or none).
            st.tuples(st.integers(0, 15), st.integers(11, 15), st.one_of(st.none(), st.integers(0, 15))),
        ),
        "cv_after_start": st.one_of(st.none(), st.integers(0, 200)),
    }
)
enrolment_spec = st.fixed_dictionaries(
    {
        "site": st.integers(0, 1),
        "broker": st.sampled_from([None, 0, 1]),
        "change": st.one_of(st.none(), st.tuples(st.integers(0, 200), st.sampled_from([None, 0, 1]))),
        "same_citizen": st.booleans(),
        "referred_after": offset,
        "ends_after": st.one_of(st.none(), st.integers(0, 300)),
        "goals": st.lists(
            st.tuples(st.integers(-10, 60), st.sampled_from([JobGoal.Kind.GOAL, JobGoal.Kind.WISH])), max_size=2
        ),
        "contacts": st.lists(
            st.tuples(st.integers(0, 300), st.sampled_from([Contact.Kind.CONVERSATION, Contact.Kind.AFTERCARE])),
            max_size=3,
        ),
        # Contacts counted back from the as-of date, where the monthly follow-up looks.
        "recent_contacts": st.lists(
            st.tuples(st.integers(-3, 40), st.sampled_from([Contact.Kind.PHONE, Contact.Kind.AFTERCARE])), max_size=2
        ),
        "decisions": st.lists(st.integers(0, 60), max_size=2),
        "cv": st.lists(st.integers(0, 300), max_size=2),
        "placements": st.one_of(st.just([]), st.lists(placement_spec, min_size=1, max_size=2)),
    }
)
_names = itertools.count(1)


def build_programme(specs, on):
    base = D(2025, 1, 1)
    programme, sites = f.programme_with_sites("Nord", "Syd", name=f"Tilfældigt {next(_names)}")
    brokers = [f.broker(), f.broker()]
    company = f.company()
    buddy = buddy_at(company)
    previous = None
    for spec in specs:
        referred_on = base + days(spec["referred_after"])
        the_citizen = previous.citizen if spec["same_citizen"] and previous else None
        broker_user = brokers[spec["broker"]] if spec["broker"] is not None else None
        ended_on = referred_on + days(spec["ends_after"]) if spec["ends_after"] is not None else None
        enrolment = f.enrolment(
            sites[spec["site"]], referred_on, ended_on=ended_on, job_broker=broker_user, the_citizen=the_citizen
        )
        previous = enrolment
        if spec["change"]:
            after, who = spec["change"]
            new_broker(enrolment, brokers[who] if who is not None else None, referred_on + days(after))
        for after, kind in spec["goals"]:
            goal(enrolment, referred_on + days(after), kind)
        for after, kind in spec["contacts"]:
            contact(enrolment, referred_on + days(after), kind)
        for before, kind in spec["recent_contacts"]:
            contact(enrolment, max(on - days(before), referred_on), kind)
        for after in spec["decisions"]:
            decision(enrolment, referred_on + days(after))
        for after in spec["cv"]:
            cv_entry(enrolment, referred_on + days(after))
        for p in spec["placements"]:
            starts_on = referred_on + days(p["starts_after"])
            placement = f.placement(
                enrolment,
                company,
                p["kind"],
                starts_on,
                ended_on=starts_on + days(p["lasts"]) if p["lasts"] is not None else None,
                agreed_ordinary_hours=p["agreed"],
                buddy=buddy if p["buddy"] else None,
            )
            if p["cv_after_start"] is not None:
                cv_entry(enrolment, starts_on + days(p["cv_after_start"]))
            for after, hours in p["history"]:
                agreement(placement, starts_on + days(after), hours)
            if isinstance(p["weeks"], tuple):
                first, length, gap = p["weeks"]
                weeks = [
                    (n, (0, 0) if gap is not None and n == first + gap else (6, 0))
                    for n in range(first, first + length)
                ]
            else:
                weeks = p["weeks"]
            for n, (ordinary, internship) in dict(weeks).items():
                f.week(placement, f.monday(referred_on) + days(7 * n), ordinary, internship)
    return programme, sites, brokers


def plain_fidelity(programme, sites, on, maximum=25):
    """The written definitions over the raw rows: plain loops, no aggregates. {key: {group: (part, whole)}}."""
    site_pks = [site.pk for site in sites]
    enrolments = [
        e
        for e in Enrolment.objects.filter(programme=programme).values()
        if e["site_id"] in site_pks and e["referred_on"] <= on
    ]
    changes = list(AssignmentChange.objects.filter(role="job_broker").values())
    goals = list(JobGoal.objects.values())
    contacts = list(Contact.objects.values())
    decisions = list(UpskillingDecision.objects.values())
    cvs = list(CVEntry.objects.values())
    placements = list(Placement.objects.values())
    history = list(AgreedHoursChange.objects.values())
    sheets = list(Timesheet.objects.values())

    def broker_of(e):
        rows = [c for c in changes if c["enrolment_id"] == e["id"]]
        if not rows:
            return e["job_broker_id"]
        rows = [c for c in rows if c["changed_on"] <= on]
        return max(rows, key=lambda c: (c["changed_on"], c["id"]))["user_id"] if rows else None

    def weeks_of(e):
        mine = {p["id"] for p in placements if p["enrolment_id"] == e["id"]}
        weeks = set()
        for s in sheets:
            offset_days = (s["week_start"] - e["referred_on"]).days
            if (
                s["placement_id"] in mine
                and s["ordinary_hours"] + s["internship_hours"] > 0
                and -6 <= offset_days <= 175
            ):
                weeks.add((offset_days + 6) // 7)
        return weeks

    def has_run(weeks):
        return any(all(w + k in weeks for k in range(13)) for w in weeks)

    def first_agreement(p):
        rows = sorted((h for h in history if h["placement_id"] == p["id"]), key=lambda h: (h["from_date"], h["id"]))
        if not rows:
            return p["agreed_ordinary_hours"] or 0
        return rows[0]["ordinary_hours"] if rows[0]["from_date"] <= p["starts_on"] else 0

    def enrolment_rule(e):
        citizen = e["citizen_id"]
        talks = [c["occurred_on"] for c in contacts if c["enrolment_id"] == e["id"] and c["occurred_on"] <= on]
        running = [
            p
            for p in placements
            if p["enrolment_id"] == e["id"]
            and p["starts_on"] <= on - days(31)
            and (p["ended_on"] is None or p["ended_on"] > on)
        ]
        return {
            "job_goal_4_weeks": (
                e["referred_on"] <= on - days(28),
                any(
                    g["citizen_id"] == citizen and g["kind"] == "goal" and g["set_on"] <= e["referred_on"] + days(28)
                    for g in goals
                ),
            ),
            "upskilling_first_talk": (
                bool(talks),
                bool(talks) and any(d["enrolment_id"] == e["id"] and d["decided_on"] <= min(talks) for d in decisions),
            ),
            "monthly_follow_up": (
                bool(running),
                any(
                    c["enrolment_id"] == e["id"]
                    and c["kind"] != "aftercare"
                    and on - days(30) <= c["occurred_on"] <= on
                    for c in contacts
                ),
            ),
            "thirteen_weeks": (e["referred_on"] <= on - days(182), has_run(weeks_of(e))),
        }

    def placement_rule(p, e):
        at_company = p["starts_on"] <= on and p["kind"] != "education"
        ended = p["ended_on"] is not None and p["ended_on"] <= on - days(30)
        return {
            "buddy": (at_company, p["buddy_id"] is not None),
            "hours_at_start": (at_company, first_agreement(p) > 0),
            "cv_updated": (
                ended,
                ended
                and any(
                    c["citizen_id"] == e["citizen_id"]
                    and p["starts_on"] <= c["recorded_on"] <= p["ended_on"] + days(30)
                    for c in cvs
                ),
            ),
        }

    tallies = {}

    def tally(key, group, counted_in, meets):
        part, whole = tallies.setdefault(key, {}).get(group, (0, 0))
        tallies[key][group] = (part + (counted_in and meets), whole + counted_in)

    caseloads, brokers_at = {}, {}
    by_pk = {e["id"]: e for e in enrolments}
    for e in enrolments:
        groups = [("site", e["site_id"]), ("broker", broker_of(e)), ("total", None)]
        for key, (counted_in, meets) in enrolment_rule(e).items():
            for group in groups:
                tally(key, group, counted_in, meets)
        if e["ended_on"] is None or e["ended_on"] > on:
            caseloads[broker_of(e)] = caseloads.get(broker_of(e), 0) + 1
            if broker_of(e) is not None:
                brokers_at.setdefault(e["site_id"], set()).add(broker_of(e))
    for p in placements:
        e = by_pk.get(p["enrolment_id"])
        if e is None:
            continue
        groups = [("site", e["site_id"]), ("broker", broker_of(e)), ("total", None)]
        for key, (counted_in, meets) in placement_rule(p, e).items():
            for group in groups:
                tally(key, group, counted_in, meets)
    everyone = {b for b in caseloads if b is not None}
    tallies["caseload"] = {
        ("site", site): (sum(caseloads[b] <= maximum for b in brokers), len(brokers))
        for site, brokers in brokers_at.items()
    }
    tallies["caseload"][("total", None)] = (sum(caseloads[b] <= maximum for b in everyone), len(everyone))
    return tallies, caseloads


def reported(counts_by_key):
    """The report's counts in the same shape as the plain ones, leaving out groups with nothing counted."""
    result = {}
    for key, counts in counts_by_key.items():
        groups = {("site", site): share for site, share in counts.by_site.items()}
        groups[("total", None)] = counts.total
        if key != "caseload":
            groups.update({("broker", broker): share for broker, share in counts.by_broker.items()})
        result[key] = {
            group: (share.part, share.whole)
            for group, share in groups.items()
            if share.whole or group == ("total", None)
        }
    return result


@hypothesis_settings(
    max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    specs=st.lists(enrolment_spec, min_size=1, max_size=8),
    as_of=st.integers(-10, 500),
    both_sites=st.booleans(),
    maximum=st.integers(1, 3),
)
def test_each_indicator_equals_the_plain_computation_over_the_rows(db, specs, as_of, both_sites, maximum):
    on = D(2025, 1, 1) + days(as_of)
    with rolled_back():
        programme, sites, _brokers = build_programme(specs, on)
        sites = sites if both_sites else sites[1:]
        scope = Scope(programme, sites, on)
        settings = fidelity_settings.for_settings({"caseload": {"max": maximum}})
        counts, active = fidelity.counts(scope, settings)

        plain, caseloads = plain_fidelity(programme, sites, on, maximum)
        expected = {
            key: {group: value for group, value in plain.get(key, {}).items() if value[1]}
            for key in fidelity_settings.BY_KEY
            if fidelity_settings.DEFAULTS[key]["enabled"]  # the questionnaire's indicator is off by default
        }
        for groups in expected.values():
            groups.setdefault(("total", None), (0, 0))
        assert reported(counts) == expected
        assert {b: n for b, n in counts["caseload"].by_broker.items() if n} == caseloads
        assert active == sum(caseloads.values())
        assert fidelity.build(scope).problems() == []
