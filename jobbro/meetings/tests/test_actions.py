"""Booking, moving, cancelling and recording a meeting: scope, history rows, change log, the invitations queued."""

import datetime

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jobbro.audit.models import Action, ChangeLog
from jobbro.cases.models import Contact
from jobbro.conftest import make_opening
from jobbro.matching import actions as match_actions
from jobbro.matching.models import MatchStatus
from jobbro.meetings import actions
from jobbro.meetings.models import MeetingEvent, MeetingState, ParticipantRole
from jobbro.meetings.tests.conftest import at
from jobbro.messaging import actions as messaging_actions
from jobbro.messaging.models import Message

pytestmark = pytest.mark.django_db


def ics_of(message):
    [attachment] = message.attachments
    import base64

    return icalendar.Calendar.from_ical(base64.b64decode(attachment["content"]))


def test_scheduling_invites_the_staff_the_company_contact_and_the_consenting_citizen(book, alice):
    messaging_actions.record_contact_consent(
        acting_user=alice, citizen=alice.caseload.get().citizen, channel="email", given=True
    )
    meeting = book()
    assert meeting.state == MeetingState.PLANNED and meeting.sequence == 0
    roles = sorted(meeting.participants.values_list("role", flat=True))
    assert roles == ["citizen", "company_contact", "staff"]
    sent = Message.objects.filter(purpose="meeting_invitation").order_by("to")
    assert list(sent.values_list("to", flat=True)) == ["alice@jobcenter.dk", "karin@cafe-havnen.dk", "mette@example.dk"]
    assert [e.what for e in meeting.events.all()] == [MeetingEvent.What.SCHEDULED]
    assert ChangeLog.objects.filter(action=Action.SCHEDULE_MEETING, object_id=str(meeting.pk)).count() == 1


def test_a_citizen_without_consent_gets_no_invitation_but_the_others_do(book):
    book()
    assert set(Message.objects.values_list("to", flat=True)) == {"alice@jobcenter.dk", "karin@cafe-havnen.dk"}


def test_a_citizen_with_only_a_phone_who_consented_gets_an_sms_with_time_and_place(book, alice, alices_enrolment):
    citizen = alices_enrolment.citizen
    messaging_actions.record_contact_consent(acting_user=alice, citizen=citizen, channel="sms", given=True)
    type(citizen).objects.filter(pk=citizen.pk).update(email="")
    citizen.refresh_from_db()
    meeting = book()
    sms = Message.objects.get(channel="sms")
    assert sms.to == "+4520202020"
    assert "26.03.2027 kl. 10.00" in sms.body and "Havnegade 1" in sms.body
    assert sms.dedupe_key.startswith(f"meeting-{meeting.pk}-0-")


