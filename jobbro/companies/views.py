"""Company pages, the small-jobs board's export, and the course catalogue.

Everyone but evaluators reads the network (a denial is a 404 like a miss). The coordinator and an
administrator change it, through the actions in companies/actions.py. Enrolling a citizen in a course is
case work (cases/actions.py); a course page lists only the citizens the user may see.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.models import User
from jobbro.accounts.policy import Capability, may
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Enrolment, UpskillingEnrolment
from jobbro.companies import actions, board_export
from jobbro.companies.forms import (
    AgreementForm,
    CloseOpeningForm,
    CompanyActivityForm,
    CompanyContactForm,
    CompanyForm,
    CourseFilterForm,
    CourseForm,
    EndAgreementForm,
    EnrolInCourseForm,
    EnrolmentPickerField,
    InstitutionForm,
    OpeningFilterForm,
    OpeningForm,
    enrolment_label,
)
from jobbro.companies.models import Company, CompanyContact, Course, KnowledgeInstitution, NetworkAgreement, Opening
from jobbro.days import today
from jobbro.filenames import file_name
from jobbro.formtools import run_action
from jobbro.pickers import MATCHES_SHOWN
from jobbro.reporting import track_record


def _require_reader(user):
    if not may(user, Capability.SEE_COMPANIES):
        raise Http404


def _require_network(user):
    if not may(user, Capability.SEE_COMPANIES) or not may(user, Capability.MANAGE_NETWORK):
        raise Http404


def _company(request, pk):
    _require_reader(request.user)
    return get_object_or_404(Company, pk=pk)


def _form_page(
    request, form, *, title, cancel_url, intro="", submit_label=None, template="web/form_page.html", **extra
):
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "cancel_url": cancel_url,
            "intro": intro,
            "submit_label": submit_label,
            **extra,
        },
    )


# --- The company page -------------------------------------------------------------------------------------------


def factory_explanation(record):
    """The internship-factory rule in words, with the programme's numbers and the company's."""
    rule = record.rule
    text = _(
        "A company is flagged as an internship factory when at least %(min)s internships started there in the last "
        "%(days)s days and at most %(share)s %% of them turned into ordinary paid hours."
    ) % {"min": rule.min_internships, "days": rule.lookback_days, "share": rule.max_paid_share_percent}
    if record.recent_internships:
        text += " " + ngettext(
            "Here: %(n)s internship in that period, %(paid)s of them turned into ordinary hours (%(pct)s %%).",
            "Here: %(n)s internships in that period, %(paid)s of them turned into ordinary hours (%(pct)s %%).",
            record.recent_internships,
        ) % {"n": record.recent_internships, "paid": record.recent_internships_paid, "pct": record.paid_share_percent}
    else:
        text += " " + _("Here: no internships in that period.")
    return text


@login_required
def company_detail(request, pk):
    company = _company(request, pk)
    user = request.user
    programmes = access.visible_programmes(user)
    on = today()
    records = track_record.company_track_records(company, programmes, on=on)
    for record in records:
        record.explanation = factory_explanation(record)
    activities = _activities(company, programmes, user)
    openings = (
        company.openings.open()
        .filter(programme__in=programmes)
        .select_related("buddy", "programme")
        .order_by("-posted_on", "title")
    )
    return render(
        request,
        "companies/company_detail.html",
        {
            "company": company,
            "agreements": company.agreements.filter(programme__in=programmes)
            .select_related("programme")
            .order_by("-signed_on"),
            "contacts": company.contacts.order_by("-is_buddy", "name"),
            "openings": openings,
            "records": records,
            "on": on,
            "activities": activities,
        },
    )


ACTIVITIES_SHOWN = 20


def _activities(company, programmes, user):
    """The company's latest activities in the user's programmes, each with `citizens_shown` (the citizens the user
    may see, by name), `citizens_hidden` (how many others) and `note_shown` (the note, if the user may read it)."""
    activities = list(
        company.activities.filter(programme__in=programmes)
        .select_related("programme")
        .prefetch_related("contacts", "staff", "citizens")[:ACTIVITIES_SHOWN]
    )
    citizen_ids = {c.pk for a in activities for c in a.citizens.all()}
    visible = set(
        access.scope_enrolments(Enrolment.objects.filter(citizen_id__in=citizen_ids), user).values_list(
            "citizen_id", flat=True
        )
    )
    for activity in activities:
        citizens = list(activity.citizens.all())
        activity.citizens_shown = [c for c in citizens if c.pk in visible]
        activity.citizens_hidden = len(citizens) - len(activity.citizens_shown)
        activity.note_shown = (
            activity.note if actions.note_visible_to(activity, user, names_citizens=bool(citizens)) else None
        )
    return activities


@login_required
def activity_new(request, pk):
    """Record a visit, call, agreement or follow-up with the company (the activity log)."""
    company = _company(request, pk)
    user = request.user
    if not may(user, Capability.LOG_COMPANY_ACTIVITY):
        raise Http404
    programmes = access.visible_programmes(user)
    colleagues = (
        User.objects.filter(memberships__programme__in=programmes, is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    own = Enrolment.objects.filter(Q(job_broker=user) | Q(mentor=user), ended_on__isnull=True)
    enrolments = (
        access.scope_enrolments(own, user)
        .select_related("citizen")
        .order_by("citizen__first_name", "citizen__last_name")
    )
    form = CompanyActivityForm(
        request.POST or None,
        company=company,
        programmes=programmes,
        colleagues=colleagues,
        enrolments=enrolments,
        initial={"occurred_on": today()},
    )
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, actions.record_company_activity, acting_user=user, company=company, **form.action_arguments()
        )
        if done is not None:
            messages.success(request, _("The activity is recorded in the company's log."))
            return redirect(reverse("company_detail", kwargs={"pk": company.pk}) + "#activities")
    return _form_page(
        request,
        form,
        title=_("Record a visit, call or other contact with %(company)s") % {"company": company.name},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
    )


@login_required
def company_new(request):
    _require_network(request.user)
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        company = run_action(form, actions.create_company, acting_user=request.user, **form.action_arguments())
        if company is not None:
            messages.success(request, _("The company is added to the network."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(request, form, title=_("Add a company"), cancel_url=reverse("company_list"))


@login_required
def company_edit(request, pk):
    company = _company(request, pk)
    _require_network(request.user)
    form = CompanyForm(request.POST or None, instance=Company.objects.get(pk=company.pk))
    if request.method == "POST" and form.is_valid():
        if run_action(
            form, actions.update_company, acting_user=request.user, company=company, **form.action_arguments()
        ):
            messages.success(request, _("The company's facts are saved."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(company)s") % {"company": company.name},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
    )


@login_required
def contact_new(request, pk):
    company = _company(request, pk)
    _require_network(request.user)
    form = CompanyContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(
            form, actions.add_company_contact, acting_user=request.user, company=company, **form.action_arguments()
        ):
            messages.success(request, _("The contact person is added."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(
        request,
        form,
        title=_("Add a contact person or buddy at %(company)s") % {"company": company.name},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
    )


@login_required
def contact_edit(request, pk, contact_pk):
    company = _company(request, pk)
    _require_network(request.user)
    contact = get_object_or_404(CompanyContact, pk=contact_pk, company=company)
    form = CompanyContactForm(request.POST or None, instance=CompanyContact.objects.get(pk=contact.pk))
    if request.method == "POST" and form.is_valid():
        if run_action(
            form, actions.update_company_contact, acting_user=request.user, contact=contact, **form.action_arguments()
        ):
            messages.success(request, _("The contact person is saved."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": contact.name},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
    )


@login_required
def agreement_new(request, pk):
    company = _company(request, pk)
    _require_network(request.user)
    form = AgreementForm(request.POST or None, programmes=access.visible_programmes(request.user))
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.record_agreement, acting_user=request.user, company=company, **form.cleaned_data):
            messages.success(request, _("The network agreement is recorded."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(
        request,
        form,
        title=_("Record a network agreement with %(company)s") % {"company": company.name},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
    )


@login_required
def agreement_end(request, pk, agreement_pk):
    company = _company(request, pk)
    _require_network(request.user)
    agreement = get_object_or_404(
        NetworkAgreement, pk=agreement_pk, company=company, programme__in=access.visible_programmes(request.user)
    )
    form = EndAgreementForm(request.POST or None, initial={"ended_on": today()})
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.end_agreement, acting_user=request.user, agreement=agreement, **form.cleaned_data):
            messages.success(request, _("The network agreement is ended."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(
        request,
        form,
        title=_("End the network agreement with %(company)s") % {"company": company.name},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
        submit_label=_("End the agreement"),
    )


@login_required
def opening_new(request, pk):
    company = _company(request, pk)
    _require_network(request.user)
    programmes = access.visible_programmes(request.user)
    form = OpeningForm(
        request.POST or None, company=company, programmes=programmes, initial={"posted_on": today(), "capacity": 1}
    )
    if request.method == "POST" and form.is_valid():
        opening = run_action(
            form,
            actions.add_opening,
            acting_user=request.user,
            company=company,
            programme=form.cleaned_data["programme"],
            **form.action_arguments(),
        )
        if opening is not None:
            messages.success(request, _("The small job is on the board."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(
        request,
        form,
        title=_("Add a small job at %(company)s") % {"company": company.name},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
        template="companies/form_page.html",
    )


@login_required
def opening_close(request, pk, opening_pk):
    company = _company(request, pk)
    _require_network(request.user)
    opening = get_object_or_404(
        Opening, pk=opening_pk, company=company, programme__in=access.visible_programmes(request.user)
    )
    form = CloseOpeningForm(request.POST or None, initial={"on": today(), "outcome": "filled"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            form,
            actions.close_opening,
            acting_user=request.user,
            opening=opening,
            on=data["on"],
            filled=data["outcome"] == "filled",
        ):
            messages.success(request, _("The small job is off the board."))
            return redirect("company_detail", pk=company.pk)
    return _form_page(
        request,
        form,
        title=_("Take “%(title)s” off the board") % {"title": opening.title},
        cancel_url=reverse("company_detail", kwargs={"pk": company.pk}),
        template="companies/form_page.html",
        submit_label=_("Take it off the board"),
    )


# --- The board's export -----------------------------------------------------------------------------------------


def _board(request):
    _require_reader(request.user)
    form = OpeningFilterForm(request.GET or None)
    return board_export.board_openings(request.user, form)


def _filename(extension):
    return file_name(_("Open small jobs"), extension, today())


@login_required
@require_GET
def board_xlsx(request):
    openings = _board(request)
    response = HttpResponse(
        board_export.board_xlsx(openings, user=request.user, on=today()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response


@login_required
@require_GET
def board_pdf(request):
    openings = _board(request)
    count = openings.count()
    if count > board_export.PDF_MAX_OPENINGS:
        # Rendering thousands of openings takes minutes and prints a useless stack: say how to get a short list.
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "companies/board_pdf_too_many.html",
            {"count": count, "limit": board_export.PDF_MAX_OPENINGS, "query": query.urlencode()},
        )
    response = HttpResponse(
        board_export.board_pdf(openings, user=request.user, on=today()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("pdf")}"'
    return response


# --- Knowledge institutions and courses ---------------------------------------------------------------------------


@login_required
def course_list(request):
    _require_reader(request.user)
    form = CourseFilterForm(request.GET or None)
    courses = Course.objects.select_related("institution")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            courses = courses.filter(Q(name__icontains=data["q"]) | Q(institution__name__icontains=data["q"]))
        if data["subject"]:
            courses = courses.filter(subject=data["subject"])
        if data["alongside_work"]:
            courses = courses.filter(alongside_work=data["alongside_work"] == "yes")
        if data["institution"]:
            courses = courses.filter(institution=data["institution"])
    institutions = KnowledgeInstitution.objects.annotate(course_count=Count("courses")).order_by("name")
    return render(
        request,
        "companies/course_list.html",
        {
            "form": form,
            "courses": courses.order_by("name", "pk"),
            "institutions": institutions,
        },
    )


def _visible_upskilling(user, course):
    """The citizens' enrolments in the course that the user may see by name; none for roles that see no names."""
    if not may(user, Capability.READ_CITIZEN):
        return UpskillingEnrolment.objects.none()
    # The scope is checked among the course's own enrolments, not built over every enrolment and then matched.
    enrolments = access.scope_enrolments(Enrolment.objects.filter(upskilling__course=course), user)
    return (
        UpskillingEnrolment.objects.filter(course=course, enrolment__in=enrolments)
        .select_related("enrolment__citizen", "enrolment__programme")
        .order_by("-starts_on", "-id")
    )


