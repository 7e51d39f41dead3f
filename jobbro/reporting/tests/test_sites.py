"""Site comparison: every figure per site and in total, as of a date, equals a plain count over the raw rows."""

import datetime

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.cases.models import Enrolment, Outcome, OutcomeStatus, Placement, PlacementKind, Timesheet
from jobbro.companies.models import Company
from jobbro.conftest import rolled_back
from jobbro.people.models import CVEntry
from jobbro.reporting import facts, sites
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date
ON = D(2025, 6, 2)  # a Monday
HOUSING = Company.Kind.HOUSING_ORGANISATION


def outcome(enrolment, measured_on, status, kind=Outcome.Kind.FOLLOW_UP):
    return Outcome.objects.create(enrolment=enrolment, kind=kind, measured_on=measured_on, status=status)


def cv_entry(citizen, recorded_on):
    return CVEntry.objects.create(
        citizen=citizen, kind=CVEntry.Kind.WORK, title="Køkkenmedhjælper", recorded_on=recorded_on
    )


def column(table, key, site):
    return table.cell(key, site.name)


def total(table, key):
    return table.row(key).cells[table.total_column]


@pytest.fixture
def two_sites(db):
    programme, (aarhus, randers) = f.programme_with_sites("Aarhus", "Randers")
    return programme, aarhus, randers


def table_on(programme, sites_in_scope, on=ON):
    return sites.comparison_table(Scope(programme, tuple(sites_in_scope), on))


# --- One rule each -----------------------------------------------------------------------------------------------


def test_columns_are_the_sites_in_scope_then_the_total(two_sites):
    programme, aarhus, randers = two_sites
    table = table_on(programme, [aarhus, randers])
    assert table.columns[:2] == ["Aarhus", "Randers"]
    assert table.total_column == 2 == len(table.columns) - 1
    # A site with nobody referred shows zeros and shares of nothing, not an error.
    assert table.row("referred").cells == [0, 0, 0]
    assert table.row("with_cv_of_referred").cells == [Share(0, 0)] * 3


def test_referred_and_active_effort_as_of_the_date(two_sites):
    programme, aarhus, randers = two_sites
    f.enrolment(aarhus, D(2025, 1, 10))  # active
    f.enrolment(aarhus, D(2025, 1, 10), ended_on=ON)  # the end form on the date: no longer active
    f.enrolment(aarhus, D(2025, 1, 10), ended_on=ON + datetime.timedelta(days=1))  # still active on the date
    f.enrolment(randers, D(2025, 2, 1), ended_on=D(2025, 3, 1))
    f.enrolment(randers, ON + datetime.timedelta(days=1))  # referred after the date: not yet counted

    table = table_on(programme, [aarhus, randers])

    assert table.row("referred").cells == [3, 1, 4]
    assert table.row("active").cells == [2, 0, 2]
    assert table.row("active_share").cells == [Share(2, 3), Share(0, 1), Share(2, 4)]


def test_a_citizen_referred_without_a_start_form_is_referred_but_not_receiving_active_effort(two_sites):
    programme, aarhus, randers = two_sites
    f.enrolment(aarhus, D(2025, 1, 10))  # started at the referral
    waiting = f.enrolment(aarhus, D(2025, 1, 10), started_on=None)  # referred, no start form
    f.enrolment(aarhus, D(2025, 1, 10), started_on=ON + datetime.timedelta(days=1))  # start form after the date
    f.enrolment(randers, D(2025, 1, 10), started_on=D(2025, 2, 1), ended_on=D(2025, 3, 1))  # started and ended
    f.enrolment(randers, D(2025, 1, 10), started_on=None, ended_on=D(2025, 3, 1))  # closed without a start form
    cv_entry(waiting.citizen, D(2025, 1, 20))

    table = table_on(programme, [aarhus, randers])

    assert table.row("referred").cells == [3, 2, 5]
    assert table.row("not_started").cells == [2, 1, 3]
    assert table.row("active").cells == [1, 0, 1]
    assert table.row("ended").cells == [0, 1, 1]
    # The publication's denominator: the CV of the citizen without a start form counts among the referred only.
    assert table.row("with_cv_of_active").cells == [Share(0, 1), Share(0, 0), Share(0, 1)]
    assert table.row("with_cv_of_referred").cells == [Share(1, 3), Share(0, 2), Share(1, 5)]
    assert table.problems() == []


