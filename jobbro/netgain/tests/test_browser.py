"""The job broker's flow in a real browser: from the citizen's page to the gain for 5, 10 and 15 hours in three clicks,
the sentence the citizen reads, the print view on one A4 page, and the month-by-month view."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jobbro.cases.actions import set_hourly_wage, start_placement
from jobbro.cases.models import PlacementKind
from jobbro.companies.models import Company
from jobbro.netgain.models import NetGainCalculation
from jobbro.netgain.views import nearest_hundred, versions_text
from jobbro.people.models import Citizen
from jobbro.web.tests.test_browser import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A4 in PDF points (1/72 inch): 210 × 297 mm.
A4 = (595, 842)


@pytest.fixture
def world():
    """The browser tests' citizen on cash benefit, in a running placement with an hourly wage."""
    w = make_world()
    Citizen.objects.filter(pk=w.citizen.pk).update(benefit_type="kontanthjaelp")
    company = Company.objects.create(
        cvr="10000009", name="Bageriet ApS", industry_code="107100", kind=Company.Kind.PRIVATE, city="Aarhus"
    )
    starts = timezone.localdate() - datetime.timedelta(days=30)
    placement = start_placement(
        acting_user=w.broker,
        enrolment=w.enrolment,
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=starts,
        agreed_ordinary_hours=Decimal(5),
    )
    set_hourly_wage(acting_user=w.broker, placement=placement, valid_from=starts, hourly_wage="138.75")
    return w


def clicks_to(page, selector):
    with page.expect_navigation():
        page.locator(selector).click()


def test_a_job_broker_shows_a_citizen_the_gain_for_5_10_and_15_hours_and_prints_it(
    world, page, logged_in_page, live_server, axe_check, screenshot
):
    e = world.enrolment
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/")
    started = datetime.datetime.now()
    clicks = 0

    # 1: the case page's button.
    clicks_to(page, f"#netgain-new-{e.pk}")
    clicks += 1
    assert page.locator("#id_hourly_wage").input_value() == "138,75", "the placement's wage in force"
    assert page.locator("#id_rate").input_value().startswith("cash:"), "the benefit on the case"
    assert [page.locator(f"#id_hours_{n}").input_value() for n in (1, 2, 3)] == ["5", "10", "15"]
    # The 2026 rules publish no cash-benefit amounts: the job broker writes in the citizen's own benefit a month.
    page.fill("#id_monthly_benefit", "11500")
    screenshot(page, "net-gain-form")

    # 2: Calculate.
    clicks_to(page, "#netgain-calculate")
    clicks += 1
    calculation = NetGainCalculation.objects.get()
    sentences = page.locator(".jb-netgain-text")
    expect(sentences).to_have_count(3)
    ten = next(row for row in calculation.figures if Decimal(row["weekly_hours"]) == 10)
    gain = nearest_hundred(ten["net_gain"])
    told = f"{abs(gain):,}".replace(",", ".")
    expected = (
        f"Hvis du arbejder 10 timer om ugen, får du ca. {told} kr. {'mere' if gain > 0 else 'mindre'} om måneden."
    )
    expect(sentences.nth(1)).to_have_text(expected)
    assert float(page.locator(".jb-netgain-text").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 24
    expect(page.locator("#netgain-explanation")).to_contain_text("Gevinst om måneden")
    expect(page.locator("#netgain-table-version")).to_contain_text(versions_text(calculation.table_versions))
    assert (datetime.datetime.now() - started).total_seconds() < 60
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    screenshot(page, "net-gain-result")

    # 3: Print.
    clicks_to(page, "#netgain-print")
    clicks += 1
    assert clicks <= 3
    assert page.locator(".jb-nav").count() == 0, "no menus on paper"
    expect(page.locator("#netgain-job-broker")).to_have_text("Din jobformidler: Jonas Formidler")
    expect(page.locator(".jb-netgain-for")).to_contain_text(calculation.created_at.strftime("%d.%m.%Y"))
    expect(page.locator(".jb-netgain-text").nth(1)).to_have_text(expected)
    screenshot(page, "net-gain-print")
    page.emulate_media(media="print")
    assert not page.locator("#netgain-print-now").is_visible(), "the print button is not printed"
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = {
        tuple(round(float(v)) for v in box) for box in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    }
    assert boxes == {A4}, boxes
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= 2, f"{pages} pages"


def test_the_month_by_month_view_as_hours_grow(world, page, logged_in_page, live_server):
    e = world.enrolment
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/enrolments/{e.pk}/net-gain/months/")
    page.fill("#id_monthly_benefit", "11500")
    page.fill("#id_month_1", "2026-01")
    page.fill("#id_plan_hours_1", "5")
    page.fill("#id_month_2", "2026-03")
    page.fill("#id_plan_hours_2", "10")
    page.fill("#id_month_3", "2026-05")
    page.fill("#id_plan_hours_3", "15")
    page.fill("#id_months", "6")
    clicks_to(page, "#netgain-calculate")
    lines = page.locator(".jb-netgain-text")
    expect(lines).to_have_count(6)
    expect(lines.nth(0)).to_contain_text("Januar 2026: 5 timer om ugen")
    expect(lines.nth(2)).to_contain_text("Marts 2026: 10 timer om ugen")
    expect(lines.nth(5)).to_contain_text("Juni 2026: 15 timer om ugen")
    assert NetGainCalculation.objects.get().kind == NetGainCalculation.Kind.MONTHS


def test_a_missing_benefit_is_explained_in_danish_on_the_field(world, page, logged_in_page, live_server):
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/enrolments/{world.enrolment.pk}/net-gain/")
    page.fill("#id_hourly_wage", "0")
    clicks_to(page, "#netgain-calculate")
    expect(page.locator("#id_hourly_wage-error")).to_contain_text("Timelønnen skal være mere end 0 kr.")
    expect(page.locator("#id_monthly_benefit-error")).to_contain_text("Skriv borgerens ydelse om måneden")
    expect(page.locator("#error-summary")).to_contain_text("Timeløn (kr.)")
    assert not NetGainCalculation.objects.exists()
