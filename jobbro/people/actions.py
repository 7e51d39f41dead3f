"""Writes and sensitive reads on the citizen record."""

from django.core.exceptions import PermissionDenied

from jobbro.accounts import access
from jobbro.audit.log import log_read
from jobbro.audit.models import AccessLog


def reveal_cpr(*, acting_user, citizen, view="reveal_cpr"):
    """Return the CPR number in clear for one authorised user, and log that it was shown."""
    if not access.may_reveal_cpr(acting_user):
        log_read(user=acting_user, citizen_pk=citizen.pk, view=view, status_code=403, action=AccessLog.Action.REVEAL_CPR)
        raise PermissionDenied
    log_read(user=acting_user, citizen_pk=citizen.pk, view=view, status_code=200, action=AccessLog.Action.REVEAL_CPR)
    return citizen.reveal_cpr()
