"""Result goals for one site, for one target group, and as a percent (the payment criterion among them): counted with
the same first dates as the programme's goals, a share shown with its numerator and denominator (docs/reports.md,
"Result goals per site and target group, and the payment criterion")."""

import datetime
import io

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobbro.accounts.models import ResultGoal, TargetGroup
from jobbro.cases.models import PlacementKind
from jobbro.conftest import rolled_back
from jobbro.reporting import facts, goals_report, result_goals
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

D = datetime.date
START = D(2025, 1, 1)
ON = D(2025, 6, 30)
DEADLINE = D(2025, 12, 31)
Kind = ResultGoal.Kind


@pytest.fixture
def world(db):
    """Two sites; young people and others; who had ordinary hours, who only an internship, who ended.

    north  young   ordinary hours from 03.03 (small job)
    north  young   internship only from 03.03
    north  –       ordinary hours from 07.04; ended 31.05 (no longer receiving active effort on 30.06)
    north  –       referred without a start form
    south  young   ordinary hours from 05.05
    south  –       nothing
    """
    programme, (north, south) = f.programme_with_sites("Nord", "Syd", starts_on=START)
    young = TargetGroup.objects.create(code="unge", name="Young people under 30")
    company = f.company()

    def citizen(site, *, group=False, paid_from=None, internship_from=None, **fields):
        enrolment = f.enrolment(site, D(2025, 1, 6), **fields)
        if group:
            enrolment.citizen.target_groups.add(young)
        if paid_from:
            job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, paid_from)
            f.week(job, paid_from, ordinary=5)
        if internship_from:
            intern = f.placement(enrolment, company, PlacementKind.INTERNSHIP, internship_from)
            f.week(intern, internship_from, internship=20)
        return enrolment

    citizen(north, group=True, paid_from=D(2025, 3, 3))
    citizen(north, group=True, internship_from=D(2025, 3, 3))
    citizen(north, paid_from=D(2025, 4, 7), ended_on=D(2025, 5, 31))
    citizen(north, started_on=None)
    citizen(south, group=True, paid_from=D(2025, 5, 5))
    citizen(south)
    return programme, north, south, young


def goal(programme, metric="employed", target=1, deadline=DEADLINE, **fields):
    return ResultGoal.objects.create(programme=programme, metric=metric, target=target, deadline=deadline, **fields)


def rows(programme, sites, on=ON):
    return {row.goal.pk: row for row in result_goals.progress(programme, on, sites=sites)}


def test_a_goal_for_a_site_counts_only_that_site(world):
    programme, north, south, _young = world
    whole = goal(programme, target=10)
    at_north = goal(programme, target=3, site=north)
    at_south = goal(programme, target=3, site=south)
    found = rows(programme, [north, south])
    assert (found[whole.pk].actual, found[at_north.pk].actual, found[at_south.pk].actual) == (3, 2, 1)


def test_a_goal_for_a_target_group_counts_only_its_citizens_and_with_a_site_both(world):
    programme, north, south, young = world
    group = goal(programme, target=2, target_group=young)
    both = goal(programme, metric="matched_and_started", target=2, target_group=young, site=north)
    found = rows(programme, [north, south])
    assert found[group.pk].actual == 2  # the young with ordinary hours: one at each site
    assert found[both.pk].actual == 2  # the young at north who started a placement: the small job and the internship
    assert found[group.pk].standing == result_goals.Standing.REACHED


def test_a_percent_of_those_receiving_active_effort_is_a_share_with_both_counts(world):
    programme, north, south, _young = world
    payment = goal(programme, kind=Kind.SHARE_OF_ACTIVE, target=40, payment_criterion=True)
    of_referred = goal(programme, kind=Kind.SHARE_OF_REFERRED, target=40)
    found = rows(programme, [north, south])
    # Receiving active effort on 30.06: the start form filled and not ended: 4 (the one who ended and the one
    # without a start form are not); of them 2 had ordinary hours. Of the 5 referred (start form filled), 3 had.
    assert found[payment.pk].share == Share(2, 4)
    assert found[payment.pk].standing == result_goals.Standing.REACHED  # 50 % ≥ 40 %
    assert found[of_referred.pk].share == Share(3, 5)
    assert found[payment.pk].forecast is None and found[payment.pk].percent is None


