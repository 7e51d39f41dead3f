"""Step 1 in a real browser: a job broker sets a job goal, writes the CV, fills the competence card with a
company and records a restriction; a form error is shown next to its field with the input kept; the CV page
and the competence card pass axe."""

import datetime

import pytest

from jobbro.accounts.models import Membership, Programme, Role, Site, User
from jobbro.cases.actions import refer_citizen
from jobbro.conftest import make_company
from jobbro.people.models import CVEntry
from jobbro.web.tests.browser_pickers import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


@pytest.fixture
def world():
    programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
    site = Site.objects.create(programme=programme, name="Aarhus Kommune", municipality_code="751")
    broker = User.objects.create_user(
        "jobformidler", password=PASSWORD, first_name="Jonas", last_name="Formidler", role=Role.JOB_BROKER
    )
    Membership.objects.create(user=broker, programme=programme, site=site)
    caseworker = User.objects.create_user("sagsbehandler", password=PASSWORD, role=Role.CASEWORKER)
    Membership.objects.create(user=caseworker, programme=programme)
    enrolment = refer_citizen(
        acting_user=caseworker,
        programme=programme,
        site=site,
        cpr_number="0101901234",
        first_name="Mette",
        last_name="Sørensen",
        referred_on=datetime.date(2025, 3, 3),
        traffic_light="yellow",
        estimated_weekly_hours=10,
        job_broker=broker,
    )
    company = make_company("Café Havnen", programme=programme)
    return enrolment.citizen, company


def submit(page, form_id):
    with page.expect_navigation():
        page.locator(f"#{form_id} [type=submit]").click()


def add_cv_line(page, kind, title, place="", starts="", ends=""):
    page.select_option("#id_kind", kind)
    page.fill("#id_title", title)
    page.fill("#id_organisation", place)
    if starts:
        page.fill("#id_starts_on", starts)
    if ends:
        page.fill("#id_ends_on", ends)
    submit(page, "cv-entry-form")


def test_a_job_broker_walks_through_step_1(world, logged_in_page, live_server, axe_check):
    citizen, company = world
    base = f"{live_server.url}/citizens/{citizen.pk}"
    page = logged_in_page("jobformidler", PASSWORD)

    # Job goal: a DISCO-08 occupation and the citizen's own words.
    page.goto(base + "/")
    page.locator(f"#step1 a[href='/citizens/{citizen.pk}/job-goals/']").click()
    page.wait_for_load_state()
    page.select_option("#id_kind", "goal")
    page.select_option("#id_occupation_code", "9412")
    page.fill("#id_text", "Arbejde i et storkøkken om formiddagen")
    submit(page, "job-goal-form")
    assert "storkøkken" in page.locator("#current-goals").inner_text()

    # The CV: two lines, then a line with an impossible date range.
    page.locator("#step1-nav a[href$='/cv/']").click()
    page.wait_for_load_state()
    add_cv_line(page, "work", "Opvasker", "Hotel Royal", "2018-02-01", "2020-06-30")
    add_cv_line(page, "language", "Somali")
    assert page.locator(".jb-cv-section[data-kind=work] tbody tr").count() == 1
    assert "Opvasker" in page.locator(".jb-cv-section[data-kind=work] tbody tr").inner_text()
    assert page.locator(".jb-cv-section[data-kind=language]").is_visible()
    assert citizen.cv_entries.count() == 2

    add_cv_line(page, "course", "Hygiejnebevis", "AMU Østjylland", "2023-06-01", "2023-02-01")
    error = page.locator("#id_ends_on-error")
    assert error.is_visible()
    # The message sits in the same form group as the field it is about.
    assert page.locator(".form-group.form-error:has(#id_ends_on) #id_ends_on-error").count() == 1
    assert page.locator("#id_title").input_value() == "Hygiejnebevis"
    assert page.locator("#id_organisation").input_value() == "AMU Østjylland"
    assert page.locator("#id_kind").input_value() == "course"
    assert page.locator("#id_starts_on").input_value() == "2023-06-01"
    assert citizen.cv_entries.count() == 2
    assert not CVEntry.objects.filter(title="Hygiejnebevis").exists()
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    # Competence card: Danish language, assessed with the company.
    page.locator("#step1-nav a[href$='/competence-card/']").click()
    page.wait_for_load_state()
    page.select_option("#id_area", "danish")
    page.select_option("#id_level", "3")
    page.fill("#id_comment", "Forstår instruktioner i køkkenet")
    assert pick(page, "id_co_assessor", company.name[:4], company.name) == str(company.pk)
    submit(page, "competence-form")
    row = page.locator("#competence-card tr[data-area=danish]")
    assert row.get_attribute("data-level") == "3"
    assert "Café Havnen" in row.inner_text()
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    # A restriction: a tag and the citizen's own words.
    page.locator("#step1-nav a[href$='/restrictions/']").click()
    page.wait_for_load_state()
    page.select_option("#id_tag", "no_vacuuming")
    page.fill("#id_description", "Kan ikke støvsuge på grund af skulderen")
    submit(page, "restriction-form")
    assert page.locator("#current-restrictions tr[data-tag=no_vacuuming]").count() == 1

    # The citizen page shows all of it.
    page.goto(base + "/")
    assert "storkøkken" in page.locator("#step1-goals").inner_text()
    assert page.locator("#step1-cv").get_attribute("data-count") == "2"
    danish = page.locator("#step1-competences [data-area=danish]")
    assert danish.get_attribute("data-level") == "3" and "Café Havnen" in danish.inner_text()
    assert "skulderen" in page.locator("#step1-restrictions").inner_text()
