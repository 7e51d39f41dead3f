"""Who may do what: one table of roles × capabilities.

Every view, action, form, menu item, template branch and export asks `may(user, capability)`; nothing
else names a role. Which records a capability reaches (the programmes and sites of the user's
memberships, or only the mentor's own citizens) is the citizen scope below, applied by the helpers in
access.py. docs/roles.md is generated from this module (`manage.py roles_doc`) and a test keeps them equal.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from jobbro.accounts.models import Role


class Capability(models.TextChoices):
    READ_CITIZEN = "read_citizen", _("See named citizens and their cases")
    READ_NOTES = "read_notes", _("Read case notes")
    READ_RESTRICTIONS = "read_restrictions", _("Read restrictions, health and parallel efforts")
    REVEAL_CPR = "reveal_cpr", _("Reveal a CPR number, one citizen at a time, logged")
    SEE_BIRTH_DATE = "see_birth_date", _("See the full birth date (others see the age)")
    REFER = "refer", _("Refer a citizen (visitation, start form)")
    CASE_WORK = "case_work", _("Step 1, job plans, placements, contacts, steps, end form, follow-ups, courses")
    RECORD_CONSENT = (
        "record_consent",
        _("Record a citizen's consents given and withdrawn (sharing data with companies, evaluation, treatment)"),
    )
    WRITE_HOURS = "write_hours", _("Register hours on placements")
    SET_WAGE = "set_wage", _("Set the hourly wage on placements (a dated history)")
    SEND_WAGE_LIST = "send_wage_list", _("See, export and mark as sent the benefits office's list of hours and wages")
    EXPORT_FUNDER_FORMS = (
        "export_funder_forms",
        _("Export the funder's participant forms (no names) and see whose answers are missing"),
    )
    CALCULATE_NET_GAIN = (
        "calculate_net_gain",
        _("Calculate a citizen's net gain from work and keep it on the case (all who see the case read it)"),
    )
    EXCHANGE_CASE_DATA = (
        "exchange_case_data",
        _("Export a CV in the job database's structure and placements and hours for the case system"),
    )
    OWN_CASELOAD = "own_caseload", _("Work from an own caseload (Today, My caseload, Hours)")
    TABLET_ASSESSMENT = "tablet_assessment", _("Start a progression assessment or tablet self-assessment")
    READ_PROGRESSION_SCORES = "read_progression_scores", _("Read progression scores")
    SEE_COMPANIES = "see_companies", _("See companies, small jobs and courses")
    MANAGE_NETWORK = "manage_network", _("Manage companies, contacts, buddies, small jobs, agreements, courses")
    PROPOSE_MATCH = (
        "propose_match",
        _("Propose, book, agree or decline a match (agreeing starts the placement, a meeting held is a contact)"),
    )
    BOOK_MEETINGS = (
        "book_meetings",
        _("Book, move and cancel meetings with citizens and companies, record their outcome (invitations are sent)"),
    )
    RANK_CITIZENS = "rank_citizens", _("Find ranked citizens for a small job; the matching menu")
    RUN_MATCHING = "run_matching", _("The optimal assignment and speed-dating plans")
    IMPORT = "import", _("Import spreadsheets")
    READ_REPORTS = "read_reports", _("The result goals page")
    READ_ALL_REPORTS = "read_all_reports", _("All reports and their exports, data quality")
    SEE_STAFF_NAMES = (
        "see_staff_names",
        _("See the names of staff in the reports' tables per job broker (others see Job broker A, B, …)"),
    )
    ADMINISTER = "administer", _("Administration: staff users, programmes, access log")
    MANAGE_INTEGRATIONS = (
        "manage_integrations",
        _("Create and revoke integrations: tokens for other systems to use the JSON API as a service user"),
    )
    SET_TRIAL_DESIGN = "set_trial_design", _("Set a programme's trial design and read the lottery's seed")
    READ_EFFECT = "read_effect", _("The effect report: compute it, read it and export it")
    MANAGE_REGISTER_DATA = (
        "manage_register_data",
        _("Register data for the effect evaluation: benefit-code mappings and register imports (pseudonymous)"),
    )
    EXPORT_LINKAGE_LIST = (
        "export_linkage_list",
        _("Issue project keys and download the CPR linkage list for Statistics Denmark, logged"),
    )
    LOG_COMPANY_ACTIVITY = (
        "log_company_activity",
        _("Record visits, calls, agreements and follow-ups with a company (the company's activity log)"),
    )
    SEE_EVENTS = "see_events", _("See events (trainings, meetings, speed dating, courses, open counselling)")
    RUN_EVENTS = "run_events", _("Create and change events, save speed-dating plans, count drop-in visits")
    REGISTER_FOR_EVENTS = (
        "register_for_events",
        _("Register participants for events, record attendance and speed-dating outcomes"),
    )
    MANAGE_MESSAGES = (
        "manage_messages",
        _("Edit the message templates; the small-jobs list's subscribers; record opt-outs"),
    )
    ISSUE_ACCESS_LINKS = (
        "issue_access_links",
        _("Give and revoke links for company contacts, buddies and citizens without an account"),
    )
    MANAGE_QUESTIONNAIRES = (
        "manage_questionnaires",
        _("Build questionnaires, open and close them, send them to citizens, company contacts and staff"),
    )
    READ_QUESTIONNAIRE_RESULTS = (
        "read_questionnaire_results",
        _("Questionnaires' response rates and results and their export (free-text answers only with case notes)"),
    )
    EXPORT_CITIZEN_DATA = (
        "export_citizen_data",
        _("Export everything jobbro holds about a citizen (JSON and PDF, case notes included), logged"),
    )
    SET_LEGAL_HOLD = "set_legal_hold", _("Set and lift a legal hold on a citizen's records (no erasure while it holds)")
    ERASE_CITIZEN_DATA = (
        "erase_citizen_data",
        _("Erase a citizen's data on request, and read the erasure receipts"),
    )
    MANAGE_RETENTION = (
        "manage_retention",
        _("Set the retention periods, preview what retention will erase, list the erasure receipts"),
    )
    ACT_AS_JOB_BROKER = "act_as_job_broker", _("Can be a citizen's job broker")
    ACT_AS_CASEWORKER = "act_as_caseworker", _("Can be a citizen's caseworker")


class CitizenScope(models.TextChoices):
    """Which citizens and cases a role's capabilities reach."""

    MEMBERSHIPS = "memberships", _("of their programmes/sites")
    OWN_CITIZENS = "own_citizens", _("only citizens they are mentor or job broker for")
    EVERYTHING = "everything", _("all")


