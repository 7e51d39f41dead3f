"""The demo prints a token of an integration acting as its manager, and the request it prints works."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from jobbro.api.models import Integration

pytestmark = pytest.mark.django_db


def test_load_demo_prints_a_working_token_for_business_intelligence():
    out = StringIO()
    call_command("load_demo", "--citizens", "12", "--today", "2026-03-02", stdout=out)
    token, url = re.search(r"Bearer (jbr_[\w-]+)' (\S+)", out.getvalue()).groups()
    integration = Integration.objects.get()
    assert (integration.name, integration.user.username, integration.created_by.username) == (
        "BI (demo)",
        "leder",
        "admin",
    )
    path = url.split("://", 1)[1].partition("/")[2]
    answer = Client().get("/" + path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["slug"] == "status"
    # The manager reads named citizens but not case notes; writes are outside the integration's scopes.
    assert Client().get("/api/v1/citizens/", headers={"Authorization": f"Bearer {token}"}).json()["count"] == 12
    refused = Client().post("/api/v1/contacts/", {}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
