"""The invitations end to end: queued by the actions, sent by the worker through a real SMTP server (aiosmtpd),
once per participant and per change, and nothing about the citizen beyond the first name in the company's copy."""

from email.header import decode_header, make_header

import icalendar
import pytest

from jobbro.meetings import actions
from jobbro.meetings.tests.conftest import at
from jobbro.messaging import actions as messaging_actions
from jobbro.messaging import tasks

pytestmark = pytest.mark.django_db


def send_all():
    tasks.send_due()
    tasks.send_due()  # the worker coming round again sends nothing twice


def received_by(smtp_server, address):
    return [m for m in smtp_server.messages if m["To"] == address]


def calendar_of(email_message):
    [part] = [p for p in email_message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invitation.ics"
    return icalendar.Calendar.from_ical(part.get_payload(decode=True)), part


def test_every_participant_receives_the_invitation_once_and_an_update_and_a_cancellation(
    smtp_server, book, alice, alices_enrolment, django_capture_on_commit_callbacks
):
    messaging_actions.record_contact_consent(
        acting_user=alice, citizen=alices_enrolment.citizen, channel="email", given=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting = book()
    send_all()
    everyone = {"alice@jobcenter.dk", "karin@cafe-havnen.dk", "mette@example.dk"}
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(everyone)

    with django_capture_on_commit_callbacks(execute=True):
        actions.move_meeting(
            acting_user=alice, meeting=meeting, starts_at=at(2027, 3, 29, 10), ends_at=at(2027, 3, 29, 11)
        )
    send_all()
    assert len(smtp_server.messages) == 6
    for address in everyone:
        first, update = received_by(smtp_server, address)
        calendar, part = calendar_of(update)
        [event] = calendar.walk("VEVENT")
        assert int(event["sequence"]) == 1 and str(event["uid"]) == meeting.uid
        assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"

    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_meeting(acting_user=alice, meeting=meeting, cancelled_by="citizen", reason="illness")
    send_all()
    assert len(smtp_server.messages) == 9
    for address in everyone:
        calendar, part = calendar_of(received_by(smtp_server, address)[-1])
        assert str(calendar["method"]) == "CANCEL" and part.get_param("method") == "CANCEL"
        assert int(calendar.walk("VEVENT")[0]["sequence"]) == 2


def test_the_company_s_invitation_holds_no_free_text_about_the_citizen(
    smtp_server, book, alice, alices_enrolment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book()
    send_all()
    [company_mail] = received_by(smtp_server, "karin@cafe-havnen.dk")
    calendar, part = calendar_of(company_mail)
    # Every header and every part, decoded (quoted-printable, base64, folded iCalendar lines).
    headers = [str(make_header(decode_header(value))) for value in company_mail.values()]
    parts = [p.get_payload(decode=True).decode() for p in company_mail.walk() if not p.is_multipart()]
    everything = "\n".join(headers + parts).replace("\r\n ", "").replace("\n ", "")
    assert "Kaffebesøg med Mette hos Café Havnen" in everything  # the subject and the summary, decoded
    citizen = alices_enrolment.citizen
    assert "Mette" in everything  # the first name, at most
    for secret in (
        citizen.last_name,
        "Sørensen",
        "misbrug",  # the referral text
        "indlæggelse",  # the meeting's internal note
        "mette@example.dk",
        "20202020",
        "010190",
    ):
        assert secret not in everything, secret
    [event] = calendar.walk("VEVENT")
    assert str(event["description"]).splitlines()[1:] == [
        "Tid: 26.03.2027 kl. 10.00–11.00",
        "Sted: Havnegade 1, 8000 Aarhus C",
    ]
