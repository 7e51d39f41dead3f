"""Staff users, their role, and the programmes and sites they work in."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jobbro import textlimits
from jobbro.accounts import thresholds


class Role(models.TextChoices):
    JOB_BROKER = "job_broker", _("Job broker")
    CASEWORKER = "caseworker", _("Caseworker")
    MENTOR = "mentor", _("Mentor")
    COORDINATOR = "coordinator", _("Coordinator")
    MANAGER = "manager", _("Manager")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.JOB_BROKER)

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __str__(self):
        return self.get_full_name() or self.username


class TargetGroup(models.Model):
    """A target group (målgruppe) a programme works with, e.g. young people under 30."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")

    def __str__(self):
        return self.name


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(
        _("description"), blank=True, max_length=textlimits.NOTE, validators=textlimits.text_validators(textlimits.NOTE)
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    target_groups = models.ManyToManyField(TargetGroup, blank=True, verbose_name=_("target groups"))
    # Thresholds and switches later features read (e.g. days without contact); defaults live in code.
    settings = models.JSONField(_("settings"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self):
        return self.name

    def clean(self):
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date must be on or after the start date.")})
        thresholds.validate_settings(self.settings)


class Site(models.Model):
    """A municipality or an outreach office taking part in a programme."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        OUTREACH_OFFICE = "outreach_office", _("Outreach office")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="sites", verbose_name=_("programme")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY)
    municipality_code = models.CharField(
        _("municipality code"),
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{3}$", _("A municipality code has 3 digits."))],
    )

    class Meta:
        ordering = ["programme", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="site_unique_name_in_programme")]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A staff user works in a programme, at one site or (site empty) at all its sites."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("programme")
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("site")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "programme", "site"], name="membership_unique")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} · {self.site or self.programme}"

    def clean(self):
        if self.site_id and self.site.programme_id != self.programme_id:
            raise ValidationError({"site": _("The site must belong to the programme.")})


def share_goal_error(kind, metric, target, social_economic_target):
    """What a percent goal may not be, as (field, message), or None: its target is a percent, its result is one a
    part of the denominator reaches (the referred are all referred), and it has no social-economic part."""
    if kind not in ResultGoal.SHARE_KINDS:
        return None
    if target is not None and target > 100:
        return "target", _("A percent target is at most 100.")
    if metric == ResultGoal.Metric.REFERRED:
        return "metric", _("A percent goal is for matched and started or for employed.")
    if social_economic_target is not None:
        return "social_economic_target", _("A percent goal has no social-economic part: leave it empty.")
    return None


class ResultGoal(models.Model):
    """A result goal with a target by a deadline; several rows per metric give interim targets.

    A goal is the programme's, or one site's, or one target group's, or a site's for a target group (site and
    target group both optional). A count goal's target is a number of citizens; a share goal's target is a percent
    of a denominator: of those referred (start form filled) or of those receiving active effort on the day, so a
    funder's payment criterion ("at least 40 % of the target group in ordinary hours") is a goal like the others,
    marked by `payment_criterion`. The figures are counted in jobbro/reporting/result_goals.py."""

    class Metric(models.TextChoices):
        REFERRED = "referred", _("Referred (start form filled)")
        MATCHED_AND_STARTED = "matched_and_started", _("Matched and started (placement started)")
        EMPLOYED = "employed", _("Employed (ordinary paid hours)")

    class Kind(models.TextChoices):
        COUNT = "count", _("Number of citizens")
        SHARE_OF_REFERRED = "share_of_referred", _("Percent of those referred")
        # Its own Danish words, without a comma: the import's messages list the choices separated by commas.
        SHARE_OF_ACTIVE = (
            "share_of_active",
            pgettext_lazy("result goal kind", "Percent of those receiving active effort"),
        )

    SHARE_KINDS = (Kind.SHARE_OF_REFERRED, Kind.SHARE_OF_ACTIVE)

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="result_goals", verbose_name=_("programme")
    )
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    kind = models.CharField(_("kind of goal"), max_length=20, choices=Kind.choices, default=Kind.COUNT)
    target = models.PositiveIntegerField(_("target"))
    deadline = models.DateField(_("deadline"))
    social_economic_target = models.PositiveIntegerField(
        _("of which in social-economic companies"), null=True, blank=True
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="result_goals",
        verbose_name=_("site"),
        help_text=_("Empty: the whole programme."),
    )
    target_group = models.ForeignKey(
        TargetGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="result_goals",
        verbose_name=_("target group"),
        help_text=_("Empty: every citizen, whatever their target group."),
    )
    payment_criterion = models.BooleanField(
        _("payment criterion"),
        default=False,
        help_text=_("The funder pays by this goal (betalingskriterium); it is shown first."),
    )

    class Meta:
        ordering = ["programme", "metric", "deadline"]
        constraints = [
            # Site and target group may be empty (the whole programme, every target group): NULLs never clash in
            # a plain unique index, so the index is on them with empty read as 0.
            models.UniqueConstraint(
                "programme",
                "metric",
                "kind",
                "deadline",
                Coalesce("site", 0),
                Coalesce("target_group", 0),
                name="result_goal_unique_deadline_in_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(social_economic_target__isnull=True)
                | models.Q(social_economic_target__lte=models.F("target")),
                name="result_goal_social_economic_within_target",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="count")
                | (models.Q(target__lte=100) & models.Q(social_economic_target__isnull=True)),
                name="result_goal_share_is_a_percent",
            ),
        ]
        verbose_name = _("result goal")
        verbose_name_plural = _("result goals")

    def __str__(self):
        target = f"{self.target} %" if self.is_share else str(self.target)
        return f"{self.get_metric_display()}: {target} ({self.deadline:%d.%m.%Y})"

    @property
    def is_share(self):
        return self.kind in self.SHARE_KINDS

    @property
    def is_programme_wide(self):
        return self.site_id is None and self.target_group_id is None

    def clean(self):
        if self.site_id and self.programme_id and self.site.programme_id != self.programme_id:
            raise ValidationError({"site": _("The site must belong to the programme.")})
        if found := share_goal_error(self.kind, self.metric, self.target, self.social_economic_target):
            raise ValidationError({found[0]: found[1]})
