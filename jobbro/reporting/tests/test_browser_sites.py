"""The site comparison in a real browser: both denominators named in the table, the counts that add up to the
referred, the housing organisation's yes or no per site; and a citizen referred without a start form, whose start
form is filled later, moves from "start form not filled" to "receiving active effort"."""

import datetime

import pytest

from jobbro.accounts.models import Role
from jobbro.cases.models import Enrolment, PlacementKind
from jobbro.companies.models import Company
from jobbro.conftest import make_user
from jobbro.days import today
from jobbro.reporting.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


@pytest.fixture
def two_sites():
    """Aarhus: three referred, one without a start form, one placed at the housing organisation; Randers: two
    referred, one of them ended."""
    programme, (aarhus, randers) = f.programme_with_sites("Aarhus", "Randers")
    referred = today() - datetime.timedelta(days=60)
    placed = f.enrolment(aarhus, referred)
    f.placement(placed, f.company(kind=Company.Kind.HOUSING_ORGANISATION), PlacementKind.INTERNSHIP, referred)
    f.enrolment(aarhus, referred)
    waiting = f.enrolment(aarhus, referred, started_on=None)
    f.enrolment(randers, referred)
    f.enrolment(randers, referred, ended_on=referred + datetime.timedelta(days=20))
    make_user("maja", Role.MANAGER, programme=programme)
    make_user("sara", Role.CASEWORKER, programme=programme)
    return programme, waiting


def cells(page, row):
    """The cells of a row of the site table, by its key: Aarhus, Randers, total."""
    return page.locator(f"#table-sites tr[data-row='{row}'] td").all_inner_texts()


def open_sites(page, base_url, programme):
    page.goto(f"{base_url}/reports/sites/?programme={programme.pk}")
    page.wait_for_load_state()


def test_the_site_table_names_both_denominators_and_the_housing_organisation(
    two_sites, logged_in_page, live_server, axe_check
):
    programme, _waiting = two_sites
    page = logged_in_page("maja", PASSWORD)
    open_sites(page, live_server.url, programme)

    labels = page.locator("#table-sites tbody th").all_inner_texts()
    assert any(label.startswith("Andel med CV, af dem, der modtager aktiv indsats") for label in labels), labels
    assert any(label.startswith("Andel med CV, af de visiterede") for label in labels), labels
    assert cells(page, "referred") == ["3", "2", "5"]
    assert cells(page, "not_started") == ["1", "0", "1"]
    assert cells(page, "active") == ["2", "1", "3"]
    assert cells(page, "ended") == ["0", "1", "1"]
    # The share of those receiving active effort has its own whole: 1 of 2 in Aarhus, not 1 of 3.
    assert cells(page, "internship_only_of_active")[0] == "1 (50,0 %)"
    assert cells(page, "internship_only_of_referred")[0] == "1 (33,3 %)"
    assert cells(page, "housing_cooperation") == ["Ja", "Nej", "Ja"]
    assert cells(page, "housing_placed") == ["1", "0", "1"]
    assert page.locator("#report-problems").count() == 0
    assert "modtager aktiv indsats" in page.locator("figure.jb-chart figcaption").inner_text()
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)


def test_a_start_form_filled_later_moves_the_citizen_into_active_effort(two_sites, logged_in_page, live_server):
    programme, waiting = two_sites
    page = logged_in_page("sara", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{waiting.citizen_id}/")
    page.wait_for_load_state()
    assert page.locator(f"[data-start-form='{waiting.pk}']").inner_text() == "Startskema ikke udfyldt"

    page.locator("[data-action='start-form']").click()
    page.wait_for_load_state()
    page.locator("#id_started_on").fill(today().isoformat())
    page.get_by_role("button", name="Gem startskemaet").click()
    page.wait_for_load_state()
    assert page.locator(f"[data-start-form='{waiting.pk}']").inner_text() != "Startskema ikke udfyldt"
    assert page.locator("[data-action='start-form']").count() == 0
    assert Enrolment.objects.get(pk=waiting.pk).started_on == today()

    page.context.clear_cookies()  # signed out: the manager signs in on the same browser
    manager = logged_in_page("maja", PASSWORD)
    open_sites(manager, live_server.url, programme)
    assert cells(manager, "not_started") == ["0", "0", "0"]
    assert cells(manager, "active") == ["3", "1", "4"]
