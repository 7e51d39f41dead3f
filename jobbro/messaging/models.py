"""Messages: the outbox (one row per e-mail or SMS, sent by the task worker), staff-editable templates, opt-outs,
citizens' consent to be contacted, and subscriptions to a programme's small-jobs list (docs/messages.md).

A recipient's address is personal data: it is stored on the message to send it, shown on the message log only to
those who may see the message, and never written to a log line (`Message.__str__` leaves it out)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Purpose(models.TextChoices):
    """What a message is for; opt-outs and the message log speak of these. Other purposes may be used (a short code);
    these are the ones jobbro sends itself and names on its pages."""

    SMALL_JOBS_LIST = "small_jobs_list", _("Small-jobs list")
    HOURS_REMINDER = "hours_reminder", _("Reminder of missing hours")
    MEETING_INVITATION = "meeting_invitation", _("Meeting invitation")
    MEETING_UPDATE = "meeting_update", _("Meeting moved or cancelled")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    ACCESS_LINK = "access_link", _("Link to the company and citizen pages")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")  # a questionnaire's link (jobbro/surveys/tasks.py)
    OTHER = "other", _("Other")


class Message(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject line"), max_length=250, blank=True)
    body = models.TextField(
        _("text"), max_length=textlimits.MESSAGE, validators=textlimits.text_validators(textlimits.MESSAGE)
    )
    # [{"filename": ..., "mimetype": ..., "content": base64}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    purpose = models.CharField(_("purpose"), max_length=40)
    citizen = models.ForeignKey(
        "people.Citizen", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(
        _("last error"),
        blank=True,
        max_length=textlimits.ERROR,
        validators=textlimits.text_validators(textlimits.ERROR),
    )
    # Set when a worker takes the message, and when it hands it to the mail server or gateway: a message whose worker
    # stopped before handing it over is sent again; one handed over is never (it may have gone out).
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    unsubscribe_url = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["citizen", "created_at"]),
            models.Index(fields=["company", "created_at"]),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):  # no address: it is personal data and this may end up in a log line
        return f"message {self.pk} ({self.channel}, {self.purpose}, {self.state})"

    @property
    def purpose_label(self):
        return Purpose(self.purpose).label if self.purpose in Purpose.values else self.purpose


class MessageTemplate(models.Model):
    """A message's subject and text as Django template text, editable by coordinators and administrators."""

    key = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=10, default="da")
    subject = models.CharField(_("subject line"), max_length=250, blank=True)
    body = models.TextField(
        _("text"), max_length=textlimits.NOTE, validators=textlimits.text_validators(textlimits.NOTE)
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="message_template_one_per_language")]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self):
        return f"{self.key} ({self.language})"


class OptOut(models.Model):
    """An address (e-mail, or phone number in its normal form) that wants no more messages of a purpose, or none at
    all (purpose blank)."""

    class Via(models.TextChoices):
        LINK = "link", _("Unsubscribe link")
        STAFF = "staff", _("Recorded by staff")

    address = models.CharField(_("address"), max_length=254, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=40, blank=True, help_text=_("Blank: every purpose."))
    created_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")

    def __str__(self):
        return f"opt-out {self.pk} ({self.purpose or 'all'})"


class CitizenContactConsent(models.Model):
    """A citizen's consent to be contacted by e-mail or SMS: rows are history, the newest for a channel holds."""

    citizen = models.ForeignKey("people.Citizen", on_delete=models.CASCADE, related_name="contact_consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    given = models.BooleanField(_("consents"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("consent to be contacted")
        verbose_name_plural = _("consents to be contacted")

    def __str__(self):
        return f"{self.channel}: {self.given}"


class Subscription(models.Model):
    """A company contact, or an e-mail address, on a programme's fortnightly small-jobs list."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="subscriptions")
    contact = models.ForeignKey(
        "companies.CompanyContact", on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    email = models.EmailField(_("e-mail"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "email"],
                condition=models.Q(ended_at__isnull=True),
                name="subscription_one_active_per_address",
            )
        ]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self):
        return f"subscription {self.pk}"
