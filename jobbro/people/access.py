"""Fetching one citizen for a user: a citizen is in the user's scope when one of their enrolments is.

The scope itself is the who-may-what table's (accounts/access.py: programmes, sites, a mentor's own citizens);
Citizen.objects.visible_to applies it to a list. A miss and a denial look the same (404).
"""

from django.http import Http404

from jobbro.people.models import Citizen


def access_citizen(user, pk):
    """The citizen, if the user may see them; else 404."""
    try:
        return Citizen.objects.filter(pk=pk).each_visible_to(user).get()
    except (Citizen.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
