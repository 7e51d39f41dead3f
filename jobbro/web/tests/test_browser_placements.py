"""A job broker's journey in a real browser: a job package with milestones, a placement with a written
condition and a buddy, a coffee visit, new agreed hours, and a broken placement that sends the citizen
back to step 2. Plus the refusal of a placement with no agreement on hours, and axe on the two forms."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from jobbro.cases.actions import start_placement
from jobbro.cases.models import Contact, JobPlan, Placement, PlacementEndReason, Step
from jobbro.companies.models import Company, CompanyContact, NetworkAgreement
from jobbro.web.tests.browser_pickers import pick
from jobbro.web.tests.test_browser import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    w = make_world()
    w.company = Company.objects.create(
        cvr="10000009", name="Bageriet ApS", industry_code="107100", kind=Company.Kind.PRIVATE, city="Aarhus"
    )
    NetworkAgreement.objects.create(company=w.company, programme=w.programme, signed_on=datetime.date(2025, 2, 1))
    w.buddy = CompanyContact.objects.create(company=w.company, name="Lise Buddy", is_buddy=True)
    other = Company.objects.create(
        cvr="10000017", name="Andet Firma", industry_code="561010", kind=Company.Kind.PRIVATE
    )
    CompanyContact.objects.create(company=other, name="Ole Anden", is_buddy=True)
    return w


def assert_accessible(page, axe_check):
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)


def submit(page, label_selector="form[method=post] button[type=submit].button-primary"):
    with page.expect_navigation():
        page.locator(label_selector).last.click()


def test_a_job_broker_plans_places_follows_up_and_ends_a_broken_placement(
    world, page, logged_in_page, live_server, axe_check, screenshot
):
    today = timezone.localdate()
    e = world.enrolment
    citizen_url = f"{live_server.url}/citizens/{world.citizen.pk}/"
    logged_in_page("jobformidler", PASSWORD)

    # A job package towards a kitchen job, with three milestones; the one whose day has passed is flagged.
    page.goto(citizen_url)
    with page.expect_navigation():
        page.locator(f"#job-plans-{e.pk}").click()
    page.fill("#id_title", "Jobpakke: køkkenmedhjælper")
    page.check("#id_is_job_package")
    page.select_option("#id_target_occupation_code", "9412")
    page.fill("#id_created_on", (today - datetime.timedelta(days=30)).isoformat())
    submit(page)
    plan = JobPlan.objects.get(enrolment=e)
    assert plan.is_job_package and plan.target_occupation_code == "9412"
    for kind, title, due in (
        ("clarification", "Afklaring af ønsker", today - datetime.timedelta(days=5)),
        ("internship", "Praktik i køkken", today + datetime.timedelta(days=14)),
        ("target_job", "Småjob i køkkenet", today + datetime.timedelta(days=90)),
    ):
        page.select_option("#id_kind", kind)
        page.fill("#id_title", title)
        page.fill("#id_due_on", due.isoformat())
        submit(page, "#add-milestone ~ .jb-form button[type=submit]")
    milestones = page.locator("#milestones > li")
    assert milestones.count() == 3
    overdue = page.locator("#milestones > li[data-overdue=true]")
    assert overdue.count() == 1 and "Afklaring af ønsker" in overdue.inner_text()
    assert overdue.locator(".badge-error").is_visible()
    assert "Afklaring af ønsker" in page.locator("#plan-next").inner_text()
    screenshot(page, "job-plan")
    assert_accessible(page, axe_check)

    # Start an internship with a written condition for ordinary hours and the company's buddy.
    page.goto(citizen_url)
    assert page.locator(f".jb-plan-summary[data-plan='{plan.pk}'][data-overdue='1']").is_visible()
    with page.expect_navigation():
        page.locator(f"#start-placement-{e.pk}").click()
    assert page.locator("#id_buddy option", has_text="Ole Anden").count() == 1, (
        "without a company, every buddy is offered"
    )
    # The company is a searchable field: type, arrow down to it, Enter.
    assert pick(page, "id_company", world.company.name[:4], world.company.name) == str(world.company.pk)
    # HTMX narrows the buddies to the chosen company's.
    page.wait_for_function("!document.querySelector('#id_buddy').textContent.includes('Ole Anden')")
    page.select_option("#id_buddy", str(world.buddy.pk))
    page.select_option("#id_kind", "internship")
    page.fill("#id_purpose", "Afprøve køkkenarbejde og tempo")
    page.fill(
        "#id_ordinary_hours_condition", "Efter 4 uger: 4 betalte timer om ugen, hvis hun kan tage morgenvagten alene"
    )
    screenshot(page, "placement-start")
    assert_accessible(page, axe_check)
    submit(page)
    placement = Placement.objects.get(enrolment=e)
    assert (placement.kind, placement.buddy, placement.agreed_ordinary_hours) == ("internship", world.buddy, None)
    e.refresh_from_db()
    assert e.current_step == Step.IN_COMPANY
    assert "morgenvagten" in page.locator("#agreement").inner_text()

    # A coffee visit with the buddy, logged from the placement page, which it returns to.
    with page.expect_navigation():
        page.locator("#log-contact").click()
    assert page.locator("#id_company-value").input_value() == str(world.company.pk)
    assert page.locator("#id_company").input_value() == world.company.name
    page.select_option("#id_kind", "coffee_visit")
    page.check(f"input[name=company_contacts][value='{world.buddy.pk}']")
    page.fill("#id_note", "God stemning, starter mandag")
    screenshot(page, "contact-log")
    assert_accessible(page, axe_check)
    submit(page)
    contact = Contact.objects.get(enrolment=e)
    assert contact.kind == "coffee_visit" and list(contact.company_contacts.all()) == [world.buddy]
    assert list(contact.staff.all()) == [world.broker]
    assert page.locator(f"tr[data-contact='{contact.pk}']").is_visible()

    # The company can give 8 ordinary hours a week now.
    with page.expect_navigation():
        page.locator("#change-hours").click()
    page.fill("#id_ordinary_hours", "8")
    page.fill("#id_internship_hours", "12")
    submit(page)
    placement.refresh_from_db()
    assert placement.agreed_ordinary_hours == Decimal("8")
    assert page.locator("#agreement-hours").get_attribute("data-hours") in ("8", "8.0", "8,0")
    assert page.locator("#hours-history tbody tr").count() == 1
    screenshot(page, "placement")
    assert_accessible(page, axe_check)

    # It broke: not a match. The citizen goes back to step 2, and the step history keeps every move.
    with page.expect_navigation():
        page.locator("#end-placement").click()
    page.select_option("#id_reason", PlacementEndReason.NOT_A_MATCH)
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_back_to_step_2").is_checked()
    submit(page)
    assert page.url.rstrip("/") == citizen_url.rstrip("/")
    e.refresh_from_db()
    assert e.current_step == Step.TOWARDS_JOB
    assert list(e.step_changes.order_by("changed_on", "id").values_list("step", "changed_by")) == [
        (Step.CLARIFICATION, world.caseworker.pk),
        (Step.IN_COMPANY, world.broker.pk),
        (Step.TOWARDS_JOB, world.broker.pk),
    ]
    with translation.override("da"):
        step_2 = str(Step.TOWARDS_JOB.label)
    assert step_2 in page.locator("main").inner_text()
    screenshot(page, "placement-ended")


def test_a_placement_with_no_agreement_on_hours_is_refused_next_to_the_field(world, page, logged_in_page, live_server):
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/enrolments/{world.enrolment.pk}/placements/new/")
    pick(page, "id_company", world.company.name[:4], world.company.name)
    page.wait_for_load_state("networkidle")
    page.fill("#id_purpose", "Prøve lager")
    submit(page)
    error = page.locator("#id_agreed_ordinary_hours-error")
    assert error.is_visible()
    assert page.locator(".form-group.form-error #id_agreed_ordinary_hours").count() == 1, (
        "the message sits with the field"
    )
    assert page.locator("#id_purpose").input_value() == "Prøve lager", "the input is kept"
    assert page.locator("#error-summary").is_visible()
    assert not Placement.objects.exists()
    world.enrolment.refresh_from_db()
    assert world.enrolment.current_step == Step.CLARIFICATION


# --- A week without friction ------------------------------------------------------------------------


def test_the_start_form_agrees_internship_hours_and_a_running_placement_is_followed_up_not_doubled(
    world, page, logged_in_page, live_server
):
    logged_in_page("jobformidler", PASSWORD)
    e = world.enrolment
    citizen_url = f"{live_server.url}/citizens/{world.citizen.pk}/"
    page.goto(citizen_url)
    with page.expect_navigation():
        page.locator(f"#start-placement-{e.pk}").click()
    assert page.locator("#running-placements").count() == 0
    pick(page, "id_company", world.company.name[:4], world.company.name)
    page.wait_for_load_state("networkidle")
    page.select_option("#id_kind", "hybrid_internship")
    page.fill("#id_agreed_ordinary_hours", "4")
    page.fill("#id_agreed_internship_hours", "16")
    submit(page)
    placement = Placement.objects.get(enrolment=e)
    assert (placement.agreed_ordinary_hours, placement.agreed_internship_hours) == (Decimal(4), Decimal(16))
    first_agreement = placement.hours_changes.get()
    assert (first_agreement.ordinary_hours, first_agreement.internship_hours) == (Decimal(4), Decimal(16))
    assert page.locator("#agreement-internship-hours").get_attribute("data-hours") in ("16", "16.0")

    # On the citizen page the main button follows the running placement up; a new start is a plain link.
    page.goto(citizen_url)
    main = page.locator(f"section[data-enrolment='{e.pk}'] .button-primary")
    assert main.count() == 1
    assert main.get_attribute("id") == f"running-placement-{placement.pk}"
    assert world.company.name in main.inner_text()
    start_link = page.locator(f"#start-placement-{e.pk}")
    assert "button" not in (start_link.get_attribute("class") or "")
    assert page.locator(".jb-running-note").is_visible()
    # Starting another anyway: the form names the running placement first.
    with page.expect_navigation():
        start_link.click()
    running = page.locator("#running-placements")
    assert running.is_visible() and world.company.name in running.inner_text()


def test_internship_hours_that_break_the_week_rule_are_refused_next_to_the_field(
    world, page, logged_in_page, live_server
):
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/enrolments/{world.enrolment.pk}/placements/new/")
    pick(page, "id_company", world.company.name[:4], world.company.name)
    page.wait_for_load_state("networkidle")
    page.select_option("#id_kind", "hybrid_internship")
    page.fill("#id_agreed_ordinary_hours", "30")
    page.fill("#id_agreed_internship_hours", "31")
    submit(page)
    error = page.locator("#id_agreed_internship_hours-error")
    assert error.is_visible()
    assert "60" in error.inner_text()
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    ("reason", "ticked"),
    [
        (PlacementEndReason.HIRED, False),
        (PlacementEndReason.COMPLETED, False),
        (PlacementEndReason.NOT_A_MATCH, True),
        (PlacementEndReason.ILLNESS, True),
    ],
)
def test_the_end_form_ticks_back_to_step_2_only_when_the_placement_broke(
    world, page, logged_in_page, live_server, reason, ticked
):
    """The tracker: "employed with ordinary hours" kept "back to step 2" ticked."""
    placement = start_placement(
        acting_user=world.broker,
        enrolment=world.enrolment,
        company=world.company,
        kind="small_job",
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        agreed_ordinary_hours=8,
    )
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/placements/{placement.pk}/end/")
    box = page.locator("#id_back_to_step_2")
    assert box.is_checked()
    # Back and forth: each choice of reason sets the box again.
    page.select_option("#id_reason", str(reason))
    expect(box).to_be_checked(checked=ticked)
    page.select_option("#id_reason", PlacementEndReason.OTHER)
    expect(box).to_be_checked()
    page.select_option("#id_reason", str(reason))
    expect(box).to_be_checked(checked=ticked)
    submit(page)
    world.enrolment.refresh_from_db()
    assert world.enrolment.current_step == (Step.TOWARDS_JOB if ticked else Step.IN_COMPANY)


def test_a_box_changed_by_hand_after_the_reason_is_kept(world, page, logged_in_page, live_server):
    placement = start_placement(
        acting_user=world.broker,
        enrolment=world.enrolment,
        company=world.company,
        kind="small_job",
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        agreed_ordinary_hours=8,
    )
    logged_in_page("jobformidler", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{world.citizen.pk}/placements/{placement.pk}/end/")
    page.select_option("#id_reason", PlacementEndReason.HIRED)
    box = page.locator("#id_back_to_step_2")
    expect(box).not_to_be_checked()
    box.check()  # hired, but the job broker wants the citizen back in step 2 all the same
    submit(page)
    world.enrolment.refresh_from_db()
    assert world.enrolment.current_step == Step.TOWARDS_JOB
