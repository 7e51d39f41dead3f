"""The funnel and the time to first ordinary hours, checked against the rules written out over the raw rows."""

import datetime
import statistics
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from jobbro.cases.models import Outcome, OutcomeStatus, PlacementKind
from jobbro.conftest import rolled_back
from jobbro.people.models import JobGoal
from jobbro.reporting import facts, funnel, result_goals
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import days
from jobbro.reporting.tests.test_goals_report import Rows, make_world, world_spec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

D = datetime.date
START = D(2025, 1, 1)
STAGES = ["referred", "job_goal", "placement", "ordinary_hours", "self_sufficient"]
SELF_SUFFICIENT = {OutcomeStatus.ORDINARY_JOB, OutcomeStatus.EDUCATION}


def build(programme, sites, on):
    return funnel.build(Scope(programme=programme, sites=tuple(sites), on=on))


# --- The rules written out -------------------------------------------------------------------------------------


def earliest(dates):
    dates = list(dates)
    return min(dates) if dates else None


def plain_stage_dates(rows, enrolment, on):
    placements = [p for p in rows.placements_of(enrolment) if p["starts_on"] <= on]
    goal = earliest(
        g["set_on"]
        for g in rows.job_goals
        if g["citizen_id"] == enrolment["citizen_id"] and g["kind"] == JobGoal.Kind.GOAL and g["set_on"] <= on
    )
    started = {p["pk"]: p["starts_on"] for p in placements}
    return {
        "referred": enrolment["referred_on"],
        "job_goal": max(goal, enrolment["referred_on"]) if goal else None,
        "placement": earliest(started.values()),
        "ordinary_hours": earliest(
            max(s["week_start"], started[s["placement_id"]])
            for s in rows.sheets
            if s["placement_id"] in started and s["ordinary_hours"] > 0 and s["week_start"] <= on
        ),
        "self_sufficient": earliest(
            o["measured_on"]
            for o in rows.outcomes
            if o["enrolment_id"] == enrolment["pk"] and o["status"] in SELF_SUFFICIENT and o["measured_on"] <= on
        ),
    }


def plain_median(values):
    return Decimal(str(statistics.median(values))).quantize(Decimal("0.1")) if values else None


def plain_kaplan_meier(times, week):
    """(at risk, exact fraction without the event or None) at a week, by the textbook product."""
    day = 7 * week
    at_risk = sum(1 for time, _event in times if time >= day)
    survival = Fraction(1)
    for t in sorted({time for time, event in times if event and time <= day}):
        events = sum(1 for time, event in times if event and time == t)
        survival *= 1 - Fraction(events, sum(1 for time, _event in times if time >= t))
    return at_risk, (None if at_risk == 0 and survival > 0 else survival)


def assert_percent(reported, fraction):
    if fraction is None:
        assert reported is None
    else:
        assert abs(reported - Decimal(fraction.numerator * 100) / fraction.denominator) <= Decimal("0.0501")


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(spec=world_spec)
def test_every_figure_equals_the_rules_over_the_raw_rows(db, spec):
    with rolled_back():
        programme, chosen, on = make_world(spec)
        report = build(programme, chosen, on)
        rows = Rows(programme, chosen)
        in_scope = [e for e in rows.enrolments if e["referred_on"] <= on]
        dated = [(e, plain_stage_dates(rows, e, on)) for e in in_scope]
        funnel_table, survival_table = report.tables

        for index, stage in enumerate(STAGES):
            reached = sum(1 for _e, stages in dated if stages[stage] is not None)
            median = None
            if index:
                before = STAGES[index - 1]
                median = plain_median(
                    [
                        (stages[stage] - stages[before]).days
                        for _e, stages in dated
                        if stages[stage] is not None and stages[before] is not None
                    ]
                )
            assert funnel_table.row(stage).cells == [reached, Share(reached, len(in_scope)), median]

        times = []
        for enrolment, stages in dated:
            if stages["ordinary_hours"] is not None:
                times.append((max(0, (stages["ordinary_hours"] - enrolment["referred_on"]).days), True))
            else:
                end = min(on, enrolment["ended_on"] or on)
                times.append(((end - enrolment["referred_on"]).days, False))
        for week in funnel.SURVIVAL_WEEKS:
            at_risk, fraction = plain_kaplan_meier(times, week)
            cells = survival_table.row(f"week-{week}").cells
            assert cells[0] == at_risk
            assert_percent(cells[1], fraction)

        assert funnel_table.row("placement").cells[0] == sum(
            1 for e in in_scope if rows.reached("matched_and_started", e, on)
        )
        assert report.problems() == []


