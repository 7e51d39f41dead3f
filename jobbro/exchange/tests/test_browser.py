"""The exchange formats in a real browser: the CV page's export button downloads the file, the case-system page
chooses a site and a period and offers the downloads; both pages pass axe-core's WCAG 2.1 A and AA rules."""

import datetime
import json

import pytest

from jobbro.people.actions import add_cv_entry
from jobbro.web.tests.test_browser import CPR_NUMBER, PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_job_broker_exports_the_cv_and_finds_the_case_system_files(
    page, logged_in_page, live_server, axe_check, screenshot
):
    world = make_world()
    add_cv_entry(
        acting_user=world.broker,
        citizen=world.citizen,
        kind="work",
        title="Køkkenmedhjælper",
        organisation="Restaurant Mols",
        starts_on=datetime.date(2019, 5, 1),
        recorded_on=datetime.date(2025, 3, 10),
    )
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/cv/")
    problems = axe_check(page)
    button = page.get_by_role("button", name="Eksportér CV til Jobnet (JSON)")
    with page.expect_download() as download:
        button.click()
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert download.value.suggested_filename.startswith("cv-til-jobdatabasen-")
    assert document["arbejdserfaring"][0]["stilling"] == "Køkkenmedhjælper"
    assert "cpr" not in document["borger"]

    page.get_by_label("Medtag CPR-nummeret (logges)").check()
    with page.expect_download() as download:
        button.click()
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert document["borger"]["cpr"].replace("-", "") == CPR_NUMBER.replace("-", "")

    page.get_by_role("link", name="Sagssystem").click()
    page.get_by_label("Fra").fill("2025-03-01")
    page.get_by_label("Til").fill("2025-04-30")
    page.get_by_role("button", name="Vis").click()
    problems += axe_check(page)
    screenshot(page, "exchange-case-system")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent forløb og timer (xlsx)").click()
    assert download.value.suggested_filename == "sagssystem-forloeb-og-timer-aarhus-kommune-30.04.2025.xlsx"
    assert not problems, "serious or critical WCAG violations:\n" + "\n".join(v["summary"] for v in problems)
