"""Questionnaires: staff build one (questions, scales, free text), send it by link to citizens, company contacts or
staff, and read the response rate and the results (docs/questionnaires.md).

A questionnaire is a draft while its questions are written, open while it takes answers and closed after. Each
recipient gets one Invitation: a link whose token is shown once (in the message and on the page of links handed to
staff); only its HMAC-SHA256 digest is stored (surveys/links.py), as the links of jobbro/portal are. An invitation is
answered once: its answers are Answer rows, one per question answered, and `answered_at` is set in the same
transaction.

A citizen's invitation points at the enrolment it was sent for (the case), so the answers belong to the citizen's
case; a free-text answer is treated as a case note (accounts/free_text.py).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits

SCALE_MIN, SCALE_MAX = 1, 5


class Audience(models.TextChoices):
    CITIZENS = "citizens", _("Citizens")
    COMPANY_CONTACTS = "company_contacts", _("Company contacts")
    STAFF = "staff", _("Staff")


class Questionnaire(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="questionnaires", verbose_name=_("programme")
    )
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("sent to"), max_length=20, choices=Audience.choices)
    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"))
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self):
        return self.title

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", _("Scale 1–5")
        CHOICE = "choice", _("One choice")
        YES_NO = "yes_no", _("Yes or no")
        TEXT = "text", _("Free text")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name=_("questionnaire")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("an answer is required"), default=True)
    # The words at the two ends of a scale ("Not at all", "Very much").
    low_label = models.CharField(_("label of 1"), max_length=60, blank=True)
    high_label = models.CharField(_("label of 5"), max_length=60, blank=True)
    # The options of a one-choice question, in order; the answer is the option's number (1, 2, …).
    options = models.JSONField(_("options"), default=list, blank=True)

    class Meta:
        ordering = ["questionnaire", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "position"], name="question_one_per_position")]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text

    def choices(self):
        """(number, label) of every possible answer, in order; none for free text."""
        if self.kind == self.Kind.SCALE:
            return [(n, str(n)) for n in range(SCALE_MIN, SCALE_MAX + 1)]
        if self.kind == self.Kind.YES_NO:
            return [(1, str(_("Yes"))), (0, str(_("No")))]
        if self.kind == self.Kind.CHOICE:
            return [(n, label) for n, label in enumerate(self.options, start=1)]
        return []


class InvitationQuerySet(models.QuerySet):
    def answered(self):
        return self.filter(answered_at__isnull=False)


class Invitation(models.Model):
    """One recipient's link to a questionnaire: a citizen's case, a company contact or a staff user."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("questionnaire")
    )
    enrolment = models.ForeignKey(
        "cases.Enrolment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questionnaire_invitations",
        verbose_name=_("case"),
    )
    contact = models.ForeignKey(
        "companies.CompanyContact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questionnaire_invitations",
        verbose_name=_("company contact"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questionnaire_invitations",
        verbose_name=_("staff member"),
    )
    # The site the figures count the invitation at: the case's site, the staff member's site (none for a membership
    # of the whole programme and for company contacts).
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("site")
    )
    digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    # When a message with the link was queued (none: the link was only handed over by staff).
    sent_at = models.DateTimeField(_("message queued"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["questionnaire", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(enrolment__isnull=False, contact__isnull=True, user__isnull=True)
                    | models.Q(enrolment__isnull=True, contact__isnull=False, user__isnull=True)
                    | models.Q(enrolment__isnull=True, contact__isnull=True, user__isnull=False)
                ),
                name="invitation_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "enrolment"],
                name="invitation_once_per_case",
                condition=models.Q(enrolment__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "contact"],
                name="invitation_once_per_contact",
                condition=models.Q(contact__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "user"],
                name="invitation_once_per_user",
                condition=models.Q(user__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["questionnaire", "answered_at"])]
        verbose_name = _("questionnaire invitation")
        verbose_name_plural = _("questionnaire invitations")

    def __str__(self):  # no name: this may end up in a log line
        return f"invitation {self.pk} to questionnaire {self.questionnaire_id}"

    def is_live(self, now):
        return self.answered_at is None and self.expires_at > now

    @property
    def citizen_id(self):
        return self.enrolment.citizen_id if self.enrolment_id else None


class Answer(models.Model):
    """One question's answer: a number (the scale's 1–5, 1 for yes and 0 for no, a choice's number) or text."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(
        _("answer"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    text = models.TextField(
        _("answer"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )

    class Meta:
        ordering = ["invitation", "question__position"]
        constraints = [models.UniqueConstraint(fields=["invitation", "question"], name="answer_once_per_question")]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"answer {self.pk}"
