"""The result-goals report: each target with the figure reached, the forecast, and the progress month by month.

Every figure must equal the rule written out as plain Python over the raw rows, for any as-of date and any
choice of sites; the hand-built cases each show one rule.
"""

import datetime
import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.accounts.models import Programme, ResultGoal
from jobbro.cases.models import Enrolment, Outcome, OutcomeStatus, Placement, PlacementKind, Timesheet
from jobbro.companies.models import Company
from jobbro.conftest import rolled_back
from jobbro.people.models import JobGoal
from jobbro.reporting import facts, goals_report, result_goals
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import days

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

D = datetime.date
START = D(2025, 1, 1)
SOCIAL = Company.Kind.SOCIAL_ECONOMIC
METRICS = ["referred", "matched_and_started", "employed"]


def build(programme, sites, on):
    return goals_report.build(Scope(programme=programme, sites=tuple(sites), on=on))


def goal(programme, metric, target, deadline, social=None):
    return ResultGoal.objects.create(
        programme=programme, metric=metric, target=target, deadline=deadline, social_economic_target=social
    )


def figures_row(report, row_key):
    table = report.tables[0]
    return dict(zip(table.columns, table.row(row_key).cells, strict=True))


# --- A random programme, shared with the funnel's tests ------------------------------------------------------

week_spec = st.tuples(
    st.integers(-1, 12),
    st.sampled_from([Decimal("0"), Decimal("0"), Decimal("4.5"), Decimal("12")]),
    st.sampled_from([Decimal("0"), Decimal("15")]),
)
placement_spec = st.fixed_dictionaries(
    {
        "starts_after": st.integers(-3, 150),
        "social": st.booleans(),
        "kind": st.sampled_from(
            [
                PlacementKind.INTERNSHIP,
                PlacementKind.HYBRID_INTERNSHIP,
                PlacementKind.SMALL_JOB,
                PlacementKind.WAGE_SUBSIDY,
            ]
        ),
        "weeks": st.lists(week_spec, max_size=3, unique_by=lambda w: w[0]),
    }
)
enrolment_spec = st.fixed_dictionaries(
    {
        "site": st.sampled_from([0, 0, 1, 1, 2]),  # 2: a site of another programme
        "same_citizen_as_previous": st.booleans(),
        "referred_after": st.integers(-20, 300),
        "ended_after": st.one_of(st.none(), st.integers(0, 250)),
        # Days from the referral to the start form; None: referred without a start form (not "referred" yet).
        "start_form_after": st.one_of(st.none(), st.integers(0, 60)),
        "placements": st.lists(placement_spec, max_size=2),
        "job_goals": st.lists(
            st.tuples(st.sampled_from([JobGoal.Kind.GOAL, JobGoal.Kind.WISH]), st.integers(-40, 200)), max_size=2
        ),
        "outcomes": st.lists(
            st.tuples(
                st.sampled_from(
                    [OutcomeStatus.ORDINARY_JOB, OutcomeStatus.EDUCATION, OutcomeStatus.BENEFIT, OutcomeStatus.FLEX_JOB]
                ),
                st.integers(0, 300),
            ),
            max_size=2,
        ),
    }
)
goal_spec = st.tuples(
    st.sampled_from(METRICS),
    st.integers(0, 12),
    st.integers(-30, 600),
    st.one_of(st.none(), st.integers(0, 12), st.integers(0, 12)),
)
world_spec = st.fixed_dictionaries(
    {
        "enrolments": st.lists(enrolment_spec, min_size=1, max_size=10),
        "goals": st.lists(goal_spec, min_size=1, max_size=4, unique_by=lambda g: (g[0], g[2])),
        "on_after": st.integers(-20, 640),
        "chosen": st.sampled_from([(0, 1), (0, 1), (0,), (1,)]),
    }
)
_names = itertools.count(1)


