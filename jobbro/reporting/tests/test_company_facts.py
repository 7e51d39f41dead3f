"""The companies' stored track records equal the live ones (jobbro/reporting/track_record.py) on any date, after any
writes, and the companies list reads them with a fixed number of queries."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.accounts import thresholds
from jobbro.cases.models import Contact, Placement, PlacementKind, Timesheet
from jobbro.conftest import make_company, rolled_back
from jobbro.imports.management.commands.db_worker import run_periodic_jobs
from jobbro.reporting import company_facts, facts, track_record
from jobbro.reporting.models import CompanyTrackRecord, StaleCompanyFacts
from jobbro.reporting.tests.test_track_record import write_rows

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 1)
KINDS = [PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP, PlacementKind.SMALL_JOB, PlacementKind.WAGE_SUBSIDY]
COMPARED = [
    *(name for name in track_record.FIGURES if name != "average_weekly_ordinary_hours"),
    "is_factory",
    "average_hours",
    "paid_share_percent",
]


def monday(day):
    return day - datetime.timedelta(days=day.weekday())


def figures(records):
    """The figures as compared; the average weekly hours to the six places stored (the databases give more)."""
    return {
        company_id: [
            (
                r.programme.pk,
                {name: getattr(r, name) for name in COMPARED}
                | {"average": company_facts.average(r.average_weekly_ordinary_hours)},
            )
            for r in rows
        ]
        for company_id, rows in records.items()
    }


def live(companies, programmes, on):
    return figures(track_record.track_records(companies, programmes, on=on, with_contacts=False))


def stored(companies, programmes, on):
    return figures(company_facts.track_records([c.pk for c in companies], programmes, on=on))


placement_strategy = st.fixed_dictionaries(
    {
        "enrolment": st.integers(0, 3),
        "company": st.integers(0, 2),
        "kind": st.sampled_from(KINDS),
        "starts_ago": st.integers(-30, 800),
        "length": st.one_of(st.none(), st.integers(0, 60)),
        "weeks": st.lists(
            st.tuples(
                st.integers(0, 8), st.sampled_from([Decimal("0"), Decimal("5"), Decimal("7.5"), Decimal("12.5")])
            ),
            max_size=4,
            unique_by=lambda w: w[0],
        ),
    }
)
contact_strategy = st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(-20, 400))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    placements=st.lists(placement_strategy, max_size=8),
    contacts=st.lists(contact_strategy, max_size=5),
    later=st.lists(st.integers(1, 800), min_size=1, max_size=3),
    lookback=st.sampled_from([None, 30, 365]),
)
def test_the_stored_track_record_equals_the_live_one_on_any_later_date(
    world, programme, other_programme, placements, contacts, later, lookback
):
    """Written through the models (the receivers mark the companies), computed on one day, read on later days:
    the stored figures always equal the live ones, since a row that runs out is computed again when read."""
    enrolments = [world.alices_enrolment, world.bobs_enrolment, world.randers_enrolment, world.charlies_enrolment]
    programme.refresh_from_db()  # an earlier example changed its settings and rolled the change back
    programmes = [programme, other_programme]
    with rolled_back():
        companies = [make_company("Alfa Køkken"), make_company("Beta Lager"), make_company("Gamma Gartneri")]
        write_rows(enrolments, companies, placements, contacts)
        assert stored(companies, programmes, ON) == live(companies, programmes, ON)
        if lookback is not None:  # the programme's look-back changes: its rows are computed again when read
            programme.settings = {**programme.settings, thresholds.FACTORY_LOOKBACK_DAYS: lookback}
            programme.save()
        for days in sorted(later):
            on = ON + datetime.timedelta(days=days)
            assert stored(companies, programmes, on) == live(companies, programmes, on)
        assert company_facts.stale(on=on) == []


def internship(enrolment, company, starts_on, *, ended_on=None):
    return Placement.objects.create(
        enrolment=enrolment,
        company=company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=starts_on,
        ended_on=ended_on,
        no_hours_reason="Praktik først",
    )


def test_a_write_marks_the_company_and_the_catch_up_refreshes_it(alices_enrolment, programme):
    company = make_company("Alfa Køkken")
    placement = internship(alices_enrolment, company, ON - datetime.timedelta(days=10))
    assert StaleCompanyFacts.objects.filter(company_id=company.pk).exists()
    company_facts.catch_up(on=ON)
    assert not StaleCompanyFacts.objects.exists()
    row = CompanyTrackRecord.objects.get(company=company, programme=programme)
    assert (row.internships_started, row.current_citizens) == (1, 1)

    Timesheet.objects.create(
        placement=placement, week_start=monday(ON), ordinary_hours=Decimal("7.5"), internship_hours=0
    )
    company_facts.catch_up(on=ON)
    row = CompanyTrackRecord.objects.get(company=company, programme=programme)  # stored anew
    assert (row.internships_paid, row.average_weekly_ordinary_hours) == (1, Decimal("7.5"))


def test_a_placement_moved_to_another_company_refreshes_both(alices_enrolment, programme):
    first, second = make_company("Alfa Køkken"), make_company("Beta Lager")
    placement = internship(alices_enrolment, first, ON - datetime.timedelta(days=10))
    company_facts.catch_up(on=ON)
    placement.company = second
    placement.save()
    company_facts.catch_up(on=ON)
    assert not CompanyTrackRecord.objects.filter(company=first).exists()
    assert CompanyTrackRecord.objects.get(company=second, programme=programme).internships_started == 1


def test_a_deleted_company_leaves_no_rows(alices_enrolment, programme):
    company = make_company("Alfa Køkken")
    Contact.objects.create(enrolment=alices_enrolment, company=company, kind=Contact.Kind.PHONE, occurred_on=ON)
    company_facts.catch_up(on=ON)
    assert CompanyTrackRecord.objects.filter(company=company).exists()
    Contact.objects.filter(company=company).delete()
    company.delete()
    company_facts.catch_up(on=ON)
    assert not CompanyTrackRecord.objects.exists()


def test_the_worker_refreshes_the_rows_that_have_run_out(alices_enrolment, programme, settings):
    company = make_company("Alfa Køkken")
    internship(alices_enrolment, company, ON - datetime.timedelta(days=10), ended_on=ON - datetime.timedelta(days=1))
    company_facts.refresh(on=ON - datetime.timedelta(days=5))  # computed while the placement ran
    row = CompanyTrackRecord.objects.get(company=company)
    # Valid until the end date: the first day the placement no longer runs (cases/models.py).
    assert (row.current_citizens, row.valid_until) == (1, ON - datetime.timedelta(days=1))
    company_facts.refresh(on=ON - datetime.timedelta(days=1))
    assert CompanyTrackRecord.objects.get(company=company).current_citizens == 0
    settings.WORKER_PERIODIC_JOBS = ["jobbro.reporting.company_facts.catch_up_all"]
    run_periodic_jobs()  # today is after ON: the row has run out
    row = CompanyTrackRecord.objects.get(company=company)
    assert row.current_citizens == 0
    assert row.valid_until == ON - datetime.timedelta(days=10) + datetime.timedelta(days=730 + 1)  # leaves "recent"


def test_the_check_finds_a_row_that_disagrees_and_the_command_repairs_it(alices_enrolment, programme, in_english):
    company = make_company("Alfa Køkken")
    internship(alices_enrolment, company, datetime.date(2025, 4, 1))
    company_facts.catch_up()
    facts.catch_up()
    call_command("refresh_report_facts", "--check", stdout=StringIO())
    CompanyTrackRecord.objects.filter(company=company).update(internships_started=7)
    with pytest.raises(CommandError, match="track records of 1 companies"):
        call_command("refresh_report_facts", "--check", stdout=StringIO())
    out = StringIO()
    call_command("refresh_report_facts", stdout=out)
    assert "1 companies" in out.getvalue()
    call_command("refresh_report_facts", "--check", stdout=StringIO())
    assert CompanyTrackRecord.objects.get(company=company).internships_started == 1


def test_the_check_finds_a_missing_row(alices_enrolment, programme):
    company = make_company("Alfa Køkken")
    internship(alices_enrolment, company, datetime.date(2025, 4, 1))
    company_facts.catch_up()
    CompanyTrackRecord.objects.all().delete()
    assert company_facts.stale() == [company.pk]


def test_the_company_list_takes_the_same_number_of_queries_for_3_and_30_companies(
    client, coordinator, programme, refer
):
    """3 companies or 30: the same queries, once the writes' stale marks are caught up (the worker's job)."""

    def add_companies(n, offset):
        for i in range(n):
            company = make_company(f"Firma {offset + i:03d}", programme=programme)
            enrolment = refer(first_name=f"B{offset + i}")
            internship(enrolment, company, datetime.date(2025, 4, 1))
        company_facts.catch_up()

    client.force_login(coordinator)
    add_companies(3, 0)
    client.get(reverse("company_list"))  # warm up the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("company_list")).status_code == 200
    add_companies(27, 100)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("company_list"))
    assert response.status_code == 200
    assert len(many) == len(few)
    assert response.content.count(b"data-company=") == 30
    assert response.content.count(b'data-figure="internships_started">1<') == 30


def test_the_company_list_shows_the_stored_figures_of_the_page_only(client, coordinator, programme, refer):
    """A company on another page is not computed; one on this page whose row ran out is computed again."""
    companies = [make_company(f"Firma {i:03d}", programme=programme) for i in range(3)]
    internship(refer(first_name="A"), companies[0], datetime.date(2025, 4, 1))
    company_facts.catch_up()
    CompanyTrackRecord.objects.update(valid_until=datetime.date(2025, 5, 1))  # ran out long ago
    client.force_login(coordinator)
    response = client.get(reverse("company_list"))
    assert b'data-figure="internships_started">1<' in response.content
    assert CompanyTrackRecord.objects.get(company=companies[0]).valid_until > datetime.date.today()
