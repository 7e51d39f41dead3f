"""Integration tokens: 256 random bits, shown once; only their HMAC-SHA256 digest under settings.API_TOKEN_KEY is
stored (as portal/links.py keeps its links), so a copy of the database opens nothing."""

import hashlib
import hmac
import secrets

from django.conf import settings

from jobbro.api.models import Integration

PREFIX = "jbr_"


def new_token():
    return PREFIX + secrets.token_urlsafe(32)


def digest(token):
    return hmac.new(settings.API_TOKEN_KEY.encode(), str(token).encode(), hashlib.sha256).hexdigest()


def find(token):
    """The integration with this token, live or not, or None."""
    if not token or len(token) > 100:
        return None
    return Integration.objects.select_related("user").filter(digest=digest(token)).first()