def make_world(spec):
    """Rows for a programme with two sites and an outside programme, straight into the tables."""
    programme, sites = f.programme_with_sites("Nord", "Syd", starts_on=START, name=f"Tilfældigt {next(_names)}")
    _outside, (outside_site,) = f.programme_with_sites("Andet sted", starts_on=START)
    all_sites = [*sites, outside_site]
    companies = {False: f.company(), True: f.company(SOCIAL)}
    previous = None
    for item in spec["enrolments"]:
        referred_on = START + days(item["referred_after"])
        ended_on = referred_on + days(item["ended_after"]) if item["ended_after"] is not None else None
        person = previous.citizen if previous and item["same_citizen_as_previous"] else None
        started_on = referred_on + days(item["start_form_after"]) if item["start_form_after"] is not None else None
        if started_on and ended_on:
            started_on = min(started_on, ended_on)  # the end form is never dated before the start form
        enrolment = f.enrolment(
            all_sites[item["site"]], referred_on, ended_on=ended_on, the_citizen=person, started_on=started_on
        )
        for p in item["placements"]:
            starts_on = referred_on + days(p["starts_after"])
            placement = f.placement(enrolment, companies[p["social"]], p["kind"], starts_on, agreed_ordinary_hours=10)
            for offset, ordinary, internship in p["weeks"]:
                f.week(placement, f.monday(starts_on) + days(7 * offset), ordinary, internship)
        for kind, after in item["job_goals"]:
            JobGoal.objects.create(citizen=enrolment.citizen, kind=kind, text="Lager", set_on=referred_on + days(after))
        for status, after in item["outcomes"]:
            Outcome.objects.create(
                enrolment=enrolment, kind=Outcome.Kind.FOLLOW_UP, status=status, measured_on=referred_on + days(after)
            )
        previous = enrolment
    for metric, target, deadline_after, social in spec["goals"]:
        goal(
            programme, metric, target, START + days(deadline_after), min(social, target) if social is not None else None
        )
    chosen = tuple(sites[index] for index in spec["chosen"])
    return programme, chosen, START + days(spec["on_after"])


class Rows:
    """The raw rows of one programme at some sites, as plain lists of dicts."""

    def __init__(self, programme, sites):
        site_ids = {site.pk for site in sites}
        self.enrolments = [
            e
            for e in Enrolment.objects.values(
                "pk", "programme_id", "site_id", "citizen_id", "referred_on", "started_on", "ended_on"
            )
            if e["programme_id"] == programme.pk and e["site_id"] in site_ids
        ]
        self.placements = {
            p["pk"]: p for p in Placement.objects.values("pk", "enrolment_id", "starts_on", "company__kind")
        }
        self.sheets = list(Timesheet.objects.values("placement_id", "week_start", "ordinary_hours"))
        self.job_goals = list(JobGoal.objects.values("citizen_id", "kind", "set_on"))
        self.outcomes = list(Outcome.objects.values("enrolment_id", "status", "measured_on"))

    def placements_of(self, enrolment, social_only=False):
        return [
            p
            for p in self.placements.values()
            if p["enrolment_id"] == enrolment["pk"] and (not social_only or p["company__kind"] == SOCIAL)
        ]

    def reached(self, metric, enrolment, day, social_only=False):
        """The rule as the goals state it, checked for one enrolment on one day."""
        if metric == "referred":  # the start form filled on or before the day; the referral date alone is not enough
            return enrolment["started_on"] is not None and enrolment["started_on"] <= day
        placements = self.placements_of(enrolment, social_only)
        if metric == "matched_and_started":
            return any(p["starts_on"] <= day for p in placements)
        ids = {p["pk"] for p in placements if p["starts_on"] <= day}
        return any(s["placement_id"] in ids and s["ordinary_hours"] > 0 and s["week_start"] <= day for s in self.sheets)

    def count(self, metric, day, social_only=False):
        return sum(1 for e in self.enrolments if self.reached(metric, e, day, social_only))


