"""The meeting pages: booking from the citizen, company, placement and match pages, changing, and the denials."""

import pytest
from django.urls import reverse

from jobbro.audit.models import AccessLog
from jobbro.conftest import make_opening
from jobbro.matching import actions as match_actions
from jobbro.meetings.models import Meeting, MeetingState
from jobbro.messaging.models import Message

pytestmark = pytest.mark.django_db


def booking(**overrides):
    data = {
        "kind": "three_month_talk",
        "day": "2027-03-26",
        "starts": "10:00",
        "ends": "11:00",
        "place_kind": "address",
        "address": "Jobcentret, Værkmestergade 1",
        "invite_citizen": "on",
        "note": "",
    }
    data.update(overrides)
    return data


def test_the_citizen_page_links_to_booking_and_lists_the_meeting(client, alice, alices_citizen):
    client.force_login(alice)
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": alices_citizen.pk}))
    assert f"{reverse('meeting_new')}?citizen={alices_citizen.pk}" in page.content.decode()
    url = f"{reverse('meeting_new')}?citizen={alices_citizen.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, booking())
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meeting_detail", kwargs={"pk": meeting.pk})
    assert meeting.kind == "three_month_talk" and meeting.enrolment.citizen == alices_citizen
    detail = client.get(response["Location"]).content.decode()
    assert "26.03.2027 kl. 10.00–11.00" in detail
    assert AccessLog.objects.filter(citizen_ref=alices_citizen.pk, view="meeting_detail").exists()
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": alices_citizen.pk})).content.decode()
    assert f'data-meeting="{meeting.pk}"' in page and "26.03.2027 kl. 10.00" in page


def test_a_refused_booking_keeps_the_input_and_saves_nothing(client, alice, alices_citizen):
    client.force_login(alice)
    url = f"{reverse('meeting_new')}?citizen={alices_citizen.pk}"
    response = client.post(url, booking(ends="09:00", address=""))
    assert response.status_code == 400
    assert not Meeting.objects.exists() and not Message.objects.exists()


def test_move_cancel_through_the_pages(client, alice, alices_citizen):
    client.force_login(alice)
    client.post(f"{reverse('meeting_new')}?citizen={alices_citizen.pk}", booking())
    meeting = Meeting.objects.get()
    move = client.post(
        reverse("meeting_move", kwargs={"pk": meeting.pk}),
        {
            "move-day": "2027-03-29",
            "move-starts": "13:00",
            "move-ends": "14:00",
            "move-place_kind": "address",
            "move-address": "Jobcentret, Værkmestergade 1",
        },
    )
    assert move.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    cancel = client.post(
        reverse("meeting_cancel", kwargs={"pk": meeting.pk}),
        {"cancel-cancelled_by": "citizen", "cancel-reason": "illness"},
    )
    assert cancel.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED and meeting.sequence == 2


