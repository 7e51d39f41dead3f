"""A questionnaire's links: a token of 256 random bits in the address, only its HMAC-SHA256 digest stored.

The digest is keyed with settings.PORTAL_LINK_KEY (as jobbro/portal/links.py keys its links, under a prefix of its
own), so a copy of the database opens no link, and changing the key ends every link. `resolve` finds the live
invitation for a token: an unknown, expired, already answered or closed questionnaire's token is refused alike.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jobbro.surveys.models import Invitation, Questionnaire

PREFIX = "jobbro.surveys.invitation:"


def new_token():
    return secrets.token_urlsafe(32)


def digest(token):
    return hmac.new(settings.PORTAL_LINK_KEY.encode(), (PREFIX + str(token)).encode(), hashlib.sha256).hexdigest()


def url_for(token, base_url=None):
    base = (base_url or getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("survey_answer", kwargs={"token": token})


def find(token, *, for_update=False):
    """The invitation with this token, live or not, or None."""
    if not token or len(token) > 100:
        return None
    invitations = Invitation.objects.select_related("questionnaire", "enrolment__citizen")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    return invitations.filter(digest=digest(token)).first()


def resolve(token, now=None, *, for_update=False):
    """The invitation a token may answer now, or None: unknown, expired, answered and closed alike."""
    invitation = find(token, for_update=for_update)
    if invitation is None or not invitation.is_live(now or timezone.now()):
        return None
    if invitation.questionnaire.status != Questionnaire.Status.OPEN:
        return None
    return invitation
