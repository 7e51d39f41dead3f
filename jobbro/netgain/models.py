"""A net-gain calculation kept on the case: what was put in, and the figures as they were shown.

The figures are a snapshot (JSON) of the calculator's rows (netgain/calculator.py MonthFigures), so the page and
the printed copy show the same figures however the rule tables change later. The inputs are numbers and codes
only: nothing in a calculation is free text about the citizen (a comment belongs in a case note).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro.netgain.calculator import Benefit

MAX_HOURLY_WAGE = Decimal("10000")  # as cases.HourlyWage
MAX_MONTHLY_AMOUNT = Decimal("1000000")


class NetGainCalculation(models.Model):
    class Kind(models.TextChoices):
        HOURS = "hours", _("Hours a week")
        MONTHS = "months", _("Month by month")

    enrolment = models.ForeignKey(
        "cases.Enrolment", on_delete=models.CASCADE, related_name="net_gain_calculations", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOURS)
    calculated_for = models.DateField(_("rules as on"))
    benefit = models.CharField(_("benefit"), max_length=30, choices=Benefit.choices)
    rate = models.CharField(_("rate"), max_length=40)  # a rate key of the rule table, e.g. "grundsats"
    age = models.PositiveSmallIntegerField(_("age"), validators=[MaxValueValidator(120)])
    # The citizen's actual benefit a month before tax, with supplements (as on the payment letter): given when the
    # rule table has no published amount for the rate, or to use the citizen's own figure.
    monthly_benefit = models.DecimalField(
        _("benefit a month (kr.)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MONTHLY_AMOUNT)],
    )
    couple = models.BooleanField(_("married or cohabiting"), default=False)
    children = models.PositiveSmallIntegerField(_("children under 18"), default=0, validators=[MaxValueValidator(20)])
    living_with_parents = models.BooleanField(_("lives with their parents"), default=False)
    monthly_rent = models.DecimalField(
        _("rent a month (kr.)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MONTHLY_AMOUNT)],
    )
    municipal_tax_pct = models.DecimalField(
        _("municipal tax (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
    )
    partner_monthly_income = models.DecimalField(
        _("partner's income a month (kr.)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MONTHLY_AMOUNT)],
    )
    hourly_wage = models.DecimalField(
        _("hourly wage (kr.)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_HOURLY_WAGE)],
    )
    # Hours a week: [5, 10, 15] as text ("5", "10", "15"); month by month: [["2027-01-01", "5"], ...].
    hours = models.JSONField(_("hours a week"))
    table_versions = models.CharField(_("rule tables"), max_length=100)  # e.g. "2026-01-01"
    # The calculator's rows as shown: one dict per row, amounts as text (Decimal), sources as [title, url].
    figures = models.JSONField(_("figures"))
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("calculated by")
    )
    created_at = models.DateTimeField(_("calculated"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["enrolment", "-created_at"], name="net_gain_by_case")]
        verbose_name = _("net-gain calculation")
        verbose_name_plural = _("net-gain calculations")

    def __str__(self):
        return (
            f"{self.get_kind_display()} {self.created_at:%d.%m.%Y}" if self.created_at else str(self.get_kind_display())
        )
