"""The meeting pages: book (from a citizen, a company, a match or a placement), see, move, cancel, record the outcome.

Meetings are fetched through actions.visible_meetings (a miss and a denial both answer 404); a page that shows a
meeting with a citizen writes a read-access row for that citizen.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobbro.accounts import access
from jobbro.accounts.models import User
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_read, log_reads
from jobbro.cases.models import Enrolment, Placement
from jobbro.companies.models import Company
from jobbro.formtools import run_action
from jobbro.matching.models import OPEN_STATUSES, MatchProposal
from jobbro.meetings import actions, ical
from jobbro.meetings.forms import BookForm, CancelForm, MoveForm, OutcomeForm
from jobbro.meetings.models import Response
from jobbro.people.access import access_citizen


def _require(condition):
    if not condition:
        raise Http404


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _booking_context(request):
    """What the booking is for, from the address: ?citizen=, ?company=, ?match= or ?placement= (all scope-checked)."""
    user = request.user
    found = {"enrolment": None, "company": None, "match": None, "placement": None}
    params = request.GET
    if "match" in params:
        match = (
            MatchProposal.objects.filter(
                pk=_int(params["match"]),
                status__in=OPEN_STATUSES,
                enrolment__in=access.scope_enrolments(Enrolment.objects.all(), user),
            )
            .select_related("enrolment__citizen", "opening__company")
            .first()
        )
        _require(match is not None)
        found.update(match=match, enrolment=match.enrolment, company=match.opening.company)
    elif "placement" in params:
        placement = (
            Placement.objects.filter(
                pk=_int(params["placement"]), enrolment__in=access.scope_enrolments(Enrolment.objects.all(), user)
            )
            .select_related("enrolment__citizen", "company")
            .first()
        )
        _require(placement is not None)
        found.update(placement=placement, enrolment=placement.enrolment, company=placement.company)
    else:
        if "citizen" in params:
            citizen = access_citizen(user, _int(params["citizen"]))
            enrolment = (
                access.scope_enrolments(citizen.enrolments.filter(ended_on__isnull=True), user)
                .select_related("citizen", "programme")
                .order_by("-referred_on", "-pk")
                .first()
            )
            _require(enrolment is not None)
            found["enrolment"] = enrolment
        if "company" in params:
            found["company"] = get_object_or_404(Company, pk=_int(params["company"]))
    return found


def _cancel_url(found):
    if found["match"] is not None:
        return reverse("match_proposals")
    if found["placement"] is not None:
        p = found["placement"]
        return reverse("placement_detail", kwargs={"citizen_pk": p.enrolment.citizen_id, "pk": p.pk})
    if found["enrolment"] is not None:
        return reverse("citizen_detail", kwargs={"citizen_pk": found["enrolment"].citizen_id})
    if found["company"] is not None:
        return reverse("company_detail", kwargs={"pk": found["company"].pk})
    return reverse("meeting_list")


def _colleagues(enrolment, user):
    """The citizen's job broker, mentor and caseworker other than the one booking: they may be invited too."""
    if enrolment is None:
        return None
    pks = [pk for pk in (enrolment.job_broker_id, enrolment.mentor_id, enrolment.caseworker_id) if pk]
    return User.objects.filter(pk__in=pks, is_active=True).exclude(pk=user.pk).order_by("first_name", "last_name")


@login_required
def meeting_new(request):
    _require(may(request.user, Capability.BOOK_MEETINGS))
    found = _booking_context(request)
    enrolment, company = found["enrolment"], found["company"]
    if enrolment is not None:
        log_read(user=request.user, citizen_pk=enrolment.citizen_id, view="meeting_new", status_code=200)
    programmes = None if enrolment is not None else access.visible_programmes(request.user)
    form_arguments = {
        "kinds": list(actions.MATCH_KINDS) if found["match"] is not None else None,
        "programmes": programmes,
        "contacts": company.contacts.order_by("-is_buddy", "name") if company is not None else None,
        "colleagues": _colleagues(enrolment, request.user),
        "with_citizen": enrolment is not None,
    }
    if found["match"] is not None and found["match"].opening.buddy_id:
        initial_contacts = [found["match"].opening.buddy_id]
    elif found["placement"] is not None and found["placement"].buddy_id:
        initial_contacts = [found["placement"].buddy_id]
    else:
        initial_contacts = []
    status = 200
    if request.method == "POST":
        form = BookForm(request.POST, **form_arguments)
        if form.is_valid():
            starts_at, ends_at = form.times()
            data = form.cleaned_data
            try:
                meeting = run_action(
                    form,
                    actions.schedule_meeting,
                    acting_user=request.user,
                    kind=data["kind"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    place_kind=data["place_kind"],
                    address=data["address"],
                    online_link=data["online_link"],
                    enrolment=enrolment,
                    company=company,
                    programme=data.get("programme"),
                    placement=found["placement"],
                    match=found["match"],
                    company_contacts=list(data.get("company_contacts") or []),
                    staff=list(data.get("staff") or []),
                    invite_citizen=data.get("invite_citizen", False),
                    note=data["note"],
                )
            except PermissionDenied:
                raise Http404 from None
            if meeting is not None:
                return redirect("meeting_detail", pk=meeting.pk)
        status = 400
    else:
        form = BookForm(
            initial={"kind": "coffee_visit" if found["match"] else None, "company_contacts": initial_contacts},
            **form_arguments,
        )
    return render(
        request,
        "meetings/meeting_new.html",
        {
            "form": form,
            "title": _("Book a meeting"),
            "citizen": enrolment.citizen if enrolment is not None else None,
            "company": company,
            "match": found["match"],
            "placement": found["placement"],
            "cancel_url": _cancel_url(found),
        },
        status=status,
    )


def _meeting(request, pk):
    meeting = (
        actions.visible_meetings(request.user)
        .filter(pk=pk)
        .select_related("enrolment__citizen", "company", "organizer", "programme", "site", "match", "placement")
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def _detail(request, meeting, *, bound=None, status=200):
    forms = {}
    if meeting.is_planned:
        forms["move"] = MoveForm(initial=MoveForm.initial_for(meeting), prefix="move")
        forms["cancel"] = CancelForm(prefix="cancel")
        if meeting.starts_at <= timezone.now():
            forms["outcome"] = OutcomeForm(prefix="outcome")
    if bound is not None:
        forms[bound[0]] = bound[1]
    if meeting.enrolment_id:
        log_read(user=request.user, citizen_pk=meeting.enrolment.citizen_id, view="meeting_detail", status_code=status)
    participants = meeting.participants.select_related("user", "company_contact")
    events = meeting.events.select_related("by")
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "participants": participants,
            "responses": Response.choices,
            "events": events,
            "forms": forms,
            "open_step": bound[0] if bound else "",
            "title": str(meeting),
            "when": ical.danish_time(meeting.starts_at),
            "until": timezone.localtime(meeting.ends_at, ical.COPENHAGEN).strftime("%H.%M"),
        },
        status=status,
    )


