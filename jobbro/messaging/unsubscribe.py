"""Signed unsubscribe links: no login, no expiry (an old e-mail's link still works). The token is the message's id,
signed: the address is never in the URL; the link unsubscribes the address the message went to from its purpose."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "jobbro.messaging.unsubscribe"
# Purposes whose e-mails always carry an unsubscribe link.
WITH_LINK = {"small_jobs_list", "hours_reminder"}


def token(message_id):
    return signing.dumps(message_id, salt=SALT)


def read(value):
    """The message's id; signing.BadSignature when forged or damaged."""
    return signing.loads(value, salt=SALT)


def url(message_id):
    return settings.SITE_URL.rstrip("/") + reverse("message_unsubscribe", args=[token(message_id)])
