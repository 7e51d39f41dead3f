"""Every text field about a citizen, classified once: who may read what is written in it.

A field is named "app.Model.field". Each text field (CharField, TextField or JSONField without fixed
choices) on a model that concerns a citizen is in exactly one group:

- CASE_NOTES: free text written about the citizen. It falls under the note rule: shown only to users who
  may read notes (policy capability read_notes), on every page, timeline, export, PDF and explanation.
- policy.SHARED_WITH_COMPANY: what the company is shown by design (the CV and the written placement
  agreement), shown to everyone who may open the citizen.
- IDENTITY: who the citizen is and how to reach them, shown to everyone who may open the citizen.
- NOT_FREE_TEXT: codes, identifiers, hashes and the encrypted CPR number: nobody writes prose in them.
- AUDIT: the audit trail, read by administrators only.

jobbro/accounts/tests/test_free_text.py finds every text field on the citizen's models and fails for one
that is in no group (or in two), so a new field is classified before it is shown anywhere.
"""

from jobbro.accounts.policy import SHARED_WITH_COMPANY

CASE_NOTES = frozenset(
    {
        "people.TrafficLightChange.note",
        "people.JobGoal.text",  # the goal in the citizen's own words; the occupation code is structured
        "people.Restriction.description",
        "people.CompetenceAssessment.comment",
        "people.ParallelEffort.description",
        "cases.Enrolment.referral_text",
        "cases.StepChange.note",
        "cases.JobPlan.title",
        "cases.Milestone.title",
        "cases.Placement.end_note",
        "cases.Contact.note",
        "cases.UpskillingDecision.reason",
        "cases.Outcome.note",
        "matching.MatchProposal.decline_note",
        # A message's text about a citizen is a case note (the message log shows it to those who read notes).
        "messaging.Message.subject",
        "messaging.Message.body",
        # A company activity's note is a case note when the activity names citizens (companies/actions.py
        # note_visible_to); without citizens it is shown to all who see the company.
        "companies.CompanyActivity.note",
        # A meeting's internal note (never sent): shown only to those who read notes (meetings/meeting_detail.html).
        "meetings.Meeting.note",
        # A free-text answer to a questionnaire (surveys/results.py lists them only to those who read notes).
        "surveys.Answer.text",
        # Why a citizen's records are held from erasure, and why the hold was lifted (jobbro/privacy).
        "privacy.LegalHold.reason",
        "privacy.LegalHold.lift_reason",
    }
)

IDENTITY = frozenset(
    {
        "people.Citizen.phone",
        "people.Citizen.email",
        "people.Citizen.address",
        "people.Citizen.postcode",
        "people.Citizen.city",
        "people.Citizen.housing_area",
        "outreach.NamedVisit.name",  # a visitor at open counselling hours who consented to being named
        "outreach.NamedVisit.phone",
        "messaging.Message.to",  # the address a message went to
        # Where a meeting is held (it may be the citizen's home) and how a participant is reached.
        "meetings.Meeting.address",
        "meetings.Meeting.online_link",
        "meetings.MeetingEvent.place",
        "meetings.MeetingParticipant.email",
        "meetings.MeetingParticipant.phone",
    }
)

NOT_FREE_TEXT = frozenset(
    {
        "people.Citizen.cpr_encrypted",
        "people.Citizen.cpr_hash",
        "people.JobGoal.occupation_code",
        # Where a consent's signed form is filed: a journal number (letters, digits, - . / _ only, people/models.py).
        "people.Consent.reference",
        "cases.Enrolment.external_id",
        "cases.JobPlan.target_occupation_code",
        "cases.JobPlan.external_id",
        "cases.Placement.external_id",
        "cases.Contact.external_id",
        "cases.ProgressionInvitation.token_hash",
        "portal.AccessLink.digest",  # the HMAC digest of a link's token
        "surveys.Invitation.digest",  # the HMAC digest of a questionnaire link's token
        "meetings.Meeting.uid",  # the calendar's identifier of the meeting
        # A message's files (a meeting's invitation.ics), kept base64-encoded for the worker and never shown on a page.
        "messaging.Message.attachments",
        "meetings.MeetingEvent.detail",  # codes: who did not show, who cancelled and the reason's code
        "effect.LotteryDraw.stratum",  # the site's id and the target groups' codes, written by the draw
        "effect.ProjectKey.key_token",  # the project key, encrypted like a CPR number
        "effect.ProjectKey.key_digest",  # its HMAC digest, for look-up
        "cases.ProgressionInvitation.code_hash",
        "messaging.Message.purpose",
        "messaging.Message.dedupe_key",
        "messaging.Message.last_error",  # the mail server's or gateway's answer
        "messaging.Message.unsubscribe_url",
        # A net-gain calculation (netgain/models.py): the rule table's rate key and versions, the hours typed as
        # numbers, and the calculator's figures (amounts, the tables' notes and sources); no free text.
        "netgain.NetGainCalculation.rate",
        "netgain.NetGainCalculation.hours",
        "netgain.NetGainCalculation.table_versions",
        "netgain.NetGainCalculation.figures",
        # An erasure's receipt (jobbro/privacy): its reference, the pseudonym the citizen is left with, and counts.
        "privacy.ErasureReceipt.reference",
        "privacy.ErasureReceipt.pseudonym",
        "privacy.ErasureReceipt.counts",
        # A data export's run on the task worker: the worker's host and process, and why a run failed (written by
        # jobbro, never by a user).
        "privacy.DataExport.worker",
        "privacy.DataExport.error",
    }
)

# The change log keeps field names and new values (never CPR or case-note text); both logs are for administrators.
AUDIT = frozenset(
    {
        "audit.AccessLog.view",
        "audit.ChangeLog.action",
        "audit.ChangeLog.object_type",
        "audit.ChangeLog.object_id",
        "audit.ChangeLog.changes",
    }
)

GROUPS = {
    "case_notes": CASE_NOTES,
    "shared_with_company": SHARED_WITH_COMPANY,
    "identity": IDENTITY,
    "not_free_text": NOT_FREE_TEXT,
    "audit": AUDIT,
}

# Models that concern a citizen without a foreign key to one (found by the test alongside those with one).
CITIZEN_MODELS_WITHOUT_KEY = ("audit.ChangeLog", "companies.CompanyActivity")


def group_of(name):
    """The groups a field name is in: one, for a classified field."""
    return [group for group, names in GROUPS.items() if name in names]