COURSE_CITIZENS_PAGE = 50


def _enrollable(user):
    """The active enrolments a user may enrol in a course: their own caseload for job brokers and mentors."""
    enrolments = access.scope_enrolments(Enrolment.objects.active_on(today()), user)
    if may(user, Capability.OWN_CASELOAD) and not access.sees_everything(user):
        # As a subquery of ids: SQLite then reads the caseload through the job-broker and mentor indexes, where
        # with the condition beside the joins it walked the whole job-broker index.
        own = Enrolment.objects.caseload_of(user).values("pk")
        enrolments = enrolments.filter(pk__in=own)
    return enrolments.select_related("citizen", "programme", "site").order_by(
        "citizen__first_name", "citizen__last_name", "pk"
    )


@login_required
def course_detail(request, pk):
    _require_reader(request.user)
    course = get_object_or_404(Course.objects.select_related("institution"), pk=pk)
    user = request.user
    form = None
    if may(user, Capability.CASE_WORK):
        initial = {"starts_on": today()}
        if request.GET.get("enrolment", "").isdigit():
            initial["enrolment"] = int(request.GET["enrolment"])
        form = EnrolInCourseForm(request.POST or None, enrolments=_enrollable(user), initial=initial)
        if request.method == "POST" and form.is_valid():
            upskilling = run_action(
                form,
                case_actions.enrol_in_course,
                acting_user=user,
                enrolment=form.cleaned_data["enrolment"],
                course=course,
                starts_on=form.cleaned_data["starts_on"],
            )
            if upskilling is not None:
                messages.success(
                    request, _("%(name)s is enrolled in the course.") % {"name": upskilling.enrolment.citizen.full_name}
                )
                return redirect("course_detail", pk=course.pk)
    elif request.method == "POST":
        raise Http404
    # A popular course has thousands of citizens over the years: a page of them at a time.
    upskilling = Paginator(_visible_upskilling(user, course), COURSE_CITIZENS_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "companies/course_detail.html",
        {
            "course": course,
            "upskilling": upskilling,
            "page": upskilling,
            "query": query.urlencode(),
            "sees_names": may(user, Capability.READ_CITIZEN),
            "form": form,
        },
    )


