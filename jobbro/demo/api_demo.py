"""An integration of the JSON API for the demo (jobbro/api, docs/api.md): business intelligence acting as the demo's
manager, created by the demo's administrator through the real action.

A token is shown only when it is created, so `load_demo` creates a fresh integration each time it prints the logins
and prints its token with a request to try; it works on the demo server at settings.SITE_URL."""

from django.conf import settings

from jobbro.accounts.models import User
from jobbro.api import actions
from jobbro.api.models import Scope

CREATOR = "admin"  # the demo's administrator (demo/generator.py CORE_STAFF)
SERVICE_USER = "leder"  # the demo's manager: the reports and named citizens, no case notes
NAME = "BI (demo)"
SCOPES = [
    Scope.CITIZENS_READ,
    Scope.CASES_READ,
    Scope.PLACEMENTS_READ,
    Scope.HOURS_READ,
    Scope.COMPANIES_READ,
    Scope.REPORTS_READ,
]


def add_api_demo():
    """Create the integration; returns (its name, the token, a URL to try) or None without the demo's users."""
    creator = User.objects.filter(username=CREATOR, is_active=True).first()
    service_user = User.objects.filter(username=SERVICE_USER, is_active=True).first()
    if creator is None or service_user is None:
        return None
    integration, token = actions.create_integration(acting_user=creator, name=NAME, user=service_user, scopes=SCOPES)
    url = settings.SITE_URL.rstrip("/") + "/api/v1/reports/status/"
    return integration.name, token, url