@login_required
def meeting_detail(request, pk):
    _require(may(request.user, Capability.BOOK_MEETINGS))
    return _detail(request, _meeting(request, pk))


def _post_step(step, form_class, call):
    @login_required
    @require_POST
    def view(request, pk):
        _require(may(request.user, Capability.BOOK_MEETINGS))
        meeting = _meeting(request, pk)
        form = form_class(request.POST, prefix=step)
        if form.is_valid():
            try:
                done = run_action(form, call, request=request, meeting=meeting, data=form.cleaned_data, form=form)
            except PermissionDenied:
                raise Http404 from None
            if done is not None:
                return redirect("meeting_detail", pk=meeting.pk)
        meeting.refresh_from_db()
        return _detail(request, meeting, bound=(step, form), status=400)

    view.__name__ = f"meeting_{step}"
    return view


def _move(*, request, meeting, data, form):
    starts_at, ends_at = form.times()
    return actions.move_meeting(
        acting_user=request.user,
        meeting=meeting,
        starts_at=starts_at,
        ends_at=ends_at,
        place_kind=data["place_kind"],
        address=data["address"],
        online_link=data["online_link"],
    )


def _cancel(*, request, meeting, data, form):
    return actions.cancel_meeting(
        acting_user=request.user, meeting=meeting, cancelled_by=data["cancelled_by"], reason=data["reason"]
    )


def _outcome(*, request, meeting, data, form):
    return actions.record_outcome(
        acting_user=request.user,
        meeting=meeting,
        held=data["outcome"] == "held",
        no_show_by="" if data["outcome"] == "held" else data["no_show_by"],
    )


meeting_move = _post_step("move", MoveForm, _move)
meeting_cancel = _post_step("cancel", CancelForm, _cancel)
meeting_outcome = _post_step("outcome", OutcomeForm, _outcome)


@login_required
def meeting_ics(request, pk):
    """The current version of the invitation, for the staff member's own calendar (no citizen address in it)."""
    _require(may(request.user, Capability.BOOK_MEETINGS))
    meeting = _meeting(request, pk)
    participants = list(meeting.participants.select_related("user", "company_contact"))
    method = ical.CANCEL if meeting.state == "cancelled" else ical.REQUEST
    response = HttpResponse(
        ical.invitation(meeting, participants, method=method), content_type=f"text/calendar; method={method}"
    )
    response["Content-Disposition"] = 'attachment; filename="invitation.ics"'
    return response


@login_required
def meeting_list(request):
    """Upcoming meetings: the user's own first, then the others they may see; meetings awaiting their outcome."""
    _require(may(request.user, Capability.BOOK_MEETINGS))
    now = timezone.now()
    visible = actions.visible_meetings(request.user).select_related("enrolment__citizen", "company", "organizer")
    mine = visible.filter(participants__user=request.user)
    upcoming = list(mine.upcoming(now)[:100])
    awaiting = list(mine.filter(state="planned", starts_at__lt=now).order_by("-starts_at")[:50])
    pks = {m.enrolment.citizen_id for m in upcoming + awaiting if m.enrolment_id}
    if pks:
        log_reads(user=request.user, citizen_pks=sorted(pks), view="meeting_list", status_code=200)
    return render(
        request,
        "meetings/meeting_list.html",
        {"upcoming": upcoming, "awaiting": awaiting, "title": _("Meetings")},
    )


@login_required
@require_POST
def meeting_response(request, pk):
    """A participant's answer, recorded by staff; with HTMX only the row is sent back."""
    _require(may(request.user, Capability.BOOK_MEETINGS))
    meeting = _meeting(request, pk)
    wanted = request.POST.get("participant", "")
    participant = meeting.participants.filter(pk=int(wanted)).first() if wanted.isascii() and wanted.isdigit() else None
    if participant is None:  # not one of this meeting's participants
        return _detail(request, meeting, status=400)
    try:
        participant = actions.record_response(
            acting_user=request.user, participant=participant, response=request.POST.get("response", "")
        )
        status = 200
    except ValidationError:
        status = 400
    except PermissionDenied:
        raise Http404 from None
    if request.headers.get("HX-Request"):
        participant.refresh_from_db()
        return render(
            request,
            "meetings/meeting_detail.html#participant",
            {"meeting": meeting, "p": participant, "responses": Response.choices},
            status=status,
        )
    if status == 400:
        return _detail(request, meeting, status=400)
    return redirect("meeting_detail", pk=meeting.pk)
