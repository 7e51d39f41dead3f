"""Weekly hours: the citizen's estimate at referral against the hours registered in the last four weeks, in bands."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.cases.models import Enrolment, Placement, PlacementKind, Timesheet
from jobbro.conftest import rolled_back
from jobbro.people.models import Citizen
from jobbro.reporting import facts, hours
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import days

D = datetime.date
ON = D(2025, 3, 14)  # a Friday in the week of Monday 10 March
WINDOW_START = D(2025, 2, 17)  # the four weeks: 17 Feb, 24 Feb, 3 Mar, 10 Mar
ESTIMATED_ALL, ESTIMATED_WITH_ACTUAL, ACTUAL, ORDINARY = range(4)
BANDS = hours.BANDS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def world(db):
    programme, sites = f.programme_with_sites("Aarhus", "Randers")
    return programme, sites, f.company()


def scope_of(programme, sites, on=ON):
    return Scope(programme=programme, sites=tuple(sites), on=on)


def citizen_with(site, company, *weeks, estimated=10, kind=PlacementKind.SMALL_JOB, starts_on=None):
    """An active enrolment with one placement (from its referral unless given) and (monday, ordinary, internship) weeks."""
    enrolment = f.enrolment(site, D(2025, 1, 6), estimated_weekly_hours=estimated)
    placement = f.placement(enrolment, company, kind, starts_on or enrolment.referred_on)
    for monday, ordinary, internship in weeks:
        f.week(placement, monday, ordinary=ordinary, internship=internship)
    return enrolment


def table_for(scope):
    return hours.hours_table(hours.weekly_hours_figures(scope))


def groups_for(scope):
    return hours.target_group_table(hours.weekly_hours_figures(scope))


def bands_in(table, column):
    """{band: part} and the column's citizens."""
    return {band: table.cell(band, column).part for band in BANDS}, table.cell("citizens", column)


# --- The window and the bands ------------------------------------------------------------------------------------


def test_the_window_is_the_four_iso_weeks_up_to_and_including_the_week_of_the_date():
    assert hours.window_start(ON) == WINDOW_START
    assert hours.window_start(D(2025, 3, 10)) == WINDOW_START  # a Monday is in its own week
    assert hours.window_start(D(2025, 3, 16)) == WINDOW_START  # so is a Sunday


def test_estimates_on_the_band_edges(world):
    programme, sites, _company = world
    for estimate in ("10.0", "10.5", "20.0", "20.5", "0"):
        f.enrolment(sites[0], D(2025, 1, 6), estimated_weekly_hours=Decimal(estimate))

    table = table_for(scope_of(programme, sites))

    assert bands_in(table, ESTIMATED_ALL) == ({"up_to_10": 2, "up_to_20": 2, "above_20": 1}, 5)
    # Nobody has hours registered: the other columns are empty, not zero shares of something.
    assert bands_in(table, ACTUAL) == (dict.fromkeys(BANDS, 0), 0)


def test_actual_hours_on_the_band_edges_ordinary_and_internship_together(world):
    programme, sites, company = world
    week = D(2025, 3, 3)
    for ordinary, internship in (("6", "4"), ("6.5", "4"), ("12", "8"), ("12", "8.5")):
        citizen_with(
            sites[0], company, (week, Decimal(ordinary), Decimal(internship)), kind=PlacementKind.HYBRID_INTERNSHIP
        )

    table = table_for(scope_of(programme, sites))

    assert bands_in(table, ACTUAL) == ({"up_to_10": 1, "up_to_20": 2, "above_20": 1}, 4)
    assert bands_in(table, ORDINARY) == ({"up_to_10": 2, "up_to_20": 2, "above_20": 0}, 4)


