"""The demo programme has meetings in every state, booked through the actions, with their invitations sent."""

import datetime

import pytest

from jobbro.demo.generator import generate
from jobbro.meetings.models import Meeting, MeetingState
from jobbro.messaging.models import Message

pytestmark = pytest.mark.django_db


def test_the_demo_has_meetings_in_every_state_and_their_invitations_went_out(settings, tmp_path):
    settings.SMS_BACKEND = "jobbro.messaging.sms.FileBackend"
    settings.SMS_FILE = tmp_path / "sms.jsonl"
    generate(citizens=40, seed=3, today=datetime.date(2026, 11, 2))
    states = set(Meeting.objects.values_list("state", flat=True))
    assert states == set(MeetingState.values)
    assert set(Meeting.objects.filter(state="no_show").values_list("no_show_by", flat=True)) >= {"citizen", "company"}
    assert Meeting.objects.filter(sequence__gte=1, state="planned").exists()  # a moved meeting
    assert Meeting.objects.filter(enrolment__isnull=True).exists()  # a meeting with a company only
    invitations = Message.objects.filter(purpose="meeting_invitation")
    assert invitations.exists() and not invitations.exclude(state=Message.State.SENT).exists()
