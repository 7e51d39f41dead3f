"""The self-assessment (progression): a questionnaire the citizen fills in on a tablet, and the scores over time.

Staff side (logged in, case-work rights on the enrolment, every read of the citizen logged):
  - "Self-assessment on a tablet" (POST) creates a one-time invitation and shows, once, the link for this device
    and a six-digit code to type on another; "Open on this device" logs the staff member out first, so the
    tablet handed to the citizen cannot reach the case.
  - A paper questionnaire can be typed in with its date.
  - The citizen page shows the scores over time (to those who may read health information) with a chart.

Tablet side (no login): /vurdering/ to type the code, /vurdering/<token>/ for the questionnaire, /vurdering/tak/
to say thank you. These pages show a greeting with the first name only, the seven questions and a button:
no surname, CPR number, case data, navigation or link into jobbro. Wrong codes are counted per device (a signed
random cookie set on the first visit), never per network address, which a whole job centre shares behind its proxy:
a device that typed too many is refused for a while. Since a new device costs an attacker only a new cookie, each
code also has a budget: once too many wrong codes have been typed anywhere while it was open, it no longer opens
by typing (the link and "Open on this device" still do). The counts are kept in the database, shared by every
server process.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
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
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_read, logs_citizen_read
from jobbro.cases import actions
from jobbro.cases.models import ProgressionAssessment, ProgressionInvitation
from jobbro.cases.progression_chart import ScoresChart, scores_svg
from jobbro.cases.progression_forms import CodeForm, PaperAssessmentForm, SelfAssessmentForm
from jobbro.formtools import add_action_errors, run_action
from jobbro.people.access import access_citizen

# Wrong codes a device may type before typing codes is refused there for LOCK_SECONDS.
WRONG_CODES_PER_DEVICE = 5
LOCK_SECONDS = 15 * 60
# Wrong codes typed anywhere while a code is open, after which that code no longer opens by typing. Guessing one
# code of a million then succeeds at most once in 2,000 tries however many devices guess.
WRONG_CODES_PER_CODE = 500
DEVICE_COOKIE = "jobbro_tablet"
DEVICE_COOKIE_SALT = "jobbro.cases.tablet-device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


# --- The citizen page ---------------------------------------------------------------------------------------------


@dataclass
class ProgressionSummary:
    enrolment: object
    assessments: list
    chart: object = None

    @property
    def rows(self):
        """One row per dimension with its score at each assessment, oldest first: the dates are the columns."""
        return [
            (d, ProgressionAssessment.dimension_label(d), [getattr(a, d) for a in self.assessments])
            for d in ProgressionAssessment.DIMENSIONS
        ]


def progression_context(request, citizen, enrolments):
    """What the citizen page shows of the self-assessments (templates/cases/progression_citizen.html).

    The scores are health information: they are read only for those who may read case notes and health.
    """
    may_see_scores = may(request.user, Capability.READ_PROGRESSION_SCORES)
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
        "may_assess": may(request.user, Capability.TABLET_ASSESSMENT),
    }


def scores_chart(assessments):
    """One line per dimension over the assessment dates; None until there are two assessments to join."""
    if len(assessments) < 2:
        return None
    dates = [a.assessed_on for a in assessments]
    series = {
        ProgressionAssessment.dimension_label(d): [getattr(a, d) for a in assessments]
        for d in ProgressionAssessment.DIMENSIONS
    }
    return ScoresChart(
        svg=scores_svg(dates, series, ylabel=_("Score (1–10)")),
        description=_(
            "The citizen's own scores from 1 to 10 on each of the seven questions, at each self-assessment. "
            "The table holds the same figures."
        ),
    )


# --- Staff: invite, open on this device, type in a paper questionnaire ---------------------------------------------


def _case_enrolment(request, citizen_pk, enrolment_pk):
    """The citizen and one of their enrolments, for a user who does case work on it; else 404 (like a miss)."""
    citizen = access_citizen(request.user, citizen_pk)
    if not may(request.user, Capability.TABLET_ASSESSMENT):
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
    return _private(
        render(
            request,
            "cases/progression_invitation.html",
            {
                "citizen": citizen,
                "enrolment": enrolment,
                "title": _("Self-assessment on a tablet"),
                "code_url": request.build_absolute_uri(reverse("self_assessment_code")),
                "token": token,
                "code": f"{code[:3]} {code[3:]}",
                "expires_at": timezone.localtime(invitation.expires_at),
            },
        )
    )


@require_POST
def self_assessment_handover(request, token):
    """ "Open on this device": log the staff member out here first, so the citizen holds a tablet without the case."""
    logout(request)
    return redirect("self_assessment", token=token)


@login_required
@logs_citizen_read
def self_assessment_paper(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _case_enrolment(request, citizen_pk, enrolment_pk)
    form = PaperAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            actions.record_self_assessment,
            acting_user=request.user,
            enrolment=enrolment,
            assessed_on=form.cleaned_data["assessed_on"],
            scores=form.scores(),
        )
        if done is not None:
            messages.success(request, _("The self-assessment is saved."))
            return redirect("citizen_detail", citizen_pk=citizen.pk)
    return render(
        request,
        "cases/progression_paper.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "title": _("Type in a paper self-assessment"),
            "intro": _("Each score is a whole number from 1 (worst) to 10 (best), as the citizen marked it."),
            "cancel_url": reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk}),
        },
    )


# --- Tablet: no login, nothing of the case ------------------------------------------------------------------------


def _counts():
    """Counted in the database, so every server process sees the same count."""
    return caches["shared"]


def _increment(key, timeout):
    counts = _counts()
    counts.add(key, 0, timeout)  # the window starts with the first count
    try:
        counts.incr(key)
    except ValueError:  # expired between add and incr
        counts.set(key, 1, timeout)


def _device_id(request):
    """The tablet's own id from its signed cookie, or a new one on its first visit (or for a forged cookie)."""
    if not hasattr(request, "tablet_device_id"):
        try:
            request.tablet_device_id = request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_COOKIE_SALT)
            request.tablet_device_is_new = False
        except (KeyError, signing.BadSignature):
            request.tablet_device_id = secrets.token_urlsafe(16)
            request.tablet_device_is_new = True
    return request.tablet_device_id


