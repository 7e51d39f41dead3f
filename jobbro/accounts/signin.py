"""Password sign-in: lockout per account and per address (django-axes), and the idle timeout.

Axes records every failed sign-in with the username and the client's address (client_address.client_ip) and
counts them per account and per address. An account is locked after JOBBRO_SIGNIN_FAILURES_PER_ACCOUNT failures;
an address after JOBBRO_SIGNIN_FAILURES_PER_ADDRESS, higher because a whole job centre may share one address.
Both locks last JOBBRO_SIGNIN_LOCK_MINUTES after the latest failure. Administrators lift a lock by deleting the
access attempts in the administration (docs/operations.md, "Sign-in").
"""

import time

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes compares the larger of its per-parameter counts with one limit; we need a limit per parameter.

    AXES_LOCKOUT_PARAMETERS is ["username", "ip_address"], so the attempts come back as [per account, per address].
    AXES_FAILURE_LIMIT is the account limit; a full address count is reported as reaching it.
    """

    def get_failures(self, request, credentials=None):
        by_account, by_address = (self._total(attempts) for attempts in self.get_user_attempts(request, credentials))
        if by_address >= settings.SIGNIN_FAILURES_PER_ADDRESS:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account

    def reset_user_attempts(self, request, credentials=None):
        """A successful sign-in clears that account's failures only.

        Axes would clear every failure matching any lockout parameter, the address's included: anyone with an account
        could then wipe the count against a colleague's account by signing in from the same address.
        """
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted

    @staticmethod
    def _total(attempts):
        return sum(attempts.values_list("failures_since_start", flat=True))


def lockout_response(request, original_response=None, credentials=None):
    """The Danish (or English) page saying the sign-in is locked and from when to try again; status 429."""
    until = timezone.localtime(timezone.now() + get_cool_off(request))
    return render(
        request,
        "accounts/lockout.html",
        {
            "retry_at": until,
            "lock_minutes": settings.SIGNIN_LOCK_MINUTES,
        },
        status=429,
    )


# --- Idle timeout ---------------------------------------------------------------------------------------------------

LAST_SEEN_KEY = "jobbro_last_seen"
# Saving the session on every request would serialise a user's requests on the session row; once a minute is
# precise enough for a timeout counted in minutes.
REFRESH_EVERY_SECONDS = 60


@receiver(user_logged_in)
def start_the_idle_clock(sender, request, user, **kwargs):
    """The sign-in saves the session anyway; starting the clock there spares the first page a session write."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = time.time()


class IdleTimeoutMiddleware:
    """Signs out a user idle for JOBBRO_IDLE_TIMEOUT_MINUTES, and sends them to sign in again.

    The session cookie ends with the browser (SESSION_EXPIRE_AT_BROWSER_CLOSE), and the session row expires after
    the same idle time (SESSION_COOKIE_AGE), refreshed with the last-seen time at most once a minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - last_seen > REFRESH_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