C = Capability
JB, CW, ME, CO, MA, EV, AD = (
    Role.JOB_BROKER,
    Role.CASEWORKER,
    Role.MENTOR,
    Role.COORDINATOR,
    Role.MANAGER,
    Role.EVALUATOR,
    Role.ADMINISTRATOR,
)
__ = None  # not granted

# fmt: off
# The whole matrix: one row per capability, one column per role, in the order of ROLES.
ROLES = (JB, CW, ME, CO, MA, EV, AD)
GRANTS = {
    #                            job broker caseworker mentor coordinator manager evaluator administrator
    C.READ_CITIZEN:             (JB,        CW,        ME,    CO,         MA,     __,       AD),
    C.READ_NOTES:               (JB,        CW,        ME,    __,         __,     __,       AD),
    C.READ_RESTRICTIONS:        (JB,        CW,        ME,    __,         __,     __,       AD),
    C.REVEAL_CPR:               (JB,        CW,        __,    __,         __,     __,       __),
    C.SEE_BIRTH_DATE:           (JB,        CW,        __,    __,         __,     __,       __),
    C.REFER:                    (__,        CW,        __,    __,         __,     __,       AD),
    C.CASE_WORK:                (JB,        CW,        ME,    __,         __,     __,       AD),
    C.RECORD_CONSENT:           (JB,        CW,        ME,    __,         __,     __,       AD),
    C.WRITE_HOURS:              (JB,        CW,        ME,    __,         __,     __,       AD),
    C.SET_WAGE:                 (JB,        CW,        __,    __,         __,     __,       AD),
    C.SEND_WAGE_LIST:           (JB,        CW,        __,    __,         __,     __,       AD),
    C.EXPORT_FUNDER_FORMS:      (__,        __,        __,    CO,         MA,     __,       AD),
    C.CALCULATE_NET_GAIN:       (JB,        CW,        __,    __,         __,     __,       AD),
    C.EXCHANGE_CASE_DATA:       (JB,        CW,        __,    __,         __,     __,       AD),
    C.OWN_CASELOAD:             (JB,        __,        ME,    __,         __,     __,       __),
    C.TABLET_ASSESSMENT:        (JB,        CW,        ME,    __,         __,     __,       AD),
    C.READ_PROGRESSION_SCORES:  (JB,        CW,        ME,    __,         __,     __,       AD),
    C.SEE_COMPANIES:            (JB,        CW,        ME,    CO,         MA,     __,       AD),
    C.MANAGE_NETWORK:           (__,        __,        __,    CO,         __,     __,       AD),
    C.PROPOSE_MATCH:            (JB,        CW,        ME,    CO,         __,     __,       AD),
    C.BOOK_MEETINGS:            (JB,        CW,        ME,    CO,         __,     __,       AD),
    C.RANK_CITIZENS:            (JB,        __,        __,    CO,         __,     __,       AD),
    C.RUN_MATCHING:             (__,        __,        __,    CO,         __,     __,       AD),
    C.IMPORT:                   (__,        __,        __,    CO,         __,     __,       AD),
    C.READ_REPORTS:             (JB,        CW,        ME,    CO,         MA,     EV,       AD),
    C.READ_ALL_REPORTS:         (__,        __,        __,    CO,         MA,     EV,       AD),
    C.SEE_STAFF_NAMES:          (JB,        CW,        ME,    CO,         MA,     __,       AD),
    C.ADMINISTER:               (__,        __,        __,    __,         __,     __,       AD),
    C.MANAGE_INTEGRATIONS:      (__,        __,        __,    __,         __,     __,       AD),
    C.SET_TRIAL_DESIGN:         (__,        __,        __,    __,         __,     __,       AD),
    C.READ_EFFECT:              (__,        __,        __,    __,         MA,     EV,       __),
    C.MANAGE_REGISTER_DATA:     (__,        __,        __,    __,         __,     EV,       AD),
    C.EXPORT_LINKAGE_LIST:      (__,        __,        __,    __,         __,     __,       AD),
    C.LOG_COMPANY_ACTIVITY:     (JB,        CW,        ME,    CO,         __,     __,       AD),
    C.SEE_EVENTS:               (JB,        CW,        ME,    CO,         MA,     __,       AD),
    C.RUN_EVENTS:               (__,        __,        __,    CO,         __,     __,       AD),
    C.REGISTER_FOR_EVENTS:      (JB,        CW,        ME,    CO,         __,     __,       AD),
    C.MANAGE_MESSAGES:          (__,        __,        __,    CO,         __,     __,       AD),
    C.ISSUE_ACCESS_LINKS:       (JB,        __,        __,    CO,         __,     __,       AD),
    C.MANAGE_QUESTIONNAIRES:    (__,        __,        __,    CO,         __,     __,       AD),
    C.READ_QUESTIONNAIRE_RESULTS: (JB,      CW,        __,    CO,         MA,     EV,       AD),
    C.EXPORT_CITIZEN_DATA:      (__,        CW,        __,    __,         __,     __,       AD),
    C.SET_LEGAL_HOLD:           (__,        CW,        __,    __,         __,     __,       AD),
    C.ERASE_CITIZEN_DATA:       (__,        __,        __,    __,         __,     __,       AD),
    C.MANAGE_RETENTION:         (__,        __,        __,    __,         __,     __,       AD),
    C.ACT_AS_JOB_BROKER:        (JB,        __,        ME,    __,         __,     __,       __),
    C.ACT_AS_CASEWORKER:        (__,        CW,        __,    __,         __,     __,       __),
}

