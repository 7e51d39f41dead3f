"""Pages for job plans and packages, placements, agreed hours and contacts.

Every page takes `citizen_pk`, fetches through the access helpers and logs the read. Pages that write
answer 404 to roles that may not do case work, exactly like a miss; the write itself is an action,
and a refused form is shown again with the input kept and nothing saved.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobbro import codes
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import logs_citizen_read
from jobbro.cases import actions, wages
from jobbro.cases.models import Contact, JobPlan, Milestone, Placement, PlacementEndReason, Step
from jobbro.cases.placement_forms import (
    NOT_BROKEN,
    AgreedHoursForm,
    CompleteMilestoneForm,
    ContactForm,
    EndPlacementForm,
    JobPlanForm,
    LegalBasisForm,
    MilestoneForm,
    StartPlacementForm,
    WageForm,
    back_to_step_2_for,
)
from jobbro.companies.models import Opening
from jobbro.days import today
from jobbro.formtools import run_action
from jobbro.people.access import access_citizen

RECENT_CONTACTS = 5
PAGE_SIZE = 50


# --- Where the citizen is in a plan (pure: milestones in, statuses out) -----------------------------


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    done: bool
    overdue: bool  # computed against a date, never stored
    is_next: bool  # the first milestone not done, in date order

    @property
    def status(self):
        if self.done:
            return "done"
        if self.overdue:
            return "overdue"
        return "next" if self.is_next else "later"


@dataclass(frozen=True)
class PlanOverview:
    rows: tuple
    on: datetime.date

    @property
    def next_row(self):
        return next((row for row in self.rows if row.is_next), None)

    @property
    def after_next(self):
        waiting = [row for row in self.rows if not row.done]
        return waiting[1] if len(waiting) > 1 else None

    @property
    def last_done(self):
        done = [row for row in self.rows if row.done]
        return max(done, key=lambda row: (row.milestone.completed_on, row.milestone.due_on)) if done else None

    @property
    def overdue_count(self):
        return sum(row.overdue for row in self.rows)

    @property
    def done_count(self):
        return sum(row.done for row in self.rows)

    @property
    def all_done(self):
        return bool(self.rows) and all(row.done for row in self.rows)


def plan_overview(milestones, on):
    """Each milestone in date order with its status on the given day: done, overdue, next or later."""
    ordered = sorted(milestones, key=lambda m: (m.due_on, m.pk or 0))
    rows, seen_next = [], False
    for milestone in ordered:
        done = milestone.completed_on is not None
        is_next = not done and not seen_next
        seen_next = seen_next or is_next
        rows.append(MilestoneRow(milestone, done, milestone.is_overdue(on), is_next))
    return PlanOverview(tuple(rows), on)


# --- The citizen page's section ---------------------------------------------------------------------


def placement_context(request, citizen, enrolments):
    """What the citizen page shows of plans, placements and contacts (templates/cases/includes/citizen_case.html)."""
    user = request.user
    enrolments = list(enrolments)
    ids = [e.pk for e in enrolments]
    on = today()
    active_plans = {}
    plans = JobPlan.objects.filter(enrolment_id__in=ids, closed_on__isnull=True).prefetch_related("milestones")
    for plan in plans.order_by("-created_on", "-id"):
        active_plans.setdefault(plan.enrolment_id, plan)
    placements = list(Placement.objects.filter(enrolment_id__in=ids).select_related("company", "buddy"))
    summaries = []
    for enrolment in enrolments:
        plan = active_plans.get(enrolment.pk)
        summaries.append(
            {
                "enrolment": enrolment,
                "plan": plan,
                "overview": plan_overview(plan.milestones.all(), on) if plan else None,
                # A running placement is followed up, not doubled: its page is the main button, not a new start.
                "running": sorted(
                    (p for p in placements if p.enrolment_id == enrolment.pk and p.ended_on is None),
                    key=lambda p: (p.starts_on, p.pk),
                ),
            }
        )
    contacts = Contact.objects.filter(enrolment_id__in=ids)
    return {
        "case_summaries": summaries,
        "case_placements": placements,
        "recent_contacts": list(
            contacts.select_related("company").prefetch_related("staff", "company_contacts")[:RECENT_CONTACTS]
        ),
        "contact_total": contacts.count(),
        "may_do_case_work": may(user, Capability.CASE_WORK),
        "may_read_case_notes": may(user, Capability.READ_NOTES),
    }


# --- Fetching -------------------------------------------------------------------------------------


def _enrolment(request, citizen_pk, enrolment_pk, *, write=False):
    if write and not may(request.user, Capability.CASE_WORK):
        raise Http404
    citizen = access_citizen(request.user, citizen_pk)
    return citizen, access.access_enrolment(request.user, citizen, enrolment_pk)


def _plan(enrolment, plan_pk):
    try:
        return enrolment.job_plans.get(pk=plan_pk)
    except (JobPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _placement(request, citizen_pk, pk, *, write=False):
    if write and not may(request.user, Capability.CASE_WORK):
        raise Http404
    citizen = access_citizen(request.user, citizen_pk)
    visible = access.scope_enrolments(citizen.enrolments.all(), request.user)
    placement = (
        Placement.objects.filter(pk=pk, enrolment__in=visible)
        .select_related("enrolment__programme", "enrolment__citizen", "company", "buddy", "opening")
        .first()
    )
    if placement is None:
        raise Http404
    return citizen, placement


def _safe_next(request, citizen):
    """A page on this citizen to come back to, if one was given and is local."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    prefix = reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})
    if target.startswith(prefix) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _citizen_url(citizen):
    return reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})


