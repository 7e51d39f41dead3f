"""Every write to events goes through one of these functions: one transaction each, the acting user's right
checked first (accounts/policy.py), the input validated before anything is written, and a change-log row with
the change. A registration's state changes are kept as RegistrationChange rows.

Who: the coordinator runs events (create, change, save a speed-dating plan: run_events); job brokers, caseworkers,
mentors and the coordinator register participants, record attendance and drop-in visits
(register_for_events; speed-dating plans and outcomes: matching/speed_dating.py). A citizen is registered only by someone who may see the citizen's case.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases.models import Enrolment
from jobbro.companies import actions as company_actions
from jobbro.companies.models import Company
from jobbro.messaging import outbox
from jobbro.outreach.models import (
    AgeBand,
    DropInCount,
    Event,
    EventKind,
    EventSession,
    NamedVisit,
    Referred,
    Registration,
    RegistrationChange,
    RegistrationState,
    SessionAttendance,
)

EVENT_FIELDS = ("site", "kind", "title", "place", "starts_at", "ends_at", "capacity", "description")
TAKES_A_PLACE = (RegistrationState.REGISTERED, RegistrationState.ATTENDED, RegistrationState.NO_SHOW)


def _require(condition):
    if not condition:
        raise PermissionDenied


def _require_event_programme(user, programme):
    _require(access.visible_programmes(user).filter(pk=programme.pk).exists())


def _full_clean(obj):
    too_long = textlimits.length_errors(obj)
    if too_long:
        raise ValidationError(too_long)
    obj.full_clean(validate_unique=False, validate_constraints=False)


def visible_events(user):
    """The events of the user's programmes, if the user may see events at all."""
    if not may(user, Capability.SEE_EVENTS):
        return Event.objects.none()
    return Event.objects.filter(programme__in=access.visible_programmes(user))


# --- Events ------------------------------------------------------------------------------------------------------


def _clean_sessions(event, sessions):
    cleaned = []
    for starts_at, ends_at, peer_element, peer_description in sessions:
        if ends_at <= starts_at:
            raise ValidationError({"sessions": _("A session must end after it starts.")})
        cleaned.append(
            EventSession(
                event=event,
                starts_at=starts_at,
                ends_at=ends_at,
                peer_element=bool(peer_element),
                peer_description=(peer_description or "").strip() if peer_element else "",
            )
        )
    return cleaned


@transaction.atomic
def create_event(
    *,
    acting_user,
    programme,
    kind,
    title,
    starts_at,
    ends_at,
    site=None,
    place="",
    capacity=None,
    description="",
    sessions=(),
):
    """Create an event; `sessions` are (starts_at, ends_at, peer_element, peer_description) for a group course or a
    series of open counselling hours. A course with no sessions given gets one session at the event's own times."""
    _require(may(acting_user, Capability.RUN_EVENTS))
    _require_event_programme(acting_user, programme)
    event = Event(
        programme=programme,
        site=site,
        kind=kind,
        title=(title or "").strip(),
        place=(place or "").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        description=(description or "").strip(),
        created_by=acting_user,
    )
    _full_clean(event)
    event.save()
    sessions = list(sessions)
    if not sessions and kind == EventKind.GROUP_COURSE:
        sessions = [(starts_at, ends_at, False, "")]
    EventSession.objects.bulk_create(_clean_sessions(event, sessions))
    log_change(
        user=acting_user,
        action=Action.CREATE_EVENT,
        obj=event,
        changes={
            "programme": programme.pk,
            "kind": kind,
            "starts_at": starts_at.isoformat(),
            "sessions": len(sessions),
        },
    )
    return event


@transaction.atomic
def update_event(*, acting_user, event, **values):
    _require(may(acting_user, Capability.RUN_EVENTS))
    _require_event_programme(acting_user, event.programme)
    unknown = set(values) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"update_event: unknown fields {sorted(unknown)}")
    event = Event.objects.select_for_update().get(pk=event.pk)
    changes = {}
    for field, new in values.items():
        if getattr(event, field) != new:
            setattr(event, field, new)
            changes[field] = (
                new.pk if hasattr(new, "pk") else (new if new is None or isinstance(new, int) else str(new))
            )
    if "kind" in changes and event.registrations.exists():
        raise ValidationError({"kind": _("An event with registrations cannot change its kind.")})
    _full_clean(event)
    if event.capacity is not None and _places_taken(event) > event.capacity:
        raise ValidationError({"capacity": _("More participants are registered than the new number of places.")})
    if changes:
        event.save()
        log_change(user=acting_user, action=Action.UPDATE_EVENT, obj=event, changes=changes)
    return event


