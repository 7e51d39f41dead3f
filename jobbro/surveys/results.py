"""A questionnaire's figures: the response rate per site and in total, and per question the answers.

Response rate: answered / invited, both counts shown. An invitation counts at its site (the citizen's case's site, a
staff member's site; company contacts and staff of the whole programme count under "No site"); the sites add up to
the total, which is counted by its own query. Before a figure is shown it is checked as the reports check theirs
(jobbro/reporting/base.py): no share above 100 % and the sites adding up to the total; a failed check is named at
the top of the page and of the export, and the failing cell shows its counts and the warning instead of a percent.

Answers: per question the number who answered it; for a scale, yes/no or one-choice question the number giving each
answer, and for a scale the mean (one decimal). Disclosure control as the reports (reporting/continuity.py): a
count of 1 to 4 answers is withheld ("fewer than 5"), and when exactly one count of a question is withheld the next
smallest is withheld too, so it cannot be worked out from the total; a mean of fewer than 5 answers is withheld.
Free-text answers are counted for everyone; their text is listed only for users who may read case notes, and of a
citizen's answers only those of cases within the user's scope.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.cases.models import Enrolment
from jobbro.surveys.models import Answer, Invitation, Question

SMALLEST = 5  # no count of fewer answers than this is shown


@dataclass(frozen=True)
class Rate:
    """Answered of invited."""

    answered: int
    invited: int

    @property
    def is_possible(self):
        return 0 <= self.answered <= self.invited

    @property
    def percent(self):
        if not self.invited or not self.is_possible:
            return None
        return (Decimal(100) * self.answered / self.invited).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ResponseRates:
    rows: list  # [(label, Rate)], one per site with invitations, "No site" last when any
    total: Rate
    problems: list = field(default_factory=list)


def response_rates(questionnaire):
    """The response rate per site and in total: one grouped query and one for the total, then the checks."""
    grouped = (
        Invitation.objects.filter(questionnaire=questionnaire)
        .values("site_id", "site__name")
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)))
        .order_by("site__name", "site_id")
    )
    rows, no_site = [], None
    for row in grouped:
        rate = Rate(row["answered"], row["invited"])
        if row["site_id"] is None:
            no_site = (_("No site"), rate)
        else:
            rows.append((row["site__name"], rate))
    if no_site:
        rows.append(no_site)
    totals = Invitation.objects.filter(questionnaire=questionnaire).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
    )
    total = Rate(totals["answered"], totals["invited"])
    return ResponseRates(rows, total, rate_problems(rows, total))


def rate_problems(rows, total):
    """Every figure that cannot be true: a rate above 100 % (or below 0), sites not adding up to the total."""
    problems = []
    for label, rate in [*rows, (_("Total"), total)]:
        if not rate.is_possible:
            problems.append(
                _("%(row)s: %(answered)s answered of %(invited)s invited is impossible.")
                % {"row": label, "answered": rate.answered, "invited": rate.invited}
            )
    if rows:
        for name, counted, summed in (
            (_("invited"), total.invited, sum(rate.invited for _label, rate in rows)),
            (_("answered"), total.answered, sum(rate.answered for _label, rate in rows)),
        ):
            if counted != summed:
                problems.append(
                    _("The sites' %(figure)s add up to %(sum)s, the total is %(total)s.")
                    % {"figure": name, "sum": summed, "total": counted}
                )
    return problems


@dataclass(frozen=True)
class Withheld:
    smallest: int = SMALLEST

    def __str__(self):
        return _("fewer than %(n)s") % {"n": self.smallest}


def withheld(counts):
    """The counts with those of 1 to SMALLEST - 1 withheld, and, when exactly one is, the next smallest above 0."""
    hidden = {i for i, n in enumerate(counts) if 0 < n < SMALLEST}
    if len(hidden) == 1:
        others = sorted((n, i) for i, n in enumerate(counts) if i not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    return [Withheld() if i in hidden else n for i, n in enumerate(counts)]


@dataclass
class QuestionResult:
    question: object
    answered: int
    options: list = field(default_factory=list)  # [(label, count or Withheld)]
    mean: object = None  # Decimal, Withheld or None
    texts: list | None = None  # the free-text answers, for those who may read them

    @property
    def key(self):
        return f"question {self.question.pk}"


def _mean(value, n):
    if value is None or not n:
        return None
    if n < SMALLEST:
        return Withheld()
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def question_results(questionnaire, user):
    """One QuestionResult per question, in order: two grouped queries over the answers, and the free texts for
    those who may read them."""
    questions = list(questionnaire.questions.all())
    answers = Answer.objects.filter(question__questionnaire=questionnaire, invitation__answered_at__isnull=False)
    counts = {}
    for row in answers.filter(number__isnull=False).values("question_id", "number").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["question_id"], {})[row["number"]] = row["n"]
    totals = {
        row["question_id"]: row
        for row in answers.values("question_id").annotate(n=Count("pk"), mean=Avg("number")).order_by()
    }
    texts = free_texts(questionnaire, user)
    results = []
    for question in questions:
        total = totals.get(question.pk, {"n": 0, "mean": None})
        result = QuestionResult(question, total["n"])
        if question.kind == Question.Kind.TEXT:
            result.texts = texts.get(question.pk, []) if texts is not None else None
        else:
            choices = question.choices()
            shown = withheld([counts.get(question.pk, {}).get(number, 0) for number, _label in choices])
            result.options = [(label, n) for (_number, label), n in zip(choices, shown, strict=True)]
            if question.kind == Question.Kind.SCALE:
                result.mean = _mean(total["mean"], total["n"])
        results.append(result)
    return results


def may_read_free_text(user):
    return may(user, Capability.READ_NOTES)


def free_texts(questionnaire, user):
    """{question pk: [text, …]} of the answered free-text questions the user may read, or None when they may not read
    free text at all. A citizen's answer is read only within the user's citizen scope."""
    if not may_read_free_text(user):
        return None
    answers = Answer.objects.filter(
        question__questionnaire=questionnaire,
        question__kind=Question.Kind.TEXT,
        invitation__answered_at__isnull=False,
    ).exclude(text="")
    visible = access.scope_enrolments(Enrolment.objects.all(), user).values("pk")
    answers = answers.filter(Q(invitation__enrolment__isnull=True) | Q(invitation__enrolment__in=visible))
    found = {}
    for question_pk, text in answers.order_by("invitation__answered_at", "pk").values_list("question_id", "text"):
        found.setdefault(question_pk, []).append(text)
    return found


def citizens_shown(questionnaire, user):
    """The citizens whose free-text answers the page shows to the user (each read is logged)."""
    if not may_read_free_text(user):
        return []
    visible = access.scope_enrolments(Enrolment.objects.all(), user).values("pk")
    return list(
        Answer.objects.filter(
            question__questionnaire=questionnaire,
            question__kind=Question.Kind.TEXT,
            invitation__answered_at__isnull=False,
            invitation__enrolment__in=visible,
        )
        .exclude(text="")
        .values_list("invitation__enrolment__citizen_id", flat=True)
        .distinct()
    )