def test_booking_from_the_match_page_books_the_match(client, alice, alices_enrolment, company, buddy, programme):
    opening = make_opening(company, programme, "Opvask", buddy=buddy)
    proposal = match_actions.propose_match(acting_user=alice, enrolment=alices_enrolment, opening=opening)
    client.force_login(alice)
    assert f"?match={proposal.pk}" in client.get(reverse("match_proposals")).content.decode()
    url = f"{reverse('meeting_new')}?match={proposal.pk}"
    form = client.get(url).content.decode()
    assert "three_month_talk" not in form  # a match is settled at a coffee visit or a match meeting
    response = client.post(url, booking(kind="match_meeting", company_contacts=[buddy.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "meeting_booked"
    assert Meeting.objects.get().participants.filter(company_contact=buddy).exists()


def test_the_company_page_books_a_meeting_with_the_company(client, coordinator, company, programme):
    client.force_login(coordinator)
    page = client.get(reverse("company_detail", kwargs={"pk": company.pk})).content.decode()
    assert f"?company={company.pk}" in page
    response = client.post(
        f"{reverse('meeting_new')}?company={company.pk}", booking(kind="follow_up", programme=programme.pk)
    )
    assert response.status_code == 302
    assert Meeting.objects.get().company == company


def test_outsiders_get_404_on_the_booking_form_and_the_meeting(client, alice, charlie, manager, alices_citizen):
    client.force_login(alice)
    client.post(f"{reverse('meeting_new')}?citizen={alices_citizen.pk}", booking())
    meeting = Meeting.objects.get()
    for outsider in (charlie, manager):
        client.force_login(outsider)
        assert client.get(f"{reverse('meeting_new')}?citizen={alices_citizen.pk}").status_code == 404
        assert client.get(reverse("meeting_detail", kwargs={"pk": meeting.pk})).status_code == 404
        cancel = client.post(
            reverse("meeting_cancel", kwargs={"pk": meeting.pk}),
            {"cancel-cancelled_by": "citizen", "cancel-reason": "illness"},
        )
        assert cancel.status_code == 404
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED


def test_the_today_page_lists_my_next_meetings(client, alice, alices_citizen):
    client.force_login(alice)
    client.post(f"{reverse('meeting_new')}?citizen={alices_citizen.pk}", booking())
    page = client.get(reverse("today")).content.decode()
    assert 'id="today-meetings"' in page and "26.03.2027 kl. 10.00" in page


def test_the_citizen_s_mentor_can_be_invited_as_a_colleague(client, bob, mentor, bobs_enrolment):
    client.force_login(bob)
    url = f"{reverse('meeting_new')}?citizen={bobs_enrolment.citizen_id}"
    assert f'value="{mentor.pk}"' in client.get(url).content.decode()
    assert client.post(url, booking(staff=[mentor.pk])).status_code == 302
    staff = set(Meeting.objects.get().participants.filter(role="staff").values_list("user", flat=True))
    assert staff == {bob.pk, mentor.pk}


def test_a_participant_s_answer_is_recorded_and_htmx_gets_the_row_back(client, alice, charlie, alices_citizen):
    from jobbro.audit.models import Action, ChangeLog

    client.force_login(alice)
    client.post(f"{reverse('meeting_new')}?citizen={alices_citizen.pk}", booking())
    meeting = Meeting.objects.get()
    participant = meeting.participants.get(role="staff")
    url = reverse("meeting_response", kwargs={"pk": meeting.pk})
    response = client.post(url, {"participant": participant.pk, "response": "accepted"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr data-role="staff" id="participant-{participant.pk}"')
    assert 'value="accepted" selected' in html
    participant.refresh_from_db()
    assert participant.response == "accepted"
    assert ChangeLog.objects.filter(action=Action.RECORD_MEETING_RESPONSE).count() == 1
    assert client.post(url, {"participant": participant.pk, "response": "nonsense"}).status_code == 400
    client.force_login(charlie)
    assert client.post(url, {"participant": participant.pk, "response": "declined"}).status_code == 404
    participant.refresh_from_db()
    assert participant.response == "accepted"


def test_the_placement_page_books_a_meeting_with_the_company_and_its_buddy_ticked(
    client, caseworker, alices_enrolment, start, buddy
):
    placement = start(alices_enrolment, buddy=buddy)
    client.force_login(caseworker)
    page = client.get(
        reverse("placement_detail", kwargs={"citizen_pk": alices_enrolment.citizen_id, "pk": placement.pk})
    )
    url = f"{reverse('meeting_new')}?placement={placement.pk}"
    assert url in page.content.decode().replace("&amp;", "&")
    form = client.get(url).content.decode()
    assert f'value="{buddy.pk}"' in form and "checked" in form
    response = client.post(url, booking(kind="follow_up", company_contacts=[buddy.pk]))
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.placement == placement and meeting.company == placement.company
    assert meeting.participants.filter(company_contact=buddy).exists()
