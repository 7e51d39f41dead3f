"""The self-assessment (progression): a questionnaire the citizen fills in on a tablet, and the scores over time.

Staff side (logged in, case-work rights on the enrolment, every read of the citizen logged):
  - "Self-assessment on a tablet" (POST) creates a one-time invitation and shows, once, the link for this device
    and a six-digit code to type on another; "Open on this device" logs the staff member out first, so the
    tablet handed to the citizen cannot reach the case.
  - A paper questionnaire can be typed in with its date.
  - The citizen page shows the scores over time (to those who may read health information) with a chart.

Tablet side (no login): /vurdering/ to type the code, /vurdering/<token>/ for the questionnaire, /vurdering/tak/
to say thank you. These pages show a greeting with the first name only, the seven questions and a button:
no surname, CPR number, case data, navigation or link into jobbro. Wrong codes are counted per device
(session) and per network address, and typing codes is refused for a while after too many.
"""

import time
from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobbro.accounts import access
from jobbro.audit.log import log_read, logs_citizen_read
from jobbro.cases import actions
from jobbro.cases.models import ProgressionAssessment
from jobbro.cases.progression_forms import CodeForm, PaperAssessmentForm, SelfAssessmentForm, dimension_label
from jobbro.web.formtools import add_action_errors, run_action

# Wrong codes allowed before typing codes is refused for LOCK_SECONDS: per device (its session), and per network
# address as a backstop against a cleared cookie. An address is often shared by a whole job centre, hence more.
WRONG_CODES_PER_DEVICE = 5
WRONG_CODES_PER_ADDRESS = 30
LOCK_SECONDS = 15 * 60
SESSION_WRONG_CODES = "self_assessment_wrong_codes"


# --- The citizen page ---------------------------------------------------------------------------------------------


@dataclass
class ProgressionSummary:
    enrolment: object
    assessments: list
    chart: object = None

    @property
    def rows(self):
        """One row per dimension with its score at each assessment, oldest first: the dates are the columns."""
        return [(d, dimension_label(d), [getattr(a, d) for a in self.assessments]) for d in ProgressionAssessment.DIMENSIONS]


def progression_context(request, citizen, enrolments):
    """What the citizen page shows of the self-assessments (templates/cases/progression_citizen.html).

    The scores are health information: they are read only for those who may read case notes and health.
    """
    may_see_scores = access.may_read_case_notes(request.user)
    enrolments = list(enrolments)
    by_enrolment = defaultdict(list)
    if may_see_scores:
        chosen = [e.pk for e in enrolments]
        for assessment in ProgressionAssessment.objects.filter(enrolment__in=chosen).order_by("assessed_on", "id"):
            by_enrolment[assessment.enrolment_id].append(assessment)
    summaries = [
        ProgressionSummary(enrolment=e, assessments=by_enrolment[e.pk], chart=scores_chart(by_enrolment[e.pk]))
        for e in enrolments
    ]
    return {
        "progression_summaries": summaries,
        "may_see_progression_scores": may_see_scores,
        "may_assess": access.may_do_case_work(request.user),
    }


def scores_chart(assessments):
    """One line per dimension over the assessment dates; None until there are two assessments to join."""
    if len(assessments) < 2:
        return None
    from jobbro.reporting import charts  # matplotlib loads on the first chart, not with the URLs

    dates = [a.assessed_on for a in assessments]
    series = {dimension_label(d): [getattr(a, d) for a in assessments] for d in ProgressionAssessment.DIMENSIONS}
    return charts.lines(dates, series, ylabel=_("Score (1–10)"), description=_(
        "The citizen's own scores from 1 to 10 on each of the seven questions, at each self-assessment. "
        "The table holds the same figures."
    ))


# --- Staff: invite, open on this device, type in a paper questionnaire ---------------------------------------------


def _case_enrolment(request, citizen_pk, enrolment_pk):
    """The citizen and one of their enrolments, for a user who does case work on it; else 404 (like a miss)."""
    citizen = access.access_citizen(request.user, citizen_pk)
    if not access.may_do_case_work(request.user):
        raise Http404
    return citizen, access.access_enrolment(request.user, citizen, enrolment_pk)


def _private(response):
    """The page holds a token, or the citizen's answers: no cache keeps it, and its address (with the token) is never sent to another site."""
    add_never_cache_headers(response)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@login_required