# Which citizens the capabilities above reach, and the page a role lands on after signing in.
CITIZEN_SCOPE = {
    JB: CitizenScope.MEMBERSHIPS, CW: CitizenScope.MEMBERSHIPS, ME: CitizenScope.OWN_CITIZENS,
    CO: CitizenScope.MEMBERSHIPS, MA: CitizenScope.MEMBERSHIPS, EV: CitizenScope.MEMBERSHIPS,
    AD: CitizenScope.EVERYTHING,
}
START_PAGE = {JB: "today", CW: "citizen_list", ME: "today", CO: "citizen_list", MA: "reports", EV: "reports", AD: "citizen_list"}
# fmt: on

# What is shown to a company by design: the CV the citizen writes with the job broker and the written
# placement agreement. Everything else about a citizen stays inside the job centre.
SHARED_WITH_COMPANY = frozenset(
    {
        "people.Citizen.first_name",
        "people.Citizen.last_name",
        "people.CVEntry.kind",
        "people.CVEntry.title",
        "people.CVEntry.organisation",
        "people.CVEntry.starts_on",
        "people.CVEntry.ends_on",
        "people.CVEntry.description",
        "cases.Placement.kind",
        "cases.Placement.starts_on",
        "cases.Placement.planned_end_on",
        "cases.Placement.purpose",
        "cases.Placement.agreed_ordinary_hours",
        "cases.Placement.ordinary_hours_condition",
        "cases.Placement.no_hours_reason",
        "cases.Placement.buddy",
        # A small job a company proposes through its link (jobbro/portal) is the company's own words.
        "portal.PendingOpening.title",
        "portal.PendingOpening.description",
    }
)


