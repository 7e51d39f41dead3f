"""The rate limit per token (settings.API_RATE, e.g. 600/minute), counted in the shared cache so that every server
process counts the same requests. Over the limit: 429 with Retry-After."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def __init__(self):
        self.cache = caches["shared"]
        super().__init__()

    def get_rate(self):
        return settings.API_RATE

    def get_cache_key(self, request, view):
        if request.auth is None:
            return None
        # By the token's digest, not the row's id: an id used again (a database restored, a test's rolled-back rows)
        # never inherits another token's count.
        return self.cache_format % {"scope": self.scope, "ident": request.auth.digest[:32]}
