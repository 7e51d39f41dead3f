"""Which records a user reaches. Every view fetches citizens and cases through these helpers.

What a role may do is the table in policy.py; these helpers apply its citizen scope (the programmes and
sites of the user's memberships, only the mentor's own citizens, or everything) to querysets. A miss and a
denial look the same (404), so a user cannot probe for records they may not see.

This is the bottom layer: the scope is a condition on an enrolment's programme, site, mentor and job broker,
applied to the querysets it is given; it imports no model above it. One citizen is fetched by
jobbro/people/access.py, a list of citizens scoped by Citizen.objects.visible_to.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404

from jobbro.accounts.models import Programme, Site
from jobbro.accounts.policy import Capability, CitizenScope, citizen_scope, may


def access_enrolment(user, citizen, pk):
    """One of the citizen's enrolments, if the user may see it; else 404."""
    try:
        return scope_enrolments(citizen.enrolments.all(), user).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def enrolment_scope(user):
    """A Q over Enrolment for the enrolments this user's memberships cover."""
    scope = citizen_scope(user)
    if scope == CitizenScope.EVERYTHING:
        return Q()
    if not may(user, Capability.READ_CITIZEN):
        return Q(pk__in=[])
    if scope == CitizenScope.OWN_CITIZENS:
        # A mentor supports named citizens only (often as job broker too: "two-in-one").
        return Q(mentor=user) | Q(job_broker=user)
    whole_programmes = user.memberships.filter(site__isnull=True).values("programme_id")
    single_sites = user.memberships.filter(site__isnull=False).values("site_id")
    return Q(programme_id__in=whole_programmes) | Q(site_id__in=single_sites)


def scope_enrolments(queryset, user):
    return queryset.filter(enrolment_scope(user))


def sees_everything(user):
    """Whether the user's scope is every programme, site and citizen (administrators)."""
    return citizen_scope(user) == CitizenScope.EVERYTHING


def visible_programmes(user):
    if sees_everything(user):
        return Programme.objects.all()
    return Programme.objects.filter(memberships__user=user).distinct()


def visible_sites(user):
    if sees_everything(user):
        return Site.objects.all()
    whole = user.memberships.filter(site__isnull=True).values("programme_id")
    single = user.memberships.filter(site__isnull=False).values("site_id")
    return Site.objects.filter(Q(programme_id__in=whole) | Q(pk__in=single))
