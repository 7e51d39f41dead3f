"""End-to-end checks in a real browser: log in, find a citizen, see the masked CPR, leave a read in the log."""

import datetime
from types import SimpleNamespace

import pytest

from jobbro.accounts.models import Membership, Programme, Role, Site, User
from jobbro.audit.models import AccessLog
from jobbro.cases.actions import refer_citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"
CPR_NUMBER = "0101901234"


def make_world():
    """A programme with one site, a job broker and a caseworker in it, one referred citizen,
    and an outsider who works in another programme."""
    programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
    site = Site.objects.create(programme=programme, name="Aarhus Kommune", municipality_code="751")
    broker = User.objects.create_user(
        "jobformidler", password=PASSWORD, first_name="Jonas", last_name="Formidler", role=Role.JOB_BROKER
    )
    Membership.objects.create(user=broker, programme=programme, site=None)
    caseworker = User.objects.create_user(
        "sagsbehandler", password=PASSWORD, first_name="Sara", last_name="Behandler", role=Role.CASEWORKER
    )
    Membership.objects.create(user=caseworker, programme=programme, site=site)
    enrolment = refer_citizen(
        acting_user=caseworker,
        programme=programme,
        site=site,
        cpr_number=CPR_NUMBER,
        first_name="Mette",
        last_name="Sørensen",
        referred_on=datetime.date(2025, 3, 3),
        traffic_light="green",
        estimated_weekly_hours=10,
        job_broker=broker,
    )
    other_programme = Programme.objects.create(name="Andet program", starts_on=datetime.date(2025, 1, 1))
    outsider = User.objects.create_user("udefra", password=PASSWORD, role=Role.JOB_BROKER)
    Membership.objects.create(user=outsider, programme=other_programme, site=None)
    return SimpleNamespace(
        programme=programme,
        site=site,
        broker=broker,
        caseworker=caseworker,
        outsider=outsider,
        enrolment=enrolment,
        citizen=enrolment.citizen,
    )


@pytest.fixture
def world():
    return make_world()


def test_job_broker_opens_a_citizen_sees_the_cpr_masked_and_the_read_is_logged(world, logged_in_page, live_server):
    page = logged_in_page("jobformidler", PASSWORD)
    page.goto(live_server.url + "/citizens/")
    page.get_by_role("link", name="Mette Sørensen").first.click()
    page.wait_for_load_state()

    assert page.url.rstrip("/").endswith(f"/citizens/{world.citizen.pk}")
    assert "Mette Sørensen" in page.locator("h1").first.inner_text()
    html = page.content()
    assert "XXXXXX-XXXX" in html
    for shown in (CPR_NUMBER, f"{CPR_NUMBER[:6]}-{CPR_NUMBER[6:]}"):
        assert shown not in html, "the CPR number must never be on the page unless revealed"
    assert AccessLog.objects.filter(user=world.broker, citizen=world.citizen).exists()


def test_the_interface_is_danish_by_default_and_can_switch_to_english(page, live_server):
    page.goto(live_server.url + "/login/")
    assert page.locator("html").get_attribute("lang") == "da"
    login_button = page.locator("form:has(#id_password) [type=submit]")
    assert login_button.inner_text().strip() == "Log ind"

    switch = page.locator("form[action='/i18n/setlang/'] [name=language]")
    with page.expect_navigation():
        if switch.evaluate("el => el.tagName") == "SELECT":
            switch.select_option("en")
            switch.locator("xpath=ancestor::form").locator("[type=submit]").click()
        else:
            page.locator("form[action='/i18n/setlang/'] [name=language][value=en]").click()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("form:has(#id_password) [type=submit]").inner_text().strip() == "Log in"


def test_a_user_from_another_programme_gets_not_found_for_the_citizen(world, logged_in_page, live_server):
    page = logged_in_page("udefra", PASSWORD)
    response = page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/")
    assert response.status == 404
    assert "Sørensen" not in page.content()
    assert not AccessLog.objects.filter(user=world.outsider, citizen=world.citizen, status_code=200).exists()
