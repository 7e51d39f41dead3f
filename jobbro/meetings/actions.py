"""Every write to a meeting goes through one of these functions.

schedule → (move …) → held, no-show (who) or cancelled (by whom, why). Each action runs in one transaction, checks
the acting user's capability (BOOK_MEETINGS) and scope (the citizen's enrolment, or for a meeting with a company
only, the programme), validates, writes the meeting and its MeetingEvent history row and a change-log row, and
queues the invitations in the same transaction (messaging.outbox; sent by the worker after commit):

- scheduling and moving send METHOD:REQUEST with the meeting's UID and a SEQUENCE one higher for every move;
- cancelling sends METHOD:CANCEL;
- recording the outcome sends nothing.

Each participant with an e-mail address gets the invitation once per version (the dedupe key names the meeting,
the sequence and the participant); a citizen with only a phone number gets a short SMS if they consented. A match
meeting booked or moved here also books the match with the meeting's date, so the match workflow sees it: the match
workflow follows meetings through FOLLOWERS (registered by matching/meeting_hooks.py at start-up, as this app may
not import the match workflow, which imports the reports, which count meetings), called inside the action's
transaction, so a refusal there undoes the meeting too.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Contact, Enrolment
from jobbro.meetings import ical
from jobbro.meetings.models import (
    CancelledBy,
    CancelReason,
    Meeting,
    MeetingEvent,
    MeetingKind,
    MeetingParticipant,
    MeetingState,
    NoShowBy,
    ParticipantRole,
    PlaceKind,
    Response,
)
from jobbro.messaging import outbox
from jobbro.people.consent import require_consent
from jobbro.people.models import ConsentKind

MATCH_KINDS = (MeetingKind.MATCH_MEETING, MeetingKind.COFFEE_VISIT)
CONTACT_KIND = {
    MeetingKind.MATCH_MEETING: Contact.Kind.MATCH_MEETING,
    MeetingKind.COFFEE_VISIT: Contact.Kind.COFFEE_VISIT,
    MeetingKind.THREE_MONTH_TALK: Contact.Kind.THREE_MONTH_TALK,
    MeetingKind.FOLLOW_UP: Contact.Kind.MONTHLY_FOLLOW_UP,
}
PURPOSE = "meeting_invitation"

# Callables follow(what, meeting, acting_user) run inside the action's transaction after a meeting is scheduled or
# moved ("scheduled", "moved"); the match workflow registers one (matching/meeting_hooks.py).
FOLLOWERS = []


def _tell_followers(what, meeting, acting_user):
    for follow in FOLLOWERS:
        follow(what, meeting, acting_user)


# --- Scope ---------------------------------------------------------------------------------------------------------


def visible_meetings(user):
    """The meetings a user may see and change: their citizens' meetings (the citizen scope) and, for meetings with a
    company only, those of their programmes. Nothing without the capability."""
    if not may(user, Capability.BOOK_MEETINGS):
        return Meeting.objects.none()
    if access.sees_everything(user):
        return Meeting.objects.all()
    in_scope = access.scope_enrolments(Enrolment.objects.filter(pk=OuterRef("enrolment_id")), user)
    company_only = Q(enrolment__isnull=True, programme__in=access.visible_programmes(user))
    return Meeting.objects.filter(Q(Exists(in_scope)) | company_only)


def _require(condition):
    if not condition:
        raise PermissionDenied


def _require_scope(user, *, enrolment, programme):
    _require(may(user, Capability.BOOK_MEETINGS))
    if enrolment is not None:
        _require(access.scope_enrolments(Enrolment.objects.filter(pk=enrolment.pk), user).exists())
    else:
        _require(access.visible_programmes(user).filter(pk=programme.pk).exists())


def _require_meeting(user, meeting):
    _require(may(user, Capability.BOOK_MEETINGS))
    _require(visible_meetings(user).filter(pk=meeting.pk).exists())


# --- Validation ----------------------------------------------------------------------------------------------------


def _check_time_and_place(starts_at, ends_at, place_kind, address, online_link):
    errors = {}
    if starts_at is None or ends_at is None:
        errors["starts_at"] = _("Give the meeting's start and end.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("The meeting must end after it starts.")
    elif (ends_at - starts_at).total_seconds() > 12 * 3600:
        errors["ends_at"] = _("A meeting lasts at most 12 hours.")
    if place_kind not in PlaceKind.values:
        errors["place_kind"] = _("Choose an address or online.")
    elif place_kind == PlaceKind.ADDRESS and not (address or "").strip():
        errors["address"] = _("Give the meeting's address.")
    elif place_kind == PlaceKind.ONLINE and not (online_link or "").strip():
        errors["online_link"] = _("Give the link to the online meeting.")
    if errors:
        raise ValidationError(errors)


def _locked(meeting):
    return (
        # of=("self",): lock the meeting row only; PostgreSQL refuses FOR UPDATE on the nullable side of the outer
        # joins that select_related makes for the optional relations.
        Meeting.objects.select_for_update(of=("self",))
        .select_related("enrolment__citizen", "company", "organizer", "match", "programme")
        .get(pk=meeting.pk)
    )


def _require_planned(meeting):
    if meeting.state != MeetingState.PLANNED:
        raise ValidationError(
            _("The meeting is “%(state)s”; only a planned meeting can be changed.")
            % {"state": MeetingState(meeting.state).label},
            code="not_planned",
        )


def _event(meeting, what, *, by, detail=""):
    return MeetingEvent.objects.create(
        meeting=meeting,
        what=what,
        state=meeting.state,
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        detail=detail,
        by=by,
    )


def _changes(meeting, **extra):
    return {
        "kind": meeting.kind,
        "state": meeting.state,
        "sequence": meeting.sequence,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "company": meeting.company_id,
        **extra,
    }


def _citizen_pk(meeting):
    return meeting.enrolment.citizen_id if meeting.enrolment_id else None


# --- Invitations ---------------------------------------------------------------------------------------------------


def _template_context(meeting, method):
    """What the staff-editable meeting templates (messaging/defaults.py) may use: nothing from the case."""
    with translation.override("da"):
        return {
            "summary": ical.summary(meeting),
            "what": meeting.get_kind_display(),
            "time": ical.danish_time(meeting.starts_at),
            "place": meeting.place,
            "description": ical.description(meeting, method=method),
            "cancelled": method == ical.CANCEL,
        }


def sms_text(meeting, *, method=ical.REQUEST):
    _subject, body = outbox.render("meeting_sms", _template_context(meeting, method))
    return body.strip()


def _held_note(meeting):
    """The contact's note: what, when and where (Danish, as notes are written); nothing else."""
    with translation.override("da"):
        return _("%(what)s held %(time)s, %(place)s (from the meeting booked in jobbro).") % {
            "what": meeting.get_kind_display(),
            "time": ical.danish_time(meeting.starts_at),
            "place": meeting.place,
        }