@transaction.atomic
def add_session(*, acting_user, event, starts_at, ends_at, peer_element=False, peer_description=""):
    _require(may(acting_user, Capability.RUN_EVENTS))
    _require_event_programme(acting_user, event.programme)
    if not event.has_sessions:
        raise ValidationError(_("Only a group course or open counselling hours have sessions."))
    [session] = _clean_sessions(event, [(starts_at, ends_at, peer_element, peer_description)])
    session.save()
    log_change(
        user=acting_user,
        action=Action.UPDATE_EVENT,
        obj=event,
        changes={"session_added": session.pk, "starts_at": starts_at.isoformat(), "peer_element": session.peer_element},
    )
    return session


# --- Registration ------------------------------------------------------------------------------------------------


def _places_taken(event):
    return event.registrations.filter(state__in=TAKES_A_PLACE).count()


def _move(registration, state, acting_user):
    registration.state = state
    registration.save(update_fields=["state"])
    RegistrationChange.objects.create(registration=registration, state=state, by=acting_user)


@transaction.atomic
def register(*, acting_user, event, enrolment=None, contact=None, user=None):
    """Register one participant: a citizen (their case in the event's programme, which the acting user may see), a
    company contact or buddy (a buddy training takes buddies only), or a staff user of the programme."""
    _require(may(acting_user, Capability.REGISTER_FOR_EVENTS))
    _require_event_programme(acting_user, event.programme)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if sum(x is not None for x in (enrolment, contact, user)) != 1:
        raise ValidationError(_("Register one participant: a citizen, a company contact or a member of staff."))
    if event.kind == EventKind.OPEN_COUNSELLING:
        raise ValidationError(_("Open counselling hours take no registrations: count the visitors instead."))
    if enrolment is not None:
        _require(may(acting_user, Capability.READ_CITIZEN))
        _require(access.scope_enrolments(Enrolment.objects.filter(pk=enrolment.pk), acting_user).exists())
        if enrolment.programme_id != event.programme_id:
            raise ValidationError({"enrolment": _("The citizen's case must be in the event's programme.")})
        if enrolment.ended_on:
            raise ValidationError({"enrolment": _("The citizen's case has ended.")})
        existing = event.registrations.filter(enrolment=enrolment)
    elif contact is not None:
        if event.kind == EventKind.BUDDY_TRAINING and not contact.is_buddy:
            raise ValidationError({"contact": _("A buddy training is for buddies: mark the contact as a buddy first.")})
        existing = event.registrations.filter(contact=contact)
    else:
        if not user.memberships.filter(programme=event.programme).exists():
            raise ValidationError({"user": _("The member of staff must work in the event's programme.")})
        existing = event.registrations.filter(user=user)
    registration = existing.first()
    if registration is not None and registration.state != RegistrationState.CANCELLED:
        raise ValidationError(_("This participant is already registered."))
    if event.capacity is not None and _places_taken(event) >= event.capacity:
        raise ValidationError(_("The event is full."))
    if registration is None:
        registration = Registration.objects.create(
            event=event, enrolment=enrolment, contact=contact, user=user, registered_by=acting_user
        )
        RegistrationChange.objects.create(registration=registration, state=RegistrationState.REGISTERED, by=acting_user)
    else:  # registered again after cancelling
        _move(registration, RegistrationState.REGISTERED, acting_user)
    _invite(registration, acting_user)
    log_change(
        user=acting_user,
        action=Action.REGISTER_FOR_EVENT,
        obj=registration,
        citizen_pk=enrolment.citizen_id if enrolment is not None else None,
        changes={"event": event.pk, "participant": registration.participant_kind},
    )
    return registration


