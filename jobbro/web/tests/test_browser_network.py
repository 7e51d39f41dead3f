"""In a real browser: the coordinator filters the small-jobs board, downloads it as a spreadsheet, and opens
the page of a company that takes interns but never pays hours."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jobbro.cases.models import Placement, PlacementKind
from jobbro.companies.models import Company
from jobbro.conftest import make_company, make_opening

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


def test_the_coordinator_exports_the_filtered_board_and_sees_an_internship_factory(
    coordinator, programme, refer, buddy, company, logged_in_page, live_server, axe_check, screenshot
):
    today = timezone.localdate()
    factory = make_company("Praktik Fabrikken ApS", programme=programme, industry_code="812100")
    for i in range(5):
        Placement.objects.create(
            enrolment=refer(first_name=f"Praktikant{i}"),
            company=factory,
            kind=PlacementKind.INTERNSHIP,
            starts_on=today - datetime.timedelta(days=30 + 40 * i),
            no_hours_reason="Praktik først",
        )
    social = make_company("Grønt Værksted", Company.Kind.SOCIAL_ECONOMIC, programme=programme, industry_code="813000")
    make_opening(company, programme, "Opvask om formiddagen", weekly_hours=8, buddy=buddy)
    make_opening(social, programme, "Havearbejde", weekly_hours=12, days=("tue", "thu"))
    make_opening(factory, programme, "Rengøring af kontorer", weekly_hours=25, days=("fri",))

    page = logged_in_page("kim", PASSWORD)
    page.goto(live_server.url + "/openings/")
    assert page.locator("#openings tbody tr[data-opening]").count() == 3
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    # Only social-economic enterprises, then download what the board shows.
    page.check("#id_social_economic")
    with page.expect_navigation():
        page.locator("form.jb-filter-row [type=submit]").click()
    assert "social_economic=on" in page.url
    assert page.locator("#openings tbody tr[data-opening]").all_inner_texts()[0].startswith("Havearbejde")
    assert page.locator("#openings tbody tr[data-opening]").count() == 1
    screenshot(page, "opening-board")
    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["Havearbejde"]
    assert sheet["B2"].value == "Virksomhed"

    # The factory's page: the track record and the flag, with the rule in the programme's numbers.
    page.goto(live_server.url + "/companies/")
    factory_row = page.locator(f"tr[data-company='{factory.pk}']")
    assert factory_row.locator("[data-factory]").count() == 1
    with page.expect_navigation():
        factory_row.get_by_role("link", name="Praktik Fabrikken ApS").click()
    assert page.url.rstrip("/").endswith(f"/companies/{factory.pk}")
    assert page.locator("[data-figure='internships_started']").inner_text() == "5"
    assert page.locator("[data-figure='internships_paid']").inner_text() == "0"
    flag = page.locator(f"#factory-{programme.pk}")
    assert flag.get_attribute("data-is-factory") == "true"
    assert "730" in flag.inner_text() and "10" in flag.inner_text()
    screenshot(page, "company-factory")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