# --- One rule per case -------------------------------------------------------------------------------------------


@pytest.fixture
def two_sites(db):
    return f.programme_with_sites("Nord", "Syd", starts_on=START)


def job_goal(enrolment, set_on, kind=JobGoal.Kind.GOAL):
    return JobGoal.objects.create(citizen=enrolment.citizen, kind=kind, text="Køkken", set_on=set_on)


def outcome(enrolment, measured_on, status=OutcomeStatus.ORDINARY_JOB):
    return Outcome.objects.create(enrolment=enrolment, kind=Outcome.Kind.EXIT, status=status, measured_on=measured_on)


def cells(table):
    return {row.key: row.cells for row in table.rows}


def test_a_hand_built_funnel(two_sites):
    programme, (north, _south) = two_sites
    company = f.company()
    # Ane: goal after 10 days, small job after 30, hours the same week, a job after 100 days.
    ane = f.enrolment(north, D(2025, 1, 6))
    job_goal(ane, D(2025, 1, 16))
    small_job = f.placement(ane, company, PlacementKind.SMALL_JOB, D(2025, 2, 5))  # a Wednesday
    f.week(small_job, D(2025, 2, 3), ordinary=5)  # its week began on Monday: counts from Wednesday
    outcome(ane, D(2025, 4, 16))
    # Bo: a goal from an earlier course counts from his referral; an internship only.
    bo = f.enrolment(north, D(2025, 2, 3))
    job_goal(bo, D(2024, 6, 1))
    internship = f.placement(bo, company, PlacementKind.INTERNSHIP, D(2025, 2, 17))
    f.week(internship, D(2025, 2, 17), internship=30)
    # Cai: only a job wish, and education as the outcome without any placement.
    cai = f.enrolment(north, D(2025, 3, 3))
    job_goal(cai, D(2025, 3, 3), kind=JobGoal.Kind.WISH)
    outcome(cai, D(2025, 5, 5), status=OutcomeStatus.EDUCATION)

    table = build(programme, two_sites[1], D(2025, 6, 30)).tables[0]

    assert cells(table) == {
        "referred": [3, Share(3, 3), None],
        "job_goal": [2, Share(2, 3), Decimal("5.0")],  # Ane 10 days, Bo 0 days
        "placement": [2, Share(2, 3), Decimal("17.0")],  # Ane 20 days, Bo 14 days after the goal
        "ordinary_hours": [1, Share(1, 3), Decimal("0.0")],  # Ane, on the day her small job started
        "self_sufficient": [2, Share(2, 3), Decimal("70.0")],  # Ane: 5 Feb to 16 April; Cai has no hours
    }


def test_an_internship_only_citizen_never_reaches_ordinary_hours(two_sites):
    programme, (north, _south) = two_sites
    enrolment = f.enrolment(north, D(2025, 1, 6))
    internship = f.placement(enrolment, f.company(), PlacementKind.INTERNSHIP, D(2025, 1, 13))
    for week in range(10):
        f.week(internship, D(2025, 1, 13) + days(7 * week), internship=25)

    report = build(programme, two_sites[1], D(2025, 6, 30))

    assert report.tables[0].row("ordinary_hours").cells[0] == 0
    assert report.tables[1].row("week-13").cells == [1, Decimal("100.0")]


def test_stages_after_the_as_of_date_do_not_count_yet(two_sites):
    programme, (north, _south) = two_sites
    enrolment = f.enrolment(north, D(2025, 1, 6))
    job_goal(enrolment, D(2025, 2, 1))
    job = f.placement(enrolment, f.company(), PlacementKind.SMALL_JOB, D(2025, 2, 5))
    f.week(job, D(2025, 2, 3), ordinary=8)
    outcome(enrolment, D(2025, 3, 1))

    before_start = cells(build(programme, two_sites[1], D(2025, 2, 4)).tables[0])
    after = cells(build(programme, two_sites[1], D(2025, 3, 1)).tables[0])

    assert [before_start[stage][0] for stage in STAGES] == [1, 1, 0, 0, 0]
    assert [after[stage][0] for stage in STAGES] == [1, 1, 1, 1, 1]