def _invite(registration, acting_user):
    """An e-mail invitation to a registered participant with an e-mail address, in Danish, through the outbox
    (messaging/outbox.py: sent by the worker after commit, never twice; not sent to an address that opted out of
    event invitations, nor to a citizen who has not consented to e-mail). Registered again after cancelling, the
    participant is invited again."""
    event = registration.event
    if registration.enrolment_id:
        address, citizen, company = registration.enrolment.citizen.email, registration.enrolment.citizen, None
    elif registration.contact_id:
        address, citizen, company = registration.contact.email, None, registration.contact.company
    else:
        address, citizen, company = registration.user.email, None, None
    if not address:
        return None
    times = registration.changes.filter(state=RegistrationState.REGISTERED).count()
    starts, ends = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    with translation.override("da"):
        subject = _("Invitation: %(title)s") % {"title": event.title}
        body = _(
            "You are registered for %(kind)s: %(title)s.\n\nWhen: %(day)s from %(start)s to %(end)s\nWhere: %(place)s"
            "\n\nIf you cannot come, please tell us, so the place can go to someone else."
        ) % {
            "kind": event.get_kind_display().lower(),
            "title": event.title,
            "day": starts.strftime("%d.%m.%Y"),
            "start": starts.strftime("%H:%M"),
            "end": ends.strftime("%H:%M"),
            "place": event.place or "–",
        }
    return outbox.queue(
        channel="email",
        to=address,
        subject=subject,
        body=body,
        dedupe_key=f"event-invitation-{registration.pk}-{times}",
        citizen=citizen,
        company=company,
        purpose="event_invitation",
        acting_user=acting_user,
    )


def _require_registration_scope(user, registration):
    if registration.enrolment_id:
        _require(access.scope_enrolments(Enrolment.objects.filter(pk=registration.enrolment_id), user).exists())


@transaction.atomic
def cancel_registration(*, acting_user, registration):
    _require(may(acting_user, Capability.REGISTER_FOR_EVENTS))
    _require_event_programme(acting_user, registration.event.programme)
    _require_registration_scope(acting_user, registration)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state != RegistrationState.REGISTERED:
        raise ValidationError(_("Only a registration not yet marked attended or no-show can be cancelled."))
    _move(registration, RegistrationState.CANCELLED, acting_user)
    log_change(
        user=acting_user,
        action=Action.CHANGE_REGISTRATION,
        obj=registration,
        citizen_pk=registration.enrolment.citizen_id if registration.enrolment_id else None,
        changes={"event": registration.event_id, "state": RegistrationState.CANCELLED},
    )
    return registration


# --- Attendance ---------------------------------------------------------------------------------------------------


def _started(at, now=None):
    return at <= (now or timezone.now())


@transaction.atomic
def record_attendance(*, acting_user, event, attended, session=None, now=None):
    """Record who came: `attended` maps each registration (not cancelled) to True (came) or False (did not).

    For a group course attendance is per session (`session` required): a participant is `attended` once they came
    to a session, `no_show` while they came to none of the sessions recorded. For any other event the registration
    becomes attended or no-show. A buddy who attended a buddy training has the training's date as their buddy
    training date (companies/actions.py set_buddy_trained_on). Attendance can be recorded once the event (the
    session) has started, and corrected later."""
    _require(may(acting_user, Capability.REGISTER_FOR_EVENTS))
    _require_event_programme(acting_user, event.programme)
    if event.kind == EventKind.GROUP_COURSE:
        if session is None or session.event_id != event.pk:
            raise ValidationError({"session": _("Choose the session of the course.")})
        if not _started(session.starts_at, now):
            raise ValidationError({"session": _("Attendance can be recorded once the session has started.")})
    elif not _started(event.starts_at, now):
        raise ValidationError(_("Attendance can be recorded once the event has started."))
    registrations = {
        r.pk: r
        for r in Registration.objects.select_for_update(of=("self",))
        .filter(event=event, pk__in=[getattr(r, "pk", r) for r in attended])
        .select_related("enrolment", "contact")
    }
    came = {getattr(r, "pk", r): bool(v) for r, v in attended.items()}
    if set(came) - set(registrations):
        raise ValidationError(_("A participant is not registered for this event."))
    changed = {}
    for pk, value in came.items():
        registration = registrations[pk]
        if registration.state == RegistrationState.CANCELLED:
            raise ValidationError(_("A cancelled registration has no attendance."))
        _require_registration_scope(acting_user, registration)
        if session is not None:
            SessionAttendance.objects.update_or_create(
                registration=registration, session=session, defaults={"attended": value}
            )
            value = registration.session_attendance.filter(attended=True).exists()
        state = RegistrationState.ATTENDED if value else RegistrationState.NO_SHOW
        if registration.state != state:
            _move(registration, state, acting_user)
            changed[pk] = state
        if value and event.kind == EventKind.BUDDY_TRAINING and registration.contact_id:
            company_actions.set_buddy_trained_on(
                acting_user=acting_user,
                contact=registration.contact,
                trained_on=timezone.localdate(event.starts_at),
            )
    log_change(
        user=acting_user,
        action=Action.RECORD_ATTENDANCE,
        obj=event,
        changes={
            "session": session.pk if session is not None else None,
            "attended": sorted(pk for pk, v in came.items() if v),
            "absent": sorted(pk for pk, v in came.items() if not v),
            "changed": {str(pk): state for pk, state in changed.items()},
        },
    )
    return changed


