"""Event pages: the list per programme (grouped by day, like a calendar), an event with its registrations, its
attendance form, drop-in counts and speed-dating plan, and the forms to create and change events.

Who sees what is the policy table's: see_events to read, run_events to create and plan, register_for_events to
register, record attendance, drop-in visits and outcomes. A citizen is shown by name only to users whose scope
covers the citizen's case; others see "a citizen". A denial and a miss are both 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobbro.accounts import access
from jobbro.accounts.models import Site, User
from jobbro.accounts.policy import Capability, may
from jobbro.cases.models import Enrolment
from jobbro.companies.models import CompanyContact
from jobbro.formtools import run_action
from jobbro.matching import speed_dating
from jobbro.outreach import actions
from jobbro.outreach.forms import (
    DropInForm,
    EventForm,
    NamedVisitForm,
    OutcomeForm,
    PlanForm,
    RegisterForm,
    SessionForm,
)
from jobbro.outreach.models import (
    ConversationOutcome,
    DropInCount,
    EventKind,
    Registration,
    RegistrationState,
    SpeedDatingConversation,
)

EVENTS_SHOWN = 200


def _require(user, *capabilities):
    if not all(may(user, c) for c in (Capability.SEE_EVENTS, *capabilities)):
        raise Http404


def _event(request, pk, *capabilities):
    _require(request.user, *capabilities)
    return get_object_or_404(actions.visible_events(request.user), pk=pk)


def _back(event, anchor=""):
    return redirect(reverse("event_detail", kwargs={"pk": event.pk}) + anchor)


def _form_page(request, form, *, title, cancel_url, **extra):
    return render(request, "web/form_page.html", {"form": form, "title": title, "cancel_url": cancel_url, **extra})


@login_required
def event_list(request):
    _require(request.user)
    programmes = access.visible_programmes(request.user)
    events = actions.visible_events(request.user).select_related("programme", "site")
    programme = request.GET.get("programme", "")
    if programme.isdigit():
        events = events.filter(programme_id=int(programme))
    kind = request.GET.get("kind", "")
    if kind in EventKind.values:
        events = events.filter(kind=kind)
    # Each figure its own subquery: two joins in one query would multiply the rows they count.
    taking_part = (
        Registration.objects.filter(event=OuterRef("pk"))
        .exclude(state=RegistrationState.CANCELLED)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    visitors = (
        DropInCount.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Sum("visitors"))
        .values("n")
    )
    events = events.annotate(
        registered=Coalesce(Subquery(taking_part, output_field=IntegerField()), Value(0)),
        visitors=Coalesce(Subquery(visitors, output_field=IntegerField()), Value(0)),
    )
    now = timezone.now()
    upcoming = list(events.filter(ends_at__gte=now).order_by("starts_at")[:EVENTS_SHOWN])
    past = list(events.filter(ends_at__lt=now).order_by("-starts_at")[:EVENTS_SHOWN])
    return render(
        request,
        "outreach/event_list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "programmes": programmes,
            "kinds": EventKind.choices,
            "chosen_programme": programme,
            "chosen_kind": kind,
        },
    )


def _sees_citizen(user, enrolment_ids):
    return set(
        access.scope_enrolments(Enrolment.objects.filter(pk__in=enrolment_ids), user).values_list("pk", flat=True)
    )


def _register_form(request, event, data=None):
    user = request.user
    enrolments = Enrolment.objects.none()
    if may(user, Capability.READ_CITIZEN):
        enrolments = (
            access.scope_enrolments(Enrolment.objects.filter(programme=event.programme, ended_on__isnull=True), user)
            .select_related("citizen", "site")
            .order_by("citizen__first_name", "citizen__last_name")
        )
        if not may(user, Capability.RUN_EVENTS):  # a job broker or mentor registers their own citizens
            enrolments = enrolments.filter(Q(job_broker=user) | Q(mentor=user))
    contacts = (
        CompanyContact.objects.filter(company__agreements__programme=event.programme)
        .select_related("company")
        .distinct()
        .order_by("company__name", "name")
    )
    if event.kind == EventKind.BUDDY_TRAINING:
        contacts = contacts.filter(is_buddy=True)
    users = (
        User.objects.filter(memberships__programme=event.programme, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return RegisterForm(data, enrolments=enrolments, contacts=contacts, users=users, prefix="register")


@login_required
def event_detail(request, pk):
    event = _event(request, pk)
    user = request.user
    registrations = list(
        event.registrations.select_related("enrolment__citizen", "contact__company", "user").order_by("state", "pk")
    )
    visible = _sees_citizen(user, [r.enrolment_id for r in registrations if r.enrolment_id])
    for registration in registrations:
        registration.citizen_shown = registration.enrolment_id in visible
    sessions = list(event.sessions.all())
    attendance = {}
    for row in event.registrations.values("pk", "session_attendance__session", "session_attendance__attended"):
        if row["session_attendance__session"]:
            attendance[(row["pk"], row["session_attendance__session"])] = row["session_attendance__attended"]
    for registration in registrations:
        registration.sessions = [attendance.get((registration.pk, s.pk)) for s in sessions]
    conversations = list(
        SpeedDatingConversation.objects.filter(event=event).select_related("enrolment__citizen", "company", "proposal")
    )
    seen = _sees_citizen(user, [c.enrolment_id for c in conversations])
    for conversation in conversations:
        conversation.citizen_shown = conversation.enrolment_id in seen
    counts = {state: 0 for state in RegistrationState.values}
    for registration in registrations:
        counts[registration.state] += 1
    now = timezone.now()
    return render(
        request,
        "outreach/event_detail.html",
        {
            "event": event,
            "registrations": registrations,
            "active_registrations": [r for r in registrations if r.state != RegistrationState.CANCELLED],
            "counts": counts,
            "sessions": sessions,
            "started_sessions": [s for s in sessions if s.starts_at <= now],
            "started": event.starts_at <= now,
            "register_form": _register_form(request, event) if may(user, Capability.REGISTER_FOR_EVENTS) else None,
            "drop_in_form": DropInForm(sessions=event.sessions.all(), prefix="dropin"),
            "drop_ins": event.drop_ins.all(),
            "visitors": sum(d.visitors for d in event.drop_ins.all()),
            "named_visits": event.named_visits.all() if may(user, Capability.READ_CITIZEN) else [],
            "plan_form": PlanForm(prefix="plan"),
            "conversations": conversations,
            "outcomes": [c for c in ConversationOutcome.choices if c[0]],
            "full": event.capacity is not None
            and counts["registered"] + counts["attended"] + counts["no_show"] >= event.capacity,
        },
    )


def _sites(user):
    return access.visible_sites(user) if hasattr(access, "visible_sites") else Site.objects.none()


@login_required
def event_new(request):
    _require(request.user, Capability.RUN_EVENTS)
    programmes = access.visible_programmes(request.user)
    form = EventForm(request.POST or None, programmes=programmes, sites=_sites(request.user))
    if request.method == "POST" and form.is_valid():
        event = run_action(form, actions.create_event, acting_user=request.user, **form.cleaned_data)
        if event is not None:
            messages.success(request, _("The event is created."))
            return _back(event)
    return _form_page(request, form, title=_("New event"), cancel_url=reverse("event_list"))


@login_required
def event_edit(request, pk):
    event = _event(request, pk, Capability.RUN_EVENTS)
    fields = ("site", "kind", "title", "place", "starts_at", "ends_at", "capacity", "description")
    initial = {name: getattr(event, name) for name in fields}
    form = EventForm(
        request.POST or None,
        programmes=access.visible_programmes(request.user),
        sites=_sites(request.user).filter(programme=event.programme),
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.update_event, acting_user=request.user, event=event, **form.cleaned_data):
            messages.success(request, _("The event is saved."))
            return _back(event)
    return _form_page(
        request,
        form,
        title=_("Change %(event)s") % {"event": event.title},
        cancel_url=reverse("event_detail", kwargs={"pk": event.pk}),
    )


@login_required
def event_session_new(request, pk):
    event = _event(request, pk, Capability.RUN_EVENTS)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.add_session, acting_user=request.user, event=event, **form.cleaned_data):
            messages.success(request, _("The session is added."))
            return _back(event, "#sessions")
    return _form_page(
        request,
        form,
        title=_("Add a session to %(event)s") % {"event": event.title},
        cancel_url=reverse("event_detail", kwargs={"pk": event.pk}),
    )


def _report_errors(request, form=None, error=None):
    if error is not None:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    if form is not None:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)


def _call(request, action, **arguments):
    """Run an action from a form posted on the event page; its refusal is shown on the page as a message."""
    try:
        return action(acting_user=request.user, **arguments)
    except ValidationError as error:
        _report_errors(request, error=error)
    except PermissionDenied:
        raise Http404 from None
    return None


@login_required
@require_POST
def event_register(request, pk):
    event = _event(request, pk, Capability.REGISTER_FOR_EVENTS)
    form = _register_form(request, event, request.POST)
    if not form.is_valid():
        _report_errors(request, form)
        return _back(event, "#registrations")
    chosen = {name: form.cleaned_data[name] for name in ("enrolment", "contact", "user") if form.cleaned_data[name]}
    if _call(request, actions.register, event=event, **chosen):
        messages.success(request, _("The participant is registered."))
    return _back(event, "#registrations")


@login_required
@require_POST
def event_registration_cancel(request, pk, registration_pk):
    event = _event(request, pk, Capability.REGISTER_FOR_EVENTS)
    registration = get_object_or_404(event.registrations, pk=registration_pk)
    if _call(request, actions.cancel_registration, registration=registration):
        messages.success(request, _("The registration is cancelled."))
    return _back(event, "#registrations")


@login_required
@require_POST
def event_attendance(request, pk):
    """The attendance form: one yes/no per registration that is not cancelled (per session for a course)."""
    event = _event(request, pk, Capability.REGISTER_FOR_EVENTS)
    session = None
    if event.kind == EventKind.GROUP_COURSE:
        session_pk = request.POST.get("session", "")
        session = event.sessions.filter(pk=int(session_pk)).first() if session_pk.isdigit() else None
        if session is None:
            messages.error(request, _("Choose the session of the course."))
            return _back(event, "#attendance")
    attended = {}
    for registration in event.registrations.exclude(state=RegistrationState.CANCELLED):
        value = request.POST.get(f"attended-{registration.pk}")
        if value in ("yes", "no"):
            attended[registration] = value == "yes"
    if not attended:
        messages.error(request, _("Mark who came and who did not."))
        return _back(event, "#attendance")
    if _call(request, actions.record_attendance, event=event, attended=attended, session=session) is not None:
        messages.success(request, _("The attendance is recorded."))
    return _back(event, "#attendance")


@login_required
@require_POST
def event_drop_in(request, pk):
    event = _event(request, pk, Capability.REGISTER_FOR_EVENTS)
    form = DropInForm(request.POST, sessions=event.sessions.all(), prefix="dropin")
    if not form.is_valid():
        _report_errors(request, form)
        return _back(event, "#drop-in")
    data = form.cleaned_data
    if _call(
        request,
        actions.record_drop_in,
        event=event,
        visitors=data["visitors"],
        session=data.get("session"),
        age_band=data["age_band"] or "",
        referred=data["referred"] or "",
    ):
        messages.success(request, _("The visitors are counted."))
    return _back(event, "#drop-in")


@login_required
def event_named_visit(request, pk):
    event = _event(request, pk, Capability.REGISTER_FOR_EVENTS)
    form = NamedVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.record_named_visit, acting_user=request.user, event=event, **form.cleaned_data):
            messages.success(request, _("The visit is recorded with the visitor's consent."))
            return _back(event, "#drop-in")
    return _form_page(
        request,
        form,
        title=_("A named visit at %(event)s") % {"event": event.title},
        intro=_("Name a visitor only if they agree. Otherwise count them without a name."),
        cancel_url=reverse("event_detail", kwargs={"pk": event.pk}),
    )


@login_required
@require_POST
def event_speed_dating_plan(request, pk):
    event = _event(request, pk, Capability.RUN_EVENTS)
    form = PlanForm(request.POST, prefix="plan")
    if not form.is_valid():
        _report_errors(request, form)
        return _back(event, "#plan")
    if _call(request, speed_dating.save_speed_dating_plan, event=event, rounds=form.cleaned_data["rounds"]) is not None:
        messages.success(request, _("The plan is saved."))
    return _back(event, "#plan")


@login_required
@require_POST
def event_conversation_outcome(request, pk, conversation_pk):
    event = _event(request, pk, Capability.REGISTER_FOR_EVENTS)
    conversation = get_object_or_404(SpeedDatingConversation, event=event, pk=conversation_pk)
    form = OutcomeForm(request.POST, prefix=f"c{conversation.pk}")
    if not form.is_valid():
        _report_errors(request, form)
        return _back(event, "#plan")
    done = _call(request, speed_dating.record_conversation_outcome, conversation=conversation, **form.cleaned_data)
    if done is not None:
        if done.outcome == ConversationOutcome.BOTH and done.proposal_id:
            messages.success(request, _("Both are interested: a match is proposed for the company's small job."))
        elif done.outcome == ConversationOutcome.BOTH:
            messages.warning(
                request,
                _("Both are interested, but the company has no open small job the citizen can be proposed for."),
            )
        else:
            messages.success(request, _("The outcome is recorded."))
    return _back(event, "#plan")