def _template_key(meeting, method):
    if method == ical.CANCEL:
        return "meeting_cancelled"
    return "meeting_moved" if meeting.sequence else "meeting_invitation"


def send_invitations(meeting, *, method=ical.REQUEST, acting_user=None):
    """Queue this version of the invitation for every participant; returns the messages queued (None-free)."""
    participants = list(meeting.participants.select_related("user", "company_contact", "meeting__enrolment__citizen"))
    ics = ical.invitation(meeting, participants, method=method)  # the copy without the citizen's address
    mimetype = f"text/calendar; method={method}"
    subject, body = outbox.render(_template_key(meeting, method), _template_context(meeting, method))
    citizen = meeting.enrolment.citizen if meeting.enrolment_id else None
    sent = []
    for participant in participants:
        key = f"meeting-{meeting.pk}-{meeting.sequence}-{participant.pk}"
        is_citizen = participant.role == ParticipantRole.CITIZEN
        if participant.email:
            message = outbox.queue(
                channel="email",
                to=participant.email,
                subject=subject,
                body=body,
                dedupe_key=key,
                citizen=citizen if is_citizen else None,
                company=meeting.company if participant.role == ParticipantRole.COMPANY_CONTACT else None,
                attachments=[
                    (
                        "invitation.ics",
                        ical.invitation(meeting, participants, method=method, recipient=participant)
                        if is_citizen
                        else ics,
                        mimetype,
                    )
                ],
                purpose=PURPOSE,
                acting_user=acting_user,
            )
        elif is_citizen and participant.phone:
            message = outbox.queue(
                channel="sms",
                to=participant.phone,
                body=sms_text(meeting, method=method),
                dedupe_key=key,
                citizen=citizen,
                purpose=PURPOSE,
                acting_user=acting_user,
            )
        else:
            message = None
        if message is not None:
            sent.append(message)
    return sent


# --- Actions -------------------------------------------------------------------------------------------------------


