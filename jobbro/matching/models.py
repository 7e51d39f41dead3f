"""The match workflow: a proposed match between a citizen's enrolment and an open small job.

proposed → meeting booked (coffee visit or match meeting) → agreed (a placement starts) or declined with a
reason. The current status is kept on the proposal; every change is also a dated MatchProposalEvent row,
written by the actions in matching/actions.py in the same transaction, so the history is never overwritten.
Declines, with their reasons, feed back into later rankings (matching/services.py reads them).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    MEETING_BOOKED = "meeting_booked", _("Meeting booked")
    AGREED = "agreed", _("Agreed")
    DECLINED = "declined", _("Declined")


OPEN_STATUSES = (MatchStatus.PROPOSED, MatchStatus.MEETING_BOOKED)

# Which status may follow which. A booked meeting may be moved (booked again); agreed and declined are final.
TRANSITIONS = {
    MatchStatus.PROPOSED: {MatchStatus.MEETING_BOOKED, MatchStatus.DECLINED},
    MatchStatus.MEETING_BOOKED: {MatchStatus.MEETING_BOOKED, MatchStatus.AGREED, MatchStatus.DECLINED},
    MatchStatus.AGREED: set(),
    MatchStatus.DECLINED: set(),
}


class MeetingKind(models.TextChoices):
    COFFEE_VISIT = "coffee_visit", _("Coffee visit")
    MATCH_MEETING = "match_meeting", _("Match meeting")


class DeclineReason(models.TextChoices):
    CITIZEN_DECLINED = "citizen_declined", _("The citizen declined")
    COMPANY_DECLINED = "company_declined", _("The company declined")
    HOURS_DO_NOT_FIT = "hours_do_not_fit", _("The hours do not fit")
    TASKS_DO_NOT_FIT = "tasks_do_not_fit", _("The tasks do not fit")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class MatchProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class MatchProposal(models.Model):
    enrolment = models.ForeignKey(
        "cases.Enrolment", on_delete=models.CASCADE, related_name="match_proposals", verbose_name=_("enrolment")
    )
    opening = models.ForeignKey(
        "companies.Opening", on_delete=models.CASCADE, related_name="match_proposals", verbose_name=_("small job")
    )
    status = models.CharField(_("status"), max_length=20, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_on = models.DateField(_("proposed on"))
    # The ranking's score when the match was proposed (0-100), if it was proposed from a ranking.
    score = models.FloatField(_("score"), null=True, blank=True)
    meeting_kind = models.CharField(_("meeting"), max_length=20, choices=MeetingKind.choices, blank=True)
    meeting_on = models.DateField(_("meeting date"), null=True, blank=True)
    # The meeting's contact on the case, logged once the meeting date has come.
    meeting_contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting contact"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.CharField(_("note on declining"), max_length=300, blank=True)
    placement = models.ForeignKey(
        "cases.Placement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="match_proposals",
        verbose_name=_("placement"),
    )

    objects = MatchProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "opening"],
                condition=models.Q(status__in=["proposed", "meeting_booked"]),
                name="match_one_open_proposal_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decline_reason=""),
                name="match_declined_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["opening", "status"])]
        verbose_name = _("match proposal")
        verbose_name_plural = _("match proposals")

    def __str__(self):
        return f"{self.enrolment.citizen} → {self.opening} ({self.get_status_display()})"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class MatchProposalEvent(models.Model):
    """One step in a proposal's history: the status it moved to, on which date, by whom."""

    proposal = models.ForeignKey(MatchProposal, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=20, choices=MatchStatus.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("match proposal event")
        verbose_name_plural = _("match proposal events")

    def __str__(self):
        return f"{self.get_status_display()} ({self.on:%d.%m.%Y})"
