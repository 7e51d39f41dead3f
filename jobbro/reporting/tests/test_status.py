"""Fortnightly status: per job broker as of the date, the 14 days ending on it, and the programme's small jobs."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobbro.cases.models import AssignmentChange, Enrolment, Placement, PlacementKind, Timesheet
from jobbro.companies.models import Opening
from jobbro.conftest import rolled_back
from jobbro.reporting import charts, export, facts, status
from jobbro.reporting.base import Report, Scope
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import days

D = datetime.date
ON = D(2025, 3, 14)  # a Friday; the fortnight is Saturday 1 March to Friday 14 March
FIRST_OVERLAPPING_WEEK = D(2025, 2, 24)  # Monday 24 February: its Saturday and Sunday are in the fortnight
CASELOAD, ORDINARY, INTERNSHIP, WAGE_SUBSIDY, STARTED = range(5)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def world(db):
    programme, sites = f.programme_with_sites("Aarhus", "Randers")
    alice = f.broker("alice")
    alice.first_name, alice.last_name = "Alice", "Andersen"
    alice.save()
    bob = f.broker("bob")  # no name: shown by username
    return programme, sites, alice, bob, f.company()


def scope_of(programme, sites, on=ON):
    return Scope(programme=programme, sites=tuple(sites), on=on)


def row_of(table, key):
    return table.row(key).cells


# --- The fortnight -----------------------------------------------------------------------------------------------


def test_the_fortnight_is_the_14_days_ending_on_the_date(world):
    programme, sites, *_ = world
    assert scope_of(programme, sites).fortnight_start == D(2025, 3, 1)


def test_a_week_overlapping_the_start_of_the_fortnight_counts_and_the_week_before_does_not(world):
    programme, sites, alice, _bob, company = world
    overlapping = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    before = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    for enrolment, week in ((overlapping, FIRST_OVERLAPPING_WEEK), (before, FIRST_OVERLAPPING_WEEK - days(7))):
        job = f.placement(enrolment, company, PlacementKind.SMALL_JOB, D(2025, 2, 3), agreed_ordinary_hours=5)
        f.week(job, week, ordinary=5)

    table = status.status_table(scope_of(programme, sites))

    assert row_of(table, status.broker_key(alice.pk))[ORDINARY] == 1
    assert Timesheet.objects.filter(placement__enrolment=overlapping).exists()


def test_when_the_fortnight_starts_on_a_monday_the_week_before_it_does_not_overlap(world):
    programme, sites, alice, _bob, company = world
    sunday = D(2025, 3, 16)  # the fortnight is Monday 3 March to Sunday 16 March
    for week in (D(2025, 2, 24), D(2025, 3, 3)):
        job = f.placement(
            f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice), company, PlacementKind.SMALL_JOB, D(2025, 2, 3)
        )
        f.week(job, week, ordinary=5)

    cells = row_of(status.status_table(scope_of(programme, sites, sunday)), status.broker_key(alice.pk))

    assert cells[ORDINARY] == 1


def test_ordinary_hours_need_paid_hours_and_a_placement_started_by_the_date(world):
    programme, sites, alice, _bob, company = world
    only_internship = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.week(f.placement(only_internship, company, PlacementKind.INTERNSHIP, D(2025, 3, 3)), D(2025, 3, 3), internship=20)
    starts_tomorrow = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    # The week of the date begins on Monday 10 March, but the job starts the day after the date.
    late = f.placement(starts_tomorrow, company, PlacementKind.SMALL_JOB, ON + days(1), agreed_ordinary_hours=5)
    f.week(late, D(2025, 3, 10), ordinary=5)

    cells = row_of(status.status_table(scope_of(programme, sites)), status.broker_key(alice.pk))

    assert cells[ORDINARY] == 0
    assert cells[INTERNSHIP] == 1


def test_a_placement_ending_on_the_fortnights_first_day_is_not_in_it_and_one_ending_the_day_after_is(world):
    # The end date is the first day a placement no longer runs (cases/models.py).
    programme, sites, alice, _bob, company = world
    first_day = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.placement(first_day, company, PlacementKind.INTERNSHIP, D(2025, 2, 3), ended_on=D(2025, 3, 1))
    day_after = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.placement(day_after, company, PlacementKind.WAGE_SUBSIDY, D(2025, 2, 3), ended_on=D(2025, 3, 2))
    f.placement(day_after, company, PlacementKind.HYBRID_INTERNSHIP, D(2025, 2, 3), ended_on=D(2025, 3, 2))

    cells = row_of(status.status_table(scope_of(programme, sites)), status.broker_key(alice.pk))

    assert (cells[INTERNSHIP], cells[WAGE_SUBSIDY]) == (1, 1)


def test_a_placement_ended_on_the_day_it_started_never_ran_in_the_fortnight(world):
    programme, sites, alice, _bob, company = world
    never_ran = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.placement(never_ran, company, PlacementKind.INTERNSHIP, D(2025, 3, 5), ended_on=D(2025, 3, 5))
    ran_a_day = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.placement(ran_a_day, company, PlacementKind.INTERNSHIP, D(2025, 3, 5), ended_on=D(2025, 3, 6))

    cells = row_of(status.status_table(scope_of(programme, sites)), status.broker_key(alice.pk))

    assert cells[INTERNSHIP] == 1


def test_a_placement_starting_after_the_date_is_not_running_and_not_started(world):
    programme, sites, alice, _bob, company = world
    enrolment = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.placement(enrolment, company, PlacementKind.INTERNSHIP, ON + days(1))

    cells = row_of(status.status_table(scope_of(programme, sites)), status.broker_key(alice.pk))

    assert (cells[INTERNSHIP], cells[STARTED]) == (0, 0)


def test_started_counts_placements_starting_within_the_14_days(world):
    programme, sites, alice, _bob, company = world
    for starts_on in (D(2025, 2, 28), D(2025, 3, 1), ON):
        f.placement(f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice), company, PlacementKind.SMALL_JOB, starts_on)

    assert row_of(status.status_table(scope_of(programme, sites)), status.broker_key(alice.pk))[STARTED] == 2


def test_a_hybrid_internship_with_paid_hours_is_in_ordinary_hours_and_in_an_internship(world):
    programme, sites, alice, _bob, company = world
    hybrid = f.placement(
        f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice), company, PlacementKind.HYBRID_INTERNSHIP, D(2025, 2, 3)
    )
    f.week(hybrid, D(2025, 3, 3), ordinary=4, internship=10)

    cells = row_of(status.status_table(scope_of(programme, sites)), status.broker_key(alice.pk))

    assert (cells[ORDINARY], cells[INTERNSHIP]) == (1, 1)


def test_the_caseload_is_the_citizens_active_on_the_date_in_the_sites_chosen(world):
    programme, sites, alice, _bob, _company = world
    f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice, ended_on=ON)  # ended on the date: not active
    f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice, ended_on=ON + days(1))
    f.enrolment(sites[0], ON + days(1), job_broker=alice)  # referred after the date: not counted at all
    f.enrolment(sites[1], D(2025, 1, 6), job_broker=alice)

    assert row_of(status.status_table(scope_of(programme, sites[:1])), status.broker_key(alice.pk))[CASELOAD] == 2
    assert row_of(status.status_table(scope_of(programme, sites)), "total")[CASELOAD] == 3


# --- The job broker as of the date -------------------------------------------------------------------------------


def test_a_change_of_job_broker_after_the_date_is_not_counted(world):
    programme, sites, alice, bob, _company = world
    enrolment = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.assign_broker(enrolment, bob, ON + days(1))
    Enrolment.objects.filter(pk=enrolment.pk).update(job_broker=bob)  # the current field already says bob

    table = status.status_table(scope_of(programme, sites))

    assert [row.key for row in table.rows] == [status.broker_key(alice.pk), "total"]
    assert row_of(table, status.broker_key(alice.pk))[CASELOAD] == 1
    # On the day of the change it counts under the new job broker.
    later = status.status_table(scope_of(programme, sites, ON + days(1)))
    assert [row.key for row in later.rows] == [status.broker_key(bob.pk), "total"]


def test_the_latest_change_on_or_before_the_date_wins_and_an_empty_one_means_no_job_broker(world):
    programme, sites, alice, bob, _company = world
    to_bob = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.assign_broker(to_bob, bob, ON)
    to_nobody = f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    f.assign_broker(to_nobody, None, D(2025, 2, 1))

    table = status.status_table(scope_of(programme, sites))

    assert [row.label for row in table.rows] == ["bob", "No job broker", "Total"]


def test_of_two_changes_on_the_same_day_the_one_registered_last_wins(world):
    programme, sites, alice, bob, _company = world
    enrolment = f.enrolment(sites[0], D(2025, 1, 6))
    f.assign_broker(enrolment, bob, D(2025, 2, 3))
    f.assign_broker(enrolment, alice, D(2025, 2, 3))

    table = status.status_table(scope_of(programme, sites))

    assert [row.key for row in table.rows] == [status.broker_key(alice.pk), "total"]


def test_without_any_job_broker_history_the_enrolment_field_is_used(world):
    programme, sites, alice, bob, _company = world
    no_history = f.enrolment(sites[0], D(2025, 1, 6))
    no_history.job_broker = bob
    no_history.save()
    # History that starts after the date: there was no job broker yet, whatever the field says today.
    not_yet = f.enrolment(sites[0], D(2025, 1, 6))
    f.assign_broker(not_yet, alice, ON + days(3))
    not_yet.job_broker = alice
    not_yet.save()

    table = status.status_table(scope_of(programme, sites))

    assert [(row.key, row.cells[CASELOAD]) for row in table.rows] == [
        (status.broker_key(bob.pk), 1),
        ("no-broker", 1),
        ("total", 2),
    ]


def test_brokers_are_sorted_by_name_with_no_job_broker_and_the_total_last(world):
    programme, sites, alice, bob, _company = world
    f.enrolment(sites[0], D(2025, 1, 6))
    f.enrolment(sites[0], D(2025, 1, 6), job_broker=bob)
    f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)

    table = status.status_table(scope_of(programme, sites))

    assert [row.label for row in table.rows] == ["Alice Andersen", "bob", "No job broker", "Total"]
    assert table.sums == [("total", [status.broker_key(alice.pk), status.broker_key(bob.pk), "no-broker"])]


# --- Small jobs --------------------------------------------------------------------------------------------------


def test_small_jobs_new_filled_and_open_on_the_date(world):
    programme, _sites, _alice, _bob, company = world
    f.opening(company, programme, D(2025, 2, 28))  # open, posted before the fortnight
    f.opening(company, programme, D(2025, 3, 1))  # new and open
    f.opening(company, programme, D(2025, 2, 1), filled_on=D(2025, 3, 1))  # filled in the fortnight
    f.opening(company, programme, D(2025, 2, 1), filled_on=D(2025, 2, 28))  # filled before it
    f.opening(company, programme, D(2025, 3, 5), filled_on=ON + days(1))  # new, and still open on the date
    f.opening(company, programme, D(2025, 2, 1), closed_on=ON)  # closed on the date: not open
    f.opening(company, programme, ON + days(1))  # posted after the date
    f.opening(company, programme, D(2025, 2, 1), status=Opening.Status.CLOSED)  # closed, date unknown: not open
    other_programme, _other_sites = f.programme_with_sites("Odense")
    f.opening(company, other_programme, D(2025, 3, 2))

    counts = status.small_job_counts(programme, D(2025, 3, 1), ON)

    assert counts == {"new": 2, "filled": 1, "open": 3}


def test_small_jobs_do_not_depend_on_the_sites_chosen(world):
    programme, sites, _alice, _bob, company = world
    f.opening(company, programme, D(2025, 3, 3))
    one = status.small_jobs_table(scope_of(programme, sites[:1]))
    both = status.small_jobs_table(scope_of(programme, sites))
    assert [row.cells for row in one.rows] == [row.cells for row in both.rows] == [[1], [0], [1]]


# --- The report as a whole ---------------------------------------------------------------------------------------


def test_the_report_has_both_tables_a_chart_and_no_problems_on_consistent_data(world):
    programme, sites, alice, bob, company = world
    job = f.placement(
        f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice), company, PlacementKind.SMALL_JOB, D(2025, 2, 3)
    )
    f.week(job, D(2025, 3, 3), ordinary=6)
    f.placement(
        f.enrolment(sites[1], D(2025, 1, 6), job_broker=bob), company, PlacementKind.WAGE_SUBSIDY, D(2025, 3, 3)
    )
    f.enrolment(sites[1], D(2025, 1, 6))
    f.opening(company, programme, D(2025, 3, 3))

    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    with CaptureQueriesContext(connection) as queries:
        report = status.build(scope_of(programme, sites))

    assert isinstance(report, Report)
    assert [table.key for table in report.tables] == ["status", "small_jobs"]
    assert report.problems() == []
    assert report.charts and "<svg" in report.charts[0].svg
    assert len(queries) <= 5, "a handful of aggregate queries, whatever the number of citizens"


def test_the_total_row_is_checked_against_the_broker_rows(world):
    programme, sites, alice, _bob, _company = world
    f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice)
    table = status.status_table(scope_of(programme, sites))
    assert table.problems() == []
    # The total is its own query: if a broker row ever lost a citizen, the table would say so.
    table.row(status.broker_key(alice.pk)).cells[CASELOAD] = 0
    assert len(table.problems()) == 1


def test_the_empty_programme_has_only_a_total_row_of_zeros(world):
    programme, sites, *_ = world
    report = status.build(scope_of(programme, sites))
    assert [(row.key, row.cells) for row in report.tables[0].rows] == [("total", [0, 0, 0, 0, 0])]
    assert report.problems() == []


# --- Property: every figure is the plain count over the raw rows ------------------------------------------------

BASE = D(2025, 1, 6)  # a Monday
KINDS = [
    PlacementKind.INTERNSHIP,
    PlacementKind.HYBRID_INTERNSHIP,
    PlacementKind.WAGE_SUBSIDY,
    PlacementKind.SMALL_JOB,
    PlacementKind.ORDINARY_JOB,
]

placement_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "starts_after": st.integers(0, 50),
        "length": st.one_of(st.none(), st.integers(0, 40)),
        "weeks": st.lists(
            st.tuples(
                st.integers(-1, 8),
                st.sampled_from([Decimal("0"), Decimal("4.5")]),
                st.sampled_from([Decimal("0"), Decimal("10")]),
            ),
            max_size=3,
            unique_by=lambda w: w[0],
        ),
    }
)
enrolment_spec = st.fixed_dictionaries(
    {
        "site": st.integers(0, 1),
        "referred_after": st.integers(0, 40),
        "length": st.one_of(st.none(), st.integers(0, 100)),
        "broker": st.one_of(st.none(), st.integers(0, 2)),
        "history": st.booleans(),  # False: only the enrolment field, as in records from before the history
        "changes": st.lists(st.tuples(st.integers(0, 90), st.one_of(st.none(), st.integers(0, 2))), max_size=2),
        "placements": st.lists(placement_spec, min_size=1, max_size=2),
    }
)
opening_spec = st.fixed_dictionaries(
    {
        "posted_after": st.integers(0, 100),
        "end": st.sampled_from(["open", "filled", "closed", "undated"]),
        "end_after": st.integers(0, 40),
        "elsewhere": st.booleans(),
    }
)


def build_world(programme, sites, other_programme, brokers, company, enrolments, openings):
    for spec in enrolments:
        referred_on = BASE + days(spec["referred_after"])
        ended_on = None if spec["length"] is None else referred_on + days(spec["length"])
        first = None if spec["broker"] is None else brokers[spec["broker"]]
        enrolment = f.enrolment(
            sites[spec["site"]], referred_on, ended_on=ended_on, job_broker=first if spec["history"] else None
        )
        current = first
        if spec["history"]:
            for after, broker in spec["changes"]:
                current = None if broker is None else brokers[broker]
                f.assign_broker(enrolment, current, referred_on + days(after))
        Enrolment.objects.filter(pk=enrolment.pk).update(job_broker=current)
        for p in spec["placements"]:
            starts_on = referred_on + days(p["starts_after"])
            placement = f.placement(
                enrolment,
                company,
                p["kind"],
                starts_on,
                ended_on=None if p["length"] is None else starts_on + days(p["length"]),
            )
            for week, ordinary, internship in p["weeks"]:
                f.week(
                    placement,
                    f.monday(starts_on) + datetime.timedelta(weeks=week),
                    ordinary=ordinary,
                    internship=internship,
                )
    for spec in openings:
        posted_on = BASE + days(spec["posted_after"])
        end_on = posted_on + days(spec["end_after"])
        f.opening(
            company,
            other_programme if spec["elsewhere"] else programme,
            posted_on,
            status=Opening.Status.CLOSED if spec["end"] == "undated" else None,
            filled_on=end_on if spec["end"] == "filled" else None,
            closed_on=end_on if spec["end"] == "closed" else None,
        )


def plain_status(programme, site_ids, on):
    """The rules written out over the rows: {broker user id or None: [five counts]}, and the total."""
    start = on - days(13)
    enrolments = list(
        Enrolment.objects.filter(programme=programme, site__in=site_ids, referred_on__lte=on).values(
            "pk", "ended_on", "job_broker"
        )
    )
    changes = list(
        AssignmentChange.objects.filter(role=AssignmentChange.Role.JOB_BROKER).values(
            "pk", "enrolment", "user", "changed_on"
        )
    )
    placements = list(Placement.objects.values("pk", "enrolment", "kind", "starts_on", "ended_on"))
    placement_of = {p["pk"]: p for p in placements}
    sheets = list(Timesheet.objects.values("placement", "week_start", "ordinary_hours"))

    def broker(e):
        history = [c for c in changes if c["enrolment"] == e["pk"]]
        if not history:
            return e["job_broker"]
        known = sorted((c["changed_on"], c["pk"], c["user"]) for c in history if c["changed_on"] <= on)
        return known[-1][2] if known else None

    def running(e, kinds):
        return any(
            p["enrolment"] == e["pk"]
            and p["kind"] in kinds
            and p["starts_on"] <= on
            # Ran on a day of the fortnight: the end date is the first day it no longer runs, so a placement ended
            # on the day it started never ran.
            and (p["ended_on"] is None or p["ended_on"] > max(start, p["starts_on"]))
            for p in placements
        )

    def in_ordinary_hours(e):
        for s in sheets:
            p = placement_of[s["placement"]]
            # The week (Monday to Sunday) shares a day with the fortnight.
            overlaps = s["week_start"] <= on and s["week_start"] + days(6) >= start
            if p["enrolment"] == e["pk"] and s["ordinary_hours"] > 0 and overlaps and p["starts_on"] <= on:
                return True
        return False

    def figures(e):
        return [
            e["ended_on"] is None or e["ended_on"] > on,
            in_ordinary_hours(e),
            running(e, {PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP}),
            running(e, {PlacementKind.WAGE_SUBSIDY}),
            any(p["enrolment"] == e["pk"] and start <= p["starts_on"] <= on for p in placements),
        ]

    by_broker, total = {}, [0] * 5
    for e in enrolments:
        flags = figures(e)
        counts = by_broker.setdefault(broker(e), [0] * 5)
        for index, flag in enumerate(flags):
            counts[index] += flag
            total[index] += flag
    return by_broker, total


def plain_small_jobs(programme, on):
    start = on - days(13)
    rows = list(Opening.objects.filter(programme=programme).values("posted_on", "filled_on", "closed_on", "status"))

    def still_open(o):
        if o["posted_on"] > on:
            return False
        if o["filled_on"] is not None and o["filled_on"] <= on:
            return False
        if o["closed_on"] is not None and o["closed_on"] <= on:
            return False
        return not (o["status"] != Opening.Status.OPEN and o["filled_on"] is None and o["closed_on"] is None)

    return [
        sum(1 for o in rows if start <= o["posted_on"] <= on),
        sum(1 for o in rows if o["filled_on"] is not None and start <= o["filled_on"] <= on),
        sum(1 for o in rows if still_open(o)),
    ]


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    enrolments=st.lists(enrolment_spec, min_size=3, max_size=10),
    openings=st.lists(opening_spec, min_size=1, max_size=5),
    site_choice=st.sampled_from([(0,), (1,), (0, 1)]),
    as_of=st.integers(14, 110),
)
def test_each_figure_equals_the_plain_count_over_the_rows(db, enrolments, openings, site_choice, as_of):
    on = BASE + days(as_of)
    with rolled_back():
        programme, sites = f.programme_with_sites("Aarhus", "Randers")
        other_programme, _other = f.programme_with_sites("Odense")
        brokers = [f.broker(), f.broker(), f.broker()]
        brokers[0].first_name = "Zoe"
        brokers[0].save()
        build_world(programme, sites, other_programme, brokers, f.company(), enrolments, openings)
        chosen = [sites[i] for i in site_choice]

        scope = scope_of(programme, chosen, on)
        table = status.status_table(scope)
        small_jobs = status.small_jobs_table(scope)

        by_broker, total = plain_status(programme, [s.pk for s in chosen], on)
        expected_rows = {
            (status.broker_key(pk) if pk is not None else "no-broker"): counts for pk, counts in by_broker.items()
        }
        assert {row.key: row.cells for row in table.rows if row.key != "total"} == expected_rows
        assert table.row("total").cells == total
        assert [row.cells[0] for row in small_jobs.rows] == plain_small_jobs(programme, on)
        assert table.problems() == [] and small_jobs.problems() == []


# --- The chart: every job broker while a reader can take them in, both ends of the ranking beyond that ------------


def broker_table(in_work, *, unassigned=None):
    """A status table with one job broker per entry of `in_work` (their ordinary hours; the other work figures 0),
    named "Broker 01", "Broker 02", … in that order, and the total row the report adds."""
    rows = [
        status.Row(status.broker_key(n), f"Broker {n:02}", [0, value, 0, 0, 0]) for n, value in enumerate(in_work, 1)
    ]
    if unassigned is not None:
        rows.append(status.Row(status.NO_BROKER_KEY, "No job broker", [0, unassigned, 0, 0, 0]))
    total = sum(in_work) + (unassigned or 0)
    rows.append(status.Row(status.TOTAL_KEY, "Total", [0, total, 0, 0, 0]))
    return status.Table(key="status", title="Status", columns=["C", "Ordinary", "Internship", "Wage", "S"], rows=rows)


def drawn_labels(chart):
    """The tick labels on the chart's category axis, top to bottom: one per group of bars."""
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", chart.svg)
    return [text for text in texts if text.startswith("Broker ") or text == "No job broker"]