def plain_forecast(rows, metric, on, deadline):
    if on >= deadline:
        return Fraction(rows.count(metric, deadline))
    window_start = max(on - days(89), START)
    window = (on - window_start).days + 1
    if window <= 0:
        return Fraction(rows.count(metric, on))
    gained = rows.count(metric, on) - rows.count(metric, window_start - days(1))
    return rows.count(metric, on) + Fraction(gained * (deadline - on).days, window)


def plain_month_ends(rows, on):
    start_forms = [e["started_on"] for e in rows.enrolments if e["started_on"] is not None]
    first = min([START, *start_forms])
    ends = []
    year, month = first.year, first.month
    while True:
        last = D(year + month // 12, month % 12 + 1, 1) - days(1)
        if last >= on:
            break
        ends.append(last)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return [*ends, on][-36:]


def rounded(fraction):
    """A forecast as the report shows it: whole people, rounded half up."""
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(
        Decimal("1"), rounding="ROUND_HALF_UP"
    )


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(spec=world_spec)
def test_every_figure_equals_the_rules_over_the_raw_rows(db, spec):
    with rolled_back():
        programme, chosen, on = make_world(spec)
        report = build(programme, chosen, on)
        rows = Rows(programme, chosen)
        goals_table, progress_table = report.tables

        goals = sorted(programme.result_goals.all(), key=lambda g: (METRICS.index(g.metric), g.deadline))
        assert len(goals_table.rows) == len(goals)
        for g, row in zip(goals, goals_table.rows, strict=True):
            as_of = min(on, g.deadline)
            reached = rows.count(g.metric, as_of)
            expected = plain_forecast(rows, g.metric, on, g.deadline)
            social = None
            if g.social_economic_target is not None and g.metric != "referred":
                social = Share(rows.count(g.metric, as_of, social_only=True), reached)
            if reached >= g.target:
                standing = "reached"
            elif on > g.deadline:
                standing = "deadline passed"
            else:
                standing = "yes" if expected >= g.target else "no"
            percent = (
                (Decimal(100) * reached / g.target).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
                if g.target
                else None
            )
            assert row.cells == [
                reached,
                None,
                g.target,
                percent,
                social,
                g.social_economic_target,
                rounded(expected),
                standing,
            ]

        ends = plain_month_ends(rows, on)
        assert [row.key for row in progress_table.rows] == [day.isoformat() for day in ends]
        for day, row in zip(ends, progress_table.rows, strict=True):
            assert row.cells == [rows.count(metric, day) for metric in METRICS]
        assert progress_table.rows[-1].cells == [
            result_goals.FIGURES[metric](programme, on, sites=chosen) for metric in METRICS
        ], "the last month row is the figure for the as-of date"
        assert report.problems() == []
        assert (len(report.notes) == 2) == (len(chosen) == 1)


# --- One rule per case -------------------------------------------------------------------------------------------


@pytest.fixture
def two_sites(db):
    return f.programme_with_sites("Nord", "Syd", starts_on=START)


def test_an_internship_never_makes_a_citizen_employed(two_sites):
    programme, (north, _south) = two_sites
    enrolment = f.enrolment(north, D(2025, 1, 6))
    internship = f.placement(enrolment, f.company(SOCIAL), PlacementKind.INTERNSHIP, D(2025, 1, 13))
    for monday in (D(2025, 1, 13), D(2025, 1, 20), D(2025, 1, 27)):
        f.week(internship, monday, ordinary=0, internship=30)
    goal(programme, "employed", 1, D(2025, 12, 31), social=1)
    goal(programme, "matched_and_started", 1, D(2025, 12, 31), social=1)

    report = build(programme, two_sites[1], D(2025, 6, 30))

    assert figures_row(report, "employed-2025-12-31")["Reached"] == 0
    assert figures_row(report, "employed-2025-12-31")["Social-economic"] == Share(0, 0)
    assert figures_row(report, "matched_and_started-2025-12-31")["Social-economic"] == Share(1, 1)
    assert report.tables[1].rows[-1].cells == [1, 1, 0]


def test_a_week_starting_before_the_placement_counts_from_the_placement_start(two_sites):
    programme, (north, _south) = two_sites
    enrolment = f.enrolment(north, D(2025, 3, 3))
    # The small job starts on Tuesday 1 April; its first week is registered from Monday 31 March.
    small_job = f.placement(enrolment, f.company(), PlacementKind.SMALL_JOB, D(2025, 4, 1))
    f.week(small_job, D(2025, 3, 31), ordinary=6)

    on_monday = build(programme, two_sites[1], D(2025, 3, 31)).tables[1]
    on_tuesday = build(programme, two_sites[1], D(2025, 4, 1)).tables[1]

    assert on_monday.row("2025-03-31").cells == [1, 0, 0]
    assert on_tuesday.row("2025-03-31").cells == [1, 0, 0], "the March month end stays before the start"
    assert on_tuesday.row("2025-04-01").cells == [1, 1, 1]
    assert result_goals.employed(programme, D(2025, 3, 31)) == 0
    assert result_goals.employed(programme, D(2025, 4, 1)) == 1


def test_the_forecast_continues_the_pace_of_the_last_90_days(two_sites):
    programme, (north, south) = two_sites
    on = D(2025, 6, 30)  # the window is 2 April … 30 June: 90 days
    for day in (D(2025, 1, 10), D(2025, 2, 1), D(2025, 4, 1)):  # before the window
        f.enrolment(north, day)
    for n in range(9):  # nine referrals in the window, at both sites
        f.enrolment(north if n % 2 else south, D(2025, 4, 2) + days(10 * n))
    goal(programme, "referred", 40, D(2025, 12, 31))  # 184 days after 30 June
    goal(programme, "referred", 30, D(2025, 12, 1))  # 154 days after 30 June

    report = build(programme, two_sites[1], on)

    # 12 + 9 / 90 × 184 = 30.4, and 12 + 9 / 90 × 154 = 27.4: shown as whole people
    late, early = figures_row(report, "referred-2025-12-31"), figures_row(report, "referred-2025-12-01")
    assert (late["Reached"], late["Forecast"], late["On track"]) == (12, Decimal("30"), "no")
    assert (early["Reached"], early["Forecast"], early["On track"]) == (12, Decimal("27"), "no")
    assert str(late["Forecast"]) == "30", "no fraction of a person"
    assert late["% of target"] == Decimal("30.0")


def test_the_chart_draws_the_forecast_from_the_date_to_the_last_open_deadline(two_sites):
    programme, (north, south) = two_sites
    on = D(2025, 6, 30)
    for n in range(9):  # nine referrals in the 90 days up to 30 June, and nobody employed
        f.enrolment(north if n % 2 else south, D(2025, 4, 2) + days(10 * n))
    goal(programme, "referred", 40, D(2025, 12, 31))
    goal(programme, "referred", 30, D(2025, 12, 1))  # on the same line, short of the last deadline
    goal(programme, "employed", 5, D(2025, 5, 1))  # its only deadline has passed: nothing to forecast

    report = build(programme, two_sites[1], on)
    lines = goals_report.forecast_lines(result_goals.progress(programme, on), on)

    # 9 + 9 / 90 × 184 = 27.4 at the last deadline, from the 9 referred on the date: 27 people
    assert lines == {"referred": ((on, D(2025, 12, 31)), (9, Decimal("27")))}
    svg = report.charts[0].svg
    assert "Forecast: Referred" in svg and "Forecast: Employed" not in svg


def test_a_programme_younger_than_90_days_is_paced_from_its_start(db):
    programme, (site,) = f.programme_with_sites(starts_on=D(2025, 3, 1))
    for day in (D(2025, 3, 1), D(2025, 3, 10), D(2025, 3, 20)):
        f.enrolment(site, day)
    goal(programme, "referred", 6, D(2025, 4, 9))

    report = build(programme, (site,), D(2025, 3, 30))  # 30 days since the start, 10 days to the deadline

    row = figures_row(report, "referred-2025-04-09")
    assert (row["Forecast"], row["On track"]) == (Decimal("4.0"), "no")  # 3 + 3 / 30 × 10


def test_beating_a_target_is_above_100_percent_and_no_problem(two_sites):
    programme, (north, _south) = two_sites
    for n in range(3):
        f.enrolment(north, D(2025, 2, 1) + days(n))
    goal(programme, "referred", 2, D(2025, 12, 31))

    report = build(programme, two_sites[1], D(2025, 3, 1))

    row = figures_row(report, "referred-2025-12-31")
    assert (row["% of target"], row["On track"]) == (Decimal("150.0"), "reached")
    assert report.problems() == []


def test_an_interim_deadline_keeps_the_figure_at_the_deadline(two_sites):
    programme, (north, _south) = two_sites
    enrolments = [f.enrolment(north, D(2025, 1, 6) + days(7 * n)) for n in range(6)]
    company = f.company(SOCIAL)
    for n, enrolment in enumerate(enrolments):
        f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 3, 3) + days(14 * n))  # 3 March … 12 May
    goal(programme, "matched_and_started", 4, D(2025, 3, 31), social=2)
    goal(programme, "matched_and_started", 6, D(2025, 6, 30), social=3)

    report = build(programme, two_sites[1], D(2025, 5, 15))

    interim, final = (
        figures_row(report, "matched_and_started-2025-03-31"),
        figures_row(report, "matched_and_started-2025-06-30"),
    )
    # By 31 March three placements had started (3, 17 and 31 March); the later ones do not count for it.
    assert (interim["Reached"], interim["Forecast"], interim["On track"]) == (3, Decimal("3.0"), "deadline passed")
    assert interim["Social-economic"] == Share(3, 3)
    assert (final["Reached"], final["On track"]) == (6, "reached")


