"""Case pages: referral (start form), step changes, the upskilling decision, the end form and follow-up.

Each page fetches through the access helpers (a denial is a 404 like a miss), logs the read of the
citizen's record, and writes only through the actions in cases/actions.py.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_read, logs_citizen_read
from jobbro.cases import actions, funders
from jobbro.cases.forms import (
    CprForm,
    EndForm,
    FollowUpForm,
    ParticipantFormForm,
    ReferralForm,
    StartFormForm,
    StepChangeForm,
    UpskillingDecisionForm,
    participant_answers,
)
from jobbro.cases.models import Outcome, ParticipantForm, UpskillingDecision
from jobbro.effect import actions as effect_actions
from jobbro.effect.models import LotteryDraw
from jobbro.formtools import run_action
from jobbro.people import cpr, postcodes
from jobbro.people.access import access_citizen
from jobbro.people.models import Citizen
from jobbro.pickers import MATCHES_SHOWN


def needs_upskilling_decision(enrolment):
    """True while an active enrolment has no upskilling decision: it is required at the first talk."""
    return enrolment.is_active and not enrolment.upskilling_decisions.exists()


def case_context(request, citizen, enrolments):
    """What the citizen page shows of the case (templates/cases/includes/citizen_case.html and enrolment_actions.html)."""
    outcomes = defaultdict(list)
    for outcome in Outcome.objects.filter(enrolment__in=enrolments).order_by("measured_on", "id"):
        outcomes[outcome.enrolment_id].append(outcome)
    forms = {form.enrolment_id: form for form in ParticipantForm.objects.filter(enrolment__in=enrolments)}
    return {
        # The funder's participant form of each enrolment with a start form (docs/funders.md).
        "participant_forms": {e.pk: _participant_summary(citizen, e, forms.get(e.pk)) for e in enrolments},
        # Enrolments with an upskilling decision: the others show a warning until one is recorded.
        "upskilling_decided": set(
            UpskillingDecision.objects.filter(enrolment__in=enrolments).values_list("enrolment_id", flat=True)
        ),
        # Every enrolment has a key (get_item falls back to the key itself).
        "outcomes_by_enrolment": {e.pk: outcomes.get(e.pk, []) for e in enrolments},
        "may_do_case_work": may(request.user, Capability.CASE_WORK),
    }


def _participant_summary(citizen, enrolment, form):
    """What the case shows of the funder's participant form: the answers, the computed age group, what is missing."""
    if enrolment.started_on is None:
        return None
    group = funders.age_group(citizen.birth_date, enrolment.started_on)
    return {
        "form": form,
        "age_group": funders.age_group_label(group),
        "missing": funders.missing_answers(enrolment, form),
    }


def _case_enrolment(request, citizen_pk, enrolment_pk):
    """The citizen and one of their enrolments, for a user who does case work on it; else 404."""
    citizen = access_citizen(request.user, citizen_pk)
    if not may(request.user, Capability.CASE_WORK):
        raise Http404
    return citizen, access.access_enrolment(request.user, citizen, enrolment_pk)


def _citizen_url(citizen):
    return reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})


# --- Referral (start form) ---------------------------------------------------------------------------


def _dashed(digits):
    return f"{digits[:6]}-{digits[6:]}"


def _known_citizen(request, digits):
    """The citizen with this CPR number (any programme), and whether the user may see them."""
    found = Citizen.objects.filter(cpr_hash=cpr.lookup_hash(digits)).first()
    if found is None:
        return None, False
    return found, Citizen.objects.visible_to(request.user).filter(pk=found.pk).exists()


def _all_programmes_taken(request, citizen):
    """The citizen is already active in every programme the user can refer into."""
    programmes = set(access.visible_sites(request.user).values_list("programme_id", flat=True))
    taken = set(citizen.enrolments.filter(ended_on__isnull=True).values_list("programme_id", flat=True))
    return bool(programmes) and programmes <= taken


def _render_referral(request, form, *, stage, known=None, status=200):
    cpr_text = form["cpr_number"].value() if stage == "full" and "cpr_number" in form.fields else ""
    return render(
        request,
        "cases/referral.html",
        {
            "form": form,
            "stage": stage,
            "known_citizen": known,
            # Not among the citizens the user can see: the page says the number is new and the details are needed.
            "new_cpr": cpr_text if stage == "full" and known is None else "",
            "title": _("Refer a citizen"),
            "has_sites": access.visible_sites(request.user).exists(),
        },
        status=status,
    )


