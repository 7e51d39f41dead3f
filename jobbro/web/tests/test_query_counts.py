"""Every list page costs the same number of queries with 3 rows as with 30: no query per row (no N+1).

Each test requests a list page, adds rows of what it lists, and requests it again: the page must show the new rows
(so the test cannot pass on an empty or broken page) with exactly as many queries as before. The pages already
pinned next to their code are not repeated here: Today (cases/tests/test_today.py), the hours page
(cases/tests/test_timesheet_page.py), the citizen page (web/tests/test_citizen_page_queries.py) and the two
matching rankings (matching/tests/test_views.py). The timings of the same pages on the 100,000-citizen demo are
printed by bench/pages.py.
"""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jobbro.cases import actions
from jobbro.cases.models import Contact, Milestone, PlacementKind, Step
from jobbro.companies import actions as company_actions
from jobbro.companies.models import CompanyContact, Course, KnowledgeInstitution
from jobbro.conftest import make_company, make_opening
from jobbro.imports.models import ImportRun
from jobbro.matching import actions as match_actions
from jobbro.people import actions as people_actions
from jobbro.people.models import CVEntry

pytestmark = pytest.mark.django_db

FEW, MANY = 3, 30
MARK = "Mængde"  # in the name or title of every row the tests add, to count the rows a page shows
DAY = datetime.timedelta(days=1)


def requested(client, url):
    """(queries, response) of one GET, which must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return captured, response


def shown(response):
    return response.content.decode().count(MARK)


def assert_same_queries_for_few_and_many(client, url, add, *, rows=shown):
    """Request the page with FEW added rows and with MANY: more rows shown, the same number of queries."""
    client.get(url)  # the session and any per-process caches settle on the first request
    add(range(FEW))
    few, response = requested(client, url)
    few_rows = rows(response)
    add(range(FEW, MANY))
    many, response = requested(client, url)
    many_rows = rows(response)
    assert few_rows >= FEW, f"{url} shows {few_rows} of the {FEW} rows added"
    assert many_rows >= few_rows + (MANY - FEW), f"{url} shows {many_rows} rows after {MANY} were added"
    extra = [query["sql"] for query in many.captured_queries[len(few) :]]
    assert len(many) == len(few), (
        f"{url}: {len(few)} queries for {FEW} rows, {len(many)} for {MANY}; the first extra ones: {extra[:3]}"
    )


def today():
    return timezone.localdate()


# --- Citizens ------------------------------------------------------------------------------------------------


def add_citizens(refer, start, job_broker):
    """Citizens named ...Mængde with job_broker, each with a running placement and last week's hours."""
    last_week = actions.monday_of(today()) - 7 * DAY

    def add(numbers):
        for i in numbers:
            enrolment = refer(
                first_name=f"Borger{i}",
                last_name=MARK,
                job_broker=job_broker,
                referred_on=today() - 60 * DAY,
                traffic_light=["green", "yellow", "red"][i % 3],
            )
            placement = start(enrolment, starts_on=today() - 30 * DAY, kind=PlacementKind.HYBRID_INTERNSHIP)
            actions.register_hours(
                acting_user=job_broker,
                placement=placement,
                week_start=last_week,
                ordinary_hours=i % 5,
                internship_hours=1,
            )

    return add


@pytest.mark.parametrize("who", ["coordinator", "caseworker", "alice", "administrator"])
def test_the_citizen_list(client, world, refer, start, who):
    client.force_login(getattr(world, who))
    assert_same_queries_for_few_and_many(client, reverse("citizen_list"), add_citizens(refer, start, world.alice))


def test_the_citizen_list_filtered_by_job_broker(client, world, refer, start):
    client.force_login(world.coordinator)
    url = reverse("citizen_list") + f"?status=all&job_broker={world.alice.pk}"
    assert_same_queries_for_few_and_many(client, url, add_citizens(refer, start, world.alice))


@pytest.mark.parametrize("who", ["alice", "mentor"])
def test_the_caseload(client, world, refer, start, who):
    user = getattr(world, who)
    client.force_login(user)
    assert_same_queries_for_few_and_many(client, reverse("caseload"), add_citizens(refer, start, user))


