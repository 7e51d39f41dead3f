"""The questionnaire pages (docs/questionnaires.md).

Staff (signed in): the list, the builder (questions added, moved and removed while a draft), the preview, opening and
closing, sending (the recipients chosen, the links shown once and downloadable as a spreadsheet), and the results with
their spreadsheet. A questionnaire is fetched only among the user's programmes: a miss and a denial are both 404.

The answer page at a link (no sign-in) shows the questionnaire and nothing of jobbro: no menu, no link into it. An
unknown, expired or used link and a closed questionnaire's are refused alike, with one message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_read, log_reads
from jobbro.days import today
from jobbro.filenames import download, file_name
from jobbro.formtools import add_action_errors, run_action
from jobbro.surveys import actions, export, links, results
from jobbro.surveys.forms import AnswerForm, QuestionForm, QuestionnaireEditForm, QuestionnaireForm, SendForm
from jobbro.surveys.models import Audience, Questionnaire


def _require(user, capability):
    if not may(user, capability):
        raise Http404


def _questionnaire(user, pk, capability):
    """The questionnaire, if the user has the capability and it is in one of their programmes; else 404."""
    _require(user, capability)
    found = (
        Questionnaire.objects.filter(pk=pk, programme__in=access.visible_programmes(user))
        .select_related("programme")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _question(questionnaire, question_pk):
    question = questionnaire.questions.filter(pk=question_pk).first()
    if question is None:
        raise Http404
    question.questionnaire = questionnaire
    return question


@login_required
def questionnaire_list(request):
    _require(request.user, Capability.READ_QUESTIONNAIRE_RESULTS)
    questionnaires = (
        Questionnaire.objects.filter(programme__in=access.visible_programmes(request.user))
        .select_related("programme")
        .annotate(
            invited=Count("invitations"),
            answered=Count("invitations", filter=Q(invitations__answered_at__isnull=False)),
        )
    )
    return render(
        request,
        "surveys/questionnaire_list.html",
        {"questionnaires": questionnaires, "may_manage": may(request.user, Capability.MANAGE_QUESTIONNAIRES)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_new(request):
    _require(request.user, Capability.MANAGE_QUESTIONNAIRES)
    form = QuestionnaireForm(request.POST or None, programmes=access.visible_programmes(request.user))
    if request.method == "POST" and form.is_valid():
        questionnaire = run_action(
            form,
            actions.create_questionnaire,
            acting_user=request.user,
            programme=form.cleaned_data["programme"],
            title=form.cleaned_data["title"],
            audience=form.cleaned_data["audience"],
            intro=form.cleaned_data["intro"],
        )
        if questionnaire is not None:
            messages.success(request, _("The questionnaire is created. Add its questions."))
            return redirect("questionnaire_detail", pk=questionnaire.pk)
    return render(request, "surveys/questionnaire_new.html", {"form": form}, status=400 if form.errors else 200)


def _builder(request, questionnaire, question_form=None, status=200):
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": list(questionnaire.questions.all()),
            "question_form": question_form or QuestionForm(),
            "invited": questionnaire.invitations.count(),
            "answered": questionnaire.invitations.answered().count(),
        },
        status=status,
    )


@login_required
def questionnaire_detail(request, pk):
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    return _builder(request, questionnaire)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request, pk):
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    form = QuestionnaireEditForm(
        request.POST or None, initial={"title": questionnaire.title, "intro": questionnaire.intro}
    )
    if request.method == "POST" and form.is_valid():
        saved = run_action(
            form,
            actions.update_questionnaire,
            acting_user=request.user,
            questionnaire=questionnaire,
            title=form.cleaned_data["title"],
            intro=form.cleaned_data["intro"],
        )
        if saved is not None:
            return redirect("questionnaire_detail", pk=questionnaire.pk)
    return render(
        request,
        "surveys/questionnaire_edit.html",
        {"questionnaire": questionnaire, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def questionnaire_question_new(request, pk):
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    form = QuestionForm(request.POST)
    if form.is_valid():
        question = run_action(
            form,
            actions.add_question,
            acting_user=request.user,
            questionnaire=questionnaire,
            text=form.cleaned_data["text"],
            kind=form.cleaned_data["kind"],
            required=form.cleaned_data["required"],
            low_label=form.cleaned_data["low_label"],
            high_label=form.cleaned_data["high_label"],
            options=form.option_list(),
        )
        if question is not None:
            return redirect("questionnaire_detail", pk=questionnaire.pk)
    return _builder(request, questionnaire, form, status=400)


def _question_step(request, pk, question_pk, action, **arguments):
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    question = _question(questionnaire, question_pk)
    try:
        action(acting_user=request.user, question=question, **arguments)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("questionnaire_detail", pk=questionnaire.pk)


@login_required
@require_POST
def questionnaire_question_move(request, pk, question_pk):
    return _question_step(request, pk, question_pk, actions.move_question, up=request.POST.get("direction") == "up")


@login_required
@require_POST
def questionnaire_question_remove(request, pk, question_pk):
    return _question_step(request, pk, question_pk, actions.remove_question)


@login_required
def questionnaire_preview(request, pk):
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    questions = list(questionnaire.questions.all())
    return _answer_page(
        request,
        "surveys/answer.html",
        {"questionnaire": questionnaire, "form": AnswerForm(questions=questions), "preview": True},
    )


def _status_step(request, pk, action):
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    try:
        action(acting_user=request.user, questionnaire=questionnaire)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("questionnaire_detail", pk=questionnaire.pk)


@login_required
@require_POST
def questionnaire_open(request, pk):
    return _status_step(request, pk, actions.open_questionnaire)


@login_required
@require_POST
def questionnaire_close(request, pk):
    return _status_step(request, pk, actions.close_questionnaire)


# --- Sending ----------------------------------------------------------------------------------------------------


def _recipients(request, questionnaire, form):
    data = form.cleaned_data
    on = today()
    if questionnaire.audience == Audience.CITIZENS:
        return actions.citizen_recipients(
            request.user,
            questionnaire,
            on=on,
            site=data.get("site"),
            at_least_months=data.get("at_least_months"),
            at_most_months=data.get("at_most_months"),
        )
    if questionnaire.audience == Audience.COMPANY_CONTACTS:
        return actions.contact_recipients(questionnaire, on=on, buddies_only=data.get("buddies_only", False))
    return actions.staff_recipients(questionnaire, site=data.get("site"))


def recipient_label(invitation):
    """How the page of links names a recipient: a citizen by name (never CPR), a contact with their company."""
    if invitation.enrolment_id:
        citizen = invitation.enrolment.citizen
        return f"{citizen.first_name} {citizen.last_name}"
    if invitation.contact_id:
        return f"{invitation.contact.name} ({invitation.contact.company.name})"
    return invitation.user.get_full_name() or invitation.user.get_username()


def _sites(request, questionnaire):
    return access.visible_sites(request.user).filter(programme=questionnaire.programme_id).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_send(request, pk):
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    form = SendForm(
        request.POST or None,
        audience=questionnaire.audience,
        sites=_sites(request, questionnaire),
        initial={"at_least_months": 6, "at_most_months": 7} if questionnaire.audience == Audience.CITIZENS else {},
    )
    if request.method == "POST" and form.is_valid():
        recipients = list(_recipients(request, questionnaire, form)[: actions.MAX_RECIPIENTS + 1])
        sent = run_action(
            form,
            actions.send,
            acting_user=request.user,
            questionnaire=questionnaire,
            recipients=recipients,
            base_url=request.build_absolute_uri("/"),
            message=form.cleaned_data.get("send_messages", False),
        )
        if sent is not None:
            rows = [(invitation, recipient_label(invitation), link) for invitation, link in sent]
            log_reads(
                user=request.user,
                citizen_pks=[invitation.citizen_id for invitation, _link in sent if invitation.enrolment_id],
                view="questionnaire_send",
                status_code=200,
            )
            response = render(
                request,
                "surveys/questionnaire_sent.html",
                {
                    "questionnaire": questionnaire,
                    "rows": rows,
                    "tokens": [link.rstrip("/").rsplit("/", 1)[-1] for _invitation, link in sent],
                    "messages_queued": form.cleaned_data.get("send_messages", False),
                },
            )
            add_never_cache_headers(response)
            return response
    waiting = None
    if questionnaire.is_open and request.method == "GET":
        form_preview = SendForm(
            {key: value for key, value in form.initial.items()} | {"send_messages": "on"},
            audience=questionnaire.audience,
            sites=_sites(request, questionnaire),
        )
        if form_preview.is_valid():
            waiting = _recipients(request, questionnaire, form_preview).count()
    return render(
        request,
        "surveys/questionnaire_send.html",
        {"questionnaire": questionnaire, "form": form, "waiting": waiting},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def questionnaire_links_xlsx(request, pk):
    """The links of a sending as a spreadsheet: the page of links posts its tokens back (they are stored nowhere), and
    only tokens of this questionnaire's invitations are written."""
    questionnaire = _questionnaire(request.user, pk, Capability.MANAGE_QUESTIONNAIRES)
    tokens = request.POST.getlist("token")[: actions.MAX_RECIPIENTS]
    rows, citizens = [], []
    base_url = request.build_absolute_uri("/")
    for token in tokens:
        invitation = links.find(token)
        if invitation is None or invitation.questionnaire_id != questionnaire.pk:
            continue
        if invitation.enrolment_id:
            citizens.append(invitation.enrolment.citizen_id)
        site = invitation.site.name if invitation.site_id else ""
        rows.append((recipient_label(invitation), site, links.url_for(token, base_url)))
    log_reads(user=request.user, citizen_pks=citizens, view="questionnaire_links_xlsx", status_code=200)
    content = export.links_xlsx(questionnaire, rows)
    return download(
        content,
        export.XLSX,
        file_name(_("Questionnaire links %(title)s") % {"title": questionnaire.title}, "xlsx", today()),
    )


