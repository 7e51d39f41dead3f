"""The trial design of a programme and the lottery's draws (docs/effect.md "Trial design and the lottery")."""

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
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


class ProjectKey(models.Model):
    """A citizen's pseudonym in a programme's evaluation: the key Statistics Denmark links on and returns instead
    of the CPR number. Encrypted like a CPR number (Fernet token) with an HMAC digest for look-up, so the key
    table on disk links nobody to a key. Written only by effect.actions.issue_project_keys."""

    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="project_keys", verbose_name=_("programme")
    )
    citizen = models.ForeignKey(
        "people.Citizen", on_delete=models.PROTECT, related_name="project_keys", verbose_name=_("citizen")
    )
    key_token = models.CharField(_("project key (encrypted)"), max_length=300)
    key_digest = models.CharField(_("project key (look-up digest)"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "citizen"], name="effect_one_key_per_citizen"),
            models.UniqueConstraint(fields=["programme", "key_digest"], name="effect_key_unique"),
        ]
        verbose_name = _("project key")
        verbose_name_plural = _("project keys")

    def __str__(self):
        return f"{_('Project key')} {self.pk}"


class BenefitMapping(models.Model):
    """A version of the mapping from register benefit codes to categories. Versions are never changed: a changed
    mapping is a new version, and each effect run records the version it used."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    source = models.TextField(
        _("source"),
        max_length=textlimits.NOTE,
        validators=textlimits.text_validators(textlimits.NOTE),
        help_text=_("Where the codes and their meaning come from."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("benefit code mapping")
        verbose_name_plural = _("benefit code mappings")

    def __str__(self):
        return f"{_('Benefit code mapping')} {self.version}"


class BenefitCode(models.Model):
    """One code of a mapping version and the category it counts in (jobbro/effect/categories.py)."""

    mapping = models.ForeignKey(BenefitMapping, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("benefit code"), max_length=10)
    category = models.CharField(_("category"), max_length=40)
    label = models.CharField(_("meaning"), max_length=200, blank=True)

    class Meta:
        ordering = ["mapping", "code"]
        constraints = [models.UniqueConstraint(fields=["mapping", "code"], name="effect_code_once_per_mapping")]
        verbose_name = _("benefit code")
        verbose_name_plural = _("benefit codes")

    def __str__(self):
        return f"{self.code}: {self.category}"


class RegisterImport(models.Model):
    """One register file imported into a programme's panels (persons, weekly status or monthly hours), queued by
    a page or a command and run by the task worker. All or nothing: a failed import changes no panel."""

    class Kind(models.TextChoices):
        PERSONS = "persons", _("Persons (background)")
        STATUS = "status", _("Weekly benefit status (DREAM)")
        HOURS = "hours", _("Monthly paid hours (income register)")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="register_imports", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    rows = models.PositiveBigIntegerField(_("rows"), null=True, blank=True)
    persons = models.PositiveIntegerField(_("persons"), null=True, blank=True)
    generation = models.CharField(_("panel generation"), max_length=64, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file_name}"


class EffectRun(models.Model):
    """One computation of a programme's effect analysis as of a date, run by the task worker. The result is the
    analysis's JSON (jobbro/effect/analysis.py, `Result.to_json`), already disclosure-controlled; the report
    pages and exports render it and never read the panels themselves."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="effect_runs", verbose_name=_("programme")
    )
    as_of = models.DateField(_("as of"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    design_kind = models.CharField(_("trial design"), max_length=30, choices=TrialDesign.Kind.choices)
    generation = models.CharField(_("panel generation"), max_length=64, blank=True)
    mapping = models.ForeignKey(
        BenefitMapping, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("mapping")
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(
        _("error"), blank=True, max_length=textlimits.NOTE, validators=textlimits.text_validators(textlimits.NOTE)
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("effect analysis")
        verbose_name_plural = _("effect analyses")

    def __str__(self):
        return f"{self.programme}: {self.as_of}"
