"""One journey in a real browser: a coordinator checks a workbook, sees the dry run, imports it."""

import datetime

import pytest

from jobbro.accounts.models import Membership, Programme, Role, Site, User
from jobbro.cases.models import Placement
from jobbro.imports.models import ImportRun
from jobbro.imports.tests.helpers import example_sheets, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "korrekt-hest-batteri"


def test_a_coordinator_checks_then_imports_a_workbook(logged_in_page, axe_check, screenshot, tmp_path):
    programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
    Site.objects.create(programme=programme, name="Aarhus Kommune")
    User.objects.create_user("alice", role=Role.JOB_BROKER)
    User.objects.create_user("sara", role=Role.CASEWORKER)
    coordinator = User.objects.create_user("kim", password=PASSWORD, role=Role.COORDINATOR, first_name="Kim")
    Membership.objects.create(user=coordinator, programme=programme)
    path = tmp_path / "historik.xlsx"
    path.write_bytes(workbook(example_sheets()))

    page = logged_in_page("kim", PASSWORD)
    page.click("nav a[href='/imports/']")
    page.click("#new-import")
    page.set_input_files("input[type=file]", str(path))
    page.click("button[type=submit].button-primary")
    page.wait_for_selector("#import-counts")
    assert page.locator("tr[data-sheet=placements] [data-created]").inner_text() == "1"
    assert not Placement.objects.exists()
    assert axe_check(page) == []
    screenshot(page, "import-dry-run")
    assert page.locator("#confirm-import").inner_text() == "Importér"
    page.click("#confirm-import")
    page.wait_for_selector("#import-counts")
    assert page.locator("[data-status]").get_attribute("data-status") == "done"
    assert Placement.objects.count() == 1
    assert ImportRun.objects.filter(dry_run=False, status="done").count() == 1
