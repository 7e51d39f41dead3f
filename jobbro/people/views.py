"""Step 1 pages on the citizen: job goals, CV, competence card, restrictions, parallel efforts; and recording a
consent given or withdrawn (the roles with record_consent; the citizen page shows the consents).

Reading follows the citizen page: anyone who may open the citizen may read the job goals, the CV
and the competence card; restrictions and parallel efforts are health-related and only for the roles
that read case notes. Writing is case work (job broker, caseworker, mentor, administrator); anyone
else gets 404 on a write page or a POST, exactly as for a citizen they cannot see.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jobbro import days
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import logs_citizen_read
from jobbro.audit.models import Action, ChangeLog
from jobbro.formtools import run_action
from jobbro.people import actions
from jobbro.people.access import access_citizen
from jobbro.people.cv_pdf import cv_sections, render_cv_pdf
from jobbro.people.forms import (
    AdjustJobGoalForm,
    CloseJobGoalForm,
    CompetenceForm,
    ConfirmForm,
    ConsentForm,
    CVEntryForm,
    EndParallelEffortForm,
    EndRestrictionForm,
    JobGoalForm,
    ParallelEffortForm,
    RestrictionForm,
)
from jobbro.people.models import CompetenceAssessment, ConsentKind, CVEntry, JobGoal, Restriction

# --- Reading helpers (also used by the citizen page; the CV's sections are in cv_pdf.py) ------------


def cv_last_updated(citizen):
    """The day the CV was last written to: the newest line's date or the last removal, whichever is later."""
    written = citizen.cv_entries.aggregate(on=Max("recorded_on"))["on"]
    removed = (
        ChangeLog.objects.filter(citizen_ref=citizen.pk, action=Action.REMOVE_CV_ENTRY)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    removed = timezone.localdate(removed) if removed else None
    return max((day for day in (written, removed) if day), default=None)


def latest_competences(citizen):
    """The competence card: the newest assessment of each area, in the card's order: [(area, label, assessment)]."""
    latest = {}
    for assessment in citizen.competences.select_related("co_assessor").order_by("assessed_on", "id"):
        latest[assessment.area] = assessment
    return [(area, label, latest.get(area)) for area, label in CompetenceAssessment.Area.choices]


def current_job_goals(citizen):
    """(current, earlier): goals and wishes that apply now, and those replaced or closed (newest first)."""
    goals = list(citizen.job_goals.order_by("-set_on", "-id"))
    current = [g for g in goals if g.replaced_on is None]
    current.sort(key=lambda g: (g.kind != JobGoal.Kind.GOAL, -g.set_on.toordinal(), -g.pk))
    earlier = sorted((g for g in goals if g.replaced_on is not None), key=lambda g: (g.replaced_on, g.pk), reverse=True)
    return current, earlier


def _current_efforts(citizen):
    today = days.today()
    return citizen.parallel_efforts.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def step1_context(request, citizen):
    """What the citizen page shows of step 1 (templates/people/includes/citizen_step1.html)."""
    current, earlier = current_job_goals(citizen)
    cv = citizen.cv_entries.aggregate(count=Count("id"))
    return {
        "job_goals": current,
        "earlier_job_goals": earlier,
        "cv_summary": {"count": cv["count"], "last_updated": cv_last_updated(citizen) if cv["count"] else None},
        "competence_card": latest_competences(citizen),
        # Health-related: evaluated only inside `{% if may_see_health %}`.
        "restrictions": citizen.restrictions.filter(ended_on__isnull=True),
        "efforts": _current_efforts(citizen),
        "may_edit_step1": may(request.user, Capability.CASE_WORK),
    }


# --- Access -----------------------------------------------------------------------------------


def _citizen(request, citizen_pk, *, health=False, write=False):
    """The citizen if the user may read (and, with write=True, change) this part of step 1; else 404."""
    user = request.user
    if write and not may(user, Capability.CASE_WORK):
        raise Http404
    if health and not may(user, Capability.READ_RESTRICTIONS):
        raise Http404
    return access_citizen(user, citizen_pk)


def _data(request):
    """The posted data on a POST (even if empty, so an empty form shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def _page(request, template, citizen, page_name, title, **context):
    user = request.user
    return render(
        request,
        template,
        {
            "citizen": citizen,
            "title": title,
            "step1_current": page_name,
            "may_edit_step1": may(user, Capability.CASE_WORK),
            "may_see_health": may(user, Capability.READ_RESTRICTIONS),
            **context,
        },
    )


def _form_page(request, citizen, form, *, title, cancel_url, intro="", submit_label=None):
    return render(
        request,
        "web/form_page.html",
        {
            "citizen": citizen,
            "form": form,
            "title": title,
            "cancel_url": cancel_url,
            "intro": intro,
            "submit_label": submit_label or _("Save"),
        },
    )


# --- Job goals --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def job_goals(request, citizen_pk):
    citizen = _citizen(request, citizen_pk, write=request.method == "POST")
    form = JobGoalForm(_data(request)) if may(request.user, Capability.CASE_WORK) else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = actions.set_job_goal if data["kind"] == JobGoal.Kind.GOAL else actions.add_job_wish
        if run_action(
            form,
            action,
            acting_user=request.user,
            citizen=citizen,
            text=data["text"],
            set_on=data["set_on"],
            occupation_code=data["occupation_code"],
        ):
            messages.success(request, _("The job goal has been saved."))
            return redirect("job_goals", citizen_pk=citizen.pk)
    current, earlier = current_job_goals(citizen)
    return _page(
        request,
        "people/job_goals.html",
        citizen,
        "job_goals",
        _("Job goals"),
        form=form,
        current=current,
        earlier=earlier,
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def job_goal_adjust(request, citizen_pk, goal_pk):
    citizen = _citizen(request, citizen_pk, write=True)
    goal = get_object_or_404(JobGoal, pk=goal_pk, citizen=citizen, replaced_on__isnull=True)
    initial = {"kind": goal.kind, "occupation_code": goal.occupation_code, "text": goal.text}
    form = AdjustJobGoalForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            form,
            actions.adjust_job_goal,
            acting_user=request.user,
            goal=goal,
            kind=data["kind"],
            text=data["text"],
            set_on=data["set_on"],
            occupation_code=data["occupation_code"],
        ):
            messages.success(request, _("The job goal has been adjusted; the earlier one is kept in the history."))
            return redirect("job_goals", citizen_pk=citizen.pk)
    return _form_page(
        request,
        citizen,
        form,
        title=_("Adjust job goal"),
        cancel_url=reverse("job_goals", args=[citizen.pk]),
        intro=_("Now: %(goal)s. It is kept in the history.") % {"goal": goal.text},
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def job_goal_close(request, citizen_pk, goal_pk):
    citizen = _citizen(request, citizen_pk, write=True)
    goal = get_object_or_404(JobGoal, pk=goal_pk, citizen=citizen, replaced_on__isnull=True)
    form = CloseJobGoalForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.close_job_goal, acting_user=request.user, goal=goal, on=form.cleaned_data["on"]):
            messages.success(request, _("The job goal has been closed; it is kept in the history."))
            return redirect("job_goals", citizen_pk=citizen.pk)
    return _form_page(
        request,
        citizen,
        form,
        title=_("Close job goal"),
        cancel_url=reverse("job_goals", args=[citizen.pk]),
        intro=_("%(goal)s no longer applies. It is kept in the history.") % {"goal": goal.text},
        submit_label=_("Close job goal"),
    )


# --- CV ---------------------------------------------------------------------------------------


def _cv_arguments(data):
    return {field: data[field] for field in ("kind", "title", "organisation", "starts_on", "ends_on", "description")}


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def cv(request, citizen_pk):
    citizen = _citizen(request, citizen_pk, write=request.method == "POST")
    form = CVEntryForm(_data(request)) if may(request.user, Capability.CASE_WORK) else None
    if request.method == "POST" and form.is_valid():
        if run_action(
            form, actions.add_cv_entry, acting_user=request.user, citizen=citizen, **_cv_arguments(form.cleaned_data)
        ):
            messages.success(request, _("The line has been added to the CV."))
            return redirect("cv", citizen_pk=citizen.pk)
    return _page(
        request,
        "people/cv.html",
        citizen,
        "cv",
        _("CV"),
        form=form,
        sections=cv_sections(citizen),
        last_updated=cv_last_updated(citizen),
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def cv_entry_edit(request, citizen_pk, entry_pk):
    citizen = _citizen(request, citizen_pk, write=True)
    entry = get_object_or_404(CVEntry, pk=entry_pk, citizen=citizen)
    form = CVEntryForm.for_entry(entry, _data(request))
    if request.method == "POST" and form.is_valid():
        if run_action(
            form, actions.update_cv_entry, acting_user=request.user, entry=entry, **_cv_arguments(form.cleaned_data)
        ):
            messages.success(request, _("The CV line has been saved."))
            return redirect("cv", citizen_pk=citizen.pk)
    return _form_page(request, citizen, form, title=_("Edit CV line"), cancel_url=reverse("cv", args=[citizen.pk]))


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def cv_entry_delete(request, citizen_pk, entry_pk):
    citizen = _citizen(request, citizen_pk, write=True)
    entry = get_object_or_404(CVEntry, pk=entry_pk, citizen=citizen)
    form = ConfirmForm(_data(request))
    if request.method == "POST" and form.is_valid():
        actions.remove_cv_entry(acting_user=request.user, entry=entry)
        messages.success(request, _("The line has been deleted from the CV."))
        return redirect("cv", citizen_pk=citizen.pk)
    return _form_page(
        request,
        citizen,
        form,
        title=_("Delete CV line"),
        cancel_url=reverse("cv", args=[citizen.pk]),
        intro=_("Delete “%(title)s” from the CV? This cannot be undone.") % {"title": entry.title},
        submit_label=_("Delete"),
    )


@login_required
@require_http_methods(["GET"])
@logs_citizen_read
def cv_pdf(request, citizen_pk):
    citizen = _citizen(request, citizen_pk)
    response = HttpResponse(render_cv_pdf(citizen, reader=request.user), content_type="application/pdf")
    # The file name carries no personal data; the PDF is personal data, so no shared caches.
    response["Content-Disposition"] = 'inline; filename="cv.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Competence card --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def competence_card(request, citizen_pk):
    citizen = _citizen(request, citizen_pk, write=request.method == "POST")
    may_write = may(request.user, Capability.CASE_WORK)
    form = CompetenceForm(_data(request), initial={"area": request.GET.get("area")}) if may_write else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            form,
            actions.assess_competence,
            acting_user=request.user,
            citizen=citizen,
            area=data["area"],
            level=data["level"],
            comment=data["comment"],
            assessed_on=data["assessed_on"],
            co_assessor=data["co_assessor"],
        ):
            messages.success(request, _("The assessment has been added to the competence card."))
            return redirect("competence_card", citizen_pk=citizen.pk)
    history = citizen.competences.select_related("co_assessor").order_by("-assessed_on", "-id")
    return _page(
        request,
        "people/competence_card.html",
        citizen,
        "competence_card",
        _("Competence card"),
        form=form,
        card=latest_competences(citizen),
        history=history,
    )


# --- Restrictions -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def restrictions(request, citizen_pk):
    citizen = _citizen(request, citizen_pk, health=True, write=request.method == "POST")
    form = RestrictionForm(_data(request)) if may(request.user, Capability.CASE_WORK) else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            form,
            actions.add_restriction,
            acting_user=request.user,
            citizen=citizen,
            tag=data["tag"],
            description=data["description"],
            recorded_on=data["recorded_on"],
        ):
            messages.success(request, _("The restriction has been recorded."))
            return redirect("restrictions", citizen_pk=citizen.pk)
    rows = list(citizen.restrictions.order_by("-recorded_on", "-id"))
    return _page(
        request,
        "people/restrictions.html",
        citizen,
        "restrictions",
        _("Restrictions"),
        form=form,
        current=[r for r in rows if r.ended_on is None],
        ended=[r for r in rows if r.ended_on is not None],
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def restriction_end(request, citizen_pk, restriction_pk):
    citizen = _citizen(request, citizen_pk, health=True, write=True)
    restriction = get_object_or_404(Restriction, pk=restriction_pk, citizen=citizen, ended_on__isnull=True)
    form = EndRestrictionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if run_action(
            form,
            actions.end_restriction,
            acting_user=request.user,
            restriction=restriction,
            ended_on=form.cleaned_data["ended_on"],
        ):
            messages.success(request, _("The restriction no longer applies; it is kept in the history."))
            return redirect("restrictions", citizen_pk=citizen.pk)
    return _form_page(
        request,
        citizen,
        form,
        title=_("End restriction"),
        cancel_url=reverse("restrictions", args=[citizen.pk]),
        intro=restriction.get_tag_display(),
        submit_label=_("End restriction"),
    )


# --- Parallel efforts -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def parallel_efforts(request, citizen_pk):
    citizen = _citizen(request, citizen_pk, health=True, write=request.method == "POST")
    form = ParallelEffortForm(_data(request)) if may(request.user, Capability.CASE_WORK) else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            form,
            actions.add_parallel_effort,
            acting_user=request.user,
            citizen=citizen,
            kind=data["kind"],
            description=data["description"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ):
            messages.success(request, _("The parallel effort has been recorded."))
            return redirect("parallel_efforts", citizen_pk=citizen.pk)
    current = list(_current_efforts(citizen).order_by("-starts_on", "-id"))
    ended = citizen.parallel_efforts.exclude(pk__in=[e.pk for e in current]).order_by("-ends_on", "-id")
    return _page(
        request,
        "people/parallel_efforts.html",
        citizen,
        "parallel_efforts",
        _("Parallel efforts"),
        form=form,
        current=current,
        ended=ended,
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def parallel_effort_end(request, citizen_pk, effort_pk):
    citizen = _citizen(request, citizen_pk, health=True, write=True)
    effort = get_object_or_404(_current_efforts(citizen), pk=effort_pk)
    form = EndParallelEffortForm(_data(request), initial={"ends_on": effort.ends_on or days.today()})
    if request.method == "POST" and form.is_valid():
        if run_action(
            form,
            actions.end_parallel_effort,
            acting_user=request.user,
            effort=effort,
            ends_on=form.cleaned_data["ends_on"],
        ):
            messages.success(request, _("The end date of the parallel effort has been saved."))
            return redirect("parallel_efforts", citizen_pk=citizen.pk)
    return _form_page(
        request,
        citizen,
        form,
        title=_("End parallel effort"),
        cancel_url=reverse("parallel_efforts", args=[citizen.pk]),
        intro=effort.get_kind_display(),
        submit_label=_("Save end date"),
    )


# --- Consents ---------------------------------------------------------------------------------


def _consent_page(request, citizen_pk, kind, *, given):
    if not may(request.user, Capability.RECORD_CONSENT) or kind not in ConsentKind.values:
        raise Http404
    citizen = access_citizen(request.user, citizen_pk)
    form = ConsentForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            form,
            actions.give_consent if given else actions.withdraw_consent,
            acting_user=request.user,
            citizen=citizen,
            kind=kind,
            on=data["on"],
            manner=data["manner"],
            reference=data["reference"],
        ):
            if given:
                messages.success(request, _("The consent is recorded."))
            else:
                messages.success(request, _("The withdrawal is recorded; the earlier consent stays in the history."))
            return redirect(reverse("citizen_detail", args=[citizen.pk]) + "#consents")
    label = ConsentKind(kind).label
    return _form_page(
        request,
        citizen,
        form,
        title=_("Record consent") if given else _("Withdraw consent"),
        cancel_url=reverse("citizen_detail", args=[citizen.pk]) + "#consents",
        intro=label,
        submit_label=_("Record consent") if given else _("Withdraw consent"),
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def consent_give(request, citizen_pk, consent_kind):
    return _consent_page(request, citizen_pk, consent_kind, given=True)


@login_required
@require_http_methods(["GET", "POST"])
@logs_citizen_read
def consent_withdraw(request, citizen_pk, consent_kind):
    return _consent_page(request, citizen_pk, consent_kind, given=False)
