"""In a real browser on a tablet-sized screen (768 × 1024, portrait, touch): the self-assessment opened on this device
or by code, answered with touch-sized buttons, thanked for, saved, and with no serious accessibility problem."""

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext, override

from jobbro.cases import actions
from jobbro.cases.models import ProgressionAssessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"  # the shared fixtures' password
TABLET = {"width": 768, "height": 1024}
ANSWERS = {
    "work_ability": 3,
    "keep_job_ability": 4,
    "physical_health": 5,
    "mental_health": 6,
    "sleep": 7,
    "family_relations": 8,
    "belief_in_job_chances": 10,
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def danish(text):
    """The page's text in Danish, whichever strings the catalogue has translated so far."""
    with override("da"):
        return gettext(text)


def answer_every_question_by_touch(page, tap=False):
    for dimension, score in ANSWERS.items():
        option = page.locator(f'label[for="id_{dimension}_{score - 1}"]')
        option.tap() if tap else option.click()
        assert page.locator(f"#id_{dimension}_{score - 1}").is_checked()


def assert_touch_sized(page):
    boxes = page.locator(".jb-scale-option label").evaluate_all(
        "labels => labels.map(l => { const r = l.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert len(boxes) == 70
    too_small = [box for box in boxes if box[0] < 44 or box[1] < 44]
    assert not too_small, f"touch targets under 44 px: {too_small[:5]}"
    # Every question's ten buttons fit across the tablet: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    submit = page.locator("button[type=submit]").bounding_box()
    assert submit["height"] >= 44


def assert_nothing_leads_out(page, citizen):
    html = page.content()
    assert citizen.last_name not in html
    assert page.locator("a[href]:not([href^='#'])").count() == 0
    assert page.locator("nav, header").count() == 0


def test_open_on_this_device_answer_by_touch_and_hand_back(
    page, logged_in_page, live_server, alices_enrolment, axe_check
):
    citizen = alices_enrolment.citizen
    page.set_viewport_size(TABLET)
    logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")

    with page.expect_navigation():
        page.locator(f"#self-assessment-tablet-{alices_enrolment.pk}").click()
    code = page.locator("#invitation-code").inner_text()
    assert len(code.replace(" ", "")) == 6
    assert not axe_check(page), "\n".join(v["summary"] for v in axe_check(page))

    with page.expect_navigation():
        page.locator("#open-on-this-device").click()
    assert "/vurdering/" in page.url
    assert page.locator("h1").inner_text() == danish("Hello %(first_name)s") % {"first_name": "Mette"}
    assert_nothing_leads_out(page, citizen)
    assert_touch_sized(page)
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    # Sending with a question unanswered keeps the answers and points at the missing question.
    answer_every_question_by_touch(page)
    page.locator("#id_sleep_6").evaluate("e => { e.checked = false; }")
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    assert page.locator("#error-summary").is_visible()
    assert page.locator("[data-question=sleep] .form-error-message").is_visible()
    assert page.locator("#id_work_ability_2").is_checked(), "the other answers are kept"
    assert not ProgressionAssessment.objects.exists()
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.locator('label[for="id_sleep_6"]').click()
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    assert page.url.endswith("/vurdering/tak/")
    assert danish("Your answers are saved. Please hand the tablet back.") in page.locator("main").inner_text()
    assert_nothing_leads_out(page, citizen)
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    saved = ProgressionAssessment.objects.get()
    assert {d: getattr(saved, d) for d in ANSWERS} == ANSWERS
    assert saved.enrolment == alices_enrolment and saved.assessed_on == timezone.localdate()

    # The tablet was logged out before it was handed over: the case cannot be reached from it.
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    assert "/login/" in page.url


def test_a_code_typed_on_another_tablet_in_portrait_opens_the_questionnaire(
    browser, logged_in_page, live_server, alices_enrolment, alice, axe_check
):
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{alices_enrolment.citizen_id}/")
    with page.expect_navigation():
        page.locator(f"#self-assessment-tablet-{alices_enrolment.pk}").click()
    code = page.locator("#invitation-code").inner_text()

    tablet = browser.new_context(locale="da-DK", viewport=TABLET, has_touch=True, is_mobile=True, bypass_csp=True)
    try:
        other = tablet.new_page()
        other.goto(f"{live_server.url}/vurdering/")
        violations = axe_check(other)
        assert not violations, "\n".join(v["summary"] for v in violations)
        other.locator("input[name=code]").fill(code)
        with other.expect_navigation():
            other.locator("button[type=submit]").tap()
        assert_touch_sized(other)
        assert_nothing_leads_out(other, alices_enrolment.citizen)
        answer_every_question_by_touch(other, tap=True)
        with other.expect_navigation():
            other.locator("button[type=submit]").tap()
        assert other.url.endswith("/vurdering/tak/")
    finally:
        tablet.close()
    assert ProgressionAssessment.objects.get().belief_in_job_chances == 10
    # The staff member's own session is untouched on their own device, and the page shows the scores over time.
    actions.record_self_assessment(
        acting_user=alice,
        enrolment=alices_enrolment,
        assessed_on=alices_enrolment.referred_on,
        scores=dict.fromkeys(ANSWERS, 2),
    )
    page.goto(f"{live_server.url}/citizens/{alices_enrolment.citizen_id}/")
    assert "/login/" not in page.url
    assert page.locator("th[data-assessment]").count() == 2
    assert page.locator(".jb-progression-chart svg").count() == 1
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
