"""The trial design of a programme and the lottery's draws (docs/effect.md "Trial design and the lottery")."""

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro.effect import lottery


def new_seed():
    return secrets.token_hex(32)


class TrialDesign(models.Model):
    """One per programme. Write it only through effect.actions.set_trial_design."""

    class Kind(models.TextChoices):
        NONE = "none", _("No comparison")
        LOTTERY = "lottery", _("Lottery at referral")
        REGISTER_COMPARISON = "register_comparison", _("Register comparison (matched afterwards)")

    programme = models.OneToOneField(
        "accounts.Programme", on_delete=models.PROTECT, related_name="trial_design", verbose_name=_("programme")
    )
    kind = models.CharField(_("trial design"), max_length=30, choices=Kind.choices, default=Kind.NONE)
    programme_share = models.DecimalField(
        _("share drawn to the programme"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.99"))],
    )
    block_size = models.PositiveSmallIntegerField(_("block size"), choices=[(2, "2"), (4, "4")], default=4)
    # Generated with `secrets` when the design is created; never changed; shown only to administrators.
    seed = models.CharField(_("seed"), max_length=64, default=new_seed, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("trial design")
        verbose_name_plural = _("trial designs")

    def __str__(self):
        return f"{self.programme}: {self.get_kind_display()}"

    def clean(self):
        slots = self.programme_share * self.block_size
        if slots != slots.to_integral_value() or not 0 < slots < self.block_size:
            raise ValidationError(
                {"programme_share": _("The share times the block size must be a whole number of places in a block.")}
            )

    @property
    def is_lottery(self):
        return self.kind == self.Kind.LOTTERY


class LotteryDraw(models.Model):
    """One per enrolment drawn. Append-only: written by effect.actions.draw, never changed."""

    class Arm(models.TextChoices):
        PROGRAMME = lottery.PROGRAMME, _("Programme group")
        CONTROL = lottery.CONTROL, _("Control group")

    design = models.ForeignKey(TrialDesign, on_delete=models.PROTECT, related_name="draws", verbose_name=_("design"))
    enrolment = models.OneToOneField(
        "cases.Enrolment", on_delete=models.PROTECT, related_name="lottery_draw", verbose_name=_("enrolment")
    )
    stratum = models.CharField(_("stratum"), max_length=200)
    sequence = models.PositiveIntegerField(_("number in the stratum"))
    random_number = models.FloatField(_("random number"))
    arm = models.CharField(_("group"), max_length=20, choices=Arm.choices)
    drawn_at = models.DateTimeField(_("drawn"), auto_now_add=True)
    drawn_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("drawn by")
    )

    class Meta:
        ordering = ["design", "stratum", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["design", "stratum", "sequence"], name="effect_draw_sequence_once")
        ]
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")

    def __str__(self):
        return f"{self.stratum} #{self.sequence}: {self.get_arm_display()}"