@transaction.atomic
def schedule_meeting(
    *,
    acting_user,
    kind,
    starts_at,
    ends_at,
    place_kind=PlaceKind.ADDRESS,
    address="",
    online_link="",
    enrolment=None,
    company=None,
    programme=None,
    placement=None,
    match=None,
    staff=(),
    company_contacts=(),
    invite_citizen=True,
    note="",
):
    """Book a meeting for a citizen, a company or both (through a match or a placement if given) and invite everyone."""
    if match is not None:
        match = match.__class__.objects.select_related("enrolment", "opening__company").get(pk=match.pk)
        enrolment, company = match.enrolment, match.opening.company
    if placement is not None:
        enrolment, company = placement.enrolment, placement.company
    if enrolment is not None:
        programme = enrolment.programme
    if programme is None:
        raise ValidationError(_("A meeting needs a citizen or a company and a programme."))
    _require_scope(acting_user, enrolment=enrolment, programme=programme)
    if enrolment is None and company is None:
        raise ValidationError(_("A meeting needs a citizen or a company."))
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    elif match is not None and kind not in MATCH_KINDS:
        errors["kind"] = _("A match is settled at a coffee visit or a match meeting.")
    if errors:
        raise ValidationError(errors)
    _check_time_and_place(starts_at, ends_at, place_kind, address, online_link)
    if enrolment is not None:
        case_actions.refuse_control_group(enrolment)
    if enrolment is not None and company is not None and placement is None:
        # Inviting a company to a meeting about a citizen shares the citizen with it (a placement's own meetings are
        # part of the placement): the citizen's consent to sharing data with companies, on the meeting's day.
        require_consent(enrolment.citizen_id, ConsentKind.DATA_SHARING, timezone.localdate(starts_at), field="company")
    contacts = list(company_contacts)
    if any(company is None or contact.company_id != company.pk for contact in contacts):
        raise ValidationError({"company_contacts": _("The contact persons must work at the meeting's company.")})
    meeting = Meeting(
        programme=programme,
        site=enrolment.site if enrolment is not None else None,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place_kind=place_kind,
        address=(address or "").strip() if place_kind == PlaceKind.ADDRESS else "",
        online_link=(online_link or "").strip() if place_kind == PlaceKind.ONLINE else "",
        enrolment=enrolment,
        company=company,
        placement=placement,
        match=match,
        note=(note or "").strip(),
        organizer=acting_user,
    )
    meeting.full_clean(validate_constraints=False)
    meeting.save()
    people = [acting_user, *(user for user in staff if user.pk != acting_user.pk)]
    for user in people:
        MeetingParticipant.objects.create(
            meeting=meeting, role=ParticipantRole.STAFF, user=user, email=user.email or ""
        )
    for contact in contacts:
        MeetingParticipant.objects.create(
            meeting=meeting,
            role=ParticipantRole.COMPANY_CONTACT,
            company_contact=contact,
            email=contact.email,
            phone=contact.phone,
        )
    if enrolment is not None and invite_citizen:
        citizen = enrolment.citizen
        MeetingParticipant.objects.create(
            meeting=meeting, role=ParticipantRole.CITIZEN, email=citizen.email, phone=citizen.phone
        )
    _tell_followers("scheduled", meeting, acting_user)
    _event(meeting, MeetingEvent.What.SCHEDULED, by=acting_user)
    log_change(
        user=acting_user,
        action=Action.SCHEDULE_MEETING,
        obj=meeting,
        citizen_pk=_citizen_pk(meeting),
        changes=_changes(meeting, match=meeting.match_id, placement=meeting.placement_id),
    )
    send_invitations(meeting, acting_user=acting_user)
    return meeting


@transaction.atomic
def move_meeting(*, acting_user, meeting, starts_at, ends_at, place_kind=None, address=None, online_link=None):
    """A new time and/or place: the next version of the invitation goes to every participant."""
    _require_meeting(acting_user, meeting)
    meeting = _locked(meeting)
    _require_planned(meeting)
    place_kind = meeting.place_kind if place_kind is None else place_kind
    address = meeting.address if address is None else address
    online_link = meeting.online_link if online_link is None else online_link
    _check_time_and_place(starts_at, ends_at, place_kind, address, online_link)
    unchanged = (
        starts_at == meeting.starts_at
        and ends_at == meeting.ends_at
        and place_kind == meeting.place_kind
        and address.strip() == meeting.address
        and online_link.strip() == meeting.online_link
    )
    if unchanged:
        raise ValidationError(_("Nothing changed: give a new time or place."))
    meeting.starts_at, meeting.ends_at, meeting.place_kind = starts_at, ends_at, place_kind
    meeting.address = address.strip() if place_kind == PlaceKind.ADDRESS else ""
    meeting.online_link = online_link.strip() if place_kind == PlaceKind.ONLINE else ""
    meeting.sequence += 1
    meeting.full_clean(validate_constraints=False, validate_unique=False)
    meeting.save()
    _tell_followers("moved", meeting, acting_user)
    _event(meeting, MeetingEvent.What.MOVED, by=acting_user)
    log_change(
        user=acting_user,
        action=Action.MOVE_MEETING,
        obj=meeting,
        citizen_pk=_citizen_pk(meeting),
        changes=_changes(meeting),
    )
    send_invitations(meeting, acting_user=acting_user)
    return meeting