def test_an_average_of_exactly_ten_is_up_to_ten_even_from_tenths(world):
    programme, sites, company = world
    # 0.1 + 16.6 + 3.3 is 20.000000000000004 in floating point; the hours are 20.0, in two weeks: 10.0 a week.
    enrolment = f.enrolment(sites[0], D(2025, 1, 6))
    for hours_in_week_one in ("0.1", "16.6", "3.3"):
        job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 1, 6))
        f.week(job, D(2025, 2, 24), ordinary=Decimal(hours_in_week_one))
    f.week(job, D(2025, 3, 3), ordinary=Decimal("0"), internship=Decimal("0"))  # a registered week without hours
    f.week(job, D(2025, 3, 10), ordinary=Decimal("0.1"))
    other = f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 1, 6))
    f.week(other, D(2025, 3, 10), ordinary=Decimal("19.9"))

    table = table_for(scope_of(programme, sites))

    assert bands_in(table, ACTUAL) == ({"up_to_10": 0, "up_to_20": 1, "above_20": 0}, 1)
    assert table.cell("average", ACTUAL) == Decimal("20.0")


def test_two_placements_in_one_week_are_added_before_averaging(world):
    programme, sites, company = world
    enrolment = f.enrolment(sites[0], D(2025, 1, 6))
    first = f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 1, 6))
    second = f.placement(enrolment, company, PlacementKind.INTERNSHIP, D(2025, 1, 6))
    f.week(first, D(2025, 3, 3), ordinary=8)
    f.week(second, D(2025, 3, 3), internship=8)
    f.week(first, D(2025, 3, 10), ordinary=12)

    table = table_for(scope_of(programme, sites))

    # Weeks of 16 and 12 hours: 14 a week. Averaging the three timesheets would give 9.3, "up to 10 hours".
    assert bands_in(table, ACTUAL) == ({"up_to_10": 0, "up_to_20": 1, "above_20": 0}, 1)
    assert table.cell("average", ACTUAL) == Decimal("14.0")
    # Ordinary hours over the same two weeks: (8 + 12) / 2.
    assert table.cell("average", ORDINARY) == Decimal("10.0")
    assert bands_in(table, ORDINARY)[0]["up_to_10"] == 1


def test_a_registered_week_without_hours_is_not_a_week_with_hours(world):
    programme, sites, company = world
    citizen_with(sites[0], company, (D(2025, 3, 3), 12, 0), (D(2025, 3, 10), 0, 0))

    table = table_for(scope_of(programme, sites))

    assert bands_in(table, ACTUAL)[0]["up_to_20"] == 1
    assert table.cell("average", ACTUAL) == Decimal("12.0")


def test_only_weeks_in_the_window_and_placements_started_by_the_date_count(world):
    programme, sites, company = world
    citizen_with(sites[0], company, (WINDOW_START - days(7), 30, 0))  # the week before the window: no actual figure
    citizen_with(sites[0], company, (WINDOW_START, 30, 0))  # the first week of the window
    # A job starting the day after the date, in the week of the date: not yet started.
    citizen_with(sites[0], company, (D(2025, 3, 10), 30, 0), starts_on=ON + days(1))

    table = table_for(scope_of(programme, sites))

    assert table.row("citizens").cells == [3, 1, 1, 1]
    assert bands_in(table, ACTUAL) == ({"up_to_10": 0, "up_to_20": 0, "above_20": 1}, 1)


def test_only_citizens_active_on_the_date_in_the_sites_chosen(world):
    programme, sites, company = world
    f.enrolment(sites[0], D(2025, 1, 6), ended_on=ON)  # ended on the date
    f.enrolment(sites[0], ON + days(1))  # referred after it
    f.enrolment(sites[1], D(2025, 1, 6))  # another site
    f.enrolment(sites[0], D(2025, 1, 6), ended_on=ON + days(1), estimated_weekly_hours=25)
    other_programme, other_sites = f.programme_with_sites("Odense")
    citizen_with(other_sites[0], company, (D(2025, 3, 3), 30, 0))

    table = table_for(scope_of(programme, sites[:1]))

    assert bands_in(table, ESTIMATED_ALL) == ({"up_to_10": 0, "up_to_20": 0, "above_20": 1}, 1)