def test_each_share_names_its_denominator(two_sites):
    programme, aarhus, _randers = two_sites
    with translation.override("en"):
        table = table_on(programme, [aarhus])
    shares = [row for row in table.rows if isinstance(row.cells[0], Share)]
    assert shares, "the table has shares"
    for row in shares:
        assert row.label.endswith(("of those receiving active effort", "of the referred")), row.label
    labels = [row.label for row in table.rows]
    assert "Share with a CV, of those receiving active effort" in labels
    assert "Share with a CV, of the referred" in labels


def test_a_cv_counts_from_the_day_it_was_written_and_belongs_to_the_citizen(two_sites):
    programme, aarhus, _randers = two_sites
    earlier = f.enrolment(aarhus, D(2024, 3, 1), ended_on=D(2024, 6, 1))
    cv_entry(earlier.citizen, D(2024, 4, 1))  # written during an earlier course: still the citizen's CV
    f.enrolment(aarhus, D(2025, 1, 10), the_citizen=earlier.citizen)
    late = f.enrolment(aarhus, D(2025, 1, 10))
    cv_entry(late.citizen, ON + datetime.timedelta(days=1))
    f.enrolment(aarhus, D(2025, 1, 10))

    table = table_on(programme, [aarhus])

    assert total(table, "referred") == 4
    assert total(table, "with_cv_of_referred") == Share(2, 4)  # both of the first citizen's courses; not the late CV


def test_an_internship_without_ordinary_hours_is_kept_apart_from_ordinary_hours(two_sites):
    programme, aarhus, _randers = two_sites
    company = f.company()
    intern = f.enrolment(aarhus, D(2025, 1, 10))
    internship = f.placement(intern, company, PlacementKind.INTERNSHIP, D(2025, 2, 3))
    f.week(internship, D(2025, 2, 3), internship=25)
    f.week(internship, D(2025, 2, 10), internship=30)

    hybrid = f.enrolment(aarhus, D(2025, 1, 10))
    paid_hybrid = f.placement(hybrid, company, PlacementKind.HYBRID_INTERNSHIP, D(2025, 2, 3))
    f.week(paid_hybrid, D(2025, 2, 3), ordinary=4, internship=10)

    hired_later = f.enrolment(aarhus, D(2025, 1, 10))
    f.placement(hired_later, company, PlacementKind.INTERNSHIP, D(2025, 2, 3))
    job = f.placement(hired_later, company, PlacementKind.SMALL_JOB, D(2025, 6, 4))
    f.week(job, D(2025, 6, 2), ordinary=8)  # the week began before the job did

    table = table_on(programme, [aarhus])
    assert total(table, "internship_only_of_referred") == Share(2, 3)  # the intern, and the one hired after the date
    assert total(table, "ordinary_hours_of_referred") == Share(
        1, 3
    )  # the hybrid intern's paid hours count as ordinary hours

    later = table_on(programme, [aarhus], on=D(2025, 6, 4))
    assert total(later, "internship_only_of_referred") == Share(1, 3)
    assert total(later, "ordinary_hours_of_referred") == Share(2, 3)


def test_an_internship_only_citizen_is_in_the_internship_row_but_not_the_ordinary_hours_row(two_sites):
    programme, aarhus, randers = two_sites
    intern = f.enrolment(randers, D(2025, 1, 10))
    placement = f.placement(intern, f.company(), PlacementKind.INTERNSHIP, D(2025, 2, 3))
    for n in range(8):
        f.week(placement, D(2025, 2, 3) + datetime.timedelta(weeks=n), internship=37)

    table = table_on(programme, [aarhus, randers])
    assert table.row("internship_only_of_referred").cells == [Share(0, 0), Share(1, 1), Share(1, 1)]
    assert table.row("ordinary_hours_of_referred").cells == [Share(0, 0), Share(0, 1), Share(0, 1)]


