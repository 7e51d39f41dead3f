"""Inviting a company to a meeting about a citizen shares the citizen with it: without the citizen's consent to sharing
data with companies on the meeting's day it is refused; a meeting with the citizen alone needs none."""

import pytest
from django.core.exceptions import ValidationError

from jobbro.conftest import REFERRED_ON
from jobbro.meetings.models import Meeting
from jobbro.people import actions as people_actions
from jobbro.people.models import ConsentKind

pytestmark = pytest.mark.django_db


def test_a_meeting_with_a_company_about_the_citizen_needs_the_consent(book, alice, alices_enrolment):
    people_actions.withdraw_consent(
        acting_user=alice,
        citizen=alices_enrolment.citizen,
        kind=ConsentKind.DATA_SHARING,
        on=REFERRED_ON,
        manner="written",
    )
    with pytest.raises(ValidationError) as refused:
        book()
    assert "company" in refused.value.message_dict
    assert not Meeting.objects.exists()
    book(kind="follow_up", company=None, company_contacts=[])
    assert Meeting.objects.count() == 1