def test_a_percent_goal_below_its_target_before_and_after_the_deadline(world):
    programme, north, south, young = world
    high = goal(programme, kind=Kind.SHARE_OF_ACTIVE, target=80)
    passed = goal(programme, kind=Kind.SHARE_OF_ACTIVE, target=80, deadline=D(2025, 4, 30), site=north)
    found = rows(programme, [north, south])
    assert found[high.pk].standing == result_goals.Standing.BELOW
    # At north on 30.04: receiving active effort 2 (the one who ended was still in), ordinary hours by then: 2 of 3.
    assert found[passed.pk].share == Share(2, 3)
    assert found[passed.pk].standing == result_goals.Standing.DEADLINE_PASSED


def test_the_report_lists_payment_criteria_first_and_names_them(world):
    programme, north, south, young = world
    goal(programme, target=10)
    goal(programme, target=3, site=north)
    goal(programme, target=2, target_group=young)
    payment = goal(programme, kind=Kind.SHARE_OF_ACTIVE, target=40, payment_criterion=True, target_group=young)
    report = goals_report.build(Scope(programme, (north, south), ON))
    table = report.tables[0]
    labels = [row.label for row in table.rows]
    assert labels[0] == (
        "Payment criterion: Employed, percent of those receiving active effort by 31.12.2025 · Young people under 30"
    )
    assert labels[1:] == [
        "Employed by 31.12.2025",
        "Employed by 31.12.2025 · Young people under 30",
        "Employed by 31.12.2025 · Nord",
    ]
    key = "employed-2025-12-31-share_of_active-group-unge"
    # The young receiving active effort: 3, of them 2 with ordinary hours; numerator and denominator both shown.
    assert table.row(key).cells[:3] == [Share(2, 3), 3, "40 %"]
    assert table.row(key).cells[3:7] == [None, None, None, None]
    assert payment.pk and report.problems() == []
    assert any("payment criterion" in note for note in report.notes)


def test_a_site_goal_is_shown_only_when_its_site_is_chosen(world):
    programme, north, south, _young = world
    goal(programme, target=3, site=south)
    goal(programme, target=10)
    report = goals_report.build(Scope(programme, (north,), ON))
    assert [row.key for row in report.tables[0].rows] == ["employed-2025-12-31"]
    assert report.tables[0].row("employed-2025-12-31").cells[0] == 2  # north only


def test_a_share_above_100_percent_is_caught_not_shown(world):
    programme, *_rest = world
    broken = result_goals.GoalProgress(
        goal=goal(programme, kind=Kind.SHARE_OF_ACTIVE, target=40),
        actual=5,
        social_economic_actual=None,
        standing=result_goals.Standing.REACHED,
        share=Share(5, 4),
    )
    problems = goals_report.goals_table([broken]).problems()
    assert len(problems) == 1 and "5 of 4" in problems[0]


def test_goals_of_other_scopes_cost_two_queries_each(world):
    programme, north, south, young = world
    for month in (3, 6, 9, 12):
        goal(programme, target=5, deadline=D(2025, month, 28))
        goal(programme, target=5, deadline=D(2025, month, 28), site=north)
        goal(programme, target=5, deadline=D(2025, month, 28), target_group=young, kind=Kind.SHARE_OF_ACTIVE)
    facts.catch_up()
    with CaptureQueriesContext(connection) as queries:
        report = goals_report.build(Scope(programme, (north, south), ON))
    assert len(report.tables[0].rows) == 12
    # The programme's handful (test_goals_report), then one query for the site's goals (the rest as of every day;
    # no "referred" goal among them, so no referrals per day) and one for the target group's shares.
    assert len(queries) <= 5 + 2


