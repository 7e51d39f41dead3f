"""The reports in a real browser, on the demo programme: every report page renders its charts and tables,
passes axe-core's WCAG 2.1 AA rules, and downloads its spreadsheet and PDF.

With JOBBRO_SCREENSHOTS=1 the pages are saved to docs/screenshots/ for the guide.
"""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from jobbro.demo.generator import DEMO_PASSWORD, generate
from jobbro.reporting.registry import REPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    generate(citizens=120, seed=2026)


def test_a_manager_reads_every_report_and_takes_them_to_the_steering_group(demo, logged_in_page, axe_check, screenshot):
    page = logged_in_page("leder", DEMO_PASSWORD)
    # The manager starts on the reports.
    assert page.locator("h1").inner_text() == "Rapporter"
    for entry in REPORTS:
        with translation.override("da"):  # the pages are Danish whatever an earlier test left active here
            title = str(entry.title)
        page.get_by_role("link", name=title, exact=True).first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == title
        assert page.locator("table.jb-report-table").count() >= 1, entry.slug
        assert page.locator("#report-problems").count() == 0, page.locator("#report-problems").inner_text()
        for chart in page.locator("figure.jb-chart").all():
            assert chart.locator("svg").count() == 1 and chart.locator("figcaption").inner_text()
        # A table wider than the window scrolls inside its frame; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth"), entry.slug
        violations = axe_check(page)
        assert not violations, "\n".join(v["summary"] for v in violations)
        screenshot(page, f"report-{entry.slug}")

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert workbook.sheetnames[0] == "Kontroller"
    with page.expect_download() as download:
        page.locator("#export-pdf").click()
    assert open(download.value.path(), "rb").read(4) == b"%PDF"

    page.get_by_role("link", name="Datakvalitet").first.click()
    page.wait_for_load_state()
    assert page.locator("#findings tbody tr").count() >= 6
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    screenshot(page, "report-data-quality")


def test_the_as_of_date_changes_the_figures(demo, logged_in_page):
    page = logged_in_page("leder", DEMO_PASSWORD)
    page.locator("a[href^='/reports/sites/']").first.click()
    page.wait_for_load_state()
    today_text = page.locator("table.jb-report-table").first.inner_text()
    page.locator("#id_on").fill("2025-06-30")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_load_state()
    assert "on=2025-06-30" in page.url
    assert page.locator("table.jb-report-table").first.inner_text() != today_text
