"""One journey in a real browser: a caseworker refers a new citizen (and a second referral with the same CPR
number is refused next to the field), a job broker records the upskilling decision, changes step, fills in
the end form and a follow-up; the citizen page's timeline shows it all. Axe checks the referral, upskilling and end forms."""

import datetime

import pytest
from django.utils import translation
from playwright.sync_api import expect

from jobbro.accounts.models import Membership, Programme, Role, Site, TargetGroup, User
from jobbro.cases.models import Enrolment, Outcome, Step
from jobbro.people import cpr
from jobbro.people.models import Citizen
from jobbro.web.tests.browser_pickers import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"
CPR_NUMBER = "120588-1235"


@pytest.fixture
def world():
    programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
    site = Site.objects.create(programme=programme, name="Aarhus Kommune", municipality_code="751")
    caseworker = User.objects.create_user(
        "sagsbehandler", password=PASSWORD, first_name="Sara", last_name="Behandler", role=Role.CASEWORKER
    )
    Membership.objects.create(user=caseworker, programme=programme, site=site)
    broker = User.objects.create_user(
        "jobformidler", password=PASSWORD, first_name="Jonas", last_name="Formidler", role=Role.JOB_BROKER
    )
    Membership.objects.create(user=broker, programme=programme, site=site)
    group = TargetGroup.objects.create(code="under-30", name="Unge under 30")
    return programme, site, caseworker, broker, group


def danish(message):
    with translation.override("da"):
        return translation.gettext(message)


def test_refer_decide_on_upskilling_change_step_end_and_follow_up(
    world, logged_in_page, live_server, axe_check, screenshot
):
    programme, site, caseworker, broker, group = world

    # --- The caseworker refers a new citizen ---
    page = logged_in_page("sagsbehandler", PASSWORD)
    page.locator("nav.jb-nav a[href='/referrals/new/']").click()
    page.fill("#id_cpr_number", CPR_NUMBER)
    page.locator("#referral-cpr-form [type=submit]").click()
    page.wait_for_selector("#referral-form")
    assert page.input_value("#id_cpr_number") == CPR_NUMBER
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.select_option("#id_site", str(site.pk))
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_last_name", "Khalil")
    page.select_option("#id_benefit_type", "kontanthjaelp")
    page.locator("label[for='id_target_groups_0']").click()
    page.select_option("#id_traffic_light", "yellow")
    page.fill("#id_estimated_weekly_hours", "7,5")
    page.fill("#id_referral_text", "Vil gerne arbejde i et køkken.")
    assert pick(page, "id_job_broker", "jonas", "Jonas Formidler") == str(broker.pk)
    screenshot(page, "referral-form")
    with page.expect_navigation():
        page.locator("#referral-form [type=submit]").click()

    citizen = Citizen.objects.get(cpr_hash=cpr.lookup_hash(cpr.normalise(CPR_NUMBER)))
    enrolment = citizen.enrolments.get()
    assert page.url.rstrip("/").endswith(f"/citizens/{citizen.pk}")
    assert (enrolment.job_broker, enrolment.caseworker, str(enrolment.estimated_weekly_hours)) == (
        broker,
        caseworker,
        "7.5",
    )
    assert list(citizen.target_groups.all()) == [group]

    # --- The same CPR number again: refused next to the field, the number kept, nothing saved ---
    page.locator("nav.jb-nav a[href='/referrals/new/']").click()
    page.fill("#id_cpr_number", CPR_NUMBER.replace("-", ""))
    page.locator("#referral-cpr-form [type=submit]").click()
    error = page.locator("#id_cpr_number-error")
    error.wait_for()
    assert danish("This citizen is already enrolled in the programme.") in error.inner_text()
    assert page.locator(".form-group.form-error #id_cpr_number").count() == 1
    assert page.input_value("#id_cpr_number") == CPR_NUMBER.replace("-", "")
    assert (Citizen.objects.count(), Enrolment.objects.count()) == (1, 1)
    screenshot(page, "referral-duplicate-cpr")

    # --- The job broker takes over ---
    page.context.clear_cookies()
    page = logged_in_page("jobformidler", PASSWORD)
    citizen_url = f"{live_server.url}/citizens/{citizen.pk}/"
    page.goto(citizen_url)
    assert page.locator(f"[data-upskilling-missing='{enrolment.pk}']").is_visible()
    screenshot(page, "citizen-upskilling-missing")

    page.locator("[data-action=upskilling]").click()
    page.wait_for_selector("#upskilling-form")
    violations = axe_check(page)  # the yes/no radio buttons are a fieldset of their own
    assert not violations, "\n".join(v["summary"] for v in violations)
    page.locator("label[for='id_wanted_1']").click()  # no
    page.fill("#id_reason", "Vil først have fodfæste i et job")
    with page.expect_navigation():
        page.locator("#upskilling-form [type=submit]").click()
    assert page.locator("[data-upskilling-missing]").count() == 0

    page.locator("[data-action=step]").click()
    screenshot(page, "step-change")
    page.select_option("#id_step", str(Step.TOWARDS_JOB))
    page.fill("#id_note", "Klar til at møde virksomheder")
    with page.expect_navigation():
        page.locator("#step-form [type=submit]").click()

    page.locator("[data-action=end]").click()
    page.wait_for_selector("#end-form")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    page.select_option("#id_status", "ordinary_job")
    screenshot(page, "end-form")
    with page.expect_navigation():
        page.locator("#end-form [type=submit]").click()

    page.locator("[data-action=follow-up]").click()
    page.select_option("#id_status", "ordinary_job")
    with page.expect_navigation():
        page.locator("#follow-up-form [type=submit]").click()

    # --- The record and the timeline ---
    enrolment.refresh_from_db()
    assert enrolment.current_step == Step.ENDED and enrolment.ended_on is not None
    assert list(enrolment.outcomes.values_list("kind", flat=True)) == [Outcome.Kind.EXIT, Outcome.Kind.FOLLOW_UP]
    assert list(enrolment.upskilling_decisions.values_list("wanted", flat=True)) == [False]
    assert page.url == citizen_url
    assert page.locator(".jb-event--referral").count() == 1
    steps = page.locator(".jb-event--step").all_inner_texts()
    assert len(steps) == 3
    assert sum("Jonas Formidler" in text for text in steps) == 2  # step 2 and the end, both by the job broker
    assert sum("Sara Behandler" in text for text in steps) == 1  # the referral's step 1
    assert page.locator(".jb-event--outcome").count() == 2
    assert page.locator(f"[data-enrolment-actions='{enrolment.pk}'] [data-action]").count() == 1  # follow-up only
    screenshot(page, "citizen-after-exit")