def test_self_sufficiency_follows_the_latest_outcome_on_or_before_the_date(two_sites):
    programme, aarhus, _randers = two_sites

    def ended_with(*outcomes):
        made = f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 3, 31))
        for kind, day, status in outcomes:
            outcome(made, day, status, kind)
        return made

    exit_, follow = Outcome.Kind.EXIT, Outcome.Kind.FOLLOW_UP
    ended_with((exit_, D(2025, 3, 31), OutcomeStatus.ORDINARY_JOB))  # yes
    ended_with((exit_, D(2025, 3, 31), OutcomeStatus.EDUCATION))  # yes: education counts
    ended_with(
        (exit_, D(2025, 3, 31), OutcomeStatus.ORDINARY_JOB), (follow, D(2025, 5, 1), OutcomeStatus.BENEFIT)
    )  # back on benefit: no
    ended_with(
        (exit_, D(2025, 3, 31), OutcomeStatus.BENEFIT), (follow, D(2025, 5, 1), OutcomeStatus.ORDINARY_JOB)
    )  # yes
    ended_with(
        (exit_, D(2025, 3, 31), OutcomeStatus.ORDINARY_JOB),
        (follow, ON + datetime.timedelta(days=1), OutcomeStatus.BENEFIT),
    )  # not known yet: yes
    ended_with((exit_, D(2025, 3, 31), OutcomeStatus.FLEX_JOB))  # a flex job is not self-sufficiency here
    ended_with()

    table = table_on(programme, [aarhus])
    assert total(table, "self_sufficient_of_referred") == Share(4, 7)
    assert total(table, "self_sufficient_of_active") == Share(0, 0)  # every course has ended: none in active effort
    # On the day of the exit the exit outcomes count; the day before, none is known.
    assert total(table_on(programme, [aarhus], on=D(2025, 3, 31)), "self_sufficient_of_referred") == Share(4, 7)
    assert total(table_on(programme, [aarhus], on=D(2025, 3, 30)), "self_sufficient_of_referred") == Share(0, 7)


def test_two_outcomes_on_the_same_day_the_one_registered_last_counts(two_sites):
    programme, aarhus, _randers = two_sites
    made = f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 3, 31))
    outcome(made, D(2025, 3, 31), OutcomeStatus.BENEFIT)
    outcome(made, D(2025, 3, 31), OutcomeStatus.ORDINARY_JOB)
    assert total(table_on(programme, [aarhus]), "self_sufficient_of_referred") == Share(1, 1)


def test_cooperation_with_the_housing_organisation_and_the_jobs_found_through_it(two_sites):
    programme, aarhus, randers = two_sites
    housing, private = f.company(kind=HOUSING), f.company()

    intern_at_housing = f.enrolment(aarhus, D(2025, 1, 10))
    f.week(
        f.placement(intern_at_housing, housing, PlacementKind.INTERNSHIP, D(2025, 2, 3)), D(2025, 2, 3), internship=20
    )

    job_at_housing = f.enrolment(aarhus, D(2025, 1, 10))
    f.week(f.placement(job_at_housing, housing, PlacementKind.SMALL_JOB, D(2025, 3, 3)), D(2025, 3, 3), ordinary=6)

    job_elsewhere = f.enrolment(randers, D(2025, 1, 10))  # placed at housing, but paid at a private company
    f.placement(job_elsewhere, housing, PlacementKind.INTERNSHIP, D(2025, 2, 3))
    f.week(f.placement(job_elsewhere, private, PlacementKind.SMALL_JOB, D(2025, 4, 7)), D(2025, 4, 7), ordinary=10)

    not_yet = f.enrolment(randers, D(2025, 1, 10))  # the job starts two days after the date, in the date's week
    f.week(f.placement(not_yet, housing, PlacementKind.SMALL_JOB, ON + datetime.timedelta(days=2)), ON, ordinary=10)

    table = table_on(programme, [aarhus, randers])
    assert table.row("housing_placed").cells == [2, 1, 3]
    assert table.row("housing_jobs").cells == [1, 0, 1]
    assert table.row("housing_cooperation").cells == [True, True, True]


def test_cooperation_with_the_housing_organisation_is_yes_or_no_per_site_with_the_count(two_sites):
    programme, aarhus, randers = two_sites
    placed = f.enrolment(aarhus, D(2025, 1, 10))
    f.placement(placed, f.company(kind=HOUSING), PlacementKind.INTERNSHIP, D(2025, 2, 3))
    f.placement(f.enrolment(randers, D(2025, 1, 10)), f.company(), PlacementKind.INTERNSHIP, D(2025, 2, 3))
    table = table_on(programme, [aarhus, randers])
    assert table.row("housing_cooperation").cells == [True, False, True]
    assert table.row("housing_placed").cells == [1, 0, 1]
    before = table_on(programme, [aarhus, randers], on=D(2025, 2, 2))
    assert before.row("housing_cooperation").cells == [False, False, False]


