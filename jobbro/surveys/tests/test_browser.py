"""A citizen answers a questionnaire at their link on a phone: a missing answer is named at its question, the answers
are sent once, and the page passes axe."""

import pytest

from jobbro.accounts.models import Role, User
from jobbro.surveys import actions
from jobbro.surveys.models import Answer
from jobbro.surveys.tests.conftest import build, questions
from jobbro.web.tests.test_browser import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_a_citizen_answers_on_a_phone(page, live_server, axe_check):
    world = make_world()
    coordinator = User.objects.create_user("koordinator", password=PASSWORD, role=Role.COORDINATOR)
    coordinator.memberships.create(programme=world.programme)
    questionnaire = build(coordinator, world.programme)
    [(_invitation, link)] = actions.send(
        acting_user=coordinator, questionnaire=questionnaire, recipients=[world.enrolment], message=False
    )
    scale, yes_no, _choice, text = questions(questionnaire)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + link[link.index("/spoergeskema/") :])
    assert page.locator("h1").inner_text() == questionnaire.title
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator(f"label[for='id_q{scale.pk}_3']").click()  # the scale's 4
    page.fill(f"#id_q{text.pk}", "Mere kontakt med virksomheden")
    with page.expect_navigation():
        page.get_by_role("button", name="Send mine svar").click()
    error = page.locator(f"#id_q{yes_no.pk}-error")
    assert error.inner_text() == "Vælg et svar."
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.locator(f"label[for='id_q{yes_no.pk}_0']").click()  # yes
    with page.expect_navigation():
        page.get_by_role("button", name="Send mine svar").click()
    assert page.locator("h1").inner_text() == "Tak for dine svar"
    assert sorted(Answer.objects.values_list("number", flat=True), key=str) == [1, 4, None]
    assert Answer.objects.get(question=text).text == "Mere kontakt med virksomheden"
    page.goto(live_server.url + link[link.index("/spoergeskema/") :])
    assert page.locator("h1").inner_text() == "Spørgeskemaet kan ikke åbnes"


def test_a_coordinator_builds_and_reads_the_results_in_the_browser(page, live_server, logged_in_page, axe_check):
    world = make_world()
    coordinator = User.objects.create_user("koordinator", password=PASSWORD, role=Role.COORDINATOR)
    coordinator.memberships.create(programme=world.programme)
    questionnaire = build(coordinator, world.programme, opened=False)
    _first, second, *_rest = questions(questionnaire)
    logged_in_page("koordinator", PASSWORD)
    page.goto(f"{live_server.url}/questionnaires/{questionnaire.pk}/")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    # Moving a question answers with the page, of which the list is swapped in place (HTMX).
    page.get_by_role("button", name="Flyt spørgsmål 2 op").click()
    page.wait_for_function(f"document.querySelector('#questions li').dataset.question === '{second.pk}'")
    with page.expect_navigation():
        page.locator("#open-button").click()
    assert page.locator("#questionnaire-status").inner_text() == "Åben"
    actions.send(acting_user=coordinator, questionnaire=questionnaire, recipients=[world.enrolment], message=False)
    page.goto(f"{live_server.url}/questionnaires/{questionnaire.pk}/results/")
    assert page.locator("#total-rate").inner_text() == "0,0 %"
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    page.goto(f"{live_server.url}/questionnaires/{questionnaire.pk}/send/")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
