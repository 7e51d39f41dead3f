"""The progression report: first and latest self-assessment per citizen, means per dimension for citizens who reached
ordinary hours by the date and those who did not, how many were assessed, and assessments per month."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.cases.models import Enrolment, Placement, PlacementKind, ProgressionAssessment, Timesheet
from jobbro.conftest import rolled_back
from jobbro.reporting import facts, progression
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.tests import factories as f

D = datetime.date
DIMENSIONS = ProgressionAssessment.DIMENSIONS
REACHED, NOT_REACHED = True, False


def build(programme, sites, on):
    return progression.build(Scope(programme=programme, sites=tuple(sites), on=on))


def first_latest_change(report, dimension, reached):
    cells = report.tables[0].row(dimension).cells
    return tuple(cells[:3] if reached else cells[3:])


@pytest.fixture
def hand_built(db):
    """Two sites, and an outside programme whose assessments must never count.

    worker     site A, referred 6 Jan; small job from 3 Feb, 5 ordinary hours in the week of 3 Feb;
               assessed 7 Jan (all 3) and 7 Apr (all 8), and 1 Jul (all 10, after the dates asked)
    intern     site A, referred 6 Jan; internship with only internship hours; assessed 8 Jan (all 6), 8 Mar (all 5)
    late_job   site B, referred 6 Jan; ordinary hours only in a placement starting Wednesday 4 Jun (week of 2 Jun);
               assessed twice on 10 Jan: first 4 then 7 (same date: the lower id is first)
    once       site B, referred 6 Jan; assessed once, 10 Feb
    never      site B, referred 6 Jan; never assessed
    outsider   another programme; assessed twice, with ordinary hours
    """
    programme, sites = f.programme_with_sites("Site A", "Site B")
    a, b = sites
    company = f.company()

    worker = f.enrolment(a, D(2025, 1, 6))
    job = f.placement(worker, company, PlacementKind.SMALL_JOB, D(2025, 2, 3))
    f.week(job, D(2025, 2, 3), ordinary=5)
    f.assessment(worker, D(2025, 1, 7), 3)
    f.assessment(worker, D(2025, 4, 7), 8)
    f.assessment(worker, D(2025, 7, 1), 10)

    intern = f.enrolment(a, D(2025, 1, 6))
    internship = f.placement(intern, company, PlacementKind.INTERNSHIP, D(2025, 2, 3))
    f.week(internship, D(2025, 2, 3), internship=30)
    f.assessment(intern, D(2025, 1, 8), 6, sleep=2)
    f.assessment(intern, D(2025, 3, 8), 5, sleep=5)

    late_job = f.enrolment(b, D(2025, 1, 6))
    later = f.placement(late_job, company, PlacementKind.ORDINARY_JOB, D(2025, 6, 4))
    f.week(later, D(2025, 6, 2), ordinary=30)
    f.assessment(late_job, D(2025, 1, 10), 4)
    f.assessment(late_job, D(2025, 1, 10), 7)

    once = f.enrolment(b, D(2025, 1, 6))
    f.assessment(once, D(2025, 2, 10), 9)
    f.enrolment(b, D(2025, 1, 6))

    other, (other_site,) = f.programme_with_sites("Elsewhere")
    outsider = f.enrolment(other_site, D(2025, 1, 6))
    p = f.placement(outsider, company, PlacementKind.SMALL_JOB, D(2025, 1, 6))
    f.week(p, D(2025, 1, 6), ordinary=10)
    f.assessment(outsider, D(2025, 1, 7), 1)
    f.assessment(outsider, D(2025, 2, 7), 10)
    return programme, sites


def test_the_means_as_of_30_april(hand_built):
    programme, sites = hand_built
    report = build(programme, sites, D(2025, 4, 30))

    # Only the worker has ordinary hours by 30 April: 3 → 8.
    assert first_latest_change(report, "work_ability", REACHED) == (Decimal("3.0"), Decimal("8.0"), Decimal("5.0"))
    # The intern (6 → 5) and late_job (4 → 7, same day, by id) have not: means 5.0 → 6.0.
    assert first_latest_change(report, "work_ability", NOT_REACHED) == (Decimal("5.0"), Decimal("6.0"), Decimal("1.0"))
    # Sleep: the intern 2 → 5 and late_job 4 → 7: 3.0 → 6.0.
    assert first_latest_change(report, "sleep", NOT_REACHED) == (Decimal("3.0"), Decimal("6.0"), Decimal("3.0"))
    assert report.tables[0].row("citizens").cells == [1, 1, 1, 2, 2, 2]
    assert report.problems() == []
    assert len(report.charts) == 1 and "<svg" in report.charts[0].svg


def test_internship_hours_never_count_and_ordinary_hours_count_from_the_placements_start(hand_built):
    programme, sites = hand_built
    # The week of 2 June has ordinary hours, but the placement starts on the 4th: not before.
    june = build(programme, sites, D(2025, 6, 3))
    assert june.tables[0].row("citizens").cells == [1, 1, 1, 2, 2, 2]
    moved = build(programme, sites, D(2025, 6, 4))
    assert moved.tables[0].row("citizens").cells == [2, 2, 2, 1, 1, 1]
    # worker 3 → 8 and late_job 4 → 7: first 3.5, latest 7.5, change 4.0.
    assert first_latest_change(moved, "work_ability", REACHED) == (Decimal("3.5"), Decimal("7.5"), Decimal("4.0"))
    assert first_latest_change(moved, "work_ability", NOT_REACHED) == (Decimal("6.0"), Decimal("5.0"), Decimal("-1.0"))


def test_assessments_after_the_date_are_not_counted(hand_built):
    programme, sites = hand_built
    april = build(programme, sites, D(2025, 4, 7))
    assert first_latest_change(april, "work_ability", REACHED)[1] == Decimal("8.0")
    july = build(programme, sites, D(2025, 7, 1))
    assert first_latest_change(july, "work_ability", REACHED) == (Decimal("3.5"), Decimal("8.5"), Decimal("5.0"))
    before = build(programme, sites, D(2025, 4, 6))
    # The worker has one assessment up to 6 April: out of the table, counted as assessed once.
    assert before.tables[0].row("citizens").cells[:3] == [0, 0, 0]
    assert first_latest_change(before, "work_ability", REACHED) == (None, None, None)
    assert before.tables[1].cell("one", "Site A") == Share(1, 2)


def test_who_was_assessed_per_site_adds_up(hand_built):
    programme, sites = hand_built
    table = build(programme, sites, D(2025, 4, 30)).tables[1]
    expected = {
        "in_scope": [2, 3, 5],
        "none": [0, 1, 1],
        "one": [0, 1, 1],
        "two_or_more": [2, 1, 3],
        "reached": [1, 0, 1],
        "not_reached": [1, 1, 2],
    }
    assert {row.key: [c if isinstance(c, int) else c.part for c in row.cells] for row in table.rows} == expected
    assert table.cell("reached", 2) == Share(1, 3) and table.cell("two_or_more", 0) == Share(2, 2)
    assert table.problems() == []


def test_one_site_alone_counts_only_its_citizens(hand_built):
    programme, (a, b) = hand_built
    report = build(programme, [b], D(2025, 4, 30))
    assert report.tables[0].row("citizens").cells == [0, 0, 0, 1, 1, 1]
    assert first_latest_change(report, "work_ability", NOT_REACHED) == (Decimal("4.0"), Decimal("7.0"), Decimal("3.0"))
    assert report.tables[1].columns == ["Site B", report.tables[1].columns[-1]]


def test_assessments_per_month_over_the_last_twelve_months(hand_built):
    programme, sites = hand_built
    table = build(programme, sites, D(2025, 4, 30)).tables[2]
    months = [(2024, m) for m in range(5, 13)] + [(2025, m) for m in range(1, 5)]
    assert [row.key for row in table.rows] == [f"{y}-{m:02d}-01" for y, m in months] + ["all"]
    assert table.row("2025-01-01").cells == [2, 2, 4]
    assert table.row("2025-02-01").cells == [0, 1, 1]
    assert table.row("2025-03-01").cells == [1, 0, 1]
    assert table.row("2025-04-01").cells == [1, 0, 1]
    assert table.row("all").cells == [4, 3, 7]
    assert table.problems() == []
    # The month of the date is counted only up to the date.
    assert build(programme, sites, D(2025, 4, 6)).tables[2].row("2025-04-01").cells == [0, 0, 0]


def test_means_are_exact_and_rounded_half_away_from_zero(db):
    programme, (site,) = f.programme_with_sites("Site")
    # Three citizens, none with hours: first 1, 1, 2 (mean 1.333…), latest 1, 1, 1: change −0.333… → −0.3.
    for first in (1, 1, 2):
        enrolment = f.enrolment(site, D(2025, 1, 6))
        f.assessment(enrolment, D(2025, 1, 7), first)
        f.assessment(enrolment, D(2025, 2, 7), 1)
    # A fourth: 1 → 2 makes the changes 0, 0, −1, +1 → mean 0.0; with first 1,1,2,1 the mean is 1.25 → 1.3.
    enrolment = f.enrolment(site, D(2025, 1, 6))
    f.assessment(enrolment, D(2025, 1, 7), 1)
    f.assessment(enrolment, D(2025, 2, 7), 2)
    report = build(programme, [site], D(2025, 3, 1))
    assert first_latest_change(report, "sleep", NOT_REACHED) == (Decimal("1.3"), Decimal("1.3"), Decimal("0.0"))
    assert progression.mean(-1, 4) == Decimal("-0.3") and progression.mean(1, 4) == Decimal("0.3")
    assert progression.mean(5, 0) is None


def test_an_empty_programme_has_empty_groups_and_no_chart(db):
    programme, sites = f.programme_with_sites("Site")
    report = build(programme, sites, D(2025, 3, 1))
    assert report.tables[0].row("citizens").cells == [0] * 6
    assert report.tables[0].row("sleep").cells == [None] * 6
    assert report.charts == [] and report.problems() == []


def test_counts_that_do_not_add_up_are_reported_as_problems(hand_built):
    """The add-up rules are declared: counts that break them (a broken record or query) are caught, never shown as true."""
    with translation.override("en"):  # the assertions read the English messages
        programme, sites = hand_built
        scope = Scope(programme=programme, sites=tuple(sites), on=D(2025, 4, 30))
        counts = progression.citizens_assessed(scope)
        a, b = scope.site_ids
        counts[a] = {**counts[a], "reached": counts[a]["reached"] + 1}  # one more reached than assessed twice
        problems = progression.citizens_assessed_table(scope, counts).problems()
        assert any("Two or more" in p or "two or more" in p.lower() for p in problems)
        counts[b] = {**counts[b], "none": counts[b]["in_scope"] + 1}  # a part above its whole
        assert any("above 100" in p for p in progression.citizens_assessed_table(scope, counts).problems())
        months = progression.assessments_per_month(scope)
        months[(D(2025, 1, 1), a)] += 1
        table = progression.per_month_table(scope, months)
        table.rows[-1].cells[0] -= 1  # a total that no longer matches its months
        assert table.problems()


def test_first_and_latest_and_the_citizens_assessed_come_from_one_query(hand_built, django_assert_num_queries):
    """One query reads both sums and table 2, so they cover the same enrolments even while records are added."""
    programme, sites = hand_built
    scope = Scope(programme=programme, sites=tuple(sites), on=D(2025, 4, 30))
    scope.catch_up()  # the report facts, which the scope refreshes before its first query
    with django_assert_num_queries(1):
        groups = progression.enrolment_groups(scope)
    by_group, counts = progression.progression_by_group(scope, groups), progression.citizens_assessed(scope, groups)
    assert by_group[False]["n"] == 2
    assert by_group[True]["n"] == sum(c["reached"] for c in counts.values())
    assert by_group[False]["n"] == sum(c["not_reached"] for c in counts.values())


def test_the_report_is_registered_with_a_title_and_summary(hand_built):
    from jobbro.reporting.registry import BY_SLUG

    programme, sites = hand_built
    entry = BY_SLUG["progression"]
    assert str(entry.title) and str(entry.summary)
    report = entry.build(Scope(programme=programme, sites=tuple(sites), on=D(2025, 4, 30)))
    assert report.key == "progression" and [t.key for t in report.tables] == ["progression", "assessed", "per_month"]
    assert report.notes and report.charts[0].description


def test_the_report_is_a_handful_of_queries_however_many_citizens(db, django_assert_max_num_queries):
    programme, sites = f.programme_with_sites("A", "B")
    for i in range(30):
        enrolment = f.enrolment(sites[i % 2], D(2025, 1, 6))
        for n in range(i % 4):
            f.assessment(enrolment, D(2025, 1, 7) + datetime.timedelta(days=20 * n), 1 + (i + n) % 10)
    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    with django_assert_max_num_queries(3):  # + 1: are any report facts stale?
        build(programme, sites, D(2025, 6, 1))


# --- Property: the report equals the rules written out over the raw rows ----------------------------------------

# Few distinct days, so that two assessments on one day (first and latest decided by id) are common.
assessment_spec = st.tuples(
    st.sampled_from([0, 0, 1, 14, 30, 30, 90, 180]), st.lists(st.integers(1, 10), min_size=7, max_size=7)
)
enrolment_spec = st.fixed_dictionaries(
    {
        "site": st.integers(0, 1),
        "referred_after": st.integers(0, 60),
        "assessments": st.lists(assessment_spec, max_size=4),
        # Weeks from the one before the start (its Monday can precede a mid-week start) to a few after.
        "placement": st.one_of(
            st.none(),
            st.tuples(
                st.integers(0, 120),
                st.sampled_from(["small_job", "small_job", "internship"]),
                st.lists(st.tuples(st.integers(-1, 6), st.sampled_from([0, 4])), max_size=3),
            ),
        ),
    }
)


def plain_report(programme, site_ids, on):
    """The definitions from the module docstring, applied with plain loops to plain rows."""
    enrolments = [
        e
        for e in Enrolment.objects.filter(programme=programme).values("pk", "site_id", "referred_on")
        if e["site_id"] in site_ids and e["referred_on"] <= on
    ]
    assessments = list(ProgressionAssessment.objects.values("pk", "enrolment_id", "assessed_on", *DIMENSIONS))
    placements = {p["pk"]: p for p in Placement.objects.values("pk", "enrolment_id", "starts_on")}
    sheets = list(Timesheet.objects.values("placement_id", "week_start", "ordinary_hours"))
    reached = {
        placements[s["placement_id"]]["enrolment_id"]
        for s in sheets
        if s["ordinary_hours"] > 0 and s["week_start"] <= on and placements[s["placement_id"]]["starts_on"] <= on
    }

    groups = {True: [], False: []}
    assessed = {}
    for e in enrolments:
        mine = sorted(
            (a for a in assessments if a["enrolment_id"] == e["pk"] and a["assessed_on"] <= on),
            key=lambda a: (a["assessed_on"], a["pk"]),
        )
        counts = assessed.setdefault(e["site_id"], dict.fromkeys(progression.COUNT_KEYS, 0))
        counts["in_scope"] += 1
        counts[["none", "one"][len(mine)] if len(mine) < 2 else "two_or_more"] += 1
        if len(mine) >= 2:
            counts["reached" if e["pk"] in reached else "not_reached"] += 1
            groups[e["pk"] in reached].append((mine[0], mine[-1]))

    def rounded(values):
        if not values:
            return None
        return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    means = {}
    for flag, pairs in groups.items():
        means[flag] = {"n": len(pairs)}
        for d in DIMENSIONS:
            means[flag][d] = (
                rounded([p[0][d] for p in pairs]),
                rounded([p[1][d] for p in pairs]),
                rounded([p[1][d] - p[0][d] for p in pairs]),
            )
    in_scope = {e["pk"] for e in enrolments}
    first_month = progression.month_starts(on)[0]
    per_month = {}
    site_of = {e["pk"]: e["site_id"] for e in enrolments}
    for a in assessments:
        if a["enrolment_id"] in in_scope and first_month <= a["assessed_on"] <= on:
            key = (a["assessed_on"].replace(day=1), site_of[a["enrolment_id"]])
            per_month[key] = per_month.get(key, 0) + 1
    return means, assessed, per_month, reached & in_scope


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    specs=st.lists(enrolment_spec, min_size=1, max_size=10),
    as_of=st.integers(-10, 300),
    one_site=st.booleans(),
    data=st.data(),
)
def test_the_report_equals_the_plain_computation_over_the_rows(db, specs, as_of, one_site, data):
    base = D(2025, 1, 6)
    with rolled_back():
        programme, sites = f.programme_with_sites("A", "B")
        company = f.company()
        # Dates where a figure can change, to test the days on either side of them as well as a random one.
        events, hour_events = set(), set()
        for spec in specs:
            referred_on = base + datetime.timedelta(days=spec["referred_after"])
            enrolment = f.enrolment(sites[spec["site"]], referred_on)
            events.add(referred_on)
            for after, scores in spec["assessments"]:
                day = referred_on + datetime.timedelta(days=after)
                f.assessment(enrolment, day, **dict(zip(DIMENSIONS, scores, strict=True)))
                events.add(day)
            if spec["placement"]:
                starts_after, kind, weeks = spec["placement"]
                starts_on = referred_on + datetime.timedelta(days=starts_after)
                placement = f.placement(enrolment, company, kind, starts_on)
                hour_events.add(starts_on)
                hours = {}
                for w, h in weeks:
                    monday = f.monday(starts_on + datetime.timedelta(days=7 * w))
                    hours[monday] = max(hours.get(monday, 0), h)
                for monday, h in hours.items():
                    f.week(
                        placement,
                        monday,
                        ordinary=h if kind == "small_job" else 0,
                        internship=0 if kind == "small_job" else 10,
                    )
                    hour_events.add(monday)
        chosen = sites[:1] if one_site else sites
        near_events = sorted({day + datetime.timedelta(days=d) for day in events | hour_events for d in (-1, 0, 1)})
        near_hours = sorted({day + datetime.timedelta(days=d) for day in hour_events for d in (-1, 0)})
        dates = {base + datetime.timedelta(days=as_of), *data.draw(st.lists(st.sampled_from(near_events), max_size=2))}

        # "Reached ordinary hours" changes on the days around a start or a week: check the groups on every one of them.
        for on in near_hours:
            scope = Scope(programme=programme, sites=tuple(chosen), on=on)
            assert progression.citizens_assessed(scope) == plain_report(programme, [s.pk for s in chosen], on)[1], on

        for on in sorted(dates):
            scope = Scope(programme=programme, sites=tuple(chosen), on=on)
            means, assessed, per_month, reached = plain_report(programme, [s.pk for s in chosen], on)
            assert progression.progression_by_group(scope) == means, on
            assert progression.citizens_assessed(scope) == assessed, on
            assert progression.assessments_per_month(scope) == per_month, on
            # The tables (without the chart, which is slow to draw and holds no other figures) have no problems.
            tables = [
                progression.progression_table(means),
                progression.citizens_assessed_table(scope, assessed),
                progression.per_month_table(scope, per_month),
            ]
            assert [problem for table in tables for problem in table.problems()] == []
            assert tables[1].cell("two_or_more", len(chosen)).part == means[True]["n"] + means[False]["n"]