def bars_drawn(chart):
    """The bars matplotlib drew: the patches clipped to the plot (the backgrounds and legend swatches are not)."""
    return len(re.findall(r'<g id="patch_\d+">\s*<path [^>]*clip-path=', chart.svg))


def test_with_40_job_brokers_the_chart_draws_the_10_with_the_most_and_the_10_with_the_fewest():
    # Broker n has n citizens in ordinary hours, shuffled so that table order is not ranking order.
    values = [(7 * n) % 41 for n in range(1, 41)]  # a permutation of 1..40
    chart = status.work_chart(broker_table(values))
    by_label = {f"Broker {n:02}": value for n, value in enumerate(values, 1)}
    labels = drawn_labels(chart)
    assert len(labels) == 20
    assert [by_label[label] for label in labels] == [*range(40, 30, -1), *range(10, 0, -1)]
    assert "20 of 40 job brokers" in chart.svg
    assert "The 10 with the most" in chart.svg and "The 10 with the fewest" in chart.svg
    assert chart.description.startswith(
        "Bars for 20 of 40 job brokers: the 10 with the most and the 10 with the fewest"
    )


def test_the_chart_draws_a_bar_per_figure_only_for_the_job_brokers_shown():
    many = status.work_chart(broker_table(list(range(1, 41))))
    few = status.work_chart(broker_table([1, 2, 3, 4, 5]))
    # Three figures per job broker, each its own bar (a bar of 0 too).
    assert bars_drawn(many) == 3 * 20
    assert bars_drawn(few) == 3 * 5