# --- Results ----------------------------------------------------------------------------------------------------


@login_required
def questionnaire_results(request, pk):
    questionnaire = _questionnaire(request.user, pk, Capability.READ_QUESTIONNAIRE_RESULTS)
    rates = results.response_rates(questionnaire)
    questions = results.question_results(questionnaire, request.user)
    log_reads(
        user=request.user,
        citizen_pks=results.citizens_shown(questionnaire, request.user),
        view="questionnaire_results",
        status_code=200,
    )
    return render(
        request,
        "surveys/questionnaire_results.html",
        {
            "questionnaire": questionnaire,
            "rates": rates,
            "questions": questions,
            "may_read_free_text": results.may_read_free_text(request.user),
            "smallest": results.SMALLEST,
            "may_manage": may(request.user, Capability.MANAGE_QUESTIONNAIRES),
        },
    )


@login_required
def questionnaire_results_xlsx(request, pk):
    questionnaire = _questionnaire(request.user, pk, Capability.READ_QUESTIONNAIRE_RESULTS)
    rates = results.response_rates(questionnaire)
    questions = results.question_results(questionnaire, request.user)
    log_reads(
        user=request.user,
        citizen_pks=results.citizens_shown(questionnaire, request.user),
        view="questionnaire_results_xlsx",
        status_code=200,
    )
    content = export.results_xlsx(questionnaire, rates, questions)
    return download(
        content,
        export.XLSX,
        file_name(_("Questionnaire %(title)s") % {"title": questionnaire.title}, "xlsx", today()),
    )