def test_estimates_of_citizens_with_actual_hours_are_banded_apart(world):
    programme, sites, company = world
    citizen_with(sites[0], company, (D(2025, 3, 3), 0, 25), estimated=5, kind=PlacementKind.INTERNSHIP)
    f.enrolment(sites[0], D(2025, 1, 6), estimated_weekly_hours=15)

    table = table_for(scope_of(programme, sites))

    assert bands_in(table, ESTIMATED_ALL) == ({"up_to_10": 1, "up_to_20": 1, "above_20": 0}, 2)
    assert bands_in(table, ESTIMATED_WITH_ACTUAL) == ({"up_to_10": 1, "up_to_20": 0, "above_20": 0}, 1)
    assert bands_in(table, ACTUAL) == ({"up_to_10": 0, "up_to_20": 0, "above_20": 1}, 1)
    # Internship hours only: 0 ordinary paid hours, "up to 10 hours".
    assert bands_in(table, ORDINARY) == ({"up_to_10": 1, "up_to_20": 0, "above_20": 0}, 1)
    assert table.row("average").cells == [Decimal("10.0"), Decimal("5.0"), Decimal("25.0"), Decimal("0.0")]


def test_a_missing_estimate_is_not_given_never_0_hours(world):
    programme, sites, company = world
    citizen_with(sites[0], company, (D(2025, 3, 3), 25, 0), estimated=None)  # no estimate, 25 actual hours
    citizen_with(sites[0], company, (D(2025, 3, 3), 5, 0), estimated=30)
    f.enrolment(sites[0], D(2025, 1, 6), estimated_weekly_hours=None)  # no estimate, no hours
    f.enrolment(sites[0], D(2025, 1, 6), estimated_weekly_hours=0)  # an estimate of 0 hours is given

    report = hours.build(scope_of(programme, sites))
    table = report.tables[0]

    # The estimated bands count only the citizens who gave an estimate: a blank is not "up to 10 hours".
    assert bands_in(table, ESTIMATED_ALL) == ({"up_to_10": 1, "up_to_20": 0, "above_20": 1}, 2)
    assert bands_in(table, ESTIMATED_WITH_ACTUAL) == ({"up_to_10": 0, "up_to_20": 0, "above_20": 1}, 1)
    assert table.row("estimate_given").cells == [Share(2, 4), Share(1, 2), None, None]
    assert table.cell("average", ESTIMATED_ALL) == Decimal("15.0")  # (30 + 0) / 2, not (30 + 0 + 0 + 0) / 4
    assert table.row("estimate_given").note == "Given for 2 of 4 citizens."
    assert "The citizen's own estimate of weekly hours: Given for 2 of 4 citizens." in report.notes
    assert report.problems() == []


# --- By target group ---------------------------------------------------------------------------------------------


def test_a_citizen_in_two_target_groups_is_in_both_rows(world):
    programme, sites, company = world
    young, housing, unused = f.target_group("Young people"), f.target_group("Housing areas"), f.target_group("Unused")
    both = citizen_with(sites[0], company, (D(2025, 3, 3), 22, 0), estimated=8)
    both.citizen.target_groups.set([young, housing])
    f.enrolment(sites[0], D(2025, 1, 6), estimated_weekly_hours=15).citizen.target_groups.set([young])
    f.enrolment(sites[0], D(2025, 1, 6), estimated_weekly_hours=30)
    f.enrolment(sites[0], D(2025, 1, 6), ended_on=ON).citizen.target_groups.set([unused])  # not active

    table = groups_for(scope_of(programme, sites))

    assert [(row.label, row.cells) for row in table.rows] == [
        ("Housing areas", [1, 0, 0, 0, 0, 1]),
        ("Young people", [1, 1, 0, 0, 0, 1]),
        ("No target group", [0, 0, 1, 0, 0, 0]),
    ]
    assert table.sums == [] and table.total_column is None, "target groups overlap: no add-up rule holds"


# --- The report as a whole ---------------------------------------------------------------------------------------


def test_the_report_has_both_tables_a_chart_and_no_problems_on_consistent_data(world):
    programme, sites, company = world
    citizen_with(sites[0], company, (D(2025, 3, 3), 5, 10), estimated=12)
    citizen_with(sites[1], company, (D(2025, 3, 10), 25, 0), estimated=8)
    f.enrolment(sites[1], D(2025, 1, 6), estimated_weekly_hours=22).citizen.target_groups.set([f.target_group()])

    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    with CaptureQueriesContext(connection) as queries:
        report = hours.build(scope_of(programme, sites))

    assert [table.key for table in report.tables] == ["hours", "target_groups"]
    assert report.problems() == []
    assert report.charts and "<svg" in report.charts[0].svg
    assert len(queries) <= 3, "a handful of aggregate queries (and one to see that the report facts are current)"


