"""Every write in the match workflow goes through one of these functions.

proposed → meeting booked → agreed (a small-job placement starts) or declined with a reason. Each action
runs in one transaction, locks the proposal, checks that the step is allowed from the current status
(TRANSITIONS in models.py), writes the new status together with its MatchProposalEvent history row and
an audit row, or refuses with a ValidationError and writes nothing.

A meeting's contact (coffee visit or match meeting) is logged on the case through cases.actions.log_contact
once the meeting date has come: when the meeting is booked with a date that has passed, or else when the
match is agreed or declined after the date. A contact is something that happened, never a plan.

Proposing, booking and agreeing present the citizen to the small job's company, so each needs the citizen's consent
to sharing data with companies in the network on the day of the step (people/consent.py; docs/consent.md).
Declining shares nothing and is always allowed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Enrolment, Placement, PlacementKind
from jobbro.companies.models import Opening
from jobbro.days import today
from jobbro.matching.models import (
    TRANSITIONS,
    DeclineReason,
    MatchProposal,
    MatchProposalEvent,
    MatchStatus,
    MeetingKind,
)
from jobbro.people.consent import require_consent
from jobbro.people.models import ConsentKind


def _require(condition):
    if not condition:
        raise PermissionDenied


def _require_scope(user, enrolment):
    _require(may(user, Capability.PROPOSE_MATCH))
    _require(access.scope_enrolments(Enrolment.objects.filter(pk=enrolment.pk), user).exists())


def _date_check(on, *, not_before, field, before_message):
    if on > today():
        raise ValidationError({field: _("The date cannot be in the future.")})
    if not_before and on < not_before:
        raise ValidationError({field: before_message})


def _locked(proposal):
    """The proposal as it is now in the database, locked for the rest of the transaction."""
    return MatchProposal.objects.select_for_update().select_related("enrolment", "opening__company").get(pk=proposal.pk)


def _last_event_on(proposal):
    return proposal.events.order_by("-on", "-id").values_list("on", flat=True).first()


def _check_transition(proposal, status):
    if status not in TRANSITIONS[MatchStatus(proposal.status)]:
        raise ValidationError(
            _("A proposal that is “%(current)s” cannot become “%(new)s”.")
            % {"current": MatchStatus(proposal.status).label, "new": MatchStatus(status).label},
            code="invalid_transition",
        )


def _move(proposal, status, *, acting_user, on):
    """Record the new status: on the proposal and as a history row (never overwriting the earlier ones)."""
    _check_transition(proposal, status)
    proposal.status = status
    proposal.save()
    MatchProposalEvent.objects.create(proposal=proposal, status=status, on=on, by=acting_user)


def _log_meeting_contact(proposal, *, acting_user):
    """Log the meeting on the case once its date has come (and only once per booked meeting)."""
    if proposal.meeting_contact_id or not proposal.meeting_on or proposal.meeting_on > today():
        return
    opening = proposal.opening
    contact = case_actions.log_contact(
        acting_user=acting_user,
        enrolment=proposal.enrolment,
        kind=proposal.meeting_kind,
        occurred_on=proposal.meeting_on,
        company=opening.company,
        company_contacts=[opening.buddy] if opening.buddy_id else [],
    )
    proposal.meeting_contact = contact


def _changes(proposal, **extra):
    return {"enrolment": proposal.enrolment_id, "opening": proposal.opening_id, "status": proposal.status, **extra}


@transaction.atomic
def propose_match(*, acting_user, enrolment, opening, on=None, score=None):
    """Propose a citizen for an open small job in the same programme."""
    _require_scope(acting_user, enrolment)
    on = on or today()
    case_actions.refuse_control_group(enrolment)
    if enrolment.ended_on:
        raise ValidationError(_("The enrolment has ended; a match needs an active enrolment."))
    require_consent(enrolment.citizen_id, ConsentKind.DATA_SHARING, on)
    opening = Opening.objects.select_for_update().get(pk=opening.pk)
    if opening.programme_id != enrolment.programme_id:
        raise ValidationError({"opening": _("The small job must be in the citizen's programme.")})
    if opening.status != Opening.Status.OPEN:
        raise ValidationError({"opening": _("The small job is no longer open.")})
    _date_check(
        on,
        not_before=enrolment.referred_on,
        field="proposed_on",
        before_message=_("A match cannot be proposed before the referral date."),
    )
    if MatchProposal.objects.open().filter(enrolment=enrolment, opening=opening).exists():
        raise ValidationError({"opening": _("There is already an open proposal for this citizen and this small job.")})
    excluded = _excluded_reasons(enrolment, opening, acting_user)
    if excluded:
        raise ValidationError({"opening": [_("This citizen cannot be matched with this small job:")] + list(excluded)})
    proposal = MatchProposal(
        enrolment=enrolment,
        opening=opening,
        status=MatchStatus.PROPOSED,
        proposed_by=acting_user,
        proposed_on=on,
        score=None if score is None else round(float(score), 1),
    )
    proposal.full_clean(validate_unique=False, validate_constraints=False)
    proposal.save()
    MatchProposalEvent.objects.create(proposal=proposal, status=MatchStatus.PROPOSED, on=on, by=acting_user)
    log_change(
        user=acting_user,
        action=Action.PROPOSE_MATCH,
        obj=proposal,
        citizen_pk=enrolment.citizen_id,
        changes=_changes(proposal, on=on.isoformat()),
    )
    return proposal


def _excluded_reasons(enrolment, opening, reader):
    """The engine's hard exclusions for the pair, as the reader may see them; none if it is not there yet."""
    try:
        from jobbro.matching import services
    except ImportError:  # pragma: no cover - the services module is built alongside
        return []
    return services.excluded_reasons(enrolment, opening, reader=reader)


