"""Events through their actions: who may do what, registration and its history, attendance (per session for a
course), a buddy's training date from attendance, drop-in visits without personal data, speed-dating outcomes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jobbro.audit.models import Action, ChangeLog
from jobbro.companies.models import CompanyContact
from jobbro.conftest import make_company, make_opening
from jobbro.matching import speed_dating as dating_actions
from jobbro.matching.models import MatchProposal, MatchStatus
from jobbro.outreach import actions
from jobbro.outreach.models import (
    ConversationOutcome,
    DropInCount,
    EventKind,
    NamedVisit,
    RegistrationState,
    SpeedDatingConversation,
)
from jobbro.outreach.tests.conftest import HOUR, moment

pytestmark = pytest.mark.django_db


def test_the_coordinator_creates_an_event_and_others_may_not(make_event, alice, manager, programme):
    event = make_event(EventKind.BUDDY_MEETING)
    assert ChangeLog.objects.filter(action=Action.CREATE_EVENT, object_id=str(event.pk)).exists()
    for user in (alice, manager):
        with pytest.raises(PermissionDenied):
            actions.create_event(
                acting_user=user,
                programme=programme,
                kind=EventKind.BUDDY_MEETING,
                title="x",
                starts_at=moment(1),
                ends_at=moment(1) + HOUR,
            )


def test_an_outsider_cannot_create_an_event_in_another_programme(administrator, charlie, programme):
    with pytest.raises(PermissionDenied):
        actions.create_event(
            acting_user=charlie,
            programme=programme,
            kind=EventKind.CLUSTER_MEETING,
            title="x",
            starts_at=moment(1),
            ends_at=moment(1) + HOUR,
        )


def test_an_event_must_end_after_it_starts(coordinator, programme):
    with pytest.raises(ValidationError):
        actions.create_event(
            acting_user=coordinator,
            programme=programme,
            kind=EventKind.CLUSTER_MEETING,
            title="x",
            starts_at=moment(1),
            ends_at=moment(1) - HOUR,
        )


def test_a_job_broker_registers_her_citizen_with_history_and_cancels(make_event, alice, alices_enrolment):
    event = make_event(days=3)
    registration = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    assert registration.state == RegistrationState.REGISTERED
    actions.cancel_registration(acting_user=alice, registration=registration)
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CANCELLED
    assert [c.state for c in registration.changes.all()] == ["registered", "cancelled"]
    again = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    assert again.pk == registration.pk and again.state == RegistrationState.REGISTERED


def test_no_one_registers_a_citizen_they_may_not_see(make_event, charlie, alices_enrolment, manager, mentor):
    event = make_event(days=3)
    for user in (charlie, manager, mentor):  # outsider; manager may not register; mentor only sees own citizens
        with pytest.raises(PermissionDenied):
            actions.register(acting_user=user, event=event, enrolment=alices_enrolment)


def test_a_full_event_refuses_another_registration(make_event, alice, alices_enrolment, bob, bobs_enrolment):
    event = make_event(days=3, capacity=1)
    actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    with pytest.raises(ValidationError):
        actions.register(acting_user=bob, event=event, enrolment=bobs_enrolment)


def test_attendance_marks_attended_and_no_show(make_event, alice, alices_enrolment, bobs_enrolment, bob):
    event = make_event(days=-1)
    mine = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    staff = actions.register(acting_user=alice, event=event, user=bob)
    actions.record_attendance(acting_user=alice, event=event, attended={mine: True, staff: False})
    mine.refresh_from_db()
    staff.refresh_from_db()
    assert (mine.state, staff.state) == (RegistrationState.ATTENDED, RegistrationState.NO_SHOW)


def test_attendance_cannot_be_recorded_before_the_event(make_event, alice, alices_enrolment):
    event = make_event(days=2)
    registration = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    with pytest.raises(ValidationError):
        actions.record_attendance(acting_user=alice, event=event, attended={registration: True})


def test_a_manager_may_not_record_attendance(make_event, alice, manager, alices_enrolment):
    event = make_event(days=-1)
    registration = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    with pytest.raises(PermissionDenied):
        actions.record_attendance(acting_user=manager, event=event, attended={registration: True})


def test_a_buddy_who_attended_a_buddy_training_has_its_date(make_event, coordinator, alice, company):
    buddy = CompanyContact.objects.create(company=company, name="Birgit Buddy", is_buddy=True)
    absent = CompanyContact.objects.create(company=company, name="Bent Buddy", is_buddy=True)
    event = make_event(EventKind.BUDDY_TRAINING, days=-7)
    came = actions.register(acting_user=coordinator, event=event, contact=buddy)
    stayed_away = actions.register(acting_user=coordinator, event=event, contact=absent)
    actions.record_attendance(acting_user=alice, event=event, attended={came: True, stayed_away: False})
    buddy.refresh_from_db()
    absent.refresh_from_db()
    assert buddy.buddy_trained_on == moment(-7).date()
    assert absent.buddy_trained_on is None
    assert ChangeLog.objects.filter(action=Action.SET_BUDDY_TRAINED, object_id=str(buddy.pk)).exists()


def test_a_buddy_training_takes_only_buddies(make_event, coordinator, company):
    plain = CompanyContact.objects.create(company=company, name="Ole Kontakt")
    with pytest.raises(ValidationError):
        actions.register(acting_user=coordinator, event=make_event(EventKind.BUDDY_TRAINING), contact=plain)


def test_a_course_records_attendance_per_session(make_event, alice, alices_enrolment):
    sessions = [
        (moment(-14), moment(-14) + HOUR, False, ""),
        (moment(-7), moment(-7) + HOUR, True, "Peers share how they found work"),
        (moment(7), moment(7) + HOUR, False, ""),
    ]
    event = make_event(EventKind.GROUP_COURSE, days=-14, sessions=sessions)
    first, second, later = event.sessions.all()
    assert second.peer_element and not first.peer_element
    registration = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    actions.record_attendance(acting_user=alice, event=event, session=first, attended={registration: False})
    registration.refresh_from_db()
    assert registration.state == RegistrationState.NO_SHOW
    actions.record_attendance(acting_user=alice, event=event, session=second, attended={registration: True})
    registration.refresh_from_db()
    assert registration.state == RegistrationState.ATTENDED
    assert registration.session_attendance.count() == 2
    with pytest.raises(ValidationError):  # not started
        actions.record_attendance(acting_user=alice, event=event, session=later, attended={registration: True})
    with pytest.raises(ValidationError):  # a course needs the session
        actions.record_attendance(acting_user=alice, event=event, attended={registration: True})


def test_drop_in_visits_are_counted_without_personal_data(make_event, alice):
    event = make_event(EventKind.OPEN_COUNSELLING, days=-1)
    actions.record_drop_in(acting_user=alice, event=event, visitors=3, age_band="under_30", referred="no")
    actions.record_drop_in(acting_user=alice, event=event, visitors=2)
    assert sum(c.visitors for c in DropInCount.objects.filter(event=event)) == 5
    text_fields = {
        f.name for f in DropInCount._meta.concrete_fields if f.get_internal_type() in ("CharField", "TextField")
    }
    assert text_fields == {"age_band", "referred"}  # nothing that could hold a name
    with pytest.raises(ValidationError):
        actions.record_drop_in(acting_user=alice, event=make_event(EventKind.CLUSTER_MEETING), visitors=1)


def test_a_visitor_is_named_only_with_consent(make_event, alice):
    event = make_event(EventKind.OPEN_COUNSELLING, days=-1)
    with pytest.raises(ValidationError):
        actions.record_named_visit(acting_user=alice, event=event, name="Fatima", consent_given=False)
    assert not NamedVisit.objects.exists()
    visit = actions.record_named_visit(acting_user=alice, event=event, name="Fatima", consent_given=True)
    assert visit.consent_given and visit.consent_recorded_at is not None


def test_open_counselling_takes_no_registrations(make_event, alice, alices_enrolment):
    with pytest.raises(ValidationError):
        actions.register(acting_user=alice, event=make_event(EventKind.OPEN_COUNSELLING), enrolment=alices_enrolment)


@pytest.fixture
def speed_dating(make_event, coordinator, alice, alices_enrolment, bob, bobs_enrolment, programme):
    company = make_company("Kantinen A/S", programme=programme)
    other = make_company("Lageret ApS", programme=programme)
    make_opening(company, programme, "Kantinemedhjælper")
    event = make_event(EventKind.SPEED_DATING, days=-1)
    for firm in (company, other):
        contact = CompanyContact.objects.create(company=firm, name=f"Kontakt {firm.name}")
        actions.register(acting_user=coordinator, event=event, contact=contact)
    actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    actions.register(acting_user=bob, event=event, enrolment=bobs_enrolment)
    return event, company, other


def test_the_speed_dating_plan_is_saved(speed_dating, coordinator, alice):
    event, company, other = speed_dating
    conversations = dating_actions.save_speed_dating_plan(acting_user=coordinator, event=event, rounds=2)
    assert conversations
    assert len({(c.enrolment_id, c.company_id) for c in conversations}) == len(conversations)
    for number in {c.round for c in conversations}:
        in_round = [c for c in conversations if c.round == number]
        assert len({c.enrolment_id for c in in_round}) == len(in_round)
        assert len({c.company_id for c in in_round}) == len(in_round)
    with pytest.raises(PermissionDenied):
        dating_actions.save_speed_dating_plan(acting_user=alice, event=event, rounds=2)


def test_mutual_interest_becomes_a_match_proposal(speed_dating, coordinator, alice, alices_enrolment):
    event, company, other = speed_dating
    dating_actions.save_speed_dating_plan(acting_user=coordinator, event=event, rounds=2)
    conversation = SpeedDatingConversation.objects.get(event=event, enrolment=alices_enrolment, company=company)
    conversation = dating_actions.record_conversation_outcome(
        acting_user=alice, conversation=conversation, outcome=ConversationOutcome.BOTH
    )
    proposal = MatchProposal.objects.get(enrolment=alices_enrolment)
    assert conversation.proposal == proposal
    assert proposal.opening.company == company and proposal.status == MatchStatus.PROPOSED


def test_one_sided_interest_makes_no_proposal(speed_dating, coordinator, alice, alices_enrolment):
    event, company, other = speed_dating
    dating_actions.save_speed_dating_plan(acting_user=coordinator, event=event, rounds=2)
    conversation = SpeedDatingConversation.objects.get(event=event, enrolment=alices_enrolment, company=company)
    dating_actions.record_conversation_outcome(
        acting_user=alice, conversation=conversation, outcome=ConversationOutcome.COMPANY_ONLY
    )
    assert not MatchProposal.objects.exists()


def test_an_outsider_cannot_record_an_outcome(speed_dating, coordinator, charlie, alices_enrolment):
    event, company, other = speed_dating
    dating_actions.save_speed_dating_plan(acting_user=coordinator, event=event, rounds=2)
    conversation = SpeedDatingConversation.objects.filter(event=event).first()
    with pytest.raises(PermissionDenied):
        dating_actions.record_conversation_outcome(acting_user=charlie, conversation=conversation, outcome="both")


def test_a_registered_contact_with_an_e_mail_is_invited_once(make_event, coordinator, company):
    from jobbro.messaging.models import Message

    contact = CompanyContact.objects.create(company=company, name="Karen", email="karen@kantinen.example")
    event = make_event(EventKind.CLUSTER_MEETING, days=3, title="Klyngemøde om sæsonjob")
    registration = actions.register(acting_user=coordinator, event=event, contact=contact)
    [message] = Message.objects.filter(to="karen@kantinen.example")
    assert message.purpose == "event_invitation"
    assert "Klyngemøde om sæsonjob" in message.subject and event.place in message.body
    actions.cancel_registration(acting_user=coordinator, registration=registration)
    actions.register(acting_user=coordinator, event=event, contact=contact)
    assert Message.objects.filter(to="karen@kantinen.example").count() == 2  # invited again after cancelling


def test_a_contact_without_an_e_mail_gets_no_message(make_event, coordinator, company):
    from jobbro.messaging.models import Message

    contact = CompanyContact.objects.create(company=company, name="Ole")
    actions.register(acting_user=coordinator, event=make_event(days=3), contact=contact)
    assert not Message.objects.exists()