# --- A week without friction ------------------------------------------------------------------------


def test_the_referral_marks_required_fields_says_the_number_is_new_names_roles_and_fills_in_the_town(
    world, logged_in_page, live_server, axe_check
):
    programme, site, caseworker, broker, group = world
    page = logged_in_page("sagsbehandler", PASSWORD)
    page.goto(f"{live_server.url}/referrals/new/")
    assert page.locator("label[for=id_cpr_number] .jb-required").count() == 1
    assert page.locator("#required-note").is_visible()
    page.fill("#id_cpr_number", CPR_NUMBER)
    page.locator("#referral-cpr-form [type=submit]").click()
    page.wait_for_selector("#referral-form")

    # The second step says the number is new.
    notice = page.locator("#new-citizen")
    assert notice.is_visible() and CPR_NUMBER in notice.inner_text()
    assert danish("New citizen: %(number)s") % {"number": CPR_NUMBER} in notice.inner_text()

    # Required fields carry a mark, optional ones none.
    for name in ("site", "first_name", "last_name", "benefit_type", "traffic_light", "referred_on"):
        assert page.locator(f"label[for=id_{name}] .jb-required").count() == 1, name
    # The citizen may give no estimate of weekly hours, and the start form may be filled later.
    optional = ("estimated_weekly_hours", "started_on")
    for name in ("phone", "email", "address", "postcode", "city", "job_broker", "caseworker", *optional):
        assert page.locator(f"label[for=id_{name}] .jb-required").count() == 0, name

    # The postcode fills in the town; a town typed by hand is not overwritten.
    page.fill("#id_postcode", "8210")
    expect(page.locator("#id_city")).to_have_value("Aarhus V")
    page.fill("#id_postcode", "8900")
    expect(page.locator("#id_city")).to_have_value("Randers C")
    page.fill("#id_city", "Randers")
    page.fill("#id_postcode", "8000")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#id_city") == "Randers"
    page.fill("#id_city", "")
    page.fill("#id_postcode", "8220")
    expect(page.locator("#id_city")).to_have_value("Brabrand")

    # The staff list names each one's role, not the programme every one of them shares.
    page.fill("#id_job_broker", "jonas")
    option = page.locator("#id_job_broker-options [role=option]").first
    option.wait_for()
    assert option.inner_text().strip() == f"Jonas Formidler · {danish('Job broker')}"
    assert programme.name not in option.inner_text()
    page.keyboard.press("Escape")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.select_option("#id_site", str(site.pk))
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_last_name", "Khalil")
    page.select_option("#id_benefit_type", "kontanthjaelp")
    page.select_option("#id_traffic_light", "yellow")
    page.fill("#id_estimated_weekly_hours", "7,5")
    assert pick(page, "id_job_broker", "jonas", "Jonas Formidler") == str(broker.pk)
    with page.expect_navigation():
        page.locator("#referral-form [type=submit]").click()
    citizen = Citizen.objects.get(cpr_hash=cpr.lookup_hash(cpr.normalise(CPR_NUMBER)))
    assert (citizen.postcode, citizen.city) == ("8220", "Brabrand")
