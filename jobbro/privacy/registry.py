"""Every model that holds data about a citizen, in one table: how its rows reach the citizen, which kind of record it
is for retention, and what erasure does to it.

- DELETE: the row goes. Only for pure personal content that no report counts (health, messages, calculations).
- PSEUDONYMISE: the row stays, so every count, date, hour and step the reports read stays; its free text and
  identifying fields are blanked (the fields accounts/free_text.py classifies as case notes, identity or shared
  with the company, and external ids).
- KEEP: the row stays as it is: it holds codes, dates and figures only (hours, steps, report facts, logs).

jobbro/privacy/tests/test_registry.py walks Django's model graph and fails for any model with a foreign-key path to
a citizen that is missing here: a new model cannot be forgotten by the export or the erasure.
"""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import free_text
from jobbro.accounts.policy import SHARED_WITH_COMPANY
from jobbro.privacy.models import RecordKind


class Treatment(models.TextChoices):
    DELETE = "delete", _("Deleted")
    PSEUDONYMISE = "pseudonymise", _("Kept without names and free text")
    KEEP = "keep", _("Kept as statistics")


K = RecordKind
T = Treatment

# Why a row is kept, in the words of the receipt.
COUNTED = _("counted by the reports (counts, dates, steps and hours), without names or free text")
LOGGED = _("the log of who read and changed the record, which the law requires the job centre to keep")
EVALUATED = _("the evaluation's lottery and pseudonymous project key, which hold no name or CPR number")
CONSENT = _("the record of what the citizen consented to and when, which holds no free text")
NOT_THEIRS = _("written by a company or the job centre about its own work, not about the citizen")

# Fields blanked beyond the free-text classification: identifiers given by other systems.
EXTERNAL_IDS = frozenset(
    {
        "cases.Enrolment.external_id",
        "cases.JobPlan.external_id",
        "cases.Placement.external_id",
        "cases.Contact.external_id",
    }
)


@dataclass(frozen=True)
class Entry:
    label: str
    paths: tuple  # lookups from the model to the citizen's pk, any of them
    kind: str
    treatment: str
    why: str = ""
    only: Q = None  # the rows of the citizen the treatment applies to; the others are kept as they are

    @property
    def model(self):
        return apps.get_model(self.label)

    @property
    def verbose_name(self):
        return self.model._meta.verbose_name_plural

    def rows(self, citizen_pk):
        """The citizen's rows of this model (all of them, whatever the treatment)."""
        condition = Q()
        for path in self.paths:
            condition |= Q(**{path: citizen_pk})
        return self.model._default_manager.filter(condition).distinct()

    def treated_rows(self, citizen_pk):
        rows = self.rows(citizen_pk)
        return rows.filter(self.only) if self.only is not None else rows

    @property
    def blanked_fields(self):
        """The fields erasure blanks on a kept row (PSEUDONYMISE)."""
        if self.treatment != T.PSEUDONYMISE:
            return ()
        return blanked_fields(self.label)


def blanked_fields(label):
    names = free_text.CASE_NOTES | free_text.IDENTITY | SHARED_WITH_COMPANY | EXTERNAL_IDS
    model = apps.get_model(label)
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if f"{label}.{field.name}" in names
        and isinstance(field, (models.CharField, models.TextField))
        and not field.choices  # a code (a placement's kind) is what the reports count by: kept
    )


E = Entry
CITIZEN = ("citizen",)
ENROLMENT = ("enrolment__citizen",)
PLACEMENT = ("placement__enrolment__citizen",)

