"""In a real browser: Today lists a citizen referred without a start form, the line leads to the citizen's page
where the start form is filled, and the citizen is then off the list."""

import datetime

import pytest

from jobbro.cases.models import Enrolment
from jobbro.days import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"  # the shared fixtures' password


def test_today_leads_to_the_citizens_page_to_fill_the_start_form(alice, refer, logged_in_page, live_server):
    waiting = refer(
        first_name="Vera",
        last_name="Venter",
        job_broker=alice,
        referred_on=today() - datetime.timedelta(days=7),
        started_on=None,
    )
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/today/")
    section = page.locator("#start_form_missing")
    assert section.get_attribute("data-count") == "1"
    assert "Startskema ikke udfyldt" in section.locator("h2").inner_text()
    item = section.locator(f"li[data-citizen='{waiting.citizen_id}']")
    assert "Vera Venter" in item.inner_text()

    with page.expect_navigation():
        item.locator(".jb-today-action").click()
    assert page.url.rstrip("/").endswith(f"/citizens/{waiting.citizen_id}")
    page.locator("[data-action='start-form']").click()
    page.wait_for_load_state()
    page.locator("#id_started_on").fill(today().isoformat())
    page.get_by_role("button", name="Gem startskemaet").click()
    page.wait_for_load_state()
    assert Enrolment.objects.get(pk=waiting.pk).started_on == today()

    page.goto(f"{live_server.url}/today/")
    assert page.locator("#start_form_missing").get_attribute("data-count") == "0"
