"""Follow-up status: each citizen once, with the latest enrolment, in the status they hold on the date."""

import datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.cases.models import Enrolment, JobPlan, Outcome, OutcomeStatus
from jobbro.conftest import rolled_back
from jobbro.reporting import facts, follow_up
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date
ON = D(2025, 9, 1)
EXIT, FOLLOW_UP = Outcome.Kind.EXIT, Outcome.Kind.FOLLOW_UP


def outcome(enrolment, measured_on, status, kind=FOLLOW_UP):
    return Outcome.objects.create(enrolment=enrolment, kind=kind, measured_on=measured_on, status=status)


def job_plan(enrolment, created_on, *, package=True):
    return JobPlan.objects.create(
        enrolment=enrolment, is_job_package=package, title="Mod køkkenjob", created_on=created_on
    )


@pytest.fixture
def two_sites(db):
    programme, (aarhus, randers) = f.programme_with_sites("Aarhus", "Randers")
    return programme, aarhus, randers


def table_on(programme, sites_in_scope, on=ON):
    return follow_up.status_table(Scope(programme, tuple(sites_in_scope), on))


def total(table, key):
    return table.row(key).cells[table.total_column]


def statuses(table, column):
    """{status: count} in a column, leaving out the empty ones."""
    return {
        key: table.row(key).cells[column].part for key in follow_up.STATUS_KEYS if table.row(key).cells[column].part
    }


# --- One rule each -----------------------------------------------------------------------------------------------


def test_the_rows_are_the_statuses_then_citizens_then_job_packages(two_sites):
    programme, aarhus, randers = two_sites
    table = table_on(programme, [aarhus, randers])
    assert [row.key for row in table.rows] == [
        "ordinary_job",
        "education",
        "flex_job",
        "in_programme",
        "benefit",
        "early_pension",
        "other",
        "no_outcome",
        "citizens",
        "job_packages",
    ]
    assert table.columns[:2] == ["Aarhus", "Randers"] and table.total_column == 2 == len(table.columns) - 1
    assert table.sums == [("citizens", follow_up.STATUS_KEYS)]
    assert all(row.additive for row in table.rows)


def test_a_citizen_with_two_job_packages_counts_once_and_shows_two_packages(two_sites):
    programme, aarhus, randers = two_sites
    enrolment = f.enrolment(aarhus, D(2025, 1, 10))
    job_plan(enrolment, D(2025, 2, 1))
    job_plan(enrolment, D(2025, 5, 1))
    job_plan(enrolment, D(2025, 1, 20), package=False)  # a job plan that is not a package
    job_plan(enrolment, ON + datetime.timedelta(days=1))  # created after the date

    table = table_on(programme, [aarhus, randers])
    assert table.row("citizens").cells == [1, 0, 1]
    assert table.row("job_packages").cells == [2, 0, 2]
    assert table.row("in_programme").cells == [Share(1, 1), Share(0, 0), Share(1, 1)]


def test_a_citizen_referred_again_counts_once_with_the_latest_enrolment(two_sites):
    programme, aarhus, randers = two_sites
    first = f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 3, 31))
    outcome(first, D(2025, 3, 31), OutcomeStatus.BENEFIT, EXIT)
    job_plan(first, D(2025, 2, 1))  # the first course's package: not behind the citizen counted now
    second = f.enrolment(randers, D(2025, 5, 1), the_citizen=first.citizen, ended_on=D(2025, 8, 1))
    outcome(second, D(2025, 8, 1), OutcomeStatus.ORDINARY_JOB, EXIT)
    job_plan(second, D(2025, 6, 1))

    table = table_on(programme, [aarhus, randers])
    assert table.row("citizens").cells == [0, 1, 1]
    assert statuses(table, 2) == {"ordinary_job": 1}
    assert table.row("job_packages").cells == [0, 1, 1]

    # Before the second referral the first course is the latest one.
    before = table_on(programme, [aarhus, randers], on=D(2025, 4, 30))
    assert before.row("citizens").cells == [1, 0, 1]
    assert statuses(before, 0) == {"benefit": 1}
    assert before.row("job_packages").cells == [1, 0, 1]

    # With only the first site in scope, the course at the other site is not the programme seen here.
    aarhus_only = table_on(programme, [aarhus])
    assert aarhus_only.row("citizens").cells == [1, 1]
    assert statuses(aarhus_only, 0) == {"benefit": 1}


