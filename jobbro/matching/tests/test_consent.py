"""Proposing, booking and agreeing a match present the citizen to the company: each needs the citizen's consent to
sharing data with companies on the day; the rankings leave out a citizen without it and the match page says why."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jobbro.conftest import REFERRED_ON, make_opening
from jobbro.days import today
from jobbro.matching import actions, services
from jobbro.matching.models import MatchProposal, MatchStatus, MeetingKind
from jobbro.people import actions as people_actions
from jobbro.people.models import ConsentKind

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
SHARING = ConsentKind.DATA_SHARING


@pytest.fixture
def opening(company, programme, buddy):
    return make_opening(company, programme, "Opvasker", weekly_hours=8, buddy=buddy)


@pytest.fixture
def unasked(refer, alice):
    return refer(first_name="Ida", last_name="Uspurgt", job_broker=alice, consents=())


def give(user, citizen, on):
    people_actions.give_consent(acting_user=user, citizen=citizen, kind=SHARING, on=on, manner="written")


def withdraw(user, citizen, on):
    people_actions.withdraw_consent(acting_user=user, citizen=citizen, kind=SHARING, on=on, manner="oral")


def test_a_match_is_refused_without_consent_allowed_with_it_and_refused_again_after_withdrawal(alice, unasked, opening):
    with pytest.raises(ValidationError) as refused:
        actions.propose_match(acting_user=alice, enrolment=unasked, opening=opening)
    message = refused.value.messages[0]
    assert "Deling af oplysninger med virksomheder i netværket" in message and today().strftime("%d.%m.%Y") in message
    assert not MatchProposal.objects.exists()

    give(alice, unasked.citizen, REFERRED_ON)
    proposal = actions.propose_match(acting_user=alice, enrolment=unasked, opening=opening)
    assert proposal.status == MatchStatus.PROPOSED

    withdraw(alice, unasked.citizen, today())
    with pytest.raises(ValidationError, match="samtykke"):
        actions.book_meeting(acting_user=alice, proposal=proposal, kind=MeetingKind.COFFEE_VISIT, meeting_on=today())
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.PROPOSED  # what was shared before stays recorded
    # Declining shares nothing: a withdrawn consent never keeps a proposal open.
    actions.decline_match(acting_user=alice, proposal=proposal, reason="citizen_declined")
    assert MatchProposal.objects.get().status == MatchStatus.DECLINED


def test_agreeing_is_refused_after_a_withdrawal_dated_before_the_day(alice, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=alice, enrolment=alices_enrolment, opening=opening, on=REFERRED_ON)
    actions.book_meeting(
        acting_user=alice,
        proposal=proposal,
        kind=MeetingKind.MATCH_MEETING,
        meeting_on=REFERRED_ON + DAY,
        on=REFERRED_ON,
    )
    withdraw(alice, alices_enrolment.citizen, REFERRED_ON + 2 * DAY)
    with pytest.raises(ValidationError):
        actions.agree_match(acting_user=alice, proposal=proposal, starts_on=REFERRED_ON + 7 * DAY)
    assert alices_enrolment.placements.count() == 0
    # Agreed on a day the consent still held (recorded late), it is allowed: the rule reads the step's date.
    proposal = actions.agree_match(
        acting_user=alice, proposal=proposal, starts_on=REFERRED_ON + 7 * DAY, on=REFERRED_ON + DAY
    )
    assert proposal.status == MatchStatus.AGREED


def test_the_rankings_leave_out_a_citizen_without_consent(alice, alices_enrolment, unasked, opening):
    ranked = {match.enrolment.pk for match in services.rank_citizens(opening, reader=alice)}
    assert alices_enrolment.pk in ranked and unasked.pk not in ranked
    give(alice, unasked.citizen, REFERRED_ON)
    assert unasked.pk in {match.enrolment.pk for match in services.rank_citizens(opening, reader=alice)}


def test_the_match_page_explains_and_disables_proposing_before_the_user_tries(client, alice, unasked, opening):
    client.force_login(alice)
    url = reverse("citizen_matches", args=[unasked.citizen_id, unasked.pk])
    html = client.get(url).content.decode()
    assert 'id="missing-consent"' in html and "Registrér samtykket på borgersiden først" in html
    assert 'disabled aria-describedby="missing-consent"' in html
    give(alice, unasked.citizen, REFERRED_ON)
    assert 'id="missing-consent"' not in client.get(url).content.decode()
