"""Events with registration and attendance: buddy trainings, buddy meetings, cluster (network) meetings,
speed-dating events, group courses with sessions and peer elements, and open counselling hours at the outreach
offices.

One mechanism for all of them: an Event (with EventSession rows for a group course or a series of open hours),
Registrations of participants (a citizen's case, a company contact or buddy, or a staff user), whose state
changes are kept as RegistrationChange rows (history is append-only), and attendance per participant (per session
for a course: SessionAttendance). Open counselling hours count drop-in visitors without personal data
(DropInCount); a visitor is named only with their consent (NamedVisit). A speed-dating event keeps its plan and
each conversation's outcome (SpeedDatingConversation); mutual interest is followed up as a match proposal.
Every write goes through outreach/actions.py (the speed-dating plan and outcomes through matching/speed_dating.py).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits


class EventKind(models.TextChoices):
    BUDDY_TRAINING = "buddy_training", _("Buddy training")
    BUDDY_MEETING = "buddy_meeting", _("Buddy meeting")
    CLUSTER_MEETING = "cluster_meeting", _("Cluster meeting")
    SPEED_DATING = "speed_dating", _("Speed dating")
    GROUP_COURSE = "group_course", _("Group course")
    OPEN_COUNSELLING = "open_counselling", _("Open counselling hours")


class Event(models.Model):
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="events", verbose_name=_("programme")
    )
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("site")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(
        _("places"), null=True, blank=True, validators=[MinValueValidator(1)], help_text=_("Empty: no limit.")
    )
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["programme", "kind", "starts_at"], name="event_programme_kind_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start")
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return f"{self.title} ({self.starts_at:%d.%m.%Y})"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The event must end after it starts.")})
        if self.site_id and self.programme_id and self.site.programme_id != self.programme_id:
            raise ValidationError({"site": _("The site must belong to the programme.")})

    @property
    def has_sessions(self):
        return self.kind in (EventKind.GROUP_COURSE, EventKind.OPEN_COUNSELLING)


class EventSession(models.Model):
    """One meeting of a group course (or one opening of a series of open counselling hours), with its own times;
    a session with peer elements says so and what they are."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    peer_element = models.BooleanField(_("peer elements"), default=False)
    peer_description = models.CharField(_("the peer elements"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_session_ends_after_start"
            )
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.event.title} {self.starts_at:%d.%m.%Y %H:%M}"