# fmt: off
TABLE = [
    # Identity and contact details. The citizen row itself is pseudonymised by erasure.py (names, CPR, contact).
    E("people.Citizen",                 ("pk",),                        K.IDENTITY,     T.PSEUDONYMISE, COUNTED),
    E("people.Consent",                 CITIZEN,                        K.MESSAGES,     T.KEEP,         CONSENT),
    E("messaging.CitizenContactConsent", CITIZEN,                       K.MESSAGES,     T.DELETE),
    E("messaging.Message",              CITIZEN,                        K.MESSAGES,     T.DELETE),
    E("portal.AccessLink",              CITIZEN,                        K.ACCESS_LINKS, T.DELETE),
    E("portal.PendingOpening",          ("link__citizen",),             K.ACCESS_LINKS, T.KEEP,         NOT_THEIRS),
    # Step 1: CV, job goals, competences; restrictions and parallel efforts (health).
    E("people.JobGoal",                 CITIZEN,                        K.CV,           T.PSEUDONYMISE, COUNTED),
    E("people.CVEntry",                 CITIZEN,                        K.CV,           T.PSEUDONYMISE, COUNTED),
    E("people.CompetenceAssessment",    CITIZEN,                        K.CV,           T.DELETE),
    E("people.Restriction",             CITIZEN,                        K.HEALTH,       T.DELETE),
    E("people.ParallelEffort",          CITIZEN,                        K.HEALTH,       T.DELETE),
    # The case.
    E("people.TrafficLightChange",      CITIZEN,                        K.CASE,         T.PSEUDONYMISE, COUNTED),
    E("cases.Enrolment",                CITIZEN,                        K.CASE,         T.PSEUDONYMISE, COUNTED),
    E("cases.StepChange",               ENROLMENT,                      K.CASE,         T.PSEUDONYMISE, COUNTED),
    E("cases.AssignmentChange",         ENROLMENT,                      K.CASE,         T.KEEP,         COUNTED),
    E("cases.Contact",                  ENROLMENT,                      K.CASE,         T.PSEUDONYMISE, COUNTED),
    E("cases.Outcome",                  ENROLMENT,                      K.CASE,         T.PSEUDONYMISE, COUNTED),
    E("cases.UpskillingDecision",       ENROLMENT,                      K.CASE,         T.PSEUDONYMISE, COUNTED),
    E("cases.UpskillingEnrolment",      ENROLMENT,                      K.CASE,         T.KEEP,         COUNTED),
    E("cases.ParticipantForm",          ENROLMENT,                      K.CASE,         T.KEEP,         COUNTED),
    E("companies.CompanyActivity",      ("citizens",),                  K.CASE,         T.PSEUDONYMISE, COUNTED),
    E("companies.CompanyActivityCitizen", CITIZEN,                      K.CASE,         T.KEEP,         COUNTED),
    E("reporting.EnrolmentFacts",       ENROLMENT,                      K.CASE,         T.KEEP,         COUNTED),
    E("reporting.JobBrokerPeriod",      ENROLMENT,                      K.CASE,         T.KEEP,         COUNTED),
    # Plans, placements, matches.
    E("cases.JobPlan",                  ENROLMENT,                      K.PLACEMENTS,   T.PSEUDONYMISE, COUNTED),
    E("cases.Milestone",                ("plan__enrolment__citizen",),  K.PLACEMENTS,   T.PSEUDONYMISE, COUNTED),
    E("cases.Placement",                ENROLMENT,                      K.PLACEMENTS,   T.PSEUDONYMISE, COUNTED),
    E("reporting.PlacementFacts",       ENROLMENT,                      K.PLACEMENTS,   T.KEEP,         COUNTED),
    E("matching.MatchProposal",         ENROLMENT,                      K.PLACEMENTS,   T.PSEUDONYMISE, COUNTED),
    E("matching.MatchProposalEvent",    ("proposal__enrolment__citizen",), K.PLACEMENTS, T.KEEP,        COUNTED),
    E("matching.AssignmentPair",        ENROLMENT,                      K.PLACEMENTS,   T.KEEP,         COUNTED),
    # Hours and wages.
    E("cases.AgreedHoursChange",        PLACEMENT,                      K.HOURS,        T.KEEP,         COUNTED),
    E("cases.Timesheet",                PLACEMENT,                      K.HOURS,        T.KEEP,         COUNTED),
    E("cases.HourlyWage",               PLACEMENT,                      K.HOURS,        T.KEEP,         COUNTED),
    # Meetings and events.
    E("meetings.Meeting",               ENROLMENT + PLACEMENT,          K.MEETINGS,     T.PSEUDONYMISE, COUNTED),
    E("meetings.MeetingEvent",          ("meeting__enrolment__citizen", "meeting__placement__enrolment__citizen"),
                                                                        K.MEETINGS,     T.PSEUDONYMISE, COUNTED),
    E("meetings.MeetingParticipant",    ("meeting__enrolment__citizen", "meeting__placement__enrolment__citizen"),
                                                                        K.MEETINGS,     T.PSEUDONYMISE, COUNTED,
      Q(role="citizen")),
    E("outreach.Registration",          ENROLMENT,                      K.MEETINGS,     T.KEEP,         COUNTED),
    E("outreach.RegistrationChange",    ("registration__enrolment__citizen",), K.MEETINGS, T.KEEP,      COUNTED),
    E("outreach.SessionAttendance",     ("registration__enrolment__citizen",), K.MEETINGS, T.KEEP,      COUNTED),
    E("outreach.NamedVisit",            ENROLMENT,                      K.MEETINGS,     T.PSEUDONYMISE, COUNTED),
    E("outreach.SpeedDatingConversation", ENROLMENT,                    K.MEETINGS,     T.KEEP,         COUNTED),
    # Progression, the net gain, the evaluation.
    E("cases.ProgressionAssessment",    ENROLMENT,                      K.PROGRESSION,  T.KEEP,         COUNTED),
    E("cases.ProgressionInvitation",    ENROLMENT,                      K.PROGRESSION,  T.KEEP,         COUNTED),
    # Questionnaires: the invitations and scale answers are counted (response rates, the citizen-rated follow-up of
    # the fidelity report); a free-text answer is a case note and is blanked.
    E("surveys.Invitation",             ENROLMENT,                      K.PROGRESSION,  T.KEEP,         COUNTED),
    E("surveys.Answer",                 ("invitation__enrolment__citizen",), K.PROGRESSION, T.PSEUDONYMISE, COUNTED),
    E("netgain.NetGainCalculation",     ENROLMENT,                      K.NET_GAIN,     T.DELETE),
    E("effect.LotteryDraw",             ENROLMENT,                      K.EVALUATION,   T.KEEP,         EVALUATED),
    E("effect.ProjectKey",              CITIZEN,                        K.EVALUATION,   T.KEEP,         EVALUATED),
    # The logs and this app's own records. The change log keeps who changed what and when, its values removed.
    E("audit.AccessLog",                ("citizen_ref",),               K.LOGS,         T.KEEP,         LOGGED),
    E("audit.ChangeLog",                ("citizen_ref",),               K.LOGS,         T.PSEUDONYMISE, LOGGED),
    E("privacy.LegalHold",              CITIZEN,                        K.LOGS,         T.PSEUDONYMISE, LOGGED),
    E("privacy.ErasureReceipt",         CITIZEN,                        K.LOGS,         T.KEEP,         LOGGED),
    E("privacy.ErasedKind",             CITIZEN,                        K.LOGS,         T.KEEP,         LOGGED),
    E("privacy.DataExport",             CITIZEN,                        K.LOGS,         T.DELETE),
]
# fmt: on

BY_LABEL = {entry.label: entry for entry in TABLE}


@functools.cache
def entries_of(kind):
    return tuple(entry for entry in TABLE if entry.kind == kind)
