"""In a real browser: a job broker opens an event held yesterday, marks who came and who did not, and saves; the
page is accessible (axe) before and after."""

import pytest

from jobbro.outreach import actions
from jobbro.outreach.models import EventKind, RegistrationState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


def test_a_job_broker_records_attendance_at_an_event(
    alice, bob, alices_enrolment, make_event, logged_in_page, live_server, axe_check
):
    event = make_event(EventKind.CLUSTER_MEETING, days=-1, title="Klyngemøde i Aarhus")
    citizen = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    colleague = actions.register(acting_user=alice, event=event, user=bob)
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/events/")
    page.get_by_role("link", name="Klyngemøde i Aarhus").first.click()
    page.wait_for_selector("#registration-table")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.locator(f"label[for='attended-{citizen.pk}-yes']").click()
    page.locator(f"label[for='attended-{colleague.pk}-no']").click()
    with page.expect_navigation():
        page.locator("#save-attendance").click()

    citizen.refresh_from_db()
    colleague.refresh_from_db()
    assert (citizen.state, colleague.state) == (RegistrationState.ATTENDED, RegistrationState.NO_SHOW)
    assert page.locator(f"tr[data-registration='{citizen.pk}']").get_attribute("data-state") == "attended"
    assert page.locator(f"tr[data-registration='{colleague.pk}']").get_attribute("data-state") == "no_show"
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