@require_POST
@logs_citizen_read
def self_assessment_invite(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    invitation, token, code = actions.invite_to_self_assessment(acting_user=request.user, enrolment=enrolment)
    return _private(render(request, "cases/progression_invitation.html", {
        "citizen": citizen,
        "enrolment": enrolment,
        "title": _("Self-assessment on a tablet"),
        "code_url": request.build_absolute_uri(reverse("self_assessment_code")),
        "token": token,
        "code": f"{code[:3]} {code[3:]}",
        "expires_at": timezone.localtime(invitation.expires_at),
    }))


@require_POST
def self_assessment_handover(request, token):
    """"Open on this device": log the staff member out here first, so the citizen holds a tablet without the case."""
    logout(request)
    return redirect("self_assessment", token=token)


@login_required
@logs_citizen_read
def self_assessment_paper(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    form = PaperAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(form, actions.record_self_assessment, acting_user=request.user, enrolment=enrolment,
                          assessed_on=form.cleaned_data["assessed_on"], scores=form.scores())
        if done is not None:
            messages.success(request, _("The self-assessment is saved."))
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    return render(request, "cases/progression_paper.html", {
        "citizen": citizen,
        "enrolment": enrolment,
        "form": form,
        "title": _("Type in a paper self-assessment"),
        "intro": _("Each score is a whole number from 1 (worst) to 10 (best), as the citizen marked it."),
        "cancel_url": reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk}),
    })


# --- Tablet: no login, nothing of the case ------------------------------------------------------------------------


def _address_key(request):
    return f"jobbro:self-assessment:wrong-codes:{request.META.get('REMOTE_ADDR', '')}"


def _recent_wrong_codes(request):
    now = time.time()
    return [t for t in request.session.get(SESSION_WRONG_CODES, []) if now - t < LOCK_SECONDS]


def _wrong_codes_by_address():
    """Counted in the database, so every server process sees the same count."""
    return caches["shared"]


def _code_entry_locked(request):
    return (len(_recent_wrong_codes(request)) >= WRONG_CODES_PER_DEVICE
            or _wrong_codes_by_address().get(_address_key(request), 0) >= WRONG_CODES_PER_ADDRESS)


def _count_wrong_code(request):
    request.session[SESSION_WRONG_CODES] = [*_recent_wrong_codes(request), time.time()]
    key, counts = _address_key(request), _wrong_codes_by_address()
    counts.add(key, 0, LOCK_SECONDS)  # the window starts with the first wrong code
    try:
        counts.incr(key)
    except ValueError:  # expired between add and incr
        counts.set(key, 1, LOCK_SECONDS)


def _tablet(request, template, context=None, status=200):
    return _private(render(request, template, context or {}, status=status))


def self_assessment_code(request):
    """The page to type the six-digit code on: a right code opens the questionnaire, once."""
    form = CodeForm(request.POST or None)
    if _code_entry_locked(request):
        return _tablet(request, "cases/progression_code.html", {"form": CodeForm(), "locked": True}, status=429)
    if request.method == "POST" and form.is_valid():
        token = actions.open_self_assessment_by_code(code=form.cleaned_data["code"])
        if token:
            return redirect("self_assessment", token=token)
        _count_wrong_code(request)
        if _code_entry_locked(request):
            return _tablet(request, "cases/progression_code.html", {"form": CodeForm(), "locked": True}, status=429)
        form.add_error("code", _("The code is wrong or no longer valid. Check the six digits, or ask for a new code."))
    return _tablet(request, "cases/progression_code.html", {"form": form}, status=400 if form.errors else 200)


def _not_open(request, error):
    status = 404 if error.code == "unknown" else 410
    return _tablet(request, "cases/progression_closed.html", {"message": error.messages[0], "reason": error.code}, status=status)


def self_assessment(request, token):
    """The questionnaire: the seven questions, saved as today's assessment in one go."""
    try:
        invitation = actions.self_assessment_invitation(token)
    except ValidationError as error:
        return _not_open(request, error)
    # The page names the citizen (first name only): a read of their record like any other, by nobody logged in.
    log_read(user=request.user, citizen_pk=invitation.enrolment.citizen_id, view="self_assessment", status_code=200)
    form = SelfAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.submit_self_assessment(token=token, scores=form.scores())
        except ValidationError as error:
            if getattr(error, "code", None) in {"unknown", "used", "expired"}:
                return _not_open(request, error)
            add_action_errors(form, error)
        else:
            return redirect("self_assessment_thanks")
    return _tablet(request, "cases/progression_questionnaire.html", {
        "form": form,
        "first_name": invitation.enrolment.citizen.first_name,
    }, status=400 if form.errors else 200)


def self_assessment_thanks(request):
    return _tablet(request, "cases/progression_thanks.html")