def test_with_few_job_brokers_the_chart_draws_them_all_in_the_tables_order():
    chart = status.work_chart(broker_table([5, 1, 4, 2, 3]))
    assert drawn_labels(chart) == ["Broker 01", "Broker 02", "Broker 03", "Broker 04", "Broker 05"]
    assert " of " not in chart.svg and "with the most" not in chart.svg
    assert chart.description.startswith("Bars for each job broker")


def test_25_job_brokers_are_all_drawn_and_26_are_not():
    assert len(drawn_labels(status.work_chart(broker_table(list(range(25)))))) == 25
    assert len(drawn_labels(status.work_chart(broker_table(list(range(26)))))) == 20


def test_the_ranking_adds_up_the_three_figures_the_chart_shows_and_not_the_caseload():
    rows = [
        status.Row(status.broker_key(n), f"Broker {n:02}", [100 - n, n % 3, n % 5, n % 7, 50]) for n in range(1, 31)
    ]
    rows.append(status.Row(status.TOTAL_KEY, "Total", [0, 0, 0, 0, 0]))
    table = status.Table(key="status", title="Status", columns=["C", "O", "I", "W", "S"], rows=rows)
    in_work = {f"Broker {n:02}": n % 3 + n % 5 + n % 7 for n in range(1, 31)}
    labels = drawn_labels(status.work_chart(table))
    ranked = sorted(in_work.values(), reverse=True)
    assert [in_work[label] for label in labels] == ranked[:10] + ranked[-10:]