@login_required
@require_POST
def course_citizen_matches(request):
    """The searchable citizen field of a course page: the enrolments the user may enrol (as on the page) whose
    citizen's first or last name holds every word of the posted text. Posted, so a name is never in an address."""
    _require_reader(request.user)
    if not may(request.user, Capability.CASE_WORK):
        raise Http404
    text = request.POST.get("q", "").strip()[: textlimits.SEARCH]
    if not text:
        return JsonResponse({"results": [], "more": False})
    field = EnrolmentPickerField(_enrollable(request.user), search_url="course_citizen_matches")
    rows = list(field.matching(text)[: MATCHES_SHOWN + 1])
    return JsonResponse(
        {
            "results": [
                {"id": row.pk, "text": row.citizen.full_name, "label": enrolment_label(row)}
                for row in rows[:MATCHES_SHOWN]
            ],
            "more": len(rows) > MATCHES_SHOWN,
        }
    )


@login_required
def course_new(request):
    _require_network(request.user)
    initial = {}
    if request.GET.get("institution", "").isdigit():
        initial["institution"] = int(request.GET["institution"])
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        course = run_action(form, actions.create_course, acting_user=request.user, **form.action_arguments())
        if course is not None:
            messages.success(request, _("The course is in the catalogue."))
            return redirect("course_detail", pk=course.pk)
    return _form_page(request, form, title=_("Add a course"), cancel_url=reverse("course_list"))


