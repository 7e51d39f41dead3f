"""Every main page passes axe-core's WCAG 2.1 A and AA rules with no serious or critical violation.

With JOBBRO_SCREENSHOTS=1 the test also saves each page to docs/screenshots/ for the user guide.
"""

import datetime
from decimal import Decimal

import pytest

from jobbro.accounts.models import ResultGoal
from jobbro.cases.actions import start_placement
from jobbro.cases.models import PlacementKind
from jobbro.companies.models import Company, CompanyContact, NetworkAgreement, Opening
from jobbro.netgain import calculator
from jobbro.netgain.actions import calculate_net_gain
from jobbro.people.actions import give_consent
from jobbro.people.models import ConsentKind, ConsentManner
from jobbro.web.tests.test_browser import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    """The browser tests' programme plus a network company, an open small job, a placement and result goals."""
    w = make_world()
    company = Company.objects.create(
        cvr="10000009", name="Bageriet Aps", industry_code="107100", kind=Company.Kind.PRIVATE, city="Aarhus"
    )
    NetworkAgreement.objects.create(company=company, programme=w.programme, signed_on=datetime.date(2025, 2, 1))
    buddy = CompanyContact.objects.create(company=company, name="Lise Buddy", is_buddy=True)
    opening = Opening.objects.create(
        company=company,
        programme=w.programme,
        title="Opvask om formiddagen",
        occupation_code="9412",
        tasks="Opvask og klargøring",
        weekly_hours=Decimal("8.0"),
        days=[],
        posted_on=datetime.date(2025, 3, 1),
        buddy=buddy,
    )
    Opening.objects.create(
        company=company,
        programme=w.programme,
        title="Lagerhjælp",
        occupation_code="9333",
        tasks="Pakning af varer",
        weekly_hours=Decimal("12.0"),
        posted_on=datetime.date(2025, 3, 10),
    )
    start_placement(
        acting_user=w.broker,
        enrolment=w.enrolment,
        company=company,
        opening=opening,
        kind=PlacementKind.INTERNSHIP,
        starts_on=datetime.date(2025, 3, 17),
        purpose="Afprøve køkkenarbejde",
        agreed_ordinary_hours=Decimal("2.0"),
    )
    give_consent(
        acting_user=w.broker,
        citizen=w.citizen,
        kind=ConsentKind.DATA_SHARING,
        on=datetime.date(2025, 3, 3),
        manner=ConsentManner.WRITTEN,
        reference="J.nr. 2025-114",
    )
    for metric, target in (
        (ResultGoal.Metric.REFERRED, 100),
        (ResultGoal.Metric.MATCHED_AND_STARTED, 60),
        (ResultGoal.Metric.EMPLOYED, 30),
    ):
        ResultGoal.objects.create(
            programme=w.programme, metric=metric, target=target, deadline=datetime.date(2026, 12, 31)
        )
    # A net-gain calculation kept on the case (the citizen's own benefit a month and the wage are inputs).
    on = datetime.date(2026, 3, 2)
    benefit, rate, _amount = calculator.rates_in_force(on)[0]
    w.net_gain = calculate_net_gain(
        acting_user=w.broker,
        enrolment=w.enrolment,
        household=calculator.Household(
            benefit=benefit, rate=rate, monthly_benefit=Decimal(11000), age=40, couple=False, children=0
        ),
        hourly_wage=Decimal(140),
        hours=[5, 10, 15],
        on=on,
    )
    return w


def test_the_main_pages_have_no_serious_accessibility_violations(
    world, page, logged_in_page, live_server, axe_check, screenshot
):
    # The login page first, before logging in.
    page.goto(live_server.url + "/login/")
    problems = axe_check(page)
    screenshot(page, "login")

    logged_in_page("jobformidler", PASSWORD)
    pages = [
        ("caseload", "/caseload/"),
        ("citizens", "/citizens/"),
        ("citizen", f"/citizens/{world.citizen.pk}/"),
        ("consent", f"/citizens/{world.citizen.pk}/consents/treatment_contact/give/"),
        ("companies", "/companies/"),
        ("openings", "/openings/"),
        ("result-goals", "/result-goals/"),
        ("net-gain", f"/citizens/{world.citizen.pk}/enrolments/{world.enrolment.pk}/net-gain/"),
        ("net-gain-months", f"/citizens/{world.citizen.pk}/enrolments/{world.enrolment.pk}/net-gain/months/"),
        ("net-gain-result", f"/citizens/{world.citizen.pk}/net-gain/{world.net_gain.pk}/"),
        ("net-gain-print", f"/citizens/{world.citizen.pk}/net-gain/{world.net_gain.pk}/print/"),
    ]
    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path} answered {response.status}"
        problems += axe_check(page)
        screenshot(page, name)

    assert not problems, "serious or critical WCAG violations:\n" + "\n".join(v["summary"] for v in problems)