def test_the_bands_are_checked_against_the_citizens_row(world):
    programme, sites, _company = world
    f.enrolment(sites[0], D(2025, 1, 6), estimated_weekly_hours=12)
    table = table_for(scope_of(programme, sites))
    assert table.problems() == []
    # The citizens row counts every citizen, banded or not: a citizen missing from the bands is reported.
    table.row("up_to_20").cells[ESTIMATED_ALL] = table.row("up_to_20").cells[ESTIMATED_ALL].__class__(0, 1)
    assert len(table.problems()) == 1


def test_the_empty_programme_has_zero_citizens_and_no_averages(world):
    programme, sites, _company = world
    report = hours.build(scope_of(programme, sites))
    table, by_group = report.tables
    assert table.row("citizens").cells == [0, 0, 0, 0]
    assert table.row("average").cells == [None, None, None, None]
    assert by_group.rows == []
    assert report.problems() == []


# --- Property: every figure is the plain computation over the raw rows ------------------------------------------

BASE = D(2025, 6, 2)  # a Monday
HOURS = [Decimal(h) for h in ("0", "2.5", "5", "9.9", "10", "10.5", "15", "20", "20.5", "30")]
INTERNSHIP_HOURS = [Decimal(h) for h in ("0", "0", "4.5", "10")]
ESTIMATES = [Decimal(h) for h in ("0", "5", "10", "10.5", "15", "20", "20.5", "30")]

placement_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(
            [
                PlacementKind.INTERNSHIP,
                PlacementKind.HYBRID_INTERNSHIP,
                PlacementKind.SMALL_JOB,
                PlacementKind.WAGE_SUBSIDY,
            ]
        ),
        "starts_after": st.integers(0, 20),
        # Weeks counted back from the week of the date: 0 to 3 are in the window, 4 and 5 before it.
        "weeks_back": st.lists(
            st.tuples(st.integers(0, 5), st.sampled_from(HOURS), st.sampled_from(INTERNSHIP_HOURS)),
            min_size=1,
            max_size=4,
            unique_by=lambda w: w[0],
        ),
    }
)
enrolment_spec = st.fixed_dictionaries(
    {
        "site": st.integers(0, 1),
        "referred_before": st.integers(-5, 60),  # days before the date; negative: referred after it
        "length": st.one_of(st.none(), st.integers(0, 100)),
        "estimated": st.one_of(st.sampled_from(ESTIMATES), st.none()),  # None: the citizen gave no estimate
        "groups": st.sets(st.integers(0, 2), max_size=2),
        "placements": st.lists(placement_spec, min_size=1, max_size=2),
    }
)


def band(value):
    return "up_to_10" if value <= 10 else "up_to_20" if value <= 20 else "above_20"


def plain_hours(programme, site_ids, on):
    """The rules written out over the rows: per active enrolment its estimate, actual and ordinary averages."""
    enrolments = [
        e
        for e in Enrolment.objects.filter(programme=programme, site__in=site_ids).values(
            "pk", "citizen", "referred_on", "ended_on", "estimated_weekly_hours"
        )
        if e["referred_on"] <= on and (e["ended_on"] is None or e["ended_on"] > on)
    ]
    placements = {p["pk"]: p for p in Placement.objects.values("pk", "enrolment", "starts_on")}
    monday_of_on = on - days(on.weekday())
    per_week = defaultdict(lambda: [Decimal(0), Decimal(0)])  # (enrolment, week) -> [total, ordinary]
    for sheet in Timesheet.objects.values("placement", "week_start", "ordinary_hours", "internship_hours"):
        placement = placements[sheet["placement"]]
        if placement["starts_on"] <= on and monday_of_on - days(21) <= sheet["week_start"] <= on:
            week = per_week[(placement["enrolment"], sheet["week_start"])]
            week[0] += sheet["ordinary_hours"] + sheet["internship_hours"]
            week[1] += sheet["ordinary_hours"]
    people = []
    for e in enrolments:
        weeks = [hours for (pk, _week), hours in per_week.items() if pk == e["pk"] and hours[0] > 0]
        actual = sum(w[0] for w in weeks) / len(weeks) if weeks else None
        ordinary = sum(w[1] for w in weeks) / len(weeks) if weeks else None
        people.append((e, actual, ordinary))
    return people


