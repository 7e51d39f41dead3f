"""Who may see what. Every view fetches citizens and cases through these helpers.

One place decides access; a miss and a denial look the same (404), so a user
cannot probe for records they may not see.
"""

from django.db.models import Q
from django.http import Http404

from jobbro.accounts.models import Programme, Role, Site

# Roles that work with named citizens on the case.
CASE_ROLES = {Role.JOB_BROKER, Role.CASEWORKER, Role.MENTOR, Role.COORDINATOR}
# Roles that may read case notes (contact notes). Managers steer by aggregates and never see them.
CASE_NOTE_ROLES = {Role.JOB_BROKER, Role.CASEWORKER, Role.MENTOR}
# Roles that may reveal a CPR number, one citizen at a time, logged.
CPR_REVEAL_ROLES = {Role.JOB_BROKER, Role.CASEWORKER}


def is_admin(user):
    return user.is_authenticated and user.is_administrator


def sees_named_citizens(user):
    """Evaluators work on pseudonymised data only; everyone else on a case may see names."""
    return user.is_authenticated and (is_admin(user) or user.role in CASE_ROLES | {Role.MANAGER})


def may_read_case_notes(user):
    return user.is_authenticated and (is_admin(user) or user.role in CASE_NOTE_ROLES)


def may_reveal_cpr(user):
    return user.is_authenticated and user.role in CPR_REVEAL_ROLES


# Roles that do the case work: write steps, plans, placements, hours, contacts.
CASE_WORK_ROLES = {Role.JOB_BROKER, Role.CASEWORKER, Role.MENTOR}


def may_refer(user):
    """Referral (visitation) is the caseworker's legal authority."""
    return user.is_authenticated and (user.role == Role.CASEWORKER or is_admin(user))


def may_do_case_work(user):
    return user.is_authenticated and (user.role in CASE_WORK_ROLES or is_admin(user))


def access_enrolment(user, citizen, pk):
    """One of the citizen's enrolments, if the user may see it; else 404."""
    from jobbro.cases.models import Enrolment

    try:
        return scope_enrolments(Enrolment.objects.filter(citizen=citizen), user).get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# Roles that steer and report by aggregates: the reports pages and their exports.
REPORT_ROLES = {Role.COORDINATOR, Role.MANAGER, Role.EVALUATOR}


def may_see_reports(user):
    return user.is_authenticated and (user.role in REPORT_ROLES or is_admin(user))


def may_see_companies(user):
    return user.is_authenticated and user.role != Role.EVALUATOR


def enrolment_scope(user):
    """A Q over Enrolment for the enrolments this user's memberships cover."""
    if is_admin(user):
        return Q()
    if not sees_named_citizens(user):
        return Q(pk__in=[])
    if user.role == Role.MENTOR:
        # A mentor supports named citizens only (often as job broker too: "two-in-one").
        return Q(mentor=user) | Q(job_broker=user)
    whole_programmes = user.memberships.filter(site__isnull=True).values("programme_id")
    single_sites = user.memberships.filter(site__isnull=False).values("site_id")
    return Q(programme_id__in=whole_programmes) | Q(site_id__in=single_sites)


def scope_enrolments(queryset, user):
    return queryset.filter(enrolment_scope(user))


def scope_citizens(queryset, user):
    from jobbro.cases.models import Enrolment

    if is_admin(user):
        return queryset
    visible = Enrolment.objects.filter(enrolment_scope(user)).values("citizen_id")
    return queryset.filter(pk__in=visible)


def access_citizen(user, pk):
    from jobbro.people.models import Citizen

    try:
        return Citizen.objects.visible_to(user).get(pk=pk)
    except (Citizen.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visible_programmes(user):
    if is_admin(user):
        return Programme.objects.all()
    return Programme.objects.filter(memberships__user=user).distinct()


def visible_sites(user):
    if is_admin(user):
        return Site.objects.all()
    whole = user.memberships.filter(site__isnull=True).values("programme_id")
    single = user.memberships.filter(site__isnull=False).values("site_id")
    return Site.objects.filter(Q(programme_id__in=whole) | Q(pk__in=single))
