"""The API's only way in: `Authorization: Bearer <token>` of a live integration. No session, so no CSRF to mind.

An unknown, expired or revoked token and a service user who may no longer sign in are refused alike (401)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from jobbro.api import actions, tokens


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer” and nothing else."))
        try:
            token = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        integration = tokens.find(token)
        now = timezone.now()
        if integration is None or not integration.is_live(now) or not integration.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        actions.record_use(integration, now)
        return integration.user, integration

    def authenticate_header(self, request):
        return 'Bearer realm="jobbro"'