def expected_hours_table(people):
    given = [(e, a, o) for e, a, o in people if e["estimated_weekly_hours"] is not None]
    with_actual = [person for person in people if person[1] is not None]
    columns = [
        [band(e["estimated_weekly_hours"]) for e, _a, _o in given],
        [band(e["estimated_weekly_hours"]) for e, a, _o in given if a is not None],
        [band(a) for _e, a, _o in people if a is not None],
        [band(o) for _e, a, o in people if a is not None],
    ]
    return {
        **{b: [(column.count(b), len(column)) for column in columns] for b in BANDS},
        "citizens": [len(column) for column in columns],
        # A missing estimate is not given, never 0 hours: "given for N of M".
        "estimate_given": [Share(len(columns[0]), len(people)), Share(len(columns[1]), len(with_actual)), None, None],
    }


def expected_target_groups(people):
    memberships = defaultdict(set)
    for citizen, group in Citizen.target_groups.through.objects.values_list("citizen", "targetgroup"):
        memberships[citizen].add(group)
    rows = {}
    for e, actual, _o in people:
        for group in memberships[e["citizen"]] or {None}:
            row = rows.setdefault(group, [0] * 6)
            if e["estimated_weekly_hours"] is not None:
                row[BANDS.index(band(e["estimated_weekly_hours"]))] += 1
            if actual is not None:
                row[3 + BANDS.index(band(actual))] += 1
    return {("no-target-group" if group is None else f"target-group-{group}"): row for group, row in rows.items()}


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    enrolments=st.lists(enrolment_spec, min_size=3, max_size=10),
    site_choice=st.sampled_from([(0,), (1,), (0, 1)]),
    as_of=st.integers(0, 400),  # any weekday, across a new year too
)
def test_each_figure_equals_the_plain_computation_over_the_rows(db, enrolments, site_choice, as_of):
    on = BASE + days(as_of)
    with rolled_back():
        programme, sites = f.programme_with_sites("Aarhus", "Randers")
        company = f.company()
        groups = [f.target_group(), f.target_group(), f.target_group()]
        for spec in enrolments:
            referred_on = on - days(spec["referred_before"])
            enrolment = f.enrolment(
                sites[spec["site"]],
                referred_on,
                estimated_weekly_hours=spec["estimated"],
                ended_on=None if spec["length"] is None else referred_on + days(spec["length"]),
            )
            enrolment.citizen.target_groups.set([groups[i] for i in spec["groups"]])
            for p in spec["placements"]:
                starts_on = referred_on + days(p["starts_after"])
                placement = f.placement(enrolment, company, p["kind"], starts_on)
                for weeks_back, ordinary, internship in p["weeks_back"]:
                    week = f.monday(on) - datetime.timedelta(weeks=weeks_back)
                    f.week(placement, week, ordinary=ordinary, internship=internship)
        chosen = [sites[i] for i in site_choice]
        scope = scope_of(programme, chosen, on)

        figures = hours.weekly_hours_figures(scope)
        table, by_group = hours.hours_table(figures), hours.target_group_table(figures)

        people = plain_hours(programme, [s.pk for s in chosen], on)
        expected = expected_hours_table(people)
        for b in BANDS:
            assert [(cell.part, cell.whole) for cell in table.row(b).cells] == expected[b], b
        assert table.row("citizens").cells == expected["citizens"]
        assert table.row("estimate_given").cells == expected["estimate_given"]
        actual_averages = [a for _e, a, _o in people if a is not None]
        expected_average = sum(actual_averages) / len(actual_averages) if actual_averages else None
        if expected_average is None:
            assert table.cell("average", ACTUAL) is None
        else:
            # Shown to one decimal, from a floating-point sum on SQLite: within half a tenth.
            assert abs(table.cell("average", ACTUAL) - expected_average) <= Decimal("0.05")
        assert {row.key: row.cells for row in by_group.rows} == expected_target_groups(people)
        assert table.problems() == []