# --- Job plans ------------------------------------------------------------------------------------


@login_required
@logs_citizen_read
def job_plans(request, citizen_pk, enrolment_pk):
    """The enrolment's plans and packages, and (for case work) a form to make a new one."""
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk)
    may_write = may(request.user, Capability.CASE_WORK)
    form = None
    if request.method == "POST":
        if not may_write:
            raise Http404
        form = JobPlanForm(request.POST)
        if form.is_valid():
            plan = run_action(
                form, actions.create_job_plan, acting_user=request.user, enrolment=enrolment, **form.cleaned_data
            )
            if plan:
                messages.success(request, _("The plan is made. Add its milestones."))
                return redirect("job_plan", citizen_pk=citizen.pk, enrolment_pk=enrolment.pk, plan_pk=plan.pk)
    elif may_write and enrolment.is_active:
        form = JobPlanForm()
    on = today()
    plans = [
        {
            "plan": plan,
            "overview": plan_overview(plan.milestones.all(), on),
            "target": codes.occupation_title(plan.target_occupation_code),
        }
        for plan in enrolment.job_plans.prefetch_related("milestones").order_by("-created_on", "-id")
    ]
    return render(
        request,
        "cases/plan_list.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "plans": plans,
            "form": form,
            "title": _("Job plans"),
            "cancel_url": _citizen_url(citizen),
        },
    )


def _plan_page(request, citizen, enrolment, plan, *, milestone_form=None, complete_form=None):
    on = today()
    overview = plan_overview(plan.milestones.all(), on)
    may_write = may(request.user, Capability.CASE_WORK) and enrolment.is_active and not plan.closed_on
    items = []
    for row in overview.rows:
        form = None
        if may_write and not row.done:
            if complete_form is not None and complete_form.prefix == f"m{row.milestone.pk}":
                form = complete_form
            else:
                form = CompleteMilestoneForm(prefix=f"m{row.milestone.pk}")
        items.append({"row": row, "form": form})
    if may_write and milestone_form is None:
        milestone_form = MilestoneForm()
    return render(
        request,
        "cases/plan_detail.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "plan": plan,
            "target": codes.occupation_title(plan.target_occupation_code) if plan.target_occupation_code else "",
            "overview": overview,
            "items": items,
            "form": milestone_form if may_write else None,
            "may_write": may_write,
        },
    )


@login_required
@logs_citizen_read
def job_plan(request, citizen_pk, enrolment_pk, plan_pk):
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk)
    return _plan_page(request, citizen, enrolment, _plan(enrolment, plan_pk))


@login_required
@require_POST
@logs_citizen_read
def milestone_add(request, citizen_pk, enrolment_pk, plan_pk):
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk, write=True)
    plan = _plan(enrolment, plan_pk)
    form = MilestoneForm(request.POST)
    if form.is_valid() and run_action(
        form, actions.add_milestone, acting_user=request.user, plan=plan, **form.cleaned_data
    ):
        messages.success(request, _("The milestone is added."))
        return redirect("job_plan", citizen_pk=citizen.pk, enrolment_pk=enrolment.pk, plan_pk=plan.pk)
    return _plan_page(request, citizen, enrolment, plan, milestone_form=form)