def test_only_the_programme_and_sites_in_scope_count(two_sites):
    programme, aarhus, randers = two_sites
    _other, (elsewhere,) = f.programme_with_sites("Odense")
    f.enrolment(aarhus, D(2025, 1, 10))
    f.enrolment(randers, D(2025, 1, 10))
    f.enrolment(elsewhere, D(2025, 1, 10))

    table = table_on(programme, [randers])
    assert table.columns[0] == "Randers" and table.total_column == 1 == len(table.columns) - 1
    assert table.row("referred").cells == [1, 1]


def test_the_report_has_the_table_a_chart_and_no_problems(two_sites):
    programme, aarhus, randers = two_sites
    enrolment = f.enrolment(aarhus, D(2025, 1, 10))
    f.week(
        f.placement(enrolment, f.company(kind=HOUSING), PlacementKind.SMALL_JOB, D(2025, 2, 3)),
        D(2025, 2, 3),
        ordinary=5,
    )
    report = sites.build(Scope(programme, (aarhus, randers), ON))
    assert [table.key for table in report.tables] == ["sites"]
    assert report.problems() == []
    assert len(report.charts) == 1 and report.charts[0].svg.startswith("<svg")
    assert report.charts[0].description
    # Every figure counts enrolments, so all add up; the housing organisation's yes or no is not a count.
    assert [row.key for row in report.tables[0].rows if not row.additive] == ["housing_cooperation"]


def test_every_figure_of_every_column_comes_from_one_query(two_sites, django_assert_num_queries):
    programme, aarhus, randers = two_sites
    for day in (D(2025, 1, 10), D(2025, 2, 10)):
        enrolment = f.enrolment(aarhus, day)
        f.week(f.placement(enrolment, f.company(), PlacementKind.SMALL_JOB, day), f.monday(day), ordinary=5)
        f.enrolment(randers, day)
    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    with django_assert_num_queries(2):  # are any report facts stale? then the one query
        table = table_on(programme, [aarhus, randers])
    assert table.row("ordinary_hours_of_referred").cells == [Share(2, 2), Share(0, 2), Share(2, 4)]


def test_a_site_figure_that_disagrees_with_the_total_query_is_reported(two_sites):
    """No record can make the sites disagree with the total (each enrolment has one site), so the add-up check
    guards the queries themselves: a per-site figure the total does not confirm is reported."""
    programme, aarhus, randers = two_sites
    f.enrolment(aarhus, D(2025, 1, 10))
    table = table_on(programme, [aarhus, randers])
    assert table.problems() == []
    table.row("ordinary_hours_of_referred").cells[0] = Share(1, 1)  # as if the per-site query had counted someone
    assert len(table.problems()) == 1


# --- Property: every cell is the plain count over the raw rows ---------------------------------------------------

BASE = D(2025, 1, 6)  # a Monday
COMPANY_KINDS = [Company.Kind.PRIVATE, HOUSING, Company.Kind.SOCIAL_ECONOMIC]
PLACEMENT_KINDS = [
    PlacementKind.INTERNSHIP,
    PlacementKind.HYBRID_INTERNSHIP,
    PlacementKind.SMALL_JOB,
    PlacementKind.WAGE_SUBSIDY,
]