# --- Answering at a link (no sign-in) -----------------------------------------------------------------------------


def _answer_page(request, template, context, status=200):
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _closed(request):
    return _answer_page(
        request, "surveys/answer_closed.html", {"message": actions.closed_link().messages[0]}, status=404
    )


@require_http_methods(["GET", "POST"])
def survey_answer(request, token):
    invitation = links.resolve(token)
    if invitation is None:
        return _closed(request)
    if invitation.enrolment_id:
        # The page greets the citizen by first name: a read of their record, by nobody signed in.
        log_read(user=request.user, citizen_pk=invitation.citizen_id, view="survey_answer", status_code=200)
    questionnaire = invitation.questionnaire
    form = AnswerForm(request.POST or None, questions=questionnaire.questions.all())
    if request.method == "POST" and form.is_valid():
        try:
            actions.submit_answers(token=token, given=form.given())
        except actions.LinkClosed:
            return _closed(request)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("survey_thanks")
    first_name = invitation.enrolment.citizen.first_name if invitation.enrolment_id else ""
    return _answer_page(
        request,
        "surveys/answer.html",
        {"questionnaire": questionnaire, "form": form, "first_name": first_name},
        status=400 if form.errors else 200,
    )


def survey_thanks(request):
    return _answer_page(request, "surveys/answer_thanks.html", {})