@login_required
@require_POST
@logs_citizen_read
def milestone_complete(request, citizen_pk, enrolment_pk, plan_pk, milestone_pk):
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk, write=True)
    plan = _plan(enrolment, plan_pk)
    milestone = plan.milestones.filter(pk=milestone_pk).first()
    if milestone is None:
        raise Http404
    form = CompleteMilestoneForm(request.POST, prefix=f"m{milestone.pk}")
    if form.is_valid() and run_action(
        form, actions.complete_milestone, acting_user=request.user, milestone=milestone, **form.cleaned_data
    ):
        messages.success(request, _("“%(title)s” is marked as done.") % {"title": milestone.title})
        return redirect("job_plan", citizen_pk=citizen.pk, enrolment_pk=enrolment.pk, plan_pk=plan.pk)
    return _plan_page(request, citizen, enrolment, plan, complete_form=form)


# --- Placements -----------------------------------------------------------------------------------


def _htmx_refresh(field, url, target):
    """Re-fetch this page with the field's new value and swap in the part of the form that depends on it."""
    field.widget.attrs.update(
        {
            "hx-get": url,
            "hx-trigger": "change",
            "hx-target": target,
            "hx-select": target,
            "hx-swap": "outerHTML",
        }
    )


def _int_param(request, name):
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
@logs_citizen_read
def placement_start(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk, write=True)
    if request.method == "POST":
        form = StartPlacementForm(request.POST, enrolment=enrolment)
        if form.is_valid():
            placement = run_action(
                form, actions.start_placement, acting_user=request.user, enrolment=enrolment, **form.cleaned_data
            )
            if placement:
                messages.success(
                    request,
                    _("The placement has started, and %(name)s is in step 3 – in a company.")
                    % {"name": citizen.full_name},
                )
                return redirect("placement_detail", citizen_pk=citizen.pk, pk=placement.pk)
    else:
        initial = {}
        opening = (
            Opening.objects.open().filter(programme=enrolment.programme, pk=_int_param(request, "opening")).first()
        )
        if opening:
            initial = {"company": opening.company_id, "opening": opening.pk, "buddy": opening.buddy_id}
        elif _int_param(request, "company"):
            initial = {"company": _int_param(request, "company")}
        form = StartPlacementForm(initial=initial, enrolment=enrolment)
    url = reverse("placement_start", kwargs={"citizen_pk": citizen.pk, "enrolment_pk": enrolment.pk})
    _htmx_refresh(form.fields["company"], url, "#jb-company-fields")
    return render(
        request,
        "cases/placement_start.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "title": _("Start a placement"),
            "cancel_url": _citizen_url(citizen),
            "running": enrolment.placements.filter(ended_on__isnull=True)
            .select_related("company")
            .order_by("starts_on"),
        },
    )


def _agreed_at_start(placement, hours_changes):
    """The ordinary hours agreed when the placement started. change_agreed_hours keeps that agreement as the first
    row of the history, written by no one (it is the start agreement, not a change); no such row, no agreement."""
    if not hours_changes:
        return placement.agreed_ordinary_hours
    first = hours_changes[0]
    return first.ordinary_hours if first.changed_by_id is None and first.from_date == placement.starts_on else None


@login_required
@logs_citizen_read
def placement_detail(request, citizen_pk, pk):
    citizen, placement = _placement(request, citizen_pk, pk)
    hours_changes = list(placement.hours_changes.select_related("changed_by").order_by("from_date", "id"))
    timesheets = wages.with_pay(placement.timesheets.order_by("week_start"))
    totals = placement.timesheets.aggregate(
        ordinary=Sum("ordinary_hours"), internship=Sum("internship_hours"), subsidised=Sum("subsidised_hours")
    )
    on = today()
    contacts = (
        Contact.objects.filter(enrolment=placement.enrolment, company=placement.company)
        .select_related("company")
        .prefetch_related("staff", "company_contacts")
    )
    enrolment = placement.enrolment
    others_running = enrolment.placements.exclude(pk=placement.pk).filter(ended_on__isnull=True).exists()
    return render(
        request,
        "cases/placement_detail.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "placement": placement,
            "hours_changes": hours_changes,
            "agreed_at_start": _agreed_at_start(placement, hours_changes),
            "timesheets": timesheets,
            "totals": totals,
            "contacts": contacts,
            "others_running": others_running,
            "wage_now": wages.wage_in_force(placement, on),
            "wage_history": wages.wage_history(placement),
            "pay_months": wages.gross_pay_by_month(placement.timesheets.all()),
            "may_set_wage": may(request.user, Capability.SET_WAGE),
            "may_write": may(request.user, Capability.CASE_WORK),
            "may_read_case_notes": may(request.user, Capability.READ_NOTES),
            "here": request.path,
            "today": today(),
        },
    )