@sensitive_post_parameters("cpr_number")
@login_required
def referral_new(request):
    """Referral in two stages: the CPR number (looked up by its keyed hash), then the start form.

    The page's own address also answers its two lookups as JSON: ?role=job_broker|caseworker&q=<name> for the
    staff fields' search, and ?postcode=<4 digits> for the town of a postcode."""
    user = request.user
    if not may(user, Capability.REFER):
        raise Http404
    if request.method != "POST":
        if request.GET.get("role") in REFERRAL_STAFF_FIELDS:
            return _referral_staff(request, request.GET["role"])
        if "postcode" in request.GET:
            return JsonResponse({"town": postcodes.town_for(request.GET["postcode"][:4])})
        return _render_referral(request, CprForm(), stage="cpr")

    if request.POST.get("stage") != "full":
        form = CprForm(request.POST)
        if not form.is_valid():
            return _render_referral(request, form, stage="cpr")
        digits = form.cleaned_data["cpr_number"]
        found, visible = _known_citizen(request, digits)
        if found and _all_programmes_taken(request, found):
            form.add_error("cpr_number", _("This citizen is already enrolled in the programme."))
            return _render_referral(request, form, stage="cpr")
        if visible:
            # Naming the citizen is a read of their record.
            log_read(user=user, citizen_pk=found.pk, view="referral_new", status_code=200)
        referral = ReferralForm(user=user, known_citizen=visible, initial={"cpr_number": _dashed(digits)})
        return _render_referral(request, referral, stage="full", known=found if visible else None)

    found, visible = None, False
    try:
        found, visible = _known_citizen(request, cpr.validate(request.POST.get("cpr_number")))
    except ValidationError:
        pass  # the form puts the message next to the field
    form = ReferralForm(request.POST, user=user, known_citizen=visible)
    if form.is_valid():
        # The referral and, in a programme with a lottery, the draw: one transaction, both or neither.
        with transaction.atomic():
            enrolment = run_action(form, actions.refer_citizen, acting_user=user, **form.action_arguments())
            drawn = effect_actions.draw(acting_user=user, enrolment=enrolment) if enrolment is not None else None
        if enrolment is not None:
            messages.success(
                request,
                _("%(name)s is referred to %(programme)s.")
                % {
                    "name": enrolment.citizen.full_name,
                    "programme": enrolment.programme,
                },
            )
            if drawn is not None:
                if drawn.arm == LotteryDraw.Arm.PROGRAMME:
                    text = _("The lottery drew %(name)s to the programme group.")
                else:
                    text = _(
                        "The lottery drew %(name)s to the control group: the usual services, "
                        "no company-oriented effort in the programme."
                    )
                messages.info(request, text % {"name": enrolment.citizen.full_name})
            return redirect("citizen_detail", citizen_pk=enrolment.citizen_id)
    if visible:
        log_read(user=user, citizen_pk=found.pk, view="referral_new", status_code=200)
    return _render_referral(request, form, stage="full", known=found if visible else None)


REFERRAL_STAFF_FIELDS = ("job_broker", "caseworker")


def _referral_staff(request, name):
    """The answer to the job broker or caseworker field's search (?role=<field>&q=<text>): the form's own staff,
    each option "Name · role", with the programmes only for a user who refers into more than one."""
    text = request.GET.get("q", "").strip()[: textlimits.SEARCH]
    if not text:
        return JsonResponse({"results": [], "more": False})
    field = ReferralForm(user=request.user).fields[name]
    rows = list(field.matching(text)[: MATCHES_SHOWN + 1])
    return JsonResponse(
        {
            "results": [
                {"id": row.pk, "text": field.text_from_instance(row), "label": field.label_from_instance(row)}
                for row in rows[:MATCHES_SHOWN]
            ],
            "more": len(rows) > MATCHES_SHOWN,
        }
    )


# --- The start form, filled after the referral ---------------------------------------------------------------


@login_required
@logs_citizen_read
def enrolment_start_form(request, citizen_pk, enrolment_pk):
    """Fill the start form of a citizen referred without one; an enrolment with one, or ended, has nothing to fill:
    back to the citizen's page with a word on why."""
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    if enrolment.started_on is not None or enrolment.ended_on is not None:
        if enrolment.started_on is not None:
            messages.info(
                request,
                _("The start form was filled on %(date)s.")
                % {"date": date_format(enrolment.started_on, "SHORT_DATE_FORMAT")},
            )
        else:
            messages.info(request, _("The enrolment has ended; record a new referral instead."))
        return redirect("citizen_detail", citizen_pk=citizen.pk)
    form = StartFormForm(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            actions.fill_start_form,
            acting_user=request.user,
            enrolment=enrolment,
            on=form.cleaned_data["started_on"],
            participant=participant_answers(form.cleaned_data, ParticipantForm.START_FIELDS),
        )
        if done is not None:
            messages.success(request, _("The start form is filled; the citizen now receives active effort."))
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    return render(
        request,
        "web/form_page.html",
        {
            "title": _("Fill the start form"),
            "intro": _("%(name)s was referred on %(date)s without a start form. Write the date it was filled.")
            % {"name": citizen.full_name, "date": date_format(enrolment.referred_on, "SHORT_DATE_FORMAT")},
            "form": form,
            "citizen": citizen,
            "cancel_url": _citizen_url(citizen),
            "submit_label": _("Save the start form"),
        },
    )


