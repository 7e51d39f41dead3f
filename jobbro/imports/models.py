"""Every import is recorded: who ran it, when, which file (by its SHA-256), what it did."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected rows")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("user"))
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("programme")
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    stored_as = models.CharField(_("stored as"), max_length=255, blank=True)
    kind = models.CharField(_("kind (csv)"), max_length=30, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # {sheet kind: {"created": n, "updated": n, "unchanged": n, "rejected": n}}, plus "_history" (history rows written
    # with the records) and "_notes" (sheets and columns that were skipped).
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # [{"sheet": kind, "row": n, "column": header, "reason": text}]; never a CPR number.
    rejected = models.JSONField(_("rejected rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
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