def test_the_social_economic_part_counts_only_placements_at_social_economic_companies(two_sites):
    programme, (north, _south) = two_sites
    private, social = f.company(), f.company(SOCIAL)
    for company in (private, social, private):
        enrolment = f.enrolment(north, D(2025, 2, 3))
        job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 2, 10))
        f.week(job, D(2025, 2, 10), ordinary=5)
    # A later second placement at a social-economic company counts from its own start.
    f.placement(enrolment, social, PlacementKind.WAGE_SUBSIDY, D(2025, 5, 5))
    goal(programme, "matched_and_started", 3, D(2025, 12, 31), social=2)
    goal(programme, "employed", 3, D(2025, 12, 31), social=2)

    march, june = build(programme, two_sites[1], D(2025, 3, 1)), build(programme, two_sites[1], D(2025, 6, 1))

    assert figures_row(march, "matched_and_started-2025-12-31")["Social-economic"] == Share(1, 3)
    assert figures_row(june, "matched_and_started-2025-12-31")["Social-economic"] == Share(2, 3)
    assert figures_row(june, "employed-2025-12-31")["Social-economic"] == Share(1, 3), "no paid week there yet"


def test_other_sites_and_other_programmes_never_count(two_sites):
    programme, (north, south) = two_sites
    _elsewhere, (outside,) = f.programme_with_sites("Odense", starts_on=START)
    company = f.company()
    for site in (north, south, outside):
        enrolment = f.enrolment(site, D(2025, 2, 3))
        job = f.placement(enrolment, company, PlacementKind.ORDINARY_JOB, D(2025, 2, 3))
        f.week(job, D(2025, 2, 3), ordinary=37)
    goal(programme, "employed", 10, D(2025, 12, 31))

    whole = build(programme, (north, south), D(2025, 6, 30))
    north_only = build(programme, (north,), D(2025, 6, 30))

    assert whole.tables[1].rows[-1].cells == [2, 2, 2]
    assert north_only.tables[1].rows[-1].cells == [1, 1, 1]
    assert figures_row(north_only, "employed-2025-12-31")["Reached"] == 1
    assert len(north_only.notes) == 2 and len(whole.notes) == 1, "a note says the targets are the whole programme's"
    assert result_goals.employed(programme, D(2025, 6, 30)) == 2
    assert result_goals.employed(programme, D(2025, 6, 30), sites=[south]) == 1


