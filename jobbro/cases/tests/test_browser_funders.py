"""In a real browser: the job broker fills in the funder's participant form from the citizen's page, and the
coordinator's page Deltagerskemaer lists whose answers are missing; both pages pass axe-core's WCAG 2.1 A and AA rules
with no serious or critical violation (docs/funders.md)."""

import pytest

from jobbro.cases.models import ParticipantForm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"  # the shared fixtures' password


def test_the_participant_form_is_filled_from_the_case_and_leaves_the_missing_list(
    alice, coordinator, refer, logged_in_page, live_server, axe_check
):
    enrolment = refer(first_name="Vera", last_name="Venter", job_broker=alice)
    page = logged_in_page("kim", PASSWORD)
    page.goto(
        f"{live_server.url}/funders/participant-forms/?programme={enrolment.programme_id}&first=2025-01-01&last=2025-12-31"
    )
    problems = axe_check(page)
    assert page.locator("#missing-answers").get_attribute("data-count") == "1"
    assert "Vera Venter" in page.locator(f"tr[data-enrolment='{enrolment.pk}']").inner_text()
    page.locator("#export-columns li").first.wait_for()
    assert page.locator("#export-columns li").count() == 17

    page.context.clear_cookies()
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{enrolment.citizen_id}/")
    details = page.locator(f"[data-participant-form='{enrolment.pk}']")
    assert details.get_attribute("data-missing") == "3"
    details.locator("summary").click()
    details.locator("[data-action='participant-form']").click()
    page.wait_for_load_state()
    problems += axe_check(page)
    page.locator("#id_sex").select_option("not_stated")
    page.locator("#id_education_level").select_option("isced_0_2")
    page.locator("#id_status_at_entry").select_option("unemployed")
    page.get_by_role("button", name="Gem deltagerskemaet").click()
    page.wait_for_load_state()
    assert ParticipantForm.objects.get(enrolment=enrolment).sex == "not_stated"
    assert page.locator(f"[data-participant-form='{enrolment.pk}']").get_attribute("data-missing") == "0"

    page.context.clear_cookies()
    page = logged_in_page("kim", PASSWORD)
    page.goto(
        f"{live_server.url}/funders/participant-forms/?programme={enrolment.programme_id}&first=2025-01-01&last=2025-12-31"
    )
    assert page.locator("#missing-answers").get_attribute("data-count") == "0"
    assert not problems, "serious or critical WCAG violations:\n" + "\n".join(v["summary"] for v in problems)
