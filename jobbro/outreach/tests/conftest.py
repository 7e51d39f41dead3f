import datetime

import pytest
from django.utils import timezone

from jobbro.outreach import actions
from jobbro.outreach.models import EventKind

HOUR = datetime.timedelta(hours=1)


def moment(days, hour=10):
    """A time `days` days from today at `hour` o'clock, local time."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def make_event(coordinator, programme):
    def _make(kind=EventKind.CLUSTER_MEETING, *, days=-1, capacity=None, sessions=(), title=None, **extra):
        return actions.create_event(
            acting_user=coordinator,
            programme=programme,
            kind=kind,
            title=title or f"{kind} event",
            starts_at=moment(days),
            ends_at=moment(days) + 2 * HOUR,
            capacity=capacity,
            place="Jobcentret, lokale 2",
            sessions=sessions,
            **extra,
        )

    return _make