def test_progress_runs_to_the_as_of_date_and_keeps_the_last_36_months(two_sites):
    programme, (north, _south) = two_sites
    f.enrolment(north, D(2025, 1, 15))
    f.enrolment(north, D(2027, 12, 31))

    table = build(programme, two_sites[1], D(2028, 2, 10)).tables[1]

    assert len(table.rows) == 36
    assert (
        table.rows[0].key == "2025-03-31" and table.rows[-2].key == "2028-01-31" and table.rows[-1].key == "2028-02-10"
    )
    assert table.row("2027-11-30").cells == [1, 0, 0] and table.rows[-1].cells == [2, 0, 0]


def test_referrals_before_the_programme_start_begin_the_progress_earlier(db):
    programme, (site,) = f.programme_with_sites(starts_on=D(2025, 3, 1))
    f.enrolment(site, D(2025, 1, 20))  # imported from before the programme had its start date

    table = build(programme, (site,), D(2025, 3, 31)).tables[1]

    assert [row.key for row in table.rows] == ["2025-01-31", "2025-02-28", "2025-03-31"]


def test_a_social_economic_part_above_its_whole_is_a_problem(two_sites):
    programme, _sites = two_sites
    target = goal(programme, "employed", 4, D(2025, 12, 31), social=2)
    broken = result_goals.GoalProgress(
        goal=target, actual=1, social_economic_actual=2, expected=Fraction(3), standing=result_goals.Standing.BEHIND
    )

    problems = goals_report.goals_table([broken]).problems()

    assert len(problems) == 1 and "2 of 1" in problems[0]