# --- Open counselling hours -------------------------------------------------------------------------------------


def _require_counselling(event, session):
    if event.kind != EventKind.OPEN_COUNSELLING:
        raise ValidationError(_("Drop-in visits are counted at open counselling hours."))
    if session is not None and session.event_id != event.pk:
        raise ValidationError({"session": _("The session must be one of the event's.")})


@transaction.atomic
def record_drop_in(*, acting_user, event, visitors, session=None, age_band="", referred="", now=None):
    """Count drop-in visitors without personal data: a number, and optionally their age band and whether they are
    referred to the programme."""
    _require(may(acting_user, Capability.REGISTER_FOR_EVENTS))
    _require_event_programme(acting_user, event.programme)
    _require_counselling(event, session)
    if not _started((session or event).starts_at, now):
        raise ValidationError(_("Visitors can be counted once the hours have started."))
    if age_band not in AgeBand.values or referred not in Referred.values:
        raise ValidationError(_("Choose an age band and whether they are referred from the lists."))
    count = DropInCount(
        event=event, session=session, visitors=visitors, age_band=age_band, referred=referred, recorded_by=acting_user
    )
    _full_clean(count)
    count.save()
    log_change(
        user=acting_user,
        action=Action.RECORD_DROP_IN,
        obj=event,
        changes={"visitors": visitors, "age_band": age_band, "referred": referred},
    )
    return count


@transaction.atomic
def record_named_visit(*, acting_user, event, name, consent_given, phone="", enrolment=None, session=None, now=None):
    """A visitor named at open counselling hours, only with their consent, which is recorded with the visit."""
    _require(may(acting_user, Capability.REGISTER_FOR_EVENTS))
    _require_event_programme(acting_user, event.programme)
    _require_counselling(event, session)
    if not consent_given:
        raise ValidationError(
            {"consent_given": _("A visitor is named only with their consent; count them without a name instead.")}
        )
    if enrolment is not None:
        _require(access.scope_enrolments(Enrolment.objects.filter(pk=enrolment.pk), acting_user).exists())
    visit = NamedVisit(
        event=event,
        session=session,
        enrolment=enrolment,
        name=(name or "").strip(),
        phone=(phone or "").strip(),
        consent_given=True,
        recorded_by=acting_user,
    )
    _full_clean(visit)
    visit.save()
    log_change(
        user=acting_user,
        action=Action.RECORD_DROP_IN,
        obj=event,
        citizen_pk=enrolment.citizen_id if enrolment is not None else None,
        changes={"named_visit": visit.pk, "consent": True},
    )
    return visit


# --- Speed dating (the plan and the follow-up as match proposals are matching/speed_dating.py's) ----------


def speed_dating_participants(event):
    """The registered (not cancelled) citizens' cases and the companies of the registered contacts."""
    taking_part = event.registrations.exclude(state=RegistrationState.CANCELLED)
    enrolments = Enrolment.objects.filter(
        pk__in=taking_part.filter(enrolment__isnull=False).values("enrolment"), ended_on__isnull=True
    ).select_related("citizen")
    companies = Company.objects.filter(pk__in=taking_part.filter(contact__isnull=False).values("contact__company"))
    return enrolments, companies