def test_two_enrolments_referred_on_the_same_day_count_once(two_sites):
    programme, aarhus, _randers = two_sites
    first = f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 1, 10))
    f.enrolment(aarhus, D(2025, 1, 10), the_citizen=first.citizen)  # registered after: the one that counts
    table = table_on(programme, [aarhus])
    assert total(table, "citizens") == 1
    assert statuses(table, 1) == {"in_programme": 1}


def test_an_outcome_dated_after_the_date_is_ignored(two_sites):
    programme, aarhus, _randers = two_sites
    enrolment = f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 8, 29))
    outcome(
        enrolment, ON + datetime.timedelta(days=1), OutcomeStatus.ORDINARY_JOB, EXIT
    )  # registered late, dated later

    assert statuses(table_on(programme, [aarhus]), 1) == {"no_outcome": 1}
    assert statuses(table_on(programme, [aarhus], on=ON + datetime.timedelta(days=1)), 1) == {"ordinary_job": 1}


def test_a_follow_up_after_the_exit_outcome_wins(two_sites):
    programme, aarhus, _randers = two_sites
    enrolment = f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 3, 31))
    outcome(enrolment, D(2025, 3, 31), OutcomeStatus.ORDINARY_JOB, EXIT)
    outcome(enrolment, D(2025, 6, 30), OutcomeStatus.BENEFIT, FOLLOW_UP)
    outcome(enrolment, D(2025, 3, 15), OutcomeStatus.EDUCATION, FOLLOW_UP)  # older, registered last: does not win

    assert statuses(table_on(programme, [aarhus], on=D(2025, 3, 31)), 1) == {"ordinary_job": 1}
    assert statuses(table_on(programme, [aarhus], on=D(2025, 6, 29)), 1) == {"ordinary_job": 1}
    assert statuses(table_on(programme, [aarhus]), 1) == {"benefit": 1}


def test_on_the_same_day_the_outcome_registered_last_wins(two_sites):
    programme, aarhus, _randers = two_sites
    enrolment = f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 3, 31))
    outcome(enrolment, D(2025, 3, 31), OutcomeStatus.BENEFIT, EXIT)
    outcome(enrolment, D(2025, 3, 31), OutcomeStatus.EARLY_PENSION, EXIT)
    assert statuses(table_on(programme, [aarhus]), 1) == {"early_pension": 1}


def test_an_active_enrolment_is_still_in_the_programme_until_its_end_form(two_sites):
    programme, aarhus, _randers = two_sites
    enrolment = f.enrolment(aarhus, D(2025, 1, 10), ended_on=ON)
    outcome(enrolment, D(2025, 5, 1), OutcomeStatus.FLEX_JOB, FOLLOW_UP)  # recorded while the course ran
    outcome(enrolment, ON, OutcomeStatus.OTHER, EXIT)

    assert statuses(table_on(programme, [aarhus], on=ON - datetime.timedelta(days=1)), 1) == {"in_programme": 1}
    assert statuses(table_on(programme, [aarhus]), 1) == {"other": 1}  # the end form's day: ended


