"""The demo has company activities and events of every kind, with registrations and attendance, the same for the
same seed."""

import datetime

import pytest

from jobbro.companies.models import CompanyActivity, CompanyContact
from jobbro.demo.generator import generate
from jobbro.matching.models import MatchProposal
from jobbro.outreach.models import (
    DropInCount,
    Event,
    EventKind,
    NamedVisit,
    Registration,
    SessionAttendance,
    SpeedDatingConversation,
)

TODAY = datetime.date(2026, 3, 2)

pytestmark = pytest.mark.django_db


def test_the_demo_has_activities_and_events_of_every_kind_with_attendance():
    generate(citizens=60, seed=2026, today=TODAY)
    assert CompanyActivity.objects.count() >= 10
    assert set(Event.objects.values_list("kind", flat=True)) == set(EventKind.values)
    states = set(Registration.objects.values_list("state", flat=True))
    assert {"attended", "no_show", "cancelled", "registered"} <= states
    training = Event.objects.filter(kind=EventKind.BUDDY_TRAINING).order_by("starts_at").first()
    trained = CompanyContact.objects.filter(event_registrations__event=training, event_registrations__state="attended")
    assert trained.exists()
    assert all(c.buddy_trained_on and c.buddy_trained_on >= training.starts_at.date() for c in trained)
    assert SessionAttendance.objects.exists()
    assert DropInCount.objects.exists() and NamedVisit.objects.filter(consent_given=True).count() == 1
    conversations = SpeedDatingConversation.objects.all()
    assert conversations.exclude(outcome="").exists()
    followed_up = conversations.filter(outcome="both", proposal__isnull=False)
    assert followed_up.exists()
    assert set(MatchProposal.objects.filter(pk__in=followed_up.values("proposal")).values_list("pk", flat=True)) == set(
        followed_up.values_list("proposal", flat=True)
    )