@login_required
@logs_citizen_read
def placement_hours(request, citizen_pk, pk):
    citizen, placement = _placement(request, citizen_pk, pk, write=True)
    form = AgreedHoursForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_action(
            form,
            actions.change_agreed_hours,
            acting_user=request.user,
            placement=placement,
            from_date=data["from_date"],
            ordinary_hours=data["ordinary_hours"],
            internship_hours=data["internship_hours"] or 0,
        )
        if change:
            messages.success(
                request, _("The new agreement on hours is saved; the earlier ones are kept in the history.")
            )
            return redirect("placement_detail", citizen_pk=citizen.pk, pk=placement.pk)
    if placement.agreed_ordinary_hours is not None:
        intro = _(
            "Now agreed: %(hours)s ordinary paid hours a week. Write the new agreement and the date it applies from."
        ) % {"hours": number_format(placement.agreed_ordinary_hours)}
    else:
        intro = _("No ordinary hours are agreed yet. Write the agreement and the date it applies from.")
    return render(
        request,
        "web/form_page.html",
        {
            "title": _("Change agreed hours: %(placement)s") % {"placement": placement},
            "intro": intro,
            "form": form,
            "citizen": citizen,
            "cancel_url": reverse("placement_detail", kwargs={"citizen_pk": citizen.pk, "pk": placement.pk}),
            "submit_label": _("Save the new hours"),
        },
    )


@login_required
@logs_citizen_read
def placement_wage(request, citizen_pk, pk):
    if not may(request.user, Capability.SET_WAGE):
        raise Http404
    citizen, placement = _placement(request, citizen_pk, pk)
    form = WageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wage = run_action(
            form,
            actions.set_hourly_wage,
            acting_user=request.user,
            placement=placement,
            valid_from=data["valid_from"],
            hourly_wage=data["hourly_wage"],
        )
        if wage:
            messages.success(request, _("The hourly wage is saved; the earlier wages are kept in the history."))
            return redirect("placement_detail", citizen_pk=citizen.pk, pk=placement.pk)
    now = wages.wage_in_force(placement, today())
    if now is not None:
        intro = _("Now: %(wage)s an hour. Write the new hourly wage and the date it applies from.") % {
            "wage": wages.kroner(now)
        }
    else:
        intro = _("No hourly wage is set yet. Write the hourly wage and the date it applies from.")
    return render(
        request,
        "web/form_page.html",
        {
            "title": _("Set the hourly wage: %(placement)s") % {"placement": placement},
            "intro": intro,
            "form": form,
            "citizen": citizen,
            "cancel_url": reverse("placement_detail", kwargs={"citizen_pk": citizen.pk, "pk": placement.pk}),
            "submit_label": _("Save the hourly wage"),
        },
    )


@login_required
@logs_citizen_read
def placement_legal_basis(request, citizen_pk, pk):
    """Change the law the placement is given under (docs/funders.md "Legal basis")."""
    citizen, placement = _placement(request, citizen_pk, pk, write=True)
    form = LegalBasisForm(request.POST or None, initial={"legal_basis": placement.legal_basis})
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            actions.set_legal_basis,
            acting_user=request.user,
            placement=placement,
            legal_basis=form.cleaned_data["legal_basis"],
        )
        if done is not None:
            messages.success(request, _("The legal basis is saved."))
            return redirect("placement_detail", citizen_pk=citizen.pk, pk=placement.pk)
    return render(
        request,
        "web/form_page.html",
        {
            "title": _("Legal basis: %(placement)s") % {"placement": placement},
            "intro": _("The law the placement is given under. It is in the funder's participant forms."),
            "form": form,
            "citizen": citizen,
            "cancel_url": reverse("placement_detail", kwargs={"citizen_pk": citizen.pk, "pk": placement.pk}),
            "submit_label": _("Save the legal basis"),
        },
    )