@transaction.atomic
def cancel_meeting(*, acting_user, meeting, cancelled_by, reason):
    """Cancel a planned meeting: who cancelled and why are recorded, and METHOD:CANCEL goes to every participant."""
    _require_meeting(acting_user, meeting)
    meeting = _locked(meeting)
    _require_planned(meeting)
    errors = {}
    if cancelled_by not in CancelledBy.values:
        errors["cancelled_by"] = _("Choose who cancelled the meeting.")
    if reason not in CancelReason.values:
        errors["reason"] = _("Choose why the meeting was cancelled.")
    if errors:
        raise ValidationError(errors)
    meeting.state = MeetingState.CANCELLED
    meeting.cancelled_by = cancelled_by
    meeting.cancel_reason = reason
    meeting.sequence += 1
    meeting.save()
    _event(meeting, MeetingEvent.What.CANCELLED, by=acting_user, detail=f"{cancelled_by}:{reason}")
    log_change(
        user=acting_user,
        action=Action.CANCEL_MEETING,
        obj=meeting,
        citizen_pk=_citizen_pk(meeting),
        changes=_changes(meeting, cancelled_by=cancelled_by, reason=reason),
    )
    send_invitations(meeting, method=ical.CANCEL, acting_user=acting_user)
    return meeting


@transaction.atomic
def record_outcome(*, acting_user, meeting, held, no_show_by=""):
    """After the meeting's start: it was held, or someone did not show (the citizen, the company or both).

    A meeting held with a citizen is also a contact on the case (a match meeting's is logged by the match workflow)."""
    _require_meeting(acting_user, meeting)
    meeting = _locked(meeting)
    _require_planned(meeting)
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("The outcome can be recorded once the meeting has started."))
    if held:
        meeting.state, meeting.no_show_by = MeetingState.HELD, ""
    else:
        if no_show_by not in NoShowBy.values:
            raise ValidationError({"no_show_by": _("Choose who did not show.")})
        meeting.state, meeting.no_show_by = MeetingState.NO_SHOW, no_show_by
    meeting.save()
    what = MeetingEvent.What.HELD if held else MeetingEvent.What.NO_SHOW
    _event(meeting, what, by=acting_user, detail=meeting.no_show_by)
    if held and meeting.enrolment_id and not meeting.match_id:
        staff = [p.user for p in meeting.participants.filter(role=ParticipantRole.STAFF).select_related("user")]
        contacts = [
            p.company_contact
            for p in meeting.participants.filter(role=ParticipantRole.COMPANY_CONTACT).select_related("company_contact")
        ]
        try:
            with transaction.atomic():
                case_actions.log_contact(
                    acting_user=acting_user,
                    enrolment=meeting.enrolment,
                    kind=CONTACT_KIND[MeetingKind(meeting.kind)],
                    occurred_on=timezone.localdate(meeting.starts_at),
                    company=meeting.company,
                    staff=staff,
                    company_contacts=contacts,
                    note=_held_note(meeting),
                )
        except (ValidationError, PermissionDenied):
            pass  # the case's rules do not take this kind of contact now (e.g. after the end form): the meeting stays held
    log_change(
        user=acting_user,
        action=Action.RECORD_MEETING_OUTCOME,
        obj=meeting,
        citizen_pk=_citizen_pk(meeting),
        changes=_changes(meeting, no_show_by=meeting.no_show_by),
    )
    return meeting


@transaction.atomic
def record_response(*, acting_user, participant, response):
    """What a participant answered (a company contact who rang, a citizen who said yes): shown with the meeting."""
    meeting = participant.meeting
    _require_meeting(acting_user, meeting)
    if response not in Response.values:
        raise ValidationError({"response": _("Choose an answer.")})
    participant = MeetingParticipant.objects.select_for_update().get(pk=participant.pk)
    participant.response = response
    participant.save(update_fields=["response"])
    log_change(
        user=acting_user,
        action=Action.RECORD_MEETING_RESPONSE,
        obj=meeting,
        citizen_pk=_citizen_pk(meeting),
        changes={"participant": participant.pk, "role": participant.role, "response": response},
    )
    return participant
