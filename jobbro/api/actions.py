"""Creating and revoking integrations (the JSON API's tokens). Administrators only; each write is logged."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobbro.accounts.policy import Capability, may
from jobbro.api import tokens
from jobbro.api.models import Integration, Scope
from jobbro.audit.log import log_change
from jobbro.audit.models import Action

MAX_DAYS = 3 * 365


def _require(condition):
    if not condition:
        raise PermissionDenied


@transaction.atomic
def create_integration(*, acting_user, name, user, scopes, days=None, now=None):
    """A new integration acting as `user` with the given scopes. Returns (integration, token); the token is shown
    this once and never stored."""
    _require(may(acting_user, Capability.MANAGE_INTEGRATIONS))
    now = now or timezone.now()
    days = settings.API_TOKEN_DAYS if days is None else days
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the integration a name.")
    elif len(name) > Integration._meta.get_field("name").max_length:
        errors["name"] = _("The name can be at most 100 characters.")
    scopes = list(dict.fromkeys(scopes or []))
    if not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    elif set(scopes) - set(Scope.values):
        errors["scopes"] = _("Choose scopes from the list.")
    if user is None or not user.is_active:
        errors["user"] = _("Choose an active staff user for the integration to act as.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = _("A token can be valid from 1 to %(max)s days.") % {"max": MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    token = tokens.new_token()
    integration = Integration.objects.create(
        name=name,
        user=user,
        scopes=[scope for scope in Scope.values if scope in scopes],
        digest=tokens.digest(token),
        prefix=token[:12],
        created_by=acting_user,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    log_change(
        user=acting_user,
        action=Action.CREATE_INTEGRATION,
        obj=integration,
        changes={
            "name": integration.name,
            "user": user.pk,
            "scopes": integration.scopes,
            "expires_at": integration.expires_at.isoformat(),
        },
    )
    return integration, token


@transaction.atomic
def revoke_integration(*, acting_user, integration, now=None):
    """End an integration's token at once: the next request with it is refused."""
    _require(may(acting_user, Capability.MANAGE_INTEGRATIONS))
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    if integration.revoked_at is not None:
        return integration
    integration.revoked_at = now or timezone.now()
    integration.revoked_by = acting_user
    integration.save(update_fields=["revoked_at", "revoked_by"])
    log_change(user=acting_user, action=Action.REVOKE_INTEGRATION, obj=integration, changes={"name": integration.name})
    return integration


def record_use(integration, now=None):
    """The token's last use (one UPDATE, not a change of the integration: no change-log row)."""
    Integration.objects.filter(pk=integration.pk).update(last_used_at=now or timezone.now())