def test_the_report_takes_a_handful_of_queries_whatever_the_number_of_goals(two_sites):
    programme, (north, _south) = two_sites
    company = f.company(SOCIAL)
    for n in range(5):
        enrolment = f.enrolment(north, D(2025, 1, 6) + days(7 * n))
        job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 3, 3))
        f.week(job, D(2025, 3, 3), ordinary=5)
    for metric in METRICS:
        for month in (3, 6, 9, 12):
            goal(programme, metric, 5, D(2025, month, 28), social=2 if metric != "referred" else None)

    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    with CaptureQueriesContext(connection) as queries:
        report = build(programme, two_sites[1], D(2025, 7, 1))

    assert len(report.tables[0].rows) == 12
    # the goals, the referrals per day, one query counting the rest as of every day, the number of sites, and one to
    # see whether any report facts are stale
    assert len(queries) <= 5


def test_no_goals_gives_an_empty_table_with_a_note(two_sites):
    programme, (north, _south) = two_sites
    f.enrolment(north, D(2025, 2, 1))
    report = build(programme, two_sites[1], D(2025, 2, 1))
    assert report.tables[0].rows == [] and report.tables[0].note
    assert report.charts and "<svg" in report.charts[0].svg


def test_the_result_goals_page_still_shows_progress(client, manager, programme, site):
    Programme.objects.filter(pk=programme.pk).update(starts_on=START)
    goal(programme, "referred", 3, D(2099, 12, 31))
    client.force_login(manager)
    response = client.get("/result-goals/")
    assert response.status_code == 200
    assert "Job i Nordvest" in response.content.decode()