def test_citizens_without_a_job_broker_are_always_the_last_bar_and_not_counted_as_a_job_broker():
    chart = status.work_chart(broker_table(list(range(1, 41)), unassigned=1000))
    labels = drawn_labels(chart)
    assert len(labels) == 21 and labels[-1] == "No job broker"
    assert "Broker 40" in labels and "Broker 30" not in labels, "the 1,000 unassigned do not push a broker out"
    assert "20 of 40 job brokers" in chart.svg
    assert chart.description.endswith("The last bar is the citizens without a job broker.")


def test_the_chart_says_how_many_of_how_many_in_danish():
    with translation.override("da"):
        chart = status.work_chart(broker_table(list(range(1, 41))))
    assert "20 af 40 jobformidlere" in chart.svg
    assert "De 10 med flest" in chart.svg and "De 10 med færrest" in chart.svg
    assert chart.description.startswith("Søjler for 20 af 40 jobformidlere: de 10 med flest og de 10 med færrest")


@given(st.lists(st.integers(0, 30), min_size=0, max_size=60))
def test_both_ends_are_the_highest_and_the_lowest_and_keep_every_item_when_few(values):
    items = list(enumerate(values))
    most, fewest = charts.both_ends(items, lambda item: item[1], each_end=10, all_up_to=25)
    if len(items) <= 25:
        assert most == items and fewest == []
        return
    assert len(most) == len(fewest) == 10
    ranked = sorted(values, reverse=True)
    assert [value for _n, value in most] == ranked[:10]
    assert [value for _n, value in fewest] == ranked[-10:]
    # Nothing drawn twice, and equal measures keep the table's order.
    assert len({n for n, _value in most + fewest}) == 20
    for group in (most, fewest):
        for (n, value), (m, other) in zip(group, group[1:], strict=False):
            assert value > other or (value == other and n < m)


