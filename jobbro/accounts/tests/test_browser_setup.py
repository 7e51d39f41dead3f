"""In a real browser: from an empty database to a programme with a site, staff, result goals and fidelity settings,
without a shell beyond the one documented command; and the evaluator finds no caseload page."""

import base64
import datetime
import time

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP

from jobbro.accounts.models import Membership, Programme, Role, Site, User
from jobbro.audit.models import ChangeLog
from jobbro.web.tests.browser_pickers import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "lang-nok-kodeord-til-test"


def code_from_key(key_text):
    """The code an authenticator app shows now for the key the set-up page prints (base32 in groups of four)."""
    key = base64.b32decode(key_text.replace(" ", ""))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_the_first_administrator_sets_up_a_programme_on_the_pages(
    page, live_server, monkeypatch, axe_check, screenshot
):
    monkeypatch.setenv("JOBBRO_ADMIN_PASSWORD", PASSWORD)
    call_command("create_administrator", "anna", "--no-input", "--first-name", "Anna")
    User.objects.create_user("jens", role=Role.JOB_BROKER, first_name="Jens", last_name="Jensen")

    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_password) [type=submit]").click()
    page.wait_for_selector(".jb-totp-key")  # an administrator sets up two-factor sign-in first
    page.fill("#id_token", code_from_key(page.locator(".jb-totp-key").inner_text()))
    page.locator("form:has(#id_token) [type=submit]").click()
    page.wait_for_selector("#setup-link")

    page.click("#setup-link")
    problems = axe_check(page)  # the programme list, empty
    page.click("#new-programme")
    page.fill("#id_name", "Job i Østjylland")
    page.fill("#id_starts_on", "2026-01-01")
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#programme-name")
    assert page.locator("#programme-name").inner_text() == "Job i Østjylland"

    page.click("#new-site")
    page.fill("#id_name", "Opsøgende team")
    page.select_option("#id_kind", "outreach_office")
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#sites [data-kind=outreach_office]")
    assert page.locator("#sites [data-kind=outreach_office]").inner_text() == "Opsøgende kontor"

    page.click("#new-membership")
    pick(page, "id_user", "jens", "Jens Jensen (jens, Jobformidler)")
    page.select_option("#id_site", label="Opsøgende team")
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#memberships [data-membership]")

    for deadline, target in (("2026-06-30", "20"), ("2026-12-31", "50")):
        page.click("#new-result-goal")
        page.select_option("#id_metric", "employed")
        page.fill("#id_target", target)
        page.fill("#id_deadline", deadline)
        page.click("#setup-form button[type=submit]")
        page.wait_for_selector("#result-goals")
    assert page.locator("#result-goals [data-result-goal]").count() == 2
    assert "30.06.2026" in page.locator("#result-goals").inner_text()

    # Deleting asks first: dismissed, nothing goes; accepted, the goal is deleted.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("#result-goals [data-result-goal] form button").first.click()
    page.wait_for_timeout(300)
    assert questions == ["Slet dette resultatmål?"]
    assert page.locator("#result-goals [data-result-goal]").count() == 2
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#result-goals [data-result-goal] form button").first.click()
    assert page.locator("#result-goals [data-result-goal]").count() == 1
    page.click("#new-result-goal")
    page.select_option("#id_metric", "employed")
    page.fill("#id_target", "20")
    page.fill("#id_deadline", "2026-06-30")
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#result-goals")
    assert page.locator("#result-goals [data-result-goal]").count() == 2

    page.click("#edit-settings")
    problems += axe_check(page)  # the settings form: every threshold and fidelity field
    page.fill("#id_fidelity_buddy_target", "90")
    page.uncheck("#id_fidelity_cv_updated_enabled")
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#fidelity-settings")
    assert "90" in page.locator("#fidelity-settings [data-indicator=buddy]").inner_text()
    problems += axe_check(page)
    assert not problems, "\n".join(v["summary"] for v in problems)
    screenshot(page, "setup-programme")

    programme = Programme.objects.get(name="Job i Østjylland")
    assert programme.settings == {"fidelity": {"buddy": {"target": 90}, "cv_updated": {"enabled": False}}}
    site = Site.objects.get(programme=programme)
    assert site.kind == Site.Kind.OUTREACH_OFFICE
    assert Membership.objects.filter(user__username="jens", programme=programme, site=site).exists()
    assert programme.result_goals.count() == 2
    actions = set(ChangeLog.objects.values_list("action", flat=True))
    assert {"create_programme", "create_site", "add_membership", "create_result_goal", "update_programme_settings"} <= (
        actions
    )


def test_the_evaluator_has_no_caseload_page(logged_in_page, live_server):
    programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
    evaluator = User.objects.create_user("eva", password=PASSWORD, role=Role.EVALUATOR, first_name="Eva")
    Membership.objects.create(user=evaluator, programme=programme)
    page = logged_in_page("eva", PASSWORD)
    assert page.locator("nav a[href='/caseload/']").count() == 0
    response = page.goto(live_server.url + "/caseload/")
    assert response.status == 404
