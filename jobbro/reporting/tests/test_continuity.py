"""The continuity report: changes of job broker and caseworker per citizen (docs/reports.md, "Continuity of contact
persons"), counted from the contact-person history, with small figures withheld."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobbro.cases.models import AssignmentChange
from jobbro.conftest import rolled_back
from jobbro.reporting import continuity
from jobbro.reporting.base import Scope, Share, Withheld
from jobbro.reporting.registry import BY_SLUG
from jobbro.reporting.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

D = datetime.date
ON = D(2026, 6, 30)
JB, CW = AssignmentChange.Role.JOB_BROKER, AssignmentChange.Role.CASEWORKER


def history(enrolment, role, *rows):
    """Rows of (date, user or None), written in this order (so a later row on the same date has the higher id)."""
    for on, user in rows:
        AssignmentChange.objects.create(enrolment=enrolment, role=role, user=user, changed_on=on)


def counted(programme, sites, on=ON):
    scope = Scope(programme, tuple(sites), on)
    keys = continuity.KEYS
    return {row.pk: (getattr(row, keys[JB]), getattr(row, keys[CW])) for row in continuity.per_enrolment(scope)}


def expected_changes(rows, on):
    """The definition, row by row (tests only): of rows on one date the last written stands; rows with no person are
    skipped; a change is a person other than the previous person; the first person is not a change."""
    standing = {}
    for index, (day, user) in enumerate(rows):
        if day <= on:
            standing[day] = (index, user)
    people = [user for _day, (_index, user) in sorted(standing.items()) if user is not None]
    return sum(1 for before, after in zip(people, people[1:], strict=False) if before != after)


@pytest.fixture
def people(db):
    return [f.broker(f"person{n}") for n in range(3)]


def test_the_report_is_registered():
    assert BY_SLUG["continuity"].module is continuity


@pytest.mark.parametrize(
    ("rows", "changes"),
    [
        ([], 0),
        ([(1, "a")], 0),  # the first person is not a change
        ([(1, "a"), (5, "a")], 0),  # the same person again
        ([(1, "a"), (5, "b")], 1),
        ([(1, "a"), (5, "b"), (9, "a")], 2),  # back to the first person is a change too
        ([(1, "a"), (5, None), (9, "a")], 0),  # nobody for a while, then the same person
        ([(1, "a"), (5, None), (9, "b")], 1),
        ([(1, "a"), (5, "b"), (5, "c")], 1),  # a correction on the same day: c stands, b never held
        ([(1, "a"), (5, "b"), (5, None)], 0),  # the change was undone the same day
        ([(1, None), (5, "a")], 0),
        ([(1, "a"), (40, "b")], 0),  # after the as-of date
    ],
)
def test_changes_of_one_role(programme, site, people, rows, changes):
    by_name = dict(zip("abc", people, strict=True))
    enrolment = f.enrolment(site, D(2026, 5, 1))
    written = [(D(2026, 5, 1) + datetime.timedelta(days=day), by_name.get(name)) for day, name in rows]
    history(enrolment, JB, *written)
    assert counted(programme, [site], D(2026, 6, 1))[enrolment.pk] == (changes, 0)
    assert expected_changes(written, D(2026, 6, 1)) == changes


def test_job_broker_and_caseworker_are_counted_apart(programme, site, people):
    a, b, c = people
    enrolment = f.enrolment(site, D(2026, 1, 5))
    history(enrolment, JB, (D(2026, 1, 5), a), (D(2026, 2, 1), b))
    history(enrolment, CW, (D(2026, 1, 5), a), (D(2026, 3, 1), b), (D(2026, 4, 1), c))
    history(enrolment, AssignmentChange.Role.MENTOR, (D(2026, 1, 5), a), (D(2026, 3, 1), b))  # not counted
    assert counted(programme, [site])[enrolment.pk] == (1, 2)


DAYS = st.integers(min_value=0, max_value=6)
PERSON = st.one_of(st.none(), st.integers(min_value=0, max_value=2))
HISTORY = st.lists(st.tuples(DAYS, PERSON), max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(st.tuples(st.booleans(), HISTORY, HISTORY), min_size=1, max_size=7), cut=DAYS)
def test_the_counts_follow_the_definition_for_any_history(programme, site, other_site, people, cases, cut):
    start = D(2026, 3, 2)
    on = start + datetime.timedelta(days=cut)
    with rolled_back():
        expected, bands = {}, {JB: [0, 0, 0, 0], CW: [0, 0, 0, 0]}
        for at_other, brokers, caseworkers in cases:
            enrolment = f.enrolment(other_site if at_other else site, start)
            for role, rows in ((JB, brokers), (CW, caseworkers)):
                written = [(start + datetime.timedelta(days=day), person) for day, person in rows]
                history(enrolment, role, *((day, people[p] if p is not None else None) for day, p in written))
            expected[enrolment.pk] = (expected_changes(brokers, cut), expected_changes(caseworkers, cut))
            for role, n in zip((JB, CW), expected[enrolment.pk], strict=True):
                bands[role][min(n, 3)] += 1
        assert counted(programme, [site, other_site], on) == expected

        scope = Scope(programme, (site, other_site), on)
        found = continuity.counts(scope)
        for role in (JB, CW):
            total = found[continuity.TOTAL][role]
            assert total["bands"] == bands[role] and total["citizens"] == len(cases)
            assert total["changes"] == sum(pair[(JB, CW).index(role)] for pair in expected.values())
            for pk in (site.pk, other_site.pk):
                assert sum(found[pk][role]["bands"]) == found[pk][role]["citizens"]
        # The figures' own checks find nothing in records that are right.
        assert continuity.build(scope).problems() == []


def test_the_figures_per_site_and_in_total_with_the_mean(programme, site, other_site, people):
    a, b, c = people
    # Six citizens at the first site: changes of job broker 0, 0, 1, 1, 2, 3 (mean 7/6 = 1.2).
    for n in (0, 0, 1, 1, 2, 3):
        enrolment = f.enrolment(site, D(2026, 1, 5))
        persons = [a, b, c, a][: n + 1]
        history(enrolment, JB, *((D(2026, 1, 5) + datetime.timedelta(days=7 * i), p) for i, p in enumerate(persons)))
    # Five citizens at the other site, none changed.
    for _n in range(5):
        history(f.enrolment(other_site, D(2026, 1, 5)), JB, (D(2026, 1, 5), a))
    scope = Scope(programme, (site, other_site), ON)
    found = continuity.counts(scope)
    assert found[site.pk][JB] == {"citizens": 6, "bands": [2, 2, 1, 1], "changes": 7}
    assert found[other_site.pk][JB] == {"citizens": 5, "bands": [5, 0, 0, 0], "changes": 0}
    assert found[continuity.TOTAL][JB] == {"citizens": 11, "bands": [7, 2, 1, 1], "changes": 7}
    assert found[continuity.TOTAL][CW] == {"citizens": 11, "bands": [11, 0, 0, 0], "changes": 0}
    assert continuity.mean(7, 6) == Decimal("1.2") and continuity.mean(7, 11) == Decimal("0.6")

    report = continuity.build(scope)
    assert report.problems() == []
    table = report.tables[0]
    assert [t.key for t in report.tables] == ["job_broker_changes", "caseworker_changes"]
    first = table.row(f"site-{site.pk}").cells
    assert first[5] == Decimal("1.2")
    assert all(isinstance(cell, Withheld) for cell in first[1:5])  # 2, 2, 1 and 1 citizens: each fewer than 5
    # The other site's 5 with no change would give the first site's 2 away (7 in total): withheld too, and with it
    # that site's citizens (its other bands are 0), and so the first site's citizens.
    assert table.row(f"site-{other_site.pk}").cells[:2] == [Withheld(5), Withheld(5)]
    assert first[0] == Withheld(5)
    assert table.row("total").cells[:2] == [11, Share(7, 11)]
    # Every cell shows its figure or is withheld; none shows a figure about 1 to 4 citizens.
    for row in table.rows:
        for cell in row.cells[:5]:
            assert isinstance(cell, Withheld) or not continuity._small(cell)
    caseworkers = report.tables[1]
    assert caseworkers.row("total").cells[:2] == [11, Share(11, 11)]


def test_a_figure_that_cannot_be_true_is_reported_though_withheld(programme, site):
    table = continuity.role_table(
        Scope(programme, (site,), ON),
        {
            site.pk: {JB: {"citizens": 3, "bands": [4, 0, 0, 0], "changes": 0}},
            continuity.TOTAL: {JB: {"citizens": 3, "bands": [4, 0, 0, 0], "changes": 0}},
        },
        JB,
    )
    assert all(isinstance(cell, Withheld) for cell in table.row(f"site-{site.pk}").cells)
    assert table.problems() != []  # a share of 4 of 3, and bands adding up to 4 of 3 citizens


# --- Disclosure control -----------------------------------------------------------------------------------------


def rows_of(*counts):
    """Rows of [citizens, bands…, mean] from the bands of each site; the total row is added."""
    rows = [[sum(bands), *(Share(n, sum(bands)) for n in bands), None] for bands in counts]
    totals = [sum(column) for column in zip(*counts, strict=True)]
    return [*rows, [sum(totals), *(Share(n, sum(totals)) for n in totals), None]]


def test_a_site_with_fewer_than_5_citizens_is_withheld_whole_and_another_with_it():
    rows = rows_of([3, 0, 0, 0], [10, 2, 0, 0], [20, 0, 0, 0])
    hidden = continuity.withheld_cells(rows)
    assert {(0, c) for c in range(6)} <= hidden
    # The total less the others would give the small site's citizens away: the next smallest site's are withheld.
    assert (1, continuity.CITIZENS) in hidden
    assert (1, 2) in hidden  # the band of 2


BANDS_STRATEGY = st.lists(st.integers(min_value=0, max_value=12), min_size=4, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(BANDS_STRATEGY, min_size=1, max_size=5))
def test_no_small_figure_is_shown_and_none_withheld_can_be_worked_out_alone(counts):
    rows = rows_of(*counts)
    hidden = continuity.withheld_cells(rows)
    for r, row in enumerate(rows):
        for c in continuity.COUNTED:
            if (r, c) not in hidden:
                assert not continuity._small(row[c]), (r, c)
        # No row and no column leaves exactly one withheld figure among those that add up.
        assert sum((r, c) in hidden for c in continuity.COUNTED) != 1 or all(
            (continuity._persons(row[c]) or 0) == 0 for c in continuity.COUNTED if (r, c) not in hidden
        )
    for c in continuity.COUNTED:
        column_hidden = [r for r in range(len(rows)) if (r, c) in hidden]
        if len(column_hidden) == 1:
            assert all((continuity._persons(rows[r][c]) or 0) == 0 for r in range(len(rows)) if (r, c) not in hidden), c


# --- Who reads it -------------------------------------------------------------------------------------------------


@pytest.fixture
def changed(programme, site, people):
    a, b, _c = people
    enrolments = []
    for _n in range(6):
        enrolment = f.enrolment(site, D(2026, 1, 5), the_citizen=f.citizen(first_name="Xenia", last_name="Hemmelig"))
        history(enrolment, CW, (D(2026, 1, 5), a), (D(2026, 2, 1), b))
        enrolments.append(enrolment)
    return enrolments


def get(client, user, url, data):
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(url, data)


def test_an_evaluator_reads_the_figures_but_no_names(client, evaluator, programme, changed):
    data = {"programme": programme.pk, "on": ON.isoformat()}
    page = get(client, evaluator, reverse("report", args=["continuity"]), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Changes of caseworker" in html and "Hemmelig" not in html and "Xenia" not in html
    workbook = get(client, evaluator, reverse("report_xlsx", args=["continuity"]), data)
    assert workbook.status_code == 200
    cells = [
        cell
        for sheet in load_workbook(io.BytesIO(workbook.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    ]
    assert 6 in cells and not any("Hemmelig" in str(cell) for cell in cells)


def test_staff_without_the_reports_do_not_get_it(client, alice, caseworker, programme, changed):
    data = {"programme": programme.pk, "on": ON.isoformat()}
    for user in (alice, caseworker):
        assert get(client, user, reverse("report", args=["continuity"]), data).status_code == 404
        assert get(client, user, reverse("report_xlsx", args=["continuity"]), data).status_code == 404
