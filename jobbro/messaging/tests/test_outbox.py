"""The outbox: queued in the caller's transaction, sent by the worker through a real SMTP server, never twice,
retried with backoff, refused without consent or after an opt-out."""

import datetime
import json

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobbro.messaging import actions, outbox, tasks
from jobbro.messaging.models import Message, OptOut


def queue_email(**overrides):
    arguments = {
        "channel": "email",
        "to": "kontakt@cafe-havnen.dk",
        "subject": "Timer mangler",
        "body": "Hej\nVi mangler timerne.",
        "dedupe_key": "test:1",
        "purpose": "meeting_invitation",
    }
    arguments.update(overrides)
    return outbox.queue(**arguments)


def test_a_queued_email_arrives_at_the_smtp_server_exactly_once_even_when_the_task_runs_twice(
    db, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_email(attachments=[("invitation.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")])
    # The task was queued for the worker once the row was committed.
    assert DBTaskResult.objects.filter(args_kwargs__args=[message.pk]).count() == 1
    assert tasks.execute(message.pk) is True
    assert tasks.execute(message.pk) is False  # the task seen again by another worker: nothing happens
    tasks.sweep()
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["To"] == "kontakt@cafe-havnen.dk"
    assert received["Subject"] == "Timer mangler"
    parts = [part.get_content_type() for part in received.walk()]
    assert "text/calendar" in parts
    message.refresh_from_db()
    assert message.state == Message.State.SENT and message.sent_at is not None and message.attempts == 1


def test_the_same_dedupe_key_returns_the_existing_message_and_sends_nothing_new(db, smtp_server):
    first = queue_email()
    again = queue_email(body="Something else")
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    tasks.sweep()
    tasks.sweep()
    assert len(smtp_server.messages) == 1


def test_a_failing_smtp_server_is_retried_with_backoff_then_failed_with_the_error(db, smtp_server, settings):
    settings.MESSAGE_MAX_ATTEMPTS = 3
    settings.MESSAGE_RETRY_SECONDS = [60, 300]
    smtp_server.stop()
    message = queue_email()
    before = timezone.now()
    assert tasks.execute(message.pk) is False
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED and message.attempts == 1
    assert "ConnectionRefused" in message.last_error
    assert message.next_attempt_at >= before + datetime.timedelta(seconds=59)
    # Not due yet: neither the task nor the sweep sends it.
    assert tasks.execute(message.pk) is False
    assert tasks.send_due() == 0
    message.refresh_from_db()
    assert message.attempts == 1
    # Due (the clock moved on): the second attempt fails too, and waits longer.
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    tasks.execute(message.pk)
    message.refresh_from_db()
    assert message.attempts == 2 and message.state == Message.State.QUEUED
    assert message.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=290)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    tasks.sweep()
    message.refresh_from_db()
    assert message.state == Message.State.FAILED and message.attempts == 3
    assert "ConnectionRefused" in message.last_error
    # Failed is final: the server back, nothing is sent.
    smtp_server.start()
    tasks.sweep()
    assert smtp_server.messages == []


def test_the_server_back_before_the_last_attempt_sends_it_once(db, smtp_server):
    smtp_server.stop()
    message = queue_email()
    tasks.execute(message.pk)
    smtp_server.start()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    tasks.sweep()
    tasks.sweep()
    message.refresh_from_db()
    assert message.state == Message.State.SENT and message.attempts == 2 and message.last_error == ""
    assert len(smtp_server.messages) == 1


def test_a_message_whose_worker_stopped_before_handing_it_over_is_sent_again_but_one_handed_over_never(db, smtp_server):
    waiting = queue_email(dedupe_key="stopped:1")
    handed = queue_email(dedupe_key="stopped:2")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Message.objects.filter(pk=waiting.pk).update(state=Message.State.SENDING, claimed_at=long_ago, attempts=1)
    Message.objects.filter(pk=handed.pk).update(
        state=Message.State.SENDING, claimed_at=long_ago, handed_over_at=long_ago, attempts=1
    )
    tasks.sweep()
    waiting.refresh_from_db()
    handed.refresh_from_db()
    assert waiting.state == Message.State.SENT
    assert handed.state == Message.State.FAILED and "may have been sent" in handed.last_error
    assert len(smtp_server.messages) == 1


def test_sms_goes_to_the_file_backend_as_a_json_line(db, settings, tmp_path):
    settings.SMS_FILE = tmp_path / "sms" / "outbox.jsonl"
    message = outbox.queue(channel="sms", to="+45 12 34 56 78", body="Husk timerne", dedupe_key="sms:1", purpose="x")
    assert tasks.execute(message.pk)
    lines = settings.SMS_FILE.read_text().splitlines()
    assert [json.loads(line)["body"] for line in lines] == ["Husk timerne"]
    assert json.loads(lines[0])["to"] == "+45 12 34 56 78"