@login_required
@logs_citizen_read
def placement_end(request, citizen_pk, pk):
    citizen, placement = _placement(request, citizen_pk, pk, write=True)
    detail_url = reverse("placement_detail", kwargs={"citizen_pk": citizen.pk, "pk": placement.pk})
    if placement.ended_on and request.method != "POST":
        messages.info(request, _("The placement has already ended."))
        return redirect(detail_url)
    enrolment = placement.enrolment
    if request.method == "POST":
        form = EndPlacementForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            ended = run_action(
                form,
                actions.end_placement,
                acting_user=request.user,
                placement=placement,
                ended_on=data["ended_on"],
                reason=data["reason"],
                note=data["note"],
                back_to_step_2=data["back_to_step_2"],
            )
            if ended:
                enrolment.refresh_from_db(fields=["current_step"])
                if enrolment.current_step == Step.TOWARDS_JOB:
                    messages.success(
                        request,
                        _("The placement has ended, and %(name)s is back in step 2 – towards a job.")
                        % {"name": citizen.full_name},
                    )
                else:
                    messages.success(request, _("The placement has ended."))
                return redirect("citizen_detail", citizen_pk=citizen.pk)
    else:
        form = EndPlacementForm(reason=request.GET.get("reason"))
    # The box follows the reason on the page at once (static/jobbro/placement_end.js), without a round trip that a
    # quick click on "End the placement" could overtake; without JavaScript the form's clean() does the same.
    return render(
        request,
        "cases/placement_end.html",
        {
            "citizen": citizen,
            "placement": placement,
            "form": form,
            "title": _("End the placement: %(placement)s") % {"placement": placement},
            "cancel_url": detail_url,
            "others_running": enrolment.placements.exclude(pk=placement.pk).filter(ended_on__isnull=True).exists(),
            "broken_reasons": [label for value, label in PlacementEndReason.choices if back_to_step_2_for(value)],
            "not_broken": " ".join(sorted(NOT_BROKEN)),
        },
    )


# --- Contacts -------------------------------------------------------------------------------------


def _running_placement(enrolment, on):
    return enrolment.placements.running_on(on).order_by("-starts_on", "-id").first()


@login_required
@logs_citizen_read
def contact_log(request, citizen_pk, enrolment_pk):
    """Log a contact in seconds: today, by phone, about the running placement's company, with me present."""
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk, write=True)
    next_url = _safe_next(request, citizen)
    if request.method == "POST":
        form = ContactForm(request.POST, enrolment=enrolment, acting_user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            contact = run_action(
                form,
                actions.log_contact,
                acting_user=request.user,
                enrolment=enrolment,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                note=data["note"],
                company=data["company"],
                staff=list(data["staff"]),
                company_contacts=list(data["company_contacts"]),
            )
            if contact:
                messages.success(request, _("The contact is logged: %(contact)s.") % {"contact": contact})
                return redirect(next_url or _citizen_url(citizen))
    else:
        initial = {}
        if request.GET.get("kind") in Contact.Kind.values:
            initial["kind"] = request.GET["kind"]
        elif enrolment.ended_on:
            initial["kind"] = Contact.Kind.AFTERCARE  # after the end form, only aftercare
        if "company" in request.GET:
            initial["company"] = _int_param(request, "company")
            initial["company_contacts"] = [int(v) for v in request.GET.getlist("company_contacts") if v.isdigit()]
        else:
            running = _running_placement(enrolment, today())
            if running:
                initial["company"] = running.company_id
        form = ContactForm(initial=initial, enrolment=enrolment, acting_user=request.user)
    url = reverse("contact_log", kwargs={"citizen_pk": citizen.pk, "enrolment_pk": enrolment.pk})
    _htmx_refresh(form.fields["company"], url, "#jb-company-people")
    form.fields["company"].widget.attrs["hx-include"] = "[name='company_contacts']:checked"
    return render(
        request,
        "cases/contact_log.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "title": _("Log a contact"),
            "cancel_url": next_url or _citizen_url(citizen),
            "next_url": next_url,
        },
    )


@login_required
@logs_citizen_read
def contact_list(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk)
    contacts = enrolment.contacts.select_related("company", "registered_by").prefetch_related(
        "staff", "company_contacts"
    )
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/contact_list.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "page": page,
            "title": _("Contacts"),
            "may_read_case_notes": may(request.user, Capability.READ_NOTES),
            "may_do_case_work": may(request.user, Capability.CASE_WORK),
        },
    )
