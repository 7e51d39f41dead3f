"""Signed unsubscribe links: no login, no expiry (an old e-mail's link still works), the address never in the URL in
clear (it is signed and compressed, and the token names the address's opt-out, nothing else)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "jobbro.messaging.unsubscribe"
# Purposes whose e-mails always carry an unsubscribe link.
WITH_LINK = {"small_jobs_list", "hours_reminder"}


def token(address, purpose, programme_id=None):
    return signing.dumps({"a": address, "p": purpose, "g": programme_id}, salt=SALT, compress=True)


def read(value):
    """{"a": address, "p": purpose, "g": programme id or None}; signing.BadSignature when forged or damaged."""
    return signing.loads(value, salt=SALT)


def url(address, purpose, programme_id=None):
    path = reverse("message_unsubscribe", args=[token(address, purpose, programme_id)])
    return settings.SITE_URL.rstrip("/") + path
