"""In a real browser on a phone (390 × 844, touch): a buddy opens their link, confirms one week's hours, corrects
another's and writes a week nobody registered, and a citizen reads their own page; both pages fit the screen, lead
nowhere into jobbro and have no serious accessibility problem."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jobbro.cases import actions as case_actions
from jobbro.cases.models import Milestone, Timesheet
from jobbro.conftest import ALICES_CPR
from jobbro.portal import links
from jobbro.portal.models import Audience
from jobbro.portal.views import last_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="da-DK", viewport=PHONE, has_touch=True, is_mobile=True, bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def path_of(url):
    return "/" + url.split("/", 3)[3]


def assert_phone_page(page, axe_check, *, last_names):
    html = page.content()
    for name in last_names:
        assert name not in html
    assert ALICES_CPR not in html and ALICES_CPR.replace("-", "") not in html
    # Nothing leads into jobbro: no header, menu or link other than the page's own.
    assert page.locator("nav, header").count() == 0
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all("/link/" in href for href in hrefs), hrefs
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)


def test_a_buddy_confirms_corrects_and_writes_last_week_s_hours_on_a_phone(
    phone, live_server, alices_enrolment, bobs_enrolment, refer, alice, buddy, start, caseworker, coordinator, axe_check
):
    monday = last_monday(timezone.localdate())
    started = monday - datetime.timedelta(days=21)
    mette = start(alices_enrolment, buddy=buddy, starts_on=started)
    ahmed = start(bobs_enrolment, buddy=buddy, starts_on=started)
    # Nobody has registered Ib's week: Birgit writes it.
    ib = start(refer(first_name="Ib", last_name="Ingemann", job_broker=alice), buddy=buddy, starts_on=started)
    sheets = {
        placement.pk: case_actions.register_hours(
            acting_user=caseworker, placement=placement, week_start=monday, ordinary_hours=hours, internship_hours=0
        )
        for placement, hours in ((mette, 7), (ahmed, 12))
    }
    _link, url = links.issue(acting_user=coordinator, audience=Audience.BUDDY, target=buddy)

    phone.goto(live_server.url + path_of(url))
    assert phone.locator("h1").inner_text() == "Café Havnen"
    assert phone.locator(f"#placement-{mette.pk} .jb-first-name").inner_text() == "Mette"
    assert phone.locator(f"#placement-{ahmed.pk} .jb-first-name").inner_text() == "Ahmed"
    assert_phone_page(phone, axe_check, last_names=["Sørensen", "Hassan", "Ingemann"])

    # Mette's week is right: one tap.
    with phone.expect_navigation():
        phone.locator(f"#confirm-{sheets[mette.pk].pk}").tap()
    assert phone.locator("#done").is_visible()
    assert phone.locator(f"#confirmed-{sheets[mette.pk].pk}").is_visible()

    # Ahmed worked 10 hours, not 12: the correction waits for the job broker.
    ahmeds = sheets[ahmed.pk].pk
    phone.locator(f"#correct-open-{ahmeds}").tap()
    phone.locator(f"#id_t{ahmeds}-ordinary_hours").fill("10,5")
    with phone.expect_navigation():
        phone.locator(f"#correct-{ahmeds}").tap()
    assert phone.locator(f"#corrected-{ahmeds}").is_visible()
    assert_phone_page(phone, axe_check, last_names=["Sørensen", "Hassan", "Ingemann"])

    phone.locator(f"#id_p{ib.pk}-ordinary_hours").fill("6")
    with phone.expect_navigation():
        phone.locator(f"#report-{ib.pk}").tap()
    assert phone.locator("#done").is_visible()
    written = Timesheet.objects.get(placement=ib, week_start=monday)
    assert written.ordinary_hours == 6 and written.confirmed_by_company
    assert_phone_page(phone, axe_check, last_names=["Sørensen", "Hassan", "Ingemann"])

    confirmed = Timesheet.objects.get(pk=sheets[mette.pk].pk)
    corrected = Timesheet.objects.get(pk=ahmeds)
    assert confirmed.confirmed_by_company and confirmed.ordinary_hours == 7
    assert corrected.ordinary_hours == 12 and corrected.company_corrected_hours == Decimal("10.5")


def test_a_citizen_reads_their_plan_meetings_and_hours_on_a_phone(
    phone, live_server, alices_enrolment, bobs_enrolment, start, caseworker, alice, axe_check
):
    today = timezone.localdate()
    monday = last_monday(today)
    mette = start(alices_enrolment, starts_on=monday - datetime.timedelta(days=14))
    ahmed = start(bobs_enrolment, starts_on=monday - datetime.timedelta(days=14))
    for placement, hours in ((mette, 7), (ahmed, 23)):
        case_actions.register_hours(
            acting_user=caseworker, placement=placement, week_start=monday, ordinary_hours=hours, internship_hours=0
        )
    plan = case_actions.create_job_plan(
        acting_user=caseworker, enrolment=alices_enrolment, title="Fortrolig plan", created_on=today
    )
    case_actions.add_milestone(
        acting_user=caseworker, plan=plan, kind=Milestone.Kind.COURSE, due_on=today + datetime.timedelta(days=10)
    )
    _link, url = links.issue(acting_user=alice, audience=Audience.CITIZEN, target=alices_enrolment.citizen)

    phone.goto(live_server.url + path_of(url))
    assert phone.locator("h1").inner_text() == "Hej Mette"
    assert "Du arbejder i en virksomhed" in phone.locator("#step-text").inner_text()
    assert "Kursus" in phone.locator("#plan-next").inner_text()
    assert "Fortrolig plan" not in phone.content()
    rows = phone.locator("#hours-table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "7" in rows[0] and "23" not in rows[0]
    assert_phone_page(phone, axe_check, last_names=["Sørensen", "Hassan", "Ahmed"])