def days(upto):
    """Days after some date, whole weeks half of the time: dates then coincide often (a placement starting on a
    Monday or mid-week, a CV written on the day of the referral)."""
    return st.one_of(st.integers(0, upto // 7).map(lambda weeks: 7 * weeks), st.integers(0, upto))


# Outcomes are measured from the exit (or the referral while the course runs): often on the same day, so the
# one registered last must win, sometimes before the exit.
outcome_days = st.one_of(st.sampled_from([0, 0, 14, 91]), st.integers(-20, 200))
placement_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(PLACEMENT_KINDS),
        "company": st.integers(0, len(COMPANY_KINDS) - 1),
        "starts_after": days(80),
        "weeks": st.lists(
            st.tuples(st.integers(0, 4), st.sampled_from([0, 0, 4, 12]), st.sampled_from([0, 15])),
            max_size=3,
            unique_by=lambda w: w[0],
        ),
    }
)
enrolment_spec = st.fixed_dictionaries(
    {
        "site": st.integers(0, 2),
        "referred_after": days(100),
        # The start form: filled at the referral, some days later, or not (yet).
        "starts_after": st.one_of(st.just(0), st.none(), st.integers(0, 40)),
        "length": st.one_of(st.none(), days(120)),
        "placements": st.lists(placement_spec, max_size=2),
        "outcomes": st.lists(st.tuples(outcome_days, st.sampled_from(list(OutcomeStatus))), max_size=3),
    }
)
citizen_spec = st.fixed_dictionaries(
    {
        "cv_after": st.lists(days(200).map(lambda d: d - 28), max_size=2),
        "enrolments": st.lists(enrolment_spec, min_size=1, max_size=2),
    }
)


def build_programme(site_count, citizens):
    programme, all_sites = f.programme_with_sites(*[f"Kommune {n}" for n in range(site_count)])
    companies = [f.company(kind=kind) for kind in COMPANY_KINDS]
    for spec in citizens:
        person = f.citizen()
        for after in spec["cv_after"]:
            cv_entry(person, BASE + datetime.timedelta(days=after))
        start = BASE
        for e in spec["enrolments"]:
            referred_on = start + datetime.timedelta(days=e["referred_after"])
            ended_on = None if e["length"] is None else referred_on + datetime.timedelta(days=e["length"])
            started_on = None if e["starts_after"] is None else referred_on + datetime.timedelta(days=e["starts_after"])
            if started_on and ended_on and started_on > ended_on:
                started_on = ended_on
            made = f.enrolment(
                all_sites[e["site"] % site_count],
                referred_on,
                ended_on=ended_on,
                the_citizen=person,
                started_on=started_on,
            )
            for p in e["placements"]:
                starts_on = referred_on + datetime.timedelta(days=p["starts_after"])
                placed = f.placement(made, companies[p["company"]], p["kind"], starts_on)
                for weeks_after, ordinary, internship in p["weeks"]:
                    f.week(placed, f.monday(starts_on) + datetime.timedelta(weeks=weeks_after), ordinary, internship)
            for after, status in e["outcomes"]:
                outcome(made, (ended_on or referred_on) + datetime.timedelta(days=after), status)
            # A citizen is referred again only after the exit (or after the referral if the course has not ended).
            start = (ended_on or referred_on) + datetime.timedelta(days=1)
    return programme, all_sites


