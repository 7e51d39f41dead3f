"""In a real browser: an evaluator opens Rapporter → Effekt, sees the run waiting, and the page shows the report by
itself when the worker has finished it (htmx polling); the report's charts and tables, "færre end 5" for a figure left
out, no failed check, axe finds no serious violation, and the spreadsheet downloads."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from jobbro.effect.models import EffectRun, TrialDesign
from jobbro.effect.tests.test_report import AS_OF, register_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


def test_an_evaluator_waits_for_the_run_and_reads_the_effect_report(
    programme, site, other_site, evaluator, logged_in_page, live_server, axe_check
):
    run = EffectRun.objects.create(
        programme=programme,
        as_of=AS_OF,
        design_kind=TrialDesign.Kind.REGISTER_COMPARISON,
        requested_by=evaluator,
    )
    page = logged_in_page("eva", PASSWORD)
    page.goto(live_server.url + "/reports/")
    page.locator("#effect-entry a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Effekt"
    page.fill("#id_on", AS_OF.isoformat())
    page.locator("#effect-show").click()
    page.wait_for_load_state()
    expect(page.locator("#effect-state")).to_have_attribute("data-state", "queued")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    # The worker finishes the run; the polling page reloads itself and shows the report.
    EffectRun.objects.filter(pk=run.pk).update(state=EffectRun.State.DONE, result=register_result(site, other_site))
    expect(page.locator("#table-effect_estimates")).to_be_visible(timeout=10_000)
    assert page.locator("#report-problems").count() == 0
    assert page.locator("figure.jb-chart svg").count() >= 1  # the curve; no site has referred citizens to chart
    assert page.locator("#effect-method p").count() >= 3
    withheld = page.locator(f'#table-effect_by_site tr[data-row="site-{other_site.pk}-self_sufficient-13"] td')
    assert withheld.all_inner_texts() == ["færre end 5"] * 7
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == "effekt-30.11.2026.xlsx"
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert workbook.sheetnames == ["Kontroller", "Tal"]