@transaction.atomic
def book_meeting(*, acting_user, proposal, kind, meeting_on, on=None):
    """Book the coffee visit or match meeting that settles the match (or move a booked one)."""
    proposal = _locked(proposal)
    _require_scope(acting_user, proposal.enrolment)
    on = on or today()
    _check_transition(proposal, MatchStatus.MEETING_BOOKED)
    case_actions.refuse_control_group(proposal.enrolment)
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = _("Choose a coffee visit or a match meeting.")
    if meeting_on < proposal.proposed_on:
        errors["meeting_on"] = _("The meeting cannot be before the match was proposed (%(date)s).") % {
            "date": proposal.proposed_on.strftime("%d.%m.%Y")
        }
    if errors:
        raise ValidationError(errors)
    if proposal.enrolment.ended_on:
        raise ValidationError(_("The enrolment has ended; a match needs an active enrolment."))
    require_consent(proposal.enrolment.citizen_id, ConsentKind.DATA_SHARING, on)
    _date_check(
        on,
        not_before=_last_event_on(proposal),
        field="on",
        before_message=_("The date is before the proposal's last step."),
    )
    _move(proposal, MatchStatus.MEETING_BOOKED, acting_user=acting_user, on=on)
    proposal.meeting_kind = kind
    proposal.meeting_on = meeting_on
    proposal.meeting_contact = None  # a new booking is a new meeting; an earlier one's contact stays on the case
    _log_meeting_contact(proposal, acting_user=acting_user)
    proposal.save()
    log_change(
        user=acting_user,
        action=Action.BOOK_MEETING,
        obj=proposal,
        citizen_pk=proposal.enrolment.citizen_id,
        changes=_changes(proposal, kind=kind, meeting_on=meeting_on.isoformat()),
    )
    return proposal


