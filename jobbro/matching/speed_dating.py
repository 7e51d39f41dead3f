"""A speed-dating event's plan and its conversations' outcomes (the events themselves are jobbro/outreach's).

The plan is made by the matching planner (services.speed_dating_plan) among the event's registered citizens and
the companies of its registered contacts, and saved on the event as SpeedDatingConversation rows. An outcome of
mutual interest is followed up at once as a match proposal through matching's own propose action. These live in
matching, not in outreach, so that the apps import each other in no circle: matching reads the events, the events
know nothing of matching.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases.models import Enrolment
from jobbro.companies.models import Opening
from jobbro.matching import actions as matching_actions
from jobbro.matching import services
from jobbro.outreach.actions import speed_dating_participants
from jobbro.outreach.models import ConversationOutcome, EventKind, SpeedDatingConversation


def _require(condition):
    if not condition:
        raise PermissionDenied


def _require_event_programme(user, programme):
    _require(access.visible_programmes(user).filter(pk=programme.pk).exists())


def _started(at):
    return at <= timezone.now()


@transaction.atomic
def save_speed_dating_plan(*, acting_user, event, rounds, on=None):
    """Plan the conversations of a speed-dating event with the matching planner (matching/services.py
    speed_dating_plan) among the registered citizens and companies, and save it. Conversations that already have
    an outcome are kept; the rest of an earlier plan is replaced."""
    _require(may(acting_user, Capability.RUN_EVENTS))
    _require_event_programme(acting_user, event.programme)
    if event.kind != EventKind.SPEED_DATING:
        raise ValidationError(_("Only a speed-dating event has a plan."))
    if not 1 <= rounds <= 20:
        raise ValidationError({"rounds": _("Between 1 and 20 rounds.")})
    enrolments, companies = speed_dating_participants(event)
    plan = services.speed_dating_plan(enrolments=enrolments, companies=companies, rounds=rounds, on=on)
    kept = SpeedDatingConversation.objects.filter(event=event).exclude(outcome=ConversationOutcome.PENDING)
    SpeedDatingConversation.objects.filter(event=event, outcome=ConversationOutcome.PENDING).delete()
    taken_pairs = set(kept.values_list("enrolment_id", "company_id"))
    busy = set(kept.values_list("round", "enrolment_id")) | {
        ("c", r, c) for r, c in kept.values_list("round", "company_id")
    }
    rows = []
    for number, meetings in enumerate(plan, start=1):
        for enrolment, company, score in meetings:
            if (
                (enrolment.pk, company.pk) in taken_pairs
                or (number, enrolment.pk) in busy
                or ("c", number, company.pk) in busy
            ):
                continue
            rows.append(
                SpeedDatingConversation(event=event, round=number, enrolment=enrolment, company=company, score=score)
            )
    SpeedDatingConversation.objects.bulk_create(rows)
    log_change(
        user=acting_user,
        action=Action.SAVE_SPEED_DATING_PLAN,
        obj=event,
        changes={"rounds": rounds, "conversations": len(rows), "kept": kept.count()},
    )
    return list(SpeedDatingConversation.objects.filter(event=event))


def _propose(acting_user, conversation):
    """A match proposal for the citizen at one of the company's open small jobs in the programme, through
    matching's own action (which checks the engine's exclusions); None when no open small job admits one."""
    openings = Opening.objects.open().filter(
        company=conversation.company_id, programme=conversation.enrolment.programme_id
    )
    for opening in openings.order_by("-posted_on", "pk"):
        try:
            with transaction.atomic():
                return matching_actions.propose_match(
                    acting_user=acting_user, enrolment=conversation.enrolment, opening=opening
                )
        except ValidationError:
            continue
    return None


@transaction.atomic
def record_conversation_outcome(*, acting_user, conversation, outcome):
    """Record how a conversation went. Mutual interest is followed up at once as a match proposal for the
    company's open small job (matching/actions.py propose_match); the returned conversation's `proposal` says
    whether one could be made (None: the company has no open small job the citizen may be proposed for)."""
    _require(may(acting_user, Capability.REGISTER_FOR_EVENTS))
    conversation = (
        SpeedDatingConversation.objects.select_for_update().select_related("event", "enrolment").get(pk=conversation.pk)
    )
    _require_event_programme(acting_user, conversation.event.programme)
    _require(access.scope_enrolments(Enrolment.objects.filter(pk=conversation.enrolment_id), acting_user).exists())
    if outcome not in ConversationOutcome.values or outcome == ConversationOutcome.PENDING:
        raise ValidationError({"outcome": _("Choose how the conversation went.")})
    if not _started(conversation.event.starts_at):
        raise ValidationError(_("Outcomes can be recorded once the event has started."))
    conversation.outcome = outcome
    if outcome == ConversationOutcome.BOTH and conversation.proposal_id is None:
        conversation.proposal = _propose(acting_user, conversation)
    conversation.save(update_fields=["outcome", "proposal"])
    log_change(
        user=acting_user,
        action=Action.RECORD_CONVERSATION_OUTCOME,
        obj=conversation,
        citizen_pk=conversation.enrolment.citizen_id,
        changes={"event": conversation.event_id, "outcome": outcome, "proposal": conversation.proposal_id},
    )
    return conversation
