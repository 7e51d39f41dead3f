"""The match workflow: proposed → meeting booked → agreed (a placement starts) or declined with a reason.

Every step is an action that writes the status and a history row together, refuses illegal steps and
bad input without writing anything, and leaves an audit row.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.audit.models import ChangeLog
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Contact, OutcomeStatus, Placement, PlacementKind, Step
from jobbro.companies.models import Opening
from jobbro.conftest import make_company, make_opening, rolled_back
from jobbro.matching import actions
from jobbro.matching.models import (
    TRANSITIONS,
    DeclineReason,
    MatchProposal,
    MatchProposalEvent,
    MatchStatus,
    MeetingKind,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def opening(company, programme, buddy):
    return make_opening(company, programme, "Opvasker", weekly_hours=8, buddy=buddy)


def statuses(proposal):
    return list(proposal.events.order_by("on", "id").values_list("status", flat=True))


def booked(coordinator, enrolment, opening, *, meeting_on=None, kind=MeetingKind.COFFEE_VISIT):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=enrolment, opening=opening)
    return actions.book_meeting(acting_user=coordinator, proposal=proposal, kind=kind, meeting_on=meeting_on or today())


# --- Proposing -------------------------------------------------------------------------------------


def test_a_proposal_starts_its_history_and_the_audit_trail(coordinator, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening, score=72.345)

    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.PROPOSED
    assert proposal.proposed_by == coordinator and proposal.proposed_on == today()
    assert proposal.score == 72.3
    assert statuses(proposal) == [MatchStatus.PROPOSED]
    assert ChangeLog.objects.filter(
        action="propose_match", object_id=str(proposal.pk), citizen_ref=alices_enrolment.citizen_id
    ).exists()


def test_a_job_broker_may_propose_for_a_citizen_in_scope(alice, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=alice, enrolment=alices_enrolment, opening=opening)
    assert proposal.proposed_by == alice


def test_one_open_proposal_per_citizen_and_small_job(coordinator, alices_enrolment, opening):
    actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    with pytest.raises(ValidationError) as refused:
        actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    assert "opening" in refused.value.message_dict
    assert MatchProposal.objects.count() == 1


def test_only_an_open_small_job_in_the_citizens_programme_can_be_proposed(
    coordinator, alices_enrolment, company, programme, other_programme
):
    filled = make_opening(company, programme, "Taget", status=Opening.Status.FILLED)
    elsewhere = make_opening(make_company("Fjernt ApS", programme=other_programme), other_programme, "Fjernt job")
    for opening in (filled, elsewhere):
        with pytest.raises(ValidationError) as refused:
            actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
        assert "opening" in refused.value.message_dict
    assert not MatchProposal.objects.exists()


def test_an_ended_enrolment_cannot_be_proposed(coordinator, alices_enrolment, opening):
    case_actions.end_enrolment(
        acting_user=alices_enrolment.job_broker,
        enrolment=alices_enrolment,
        ended_on=today(),
        status=OutcomeStatus.BENEFIT,
    )
    with pytest.raises(ValidationError):
        actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    assert not MatchProposal.objects.exists()


@pytest.mark.parametrize("who", ["manager", "evaluator", "charlie", "outside_caseworker"])
def test_roles_without_matching_or_outside_the_scope_are_refused(request, who, alices_enrolment, opening):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.propose_match(acting_user=user, enrolment=alices_enrolment, opening=opening)
    assert not MatchProposal.objects.exists()


def test_a_job_broker_at_another_site_cannot_propose(alice, randers_enrolment, opening):
    with pytest.raises(PermissionDenied):
        actions.propose_match(acting_user=alice, enrolment=randers_enrolment, opening=opening)


# --- Meetings -------------------------------------------------------------------------------------


def test_a_meeting_held_today_is_logged_as_a_contact_on_the_case(coordinator, alices_enrolment, opening, buddy):
    proposal = booked(coordinator, alices_enrolment, opening)

    assert proposal.status == MatchStatus.MEETING_BOOKED
    assert statuses(proposal) == [MatchStatus.PROPOSED, MatchStatus.MEETING_BOOKED]
    contact = Contact.objects.get(enrolment=alices_enrolment)
    assert contact.kind == Contact.Kind.COFFEE_VISIT and contact.occurred_on == today()
    assert contact.company == opening.company
    assert list(contact.company_contacts.all()) == [buddy]
    assert list(contact.staff.all()) == [coordinator]
    assert proposal.meeting_contact == contact


def test_a_meeting_booked_ahead_is_not_a_contact_until_it_is_held(coordinator, alices_enrolment, opening):
    ahead = today() + datetime.timedelta(days=5)
    proposal = booked(coordinator, alices_enrolment, opening, meeting_on=ahead, kind=MeetingKind.MATCH_MEETING)

    assert proposal.meeting_on == ahead and proposal.meeting_kind == MeetingKind.MATCH_MEETING
    assert not Contact.objects.exists()
    with pytest.raises(ValidationError) as refused:
        actions.agree_match(acting_user=coordinator, proposal=proposal, starts_on=today())
    assert "on" in refused.value.message_dict
    assert not Placement.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.MEETING_BOOKED


def test_a_meeting_can_be_moved_and_both_bookings_stay_in_the_history(coordinator, alices_enrolment, opening):
    proposal = booked(coordinator, alices_enrolment, opening, meeting_on=today() + datetime.timedelta(days=3))
    actions.book_meeting(acting_user=coordinator, proposal=proposal, kind=MeetingKind.MATCH_MEETING, meeting_on=today())
    assert statuses(proposal) == [MatchStatus.PROPOSED, MatchStatus.MEETING_BOOKED, MatchStatus.MEETING_BOOKED]
    assert Contact.objects.get().kind == Contact.Kind.MATCH_MEETING


def test_a_meeting_cannot_be_before_the_proposal(coordinator, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    with pytest.raises(ValidationError) as refused:
        actions.book_meeting(
            acting_user=coordinator,
            proposal=proposal,
            kind=MeetingKind.COFFEE_VISIT,
            meeting_on=today() - datetime.timedelta(days=1),
        )
    assert "meeting_on" in refused.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.PROPOSED and statuses(proposal) == [MatchStatus.PROPOSED]


# --- Agreeing ------------------------------------------------------------------------------------------


def test_agreeing_starts_a_small_job_and_fills_the_small_job(coordinator, alices_enrolment, opening, buddy):
    proposal = booked(coordinator, alices_enrolment, opening)
    starts = today() + datetime.timedelta(days=7)

    proposal = actions.agree_match(acting_user=coordinator, proposal=proposal, starts_on=starts)

    placement = proposal.placement
    assert placement.kind == PlacementKind.SMALL_JOB
    assert placement.company == opening.company and placement.opening == opening and placement.buddy == buddy
    assert placement.starts_on == starts
    assert placement.agreed_ordinary_hours == opening.weekly_hours
    alices_enrolment.refresh_from_db()
    assert alices_enrolment.current_step == Step.IN_COMPANY
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.AGREED and proposal.decided_on == today()
    assert statuses(proposal) == [MatchStatus.PROPOSED, MatchStatus.MEETING_BOOKED, MatchStatus.AGREED]
    opening.refresh_from_db()
    assert opening.status == Opening.Status.FILLED and opening.filled_on == today()
    assert ChangeLog.objects.filter(action="fill_opening", object_id=str(opening.pk)).exists()


def test_agreed_hours_can_differ_from_the_small_jobs(coordinator, alices_enrolment, opening):
    proposal = booked(coordinator, alices_enrolment, opening)
    proposal = actions.agree_match(
        acting_user=coordinator, proposal=proposal, starts_on=today(), agreed_ordinary_hours=6
    )
    assert proposal.placement.agreed_ordinary_hours == 6


def test_a_small_job_with_two_places_stays_open_until_both_are_taken(
    coordinator, alices_enrolment, bobs_enrolment, company, programme
):
    opening = make_opening(company, programme, "To pladser", capacity=2)
    first = actions.agree_match(
        acting_user=coordinator, proposal=booked(coordinator, alices_enrolment, opening), starts_on=today()
    )
    opening.refresh_from_db()
    assert opening.status == Opening.Status.OPEN
    assert first.placement.opening == opening

    actions.agree_match(
        acting_user=coordinator, proposal=booked(coordinator, bobs_enrolment, opening), starts_on=today()
    )
    opening.refresh_from_db()
    assert opening.status == Opening.Status.FILLED


def test_a_filled_small_job_cannot_be_agreed_again(coordinator, alices_enrolment, bobs_enrolment, opening):
    first = booked(coordinator, alices_enrolment, opening)
    second = booked(coordinator, bobs_enrolment, opening)
    actions.agree_match(acting_user=coordinator, proposal=first, starts_on=today())

    with pytest.raises(ValidationError):
        actions.agree_match(acting_user=coordinator, proposal=second, starts_on=today())
    second.refresh_from_db()
    assert second.status == MatchStatus.MEETING_BOOKED and second.placement is None
    assert Placement.objects.filter(enrolment=bobs_enrolment).count() == 0


def test_agreeing_needs_the_meeting_first(coordinator, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    with pytest.raises(ValidationError):
        actions.agree_match(acting_user=coordinator, proposal=proposal, starts_on=today())
    assert not Placement.objects.exists()
    assert statuses(proposal) == [MatchStatus.PROPOSED]


def test_a_placement_refused_by_the_case_rules_leaves_the_proposal_as_it_was(coordinator, alices_enrolment, opening):
    proposal = booked(coordinator, alices_enrolment, opening)
    with pytest.raises(ValidationError) as refused:
        actions.agree_match(
            acting_user=coordinator,
            proposal=proposal,
            starts_on=alices_enrolment.referred_on - datetime.timedelta(days=1),
        )
    assert "starts_on" in refused.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.MEETING_BOOKED
    assert not Placement.objects.exists()
    opening.refresh_from_db()
    assert opening.status == Opening.Status.OPEN


# --- Declining ------------------------------------------------------------------------------------------


def test_declining_keeps_the_reason_and_the_history(coordinator, alices_enrolment, opening):
    proposal = booked(coordinator, alices_enrolment, opening)
    proposal = actions.decline_match(
        acting_user=coordinator, proposal=proposal, reason=DeclineReason.HOURS_DO_NOT_FIT, note="Kan kun om formiddagen"
    )
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.DECLINED
    assert (
        proposal.decline_reason == DeclineReason.HOURS_DO_NOT_FIT and proposal.decline_note == "Kan kun om formiddagen"
    )
    assert statuses(proposal) == [MatchStatus.PROPOSED, MatchStatus.MEETING_BOOKED, MatchStatus.DECLINED]
    log = ChangeLog.objects.get(action="decline_match")
    assert log.changes["reason"] == DeclineReason.HOURS_DO_NOT_FIT
    assert "Kan kun" not in str(log.changes), "note text never goes into the audit trail"
    opening.refresh_from_db()
    assert opening.status == Opening.Status.OPEN


@pytest.mark.parametrize(
    ("reason", "note", "field"), [("", "", "reason"), ("nonsense", "", "reason"), ("other", "  ", "note")]
)
def test_declining_needs_a_reason(coordinator, alices_enrolment, opening, reason, note, field):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    with pytest.raises(ValidationError) as refused:
        actions.decline_match(acting_user=coordinator, proposal=proposal, reason=reason, note=note)
    assert field in refused.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.PROPOSED and statuses(proposal) == [MatchStatus.PROPOSED]


def test_a_decided_proposal_is_final(coordinator, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    actions.decline_match(acting_user=coordinator, proposal=proposal, reason=DeclineReason.CITIZEN_DECLINED)
    for step in (
        lambda: actions.book_meeting(
            acting_user=coordinator, proposal=proposal, kind="coffee_visit", meeting_on=today()
        ),
        lambda: actions.agree_match(acting_user=coordinator, proposal=proposal, starts_on=today()),
        lambda: actions.decline_match(acting_user=coordinator, proposal=proposal, reason=DeclineReason.OTHER, note="x"),
    ):
        with pytest.raises(ValidationError):
            step()
    assert statuses(proposal) == [MatchStatus.PROPOSED, MatchStatus.DECLINED]


@pytest.mark.parametrize("who", ["manager", "evaluator", "charlie"])
def test_only_matching_roles_in_scope_move_a_proposal(request, who, coordinator, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.book_meeting(acting_user=user, proposal=proposal, kind="coffee_visit", meeting_on=today())
    with pytest.raises(PermissionDenied):
        actions.decline_match(acting_user=user, proposal=proposal, reason=DeclineReason.OTHER, note="x")
    assert statuses(proposal) == [MatchStatus.PROPOSED]


# --- Any sequence of steps: never an illegal transition, and the history always matches -----------------

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["book", "agree", "decline"]),
        st.integers(min_value=-3, max_value=3),  # days from today: the meeting, the start or the decision
        st.sampled_from([*DeclineReason.values, ""]),
    ),
    max_size=6,
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_steps_keeps_status_and_history_in_agreement(
    coordinator, alices_enrolment, company, programme, steps
):
    with rolled_back():
        opening = make_opening(company, programme, "Prøve")
        proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
        for step, days, reason in steps:
            before = (proposal.status, statuses(proposal))
            when = today() + datetime.timedelta(days=days)
            try:
                if step == "book":
                    actions.book_meeting(
                        acting_user=coordinator, proposal=proposal, kind="coffee_visit", meeting_on=when
                    )
                elif step == "agree":
                    actions.agree_match(acting_user=coordinator, proposal=proposal, starts_on=when)
                else:
                    actions.decline_match(acting_user=coordinator, proposal=proposal, reason=reason, note="n")
            except ValidationError:
                proposal.refresh_from_db()
                assert (proposal.status, statuses(proposal)) == before, "a refused step changes nothing"
                continue
            proposal.refresh_from_db()
            history = statuses(proposal)
            assert len(history) == len(before[1]) + 1
            assert history[-1] == proposal.status
        history = statuses(proposal)
        assert history[0] == MatchStatus.PROPOSED
        for earlier, later in zip(history, history[1:], strict=False):
            assert later in TRANSITIONS[MatchStatus(earlier)], f"illegal {earlier} → {later}"
        assert history[-1] == proposal.status
        agreed = proposal.status == MatchStatus.AGREED
        assert (proposal.placement_id is not None) == agreed
        assert Placement.objects.filter(opening=opening).count() == int(agreed)
        opening.refresh_from_db()
        assert (opening.status == Opening.Status.FILLED) == agreed
        assert MatchProposalEvent.objects.filter(proposal=proposal).count() == len(history)
        if proposal.status == MatchStatus.DECLINED:
            assert proposal.decline_reason


# --- Declines feed back into the rankings ----------------------------------------------------------------


def test_a_declined_match_feeds_back_into_the_ranking(coordinator, alices_enrolment, opening):
    from jobbro.matching import services

    assert opening in [m.opening for m in services.rank_openings(alices_enrolment)]
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    actions.decline_match(acting_user=coordinator, proposal=proposal, reason=DeclineReason.TASKS_DO_NOT_FIT)

    assert opening not in [m.opening for m in services.rank_openings(alices_enrolment)]
    assert services.excluded_reasons(alices_enrolment, opening)
    with pytest.raises(ValidationError) as refused:
        actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    assert "opening" in refused.value.message_dict
    assert MatchProposal.objects.count() == 1


def test_a_pair_the_engine_excludes_cannot_be_proposed(coordinator, alices_enrolment, company, programme):
    too_many_hours = make_opening(company, programme, "Fuld tid", weekly_hours=37)  # the citizen can manage 10
    with pytest.raises(ValidationError) as refused:
        actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=too_many_hours)
    assert len(refused.value.message_dict["opening"]) >= 2  # the heading and at least one reason
    assert not MatchProposal.objects.exists()
