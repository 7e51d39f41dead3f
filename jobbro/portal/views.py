"""The pages a link opens (no sign-in), and the staff pages that issue and revoke links and decide proposed small jobs.

The link's pages show only the link's own person: a company contact or buddy sees their company's current placements
in the link's programme (a buddy only the placements they are buddy on) of citizens who consent to sharing data with
companies, with the citizen's first name, the agreed ordinary hours, the buddy and the next meeting, and confirms or
corrects last week's hours; a citizen sees their own plan, meetings and hours. Never a CPR number, a case note or
another citizen. Each use is in the read-access log.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from jobbro import codes
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_read, logs_citizen_read
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Enrolment, Placement, Step, Timesheet
from jobbro.cases.placement_views import plan_overview
from jobbro.cases.timesheets import hours_text
from jobbro.companies.models import Company
from jobbro.days import today
from jobbro.formtools import DesignSystemForm, add_action_errors, run_action
from jobbro.people.access import access_citizen
from jobbro.people.models import ConsentKind, consent_in_force_on
from jobbro.portal import actions, links
from jobbro.portal.models import COMPANY_AUDIENCES, AccessLink, Audience

ONE_WEEK = datetime.timedelta(days=7)
HOURS_WEEKS_SHOWN = 8

# The step in words a citizen reads.
STEP_IN_PLAIN_WORDS = {
    Step.CLARIFICATION: gettext_lazy(
        "You and your job broker are finding out what you are good at and what kind of work you want."
    ),
    Step.TOWARDS_JOB: gettext_lazy("You are ready for a workplace. Your job broker is looking for the right company."),
    Step.IN_COMPANY: gettext_lazy("You are working at a company. Your job broker follows how it goes."),
    Step.ENDED: gettext_lazy("Your course in the programme has ended."),
}


def _meeting_model():
    """jobbro.meetings' Meeting, when that app is there (the portal shows next meetings through it)."""
    try:
        from jobbro.meetings.models import Meeting
    except ImportError:  # the meetings app is not part of this installation
        return None
    return Meeting


