"""Integrations: another system of the municipality (business intelligence, the case system, the job database)
reading and writing through the JSON API.

An integration acts as one service user: that user's role and memberships decide, through the same who-may-what
table as the pages (accounts/policy.py, accounts/access.py), what it reaches; its scopes narrow that further to the
kinds of records it was created for. Only an HMAC-SHA256 digest of its token is stored (api/tokens.py); the token is
shown once, when the integration is created. A token expires, can be revoked at once, and its last use is recorded.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    CITIZENS_READ = "citizens:read", _("Read citizens")
    CITIZENS_WRITE = "citizens:write", _("Refer citizens")
    CPR_REVEAL = "cpr:reveal", _("Reveal CPR numbers (logged) and find citizens by CPR number")
    CASES_READ = "cases:read", _("Read enrolments, steps and contacts")
    CASES_WRITE = "cases:write", _("Change steps and register contacts")
    PLACEMENTS_READ = "placements:read", _("Read placements")
    PLACEMENTS_WRITE = "placements:write", _("Start and end placements")
    HOURS_READ = "hours:read", _("Read weekly hours")
    HOURS_WRITE = "hours:write", _("Register weekly hours")
    COMPANIES_READ = "companies:read", _("Read companies and small jobs")
    COMPANIES_WRITE = "companies:write", _("Create companies and small jobs")
    REPORTS_READ = "reports:read", _("Read the reports' figures")


class IntegrationQuerySet(models.QuerySet):
    def live(self, now):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class Integration(models.Model):
    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="integrations", verbose_name=_("acts as")
    )
    scopes = models.JSONField(_("scopes"), default=list)
    digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    # The token's first characters, to tell tokens apart in a list (never enough to use it).
    prefix = models.CharField(_("token begins"), max_length=12, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self):
        return self.name

    def is_live(self, now):
        return self.revoked_at is None and self.expires_at > now

    def has_scope(self, scope):
        return Scope(scope).value in self.scopes

    def scope_labels(self):
        return [Scope(value).label for value in Scope.values if value in self.scopes]
