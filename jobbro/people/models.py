"""The citizen: identity (CPR, encrypted), contact, background, and step-1 material.

Everything that changes over time is a row with a date (job goals, restrictions,
competence assessments, efforts) so a report can be computed as of any date.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobbro import codes, numbers, textlimits
from jobbro.accounts import access
from jobbro.accounts.models import TargetGroup
from jobbro.people import cpr


class TrafficLight(models.TextChoices):
    GREEN = "green", _("Green – close to paid hours")
    YELLOW = "yellow", _("Yellow – some way to go")
    RED = "red", _("Red – far from paid hours")


class BenefitType(models.TextChoices):
    CASH_BENEFIT = "kontanthjaelp", _("Cash benefit (kontanthjælp)")
    EDUCATION_BENEFIT = "uddannelseshjaelp", _("Education benefit (uddannelseshjælp)")
    INTEGRATION_BENEFIT = "integrationsydelse", _("Integration benefit (integrationsydelse)")
    RESOURCE_COURSE = "ressourceforloebsydelse", _("Resource course benefit (ressourceforløbsydelse)")
    FLEX_JOB_UNEMPLOYMENT = "ledighedsydelse", _("Flex-job unemployment benefit (ledighedsydelse)")
    SICKNESS_BENEFIT = "sygedagpenge", _("Sickness benefit (sygedagpenge)")


class OriginGroup(models.TextChoices):
    DANISH = "danish", _("Danish origin")
    WESTERN = "western", _("Western origin")
    NON_WESTERN = "non_western", _("Non-Western origin")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


def _every_enrolment():
    """All enrolments. They are the cases layer's (above this one), reached through the relation cases.Enrolment
    declares to the citizen rather than imported: a citizen is in a user's scope when one of their enrolments is."""
    return Citizen.enrolments.rel.related_model.objects.all()


class CitizenQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The citizens with an enrolment in the user's scope (accounts/access.py); all of them for an administrator."""
        if access.sees_everything(user):
            return self
        return self.filter(pk__in=access.scope_enrolments(_every_enrolment(), user).values("citizen_id"))

    def each_visible_to(self, user):
        """The same citizens, asked of each one (EXISTS an enrolment in scope by the enrolments' citizen index):
        for one citizen, rather than listing every enrolment in scope and looking the citizen up in that list."""
        if access.sees_everything(user):
            return self
        in_scope = access.scope_enrolments(_every_enrolment().filter(citizen_id=OuterRef("pk")), user)
        return self.filter(Exists(in_scope))


