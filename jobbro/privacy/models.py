"""The citizen's rights over their data: legal holds, the retention periods and the receipts of what was erased.

What erasure does to each kind of record is one table, registry.py; erasure.py applies it, retention.py finds what is
due. A receipt names the citizen only by their pseudonym and id: it never holds the erased data itself.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits


class RecordKind(models.TextChoices):
    """The kinds of record a retention period is set for (registry.py puts every model about a citizen in one)."""

    IDENTITY = "identity", _("Identity and contact details")
    CASE = "case", _("The case: referral, steps, contacts, outcomes and their notes")
    CV = "cv", _("CV, job goals and competences")
    HEALTH = "health", _("Restrictions, health and parallel efforts")
    PLACEMENTS = "placements", _("Job plans, placements and matches")
    HOURS = "hours", _("Hours and wages")
    MEETINGS = "meetings", _("Meetings and events")
    MESSAGES = "messages", _("Messages and consents")
    PROGRESSION = "progression", _("Progression assessments and questionnaire answers")
    NET_GAIN = "net_gain", _("Net-gain calculations")
    ACCESS_LINKS = "access_links", _("Links for the citizen")
    EVALUATION = "evaluation", _("Evaluation: lottery and project keys")
    LOGS = "logs", _("Change log and read log")


class RetentionPeriod(models.Model):
    """An administrator's period for one kind of record, in months after the citizen's exit (the end of their last
    enrolment). A kind without a row has its default (retention.DEFAULT_MONTHS)."""

    kind = models.CharField(_("kind of record"), max_length=20, choices=RecordKind.choices, unique=True)
    months = models.PositiveSmallIntegerField(_("months after exit"))
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.months}"


class LegalHold(models.Model):
    """A legal hold on a citizen's records (a complaint, a court case, an inspection): while it holds, neither
    retention nor a request erases anything. Rows are history: lifting fills lifted_at, nothing is deleted."""

    citizen = models.ForeignKey("people.Citizen", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField(
        _("reason"), max_length=textlimits.NOTE, validators=textlimits.text_validators(textlimits.NOTE)
    )
    set_at = models.DateTimeField(_("set"), auto_now_add=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(
        _("reason for lifting"),
        blank=True,
        max_length=textlimits.NOTE,
        validators=textlimits.text_validators(textlimits.NOTE),
    )

    class Meta:
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"], condition=models.Q(lifted_at__isnull=True), name="one_legal_hold_at_a_time"
            )
        ]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self):
        return f"#{self.citizen_id} {self.set_at:%d.%m.%Y}"


class ErasureReceipt(models.Model):
    """What one erasure did to one citizen: kinds of record with counts, never the erased data."""

    class Cause(models.TextChoices):
        REQUEST = "request", _("At the citizen's request")
        RETENTION = "retention", _("The retention period ran out")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    citizen = models.ForeignKey("people.Citizen", on_delete=models.PROTECT, related_name="erasure_receipts")
    pseudonym = models.CharField(_("pseudonym"), max_length=100)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    erased_at = models.DateTimeField(_("erased"), auto_now_add=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Whether the identity went too (names, CPR, contact details): then the citizen is erased, not only some kinds.
    complete = models.BooleanField(_("the whole record"), default=False)
    exit_on = models.DateField(_("exit"), null=True, blank=True)
    # {model label: {"kind": ..., "treatment": ..., "rows": n}}: counts only.
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")

    def __str__(self):
        return self.reference


class ErasedKind(models.Model):
    """A kind of record erased for a citizen, by which receipt: retention erases each kind once."""

    citizen = models.ForeignKey("people.Citizen", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of record"), max_length=20, choices=RecordKind.choices)
    receipt = models.ForeignKey(ErasureReceipt, on_delete=models.PROTECT, related_name="kinds")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["citizen", "kind"], name="erased_kind_once")]
        verbose_name = _("erased kind of record")
        verbose_name_plural = _("erased kinds of record")

    def __str__(self):
        return f"#{self.citizen_id} {self.kind}"


class DataExport(models.Model):
    """A requested export of everything about a citizen (export.py), prepared by the task worker (export_tasks.py).
    The ZIP holds case notes and maybe the CPR number in clear, so it is kept only as a Fernet token under the CPR
    keys, for the user who asked for it, and deleted at expires_at (settings.PRIVACY_EXPORT_DAYS) by the worker's
    sweep. The row stays as the record of the request until the citizen's data is erased."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    citizen = models.ForeignKey("people.Citizen", on_delete=models.PROTECT, related_name="data_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    reveal_cpr = models.BooleanField(_("CPR number in clear"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=2000, validators=textlimits.text_validators(2000))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    expires_at = models.DateTimeField(_("deleted at the latest"), db_index=True)
    # The ZIP as one Fernet token under the newest CPR key (never in clear at rest); None before it is ready and
    # after it expired.
    content = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self):
        return f"#{self.citizen_id} {self.requested_at:%d.%m.%Y %H:%M}"