def test_the_report_keeps_every_job_broker_in_the_table_and_checks_them_all(world):
    programme, sites, *_rest = world
    company = f.company()
    brokers = [f.broker(f"broker{n:02}") for n in range(30)]
    for n, broker in enumerate(brokers):
        for _ in range(n % 3 + 1):
            enrolment = f.enrolment(sites[n % 2], D(2025, 1, 6), job_broker=broker)
            f.placement(enrolment, company, PlacementKind.WAGE_SUBSIDY, D(2025, 3, 3))
    report = status.build(scope_of(programme, sites))
    table = report.tables[0]
    assert len(table.rows) == 31 and table.problems() == []
    assert table.row(status.TOTAL_KEY).cells[WAGE_SUBSIDY] == sum(n % 3 + 1 for n in range(30))
    assert "20 of 30 job brokers" in report.charts[0].svg
    drawn = re.findall(r"<text[^>]*>(broker\d\d)</text>", report.charts[0].svg)
    assert len(drawn) == 20
    assert {int(name[-2:]) % 3 for name in drawn[:10]} == {2}, "the 10 with 3 citizens in wage subsidy first"
    assert {int(name[-2:]) % 3 for name in drawn[10:]} == {0}, "the 10 with 1 last"
    sheet_text = {
        str(cell.value)
        for sheet in load_workbook(io.BytesIO(export.report_xlsx(report, []))).worksheets
        for row in sheet.iter_rows()
        for cell in row
    }
    assert {f"broker{n:02}" for n in range(30)} <= sheet_text, "the spreadsheet has every job broker"


def test_subsidised_hours_are_never_ordinary_hours(world):
    """A wage-subsidy week with only subsidised hours (løntilskud) is in a wage subsidy, not in ordinary hours."""
    programme, sites, alice, _bob, company = world
    subsidy = f.placement(
        f.enrolment(sites[0], D(2025, 1, 6), job_broker=alice), company, PlacementKind.WAGE_SUBSIDY, D(2025, 2, 3)
    )
    Timesheet.objects.create(placement=subsidy, week_start=D(2025, 3, 3), subsidised_hours=30)

    cells = row_of(status.status_table(scope_of(programme, sites)), status.broker_key(alice.pk))

    assert (cells[ORDINARY], cells[WAGE_SUBSIDY]) == (0, 1)