def test_each_status_has_its_row_and_the_shares_are_of_the_citizens_in_the_column(two_sites):
    programme, aarhus, randers = two_sites
    for site, status in [
        (aarhus, OutcomeStatus.ORDINARY_JOB),
        (aarhus, OutcomeStatus.EDUCATION),
        (aarhus, OutcomeStatus.FLEX_JOB),
        (aarhus, OutcomeStatus.IN_PROGRAMME),
        (randers, OutcomeStatus.BENEFIT),
        (randers, OutcomeStatus.EARLY_PENSION),
        (randers, OutcomeStatus.OTHER),
    ]:
        outcome(f.enrolment(site, D(2025, 1, 10), ended_on=D(2025, 4, 1)), D(2025, 4, 1), status, EXIT)
    f.enrolment(randers, D(2025, 1, 10), ended_on=D(2025, 4, 1))  # no outcome
    f.enrolment(randers, D(2025, 1, 10))  # active

    table = table_on(programme, [aarhus, randers])
    assert statuses(table, 0) == {"ordinary_job": 1, "education": 1, "flex_job": 1, "in_programme": 1}
    assert statuses(table, 1) == {"benefit": 1, "early_pension": 1, "other": 1, "no_outcome": 1, "in_programme": 1}
    assert table.row("citizens").cells == [4, 5, 9]
    assert table.row("in_programme").cells == [Share(1, 4), Share(1, 5), Share(2, 9)]
    assert table.problems() == []


def test_an_outcome_with_a_status_outside_the_list_is_reported(two_sites):
    programme, aarhus, _randers = two_sites
    outcome(f.enrolment(aarhus, D(2025, 1, 10), ended_on=D(2025, 4, 1)), D(2025, 4, 1), "retired", EXIT)
    f.enrolment(aarhus, D(2025, 1, 10))
    table = table_on(programme, [aarhus])
    assert table.row("citizens").cells == [2, 2]
    assert statuses(table, 1) == {"in_programme": 1}
    assert len(table.problems()) == 2, (
        "in the site's column and in the total, the statuses do not add up to the citizens"
    )


def test_the_report_has_the_table_a_stacked_chart_and_no_problems(two_sites, django_assert_num_queries):
    programme, aarhus, randers = two_sites
    job_plan(f.enrolment(aarhus, D(2025, 1, 10)), D(2025, 2, 1))
    outcome(f.enrolment(randers, D(2025, 1, 10), ended_on=D(2025, 3, 1)), D(2025, 3, 1), OutcomeStatus.BENEFIT, EXIT)
    facts.catch_up()  # the rows above are written: their report facts are refreshed here, not in the count below
    # are any report facts stale? then one query: the statuses and the packages, per site and in total
    with django_assert_num_queries(2):
        report = follow_up.build(Scope(programme, (aarhus, randers), ON))
    assert [table.key for table in report.tables] == ["follow_up"]
    assert report.problems() == []
    assert len(report.charts) == 1 and report.charts[0].svg.startswith("<svg") and report.charts[0].description


# --- Property: every cell is the plain count over the raw rows ---------------------------------------------------

BASE = D(2025, 1, 6)
STATUS_VALUES = [status.value for status in OutcomeStatus]