def test_the_invitation_holds_uid_sequence_method_times_and_attendees(book):
    meeting = book()
    calendar = ics_of(Message.objects.get(to="karin@cafe-havnen.dk"))
    assert str(calendar["method"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == meeting.uid
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == at(2027, 3, 26, 10)
    assert event.decoded("dtstart").utcoffset() == datetime.timedelta(hours=1)
    assert calendar.walk("VTIMEZONE"), "the calendar defines Europe/Copenhagen"
    assert str(event["summary"]) == "Kaffebesøg med Mette hos Café Havnen"
    assert str(event["location"]) == "Havnegade 1, 8000 Aarhus C"
    assert str(event["organizer"]) == "mailto:alice@jobcenter.dk"
    attendees = sorted(str(a) for a in event.get("attendee"))
    assert attendees == ["mailto:alice@jobcenter.dk", "mailto:karin@cafe-havnen.dk"]


def test_moving_across_summer_time_raises_the_sequence_keeps_the_uid_and_sends_an_update_to_everyone(book, alice):
    meeting = book()
    uid = meeting.uid
    moved = actions.move_meeting(
        acting_user=alice, meeting=meeting, starts_at=at(2027, 3, 29, 10), ends_at=at(2027, 3, 29, 11)
    )
    assert moved.sequence == 1 and moved.uid == uid
    updates = Message.objects.filter(dedupe_key__startswith=f"meeting-{meeting.pk}-1-")
    assert set(updates.values_list("to", flat=True)) == {"alice@jobcenter.dk", "karin@cafe-havnen.dk"}
    [event] = ics_of(updates.get(to="karin@cafe-havnen.dk")).walk("VEVENT")
    assert str(event["uid"]) == uid and int(event["sequence"]) == 1
    start = event.decoded("dtstart")
    assert start == at(2027, 3, 29, 10)
    assert start.astimezone(datetime.UTC).hour == 8  # summer time: UTC+2 (it was 9 UTC before the move)
    assert updates.get(to="karin@cafe-havnen.dk").subject.startswith("Flyttet:")
    assert [e.what for e in moved.events.all()] == ["scheduled", "moved"]
    assert ChangeLog.objects.filter(action=Action.MOVE_MEETING).count() == 1


def test_moving_to_the_same_time_and_place_is_refused(book, alice):
    meeting = book()
    with pytest.raises(ValidationError):
        actions.move_meeting(acting_user=alice, meeting=meeting, starts_at=meeting.starts_at, ends_at=meeting.ends_at)


def test_cancelling_sends_method_cancel_and_records_who_and_why(book, alice):
    meeting = book()
    cancelled = actions.cancel_meeting(acting_user=alice, meeting=meeting, cancelled_by="company", reason="illness")
    assert cancelled.state == MeetingState.CANCELLED and cancelled.sequence == 1
    message = Message.objects.get(dedupe_key__startswith=f"meeting-{meeting.pk}-1-", to="karin@cafe-havnen.dk")
    calendar = ics_of(message)
    assert str(calendar["method"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["status"]) == "CANCELLED" and str(event["uid"]) == meeting.uid
    assert message.attachments[0]["mimetype"] == "text/calendar; method=CANCEL"
    with pytest.raises(ValidationError):
        actions.move_meeting(
            acting_user=alice, meeting=meeting, starts_at=at(2027, 4, 1, 9), ends_at=at(2027, 4, 1, 10)
        )


def test_cancelling_needs_who_and_why(book, alice):
    meeting = book()
    with pytest.raises(ValidationError):
        actions.cancel_meeting(acting_user=alice, meeting=meeting, cancelled_by="", reason="illness")
    assert meeting.events.count() == 1


def test_the_outcome_waits_for_the_start_and_a_no_show_says_who(book, alice):
    future = book()
    with pytest.raises(ValidationError):
        actions.record_outcome(acting_user=alice, meeting=future, held=True)
    now = timezone.now()
    past = book(starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError):
        actions.record_outcome(acting_user=alice, meeting=past, held=False)
    before = Message.objects.count()
    recorded = actions.record_outcome(acting_user=alice, meeting=past, held=False, no_show_by="citizen")
    assert recorded.state == MeetingState.NO_SHOW and recorded.no_show_by == "citizen"
    assert Message.objects.count() == before  # an outcome sends nothing
    assert ChangeLog.objects.filter(action=Action.RECORD_MEETING_OUTCOME).count() == 1


def test_a_held_meeting_with_a_citizen_is_a_contact_on_the_case(book, alice, alices_enrolment):
    now = timezone.now()
    past = book(starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1))
    actions.record_outcome(acting_user=alice, meeting=past, held=True)
    contact = Contact.objects.get(enrolment=alices_enrolment)
    assert contact.kind == Contact.Kind.COFFEE_VISIT and contact.occurred_on == timezone.localdate(past.starts_at)
    assert contact.note.startswith("Kaffebesøg afholdt ")


def test_booking_a_match_meeting_books_the_match_with_its_date(alice, alices_enrolment, company, buddy, programme):
    opening = make_opening(company, programme, "Opvask", buddy=buddy)
    proposal = match_actions.propose_match(acting_user=alice, enrolment=alices_enrolment, opening=opening)
    meeting = actions.schedule_meeting(
        acting_user=alice,
        kind="match_meeting",
        starts_at=at(2027, 1, 12, 13),
        ends_at=at(2027, 1, 12, 14),
        address="Havnegade 1",
        match=proposal,
        company_contacts=[buddy],
    )
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.MEETING_BOOKED and proposal.meeting_on == datetime.date(2027, 1, 12)
    assert meeting.enrolment == alices_enrolment and meeting.company == company and meeting.match == proposal
    actions.move_meeting(acting_user=alice, meeting=meeting, starts_at=at(2027, 1, 14, 13), ends_at=at(2027, 1, 14, 14))
    proposal.refresh_from_db()
    assert proposal.meeting_on == datetime.date(2027, 1, 14)
    with pytest.raises(ValidationError):
        actions.schedule_meeting(
            acting_user=alice,
            kind="three_month_talk",
            starts_at=at(2027, 1, 12, 13),
            ends_at=at(2027, 1, 12, 14),
            address="Havnegade 1",
            match=proposal,
        )


def test_contacts_of_another_company_are_refused(book, social_company):
    from jobbro.companies.models import CompanyContact

    stranger = CompanyContact.objects.create(company=social_company, name="Anden", email="a@b.dk")
    with pytest.raises(ValidationError):
        book(company_contacts=[stranger])


@pytest.mark.parametrize("who", ["charlie", "manager", "evaluator"])
def test_outsiders_and_roles_without_the_capability_cannot_book_for_the_citizen(world, book, who):
    with pytest.raises(PermissionDenied):
        book(acting_user=getattr(world, who))
    assert not Message.objects.exists()


def test_a_job_broker_at_another_site_cannot_book_or_change_the_citizen_s_meeting(world, book, other_site, programme):
    from jobbro.accounts.models import Role
    from jobbro.conftest import make_user

    randers = make_user("rikke", Role.JOB_BROKER, programme=programme, site=other_site)
    meeting = book()
    with pytest.raises(PermissionDenied):
        book(acting_user=randers)
    with pytest.raises(PermissionDenied):
        actions.cancel_meeting(acting_user=randers, meeting=meeting, cancelled_by="citizen", reason="illness")
    with pytest.raises(PermissionDenied):
        actions.move_meeting(
            acting_user=randers, meeting=meeting, starts_at=at(2027, 4, 1, 9), ends_at=at(2027, 4, 1, 10)
        )
    assert actions.visible_meetings(randers).filter(pk=meeting.pk).count() == 0
    assert actions.visible_meetings(world.bob).filter(pk=meeting.pk).count() == 1


def test_a_company_meeting_without_a_citizen_is_booked_in_the_programme(
    world, company, contact, programme, coordinator
):
    meeting = actions.schedule_meeting(
        acting_user=coordinator,
        kind="follow_up",
        starts_at=at(2027, 2, 2, 9),
        ends_at=at(2027, 2, 2, 10),
        place_kind="online",
        online_link="https://meet.example.dk/abc",
        company=company,
        programme=programme,
        company_contacts=[contact],
    )
    assert meeting.place == "Online: https://meet.example.dk/abc"
    assert not meeting.participants.filter(role=ParticipantRole.CITIZEN).exists()
    with pytest.raises(PermissionDenied):
        actions.cancel_meeting(acting_user=world.charlie, meeting=meeting, cancelled_by="company", reason="other")
    assert actions.visible_meetings(world.mentor).filter(pk=meeting.pk).exists()


def test_a_citizen_with_only_a_phone_gets_an_sms_when_the_meeting_is_cancelled(book, alice, alices_enrolment):
    citizen = alices_enrolment.citizen
    messaging_actions.record_contact_consent(acting_user=alice, citizen=citizen, channel="sms", given=True)
    type(citizen).objects.filter(pk=citizen.pk).update(email="")
    citizen.refresh_from_db()
    meeting = book()
    actions.cancel_meeting(acting_user=alice, meeting=meeting, cancelled_by="job_centre", reason="other")
    texts = list(Message.objects.filter(channel="sms").order_by("pk").values_list("body", flat=True))
    assert len(texts) == 2 and texts[1].startswith("Aflyst: Kaffebesøg 26.03.2027 kl. 10.00")


def test_the_invitation_text_is_the_template_staff_edited(book, coordinator):
    from jobbro.messaging import templates

    template = templates.ensure("meeting_invitation")
    messaging_actions.edit_template(
        acting_user=coordinator,
        template=template,
        subject="Mødeindkaldelse: {{ summary }} ({{ time }})",
        body="{{ description }}\n\nRing til os, hvis tidspunktet ikke passer.",
    )
    book()
    sent = Message.objects.filter(purpose="meeting_invitation")
    assert sent.exists()
    for message in sent:
        assert message.subject.startswith("Mødeindkaldelse: ") and "26.03.2027 kl. 10.00" in message.subject
        assert message.body.rstrip().endswith("Ring til os, hvis tidspunktet ikke passer.")
        assert "Havnegade 1" in message.body  # the description: when and where
