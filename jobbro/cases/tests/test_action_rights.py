"""The case actions ask the role table themselves, so no caller can write around it.

The pages already answer 404 to a role that may not use them; these tests call the actions directly, as a
command or another system would, and check that a role without the capability, or a user whose citizen scope
does not reach the case, is refused and nothing is written.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from jobbro.accounts.policy import Capability, may
from jobbro.audit.models import ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import Contact, OutcomeStatus, PlacementKind, Step, StepChange, Timesheet

ON = datetime.date(2025, 4, 7)  # a Monday after the conftest referrals

CASE_WRITES = {
    "change_step": lambda user, w: actions.change_step(
        acting_user=user, enrolment=w.alices_enrolment, step=Step.TOWARDS_JOB, on=ON
    ),
    "log_contact": lambda user, w: actions.log_contact(
        acting_user=user, enrolment=w.alices_enrolment, kind=Contact.Kind.PHONE, occurred_on=ON
    ),
    "create_job_plan": lambda user, w: actions.create_job_plan(
        acting_user=user, enrolment=w.alices_enrolment, title="Plan", created_on=ON
    ),
    "record_follow_up": lambda user, w: actions.record_follow_up(
        acting_user=user, enrolment=w.alices_enrolment, measured_on=ON, status=OutcomeStatus.IN_PROGRAMME
    ),
    "end_enrolment": lambda user, w: actions.end_enrolment(
        acting_user=user, enrolment=w.alices_enrolment, ended_on=ON, status=OutcomeStatus.BENEFIT
    ),
}


def _rows():
    return (StepChange.objects.count(), Contact.objects.count(), ChangeLog.objects.count())


# A coordinator logs the match meetings they hold as contacts: see the test further down.
REFUSED = [
    (write, who)
    for write in sorted(CASE_WRITES)
    for who in ("coordinator", "manager", "evaluator", "charlie", "outside_caseworker")
    if (write, who) != ("log_contact", "coordinator")
]


@pytest.mark.parametrize(("write", "who"), REFUSED)
def test_a_user_without_case_work_on_this_case_is_refused_and_nothing_is_written(world, write, who):
    user = getattr(world, who)
    before = _rows()
    with pytest.raises(PermissionDenied):
        CASE_WRITES[write](user, world)
    assert _rows() == before


@pytest.mark.parametrize("write", sorted(CASE_WRITES))
@pytest.mark.parametrize("who", ["alice", "bob", "caseworker", "administrator"])
def test_case_work_on_a_case_in_scope_is_allowed(world, write, who):
    user = getattr(world, who)
    assert may(user, Capability.CASE_WORK)
    CASE_WRITES[write](user, world)


def test_a_coordinator_logs_a_match_meeting_as_a_contact_but_moves_no_step(world):
    assert may(world.coordinator, Capability.PROPOSE_MATCH) and not may(world.coordinator, Capability.CASE_WORK)
    actions.log_contact(
        acting_user=world.coordinator, enrolment=world.alices_enrolment, kind=Contact.Kind.PHONE, occurred_on=ON
    )
    with pytest.raises(PermissionDenied):
        actions.change_step(
            acting_user=world.coordinator, enrolment=world.alices_enrolment, step=Step.TOWARDS_JOB, on=ON
        )


def test_hours_need_the_hours_capability_and_the_case_in_scope(world, start):
    placement = start(world.alices_enrolment, starts_on=ON - datetime.timedelta(days=21), kind=PlacementKind.SMALL_JOB)
    for user in (world.coordinator, world.manager, world.evaluator, world.charlie):
        with pytest.raises(PermissionDenied):
            actions.register_hours(
                acting_user=user, placement=placement, week_start=ON, ordinary_hours=5, internship_hours=0
            )
    assert not Timesheet.objects.filter(placement=placement).exists()
    actions.register_hours(
        acting_user=world.alice, placement=placement, week_start=ON, ordinary_hours=5, internship_hours=0
    )
    assert Timesheet.objects.get(placement=placement).ordinary_hours == 5


def test_a_mentor_may_only_work_on_the_citizens_they_support(world):
    # bob's citizen has `mentor` as mentor; alice's citizen does not.
    actions.log_contact(
        acting_user=world.mentor, enrolment=world.bobs_enrolment, kind=Contact.Kind.PHONE, occurred_on=ON
    )
    with pytest.raises(PermissionDenied):
        actions.log_contact(
            acting_user=world.mentor, enrolment=world.alices_enrolment, kind=Contact.Kind.PHONE, occurred_on=ON
        )
