"""A placement ended today is ended now, everywhere (the one last-day rule, cases/models.py): the end form asks for
the end date, and the company list and the company's page count no one there any more, as the matching does."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from jobbro.cases.actions import start_placement
from jobbro.cases.models import Placement, PlacementEndReason
from jobbro.companies.models import Company, NetworkAgreement
from jobbro.matching import services
from jobbro.web.tests.test_browser import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZENS_NOW = 6  # the company list's column "Citizens now"


@pytest.fixture
def world():
    w = make_world()
    w.company = Company.objects.create(
        cvr="10000009", name="Bageriet ApS", industry_code="107100", kind=Company.Kind.PRIVATE, city="Aarhus"
    )
    NetworkAgreement.objects.create(company=w.company, programme=w.programme, signed_on=datetime.date(2025, 2, 1))
    return w


def test_a_placement_ended_today_is_ended_on_the_company_pages_at_once(world, page, logged_in_page, live_server):
    today = timezone.localdate()
    placement = start_placement(
        acting_user=world.broker,
        enrolment=world.enrolment,
        company=world.company,
        kind="small_job",
        starts_on=today - datetime.timedelta(days=30),
        agreed_ordinary_hours=8,
    )
    logged_in_page("jobformidler", PASSWORD)
    company_row = page.locator(f"tr[data-company='{world.company.pk}']")
    detail = f"{live_server.url}{reverse('company_detail', kwargs={'pk': world.company.pk})}"
    page.goto(f"{live_server.url}{reverse('company_list')}")
    expect(company_row.locator("td").nth(CITIZENS_NOW)).to_have_text("1")
    page.goto(detail)
    expect(page.locator("[data-figure=current_citizens]").first).to_have_text("1")

    # The end form: the end date (today by default) is the first day the placement no longer runs.
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/placements/{placement.pk}/end/")
    expect(page.locator("label[for=id_ended_on]")).to_contain_text("Slutdato")
    expect(page.locator("#id_ended_on")).to_have_value(today.isoformat())
    page.select_option("#id_reason", PlacementEndReason.COMPLETED)
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit].button-primary").last.click()
    assert Placement.objects.get(pk=placement.pk).ended_on == today

    page.goto(f"{live_server.url}{reverse('company_list')}")
    expect(company_row.locator("td").nth(CITIZENS_NOW)).to_have_text("0")
    page.goto(detail)
    expect(page.locator("[data-figure=current_citizens]").first).to_have_text("0")
    assert not services.running_placements(today).filter(pk=placement.pk).exists()