def _capabilities_by_role():
    by_role = {role: set() for role in ROLES}
    for capability, column in GRANTS.items():
        for role, granted in zip(ROLES, column, strict=True):
            if granted is None:
                continue
            if granted != role:  # a misaligned row would grant the wrong role silently
                raise ValueError(f"{capability}: the column for {role} holds {granted}")
            by_role[role].add(capability)
    return {role: frozenset(capabilities) for role, capabilities in by_role.items()}


ROLE_CAPABILITIES = _capabilities_by_role()


def roles_with(capability):
    """The roles granted a capability, e.g. to offer only job brokers in a job-broker field."""
    return [role for role in ROLES if capability in ROLE_CAPABILITIES[role]]


def capabilities(user):
    """Everything a user may do. A superuser may everything an administrator may, on top of their role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    granted = ROLE_CAPABILITIES.get(user.role, frozenset())
    if user.is_superuser:
        granted = granted | ROLE_CAPABILITIES[Role.ADMINISTRATOR]
    return granted


def may(user, capability):
    """Whether the user has the capability (False for anonymous and inactive users)."""
    return Capability(capability) in capabilities(user)


def citizen_scope(user):
    """Which citizens the user's capabilities reach; None for anonymous and inactive users."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return CitizenScope.EVERYTHING
    return CITIZEN_SCOPE.get(user.role)


def start_page(user):
    """The URL name a user lands on from the front page."""
    return START_PAGE.get(user.role, "citizen_list")


class UnknownCapability(Exception):
    """A template asked for a capability the table does not name: a typo must not read as a denial."""


class UserCapabilities:
    """Lets templates ask `{% if perms_jobbro.read_notes %}`."""

    def __init__(self, user):
        self._granted = capabilities(user)

    def __getitem__(self, name):
        if name not in Capability.values:
            raise UnknownCapability(name)
        return Capability(name) in self._granted

    def __contains__(self, name):
        return self[name]


# --- What each page needs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Needs:
    """The capabilities a page needs (all of them): to open it, and on top of those to submit it.

    A page with a citizen in its address also needs the citizen within the user's citizen scope; a miss and
    a denial both answer 404.
    """

    view: frozenset
    submit: frozenset = frozenset()
    signed_in: bool = True


def needs(*capabilities, post=()):
    post = (post,) if isinstance(post, Capability) else tuple(post)
    return Needs(view=frozenset(capabilities), submit=frozenset(post))


PUBLIC = Needs(view=frozenset(), signed_in=False)  # no sign-in: sign-in itself, the health check, the tablet
SIGNED_IN = needs()  # any signed-in staff user