def days(upto):
    """Days after some date, whole weeks half of the time, so that dates coincide often."""
    return st.one_of(st.integers(0, upto // 7).map(lambda weeks: 7 * weeks), st.integers(0, upto))


enrolment_spec = st.fixed_dictionaries(
    {
        "site": st.integers(0, 2),
        "gap": days(60),  # after the previous exit: 0 is a re-referral on the day of the exit
        "length": st.one_of(st.none(), days(150)),
        # Outcomes from the exit (or the referral while the course runs): the same day often, before the exit sometimes.
        "outcomes": st.lists(
            st.tuples(
                st.one_of(st.sampled_from([0, 0, 30, 91]), st.integers(-20, 200)),
                st.sampled_from(STATUS_VALUES),
                st.sampled_from([EXIT, FOLLOW_UP]),
            ),
            max_size=3,
        ),
        "plans": st.lists(st.tuples(days(120), st.booleans()), max_size=3),
    }
)
citizen_spec = st.lists(enrolment_spec, min_size=1, max_size=3)


def build_programme(site_count, citizens):
    programme, all_sites = f.programme_with_sites(*[f"Kommune {n}" for n in range(site_count)])
    for enrolments in citizens:
        person = f.citizen()
        start = BASE
        for e in enrolments:
            referred_on = start + datetime.timedelta(days=e["gap"])
            ended_on = None if e["length"] is None else referred_on + datetime.timedelta(days=e["length"])
            made = f.enrolment(all_sites[e["site"] % site_count], referred_on, ended_on=ended_on, the_citizen=person)
            for after, status, kind in e["outcomes"]:
                outcome(made, (ended_on or referred_on) + datetime.timedelta(days=after), status, kind)
            for after, package in e["plans"]:
                job_plan(made, referred_on + datetime.timedelta(days=after), package=package)
            if ended_on is None:
                break  # referred again only after an exit
            start = ended_on
    return programme, all_sites


class RawRows:
    """The rows as plain dictionaries, read once; the definitions are written out as loops over them."""

    def __init__(self, programme):
        self.enrolments = list(
            Enrolment.objects.filter(programme=programme).values(
                "pk", "site_id", "citizen_id", "referred_on", "ended_on"
            )
        )
        self.outcomes = list(Outcome.objects.values("pk", "enrolment_id", "measured_on", "status"))
        self.plans = list(JobPlan.objects.values("enrolment_id", "is_job_package", "created_on"))

    def dates(self):
        return {
            *(e["referred_on"] for e in self.enrolments),
            *(e["ended_on"] for e in self.enrolments if e["ended_on"]),
            *(o["measured_on"] for o in self.outcomes),
            *(p["created_on"] for p in self.plans),
        }

    def counted(self, scope_site_ids, on):
        """Each citizen's latest enrolment at the sites in scope referred on or before the date."""
        latest = {}
        for e in self.enrolments:
            if e["site_id"] in scope_site_ids and e["referred_on"] <= on:
                held = latest.get(e["citizen_id"])
                if held is None or (e["referred_on"], e["pk"]) > (held["referred_on"], held["pk"]):
                    latest[e["citizen_id"]] = e
        return list(latest.values())

    def status(self, enrolment, on):
        if enrolment["ended_on"] is None or enrolment["ended_on"] > on:
            return "in_programme"
        known = [o for o in self.outcomes if o["enrolment_id"] == enrolment["pk"] and o["measured_on"] <= on]
        return max(known, key=lambda o: (o["measured_on"], o["pk"]))["status"] if known else "no_outcome"

    def column(self, counted, on):
        """{status: citizens, "citizens": n, "job_packages": n} for these counted enrolments."""
        figures = {key: 0 for key in follow_up.STATUS_KEYS}
        for enrolment in counted:
            figures[self.status(enrolment, on)] += 1
        pks = {e["pk"] for e in counted}
        figures["citizens"] = len(counted)
        figures["job_packages"] = sum(
            1 for p in self.plans if p["enrolment_id"] in pks and p["is_job_package"] and p["created_on"] <= on
        )
        return figures


def as_of_dates(rows, random_days):
    """Every date in the records and the day before it, where the boundaries of the rules lie, and random dates."""
    boundaries = {day - datetime.timedelta(days=before) for day in rows.dates() for before in (0, 1)}
    return sorted(boundaries | {BASE + datetime.timedelta(days=n) for n in random_days})


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    site_count=st.integers(2, 3),
    in_scope=st.sets(st.integers(0, 2), min_size=1),
    citizens=st.lists(citizen_spec, min_size=1, max_size=6),
    random_days=st.lists(st.integers(-10, 500), max_size=3),
)
def test_every_cell_equals_the_plain_count_over_the_rows(db, site_count, in_scope, citizens, random_days):
    with rolled_back():
        programme, all_sites = build_programme(site_count, citizens)
        scoped = tuple(site for n, site in enumerate(all_sites) if n in in_scope) or all_sites[:1]
        scoped_ids = {site.pk for site in scoped}
        rows = RawRows(programme)
        for on in as_of_dates(rows, random_days):
            table = table_on(programme, scoped, on)
            counted = rows.counted(scoped_ids, on)
            columns = [rows.column([e for e in counted if e["site_id"] == site.pk], on) for site in scoped]
            columns.append(rows.column(counted, on))
            for key in follow_up.STATUS_KEYS:
                assert table.row(key).cells == [Share(c[key], c["citizens"]) for c in columns], (key, on)
            assert table.row("citizens").cells == [c["citizens"] for c in columns], on
            assert table.row("job_packages").cells == [c["job_packages"] for c in columns], on
            assert table.problems() == []