def test_a_citizen_s_contacts(client, world, company, buddy):
    enrolment, alice = world.alices_enrolment, world.alice

    def add(numbers):
        for i in numbers:
            actions.log_contact(
                acting_user=alice,
                enrolment=enrolment,
                kind=Contact.Kind.CONVERSATION,
                occurred_on=enrolment.referred_on + i * DAY,
                note=f"{MARK} {i}",
                company=company,
                staff=[alice],
                company_contacts=[buddy],
            )

    client.force_login(alice)
    url = reverse("contact_list", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    assert_same_queries_for_few_and_many(client, url, add)


def test_a_citizen_s_job_plans(client, world):
    enrolment, alice = world.alices_enrolment, world.alice

    def add(numbers):
        for i in numbers:
            actions.create_job_plan(
                acting_user=alice, enrolment=enrolment, title=f"Plan {MARK} {i}", created_on=enrolment.referred_on
            )

    client.force_login(alice)
    url = reverse("job_plans", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    assert_same_queries_for_few_and_many(client, url, add)


def test_a_job_plan_s_milestones(client, world):
    enrolment, alice = world.alices_enrolment, world.alice
    plan = actions.create_job_plan(
        acting_user=alice, enrolment=enrolment, title="Plan", created_on=enrolment.referred_on
    )

    def add(numbers):
        for i in numbers:
            actions.add_milestone(
                acting_user=alice,
                plan=plan,
                kind=Milestone.Kind.INTERNSHIP,
                due_on=enrolment.referred_on + (i + 1) * DAY,
                title=f"{MARK} {i}",
            )

    client.force_login(alice)
    kwargs = {"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk, "plan_pk": plan.pk}
    assert_same_queries_for_few_and_many(client, reverse("job_plan", kwargs=kwargs), add)


def test_a_placement_s_weeks_and_contacts(client, world, start, company, buddy):
    enrolment, alice = world.alices_enrolment, world.alice
    placement = start(enrolment, starts_on=enrolment.referred_on + 7 * DAY, kind=PlacementKind.HYBRID_INTERNSHIP)

    def add(numbers):
        for i in numbers:
            week = actions.monday_of(placement.starts_on) + 7 * i * DAY
            actions.register_hours(
                acting_user=alice, placement=placement, week_start=week, ordinary_hours=i % 7, internship_hours=1
            )
            actions.log_contact(
                acting_user=alice,
                enrolment=enrolment,
                kind=Contact.Kind.CONVERSATION,
                occurred_on=week,
                note=f"{MARK} {i}",
                company=company,
                staff=[alice],
                company_contacts=[buddy],
            )

    client.force_login(alice)
    url = reverse("placement_detail", kwargs={"citizen_pk": enrolment.citizen_id, "pk": placement.pk})
    assert_same_queries_for_few_and_many(
        client, url, add, rows=lambda response: min(len(response.context["timesheets"]), shown(response))
    )


def test_a_citizen_s_cv(client, world):
    citizen, alice = world.alices_citizen, world.alice

    def add(numbers):
        for i in numbers:
            people_actions.add_cv_entry(
                acting_user=alice, citizen=citizen, kind=CVEntry.Kind.WORK, title=f"Job {MARK} {i}"
            )

    client.force_login(alice)
    assert_same_queries_for_few_and_many(client, reverse("cv", kwargs={"citizen_pk": citizen.pk}), add)


# --- Companies, small jobs and courses ---------------------------------------------------------------------------


def add_companies(programme, refer, start):
    """Companies named ...Mængde in the network, each with a buddy, an open small job and a running placement."""

    def add(numbers):
        for i in numbers:
            company = make_company(f"{MARK} {i:02d} ApS", programme=programme)
            buddy = CompanyContact.objects.create(company=company, name=f"Buddy {i}", is_buddy=True)
            make_opening(company, programme, f"Opgave {MARK} {i}", buddy=buddy)
            enrolment = refer(first_name=f"Placeret{i}", last_name="Borger", referred_on=today() - 60 * DAY)
            start(enrolment, company=company, starts_on=today() - 30 * DAY, kind=PlacementKind.SMALL_JOB)

    return add


@pytest.mark.parametrize("who", ["coordinator", "alice", "manager"])
def test_the_company_list(client, world, programme, refer, start, who):
    client.force_login(getattr(world, who))
    assert_same_queries_for_few_and_many(client, reverse("company_list"), add_companies(programme, refer, start))


@pytest.mark.parametrize("who", ["coordinator", "alice"])
def test_the_small_jobs_board(client, world, programme, refer, start, who):
    client.force_login(getattr(world, who))
    assert_same_queries_for_few_and_many(client, reverse("opening_board"), add_companies(programme, refer, start))


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return sum(1 for row in sheet.iter_rows(values_only=True) if any(MARK in str(cell) for cell in row if cell))


def test_the_small_jobs_board_as_a_spreadsheet(client, world, programme, refer, start):
    client.force_login(world.coordinator)
    add = add_companies(programme, refer, start)
    assert_same_queries_for_few_and_many(client, reverse("opening_board_xlsx"), add, rows=xlsx_rows)


def test_the_small_jobs_board_as_a_pdf(client, world, programme, refer, start):
    client.force_login(world.coordinator)
    add = add_companies(programme, refer, start)
    # The PDF's text is compressed; its length grows with every row, by far more than a page number would.
    assert_same_queries_for_few_and_many(
        client, reverse("opening_board_pdf"), add, rows=lambda response: len(response.content) // 100
    )


def test_a_company_s_page(client, world, programme, company, refer, start):
    def add(numbers):
        for i in numbers:
            buddy = CompanyContact.objects.create(company=company, name=f"Kontakt {MARK} {i}", is_buddy=True)
            make_opening(company, programme, f"Opgave {i}", buddy=buddy)
            enrolment = refer(first_name=f"Placeret{i}", last_name="Borger", referred_on=today() - 60 * DAY)
            start(enrolment, company=company, starts_on=today() - 30 * DAY, kind=PlacementKind.SMALL_JOB)

    client.force_login(world.coordinator)
    assert_same_queries_for_few_and_many(client, reverse("company_detail", kwargs={"pk": company.pk}), add)


@pytest.fixture
def institution(coordinator):
    return company_actions.create_institution(
        acting_user=coordinator, name="Sprogcenter Midt", kind=KnowledgeInstitution.Kind.LANGUAGE_SCHOOL
    )


def add_courses(coordinator, institution):
    def add(numbers):
        for i in numbers:
            company_actions.create_course(
                acting_user=coordinator,
                institution=institution,
                name=f"Kursus {MARK} {i}",
                subject=Course.Subject.LANGUAGE,
                duration_days=20,
            )

    return add


@pytest.mark.parametrize("who", ["coordinator", "alice"])
def test_the_course_list(client, world, institution, who):
    client.force_login(getattr(world, who))
    assert_same_queries_for_few_and_many(client, reverse("course_list"), add_courses(world.coordinator, institution))


def test_an_institution_s_courses(client, world, institution):
    client.force_login(world.coordinator)
    url = reverse("institution_detail", kwargs={"pk": institution.pk})
    assert_same_queries_for_few_and_many(client, url, add_courses(world.coordinator, institution))


def test_a_course_s_participants(client, world, institution, refer):
    add_courses(world.coordinator, institution)(range(1))
    course = institution.courses.get()

    def add(numbers):
        for i in numbers:
            enrolment = refer(first_name=f"Kursist{i}", last_name=MARK, job_broker=world.alice)
            actions.enrol_in_course(
                acting_user=world.caseworker, enrolment=enrolment, course=course, starts_on=enrolment.referred_on
            )

    client.force_login(world.coordinator)
    assert_same_queries_for_few_and_many(client, reverse("course_detail", kwargs={"pk": course.pk}), add)


# --- Matching --------------------------------------------------------------------------------------------------


def test_the_match_proposals(client, world, programme, company, refer):
    opening = make_opening(company, programme, "Opvask")

    def add(numbers):
        for i in numbers:
            enrolment = refer(first_name=f"Foreslået{i}", last_name=MARK, job_broker=world.alice)
            match_actions.propose_match(acting_user=world.coordinator, enrolment=enrolment, opening=opening)

    client.force_login(world.coordinator)
    assert_same_queries_for_few_and_many(client, reverse("match_proposals"), add)


def test_the_citizens_without_a_match(client, world, refer):
    def add(numbers):
        for i in numbers:
            referred_on = today() - 365 * DAY
            enrolment = refer(
                first_name=f"Ventende{i}", last_name=MARK, job_broker=world.alice, referred_on=referred_on
            )
            actions.change_step(
                acting_user=world.alice, enrolment=enrolment, step=Step.TOWARDS_JOB, on=referred_on + i * DAY
            )

    client.force_login(world.coordinator)
    assert_same_queries_for_few_and_many(client, reverse("match_unmatched"), add)


# --- Import ------------------------------------------------------------------------------------------------------


def test_the_import_runs(client, world, programme):
    def add(numbers):
        for i in numbers:
            ImportRun.objects.create(
                user=world.coordinator, programme=programme, file_name=f"{MARK}-{i}.xlsx", file_sha256=f"{i:064d}"
            )

    client.force_login(world.coordinator)
    assert_same_queries_for_few_and_many(client, reverse("import_list"), add)