def test_an_opted_out_address_gets_nothing_and_nothing_is_recorded(db):
    actions.opt_out(address="Kontakt@Cafe-Havnen.dk", purpose="hours_reminder", via=OptOut.Via.STAFF)
    assert queue_email(purpose="hours_reminder") is None
    assert queue_email(purpose="meeting_invitation", dedupe_key="other") is not None  # another purpose
    actions.opt_out(address="+4512345678", purpose="")
    assert outbox.queue(channel="sms", to="12 34 56 78", body="x", dedupe_key="s", purpose="anything") is None
    assert Message.objects.count() == 1


def test_a_citizen_without_consent_for_the_channel_gets_nothing(alices_citizen, alice, company, buddy):
    to_citizen = {"to": "mette@example.dk", "citizen": alices_citizen, "dedupe_key": "c:1"}
    assert queue_email(**to_citizen) is None
    assert not Message.objects.exists()
    actions.record_contact_consent(acting_user=alice, citizen=alices_citizen, channel="sms", given=True)
    assert queue_email(**to_citizen) is None  # consent to SMS is not consent to e-mail
    actions.record_contact_consent(acting_user=alice, citizen=alices_citizen, channel="email", given=True)
    assert queue_email(**to_citizen) is not None
    actions.record_contact_consent(acting_user=alice, citizen=alices_citizen, channel="email", given=False)
    assert queue_email(**{**to_citizen, "dedupe_key": "c:2"}) is None  # withdrawn: the newest row holds
    # A message about the citizen to their buddy at the company needs the buddy's address, not the citizen's consent.
    buddy.email = "birgit@cafe-havnen.dk"
    buddy.save()
    about = queue_email(to="birgit@cafe-havnen.dk", citizen=alices_citizen, company=company, dedupe_key="c:3")
    assert about is not None


def test_a_message_never_shows_its_address_in_its_text_form(db):
    message = queue_email()
    assert "cafe-havnen" not in str(message)


@pytest.mark.parametrize("channel", ["fax", ""])
def test_an_unknown_channel_is_refused(db, channel):
    with pytest.raises(ValueError):
        queue_email(channel=channel)


class Gateway:
    """A real HTTP server standing in for the SMS gateway: records what it is sent, answers with `status`."""

    def __init__(self, status=200):
        import http.server
        import threading

        gateway = self
        self.received = []
        self.status = status

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    server = Gateway()
    settings.SMS_BACKEND = "jobbro.messaging.sms.HttpBackend"
    settings.SMS_URL = server.url
    settings.SMS_TOKEN = "hemmelig"
    yield server
    server.close()


def test_sms_through_the_http_gateway_with_its_token(db, gateway):
    message = outbox.queue(channel="sms", to="+4512345678", body="Husk timerne", dedupe_key="gw:1", purpose="x")
    assert tasks.execute(message.pk)
    assert gateway.received == [("Bearer hemmelig", {"to": "+4512345678", "message": "Husk timerne"})]


def test_a_gateway_that_refuses_the_sms_leaves_it_for_a_new_attempt(db, gateway):
    gateway.status = 503
    message = outbox.queue(channel="sms", to="+4512345678", body="Husk timerne", dedupe_key="gw:2", purpose="x")
    assert not tasks.execute(message.pk)
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED and "503" in message.last_error


def test_consent_is_recorded_by_staff_who_see_the_citizen_and_is_in_the_change_log(
    alices_citizen, alice, coordinator, charlie
):
    from django.core.exceptions import PermissionDenied

    from jobbro.audit.models import Action, ChangeLog

    for outsider in (coordinator, charlie):  # no case work; another programme
        with pytest.raises(PermissionDenied):
            actions.record_contact_consent(acting_user=outsider, citizen=alices_citizen, channel="email", given=True)
    assert not ChangeLog.objects.filter(action=Action.RECORD_CONTACT_CONSENT).exists()
    actions.record_contact_consent(acting_user=alice, citizen=alices_citizen, channel="email", given=True)
    actions.record_contact_consent(acting_user=alice, citizen=alices_citizen, channel="email", given=False)
    entries = ChangeLog.objects.filter(action=Action.RECORD_CONTACT_CONSENT).order_by("pk")
    assert [(e.user_id, e.citizen_ref, e.changes["given"]) for e in entries] == [
        (alice.pk, alices_citizen.pk, True),
        (alice.pk, alices_citizen.pk, False),
    ]


def test_an_opt_out_is_in_the_change_log_without_the_address(db):
    from jobbro.audit.models import Action, ChangeLog

    actions.opt_out(address="Mette@Example.dk", purpose="hours_reminder")
    entry = ChangeLog.objects.get(action=Action.OPT_OUT_OF_MESSAGES)
    assert entry.changes["purpose"] == "hours_reminder"
    assert "mette" not in str(entry.changes).lower() and "mette" not in entry.object_id