def _page(request, template, context=None, status=200):
    response = render(request, template, context or {}, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _gone(request, token):
    """The same page for an unknown, expired or revoked link: 404 for a token never issued, 410 for an ended one."""
    link = links.find(token)
    status = 404 if link is None else 410
    if link is not None and link.citizen_id:
        log_read(user=request.user, citizen_pk=link.citizen_id, view=f"portal (link #{link.pk})", status_code=status)
    return _page(request, "portal/gone.html", status=status)


def last_monday(on=None):
    on = on or today()
    return on - datetime.timedelta(days=on.weekday()) - ONE_WEEK


# --- The pages a link opens --------------------------------------------------------------------------------------


class CorrectHoursForm(DesignSystemForm):
    ordinary_hours = forms.CharField(label=gettext_lazy("Ordinary paid hours"), max_length=10)
    internship_hours = forms.CharField(label=gettext_lazy("Internship hours"), max_length=10, required=False)


class SmallJobForm(DesignSystemForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What the work is"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    weekly_hours = forms.CharField(
        label=gettext_lazy("Hours a week"), max_length=10, help_text=gettext_lazy("For example 7,5")
    )
    starts_on = forms.DateField(label=gettext_lazy("Start"))


def company_placements(link, on):
    """The company's running placements the link shows: only of citizens who consent to sharing data with companies
    on the day (a withdrawal takes them off the company's page from its date; docs/consent.md)."""
    placements = (
        Placement.objects.running_on(on)
        .filter(company_id=link.contact.company_id, enrolment__programme_id=link.programme_id)
        .filter(consent_in_force_on(ConsentKind.DATA_SHARING, on, citizen="enrolment__citizen_id"))
        .select_related("enrolment__citizen", "buddy")
        .order_by("starts_on", "pk")
    )
    if link.audience == Audience.BUDDY:
        placements = placements.filter(buddy_id=link.contact_id)
    return list(placements)


def _company_context(request, link, forms_by_sheet=None, report_forms=None):
    on = today()
    monday = last_monday(on)
    placements = company_placements(link, on)
    sheets = {
        sheet.placement_id: sheet for sheet in Timesheet.objects.filter(placement__in=placements, week_start=monday)
    }
    Meeting = _meeting_model()
    next_meetings = {}
    if Meeting is not None and placements:
        upcoming = Meeting.objects.upcoming(timezone.now()).filter(
            enrolment_id__in=[p.enrolment_id for p in placements], company_id=link.contact.company_id
        )
        for meeting in upcoming:
            next_meetings.setdefault(meeting.enrolment_id, meeting)
    rows = []
    for placement in placements:
        sheet = sheets.get(placement.pk)
        form = (forms_by_sheet or {}).get(sheet.pk) if sheet else None
        if sheet is not None and form is None:
            form = CorrectHoursForm(
                prefix=f"t{sheet.pk}",
                initial={
                    "ordinary_hours": hours_text(
                        sheet.ordinary_hours if sheet.company_corrected_hours is None else sheet.company_corrected_hours
                    ),
                    "internship_hours": hours_text(
                        sheet.internship_hours
                        if sheet.company_corrected_internship_hours is None
                        else sheet.company_corrected_internship_hours
                    ),
                },
            )
        report_form = None
        if sheet is None and placement.starts_on <= monday + datetime.timedelta(days=6):
            report_form = (report_forms or {}).get(placement.pk) or CorrectHoursForm(prefix=f"p{placement.pk}")
        rows.append(
            {
                "report_form": report_form,
                "placement": placement,
                "first_name": placement.enrolment.citizen.first_name,
                "sheet": sheet,
                "form": form,
                "next_meeting": next_meetings.get(placement.enrolment_id),
            }
        )
    return {
        "link": link,
        "company": link.contact.company,
        "rows": rows,
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "week_number": monday.isocalendar()[1],
        "meetings_shown": Meeting is not None,
        "done": request.GET.get("done", ""),
    }


def _citizen_context(link):
    on = today()
    citizen = link.citizen
    enrolment = (
        Enrolment.objects.filter(citizen=citizen, programme_id=link.programme_id)
        .order_by("ended_on", "-referred_on")
        .first()
    )
    plan = overview = None
    goals = []
    weeks = []
    meetings = []
    if enrolment is not None:
        plan = enrolment.job_plans.filter(closed_on__isnull=True).order_by("-created_on", "-id").first()
        overview = plan_overview(plan.milestones.all(), on) if plan else None
        goals = [
            codes.occupation_title(goal.occupation_code)
            for goal in citizen.job_goals.filter(replaced_on__isnull=True).exclude(occupation_code="")
        ]
        since = last_monday(on) - ONE_WEEK * (HOURS_WEEKS_SHOWN - 1)
        by_week = {}
        for sheet in Timesheet.objects.filter(placement__enrolment=enrolment, week_start__gte=since).order_by(
            "week_start"
        ):
            week = by_week.setdefault(sheet.week_start, {"monday": sheet.week_start, "ordinary": 0, "internship": 0})
            week["ordinary"] += sheet.ordinary_hours
            week["internship"] += sheet.internship_hours
        weeks = sorted(by_week.values(), key=lambda w: w["monday"], reverse=True)
        for week in weeks:
            week["number"] = week["monday"].isocalendar()[1]
        Meeting = _meeting_model()
        if Meeting is not None:
            meetings = list(
                Meeting.objects.upcoming(timezone.now()).filter(enrolment=enrolment).select_related("company")[:5]
            )
    return {
        "link": link,
        "first_name": citizen.first_name,
        "enrolment": enrolment,
        "step_text": STEP_IN_PLAIN_WORDS.get(enrolment.current_step) if enrolment else "",
        "plan": plan,
        "target_job": codes.occupation_title(plan.target_occupation_code)
        if plan and plan.target_occupation_code
        else "",
        "overview": overview,
        "goals": [goal for goal in goals if goal],
        "weeks": weeks,
        "meetings": meetings,
        "meetings_shown": _meeting_model() is not None,
    }


def portal(request, token):
    """What the link's person sees: their placements and last week's hours, or their own plan, meetings and hours."""
    link = links.resolve(token)
    if link is None:
        return _gone(request, token)
    if link.audience == Audience.CITIZEN:
        context = _citizen_context(link)
        response = _page(request, "portal/citizen.html", context)
        links.record_use(link, view="portal_citizen", status_code=200, citizen_pks=[link.citizen_id])
        return response
    context = _company_context(request, link)
    response = _page(request, "portal/company.html", context)
    links.record_use(
        link,
        view="portal_company",
        status_code=200,
        citizen_pks=[row["placement"].enrolment.citizen_id for row in context["rows"]],
    )
    return response


# No CSRF token: the page is sent with `Referrer-Policy: no-referrer`, so browsers post with `Origin: null`, which
# Django's CSRF check refuses. The address itself is the secret a forged request would need: the token (256 random
# bits) is in the path, so another site cannot post here without already holding the link.
@csrf_exempt
@require_POST
def portal_hours(request, token):
    """Confirm or correct last week's hours of one placement the link shows."""
    link = links.resolve(token)
    if link is None or link.audience not in COMPANY_AUDIENCES:
        return _gone(request, token)
    placements = company_placements(link, today())
    if request.POST.get("decision") == "report":
        return _report_hours(request, token, link, placements)
    sheet = Timesheet.objects.filter(
        pk=request.POST.get("timesheet") if str(request.POST.get("timesheet", "")).isdigit() else None,
        placement__in=placements,
        week_start=last_monday(),
    ).first()
    if sheet is None:
        return HttpResponseBadRequest()
    citizen_pk = sheet.placement.enrolment.citizen_id
    if request.POST.get("decision") == "confirm":
        case_actions.confirm_hours_by_company(link=link, timesheet=sheet)
        links.record_use(link, view="portal_hours", status_code=302, citizen_pks=[citizen_pk])
        return redirect(reverse("portal", kwargs={"token": token}) + "?done=confirmed")
    form = CorrectHoursForm(request.POST, prefix=f"t{sheet.pk}")
    if form.is_valid():
        try:
            case_actions.correct_hours_by_company(
                link=link,
                timesheet=sheet,
                ordinary_hours=form.cleaned_data["ordinary_hours"],
                internship_hours=form.cleaned_data["internship_hours"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            links.record_use(link, view="portal_hours", status_code=302, citizen_pks=[citizen_pk])
            return redirect(reverse("portal", kwargs={"token": token}) + "?done=corrected")
    context = _company_context(request, link, forms_by_sheet={sheet.pk: form})
    context["open_sheet"] = sheet.pk
    return _refused_hours_page(request, link, context)


def _report_hours(request, token, link, placements):
    """The company writes last week's hours of a placement nobody has registered them for yet."""
    raw = str(request.POST.get("placement", ""))
    placement = next((p for p in placements if raw.isdigit() and p.pk == int(raw)), None)
    if placement is None:
        return HttpResponseBadRequest()
    form = CorrectHoursForm(request.POST, prefix=f"p{placement.pk}")
    if form.is_valid():
        try:
            case_actions.report_hours_by_company(
                link=link,
                placement=placement,
                week_start=last_monday(),
                ordinary_hours=form.cleaned_data["ordinary_hours"],
                internship_hours=form.cleaned_data["internship_hours"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            links.record_use(link, view="portal_hours", status_code=302, citizen_pks=[placement.enrolment.citizen_id])
            return redirect(reverse("portal", kwargs={"token": token}) + "?done=reported")
    context = _company_context(request, link, report_forms={placement.pk: form})
    return _refused_hours_page(request, link, context)


def _refused_hours_page(request, link, context):
    """The company page again with the refused form and why (400), its use logged for every citizen it shows."""
    response = _page(request, "portal/company.html", context, status=400)
    links.record_use(
        link,
        view="portal_hours",
        status_code=400,
        citizen_pks=[row["placement"].enrolment.citizen_id for row in context["rows"]],
    )
    return response


@csrf_exempt  # as portal_hours: the token in the path is the secret
def portal_small_job(request, token):
    """A company contact or buddy proposes a small job; the coordinator approves it before it is on the board."""
    link = links.resolve(token)
    if link is None or link.audience not in COMPANY_AUDIENCES:
        return _gone(request, token)
    form = SmallJobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.propose_opening, link=link, **form.cleaned_data) is not None:
            return redirect(reverse("portal", kwargs={"token": token}) + "?done=job")
    return _page(
        request,
        "portal/small_job.html",
        {"link": link, "company": link.contact.company, "form": form},
        status=400 if form.errors else 200,
    )


# --- Staff: issuing and revoking links, accepting corrections, deciding proposed small jobs -------------------------


def _link_rows(user, queryset, now):
    return [
        {"link": link, "live": link.is_live(now), "may_revoke": link.is_live(now) and links.may_manage(user, link)}
        for link in queryset.select_related("created_by", "revoked_by", "contact")
    ]


def _revoke_from_post(request, queryset):
    link = queryset.filter(pk=request.POST.get("link") if str(request.POST.get("link", "")).isdigit() else None).first()
    if link is None:
        return False
    try:
        links.revoke(acting_user=request.user, link=link)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The link is revoked. It no longer works."))
    return True


@login_required
@logs_citizen_read
def citizen_portal_links(request, citizen_pk):
    if not may(request.user, Capability.ISSUE_ACCESS_LINKS):
        raise Http404
    citizen = access_citizen(request.user, citizen_pk)
    mine = AccessLink.objects.filter(citizen=citizen)
    new_url = error = None
    if request.method == "POST":
        if request.POST.get("do") == "revoke":
            if _revoke_from_post(request, mine):
                return redirect("citizen_portal_links", citizen_pk=citizen.pk)
            return HttpResponseBadRequest()
        if request.POST.get("do") != "issue":
            return HttpResponseBadRequest()
        try:
            _link, new_url = links.issue(
                acting_user=request.user,
                audience=Audience.CITIZEN,
                target=citizen,
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        except PermissionDenied:
            raise Http404 from None
    return render(
        request,
        "portal/citizen_links.html",
        {
            "citizen": citizen,
            "rows": _link_rows(request.user, mine, timezone.now()),
            "new_url": new_url,
            "error": error,
            "link_days": settings.PORTAL_LINK_DAYS,
        },
        status=400 if error else 200,
    )


@login_required
def company_portal_links(request, pk):
    if not may(request.user, Capability.SEE_COMPANIES) or not may(request.user, Capability.ISSUE_ACCESS_LINKS):
        raise Http404
    company = get_object_or_404(Company, pk=pk)
    programme = links.company_programme(request.user, company)
    theirs = AccessLink.objects.filter(contact__company=company)
    if programme is None:
        theirs = theirs.none()
    else:
        theirs = theirs.filter(programme=programme)
    new_url = error = None
    new_for = None
    if request.method == "POST":
        if request.POST.get("do") == "revoke":
            if _revoke_from_post(request, theirs):
                return redirect("company_portal_links", pk=company.pk)
            return HttpResponseBadRequest()
        contact = company.contacts.filter(
            pk=request.POST.get("contact") if str(request.POST.get("contact", "")).isdigit() else None
        ).first()
        if request.POST.get("do") != "issue" or contact is None:
            return HttpResponseBadRequest()
        audience = Audience.BUDDY if contact.is_buddy else Audience.COMPANY_CONTACT
        try:
            _link, new_url = links.issue(
                acting_user=request.user, audience=audience, target=contact, base_url=request.build_absolute_uri("/")
            )
            new_for = contact
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        except PermissionDenied:
            raise Http404 from None
    return render(
        request,
        "portal/company_links.html",
        {
            "company": company,
            "programme": programme,
            "contacts": company.contacts.order_by("-is_buddy", "name"),
            "rows": _link_rows(request.user, theirs, timezone.now()),
            "new_url": new_url,
            "new_for": new_for,
            "error": error,
            "link_days": settings.PORTAL_LINK_DAYS,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
@logs_citizen_read
def citizen_accept_company_hours(request, citizen_pk):
    """The job broker accepts the hours a company corrected a week to (from the placement's page or the hours page)."""
    if not may(request.user, Capability.WRITE_HOURS):
        raise Http404
    citizen = access_citizen(request.user, citizen_pk)
    raw = str(request.POST.get("timesheet", ""))
    sheet = (
        Timesheet.objects.filter(pk=raw, placement__enrolment__citizen=citizen).select_related("placement").first()
        if raw.isdigit()
        else None
    )
    if sheet is None:
        return HttpResponseBadRequest()
    try:
        case_actions.accept_company_correction(acting_user=request.user, timesheet=sheet)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("The company's correction is accepted: the week's hours are changed."))
    target = request.POST.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("placement_detail", kwargs={"citizen_pk": citizen.pk, "pk": sheet.placement_id})
    return redirect(target)


@login_required
def portal_proposed_openings(request):
    """Small jobs proposed by companies through their links, waiting for the coordinator's approval."""
    if not may(request.user, Capability.SEE_COMPANIES) or not may(request.user, Capability.MANAGE_NETWORK):
        raise Http404
    waiting = actions.visible_pending(request.user).select_related("company", "programme", "link__contact")
    if request.method == "POST":
        raw = str(request.POST.get("pending", ""))
        pending = waiting.filter(pk=raw).first() if raw.isdigit() else None
        decision = request.POST.get("decision")
        if pending is None or decision not in ("approve", "reject"):
            return HttpResponseBadRequest()
        try:
            if decision == "approve":
                opening = actions.approve_proposed_opening(acting_user=request.user, pending=pending)
                messages.success(request, _("“%(title)s” is on the small-jobs board.") % {"title": opening.title})
            else:
                actions.reject_proposed_opening(acting_user=request.user, pending=pending)
                messages.success(request, _("“%(title)s” is rejected.") % {"title": pending.title})
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        return redirect("portal_proposed_openings")
    return render(request, "portal/proposed_openings.html", {"waiting": waiting})
