"""The control group of a lottery is enforced: drawn to it, a citizen gets the usual services, never the programme's
placements, small jobs or matching, and is left out of caseloads, matching lists and the programme's reports."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from jobbro.audit.models import Action, ChangeLog
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Enrolment, PlacementKind
from jobbro.conftest import make_opening
from jobbro.effect import actions
from jobbro.effect.models import LotteryDraw, TrialDesign
from jobbro.matching import actions as match_actions
from jobbro.matching import services
from jobbro.matching.models import MeetingKind
from jobbro.reporting.base import Scope

DANISH_REFUSAL = "Borgeren er i kontrolgruppen i projektets lodtrækning"
STARTS_ON = datetime.date(2025, 3, 10)


@pytest.fixture
def drawn(administrator, programme, refer, caseworker, alice):
    """Two citizens drawn by the lottery: one to each group, both with alice as job broker, start form filled."""
    actions.set_trial_design(
        acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY, block_size=2
    )
    made = {}
    while len(made) < 2:
        enrolment = refer(job_broker=alice)
        made.setdefault(actions.draw(acting_user=caseworker, enrolment=enrolment).arm, enrolment)
    for enrolment in made.values():
        enrolment.refresh_from_db()
    return made[LotteryDraw.Arm.PROGRAMME], made[LotteryDraw.Arm.CONTROL]


def test_the_draw_marks_only_the_control_group_with_a_change_log_entry(drawn):
    programme_arm, control = drawn
    assert control.control_group and not programme_arm.control_group
    entry = ChangeLog.objects.get(action=Action.ASSIGN_CONTROL_GROUP)
    assert entry.object_id == str(control.pk) and entry.citizen_ref == control.citizen_id


def test_assigning_the_control_group_needs_the_referral_capability_and_is_idempotent(drawn, alice, caseworker):
    programme_arm, control = drawn
    with pytest.raises(PermissionDenied):
        case_actions.assign_control_group(acting_user=alice, enrolment=programme_arm)
    case_actions.assign_control_group(acting_user=caseworker, enrolment=control)
    assert ChangeLog.objects.filter(action=Action.ASSIGN_CONTROL_GROUP).count() == 1


def test_a_citizen_who_had_a_placement_cannot_join_the_control_group(drawn, start, caseworker):
    programme_arm, _control = drawn
    start(programme_arm)
    with pytest.raises(ValidationError):
        case_actions.assign_control_group(acting_user=caseworker, enrolment=programme_arm)
    programme_arm.refresh_from_db()
    assert not programme_arm.control_group


def test_no_placement_starts_for_the_control_group_and_the_refusal_is_danish(drawn, company, caseworker):
    programme_arm, control = drawn
    with translation.override("da"), pytest.raises(ValidationError) as refused:
        case_actions.start_placement(
            acting_user=caseworker,
            enrolment=control,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=STARTS_ON,
        )
    assert DANISH_REFUSAL in " ".join(refused.value.messages)
    assert not control.placements.exists()
    # The programme group's citizen starts one as usual.
    case_actions.start_placement(
        acting_user=caseworker,
        enrolment=programme_arm,
        company=company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=STARTS_ON,
        agreed_ordinary_hours=10,
    )
    assert programme_arm.placements.exists()


def test_no_match_is_proposed_booked_or_agreed_for_the_control_group(
    drawn, company, programme, coordinator, caseworker, administrator
):
    _programme_arm, control = drawn
    opening = make_opening(company, programme, "Opvask")
    with pytest.raises(ValidationError):
        match_actions.propose_match(acting_user=coordinator, enrolment=control, opening=opening, on=STARTS_ON)
    # A proposal made before the citizen was drawn (not possible through the referral, which draws at once, but
    # through any older path) cannot be carried on either.
    Enrolment.objects.filter(pk=control.pk).update(control_group=False)
    control.refresh_from_db()
    proposal = match_actions.propose_match(acting_user=coordinator, enrolment=control, opening=opening, on=STARTS_ON)
    Enrolment.objects.filter(pk=control.pk).update(control_group=True)
    proposal.enrolment.refresh_from_db()
    with pytest.raises(ValidationError):
        match_actions.book_meeting(
            acting_user=coordinator,
            proposal=proposal,
            kind=MeetingKind.COFFEE_VISIT,
            meeting_on=STARTS_ON,
            on=STARTS_ON,
        )
    with pytest.raises(ValidationError):
        match_actions.agree_match(acting_user=coordinator, proposal=proposal, starts_on=STARTS_ON, on=STARTS_ON)
    assert not control.placements.exists()


def test_matching_lists_leave_the_control_group_out(drawn, company, programme):
    programme_arm, control = drawn
    opening = make_opening(company, programme, "Opvask")
    on = datetime.date(2025, 3, 12)
    assert set(services.rankable_enrolments(programme, on=on)) == {programme_arm}
    ranked = {match.enrolment.pk for match in services.rank_citizens(opening, on=on)}
    assert programme_arm.pk in ranked and control.pk not in ranked
    assert services.rank_openings(control, on=on) == []
    assert services.rank_openings(programme_arm, on=on)
    case_actions.change_step(acting_user=programme_arm.referred_by, enrolment=control, step=2, on=on)
    case_actions.change_step(acting_user=programme_arm.referred_by, enrolment=programme_arm, step=2, on=on)
    assert set(services.waiting_enrolments(programme, on=on)) == {programme_arm}
    from jobbro.matching import type3

    waiting = set(type3._waiting(programme_arm.referred_by, on, {programme.pk: on}))
    assert programme_arm in waiting and control not in waiting


def test_the_caseload_and_the_reports_leave_the_control_group_out(drawn, alice, programme, site, other_site):
    programme_arm, control = drawn
    assert set(Enrolment.objects.caseload_of(alice)) >= {programme_arm}
    assert control not in Enrolment.objects.caseload_of(alice)
    scope = Scope(programme=programme, sites=(site, other_site), on=datetime.date(2025, 6, 1))
    assert programme_arm in scope.enrolments() and control not in scope.enrolments()
    assert set(Enrolment.objects.in_programme_effort()) == set(Enrolment.objects.exclude(pk=control.pk))


def test_the_placement_and_small_job_pages_say_the_citizen_is_in_the_control_group(drawn, client, caseworker, alice):
    programme_arm, control = drawn
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    pages = [
        ("placement_start", caseworker),
        ("citizen_matches", alice),
    ]
    for name, user in pages:
        client.force_login(user)
        for enrolment, shown in ((control, True), (programme_arm, False)):
            url = reverse(name, kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
            page = client.get(url).content.decode()
            assert ('id="control-group"' in page) is shown, (name, enrolment)
            assert (DANISH_REFUSAL in page) is shown


def test_the_placement_page_refuses_the_control_group_in_danish(drawn, client, caseworker, company):
    _programme_arm, control = drawn
    client.force_login(caseworker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    url = reverse("placement_start", kwargs={"citizen_pk": control.citizen_id, "enrolment_pk": control.pk})
    response = client.post(
        url,
        {"company": company.pk, "kind": PlacementKind.INTERNSHIP, "starts_on": STARTS_ON.isoformat(), "purpose": "x"},
    )
    assert response.status_code in (200, 400)
    assert not control.placements.exists()
    assert DANISH_REFUSAL in response.content.decode()


def test_the_result_goals_count_the_programme_s_effort_only(drawn, programme):
    from jobbro.reporting import result_goals

    programme_arm, _control = drawn
    assert set(result_goals.enrolments(programme)) == {programme_arm}
