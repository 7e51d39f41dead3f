"""Booking a meeting from the citizen page in a real browser: the form, the meeting page in Danish times, the
invitations queued, and no accessibility violations (axe) on the form and the meeting page."""

import pytest

from jobbro.meetings.models import Meeting
from jobbro.messaging.models import Message
from jobbro.people.models import Citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"  # the shared fixtures' password


def test_a_job_broker_books_a_meeting_from_the_citizen_page(
    alice, alices_enrolment, company, logged_in_page, live_server, axe_check
):
    Citizen.objects.filter(pk=alices_enrolment.citizen_id).update(email="mette@example.dk")
    alice.email = "alice@jobcenter.dk"
    alice.save(update_fields=["email"])
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{alices_enrolment.citizen_id}/")
    page.wait_for_load_state()
    page.locator("#book-meeting-link").click()
    page.wait_for_load_state()
    assert "Med Mette Sørensen" in page.locator("#meeting-for").inner_text()
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.select_option("select[name='kind']", "three_month_talk")
    page.fill("input[name='day']", "2027-03-26")
    page.fill("input[name='starts']", "10:00")
    page.fill("input[name='ends']", "11:00")
    page.fill("input[name='address']", "Jobcentret, Værkmestergade 1, 8000 Aarhus C")
    page.locator("#book-meeting").click()
    page.wait_for_load_state()

    meeting = Meeting.objects.get()
    assert page.url.endswith(f"/meetings/{meeting.pk}/")
    assert page.locator("#meeting-title").inner_text() == "Tremånederssamtale"
    assert page.locator("#meeting-time").inner_text() == "26.03.2027 kl. 10.00–11.00"
    assert page.locator("#meeting-state").inner_text().startswith("Planlagt")
    # The job broker's own invitation is queued; the citizen's waits for her consent to e-mail.
    assert list(Message.objects.values_list("to", flat=True)) == ["alice@jobcenter.dk"]
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    page.locator("#step-move").click()
    page.fill("input[name='move-starts']", "13:00")
    page.fill("input[name='move-ends']", "14:00")
    page.locator("#submit-move").click()
    page.wait_for_load_state()
    assert page.locator("#meeting-time").inner_text() == "26.03.2027 kl. 13.00–14.00"
    assert page.locator("#meeting-history li").count() == 2
    assert Message.objects.filter(dedupe_key__startswith=f"meeting-{meeting.pk}-1-").count() == 1
