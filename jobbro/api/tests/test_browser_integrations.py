"""In a real browser: an administrator creates an integration for business intelligence, copies its token once, and the
token reads the reports from the running server; the page passes axe-core's rules."""

import pytest
import requests
from django.core.management import call_command

from jobbro.accounts.models import Membership, Programme, Role, User
from jobbro.accounts.tests.test_browser_setup import PASSWORD, code_from_key
from jobbro.api.models import Integration
from jobbro.web.tests.browser_pickers import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_creates_an_integration_and_its_token_reads_the_reports(
    page, live_server, monkeypatch, axe_check, screenshot
):
    monkeypatch.setenv("JOBBRO_ADMIN_PASSWORD", PASSWORD)
    call_command("create_administrator", "anna", "--no-input", "--first-name", "Anna")
    programme = Programme.objects.create(name="Job i Østjylland", starts_on="2026-01-01")
    service = User.objects.create_user("bi-aarhus", role=Role.MANAGER, first_name="BI", last_name="Aarhus")
    Membership.objects.create(user=service, programme=programme)

    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_password) [type=submit]").click()
    page.wait_for_selector(".jb-totp-key")
    page.fill("#id_token", code_from_key(page.locator(".jb-totp-key").inner_text()))
    page.locator("form:has(#id_token) [type=submit]").click()
    page.wait_for_selector("#setup-link")
    page.click("#setup-link")
    page.click("#integrations-link")

    page.fill("#id_name", "BI – Aarhus Kommune")
    pick(page, "id_user", "bi-aarhus", "(bi-aarhus,")
    page.get_by_label("Læse rapporternes tal").check()
    page.click("#integration-form button[type=submit]")
    page.wait_for_selector("#token")
    token = page.locator("#token").inner_text()
    problems = axe_check(page)
    screenshot(page, "integrations")

    integration = Integration.objects.get()
    assert (integration.user, integration.scopes) == (service, ["reports:read"])
    answer = requests.get(
        f"{live_server.url}/api/v1/reports/", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 200 and answer.json()[0]["slug"] == "result-goals"

    page.goto(live_server.url + "/integrations/")  # the token is shown once
    assert page.locator("#token").count() == 0
    page.get_by_role("button", name="Tilbagekald BI – Aarhus Kommune").click()
    page.wait_for_selector("#integrations")
    assert "Tilbagekaldt" in page.locator(f"[data-integration='{integration.pk}']").inner_text()
    refused = requests.get(
        f"{live_server.url}/api/v1/reports/", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert refused.status_code == 401
    assert not problems, "serious or critical WCAG violations:\n" + "\n".join(v["summary"] for v in problems)
