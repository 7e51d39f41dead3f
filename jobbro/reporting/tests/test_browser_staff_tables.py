"""A table with a row per job broker in a real browser: a page of them, a search by name, the next page, an order,
with the totals kept; the page passes axe-core's WCAG 2.1 AA rules and the Content-Security-Policy."""

import datetime

import pytest
from django.utils import timezone

from jobbro.accounts.models import Programme
from jobbro.cases.models import PlacementKind
from jobbro.demo.generator import DEMO_PASSWORD, generate
from jobbro.reporting.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTRA = 30


@pytest.fixture
def many_brokers():
    """The demo programme, and 30 more job brokers at its first site: "Zeta Mægler 01" … "Zeta Mægler 30"; broker
    n has n % 3 + 1 citizens in wage subsidy since last week."""
    generate(citizens=120, seed=2026)
    programme = Programme.objects.get()
    site = programme.sites.order_by("name").first()
    company = f.company()
    today = timezone.localdate()
    for n in range(1, EXTRA + 1):
        broker = f.broker(f"zeta{n:02}")
        broker.first_name, broker.last_name = "Zeta", f"Mægler {n:02}"
        broker.save()
        for _ in range(n % 3 + 1):
            enrolment = f.enrolment(site, today - datetime.timedelta(days=60), job_broker=broker)
            f.placement(enrolment, company, PlacementKind.WAGE_SUBSIDY, today - datetime.timedelta(days=7))


def broker_rows(page):
    return page.locator("#table-status tbody tr[data-row^='broker-'] th").all_inner_texts()


def test_a_manager_pages_through_the_job_brokers_and_finds_one(many_brokers, logged_in_page, axe_check):
    page = logged_in_page("leder", DEMO_PASSWORD)
    page.locator("a[href^='/reports/status/']").first.click()
    page.wait_for_load_state()
    assert len(broker_rows(page)) == 25
    total = page.locator("#table-status tbody tr[data-row='total']").inner_text()
    summary = page.locator("#staff-summary-status").inner_text()
    assert summary.startswith("Viser 1–25 af ")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.locator("#staff-q-status").fill("mægler 07")
    page.get_by_role("button", name="Find").click()
    page.wait_for_load_state()
    assert [text.split("\n")[0] for text in broker_rows(page)] == ["Zeta Mægler 07"]
    assert page.locator("#table-status tbody tr[data-row='total']").inner_text() == total
    assert "q=m%C3%A6gler+07" in page.url and "programme=" in page.url and page.url.endswith("#staff-status")

    page.get_by_role("link", name="Vis alle").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Næste").click()
    page.wait_for_load_state()
    assert page.locator("#staff-summary-status").inner_text().startswith("Viser 26–")
    assert page.locator("#table-status tbody tr[data-row='total']").inner_text() == total

    page.locator("#staff-order-status").select_option("most")
    page.get_by_role("button", name="Find").click()
    page.wait_for_load_state()

    # Most citizens in work first (ordinary hours, internship and wage subsidy added up): no row has more than the
    # one above it.
    def in_work(row):
        cells = [int(text.replace(".", "") or 0) for text in row.locator("td").all_inner_texts()]
        return sum(cells[1:4])

    shown = [in_work(row) for row in page.locator("#table-status tbody tr[data-row^='broker-']").all()]
    assert len(shown) == 25 and shown == sorted(shown, reverse=True)
    assert "order=most" in page.url
