"""Who read or changed a citizen's record, and when. Rows are never updated or deleted by the app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    class Action(models.TextChoices):
        READ = "read", _("Read")
        REVEAL_CPR = "reveal_cpr", _("Revealed CPR number")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("user")
    )
    citizen = models.ForeignKey(
        "people.Citizen", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("citizen")
    )
    # Kept when the citizen is deleted, so the log still says whose record it was (never the CPR).
    citizen_ref = models.PositiveBigIntegerField(_("citizen id"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, default=Action.READ)
    view = models.CharField(_("page"), max_length=100)
    status_code = models.PositiveSmallIntegerField(_("response status"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["citizen_ref", "at"])]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self):
        return f"{self.at:%d.%m.%Y %H:%M} {self.user} {self.get_action_display()} #{self.citizen_ref}"


class ChangeLog(models.Model):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("user")
    )
    citizen_ref = models.PositiveBigIntegerField(_("citizen id"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("record type"), max_length=60)
    object_id = models.CharField(_("record id"), max_length=40)
    # Field names and new values; CPR and case-note text are never copied here.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")

    def __str__(self):
        return f"{self.at:%d.%m.%Y %H:%M} {self.user} {self.action} #{self.citizen_ref}"
