"""Every write of the questionnaires: building one, opening and closing it, sending it, answering it.

Each action checks who may (the role table and the programme's scope), validates first (a ValidationError naming the
field, in Danish), writes in one transaction and leaves a change-log row. A questionnaire's questions change only
while it is a draft; once open it is sent and answered as it is, so every answer answers the same question.

Sending (`send`) makes one invitation per recipient, each with a fresh token that is returned once (the page of links
shows it to the sender, who may hand it over), and queues the messages with the links for the task worker
(surveys/tasks.py): the outbox then applies the citizen's consent to be contacted and every opt-out.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases.models import Enrolment
from jobbro.companies.models import CompanyContact
from jobbro.surveys import links
from jobbro.surveys.models import Answer, Audience, Invitation, Question, Questionnaire

MAX_QUESTIONS = 40
MAX_OPTIONS = 10
MAX_RECIPIENTS = 5000  # one sending; more are sent in several


def _require(condition):
    if not condition:
        raise PermissionDenied


def require_may_manage(user, questionnaire=None, programme=None):
    """The user may build and send questionnaires, and the programme is one of theirs."""
    _require(may(user, Capability.MANAGE_QUESTIONNAIRES))
    programme_id = questionnaire.programme_id if questionnaire is not None else programme.pk
    _require(access.visible_programmes(user).filter(pk=programme_id).exists())


def _locked(questionnaire):
    return Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)


def _require_draft(questionnaire):
    if not questionnaire.is_draft:
        raise ValidationError(_("The questions can only be changed while the questionnaire is a draft."))


def _check_title(title):
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Write a title.")})
    if len(title) > 200:
        raise ValidationError({"title": _("Write at most 200 characters.")})
    return title


def _check_intro(intro):
    intro = (intro or "").strip()
    if len(intro) > textlimits.SHORT_TEXT:
        raise ValidationError({"intro": _("Write at most %(n)s characters.") % {"n": textlimits.SHORT_TEXT}})
    return intro


@transaction.atomic
def create_questionnaire(*, acting_user, programme, title, audience, intro="", now=None):
    require_may_manage(acting_user, programme=programme)
    title = _check_title(title)
    if audience not in Audience.values:
        raise ValidationError({"audience": _("Choose who the questionnaire is for.")})
    intro = _check_intro(intro)
    questionnaire = Questionnaire.objects.create(
        programme=programme,
        title=title,
        audience=audience,
        intro=intro,
        created_by=acting_user,
        created_at=now or timezone.now(),
    )
    log_change(
        user=acting_user,
        action=Action.CREATE_QUESTIONNAIRE,
        obj=questionnaire,
        changes={"programme": programme.pk, "title": title, "audience": audience},
    )
    return questionnaire


@transaction.atomic
def update_questionnaire(*, acting_user, questionnaire, title, intro=""):
    require_may_manage(acting_user, questionnaire)
    questionnaire = _locked(questionnaire)
    _require_draft(questionnaire)
    questionnaire.title = _check_title(title)
    questionnaire.intro = _check_intro(intro)
    questionnaire.save(update_fields=["title", "intro"])
    log_change(
        user=acting_user,
        action=Action.UPDATE_QUESTIONNAIRE,
        obj=questionnaire,
        changes={"title": questionnaire.title},
    )
    return questionnaire


def _check_question(text, kind, low_label, high_label, options):
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Write the question.")
    elif len(text) > 300:
        errors["text"] = _("Write at most 300 characters.")
    if kind not in Question.Kind.values:
        errors["kind"] = _("Choose the kind of answer.")
    low_label, high_label = (low_label or "").strip(), (high_label or "").strip()
    if kind != Question.Kind.SCALE:
        low_label = high_label = ""
    elif len(low_label) > 60 or len(high_label) > 60:
        errors["low_label"] = _("Write at most 60 characters at each end of the scale.")
    options = [option.strip() for option in (options or []) if option and option.strip()]
    if kind == Question.Kind.CHOICE:
        if len(options) < 2:
            errors["options"] = _("Write at least two options, one a line.")
        elif len(options) > MAX_OPTIONS:
            errors["options"] = _("Write at most %(n)s options.") % {"n": MAX_OPTIONS}
        elif any(len(option) > 100 for option in options):
            errors["options"] = _("Write at most 100 characters in an option.")
        elif len(set(options)) != len(options):
            errors["options"] = _("Each option must be different.")
    else:
        options = []
    if errors:
        raise ValidationError(errors)
    return text, low_label, high_label, options


@transaction.atomic
def add_question(*, acting_user, questionnaire, text, kind, required=True, low_label="", high_label="", options=()):
    """A question at the end of the questionnaire (a draft)."""
    require_may_manage(acting_user, questionnaire)
    questionnaire = _locked(questionnaire)
    _require_draft(questionnaire)
    text, low_label, high_label, options = _check_question(text, kind, low_label, high_label, options)
    if questionnaire.questions.count() >= MAX_QUESTIONS:
        raise ValidationError(_("A questionnaire holds at most %(n)s questions.") % {"n": MAX_QUESTIONS})
    last = questionnaire.questions.aggregate(last=Max("position"))["last"] or 0
    question = Question.objects.create(
        questionnaire=questionnaire,
        position=last + 1,
        text=text,
        kind=kind,
        required=bool(required),
        low_label=low_label,
        high_label=high_label,
        options=options,
    )
    log_change(
        user=acting_user,
        action=Action.UPDATE_QUESTIONNAIRE,
        obj=questionnaire,
        changes={"added_question": question.pk, "kind": kind, "required": question.required},
    )
    return question


@transaction.atomic
def move_question(*, acting_user, question, up):
    """Swap the question with the one before it (up) or after it."""
    questionnaire = question.questionnaire
    require_may_manage(acting_user, questionnaire)
    questionnaire = _locked(questionnaire)
    _require_draft(questionnaire)
    question = Question.objects.get(pk=question.pk)
    neighbours = questionnaire.questions.exclude(pk=question.pk)
    other = (
        neighbours.filter(position__lt=question.position).order_by("-position").first()
        if up
        else neighbours.filter(position__gt=question.position).order_by("position").first()
    )
    if other is None:
        return question
    # Through a free position, so the one-per-position rule holds at every step.
    free = (questionnaire.questions.aggregate(last=Max("position"))["last"] or 0) + 1
    mine, theirs = question.position, other.position
    Question.objects.filter(pk=question.pk).update(position=free)
    Question.objects.filter(pk=other.pk).update(position=mine)
    Question.objects.filter(pk=question.pk).update(position=theirs)
    log_change(
        user=acting_user,
        action=Action.UPDATE_QUESTIONNAIRE,
        obj=questionnaire,
        changes={"moved_question": question.pk, "up": bool(up)},
    )
    question.position = theirs
    return question


@transaction.atomic
def remove_question(*, acting_user, question):
    questionnaire = question.questionnaire
    require_may_manage(acting_user, questionnaire)
    questionnaire = _locked(questionnaire)
    _require_draft(questionnaire)
    pk = question.pk
    Question.objects.filter(pk=pk).delete()
    # The later questions close the gap (through free positions, so one-per-position holds at every step).
    positions = list(questionnaire.questions.order_by("position").values_list("pk", flat=True))
    above = questionnaire.questions.aggregate(last=Max("position"))["last"] or 0
    for number, question_pk in enumerate(positions, start=1):
        Question.objects.filter(pk=question_pk).update(position=above + number)
    for number, question_pk in enumerate(positions, start=1):
        Question.objects.filter(pk=question_pk).update(position=number)
    log_change(
        user=acting_user, action=Action.UPDATE_QUESTIONNAIRE, obj=questionnaire, changes={"removed_question": pk}
    )


@transaction.atomic
def open_questionnaire(*, acting_user, questionnaire, now=None):
    """A draft with at least one question starts taking answers; its questions are fixed from now on."""
    require_may_manage(acting_user, questionnaire)
    questionnaire = _locked(questionnaire)
    if not questionnaire.is_draft:
        raise ValidationError(_("Only a draft can be opened."))
    if not questionnaire.questions.exists():
        raise ValidationError(_("Add at least one question before the questionnaire is opened."))
    questionnaire.status = Questionnaire.Status.OPEN
    questionnaire.opened_at = now or timezone.now()
    questionnaire.save(update_fields=["status", "opened_at"])
    log_change(user=acting_user, action=Action.OPEN_QUESTIONNAIRE, obj=questionnaire, changes={"status": "open"})
    return questionnaire


@transaction.atomic
def close_questionnaire(*, acting_user, questionnaire, now=None):
    """An open questionnaire takes no more answers: its links are refused from now on."""
    require_may_manage(acting_user, questionnaire)
    questionnaire = _locked(questionnaire)
    if not questionnaire.is_open:
        raise ValidationError(_("Only an open questionnaire can be closed."))
    questionnaire.status = Questionnaire.Status.CLOSED
    questionnaire.closed_at = now or timezone.now()
    questionnaire.save(update_fields=["status", "closed_at"])
    log_change(user=acting_user, action=Action.CLOSE_QUESTIONNAIRE, obj=questionnaire, changes={"status": "closed"})
    return questionnaire


# --- Choosing recipients --------------------------------------------------------------------------------------------


def months_before(day, months):
    """The same day `months` months earlier (the month's last day when it has fewer days)."""
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def citizen_recipients(user, questionnaire, *, on, site=None, at_least_months=None, at_most_months=None):
    """The cases of the programme (within the user's scope, the control group of a lottery left out) not yet invited:
    at the site if one is given, referred at least / at most so many months before `on`."""
    enrolments = access.scope_enrolments(
        Enrolment.objects.in_programme_effort().filter(programme=questionnaire.programme_id, referred_on__lte=on), user
    )
    if site is not None:
        enrolments = enrolments.filter(site=site)
    if at_least_months is not None:
        enrolments = enrolments.filter(referred_on__lte=months_before(on, at_least_months))
    if at_most_months is not None:
        enrolments = enrolments.filter(referred_on__gte=months_before(on, at_most_months))
    invited = Invitation.objects.filter(questionnaire=questionnaire, enrolment__isnull=False).values("enrolment_id")
    return enrolments.exclude(pk__in=invited).select_related("citizen", "site").order_by("referred_on", "pk")


def contact_recipients(questionnaire, *, on, buddies_only=False):
    """The contact persons of the companies with a network agreement with the programme running on `on`."""
    contacts = CompanyContact.objects.filter(
        company__agreements__programme=questionnaire.programme_id, company__agreements__signed_on__lte=on
    ).exclude(company__agreements__ended_on__lte=on)
    if buddies_only:
        contacts = contacts.filter(is_buddy=True)
    invited = Invitation.objects.filter(questionnaire=questionnaire, contact__isnull=False).values("contact_id")
    return contacts.exclude(pk__in=invited).select_related("company").distinct().order_by("company__name", "name", "pk")


def staff_recipients(questionnaire, *, site=None):
    """The active staff members of the programme (at the site, or of the whole programme, if a site is given)."""
    users = get_user_model().objects.filter(is_active=True, memberships__programme=questionnaire.programme_id)
    if site is not None:
        users = users.filter(memberships__site__in=[site]) | users.filter(memberships__site__isnull=True)
    invited = Invitation.objects.filter(questionnaire=questionnaire, user__isnull=False).values("user_id")
    return users.exclude(pk__in=invited).distinct().order_by("last_name", "first_name", "pk")


def _staff_site(user, programme_id):
    """The staff member's site in the programme when they work at exactly one, else none."""
    sites = {m.site_id for m in user.memberships.all() if m.programme_id == programme_id}
    return next(iter(sites)) if len(sites) == 1 else None


# --- Sending --------------------------------------------------------------------------------------------------------


@transaction.atomic
def send(*, acting_user, questionnaire, recipients, now=None, base_url=None, message=True):
    """An invitation for each recipient (enrolments, company contacts or staff users, as the audience says) not
    invited before. Returns [(invitation, link)]: the links are shown once. With `message`, the task worker queues a
    message with the link to each recipient with an address (surveys/tasks.py)."""
    require_may_manage(acting_user, questionnaire)
    questionnaire = _locked(questionnaire)
    if not questionnaire.is_open:
        raise ValidationError(_("Open the questionnaire before it is sent."))
    recipients = list(recipients)
    if not recipients:
        raise ValidationError(_("No one matches the choice, or everyone has been sent the questionnaire already."))
    if len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(
            _("At most %(n)s recipients at a time: narrow the choice and send the rest afterwards.")
            % {"n": MAX_RECIPIENTS}
        )
    now = now or timezone.now()
    expires = now + datetime.timedelta(days=settings.SURVEY_LINK_DAYS)
    audience = questionnaire.audience
    rows, tokens = [], []
    for recipient in recipients:
        fields = {}
        if audience == Audience.CITIZENS:
            _require(isinstance(recipient, Enrolment) and recipient.programme_id == questionnaire.programme_id)
            fields = {"enrolment": recipient, "site_id": recipient.site_id}
        elif audience == Audience.COMPANY_CONTACTS:
            _require(isinstance(recipient, CompanyContact))
            fields = {"contact": recipient}
        else:
            _require(isinstance(recipient, get_user_model()))
            fields = {"user": recipient, "site_id": _staff_site(recipient, questionnaire.programme_id)}
        token = links.new_token()
        tokens.append(token)
        rows.append(
            Invitation(
                questionnaire=questionnaire,
                digest=links.digest(token),
                created_by=acting_user,
                created_at=now,
                expires_at=expires,
                **fields,
            )
        )
    if audience == Audience.CITIZENS:
        allowed = set(
            access.scope_enrolments(
                Enrolment.objects.filter(pk__in=[r.enrolment_id for r in rows]), acting_user
            ).values_list("pk", flat=True)
        )
        _require(all(row.enrolment_id in allowed for row in rows))
    keys = {"enrolment": "enrolment_id", "contact": "contact_id", "user": "user_id"}
    key = {Audience.CITIZENS: "enrolment", Audience.COMPANY_CONTACTS: "contact", Audience.STAFF: "user"}[audience]
    already = set(
        Invitation.objects.filter(
            questionnaire=questionnaire, **{f"{key}__in": [getattr(r, keys[key]) for r in rows]}
        ).values_list(keys[key], flat=True)
    )
    if already:
        raise ValidationError(_("Some of the recipients have been sent the questionnaire already; choose again."))
    Invitation.objects.bulk_create(rows)
    created = list(
        Invitation.objects.filter(digest__in=[row.digest for row in rows]).select_related(
            "enrolment__citizen", "contact__company", "user", "site"
        )
    )
    by_digest = {invitation.digest: invitation for invitation in created}
    sent = [(by_digest[links.digest(token)], token) for token in tokens]
    log_change(
        user=acting_user,
        action=Action.INVITE_TO_QUESTIONNAIRE,
        obj=questionnaire,
        changes={"invitations": len(sent), "audience": audience, "expires_at": expires.isoformat()},
    )
    if message:
        from jobbro.surveys import tasks

        tasks.enqueue(questionnaire, [(invitation.pk, token) for invitation, token in sent], base_url)
    return [(invitation, links.url_for(token, base_url)) for invitation, token in sent]


# --- Answering ------------------------------------------------------------------------------------------------------


class LinkClosed(ValidationError):
    """An unknown, expired or used link, or a closed questionnaire's: refused alike."""


def closed_link():
    return LinkClosed(
        _(
            "This link cannot be used. It may have been used already (the questionnaire is answered once), it may have "
            "expired, or the questionnaire may be closed."
        ),
        code="closed",
    )


def check_answers(questions, given):
    """{question pk: number or text} from what was typed, every answer checked; ValidationError with one message per
    question's field name (q<pk>)."""
    errors, answers = {}, {}
    for question in questions:
        field = f"q{question.pk}"
        value = given.get(question.pk)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if question.required:
                errors[field] = _("Write an answer.") if question.kind == Question.Kind.TEXT else _("Choose an answer.")
            continue
        if question.kind == Question.Kind.TEXT:
            if len(value) > textlimits.SHORT_TEXT:
                errors[field] = _("Write at most %(n)s characters.") % {"n": textlimits.SHORT_TEXT}
                continue
            answers[question.pk] = value
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number not in {n for n, _label in question.choices()}:
            errors[field] = _("Choose one of the answers.")
            continue
        answers[question.pk] = number
    if errors:
        raise ValidationError(errors)
    return answers


@transaction.atomic
def submit_answers(*, token, given, now=None):
    """Save the answers of the invitation the token opens, once: a second submit is refused as a used link is."""
    now = now or timezone.now()
    invitation = links.resolve(token, now, for_update=True)
    if invitation is None:
        raise closed_link()
    questions = list(invitation.questionnaire.questions.all())
    answers = check_answers(questions, given)
    Answer.objects.bulk_create(
        Answer(
            invitation=invitation,
            question_id=pk,
            number=value if isinstance(value, int) else None,
            text=value if isinstance(value, str) else "",
        )
        for pk, value in answers.items()
    )
    Invitation.objects.filter(pk=invitation.pk).update(answered_at=now)
    invitation.answered_at = now
    log_change(
        user=None,
        action=Action.ANSWER_QUESTIONNAIRE,
        obj=invitation,
        citizen_pk=invitation.citizen_id,
        changes={"questionnaire": invitation.questionnaire_id, "answers": len(answers)},
    )
    return invitation
