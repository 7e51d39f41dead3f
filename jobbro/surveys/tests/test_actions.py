"""The questionnaire's rules: built while a draft, sent once per recipient, answered once at a link."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jobbro.audit.models import Action, ChangeLog
from jobbro.messaging.models import Channel, CitizenContactConsent, Message
from jobbro.surveys import actions, links
from jobbro.surveys.models import Answer, Audience, Invitation, Questionnaire
from jobbro.surveys.tests.conftest import build, questions, token_of


def test_questions_are_added_moved_and_removed_while_a_draft(draft, coordinator):
    scale, yes_no, choice, text = questions(draft)
    actions.move_question(acting_user=coordinator, question=yes_no, up=True)
    assert [q.pk for q in draft.questions.order_by("position")] == [yes_no.pk, scale.pk, choice.pk, text.pk]
    actions.remove_question(acting_user=coordinator, question=scale)
    assert list(draft.questions.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    assert ChangeLog.objects.filter(action=Action.UPDATE_QUESTIONNAIRE).count() >= 6


def test_nothing_about_the_questions_changes_after_opening(questionnaire, coordinator):
    scale, *_rest = questions(questionnaire)
    with pytest.raises(ValidationError):
        actions.add_question(acting_user=coordinator, questionnaire=questionnaire, text="Ny?", kind="yes_no")
    with pytest.raises(ValidationError):
        actions.remove_question(acting_user=coordinator, question=scale)
    with pytest.raises(ValidationError):
        actions.move_question(acting_user=coordinator, question=scale, up=False)
    with pytest.raises(ValidationError):
        actions.update_questionnaire(acting_user=coordinator, questionnaire=questionnaire, title="Andet")
    assert questionnaire.questions.count() == 4


def test_a_questionnaire_opens_only_with_questions_and_closes_only_when_open(coordinator, programme):
    empty = actions.create_questionnaire(
        acting_user=coordinator, programme=programme, title="Tom", audience=Audience.STAFF
    )
    with pytest.raises(ValidationError):
        actions.open_questionnaire(acting_user=coordinator, questionnaire=empty)
    with pytest.raises(ValidationError):
        actions.close_questionnaire(acting_user=coordinator, questionnaire=empty)


def test_a_question_is_checked_before_it_is_saved(draft, coordinator):
    with pytest.raises(ValidationError) as refused:
        actions.add_question(acting_user=coordinator, questionnaire=draft, text="", kind="choice", options=["Kun én"])
    assert set(refused.value.message_dict) == {"text", "options"}


@pytest.mark.parametrize("role", ["alice", "caseworker", "mentor", "manager", "evaluator", "charlie"])
def test_only_coordinators_and_administrators_of_the_programme_build_questionnaires(staff, programme, role):
    with pytest.raises(PermissionDenied):
        actions.create_questionnaire(
            acting_user=getattr(staff, role), programme=programme, title="X", audience=Audience.STAFF
        )


def test_sending_makes_one_invitation_per_case_and_never_twice(questionnaire, coordinator, world):
    on = timezone.localdate()
    waiting = list(actions.citizen_recipients(coordinator, questionnaire, on=on))
    assert len(waiting) == 4  # the programme's four cases; Charlie's is in another programme
    sent = actions.send(acting_user=coordinator, questionnaire=questionnaire, recipients=waiting)
    assert Invitation.objects.filter(questionnaire=questionnaire).count() == 4
    assert {invitation.enrolment for invitation, _link in sent} == set(waiting)
    # Only the digest is kept: no stored value opens a link.
    for invitation, link in sent:
        assert token_of(link) not in invitation.digest
        assert invitation.digest == links.digest(token_of(link))
    assert not list(actions.citizen_recipients(coordinator, questionnaire, on=on))
    with pytest.raises(ValidationError):
        actions.send(acting_user=coordinator, questionnaire=questionnaire, recipients=waiting[:1])


def test_the_six_month_choice_takes_the_cases_referred_in_the_window(questionnaire, coordinator, refer):
    on = datetime.date(2026, 6, 15)
    early = refer(first_name="Tidlig", referred_on=datetime.date(2025, 11, 20))  # about 7 months before
    due = refer(first_name="Nu", referred_on=datetime.date(2025, 12, 10))  # 6 months and 5 days before
    late = refer(first_name="Sen", referred_on=datetime.date(2026, 1, 10))  # 5 months before
    chosen = set(actions.citizen_recipients(coordinator, questionnaire, on=on, at_least_months=6, at_most_months=7))
    assert due in chosen and late not in chosen
    assert early in chosen  # 6 months and 26 days: still within 7 months
    assert actions.months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)


def test_a_draft_is_not_sent(draft, coordinator, alices_enrolment):
    with pytest.raises(ValidationError):
        actions.send(acting_user=coordinator, questionnaire=draft, recipients=[alices_enrolment])


def test_a_citizen_outside_the_senders_scope_is_refused(coordinator, programme, charlies_enrolment):
    questionnaire = build(coordinator, programme)
    with pytest.raises(PermissionDenied):
        actions.send(acting_user=coordinator, questionnaire=questionnaire, recipients=[charlies_enrolment])


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_request_only_queues_a_task_for_the_worker(questionnaire, coordinator, alices_enrolment):
    from django_tasks_db.models import DBTaskResult

    alices_enrolment.citizen.email = "alice.borger@example.dk"
    alices_enrolment.citizen.save(update_fields=["email"])
    CitizenContactConsent.objects.create(citizen=alices_enrolment.citizen, channel=Channel.EMAIL, given=True)
    [(_invitation, link)] = actions.send(
        acting_user=coordinator, questionnaire=questionnaire, recipients=[alices_enrolment]
    )
    assert not Message.objects.exists()
    queued = DBTaskResult.objects.get(task_path="jobbro.surveys.tasks.queue_messages")
    assert token_of(link) not in str(queued.args_kwargs)  # the links are encrypted in the task's row


def test_messages_go_through_the_outbox_with_the_citizens_consent(
    questionnaire, coordinator, alices_enrolment, bobs_enrolment, settings
):
    settings.TASKS = IMMEDIATE
    for enrolment, address in (
        (alices_enrolment, "alice.borger@example.dk"),
        (bobs_enrolment, "bob.borger@example.dk"),
    ):
        enrolment.citizen.email = address
        enrolment.citizen.save(update_fields=["email"])
    CitizenContactConsent.objects.create(citizen=alices_enrolment.citizen, channel=Channel.EMAIL, given=True)
    sent = actions.send(
        acting_user=coordinator, questionnaire=questionnaire, recipients=[alices_enrolment, bobs_enrolment]
    )
    # The tests' task backend runs the task at once: one message, to the citizen who consented, with her link.
    message = Message.objects.get(purpose="questionnaire")
    assert message.to == "alice.borger@example.dk"
    alices_link = next(link for invitation, link in sent if invitation.enrolment == alices_enrolment)
    assert alices_link in message.body
    assert Invitation.objects.get(enrolment=alices_enrolment).sent_at is not None
    assert Invitation.objects.get(enrolment=bobs_enrolment).sent_at is None


def _answer(questionnaire, token):
    scale, yes_no, choice, text = questions(questionnaire)
    given = {scale.pk: "4", yes_no.pk: "1", choice.pk: "", text.pk: "Mere kontakt"}
    return actions.submit_answers(token=token, given=given)


def test_an_invitation_is_answered_once(questionnaire, coordinator, alices_enrolment):
    [(invitation, link)] = actions.send(
        acting_user=coordinator, questionnaire=questionnaire, recipients=[alices_enrolment]
    )
    token = token_of(link)
    _answer(questionnaire, token)
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert sorted(Answer.objects.filter(invitation=invitation).values_list("number", flat=True), key=str) == [
        1,
        4,
        None,
    ]
    assert ChangeLog.objects.get(action=Action.ANSWER_QUESTIONNAIRE).citizen_ref == alices_enrolment.citizen_id
    with pytest.raises(actions.LinkClosed) as again:
        _answer(questionnaire, token)
    assert Answer.objects.filter(invitation=invitation).count() == 3
    with pytest.raises(actions.LinkClosed) as unknown:
        actions.submit_answers(token="ukendt-" + token[:20], given={})
    assert again.value.messages == unknown.value.messages


def test_required_answers_are_named_by_question(questionnaire, coordinator, alices_enrolment):
    [(_invitation, link)] = actions.send(
        acting_user=coordinator, questionnaire=questionnaire, recipients=[alices_enrolment]
    )
    scale, yes_no, _choice, _text = questions(questionnaire)
    with pytest.raises(ValidationError) as refused:
        actions.submit_answers(token=token_of(link), given={scale.pk: "9", yes_no.pk: ""})
    assert set(refused.value.message_dict) == {f"q{scale.pk}", f"q{yes_no.pk}"}
    assert not Answer.objects.exists()


def test_expired_and_closed_links_are_refused_as_unknown_ones(
    questionnaire, coordinator, alices_enrolment, bobs_enrolment
):
    sent = actions.send(
        acting_user=coordinator, questionnaire=questionnaire, recipients=[alices_enrolment, bobs_enrolment]
    )
    (first, first_link), (_second, second_link) = sent
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert links.resolve(token_of(first_link)) is None
    assert links.resolve(token_of(second_link)) is not None
    actions.close_questionnaire(acting_user=coordinator, questionnaire=questionnaire)
    assert links.resolve(token_of(second_link)) is None
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == Questionnaire.Status.CLOSED


def test_company_contacts_and_staff_are_chosen_from_the_programme(coordinator, programme, company, buddy, staff):
    contacts = build(coordinator, programme, audience=Audience.COMPANY_CONTACTS, title="Virksomheder")
    assert list(actions.contact_recipients(contacts, on=timezone.localdate(), buddies_only=True)) == [buddy]
    team = build(coordinator, programme, audience=Audience.STAFF, title="Medarbejdere")
    chosen = set(actions.staff_recipients(team))
    assert staff.alice in chosen and staff.coordinator in chosen
    assert staff.charlie not in chosen and staff.administrator not in chosen  # another programme; no membership
    sent = actions.send(acting_user=coordinator, questionnaire=team, recipients=[staff.alice], message=False)
    assert sent[0][0].site_id == staff.alice.memberships.get().site_id


def test_a_company_contact_who_opted_out_of_questionnaires_is_sent_no_message(
    coordinator, programme, company, settings
):
    from jobbro.companies.models import CompanyContact
    from jobbro.messaging.models import OptOut, Purpose

    settings.TASKS = IMMEDIATE
    keen = CompanyContact.objects.create(company=company, name="Karen Kontakt", email="karen@cafe.dk")
    tired = CompanyContact.objects.create(company=company, name="Tage Træt", email="tage@cafe.dk")
    OptOut.objects.create(address="tage@cafe.dk", purpose=Purpose.QUESTIONNAIRE, via=OptOut.Via.STAFF)
    contacts = build(coordinator, programme, audience=Audience.COMPANY_CONTACTS, title="Virksomheder")
    actions.send(acting_user=coordinator, questionnaire=contacts, recipients=[keen, tired])
    assert list(Message.objects.filter(purpose=Purpose.QUESTIONNAIRE).values_list("to", flat=True)) == ["karen@cafe.dk"]
    assert Message.objects.get().company == company
    assert Invitation.objects.get(contact=tired).sent_at is None
