"""Meetings with a time, a place and participants: match meetings, coffee visits, three-month talks, follow-ups.

A meeting is booked by a staff member for a citizen (through the citizen's enrolment), a company, or both; it may
belong to a match proposal or a placement. Its current state is kept on the row (planned, held, cancelled, no-show)
and every step is also a MeetingEvent row (scheduled, moved, held, cancelled, no-show), written by the actions in
meetings/actions.py in the same transaction, so the history is never overwritten and the counts can be made as of
any date.

`uid` is the meeting's iCalendar UID and never changes; `sequence` grows by one with every change sent to the
participants (a move, a cancellation), so calendar programs replace the earlier version of the invitation.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits


class MeetingKind(models.TextChoices):
    MATCH_MEETING = "match_meeting", _("Match meeting")
    COFFEE_VISIT = "coffee_visit", _("Coffee visit")
    THREE_MONTH_TALK = "three_month_talk", _("Three-month talk")
    FOLLOW_UP = "follow_up", _("Follow-up")


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class NoShowBy(models.TextChoices):
    CITIZEN = "citizen", _("The citizen")
    COMPANY = "company", _("The company")
    BOTH = "both", _("The citizen and the company")


class CancelledBy(models.TextChoices):
    CITIZEN = "citizen", _("The citizen")
    COMPANY = "company", _("The company")
    JOB_CENTRE = "job_centre", _("The job centre")


class CancelReason(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    TIME_DOES_NOT_FIT = "time_does_not_fit", _("The time does not fit")
    NO_LONGER_RELEVANT = "no_longer_relevant", _("No longer relevant")
    OTHER = "other", _("Other")


class PlaceKind(models.TextChoices):
    ADDRESS = "address", _("At an address")
    ONLINE = "online", _("Online")


class MeetingQuerySet(models.QuerySet):
    def upcoming(self, now):
        return self.filter(state=MeetingState.PLANNED, ends_at__gte=now).order_by("starts_at", "id")


class Meeting(models.Model):
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("site")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place_kind = models.CharField(_("place"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.ADDRESS)
    address = models.CharField(_("address"), max_length=200, blank=True)
    online_link = models.URLField(_("link to the online meeting"), max_length=500, blank=True)
    enrolment = models.ForeignKey(
        "cases.Enrolment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("citizen's enrolment"),
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("company"),
    )
    placement = models.ForeignKey(
        "cases.Placement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("placement"),
    )
    match = models.ForeignKey(
        "matching.MatchProposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("match"),
    )
    # Current values; every change is also a MeetingEvent row.
    state = models.CharField(_("state"), max_length=10, choices=MeetingState.choices, default=MeetingState.PLANNED)
    no_show_by = models.CharField(_("who did not show"), max_length=10, choices=NoShowBy.choices, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=12, choices=CancelledBy.choices, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=20, choices=CancelReason.choices, blank=True)
    # An internal note for staff: never in an invitation.
    note = models.TextField(
        _("internal note"),
        blank=True,
        max_length=textlimits.SHORT_TEXT,
        validators=textlimits.text_validators(textlimits.SHORT_TEXT),
    )
    uid = models.CharField(_("calendar id"), max_length=80, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("version sent"), default=0)
    organizer = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after"),
            models.CheckConstraint(
                condition=models.Q(enrolment__isnull=False) | models.Q(company__isnull=False),
                name="meeting_has_citizen_or_company",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="no_show") | ~models.Q(no_show_by=""), name="meeting_no_show_says_who"
            ),
        ]
        indexes = [models.Index(fields=["state", "starts_at"]), models.Index(fields=["programme", "starts_at"])]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.starts_at:%d.%m.%Y %H:%M})"

    def save(self, *args, **kwargs):
        if not self.uid:
            self.uid = f"{uuid.uuid4()}@jobbro"
        super().save(*args, **kwargs)

    @property
    def citizen(self):
        return self.enrolment.citizen if self.enrolment_id else None

    @property
    def place(self):
        """The place as one line: the address, or "online" and the link."""
        if self.place_kind == PlaceKind.ONLINE:
            return f"Online: {self.online_link}" if self.online_link else "Online"
        return self.address

    @property
    def is_planned(self):
        return self.state == MeetingState.PLANNED


class MeetingEvent(models.Model):
    """One step in a meeting's history: what happened, the state after it, the time and place as then."""

    class What(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Held")
        NO_SHOW = "no_show", _("No-show")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="events")
    what = models.CharField(_("what"), max_length=10, choices=What.choices)
    state = models.CharField(_("state"), max_length=10, choices=MeetingState.choices)
    sequence = models.PositiveIntegerField(_("version sent"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=720, blank=True)
    detail = models.CharField(_("detail"), max_length=40, blank=True)  # who did not show / who cancelled and why
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")

    def __str__(self):
        return f"{self.get_what_display()} ({self.at:%d.%m.%Y %H:%M})"


class ParticipantRole(models.TextChoices):
    STAFF = "staff", _("Staff member")
    COMPANY_CONTACT = "company_contact", _("Company contact")
    CITIZEN = "citizen", _("Citizen")


class Response(models.TextChoices):
    NEEDS_ACTION = "needs_action", _("Not answered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TENTATIVE = "tentative", _("Maybe")


class MeetingParticipant(models.Model):
    """Someone invited: a staff member, a company contact or buddy, or the meeting's citizen, with the e-mail address
    and phone number used for the invitation (as they were when it was sent)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("staff")
    )
    company_contact = models.ForeignKey(
        "companies.CompanyContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company contact"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    response = models.CharField(_("response"), max_length=15, choices=Response.choices, default=Response.NEEDS_ACTION)

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="staff", user__isnull=False, company_contact__isnull=True)
                    | models.Q(role="company_contact", user__isnull=True, company_contact__isnull=False)
                    | models.Q(role="citizen", user__isnull=True, company_contact__isnull=True)
                ),
                name="meeting_participant_is_one_person",
            ),
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_participant_staff_once"),
            models.UniqueConstraint(fields=["meeting", "company_contact"], name="meeting_participant_contact_once"),
        ]
        verbose_name = _("meeting participant")
        verbose_name_plural = _("meeting participants")

    def __str__(self):
        return self.name

    @property
    def name(self):
        if self.role == ParticipantRole.STAFF:
            return self.user.get_full_name() or self.user.username
        if self.role == ParticipantRole.COMPANY_CONTACT:
            return self.company_contact.name
        return self.meeting.citizen.full_name if self.meeting.enrolment_id else ""
