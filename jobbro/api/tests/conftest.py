"""Integrations for the API tests: `token_for(user, *scopes)` creates one through the real action and returns a
client that sends its token."""

import pytest
from django.test import Client

from jobbro.api import actions
from jobbro.api.models import Scope

EVERY_SCOPE = tuple(Scope.values)


class ApiClient:
    """A test client that sends an integration's token (and no session) with every request."""

    def __init__(self, token, language=None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}
        if language:
            self.headers["Accept-Language"] = language
        self.token = token

    def get(self, path, data=None, **headers):
        return self.client.get(path, data, headers={**self.headers, **headers})

    def post(self, path, data=None, **headers):
        return self.client.post(path, data or {}, content_type="application/json", headers={**self.headers, **headers})


@pytest.fixture
def token_for(administrator):
    def _token_for(user, *scopes, language=None, days=30):
        integration, token = actions.create_integration(
            acting_user=administrator,
            name=f"System for {user.username}",
            user=user,
            scopes=scopes or EVERY_SCOPE,
            days=days,
        )
        api = ApiClient(token, language)
        api.integration = integration
        return api

    return _token_for
