"""The match workflow: a proposed match between a citizen's enrolment and an open small job.

proposed → meeting booked (coffee visit or match meeting) → agreed (a placement starts) or declined with a
reason. The current status is kept on the proposal; every change is also a dated MatchProposalEvent row,
written by the actions in matching/actions.py in the same transaction, so the history is never overwritten.
Declines, with their reasons, feed back into later rankings (matching/services.py reads them).

An assignment run is one computation of the assignment proposal for a programme, on the task worker
(matching/tasks.py): its status and progress, and its pairs with their scores.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits


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


class AssignmentRun(models.Model):
    """One computation of the assignment proposal for a programme, run by a task worker (matching/tasks.py).

    The run keeps the pairs it found and their scores; what a reader may be told about a pair is written when the
    page is shown, for that reader, and never stored. While it works, the worker writes its progress and a heartbeat
    to the row; a run whose worker is gone is marked failed (tasks.fail_if_lost).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Phase(models.TextChoices):
        LOADING = "loading", _("Reading the citizens and small jobs")
        SCORING = "scoring", _("Scoring the pairs")
        SOLVING = "solving", _("Finding the best assignment")
        SAVING = "saving", _("Saving the pairs")

    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.CASCADE, related_name="+", verbose_name=_("programme")
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    on = models.DateField(_("as of"))
    keep = models.PositiveSmallIntegerField(_("candidates per citizen and per small job"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, blank=True)
    done = models.PositiveIntegerField(_("citizens scored"), default=0)
    total = models.PositiveIntegerField(_("citizens to score"), default=0)
    # Written by the worker every second or so while it runs; "host:pid" of that worker.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    citizens = models.PositiveIntegerField(_("waiting citizens"), default=0)
    openings = models.PositiveIntegerField(_("small jobs with a free place"), default=0)
    places = models.PositiveIntegerField(_("free places"), default=0)
    feasible_pairs = models.BigIntegerField(_("possible pairs"), default=0)
    candidate_pairs = models.PositiveIntegerField(_("pairs kept"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=2000, validators=textlimits.text_validators(2000))

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme"],
                condition=models.Q(status__in=["pending", "running"]),
                name="match_one_active_run_per_programme",
            )
        ]
        indexes = [models.Index(fields=["programme", "-requested_at"]), models.Index(fields=["status"])]
        verbose_name = _("assignment run")
        verbose_name_plural = _("assignment runs")

    def __str__(self):
        return f"{self.programme} ({self.requested_at:%d.%m.%Y %H:%M})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


class AssignmentPair(models.Model):
    """A pair of an assignment run: the citizen's enrolment, the small job, and the pair's score when it ran."""

    run = models.ForeignKey(AssignmentRun, on_delete=models.CASCADE, related_name="pairs")
    enrolment = models.ForeignKey("cases.Enrolment", on_delete=models.CASCADE, related_name="+")
    opening = models.ForeignKey("companies.Opening", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))

    class Meta:
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "enrolment"], name="match_one_pair_per_citizen")]
        indexes = [models.Index(fields=["run", "-score"])]
        verbose_name = _("assignment pair")
        verbose_name_plural = _("assignment pairs")

    def __str__(self):
        return f"{self.enrolment_id} → {self.opening_id} ({self.score:.1f})"


class CitizenChange(models.Model):
    """A committed write that can change how a citizen ranks for a small job: their own record, an enrolment, a
    placement, an agreement of hours, a restriction, an assessment or a job goal. No citizen: any citizen may have
    changed (rows loaded in bulk). The citizen pool (matching/pool.py) reads these to reload just the citizens that
    changed; the worker deletes them after a day."""

    id = models.BigAutoField(primary_key=True)
    citizen_id = models.BigIntegerField(null=True)  # no foreign key: a deleted citizen's change counts too
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"change of citizen {self.citizen_id}"