class Citizen(models.Model):
    # The CPR number itself is only ever stored encrypted; see people/cpr.py.
    cpr_encrypted = models.TextField(
        _("CPR number (encrypted)"), editable=False, max_length=1000
    )  # a Fernet token: about 140
    cpr_hash = models.CharField(_("CPR look-up hash"), max_length=64, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True, validators=[numbers.POSTCODE])
    city = models.CharField(_("city"), max_length=100, blank=True)
    origin_group = models.CharField(_("origin"), max_length=20, choices=OriginGroup.choices, blank=True)
    benefit_type = models.CharField(_("benefit type"), max_length=30, choices=BenefitType.choices, blank=True)
    housing_area = models.CharField(_("housing area"), max_length=120, blank=True)
    lives_in_vulnerable_housing_area = models.BooleanField(_("lives in a vulnerable housing area"), default=False)
    has_social_free_card = models.BooleanField(_("holds the social free card"), default=False)
    match_category = models.PositiveSmallIntegerField(
        _("match category (older grading 1-4)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    target_groups = models.ManyToManyField(TargetGroup, blank=True, verbose_name=_("target groups"))
    # Current value; every change is also a dated TrafficLightChange row.
    traffic_light = models.CharField(_("traffic light"), max_length=10, choices=TrafficLight.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CitizenQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def masked_cpr(self):
        return cpr.mask()

    @property
    def is_erased(self):
        """Whether the citizen's data was erased (jobbro/privacy): the CPR values are random and marked, the names a
        pseudonym; the row stays for the reports' counts."""
        return cpr.is_erased(self.cpr_hash)

    def reveal_cpr(self):
        """Decrypt the CPR number. Call only through people.actions.reveal_cpr, which logs it."""
        return cpr.decrypt(self.cpr_encrypted)


class TrafficLightChange(models.Model):
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="traffic_light_changes")
    light = models.CharField(_("traffic light"), max_length=10, choices=TrafficLight.choices)
    changed_on = models.DateField(_("date"))
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["changed_on", "id"]
        verbose_name = _("traffic light change")
        verbose_name_plural = _("traffic light changes")

    def __str__(self):
        return f"{self.get_light_display()} ({self.changed_on:%d.%m.%Y})"


class ConsentKind(models.TextChoices):
    DATA_SHARING = "data_sharing", _("Sharing data with companies in the network")
    EVALUATION = "evaluation", _("Pseudonymised data for the evaluation")
    CONTACT_WITH_TREATMENT = "treatment_contact", _("Contact with treatment and support services")


class ConsentManner(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral")
    DIGITAL = "digital", _("Digital")


# A journal or document number: letters, digits and - . / _ and spaces, no sentences.
DOCUMENT_REFERENCE = RegexValidator(
    r"^[0-9A-Za-zÆØÅæøå][0-9A-Za-zÆØÅæøå ./_-]*\Z",
    _("Write a journal or document number (letters, digits, - . / _), not a note."),
    code="document_reference",
)


def consent_in_force_on(kind, on, citizen="pk"):
    """The one rule for "the citizen has consent of this kind on this date", as an expression to filter on.

    The citizen is the field `citizen` of the filtered queryset (the primary key on citizens, e.g.
    "enrolment__citizen_id" on placements). The consent holds when the newest row of the kind dated on or before `on`
    (the later recorded one among rows of the same date) is a consent given; a withdrawal dated later does not reach
    back, and with no row at all the citizen was never asked. people/consent.py asks it of one citizen."""
    newest = (
        Consent.objects.filter(citizen_id=OuterRef(citizen), kind=kind, on__lte=on)
        .order_by("-on", "-pk")
        .values("given")[:1]
    )
    return Exact(Subquery(newest, output_field=models.BooleanField()), True)


class Consent(models.Model):
    """A citizen's consent, or its withdrawal, on a date: rows are history, never edited or deleted. The newest row
    of a kind on a date holds (consent_in_force_on); a consent given again after a withdrawal is a new row."""

    Kind = ConsentKind
    Manner = ConsentManner

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent"), max_length=30, choices=Kind.choices)
    given = models.BooleanField(_("consents"), default=True)
    on = models.DateField(_("date"))
    # Blank only on the rows kept from before the history (migration 0005): how they were given was not recorded.
    manner = models.CharField(_("given how"), max_length=10, choices=Manner.choices, blank=True)
    # Where the signed form or the record of an oral consent is filed (a journal number), never a note.
    reference = models.CharField(_("document reference"), max_length=40, blank=True, validators=[DOCUMENT_REFERENCE])
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["citizen", "kind", "on"], name="consent_by_date")]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        word = _("given") if self.given else _("withdrawn")
        return f"{self.get_kind_display()}: {word} ({self.on:%d.%m.%Y})"


class JobGoal(models.Model):
    """A job wish or goal; an adjustment closes the old row and adds a new one, keeping the history."""

    class Kind(models.TextChoices):
        WISH = "wish", _("Job wish")
        GOAL = "goal", _("Job goal")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="job_goals")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GOAL)
    occupation_code = models.CharField(
        _("occupation (DISCO-08)"), max_length=6, blank=True, validators=[codes.validate_occupation_code]
    )
    text = models.CharField(_("in the citizen's words"), max_length=300)
    set_on = models.DateField(_("set on"))
    replaced_on = models.DateField(_("replaced on"), null=True, blank=True)

    class Meta:
        ordering = ["set_on", "id"]
        # Fidelity asks, per citizen, whether a job goal was set by a date.
        indexes = [models.Index(fields=["citizen", "kind", "set_on"], name="job_goal_by_date")]
        verbose_name = _("job goal")
        verbose_name_plural = _("job goals")

    def __str__(self):
        return self.text

    @property
    def occupation_title(self):
        return codes.occupation_title(self.occupation_code) if self.occupation_code else ""


