"""Who read or changed a citizen's record, and when. Rows are never updated or deleted by the app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    class Action(models.TextChoices):
        READ = "read", _("Read")
        REVEAL_CPR = "reveal_cpr", _("Revealed CPR number")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("user")
    )
    citizen = models.ForeignKey(
        "people.Citizen", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("citizen")
    )
    # Kept when the citizen is deleted, so the log still says whose record it was (never the CPR).
    citizen_ref = models.PositiveBigIntegerField(_("citizen id"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, default=Action.READ)
    view = models.CharField(_("page"), max_length=100)
    status_code = models.PositiveSmallIntegerField(_("response status"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["citizen_ref", "at"])]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self):
        return f"{self.at:%d.%m.%Y %H:%M} {self.user} {self.get_action_display()} #{self.citizen_ref}"


class Action(models.TextChoices):
    """What a change-log row records: one member per action that writes one (audit/log.py log_change refuses any
    other). The stored values are the action functions' names, as they have always been written."""

    ACCEPT_COMPANY_CORRECTION = "accept_company_correction", _("Accepted the company's correction of hours")
    ADD_COMPANY_CONTACT = "add_company_contact", _("Added a company contact")
    ADD_CV_ENTRY = "add_cv_entry", _("Added a CV entry")
    ADD_JOB_WISH = "add_job_wish", _("Added a job wish")
    ADD_MEMBERSHIP = "add_membership", _("Added a membership")
    ADD_MILESTONE = "add_milestone", _("Added a milestone")
    ADD_OPENING = "add_opening", _("Added a small job")
    ADD_PARALLEL_EFFORT = "add_parallel_effort", _("Added a parallel effort")
    ADD_RESTRICTION = "add_restriction", _("Added a restriction")
    ADJUST_JOB_GOAL = "adjust_job_goal", _("Adjusted a job goal")
    AGREE_MATCH = "agree_match", _("Agreed a match")
    APPROVE_PROPOSED_OPENING = "approve_proposed_opening", _("Approved a small job proposed by a company")
    ASSESS_COMPETENCE = "assess_competence", _("Assessed a competence")
    ASSIGN_CONTROL_GROUP = "assign_control_group", _("Assigned to the control group")
    BOOK_MEETING = "book_meeting", _("Booked a meeting")
    CHANGE_AGREED_HOURS = "change_agreed_hours", _("Changed the agreed hours")
    CHANGE_STEP = "change_step", _("Changed the step")
    CLOSE_JOB_GOAL = "close_job_goal", _("Closed a job goal")
    CLOSE_OPENING = "close_opening", _("Closed a small job")
    COMPLETE_MILESTONE = "complete_milestone", _("Completed a milestone")
    CONFIRM_HOURS_BY_COMPANY = "confirm_hours_by_company", _("Hours confirmed by the company")
    CORRECT_HOURS_BY_COMPANY = "correct_hours_by_company", _("Hours corrected by the company")
    CREATE_ADMINISTRATOR = "create_administrator", _("Created an administrator")
    CREATE_BENEFIT_MAPPING = "create_benefit_mapping", _("Created a benefit code mapping")
    CREATE_COMPANY = "create_company", _("Created a company")
    CREATE_COURSE = "create_course", _("Created a course")
    CREATE_INSTITUTION = "create_institution", _("Created a knowledge institution")
    CREATE_JOB_PLAN = "create_job_plan", _("Created a job plan")
    CREATE_PROGRAMME = "create_programme", _("Created a programme")
    CREATE_RESULT_GOAL = "create_result_goal", _("Created a result goal")
    CREATE_SITE = "create_site", _("Created a site")
    DECLINE_MATCH = "decline_match", _("Declined a match")
    DELETE_RESULT_GOAL = "delete_result_goal", _("Deleted a result goal")
    DRAW_LOTTERY = "draw_lottery", _("Drew the lottery at referral")
    END_AGREEMENT = "end_agreement", _("Ended a network agreement")
    END_ENROLMENT = "end_enrolment", _("Filled the end form")
    END_PARALLEL_EFFORT = "end_parallel_effort", _("Ended a parallel effort")
    END_PLACEMENT = "end_placement", _("Ended a placement")
    END_RESTRICTION = "end_restriction", _("Ended a restriction")
    ENROL_IN_COURSE = "enrol_in_course", _("Enrolled a citizen in a course")
    EXPORT_LINKAGE_LIST = "export_linkage_list", _("Exported the CPR linkage list")
    FILL_OPENING = "fill_opening", _("Filled a small job")
    FILL_START_FORM = "fill_start_form", _("Filled the start form")
    IMPORT = "import", _("Ran an import")
    INVITE_TO_SELF_ASSESSMENT = "invite_to_self_assessment", _("Invited to a self-assessment")
    ISSUE_ACCESS_LINK = "issue_access_link", _("Issued a link")
    ISSUE_PROJECT_KEYS = "issue_project_keys", _("Issued project keys")
    LOG_CONTACT = "log_contact", _("Registered a contact")
    OPEN_SELF_ASSESSMENT_BY_CODE = "open_self_assessment_by_code", _("Opened a self-assessment by code")
    PROPOSE_MATCH = "propose_match", _("Proposed a match")
    PROPOSE_OPENING_BY_LINK = "propose_opening_by_link", _("A company proposed a small job")
    QUEUE_REGISTER_IMPORT = "queue_register_import", _("Queued a register import")
    RECORD_AGREEMENT = "record_agreement", _("Recorded a network agreement")
    RECORD_FOLLOW_UP = "record_follow_up", _("Recorded a follow-up")
    RECORD_PARTICIPANT_FORM = "record_participant_form", _("Recorded the funder's participant form")
    RECORD_SELF_ASSESSMENT = "record_self_assessment", _("Recorded a self-assessment")
    RECORD_UPSKILLING_DECISION = "record_upskilling_decision", _("Recorded an upskilling decision")
    REFER_CITIZEN = "refer_citizen", _("Referred a citizen")
    REGISTER_HOURS = "register_hours", _("Registered hours")
    REJECT_PROPOSED_OPENING = "reject_proposed_opening", _("Rejected a small job proposed by a company")
    REMOVE_CV_ENTRY = "remove_cv_entry", _("Removed a CV entry")
    REQUEST_EFFECT_RUN = "request_effect_run", _("Requested an effect analysis")
    RECORD_CONTACT_CONSENT = "record_contact_consent", _("Recorded consent to be contacted")
    EDIT_MESSAGE_TEMPLATE = "edit_message_template", _("Edited a message template")
    OPT_OUT_OF_MESSAGES = "opt_out_of_messages", _("Opted out of messages")
    SUBSCRIBE_SMALL_JOBS_LIST = "subscribe_small_jobs_list", _("Subscribed to the small-jobs list")
    END_SMALL_JOBS_SUBSCRIPTION = "end_small_jobs_subscription", _("Ended a subscription to the small-jobs list")
    REMOVE_MEMBERSHIP = "remove_membership", _("Removed a membership")
    REVOKE_ACCESS_LINK = "revoke_access_link", _("Revoked a link")
    SEND_WAGE_LIST = "send_wage_list", _("Marked the list of hours and wages as sent to the benefits office")
    SET_HOURLY_WAGE = "set_hourly_wage", _("Set an hourly wage")
    SET_JOB_GOAL = "set_job_goal", _("Set a job goal")
    SET_LEGAL_BASIS = "set_legal_basis", _("Set a placement's legal basis")
    SET_TRAFFIC_LIGHT = "set_traffic_light", _("Set the traffic light")
    SET_TRIAL_DESIGN = "set_trial_design", _("Set the trial design")
    SHOW_SEED = "show_seed", _("Showed the lottery's seed")
    SIGN_IN_FROM_IDENTITY_PROVIDER = "sign_in_from_identity_provider", _("Signed in through the identity provider")
    START_PLACEMENT = "start_placement", _("Started a placement")
    SUBMIT_SELF_ASSESSMENT = "submit_self_assessment", _("Submitted a self-assessment")
    TURN_OFF_TWO_FACTOR = "turn_off_two_factor", _("Turned off two-factor sign-in")
    TURN_ON_TWO_FACTOR = "turn_on_two_factor", _("Turned on two-factor sign-in")
    UPDATE_COMPANY = "update_company", _("Updated a company")
    UPDATE_COMPANY_CONTACT = "update_company_contact", _("Updated a company contact")
    UPDATE_COURSE = "update_course", _("Updated a course")
    UPDATE_CV_ENTRY = "update_cv_entry", _("Updated a CV entry")
    UPDATE_INSTITUTION = "update_institution", _("Updated a knowledge institution")
    UPDATE_OPENING = "update_opening", _("Updated a small job")
    UPDATE_PROGRAMME = "update_programme", _("Updated a programme")
    UPDATE_PROGRAMME_SETTINGS = "update_programme_settings", _("Updated the programme settings")
    UPDATE_RESULT_GOAL = "update_result_goal", _("Updated a result goal")
    UPDATE_SITE = "update_site", _("Updated a site")
    # The outreach work: the company activity log and events (companies/actions.py, outreach/actions.py).
    RECORD_COMPANY_ACTIVITY = "record_company_activity", _("Recorded a company activity")
    CREATE_EVENT = "create_event", _("Created an event")
    UPDATE_EVENT = "update_event", _("Updated an event")
    REGISTER_FOR_EVENT = "register_for_event", _("Registered a participant for an event")
    CHANGE_REGISTRATION = "change_registration", _("Changed an event registration")
    RECORD_ATTENDANCE = "record_attendance", _("Recorded attendance at an event")
    RECORD_DROP_IN = "record_drop_in", _("Recorded drop-in visits")
    SAVE_SPEED_DATING_PLAN = "save_speed_dating_plan", _("Saved a speed-dating plan")
    RECORD_CONVERSATION_OUTCOME = "record_conversation_outcome", _("Recorded a speed-dating conversation's outcome")
    SET_BUDDY_TRAINED = "set_buddy_trained", _("Set a buddy's training date from attendance")
    # Meetings with time, place and participants (meetings/actions.py).
    SCHEDULE_MEETING = "schedule_meeting", _("Scheduled a meeting")
    MOVE_MEETING = "move_meeting", _("Moved a meeting")
    CANCEL_MEETING = "cancel_meeting", _("Cancelled a meeting")
    RECORD_MEETING_OUTCOME = "record_meeting_outcome", _("Recorded a meeting's outcome")
    RECORD_MEETING_RESPONSE = "record_meeting_response", _("Recorded a participant's answer to a meeting")
    # The net gain from work (netgain/actions.py).
    SAVE_NET_GAIN_CALCULATION = "save_net_gain_calculation", _("Calculated the net gain from work")
    # Integrations of the JSON API (api/actions.py).
    CREATE_INTEGRATION = "create_integration", _("Created an integration")
    REVOKE_INTEGRATION = "revoke_integration", _("Revoked an integration")
    # Questionnaires (surveys/actions.py).
    CREATE_QUESTIONNAIRE = "create_questionnaire", _("Created a questionnaire")
    UPDATE_QUESTIONNAIRE = "update_questionnaire", _("Changed a questionnaire or its questions")
    OPEN_QUESTIONNAIRE = "open_questionnaire", _("Opened a questionnaire for answers")
    CLOSE_QUESTIONNAIRE = "close_questionnaire", _("Closed a questionnaire")
    INVITE_TO_QUESTIONNAIRE = "invite_to_questionnaire", _("Sent a questionnaire")
    ANSWER_QUESTIONNAIRE = "answer_questionnaire", _("Answered a questionnaire")
    # The citizen's rights: export, legal hold, retention and erasure (privacy/actions.py).
    EXPORT_CITIZEN_DATA = "export_citizen_data", _("Exported all of a citizen's data")
    SET_LEGAL_HOLD = "set_legal_hold", _("Set a legal hold")
    LIFT_LEGAL_HOLD = "lift_legal_hold", _("Lifted a legal hold")
    SET_RETENTION_PERIODS = "set_retention_periods", _("Set the retention periods")
    ERASE_CITIZEN_DATA = "erase_citizen_data", _("Erased a citizen's data on request")
    APPLY_RETENTION = "apply_retention", _("Erased records whose retention period ran out")
    # A citizen's consents: given and withdrawn, as history (people/actions.py).
    GIVE_CONSENT = "give_consent", _("Recorded a consent given")
    WITHDRAW_CONSENT = "withdraw_consent", _("Recorded a consent withdrawn")


class ChangeLog(models.Model):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("user")
    )
    citizen_ref = models.PositiveBigIntegerField(_("citizen id"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=60, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=60)
    object_id = models.CharField(_("record id"), max_length=40)
    # Field names and new values; CPR and case-note text are never copied here.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")

    def __str__(self):
        return f"{self.at:%d.%m.%Y %H:%M} {self.user} {self.get_action_display()} #{self.citizen_ref}"