def _with_device_cookie(request, response):
    _device_id(request)
    if request.tablet_device_is_new:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            request.tablet_device_id,
            salt=DEVICE_COOKIE_SALT,
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _device_key(request):
    return f"jobbro:self-assessment:wrong-codes:device:{_device_id(request)}"


def _device_locked(request):
    return _counts().get(_device_key(request), 0) >= WRONG_CODES_PER_DEVICE


def _minute(moment):
    return int(moment.timestamp()) // 60


def _wrong_codes_key(minute):
    return f"jobbro:self-assessment:wrong-codes:minute:{minute}"


def _count_wrong_code(request):
    _increment(_device_key(request), LOCK_SECONDS)
    # Every wrong code counts against every code open now: one count per minute, kept as long as a code is open.
    _increment(_wrong_codes_key(_minute(timezone.now())), int(actions.SELF_ASSESSMENT_VALID_FOR.total_seconds()) + 120)


def _code_spent_by_guessing(code):
    """Whether the live invitation with this code has seen its budget of wrong codes typed since it was created."""
    code = "".join(str(code or "").split())
    invitation = (
        ProgressionInvitation.objects.live(timezone.now())
        .filter(code_hash=ProgressionInvitation.hash_code(code))
        .only("created_at")
        .first()
    )
    if invitation is None:
        return False
    minutes = range(_minute(invitation.created_at), _minute(timezone.now()) + 1)
    counts = _counts().get_many([_wrong_codes_key(m) for m in minutes])
    return sum(counts.values()) >= WRONG_CODES_PER_CODE


def _tablet(request, template, context=None, status=200):
    return _private(render(request, template, context or {}, status=status))


def self_assessment_code(request):
    """The page to type the six-digit code on: a right code opens the questionnaire, once."""
    return _with_device_cookie(request, _code_page(request))


def _code_page(request):
    form = CodeForm(request.POST or None)
    if _device_locked(request):
        return _tablet(request, "cases/progression_code.html", {"form": CodeForm(), "locked": True}, status=429)
    if request.method == "POST" and form.is_valid():
        if _code_spent_by_guessing(form.cleaned_data["code"]):
            return _tablet(
                request, "cases/progression_code.html", {"form": CodeForm(), "code_locked": True}, status=429
            )
        token = actions.open_self_assessment_by_code(code=form.cleaned_data["code"])
        if token:
            return redirect("self_assessment", token=token)
        _count_wrong_code(request)
        if _device_locked(request):
            return _tablet(request, "cases/progression_code.html", {"form": CodeForm(), "locked": True}, status=429)
        form.add_error("code", _("The code is wrong or no longer valid. Check the six digits, or ask for a new code."))
    return _tablet(request, "cases/progression_code.html", {"form": form}, status=400 if form.errors else 200)


def _not_open(request, error):
    status = 404 if error.code == "unknown" else 410
    return _tablet(
        request, "cases/progression_closed.html", {"message": error.messages[0], "reason": error.code}, status=status
    )


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
    return _tablet(
        request,
        "cases/progression_questionnaire.html",
        {
            "form": form,
            "first_name": invitation.enrolment.citizen.first_name,
        },
        status=400 if form.errors else 200,
    )


def self_assessment_thanks(request):
    return _tablet(request, "cases/progression_thanks.html")