class RegistrationState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    """A participant registered for an event: a citizen (through their case), a company contact or buddy, or a
    staff user. Exactly one of the three."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event"))
    enrolment = models.ForeignKey(
        "cases.Enrolment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_registrations",
        verbose_name=_("citizen"),
    )
    contact = models.ForeignKey(
        "companies.CompanyContact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_registrations",
        verbose_name=_("company contact"),
    )
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_registrations",
        verbose_name=_("staff"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=RegistrationState.choices, default=RegistrationState.REGISTERED
    )
    registered_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("registered by")
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(enrolment__isnull=False, contact__isnull=True, user__isnull=True)
                    | models.Q(enrolment__isnull=True, contact__isnull=False, user__isnull=True)
                    | models.Q(enrolment__isnull=True, contact__isnull=True, user__isnull=False)
                ),
                name="registration_one_participant",
            ),
            models.UniqueConstraint(
                fields=["event", "enrolment"], condition=models.Q(enrolment__isnull=False), name="registration_citizen"
            ),
            models.UniqueConstraint(
                fields=["event", "contact"], condition=models.Q(contact__isnull=False), name="registration_contact"
            ),
            models.UniqueConstraint(
                fields=["event", "user"], condition=models.Q(user__isnull=False), name="registration_staff"
            ),
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self):
        return f"{self.event} · {self.participant_kind} {self.pk}"

    @property
    def participant_kind(self):
        if self.enrolment_id:
            return "citizen"
        if self.contact_id:
            return "contact"
        return "staff"


class RegistrationChange(models.Model):
    """The registration's state from this moment on: the history of registered → attended / no-show / cancelled."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="changes", verbose_name=_("registration")
    )
    state = models.CharField(_("state"), max_length=12, choices=RegistrationState.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("registration change")
        verbose_name_plural = _("registration changes")

    def __str__(self):
        return f"{self.registration_id} {self.state}"


class SessionAttendance(models.Model):
    """Whether a participant of a group course was at one session."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="session_attendance", verbose_name=_("registration")
    )
    session = models.ForeignKey(
        EventSession, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("session")
    )
    attended = models.BooleanField(_("attended"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "session"], name="session_attendance_once"),
        ]
        verbose_name = _("attendance at a session")
        verbose_name_plural = _("attendance at sessions")

    def __str__(self):
        return f"{self.registration_id} · {self.session_id}: {self.attended}"


class AgeBand(models.TextChoices):
    UNKNOWN = "", _("Not asked")
    UNDER_30 = "under_30", _("Under 30")
    FROM_30_TO_49 = "30_49", _("30–49")
    FROM_50 = "50_plus", _("50 or over")


class Referred(models.TextChoices):
    UNKNOWN = "", _("Not asked")
    YES = "yes", _("Referred to the programme")
    NO = "no", _("Not referred (yet)")


class DropInCount(models.Model):
    """A number of drop-in visitors at open counselling hours, counted without personal data: how many, and
    optionally their age band and whether they are referred to the programme."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="drop_ins", verbose_name=_("event"))
    session = models.ForeignKey(
        EventSession, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("session")
    )
    visitors = models.PositiveSmallIntegerField(_("visitors"), validators=[MinValueValidator(1)])
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, blank=True, default="")
    referred = models.CharField(_("referred"), max_length=3, choices=Referred.choices, blank=True, default="")
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("drop-in count")
        verbose_name_plural = _("drop-in counts")

    def __str__(self):
        return f"{self.event_id}: {self.visitors}"


class NamedVisit(models.Model):
    """A visitor at open counselling hours who agreed to be named; the consent is recorded with the visit. A
    visitor who is a citizen in the programme is linked to their case."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="named_visits", verbose_name=_("event"))
    session = models.ForeignKey(
        EventSession, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("session")
    )
    enrolment = models.ForeignKey(
        "cases.Enrolment", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("citizen")
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    consent_given = models.BooleanField(_("consents to being named"))
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["consent_recorded_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(consent_given=True), name="named_visit_consented")]
        verbose_name = _("named visit")
        verbose_name_plural = _("named visits")

    def __str__(self):
        return f"{self.event_id}: {self.name}"


class ConversationOutcome(models.TextChoices):
    PENDING = "", _("Not recorded")
    BOTH = "both", _("Both interested")
    COMPANY_ONLY = "company_only", _("Company interested only")
    CITIZEN_ONLY = "citizen_only", _("Citizen interested only")
    NO = "no", _("No interest")


class SpeedDatingConversation(models.Model):
    """One conversation in the saved plan of a speed-dating event (a round, a citizen, a company) and its outcome.
    Mutual interest is followed up as a match proposal (matching/actions.py propose_match)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("event"))
    round = models.PositiveSmallIntegerField(_("round"))
    enrolment = models.ForeignKey(
        "cases.Enrolment", on_delete=models.CASCADE, related_name="+", verbose_name=_("citizen")
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=ConversationOutcome.choices, blank=True, default="")
    proposal = models.ForeignKey(
        "matching.MatchProposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("match proposal"),
    )

    class Meta:
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "enrolment", "company"], name="conversation_pair_once"),
            models.UniqueConstraint(fields=["event", "round", "enrolment"], name="conversation_citizen_per_round"),
            models.UniqueConstraint(fields=["event", "round", "company"], name="conversation_company_per_round"),
        ]
        verbose_name = _("speed-dating conversation")
        verbose_name_plural = _("speed-dating conversations")

    def __str__(self):
        return f"{self.event_id} r{self.round}: {self.enrolment_id} × {self.company_id}"
