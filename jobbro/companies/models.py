"""The company network: companies, agreements, contacts and buddies, small jobs, institutions and courses."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError

from jobbro import codes, numbers, textlimits
from jobbro.weekly_hours import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS, WEEKLY_HOURS_VALIDATORS


def validate_cvr(value):
    try:
        stdnum_cvr.validate(value)
    except StdnumError:
        raise ValidationError(_("A CVR number has 8 digits and a valid check digit.")) from None


class Company(models.Model):
    class Kind(models.TextChoices):
        PRIVATE = "private", _("Private")
        PUBLIC = "public", _("Public")
        SOCIAL_ECONOMIC = "social_economic", _("Social-economic enterprise")
        HOUSING_ORGANISATION = "housing", _("Housing organisation")
        NON_PROFIT = "non_profit", _("Non-profit")

    cvr = models.CharField(_("CVR number"), max_length=8, unique=True, validators=[validate_cvr])
    name = models.CharField(_("name"), max_length=200)
    industry_code = models.CharField(_("industry (DB07)"), max_length=6, validators=[codes.validate_industry_code])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True, validators=[numbers.POSTCODE])
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name

    @property
    def industry_title(self):
        return codes.industry_title(self.industry_code)

    @property
    def is_social_economic(self):
        return self.kind == self.Kind.SOCIAL_ECONOMIC


def agreement_running_on(on, prefix=""):
    """A network agreement in force on the date, as a Q: signed on or before it and not ended on or before it (an end
    date is the first day it no longer holds, as for placements and courses). `prefix` is the path to the agreement,
    e.g. "agreements__": keep the whole Q in one filter() so both halves speak of the same agreement."""
    return models.Q(**{f"{prefix}signed_on__lte": on}) & (
        models.Q(**{f"{prefix}ended_on__isnull": True}) | models.Q(**{f"{prefix}ended_on__gt": on})
    )


class NetworkAgreement(models.Model):
    """A signed agreement putting a company in a programme's cluster network (klyngenetværk)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("company"))
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.CASCADE, related_name="agreements", verbose_name=_("programme")
    )
    signed_on = models.DateField(_("signed on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    commitments = models.TextField(
        _("what the company committed to"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )

    class Meta:
        ordering = ["signed_on"]
        verbose_name = _("network agreement")
        verbose_name_plural = _("network agreements")

    def __str__(self):
        return f"{self.company} · {self.programme} ({self.signed_on:%d.%m.%Y})"

    def clean(self):
        if self.ended_on and self.ended_on < self.signed_on:
            raise ValidationError({"ended_on": _("The end date must be on or after the start date.")})


class CompanyContact(models.Model):
    """A contact person in a company; a buddy introduces and includes the citizen at work."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_buddy = models.BooleanField(_("buddy"), default=False)
    buddy_trained_on = models.DateField(_("buddy training taken on"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company contact")
        verbose_name_plural = _("company contacts")

    def __str__(self):
        return f"{self.name} ({self.company})"


class Weekday(models.TextChoices):
    MONDAY = "mon", _("Monday")
    TUESDAY = "tue", _("Tuesday")
    WEDNESDAY = "wed", _("Wednesday")
    THURSDAY = "thu", _("Thursday")
    FRIDAY = "fri", _("Friday")
    SATURDAY = "sat", _("Saturday")
    SUNDAY = "sun", _("Sunday")


class Requirement(models.TextChoices):
    """What a job's tasks involve; restrictions are matched against these."""

    HEAVY_LIFTING = "heavy_lifting", _("Heavy lifting")
    VACUUMING = "vacuuming", _("Vacuuming")
    LONG_STANDING = "long_standing", _("Standing for long")
    HANDLES_PORK = "handles_pork", _("Handling pork")
    HANDLES_ALCOHOL = "handles_alcohol", _("Handling alcohol")
    EVENING_WORK = "evening_work", _("Evening work")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    HYGIENE_CERTIFICATE = "hygiene_certificate", _("Hygiene certificate")


class OpeningQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Opening.Status.OPEN)


class Opening(models.Model):
    """An open small job (småjob) or other opening a network company offers."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FILLED = "filled", _("Filled")
        CLOSED = "closed", _("Closed")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="openings", verbose_name=_("company"))
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.CASCADE, related_name="openings", verbose_name=_("programme")
    )
    external_id = models.CharField(_("external id"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    occupation_code = models.CharField(
        _("occupation (DISCO-08)"), max_length=6, blank=True, validators=[codes.validate_occupation_code]
    )
    tasks = models.TextField(
        _("tasks"), max_length=textlimits.SHORT_TEXT, validators=textlimits.text_validators(textlimits.SHORT_TEXT)
    )
    weekly_hours = models.DecimalField(
        _("hours a week"), max_digits=4, decimal_places=1, validators=WEEKLY_HOURS_VALIDATORS
    )
    days = models.JSONField(_("days"), default=list, blank=True)
    requirements = models.JSONField(_("requirements"), default=list, blank=True)
    danish_level_required = models.PositiveSmallIntegerField(
        _("Danish level required (1-5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    buddy = models.ForeignKey(
        CompanyContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("buddy")
    )
    capacity = models.PositiveSmallIntegerField(_("places"), default=1, validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    posted_on = models.DateField(_("posted on"))
    filled_on = models.DateField(_("filled on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = OpeningQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "external_id"],
                condition=~models.Q(external_id=""),
                name="opening_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(weekly_hours__gte=MIN_WEEKLY_HOURS, weekly_hours__lte=MAX_WEEKLY_HOURS),
                name="opening_hours_0_to_60",
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"])]
        verbose_name = _("opening")
        verbose_name_plural = _("openings (small jobs)")

    def __str__(self):
        return f"{self.title} – {self.company}"

    def day_labels(self):
        labels = dict(Weekday.choices)
        return [labels.get(day, day) for day in self.days]

    def requirement_labels(self):
        labels = dict(Requirement.choices)
        return [labels.get(req, req) for req in self.requirements]


class KnowledgeInstitution(models.Model):
    class Kind(models.TextChoices):
        LANGUAGE_SCHOOL = "language_school", _("Language school")
        VOCATIONAL_COLLEGE = "vocational_college", _("Vocational college")
        ADULT_EDUCATION = "adult_education", _("Adult education centre (VUC/AMU)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("knowledge institution")
        verbose_name_plural = _("knowledge institutions")

    def __str__(self):
        return self.name


class Course(models.Model):
    class Subject(models.TextChoices):
        LANGUAGE = "language", _("Danish language")
        HYGIENE = "hygiene", _("Hygiene")
        CLEANING = "cleaning", _("Cleaning")
        FORKLIFT = "forklift", _("Forklift")
        KITCHEN = "kitchen", _("Kitchen")
        CARE = "care", _("Care")
        IT = "it", _("IT")
        OTHER = "other", _("Other")

    institution = models.ForeignKey(
        KnowledgeInstitution, on_delete=models.CASCADE, related_name="courses", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    duration_days = models.PositiveSmallIntegerField(_("duration (days)"))
    cost_dkk = models.DecimalField(_("cost (DKK)"), max_digits=9, decimal_places=2, default=0)
    alongside_work = models.BooleanField(_("can run alongside work"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self):
        return f"{self.name} ({self.institution})"


class CompanyActivity(models.Model):
    """A visit, call, agreement or follow-up with a company or its contact persons, with or without citizens.

    The company's activity log. It counts towards the company page's "last contact" and "who is in contact"
    (reporting/track_record.py). A note on an activity that names citizens is free text about them, a case note:
    it is shown only to those who may read notes (`note_visible_to`)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Call")
        AGREEMENT = "agreement", _("Agreement")
        FOLLOW_UP = "follow_up", _("Follow-up")
        OTHER = "other", _("Other")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="activities", verbose_name=_("company"))
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.CASCADE, related_name="company_activities", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    contacts = models.ManyToManyField(
        CompanyContact, blank=True, related_name="activities", verbose_name=_("contact persons")
    )
    citizens = models.ManyToManyField(
        "people.Citizen",
        blank=True,
        through="CompanyActivityCitizen",
        related_name="company_activities",
        verbose_name=_("citizens involved"),
    )
    staff = models.ManyToManyField(
        "accounts.User", blank=True, related_name="company_activities", verbose_name=_("staff who took part")
    )
    note = models.TextField(
        _("note"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["company", "programme", "occurred_on"], name="company_activity_on")]
        verbose_name = _("company activity")
        verbose_name_plural = _("company activities")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.company} ({self.occurred_on:%d.%m.%Y})"


class CompanyActivityCitizen(models.Model):
    """A citizen involved in a company activity."""

    activity = models.ForeignKey(CompanyActivity, on_delete=models.CASCADE, related_name="+")
    citizen = models.ForeignKey("people.Citizen", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "citizen"], name="company_activity_citizen_once"),
        ]
        verbose_name = _("citizen in a company activity")
        verbose_name_plural = _("citizens in company activities")

    def __str__(self):
        return f"{self.activity_id} · {self.citizen_id}"