# --- The funder's participant form, filled in or corrected after the start form -----------------------------


@login_required
@logs_citizen_read
def enrolment_participant_form(request, citizen_pk, enrolment_pk):
    """The funder's answers of the start form and, once it is filled, the end form (docs/funders.md)."""
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    if enrolment.started_on is None:
        messages.info(request, _("Fill the start form first: the funder's questions are part of it."))
        return redirect("citizen_detail", citizen_pk=citizen.pk)
    form = ParticipantFormForm(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, actions.record_participant_form, acting_user=request.user, enrolment=enrolment, **form.answers()
        )
        if done is not None:
            messages.success(request, _("The funder's participant form is saved."))
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    return render(
        request,
        "web/form_page.html",
        {
            "title": _("The funder's participant form"),
            "intro": _(
                "The answers the programme's funder asks for at the start form and the end form. The age group is "
                "computed from the birth date at the start form date."
            ),
            "form": form,
            "citizen": citizen,
            "cancel_url": _citizen_url(citizen),
            "submit_label": _("Save the participant form"),
        },
    )


# --- Step change ---------------------------------------------------------------------------------------


@login_required
@logs_citizen_read
def enrolment_step(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    form = StepChangeForm(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            actions.change_step,
            acting_user=request.user,
            enrolment=enrolment,
            step=data["step"],
            on=data["changed_on"],
            note=data["note"].strip(),
        )
        if done is not None:
            messages.success(
                request, _("The step is changed to %(step)s.") % {"step": enrolment.get_current_step_display()}
            )
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    history = enrolment.step_changes.select_related("changed_by").order_by("-changed_on", "-id")
    return render(
        request,
        "cases/step_change.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "history": history,
            "title": _("Change step"),
            "cancel_url": _citizen_url(citizen),
        },
    )


# --- Upskilling considered at the first talk --------------------------------------------------------------


@login_required
@logs_citizen_read
def enrolment_upskilling(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    form = UpskillingDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = run_action(
            form,
            actions.record_upskilling_decision,
            acting_user=request.user,
            enrolment=enrolment,
            **form.action_arguments(),
        )
        if decision is not None:
            messages.success(request, _("The upskilling decision is recorded."))
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    decisions = enrolment.upskilling_decisions.select_related("course__institution").order_by("-decided_on", "-id")
    return render(
        request,
        "cases/upskilling_decision.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "decisions": decisions,
            "title": _("Upskilling considered at the first talk"),
            "cancel_url": _citizen_url(citizen),
        },
    )


# --- End form and follow-up ----------------------------------------------------------------------------------


@login_required
@logs_citizen_read
def enrolment_end(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    if not enrolment.is_active:
        messages.info(request, _("The course has already ended; record a follow-up instead."))
        return redirect("citizen_detail", citizen_pk=citizen.pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = run_action(
            form,
            actions.end_enrolment,
            acting_user=request.user,
            enrolment=enrolment,
            ended_on=data["ended_on"],
            status=data["status"],
            note=data["note"].strip(),
            participant=participant_answers(data, ParticipantForm.END_FIELDS),
        )
        if outcome is not None:
            messages.success(request, _("The end form is registered."))
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    running = enrolment.placements.filter(ended_on__isnull=True).select_related("company")
    return render(
        request,
        "cases/exit_form.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "running": running,
            "title": _("End form"),
            "cancel_url": _citizen_url(citizen),
        },
    )


@login_required
@logs_citizen_read
def enrolment_follow_up(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    if enrolment.is_active:
        messages.info(request, _("A follow-up is recorded after the end form."))
        return redirect("citizen_detail", citizen_pk=citizen.pk)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = run_action(
            form,
            actions.record_follow_up,
            acting_user=request.user,
            enrolment=enrolment,
            measured_on=data["measured_on"],
            status=data["status"],
            note=data["note"].strip(),
        )
        if outcome is not None:
            messages.success(request, _("The follow-up is recorded."))
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    return render(
        request,
        "cases/exit_follow_up.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "outcomes": enrolment.outcomes.order_by("measured_on", "id"),
            "title": _("Follow-up"),
            "cancel_url": _citizen_url(citizen),
        },
    )