@transaction.atomic
def agree_match(*, acting_user, proposal, starts_on, agreed_ordinary_hours=None, planned_end_on=None, on=None):
    """The meeting settled it: a small-job placement starts, and the small job is filled when its places are taken."""
    proposal = _locked(proposal)
    _require_scope(acting_user, proposal.enrolment)
    on = on or today()
    enrolment = proposal.enrolment
    _check_transition(proposal, MatchStatus.AGREED)
    case_actions.refuse_control_group(enrolment)
    if enrolment.ended_on:
        raise ValidationError(_("The enrolment has ended; a match needs an active enrolment."))
    require_consent(enrolment.citizen_id, ConsentKind.DATA_SHARING, on)
    opening = Opening.objects.select_for_update().select_related("company").get(pk=proposal.opening_id)
    if opening.status != Opening.Status.OPEN:
        raise ValidationError(_("The small job is no longer open: decline the proposal instead."))
    _date_check(
        on,
        not_before=max(d for d in (_last_event_on(proposal), proposal.meeting_on) if d),
        field="on",
        before_message=_("A match cannot be agreed before the meeting (%(date)s).")
        % {"date": proposal.meeting_on.strftime("%d.%m.%Y")},
    )
    hours = opening.weekly_hours if agreed_ordinary_hours in (None, "") else agreed_ordinary_hours
    placement = case_actions.start_placement(
        acting_user=acting_user,
        enrolment=enrolment,
        company=opening.company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=starts_on,
        opening=opening,
        planned_end_on=planned_end_on,
        agreed_ordinary_hours=hours,
        buddy=opening.buddy,
    )
    _log_meeting_contact(proposal, acting_user=acting_user)
    _move(proposal, MatchStatus.AGREED, acting_user=acting_user, on=on)
    proposal.decided_on = on
    proposal.placement = placement
    proposal.save()
    taken = Placement.objects.running_or_planned_on(on).filter(opening=opening).count()
    if taken >= opening.capacity:
        fill_opening(acting_user=acting_user, opening=opening, on=max(on, opening.posted_on))
    log_change(
        user=acting_user,
        action=Action.AGREE_MATCH,
        obj=proposal,
        citizen_pk=enrolment.citizen_id,
        changes=_changes(proposal, placement=placement.pk, starts_on=starts_on.isoformat()),
    )
    return proposal


@transaction.atomic
def decline_match(*, acting_user, proposal, reason, note="", on=None):
    """Close the proposal with the reason it did not work out; the reason feeds back into later rankings."""
    proposal = _locked(proposal)
    _require_scope(acting_user, proposal.enrolment)
    on = on or today()
    note = (note or "").strip()
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": _("Choose why the match was declined.")})
    if reason == DeclineReason.OTHER and not note:
        raise ValidationError({"note": _("Describe the reason when it is “Other”.")})
    if len(note) > 300:
        raise ValidationError({"note": _("Keep the note under 300 characters.")})
    _check_transition(proposal, MatchStatus.DECLINED)
    _date_check(
        on,
        not_before=_last_event_on(proposal),
        field="on",
        before_message=_("The date is before the proposal's last step."),
    )
    _log_meeting_contact(proposal, acting_user=acting_user)
    proposal.decline_reason = reason
    proposal.decline_note = note
    proposal.decided_on = on
    _move(proposal, MatchStatus.DECLINED, acting_user=acting_user, on=on)
    log_change(
        user=acting_user,
        action=Action.DECLINE_MATCH,
        obj=proposal,
        citizen_pk=proposal.enrolment.citizen_id,
        changes=_changes(proposal, reason=reason),
    )
    return proposal


@transaction.atomic
def fill_opening(*, acting_user, opening, on=None):
    """Mark a small job as filled: it leaves the board and the rankings."""
    _require(may(acting_user, Capability.PROPOSE_MATCH))
    on = on or today()
    opening = Opening.objects.select_for_update().get(pk=opening.pk)
    if opening.status != Opening.Status.OPEN:
        raise ValidationError(_("Only an open small job can be filled."))
    if on < opening.posted_on:
        raise ValidationError({"filled_on": _("A small job cannot be filled before it was posted.")})
    opening.status = Opening.Status.FILLED
    opening.filled_on = on
    opening.save(update_fields=["status", "filled_on"])
    log_change(
        user=acting_user,
        action=Action.FILL_OPENING,
        obj=opening,
        changes={"status": opening.status, "filled_on": on.isoformat()},
    )
    return opening