GROUPED = st.lists(
    st.tuples(
        st.booleans(),  # at the second site
        st.booleans(),  # young
        st.sampled_from([None, 0, 30, 60]),  # days after 06.01 to the start form (None: not filled)
        st.sampled_from([None, 20, 50, 90]),  # days after 06.01 to ordinary hours
        st.sampled_from([None, 40, 100]),  # days after 06.01 to the end form
    ),
    max_size=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=GROUPED, cut=st.sampled_from([10, 45, 70, 120]))
def test_every_share_is_its_rule_over_the_raw_rows(db, people, cut):
    with rolled_back():
        programme, sites = f.programme_with_sites("A", "B", starts_on=START)
        young = TargetGroup.objects.create(code="y", name="Young")
        company = f.company()
        referred_on = D(2025, 1, 6)
        on = referred_on + datetime.timedelta(days=cut)
        expected = {
            (kind, site, group): [0, 0] for kind in ResultGoal.SHARE_KINDS for site in (0, 1, None) for group in (0, 1)
        }
        for at_b, is_young, start, paid, end in people:
            started_on = None if start is None else referred_on + datetime.timedelta(days=start)
            ended_on = (
                None
                if end is None or started_on is None
                else max(started_on, referred_on + datetime.timedelta(days=end))
            )
            enrolment = f.enrolment(sites[at_b], referred_on, started_on=started_on, ended_on=ended_on)
            if is_young:
                enrolment.citizen.target_groups.add(young)
            paid_on = None
            if paid is not None:
                paid_on = f.monday(referred_on + datetime.timedelta(days=paid))
                job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, paid_on)
                f.week(job, paid_on, ordinary=5)
            referred = started_on is not None and started_on <= on
            active = referred and (ended_on is None or ended_on > on)
            reached = paid_on is not None and paid_on <= on
            for kind, counted in ((Kind.SHARE_OF_REFERRED, referred), (Kind.SHARE_OF_ACTIVE, active)):
                for site in (int(at_b), None):
                    for group in (0, 1):
                        if counted and (group == 0 or is_young):
                            expected[(kind, site, group)][1] += 1
                            expected[(kind, site, group)][0] += reached
        goals = {}
        for kind, site, group in expected:
            goals[(kind, site, group)] = goal(
                programme,
                kind=kind,
                target=50,
                deadline=D(2026, 12, 31),
                site=sites[site] if site is not None else None,
                target_group=young if group else None,
            )
        found = {row.goal.pk: row.share for row in result_goals.progress(programme, on, sites=sites)}
        for key, (part, whole) in expected.items():
            assert found[goals[key].pk] == Share(part, whole), key
            assert found[goals[key].pk].is_possible


# --- The export and the pages -------------------------------------------------------------------------------------


def get(client, user, url, data=None):
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(url, data)


def test_the_spreadsheet_holds_the_site_target_group_and_percent_goals(client, world):
    from jobbro.conftest import make_user

    programme, north, south, young = world
    manager = make_user("leder", "manager", programme=programme)
    goal(programme, kind=Kind.SHARE_OF_ACTIVE, target=40, payment_criterion=True)
    goal(programme, target=3, site=north, target_group=young)
    response = get(
        client,
        manager,
        reverse("report_xlsx", args=["result-goals"]),
        {"programme": programme.pk, "on": ON.isoformat()},
    )
    assert response.status_code == 200
    cells = [
        cell
        for sheet in load_workbook(io.BytesIO(response.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    ]
    assert "Payment criterion: Employed, percent of those receiving active effort by 31.12.2025" in cells
    assert "Employed by 31.12.2025 · Nord · Young people under 30" in cells
    assert "40 %" in cells and 0.5 in cells  # the share, 2 of 4, as a fraction in its percent column


def test_the_result_goals_page_shows_a_percent_goal_with_both_counts(client, world):
    from jobbro.conftest import make_user

    programme, north, *_rest = world
    broker = make_user("jobformidler", "job_broker", programme=programme)
    goal(programme, kind=Kind.SHARE_OF_ACTIVE, target=40, payment_criterion=True, deadline=D(2099, 12, 31))
    html = get(client, broker, reverse("result_goals")).content.decode()
    assert "Payment criterion" in html and "of 4" in html