@login_required
def course_edit(request, pk):
    _require_network(request.user)
    course = get_object_or_404(Course, pk=pk)
    form = CourseForm(request.POST or None, instance=Course.objects.get(pk=course.pk))
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.update_course, acting_user=request.user, course=course, **form.action_arguments()):
            messages.success(request, _("The course is saved."))
            return redirect("course_detail", pk=course.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(course)s") % {"course": course.name},
        cancel_url=reverse("course_detail", kwargs={"pk": course.pk}),
    )


@login_required
def institution_detail(request, pk):
    _require_reader(request.user)
    institution = get_object_or_404(
        KnowledgeInstitution.objects.prefetch_related(Prefetch("courses", queryset=Course.objects.order_by("name"))),
        pk=pk,
    )
    return render(
        request,
        "companies/institution_detail.html",
        {
            "institution": institution,
        },
    )


@login_required
def institution_new(request):
    _require_network(request.user)
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institution = run_action(form, actions.create_institution, acting_user=request.user, **form.action_arguments())
        if institution is not None:
            messages.success(request, _("The institution is added."))
            return redirect("institution_detail", pk=institution.pk)
    return _form_page(request, form, title=_("Add a knowledge institution"), cancel_url=reverse("course_list"))


@login_required
def institution_edit(request, pk):
    _require_network(request.user)
    institution = get_object_or_404(KnowledgeInstitution, pk=pk)
    form = InstitutionForm(request.POST or None, instance=KnowledgeInstitution.objects.get(pk=institution.pk))
    if request.method == "POST" and form.is_valid():
        if run_action(
            form,
            actions.update_institution,
            acting_user=request.user,
            institution=institution,
            **form.action_arguments(),
        ):
            messages.success(request, _("The institution is saved."))
            return redirect("institution_detail", pk=institution.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": institution.name},
        cancel_url=reverse("institution_detail", kwargs={"pk": institution.pk}),
    )
