"""Record checks: each finds the record planted to break its rule, and nothing in good records or records after the date."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.cases import actions
from jobbro.cases.models import Enrolment, Outcome, Placement, PlacementKind, Step, StepChange, Timesheet
from jobbro.conftest import rolled_back
from jobbro.reporting import quality
from jobbro.reporting.base import Scope
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import days

D = datetime.date
ON = D(2026, 6, 30)  # a Tuesday
KEYS = [
    "hours_outside_placement",
    "overlapping_placements",
    "open_after_planned_end",
    "step_3_without_placement",
    "outcome_before_referral",
    "hours_after_exit",
]


@pytest.fixture
def world(db):
    programme, (site, elsewhere) = f.programme_with_sites("Aarhus", "Randers")
    return type(
        "World",
        (),
        {
            "programme": programme,
            "site": site,
            "elsewhere": elsewhere,
            "company": f.company(),
            "scope": Scope(programme, (site,), ON),
        },
    )


def found(world, key, on=ON):
    [finding] = [
        finding for finding in quality.findings(Scope(world.programme, (world.site,), on)) if finding.key == key
    ]
    return finding.count, finding.enrolment_ids


def placement(world, enrolment, starts_on, ended_on=None, **fields):
    return f.placement(enrolment, world.company, PlacementKind.SMALL_JOB, starts_on, ended_on=ended_on, **fields)


def test_every_check_is_listed_in_a_fixed_order_even_with_nothing_found(world):
    findings = quality.findings(world.scope)
    assert [finding.key for finding in findings] == KEYS
    assert all(finding.count == 0 and finding.enrolment_ids == [] for finding in findings)
    assert all(finding.title and finding.explanation for finding in findings)


def test_hours_outside_their_placement(world):
    enrolment = f.enrolment(world.site, D(2026, 1, 5))
    job = placement(world, enrolment, D(2026, 3, 4), D(2026, 4, 15))  # Wednesday to Wednesday
    f.week(job, D(2026, 3, 2), 5)  # the week the placement starts in
    f.week(job, D(2026, 4, 13), 5)  # the week it ends in
    f.week(job, D(2026, 2, 23), 5)  # wholly before the start
    f.week(job, D(2026, 4, 20), 5)  # wholly after the end
    later = f.enrolment(world.site, D(2026, 1, 5))
    short = placement(world, later, D(2026, 1, 5), D(2026, 1, 31))
    f.week(short, D(2026, 7, 6), 5)  # outside, but after the date
    running = placement(world, later, D(2026, 5, 4))
    f.week(running, D(2026, 6, 29), 5)
    elsewhere = f.enrolment(world.elsewhere, D(2026, 1, 5))  # not a site in scope
    f.week(placement(world, elsewhere, D(2026, 3, 4), D(2026, 3, 5)), D(2026, 4, 20), 5)

    assert found(world, "hours_outside_placement") == (2, [enrolment.pk])
    assert found(world, "hours_outside_placement", on=D(2026, 4, 19)) == (1, [enrolment.pk])


def test_overlapping_placements_count_enrolments(world):
    def enrolment_with(*periods):
        enrolment = f.enrolment(world.site, D(2026, 1, 1))
        for starts_on, ended_on in periods:
            placement(world, enrolment, starts_on, ended_on)
        return enrolment

    overlap = enrolment_with((D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 3, 15), None))
    enrolment_with(
        (D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 3, 31), D(2026, 5, 31)), (D(2026, 6, 1), None)
    )  # handovers
    enrolment_with((D(2026, 1, 1), None), (ON + days(1), None))  # the second starts after the date
    both_open = enrolment_with((D(2026, 1, 1), None), (D(2026, 2, 1), None))
    same_start = enrolment_with((D(2026, 2, 1), D(2026, 2, 28)), (D(2026, 2, 1), None))
    inside = enrolment_with((D(2026, 1, 1), D(2026, 5, 1)), (D(2026, 2, 1), D(2026, 2, 10)))

    assert found(world, "overlapping_placements") == (4, sorted([overlap.pk, both_open.pk, same_start.pk, inside.pk]))


def test_placements_not_ended_after_their_planned_end(world):
    enrolment = f.enrolment(world.site, D(2026, 1, 1))
    forgotten = placement(world, enrolment, D(2026, 1, 1), planned_end_on=ON - days(1))
    placement(world, enrolment, D(2026, 1, 1), planned_end_on=ON)  # ends as planned today
    placement(world, enrolment, D(2026, 1, 1), D(2026, 6, 1), planned_end_on=D(2026, 5, 1))  # ended, if late
    placement(world, enrolment, D(2026, 1, 1))  # no planned end
    other = f.enrolment(world.site, D(2026, 1, 1))
    placement(world, other, ON + days(1), planned_end_on=ON - days(5))  # starts after the date

    assert found(world, "open_after_planned_end") == (1, [forgotten.enrolment_id])


def in_step(enrolment, step, on):
    return StepChange.objects.create(enrolment=enrolment, step=step, changed_on=on)


def test_citizens_in_step_3_with_no_placement(world):
    def in_step_3(**enrolment_fields):
        enrolment = f.enrolment(world.site, D(2026, 1, 1), **enrolment_fields)
        in_step(enrolment, Step.IN_COMPANY, D(2026, 3, 1))
        return enrolment

    after_its_end = in_step_3()
    placement(world, after_its_end, D(2026, 3, 1), ON - days(1))
    not_started_yet = in_step_3()
    placement(world, not_started_yet, ON + days(1))
    ends_today = in_step_3()
    placement(world, ends_today, D(2026, 3, 1), ON)  # the end date is the first day it no longer runs
    ends_tomorrow = in_step_3()
    placement(world, ends_tomorrow, D(2026, 3, 1), ON + days(1))  # still running on the date
    back_in_step_2 = in_step_3()
    in_step(back_in_step_2, Step.TOWARDS_JOB, D(2026, 3, 1))  # same day, registered later: step 2
    in_step_3(ended_on=ON - days(1))  # the enrolment has ended
    step_3_later = f.enrolment(world.site, D(2026, 1, 1))
    in_step(step_3_later, Step.IN_COMPANY, ON + days(1))

    assert found(world, "step_3_without_placement") == (
        3,
        sorted([after_its_end.pk, not_started_yet.pk, ends_today.pk]),
    )


def test_outcomes_before_the_referral(world):
    enrolment = f.enrolment(world.site, D(2026, 2, 2))
    Outcome.objects.create(enrolment=enrolment, kind=Outcome.Kind.FOLLOW_UP, measured_on=D(2026, 1, 1), status="other")
    Outcome.objects.create(enrolment=enrolment, kind=Outcome.Kind.EXIT, measured_on=D(2026, 2, 2), status="benefit")
    not_yet_referred = f.enrolment(world.site, ON + days(1))  # referred after the date: not in scope
    Outcome.objects.create(enrolment=not_yet_referred, kind=Outcome.Kind.EXIT, measured_on=ON, status="benefit")

    assert found(world, "outcome_before_referral") == (1, [enrolment.pk])
    assert found(world, "outcome_before_referral", on=D(2025, 12, 31)) == (0, [])


def test_hours_after_the_citizen_left(world):
    left = f.enrolment(world.site, D(2026, 1, 5), ended_on=D(2026, 3, 31))
    job = placement(world, left, D(2026, 1, 5))
    f.week(job, D(2026, 3, 30), 5)  # the week of the end form
    f.week(job, D(2026, 4, 6), 5)
    f.week(job, ON + days(6), 5)  # after the date
    staying = f.enrolment(world.site, D(2026, 1, 5))
    f.week(placement(world, staying, D(2026, 1, 5)), D(2026, 4, 6), 5)

    assert found(world, "hours_after_exit") == (1, [left.pk])
    assert found(world, "hours_after_exit", on=D(2026, 4, 5)) == (0, [])


def test_a_finding_lists_at_most_50_enrolments_in_order(world):
    enrolments = [f.enrolment(world.site, D(2026, 2, 2)) for _ in range(53)]
    for enrolment in reversed(enrolments):
        Outcome.objects.create(enrolment=enrolment, kind=Outcome.Kind.EXIT, measured_on=D(2026, 1, 1), status="other")
    count, ids = found(world, "outcome_before_referral")
    assert count == 53
    assert ids == sorted(enrolment.pk for enrolment in enrolments)[:50]


def test_a_case_kept_through_the_actions_has_no_findings(refer, caseworker, company, programme, site):
    enrolment = refer(referred_on=D(2026, 1, 7))
    internship = actions.start_placement(
        acting_user=caseworker,
        enrolment=enrolment,
        company=company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=D(2026, 1, 14),
        planned_end_on=D(2026, 2, 11),
        no_hours_reason="Praktik",
    )
    actions.register_hours(
        acting_user=caseworker, placement=internship, week_start=D(2026, 1, 12), ordinary_hours=0, internship_hours=15
    )
    actions.end_placement(acting_user=caseworker, placement=internship, ended_on=D(2026, 2, 11), reason="completed")
    job = actions.start_placement(
        acting_user=caseworker,
        enrolment=enrolment,
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=D(2026, 2, 11),
        agreed_ordinary_hours=8,
    )
    actions.register_hours(
        acting_user=caseworker, placement=job, week_start=D(2026, 2, 9), ordinary_hours=8, internship_hours=0
    )
    actions.end_placement(acting_user=caseworker, placement=job, ended_on=D(2026, 4, 1), reason="hired")
    actions.end_enrolment(acting_user=caseworker, enrolment=enrolment, ended_on=D(2026, 4, 1), status="ordinary_job")
    refer(referred_on=D(2026, 3, 2))

    for on in (D(2026, 1, 20), D(2026, 2, 11), D(2026, 3, 1), ON):
        assert [finding.count for finding in quality.findings(Scope(programme, (site,), on))] == [0] * 6, on


# --- Property: each check equals the plain rule over the raw rows -------------------------------------------

placement_spec = st.fixed_dictionaries(
    {
        "starts_after": st.integers(-10, 120),
        "lasts": st.one_of(st.none(), st.integers(0, 90)),
        "planned": st.one_of(st.none(), st.integers(0, 90)),
        "weeks": st.lists(st.integers(-3, 30), max_size=3, unique=True),
    }
)
enrolment_spec = st.fixed_dictionaries(
    {
        "referred_after": st.integers(0, 200),
        "ends_after": st.one_of(st.none(), st.integers(0, 60)),
        "steps": st.lists(
            st.tuples(st.integers(0, 200), st.sampled_from([Step.TOWARDS_JOB, Step.IN_COMPANY])), max_size=2
        ),
        "outcomes": st.lists(st.integers(-30, 200), max_size=2),
        "placements": st.lists(placement_spec, min_size=1, max_size=3),
    }
)
_names = itertools.count(1)


def plain_findings(programme, site, on):
    """The rules over the raw rows, with plain loops: {key: (count, sorted enrolment pks)}."""
    enrolments = {
        e["id"]: e for e in Enrolment.objects.filter(programme=programme, site=site).values() if e["referred_on"] <= on
    }
    placements = [p for p in Placement.objects.values() if p["enrolment_id"] in enrolments]
    by_pk = {p["id"]: p for p in placements}
    sheets = [s for s in Timesheet.objects.values() if s["placement_id"] in by_pk and s["week_start"] <= on]
    steps = list(StepChange.objects.values())
    outcomes = [o for o in Outcome.objects.values() if o["enrolment_id"] in enrolments and o["measured_on"] <= on]
    far = D.max

    def result(records, enrolment_of):
        return len(records), sorted({enrolment_of(r) for r in records})

    def step_on(e):
        rows = [s for s in steps if s["enrolment_id"] == e["id"] and s["changed_on"] <= on]
        return max(rows, key=lambda s: (s["changed_on"], s["id"]))["step"] if rows else None

    def overlaps(p, q):
        return p["starts_on"] < (q["ended_on"] or far) and q["starts_on"] < (p["ended_on"] or far)

    started = [p for p in placements if p["starts_on"] <= on]
    overlapping = [
        e
        for e in enrolments.values()
        if any(
            overlaps(p, q)
            for p in started
            for q in started
            if p["id"] != q["id"] and p["enrolment_id"] == q["enrolment_id"] == e["id"]
        )
    ]
    running_on = {
        p["enrolment_id"] for p in placements if p["starts_on"] <= on and (p["ended_on"] is None or p["ended_on"] > on)
    }
    sheet_enrolment = lambda s: by_pk[s["placement_id"]]["enrolment_id"]  # noqa: E731
    return {
        "hours_outside_placement": result(
            [
                s
                for s in sheets
                if s["week_start"] + days(6) < by_pk[s["placement_id"]]["starts_on"]
                or (by_pk[s["placement_id"]]["ended_on"] and s["week_start"] >= by_pk[s["placement_id"]]["ended_on"])
            ],
            sheet_enrolment,
        ),
        "overlapping_placements": result(overlapping, lambda e: e["id"]),
        "open_after_planned_end": result(
            [
                p
                for p in placements
                if p["starts_on"] <= on and p["planned_end_on"] and p["planned_end_on"] < on and p["ended_on"] is None
            ],
            lambda p: p["enrolment_id"],
        ),
        "step_3_without_placement": result(
            [
                e
                for e in enrolments.values()
                if (e["ended_on"] is None or e["ended_on"] > on)
                and step_on(e) == Step.IN_COMPANY
                and e["id"] not in running_on
            ],
            lambda e: e["id"],
        ),
        "outcome_before_referral": result(
            [o for o in outcomes if o["measured_on"] < enrolments[o["enrolment_id"]]["referred_on"]],
            lambda o: o["enrolment_id"],
        ),
        "hours_after_exit": result(
            [
                s
                for s in sheets
                if enrolments[sheet_enrolment(s)]["ended_on"]
                and s["week_start"] >= enrolments[sheet_enrolment(s)]["ended_on"]
            ],
            sheet_enrolment,
        ),
    }


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(specs=st.lists(enrolment_spec, min_size=1, max_size=6), as_of=st.integers(-10, 400))
def test_each_check_equals_the_plain_rule_over_the_rows(db, specs, as_of):
    base = D(2026, 1, 5)
    on = base + days(as_of)
    with rolled_back():
        programme, (site,) = f.programme_with_sites("Et sted", name=f"Tilfældigt {next(_names)}")
        company = f.company()
        for spec in specs:
            referred_on = base + days(spec["referred_after"])
            ended_on = referred_on + days(spec["ends_after"]) if spec["ends_after"] is not None else None
            enrolment = f.enrolment(site, referred_on, ended_on=ended_on)
            for after, step in spec["steps"]:
                in_step(enrolment, step, referred_on + days(after))
            for after in spec["outcomes"]:
                Outcome.objects.create(
                    enrolment=enrolment, kind="follow_up", measured_on=referred_on + days(after), status="other"
                )
            for p in spec["placements"]:
                starts_on = referred_on + days(p["starts_after"])
                made = f.placement(
                    enrolment,
                    company,
                    PlacementKind.INTERNSHIP,
                    starts_on,
                    ended_on=starts_on + days(p["lasts"]) if p["lasts"] is not None else None,
                    planned_end_on=starts_on + days(p["planned"]) if p["planned"] is not None else None,
                )
                for week in p["weeks"]:
                    f.week(made, f.monday(starts_on) + days(7 * week), 0, 10)

        findings = {
            finding.key: (finding.count, finding.enrolment_ids)
            for finding in quality.findings(Scope(programme, (site,), on))
        }
        assert findings == plain_findings(programme, site, on)


def test_the_hours_checks_start_from_the_flagged_placements_not_from_every_enrolment_in_scope(world):
    enrolment = f.enrolment(world.site, D(2026, 1, 5))
    job = placement(world, enrolment, D(2026, 3, 4), D(2026, 4, 15))
    f.week(job, D(2026, 4, 20), 5)  # wholly after the end: the placement is flagged
    for _n in range(3):
        f.week(placement(world, f.enrolment(world.site, D(2026, 1, 5)), D(2026, 3, 2)), D(2026, 3, 2), 5)
    quality.hours_findings(world.scope)  # the facts' catch-up first
    with CaptureQueriesContext(connection) as captured:
        found = quality.hours_findings(world.scope)
    assert found["hours_outside_placement"].count == 1
    [query] = [q["sql"] for q in captured.captured_queries if "SUM(" in q["sql"]]
    assert "weeks_outside_dates" in query
    assert 'FROM "cases_enrolment" U0' not in query, "no list of the scope's enrolments is made"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + query)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
        assert "facts_weeks_outside_dates" in plan, plan
        assert "SCAN cases_placement" not in plan and "SCAN cases_enrolment" not in plan, plan
