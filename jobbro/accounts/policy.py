"""Who may do what: one table of roles × capabilities.

Every view, action, form, menu item, template branch and export asks `may(user, capability)`; nothing
else names a role. Which records a capability reaches (the programmes and sites of the user's
memberships, or only the mentor's own citizens) is the citizen scope below, applied by the helpers in
access.py. docs/roles.md is generated from this module (`manage.py roles_doc`) and a test keeps them equal.
"""

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
    WRITE_HOURS = "write_hours", _("Register hours on placements")
    OWN_CASELOAD = "own_caseload", _("Work from an own caseload (Today, My caseload, Hours)")
    TABLET_ASSESSMENT = "tablet_assessment", _("Start a progression assessment or tablet self-assessment")
    READ_PROGRESSION_SCORES = "read_progression_scores", _("Read progression scores")
    SEE_COMPANIES = "see_companies", _("See companies, small jobs and courses")
    MANAGE_NETWORK = "manage_network", _("Manage companies, contacts, buddies, small jobs, agreements, courses")
    PROPOSE_MATCH = "propose_match", _("Propose, book, agree or decline a match")
    RANK_CITIZENS = "rank_citizens", _("Find ranked citizens for a small job; the matching menu")
    RUN_MATCHING = "run_matching", _("The optimal assignment and speed-dating plans")
    IMPORT = "import", _("Import spreadsheets")
    READ_REPORTS = "read_reports", _("The result goals page")
    READ_ALL_REPORTS = "read_all_reports", _("All reports and their exports, data quality")
    ADMINISTER = "administer", _("Administration: staff users, programmes, access log")
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
    C.WRITE_HOURS:              (JB,        CW,        ME,    __,         __,     __,       AD),
    C.OWN_CASELOAD:             (JB,        __,        ME,    __,         __,     __,       __),
    C.TABLET_ASSESSMENT:        (JB,        CW,        ME,    __,         __,     __,       AD),
    C.READ_PROGRESSION_SCORES:  (JB,        CW,        ME,    __,         __,     __,       AD),
    C.SEE_COMPANIES:            (JB,        CW,        ME,    CO,         MA,     __,       AD),
    C.MANAGE_NETWORK:           (__,        __,        __,    CO,         __,     __,       AD),
    C.PROPOSE_MATCH:            (JB,        CW,        ME,    CO,         __,     __,       AD),
    C.RANK_CITIZENS:            (JB,        __,        __,    CO,         __,     __,       AD),
    C.RUN_MATCHING:             (__,        __,        __,    CO,         __,     __,       AD),
    C.IMPORT:                   (__,        __,        __,    CO,         __,     __,       AD),
    C.READ_REPORTS:             (JB,        CW,        ME,    CO,         MA,     EV,       AD),
    C.READ_ALL_REPORTS:         (__,        __,        __,    CO,         MA,     EV,       AD),
    C.ADMINISTER:               (__,        __,        __,    __,         __,     __,       AD),
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
    }
)


def _capabilities_by_role():
    by_role = {role: set() for role in ROLES}
    for capability, column in GRANTS.items():
        for role, granted in zip(ROLES, column, strict=True):
            if granted is not None:
                assert granted == role, f"{capability}: column {role} holds {granted}"
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
