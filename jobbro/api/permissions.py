"""A token's scopes: each API view names the scope each of its operations needs (`scopes`, by the view's action).

The scope only narrows what the service user's role and memberships allow (accounts/policy.py): the operation still
asks the who-may-what table and fetches through the scoped querysets."""

from django.utils.translation import gettext
from rest_framework import permissions


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view):
        integration = request.auth
        if integration is None:
            return False
        needed = view.scopes.get(view.action)
        if needed is None:  # a method the view does not have: DRF answers 405 after this check
            return True
        if not integration.has_scope(needed):
            self.message = gettext("The token does not have the scope %(scope)s.") % {"scope": needed}
            return False
        return True
