"""The job broker's week, walked in a real browser on the demo programme.

This is the guide "A week with jobbro" in the README: each step asserts what the
broker must see or get done, and with JOBBRO_SCREENSHOTS=1 it writes the guide's
pictures to docs/screenshots/ (otherwise to test-artifacts/).
"""

import datetime

import pytest

from jobbro.accounts.models import User
from jobbro.cases.actions import monday_of
from jobbro.cases.models import KINDS_WITHOUT_WEEKLY_HOURS, Contact, Enrolment, JobPlan, Placement, Step, Timesheet
from jobbro.demo.generator import DEMO_PASSWORD, generate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    generate(citizens=120, seed=2026)
    return User.objects.get(username="jobformidler")


def running_placement_of(broker):
    today = datetime.date.today()
    return (
        Placement.objects.filter(
            enrolment__job_broker=broker,
            enrolment__ended_on__isnull=True,
            starts_on__lte=today,
            ended_on__isnull=True,
            enrolment__job_plans__milestones__isnull=False,
        )
        .exclude(kind__in=KINDS_WITHOUT_WEEKLY_HOURS)
        .select_related("enrolment__citizen")
        .distinct()
        .order_by("enrolment__citizen__last_name", "pk")
        .first()
    )


def test_a_week_with_jobbro(demo, logged_in_page, live_server, screenshot):
    broker = demo
    page = logged_in_page("jobformidler", DEMO_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 860})

    # Monday morning: Today lists what needs doing, each with a link to act.
    assert page.url.endswith("/today/")
    assert page.locator("h1").inner_text().strip()
    assert page.locator("main a[href*='/citizens/']").count() > 0
    screenshot(page, "guide-1-today", full_page=False)

    # Last week's hours: type, Tab, type, Enter — row after row, no page reloads.
    page.goto(f"{live_server.url}/hours/")
    last_monday = monday_of(datetime.date.today()) - datetime.timedelta(days=7)
    row = page.locator("#hours-table tbody tr[data-placement]").first
    placement_pk = int(row.get_attribute("data-placement"))
    ordinary = row.locator("input[name$='ordinary_hours']")
    ordinary.click()
    ordinary.fill("")
    page.keyboard.type("7,5")
    page.keyboard.press("Tab")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.locator(f"#row-{placement_pk}[data-status='saved']").wait_for()
    sheet = Timesheet.objects.get(placement_id=placement_pk, week_start=last_monday)
    assert (str(sheet.ordinary_hours), str(sheet.internship_hours)) == ("7.5", "0.0")
    screenshot(page, "guide-2-hours", full_page=False)

    # The citizen's page: facts, the written agreement, what happened.
    placement = running_placement_of(broker)
    citizen = placement.enrolment.citizen
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    assert citizen.full_name in page.locator("h1").inner_text()
    assert page.locator(".jb-timeline li").count() > 3
    screenshot(page, "guide-3-citizen", full_page=False)

    # A phone call with the buddy, logged in seconds: today and the company are filled in already.
    enrolment = placement.enrolment
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/enrolments/{enrolment.pk}/contacts/new/")
    page.fill("#id_note", "Ringede til buddy: det går godt, flere timer fra næste måned.")
    screenshot(page, "guide-4-contact", full_page=False)
    before = Contact.objects.filter(enrolment=enrolment).count()
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(f"**/citizens/{citizen.pk}/**")
    assert Contact.objects.filter(enrolment=enrolment).count() == before + 1

    # The job plan shows the citizen where they are and what comes next; overdue milestones stand out.
    plan = JobPlan.objects.filter(enrolment=enrolment, milestones__isnull=False).first()
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/enrolments/{enrolment.pk}/plans/{plan.pk}/")
    assert page.locator("main ol li, main ul li").count() >= plan.milestones.count()
    screenshot(page, "guide-5-plan", full_page=False)

    # The placement and its written agreement: visible to everyone on the case.
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/placements/{placement.pk}/")
    assert placement.company.name in page.locator("main").inner_text()
    screenshot(page, "guide-6-placement", full_page=False)

    # The CV, written together, printable as one page for the company.
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/cv/")
    assert page.locator(f"a[href='/citizens/{citizen.pk}/cv.pdf']").count() >= 1
    screenshot(page, "guide-7-cv", full_page=False)

    assert Enrolment.objects.get(pk=enrolment.pk).current_step == Step.IN_COMPANY