# fmt: off
# Every URL name of the site, with what it needs. jobbro/accounts/tests/test_url_matrix.py requests every URL
# pattern as every role and fails for a page missing here or answering differently from this table.
PAGES = {
    # Signing in, the health check and the account pages.
    "login": PUBLIC, "logout": PUBLIC, "healthz": PUBLIC,
    "saml2_login": PUBLIC, "saml2_acs": PUBLIC, "saml2_metadata": PUBLIC, "saml2_ls": PUBLIC,
    "oidc_authentication_init": PUBLIC, "oidc_authentication_callback": PUBLIC,
    "account_security": SIGNED_IN, "two_factor_verify": SIGNED_IN, "two_factor_setup": SIGNED_IN,
    "two_factor_turn_off": SIGNED_IN,
    "home": SIGNED_IN,
    # Setting up programmes, sites, staff memberships, result goals and programme settings.
    "setup_programmes": needs(C.ADMINISTER), "setup_programme_new": needs(C.ADMINISTER),
    "setup_programme": needs(C.ADMINISTER), "setup_programme_edit": needs(C.ADMINISTER),
    "setup_programme_settings": needs(C.ADMINISTER),
    "setup_site_new": needs(C.ADMINISTER), "setup_site_edit": needs(C.ADMINISTER),
    "setup_membership_new": needs(C.ADMINISTER), "setup_membership_remove": needs(C.ADMINISTER),
    "setup_result_goal_new": needs(C.ADMINISTER), "setup_result_goal_edit": needs(C.ADMINISTER),
    "setup_result_goal_delete": needs(C.ADMINISTER),
    # Citizens.
    "caseload": needs(C.READ_CITIZEN, C.OWN_CASELOAD),  # one's own citizens: job brokers and mentors only
    "citizen_list": needs(C.READ_CITIZEN),
    "find_by_cpr": needs(C.READ_CITIZEN),
    "citizen_search": needs(C.READ_CITIZEN),
    "citizen_detail": needs(C.READ_CITIZEN),
    "citizen_reveal_cpr": needs(C.READ_CITIZEN, C.REVEAL_CPR),
    "referral_new": needs(C.REFER),
    "referral_staff": needs(C.REFER), "referral_town": needs(C.REFER),  # the referral page's searched fields
    # Step 1.
    "job_goals": needs(C.READ_CITIZEN, post=C.CASE_WORK),
    "job_goal_adjust": needs(C.READ_CITIZEN, C.CASE_WORK),
    "job_goal_close": needs(C.READ_CITIZEN, C.CASE_WORK),
    "cv": needs(C.READ_CITIZEN, post=C.CASE_WORK),
    "cv_entry_edit": needs(C.READ_CITIZEN, C.CASE_WORK),
    "cv_entry_delete": needs(C.READ_CITIZEN, C.CASE_WORK),
    "cv_pdf": needs(C.READ_CITIZEN),
    # Exchange formats (jobbro/exchange): the CV for the job database, placements and hours for the case system.
    "exchange_cv_json": needs(C.READ_CITIZEN, C.EXCHANGE_CASE_DATA),
    "exchange_case_system": needs(C.EXCHANGE_CASE_DATA),
    "exchange_case_system_xlsx": needs(C.EXCHANGE_CASE_DATA),
    "exchange_case_system_csv": needs(C.EXCHANGE_CASE_DATA),
    "competence_card": needs(C.READ_CITIZEN, post=C.CASE_WORK),
    "restrictions": needs(C.READ_CITIZEN, C.READ_RESTRICTIONS, post=C.CASE_WORK),
    "restriction_end": needs(C.READ_CITIZEN, C.READ_RESTRICTIONS, C.CASE_WORK),
    "parallel_efforts": needs(C.READ_CITIZEN, C.READ_RESTRICTIONS, post=C.CASE_WORK),
    "parallel_effort_end": needs(C.READ_CITIZEN, C.READ_RESTRICTIONS, C.CASE_WORK),
    # A citizen's consents (people/consent.py): given and withdrawn as history.
    "consent_give": needs(C.READ_CITIZEN, C.RECORD_CONSENT),
    "consent_withdraw": needs(C.READ_CITIZEN, C.RECORD_CONSENT),
    # The case: steps, end form, follow-up, plans, placements, contacts, hours.
    "enrolment_step": needs(C.READ_CITIZEN, C.CASE_WORK),
    "enrolment_start_form": needs(C.READ_CITIZEN, C.CASE_WORK),
    "enrolment_upskilling": needs(C.READ_CITIZEN, C.CASE_WORK),
    "enrolment_end": needs(C.READ_CITIZEN, C.CASE_WORK),
    "enrolment_follow_up": needs(C.READ_CITIZEN, C.CASE_WORK),
    "job_plans": needs(C.READ_CITIZEN, post=C.CASE_WORK),
    "job_plan": needs(C.READ_CITIZEN),
    "milestone_add": needs(C.READ_CITIZEN, C.CASE_WORK),
    "milestone_complete": needs(C.READ_CITIZEN, C.CASE_WORK),
    "placement_start": needs(C.READ_CITIZEN, C.CASE_WORK),
    "placement_detail": needs(C.READ_CITIZEN),
    "placement_hours": needs(C.READ_CITIZEN, C.CASE_WORK),
    "placement_wage": needs(C.READ_CITIZEN, C.SET_WAGE),
    # The benefits office's monthly list of hours and wages (cases/wage_list.py).
    "wage_list": needs(C.SEND_WAGE_LIST), "wage_list_xlsx": needs(C.SEND_WAGE_LIST),
    "wage_list_csv": needs(C.SEND_WAGE_LIST), "wage_list_send": needs(C.SEND_WAGE_LIST),
    # The funder's participant forms (cases/funders.py): the export, and the answers on each case.
    "funder_forms": needs(C.EXPORT_FUNDER_FORMS), "funder_forms_xlsx": needs(C.EXPORT_FUNDER_FORMS),
    "funder_forms_csv": needs(C.EXPORT_FUNDER_FORMS),
    "enrolment_participant_form": needs(C.READ_CITIZEN, C.CASE_WORK),
    "placement_legal_basis": needs(C.READ_CITIZEN, C.CASE_WORK),
    "placement_end": needs(C.READ_CITIZEN, C.CASE_WORK),
    # The net gain from work (jobbro/netgain): calculated on a case, read by all who see the case.
    "netgain_new": needs(C.READ_CITIZEN, C.CALCULATE_NET_GAIN),
    "netgain_months": needs(C.READ_CITIZEN, C.CALCULATE_NET_GAIN),
    "netgain_result": needs(C.READ_CITIZEN),
    "netgain_print": needs(C.READ_CITIZEN),
    "contact_list": needs(C.READ_CITIZEN),
    "contact_log": needs(C.READ_CITIZEN, C.CASE_WORK),
    "today": needs(C.CASE_WORK),
    "week_hours": needs(C.WRITE_HOURS),
    "week_hours_row": needs(C.READ_CITIZEN, C.WRITE_HOURS, C.OWN_CASELOAD),
    # Progression: staff start it; the tablet needs no sign-in and shows nothing of the case.
    "self_assessment_invite": needs(C.READ_CITIZEN, C.TABLET_ASSESSMENT),
    "self_assessment_paper": needs(C.READ_CITIZEN, C.TABLET_ASSESSMENT),
    "self_assessment_code": PUBLIC, "self_assessment_thanks": PUBLIC, "self_assessment": PUBLIC,
    "self_assessment_handover": PUBLIC,
    # Companies, small jobs, courses.
    "company_list": needs(C.SEE_COMPANIES),
    "company_detail": needs(C.SEE_COMPANIES),
    "company_new": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "company_edit": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "company_contact_new": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "company_contact_edit": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "company_activity_new": needs(C.SEE_COMPANIES, C.LOG_COMPANY_ACTIVITY),
    "company_agreement_new": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "company_agreement_end": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "company_opening_new": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "company_opening_close": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "opening_board": needs(C.SEE_COMPANIES),
    "opening_board_xlsx": needs(C.SEE_COMPANIES),
    "opening_board_pdf": needs(C.SEE_COMPANIES),
    "course_list": needs(C.SEE_COMPANIES),
    "course_detail": needs(C.SEE_COMPANIES, post=C.CASE_WORK),
    "course_citizen_matches": needs(C.SEE_COMPANIES, C.CASE_WORK),  # the course page's citizen field (POST)
    "course_new": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "course_edit": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "institution_detail": needs(C.SEE_COMPANIES),
    "institution_new": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "institution_edit": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    # The searchable fields' matches (jobbro/web/pickers.py): companies, and the staff of one's own programmes.
    "pick_companies": needs(C.SEE_COMPANIES),
    "pick_staff": needs(C.READ_CITIZEN),
    "pick_users": needs(C.ADMINISTER),
    # Messages: templates, the small-jobs list, opt-outs; a citizen's consent to be contacted; unsubscribing (no login).
    "message_templates": needs(C.MANAGE_MESSAGES),
    "message_template_edit": needs(C.MANAGE_MESSAGES),
    "message_subscriptions": needs(C.MANAGE_MESSAGES),
    "message_subscription_end": needs(C.MANAGE_MESSAGES),
    "message_opt_out_new": needs(C.MANAGE_MESSAGES),
    "citizen_contact_consent": needs(C.READ_CITIZEN, C.CASE_WORK),
    "message_unsubscribe": PUBLIC,
    # Matching.
    "citizen_matches": needs(C.READ_CITIZEN, C.PROPOSE_MATCH),
    "match_propose": needs(C.READ_CITIZEN, C.PROPOSE_MATCH),
    "match_proposals": needs(C.PROPOSE_MATCH),
    "match_proposal_meeting": needs(C.READ_CITIZEN, C.PROPOSE_MATCH),
    "match_proposal_agree": needs(C.READ_CITIZEN, C.PROPOSE_MATCH),
    "match_proposal_decline": needs(C.READ_CITIZEN, C.PROPOSE_MATCH),
    "match_unmatched": needs(C.PROPOSE_MATCH),
    "opening_matches": needs(C.RANK_CITIZENS),
    "match_assignment": needs(C.RUN_MATCHING),
    "match_assignment_run": needs(C.RUN_MATCHING),
    "match_assignment_progress": needs(C.RUN_MATCHING),
    "match_speed_dating": needs(C.RUN_MATCHING),
    # Meetings with time, place and participants (a meeting with a citizen also needs the citizen in scope).
    "meeting_list": needs(C.BOOK_MEETINGS), "meeting_new": needs(C.BOOK_MEETINGS),
    "meeting_detail": needs(C.BOOK_MEETINGS), "meeting_ics": needs(C.BOOK_MEETINGS),
    "meeting_move": needs(C.BOOK_MEETINGS), "meeting_cancel": needs(C.BOOK_MEETINGS),
    "meeting_outcome": needs(C.BOOK_MEETINGS), "meeting_response": needs(C.BOOK_MEETINGS),
    # Events (jobbro/outreach): coordinators run them, job brokers register their citizens and record attendance.
    "event_list": needs(C.SEE_EVENTS), "event_detail": needs(C.SEE_EVENTS),
    "event_new": needs(C.SEE_EVENTS, C.RUN_EVENTS), "event_edit": needs(C.SEE_EVENTS, C.RUN_EVENTS),
    "event_session_new": needs(C.SEE_EVENTS, C.RUN_EVENTS),
    "event_speed_dating_plan": needs(C.SEE_EVENTS, C.RUN_EVENTS),
    "event_register": needs(C.SEE_EVENTS, C.REGISTER_FOR_EVENTS),
    "event_registration_cancel": needs(C.SEE_EVENTS, C.REGISTER_FOR_EVENTS),
    "event_attendance": needs(C.SEE_EVENTS, C.REGISTER_FOR_EVENTS),
    "event_drop_in": needs(C.SEE_EVENTS, C.REGISTER_FOR_EVENTS),
    "event_named_visit": needs(C.SEE_EVENTS, C.REGISTER_FOR_EVENTS),
    "event_conversation_outcome": needs(C.SEE_EVENTS, C.REGISTER_FOR_EVENTS),
    # Import.
    "import_list": needs(C.IMPORT), "import_new": needs(C.IMPORT), "import_detail": needs(C.IMPORT),
    "import_progress": needs(C.IMPORT), "import_confirm": needs(C.IMPORT), "import_template": needs(C.IMPORT),
    # Reports.
    "result_goals": needs(C.READ_REPORTS),
    "reports": needs(C.READ_ALL_REPORTS), "report": needs(C.READ_ALL_REPORTS),
    "report_xlsx": needs(C.READ_ALL_REPORTS), "report_pdf": needs(C.READ_ALL_REPORTS),
    "data_quality": needs(C.READ_ALL_REPORTS),
    # The effect evaluation: trial design, project keys and the CPR linkage list, benefit codes, register imports.
    "effect_programmes": needs(C.MANAGE_REGISTER_DATA),
    "effect_trial_design": needs(C.SET_TRIAL_DESIGN), "effect_show_seed": needs(C.SET_TRIAL_DESIGN),
    "effect_register_data": needs(C.MANAGE_REGISTER_DATA),
    "effect_issue_keys": needs(C.MANAGE_REGISTER_DATA, C.EXPORT_LINKAGE_LIST),
    "effect_linkage_list": needs(C.MANAGE_REGISTER_DATA, C.EXPORT_LINKAGE_LIST),
    "effect_mapping": needs(C.MANAGE_REGISTER_DATA),
    # Links for people without an account (jobbro/portal): issued and revoked on the citizen's and the company's
    # pages; the pages they open need no sign-in and show only the link's own person; proposed small jobs are
    # approved by the network's coordinator; a job broker accepts a company's correction of hours.
    "citizen_portal_links": needs(C.READ_CITIZEN, C.ISSUE_ACCESS_LINKS),
    "company_portal_links": needs(C.SEE_COMPANIES, C.ISSUE_ACCESS_LINKS),
    "citizen_accept_company_hours": needs(C.READ_CITIZEN, C.WRITE_HOURS),
    "portal_proposed_openings": needs(C.SEE_COMPANIES, C.MANAGE_NETWORK),
    "portal": PUBLIC, "portal_hours": PUBLIC, "portal_small_job": PUBLIC,
    # Questionnaires (jobbro/surveys): built and sent by coordinators, results read by those who steer and evaluate
    # (and job brokers and caseworkers, who read the free-text answers of their citizens); answered at a link.
    "questionnaire_list": needs(C.READ_QUESTIONNAIRE_RESULTS), "questionnaire_new": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_detail": needs(C.MANAGE_QUESTIONNAIRES), "questionnaire_edit": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_question_new": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_question_move": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_question_remove": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_preview": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_open": needs(C.MANAGE_QUESTIONNAIRES), "questionnaire_close": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_send": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_links_xlsx": needs(C.MANAGE_QUESTIONNAIRES),
    "questionnaire_results": needs(C.READ_QUESTIONNAIRE_RESULTS),
    "questionnaire_results_xlsx": needs(C.READ_QUESTIONNAIRE_RESULTS),
    "survey_answer": PUBLIC, "survey_thanks": PUBLIC,
    # The citizen's rights (jobbro/privacy): the export, the legal hold, erasure on request and its receipts;
    # retention's periods and preview.
    "privacy_export": needs(C.READ_CITIZEN, C.EXPORT_CITIZEN_DATA),
    "privacy_export_runs": needs(C.READ_CITIZEN, C.EXPORT_CITIZEN_DATA),
    "privacy_export_download": needs(C.READ_CITIZEN, C.EXPORT_CITIZEN_DATA),  # only the user who asked for it
    "privacy_legal_hold": needs(C.READ_CITIZEN, post=C.SET_LEGAL_HOLD),  # its history: all who see the citizen
    "privacy_erase": needs(C.READ_CITIZEN, C.ERASE_CITIZEN_DATA),
    "privacy_receipt": needs(C.ERASE_CITIZEN_DATA), "privacy_receipt_pdf": needs(C.ERASE_CITIZEN_DATA),
    "privacy_receipts": needs(C.MANAGE_RETENTION), "privacy_retention": needs(C.MANAGE_RETENTION),
    # The effect report: managers and evaluators of the programme.
    "effect_report": needs(C.READ_EFFECT), "effect_report_state": needs(C.READ_EFFECT),
    "effect_report_xlsx": needs(C.READ_EFFECT), "effect_report_pdf": needs(C.READ_EFFECT),
    # Integrations of the JSON API (jobbro/api): created and revoked by administrators. The API itself (/api/) takes
    # a token, never a session: its own tests check it (the matrix leaves the namespace out).
    "integration_list": needs(C.MANAGE_INTEGRATIONS, post=C.MANAGE_INTEGRATIONS),
    "integration_revoke": needs(C.MANAGE_INTEGRATIONS),
}
# fmt: on


def may_open(user, page, *, submit=False):
    """Whether the table lets the user open (or submit) a page; the citizen scope is checked by the page."""
    if not page.signed_in:
        return True
    if user is None or not user.is_authenticated:
        return False
    wanted = page.view | page.submit if submit else page.view
    return wanted <= capabilities(user)