class Restriction(models.Model):
    """A restriction or accommodation (skånehensyn): a structured tag plus the citizen's own account."""

    class Tag(models.TextChoices):
        NO_HEAVY_LIFTING = "no_heavy_lifting", _("No heavy lifting")
        NO_VACUUMING = "no_vacuuming", _("No vacuuming")
        NO_LONG_STANDING = "no_long_standing", _("Cannot stand for long")
        NO_PORK = "no_pork", _("Will not handle pork")
        NO_ALCOHOL = "no_alcohol", _("Will not handle alcohol")
        SCHOOL_HOURS_ONLY = "school_hours_only", _("Hours only while children are at school")
        NO_EVENINGS = "no_evenings", _("No evening or night work")
        LIMITED_HOURS = "limited_hours", _("Limited hours a week")
        NEEDS_QUIET = "needs_quiet", _("Needs a quiet workplace")
        OTHER = "other", _("Other")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="restrictions")
    tag = models.CharField(_("restriction"), max_length=30, choices=Tag.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    recorded_on = models.DateField(_("recorded on"))
    ended_on = models.DateField(_("no longer applies from"), null=True, blank=True)

    class Meta:
        ordering = ["recorded_on", "id"]
        verbose_name = _("restriction")
        verbose_name_plural = _("restrictions")

    def __str__(self):
        return self.get_tag_display()


class CVEntry(models.Model):
    """One line of the CV the job broker and the citizen write together."""

    class Kind(models.TextChoices):
        WORK = "work", _("Work experience")
        INTERNSHIP = "internship", _("Internship")
        EDUCATION = "education", _("Education")
        COURSE = "course", _("Course")
        LANGUAGE = "language", _("Language")
        SKILL = "skill", _("Skill")
        VOLUNTEER = "volunteer", _("Volunteer work")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="cv_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    organisation = models.CharField(_("place"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    description = models.TextField(
        _("description"), blank=True, max_length=textlimits.NOTE, validators=textlimits.text_validators(textlimits.NOTE)
    )
    recorded_on = models.DateField(_("written on"))

    class Meta:
        ordering = ["-starts_on", "id"]
        # The reports ask, per citizen, whether the CV was written within a period.
        indexes = [models.Index(fields=["citizen", "recorded_on"], name="cv_entry_by_date")]
        verbose_name = _("CV entry")
        verbose_name_plural = _("CV entries")

    def __str__(self):
        return self.title


class CompetenceAssessment(models.Model):
    """A line of the competence card (kompetencekort), possibly assessed together with a company."""

    class Area(models.TextChoices):
        PROFESSIONAL = "professional", _("Professional")
        SOCIAL = "social", _("Social")
        PERSONAL = "personal", _("Personal")
        DANISH = "danish", _("Danish language")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="competences")
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    level = models.PositiveSmallIntegerField(_("level (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    co_assessor = models.ForeignKey(
        "companies.Company", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("assessed with company")
    )

    class Meta:
        ordering = ["assessed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="competence_level_1_to_5")
        ]
        verbose_name = _("competence assessment")
        verbose_name_plural = _("competence card")

    def __str__(self):
        return f"{self.get_area_display()}: {self.level}"


class ParallelEffort(models.Model):
    """Support outside employment running alongside (health, abuse or family treatment, debt, housing)."""

    class Kind(models.TextChoices):
        HEALTH = "health", _("Health treatment")
        PSYCHIATRIC = "psychiatric", _("Psychiatric treatment")
        SUBSTANCE_ABUSE = "substance_abuse", _("Substance-abuse treatment")
        FAMILY = "family", _("Family treatment")
        HOUSING_SUPPORT = "housing_support", _("Housing support")
        DEBT_COUNSELLING = "debt_counselling", _("Debt counselling")
        OTHER = "other", _("Other")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="parallel_efforts")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("parallel effort")
        verbose_name_plural = _("parallel efforts")

    def __str__(self):
        return self.get_kind_display()
