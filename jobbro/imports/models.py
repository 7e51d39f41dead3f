"""Every import is recorded: who ran it, when, which file (by its SHA-256), what it did, and how far it has come.

The uploaded file itself is kept only encrypted (ImportFile and its chunks, see jobbro/imports/storage.py) and only
as long as a run needs it; the run's progress and heartbeat are written by the worker running it (imports/tasks.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits


class ImportFile(models.Model):
    """An uploaded file, kept encrypted with the CPR keys until its run no longer needs it or it expires."""

    name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    expires_at = models.DateTimeField(_("deleted at the latest"), db_index=True)

    class Meta:
        verbose_name = _("uploaded import file")
        verbose_name_plural = _("uploaded import files")

    def __str__(self):
        return self.name


class ImportFileChunk(models.Model):
    """One piece of an ImportFile, a Fernet token of at most storage.CHUNK_BYTES of the file."""

    file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    token = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "index"], name="import_chunk_once")]

    def __str__(self):
        return f"{self.file_id}:{self.index}"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected rows")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    programme = models.ForeignKey(
        "accounts.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    # The encrypted files the run reads; a real run reads those of its dry run. Emptied when they are deleted.
    uploads = models.ManyToManyField(ImportFile, blank=True, related_name="runs", verbose_name=_("uploaded files"))
    kind = models.CharField(_("kind (csv)"), max_length=30, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    # Written by the worker every second or so while it runs the import; "host:pid" of that worker.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    # {sheet kind: {"created": n, "updated": n, "unchanged": n, "rejected": n}}, plus "_history" (history rows written
    # with the records) and "_notes" (sheets and columns that were skipped).
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # [{"sheet": kind, "row": n, "column": header, "reason": text}]; never a CPR number.
    rejected = models.JSONField(_("rejected rows"), default=list, blank=True)
    # Written by the runner and the worker, cut to this length (runner.py).
    error = models.TextField(_("error"), blank=True, max_length=2000, validators=textlimits.text_validators(2000))
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%d.%m.%Y %H:%M})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.REJECTED, self.Status.FAILED)

    @property
    def percent(self):
        return round(100 * self.rows_done / self.total_rows) if self.total_rows else 0

    def totals(self):
        total = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        for kind, numbers in self.counts.items():
            if kind.startswith("_"):
                continue
            for key in total:
                total[key] += numbers.get(key, 0)
        return total