def test_citizens_of_other_sites_and_programmes_never_count(two_sites):
    programme, (north, south) = two_sites
    _other, (outside,) = f.programme_with_sites("Odense", starts_on=START)
    company = f.company()
    for site in (north, south, outside):
        enrolment = f.enrolment(site, D(2025, 1, 6))
        job = f.placement(enrolment, company, PlacementKind.ORDINARY_JOB, D(2025, 1, 13))
        f.week(job, D(2025, 1, 13), ordinary=37)
    # A job goal of a citizen in the other programme counts there, never here.
    stranger = f.enrolment(outside, D(2025, 1, 6))
    job_goal(stranger, D(2025, 1, 7))

    north_only = build(programme, (north,), D(2025, 6, 30))
    both = build(programme, (north, south), D(2025, 6, 30))

    assert [north_only.tables[0].row(s).cells[0] for s in STAGES] == [1, 0, 1, 1, 0]
    assert [both.tables[0].row(s).cells[0] for s in STAGES] == [2, 0, 2, 2, 0]
    assert both.tables[1].row("week-0").cells == [2, Decimal("100.0")]


def test_kaplan_meier_with_censoring_on_four_citizens(two_sites):
    """Ann has hours after 14 days; Bea leaves after 35 days; Cy has hours after 70 days; Di is followed 100 days.

    On day 14 all four are at risk and one has hours: 3/4 are left. Day 70: Cy and Di are at risk, Cy has hours:
    3/4 × 1/2 = 3/8. Nobody is followed 26 weeks, and the estimate has not reached 0, so that week is unknown.
    """
    programme, (north, _south) = two_sites
    referred = D(2025, 1, 6)  # a Monday
    on = referred + days(100)
    company = f.company()
    for name, hours_after, ended_after in [("ann", 14, None), ("bea", None, 35), ("cy", 70, None), ("di", None, None)]:
        enrolment = f.enrolment(north, referred, ended_on=referred + days(ended_after) if ended_after else None)
        if hours_after is not None:
            job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, referred + days(hours_after))
            f.week(job, referred + days(hours_after), ordinary=6)
        elif name == "di":
            internship = f.placement(enrolment, company, PlacementKind.INTERNSHIP, referred + days(7))
            f.week(internship, referred + days(7), internship=20)

    table = build(programme, two_sites[1], on).tables[1]

    assert cells(table) == {
        "week-0": [4, Decimal("100.0")],
        "week-4": [3, Decimal("75.0")],  # Bea (35), Cy (70), Di (100) are still followed on day 28
        "week-8": [2, Decimal("75.0")],
        "week-13": [1, Decimal("37.5")],
        "week-26": [0, None],
        "week-39": [0, None],
        "week-52": [0, None],
    }


def test_kaplan_meier_reaches_zero_when_everyone_has_hours():
    survival = funnel.kaplan_meier([(0, True), (10, True), (10, True)])
    assert [survival.at_risk(day) for day in (0, 7, 14)] == [3, 2, 0]
    assert [survival.percent(day) for day in (0, 7, 14, 365)] == [
        Decimal("66.7"),
        Decimal("66.7"),
        Decimal("0.0"),
        Decimal("0.0"),
    ]


def test_the_funnel_is_one_query_and_matches_the_result_goals(two_sites):
    programme, (north, south) = two_sites
    company = f.company()
    for n, site in enumerate([north, south, north, south]):
        enrolment = f.enrolment(site, D(2025, 1, 6) + days(7 * n))
        job_goal(enrolment, D(2025, 2, 1))
        job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 2, 3) + days(7 * n))
        f.week(job, D(2025, 2, 3) + days(7 * n), ordinary=4 * (n % 2))

    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    with CaptureQueriesContext(connection) as queries:
        report = build(programme, two_sites[1], D(2025, 3, 31))

    assert len(queries) == 2  # are any report facts stale? then the one query
    table = report.tables[0]
    on = D(2025, 3, 31)
    assert table.row("placement").cells[0] == result_goals.matched_and_started(programme, on) == 4
    assert table.row("ordinary_hours").cells[0] == result_goals.employed(programme, on) == 2
    assert report.problems() == []
    assert len(report.charts) == 2 and all("<svg" in chart.svg for chart in report.charts)


def test_an_empty_scope_has_no_figures_and_no_problems(two_sites):
    programme, _sites = two_sites
    report = build(programme, two_sites[1], D(2025, 6, 30))
    assert report.tables[0].row("referred").cells == [0, Share(0, 0), None]
    assert report.tables[1].row("week-0").cells == [0, None]
    assert report.problems() == []