class RawRows:
    """The rows as plain dictionaries, read once; the definitions are written out as loops over them."""

    def __init__(self, programme):
        self.enrolments = list(
            Enrolment.objects.filter(programme=programme).values(
                "pk", "site_id", "citizen_id", "referred_on", "started_on", "ended_on"
            )
        )
        self.placements = list(Placement.objects.values("pk", "enrolment_id", "kind", "starts_on", "company__kind"))
        self.placement_by_pk = {p["pk"]: p for p in self.placements}
        self.sheets = list(Timesheet.objects.values("placement_id", "week_start", "ordinary_hours"))
        self.outcomes = list(Outcome.objects.values("pk", "enrolment_id", "measured_on", "status"))
        self.cv_entries = list(CVEntry.objects.values("citizen_id", "recorded_on"))

    def dates(self):
        """Every date a rule compares with."""
        return sorted(
            {
                *(e["referred_on"] for e in self.enrolments),
                *(e["ended_on"] for e in self.enrolments if e["ended_on"]),
                *(e["started_on"] for e in self.enrolments if e["started_on"]),
                *(p["starts_on"] for p in self.placements),
                *(s["week_start"] for s in self.sheets),
                *(o["measured_on"] for o in self.outcomes),
                *(c["recorded_on"] for c in self.cv_entries),
            }
        )

    def paid(self, enrolment, on, housing_only=False):
        for sheet in self.sheets:
            placed = self.placement_by_pk[sheet["placement_id"]]
            if (
                placed["enrolment_id"] == enrolment["pk"]
                and sheet["ordinary_hours"] > 0
                and sheet["week_start"] <= on
                and placed["starts_on"] <= on
                and (not housing_only or placed["company__kind"] == HOUSING)
            ):
                return True
        return False

    def started(self, enrolment, on, kinds=None, company_kind=None):
        return any(
            p["enrolment_id"] == enrolment["pk"]
            and p["starts_on"] <= on
            and (kinds is None or p["kind"] in kinds)
            and (company_kind is None or p["company__kind"] == company_kind)
            for p in self.placements
        )

    def latest_status(self, enrolment, on):
        known = [o for o in self.outcomes if o["enrolment_id"] == enrolment["pk"] and o["measured_on"] <= on]
        return max(known, key=lambda o: (o["measured_on"], o["pk"]))["status"] if known else None

    def figures(self, site_ids, on):
        """{figure: count} over the enrolments at these sites referred on or before the date."""
        enrolments = [e for e in self.enrolments if e["site_id"] in site_ids and e["referred_on"] <= on]
        with_cv = {c["citizen_id"] for c in self.cv_entries if c["recorded_on"] <= on}
        internships = {PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP}
        started = [e for e in enrolments if e["started_on"] is not None and e["started_on"] <= on]
        active = [e for e in started if e["ended_on"] is None or e["ended_on"] > on]
        shared = {
            "with_cv": lambda e: e["citizen_id"] in with_cv,
            "internship_only": lambda e: self.started(e, on, kinds=internships) and not self.paid(e, on),
            "ordinary_hours": lambda e: self.paid(e, on),
            "self_sufficient": lambda e: self.latest_status(e, on) in ("ordinary_job", "education"),
        }
        return {
            "referred": len(enrolments),
            "not_started": len(enrolments) - len(started),
            "active": len(active),
            "ended": len(started) - len(active),
            **{figure: sum(1 for e in enrolments if test(e)) for figure, test in shared.items()},
            **{f"{figure}_active": sum(1 for e in active if test(e)) for figure, test in shared.items()},
            "housing_cooperation": sum(1 for e in enrolments if self.started(e, on, company_kind=HOUSING)),
            "housing_jobs": sum(1 for e in enrolments if self.paid(e, on, housing_only=True)),
        }


def as_of_dates(rows, picks, random_days):
    """Dates where the boundaries of the rules lie (a date in the records or the day before it), picked by index,
    and random dates."""
    boundaries = sorted({day - datetime.timedelta(days=before) for day in rows.dates() for before in (0, 1)})
    picked = {boundaries[index % len(boundaries)] for index in picks}
    return sorted(picked | {BASE + datetime.timedelta(days=n) for n in random_days})


def expected_cell(figures, figure, denominator):
    return Share(figures[figure], figures[denominator]) if denominator else figures[figure]


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    site_count=st.integers(2, 3),
    in_scope=st.sets(st.integers(0, 2), min_size=1),
    citizens=st.lists(citizen_spec, min_size=1, max_size=6),
    picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=12),
    random_days=st.lists(st.integers(-10, 400), max_size=2),
)
def test_every_cell_equals_the_plain_count_over_the_rows(db, site_count, in_scope, citizens, picks, random_days):
    with rolled_back():
        programme, all_sites = build_programme(site_count, citizens)
        scoped = tuple(site for n, site in enumerate(all_sites) if n in in_scope) or all_sites[:1]
        rows = RawRows(programme)
        for on in as_of_dates(rows, picks, random_days):
            table = sites.comparison_table(Scope(programme, scoped, on))
            columns = [rows.figures({site.pk}, on) for site in scoped] + [rows.figures({s.pk for s in scoped}, on)]
            for key, _label, figure, denominator, _note in sites.ROWS:
                assert table.row(key).cells == [expected_cell(c, figure, denominator) for c in columns], (key, on)
            assert table.row("housing_cooperation").cells == [c["housing_cooperation"] > 0 for c in columns]
            # The shares never exceed 100 %, and referred = not filled + receiving active effort + ended.
            for row in table.rows:
                for cell in row.cells:
                    assert not isinstance(cell, Share) or (0 <= cell.part <= cell.whole), (row.key, on)
            for c in columns:
                assert c["referred"] == c["not_started"] + c["active"] + c["ended"]
                assert c["active"] <= c["referred"]
            assert table.problems() == []


def test_every_figure_has_its_condition():
    assert sites.FIGURES == tuple(sites._conditions(ON))
