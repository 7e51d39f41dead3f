"""Links for people without an account, and the small jobs they propose.

An AccessLink lets a company contact, a buddy or a citizen open a few pages about themselves without signing in.
Only an HMAC-SHA256 digest of its token is stored (portal/links.py); the token itself is in the address handed
out once. A link expires, can be revoked at once, and each use is in the read-access log.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.weekly_hours import WEEKLY_HOURS_VALIDATORS


class Audience(models.TextChoices):
    COMPANY_CONTACT = "company_contact", _("Company contact")
    BUDDY = "buddy", _("Buddy")
    CITIZEN = "citizen", _("Citizen")


COMPANY_AUDIENCES = (Audience.COMPANY_CONTACT, Audience.BUDDY)


class AccessLinkQuerySet(models.QuerySet):
    def live(self, now):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class AccessLink(models.Model):
    audience = models.CharField(_("for"), max_length=20, choices=Audience.choices)
    # The person the link is for: a contact person or buddy of a company, or a citizen.
    contact = models.ForeignKey(
        "companies.CompanyContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_links",
        verbose_name=_("company contact"),
    )
    citizen = models.ForeignKey(
        "people.Citizen",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_links",
        verbose_name=_("citizen"),
    )
    # The programme whose placements, plans and hours the link shows (the issuer's).
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = AccessLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(audience="citizen", citizen__isnull=False, contact__isnull=True)
                    | models.Q(audience__in=["company_contact", "buddy"], citizen__isnull=True, contact__isnull=False)
                ),
                name="access_link_one_target_for_its_audience",
            )
        ]
        verbose_name = _("access link")
        verbose_name_plural = _("access links")

    def __str__(self):
        return f"{self.get_audience_display()} #{self.pk}"

    def is_live(self, now):
        return self.revoked_at is None and self.expires_at > now

    @property
    def target(self):
        return self.citizen if self.audience == Audience.CITIZEN else self.contact


class PendingOpening(models.Model):
    """A small job a company proposed through its link, waiting for a coordinator to approve it into an Opening."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    link = models.ForeignKey(AccessLink, on_delete=models.PROTECT, related_name="pending_openings")
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="pending_openings", verbose_name=_("company")
    )
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), max_length=textlimits.SHORT_TEXT, validators=textlimits.text_validators(textlimits.SHORT_TEXT)
    )
    weekly_hours = models.DecimalField(
        _("hours a week"), max_digits=4, decimal_places=1, validators=WEEKLY_HOURS_VALIDATORS
    )
    starts_on = models.DateField(_("start"))
    proposed_at = models.DateTimeField(_("proposed"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    opening = models.ForeignKey("companies.Opening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["proposed_at", "id"]
        indexes = [models.Index(fields=["programme", "status"])]
        verbose_name = _("proposed small job")
        verbose_name_plural = _("proposed small jobs")

    def __str__(self):
        return f"{self.title} – {self.company}"
