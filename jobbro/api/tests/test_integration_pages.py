"""The administrators' page of integrations: create (the token shown once), list, revoke; others get 404."""

import pytest
from django.urls import reverse

from jobbro.api.models import Integration
from jobbro.audit.models import ChangeLog

pytestmark = pytest.mark.django_db


def test_an_administrator_creates_an_integration_and_sees_its_token_once(client, administrator, manager):
    client.force_login(administrator)
    response = client.post(
        reverse("integration_list"),
        {"name": "BI – Aarhus", "user": manager.pk, "scopes": ["reports:read"], "days": 90},
    )
    assert response.status_code == 302  # a reload of the page it lands on posts nothing again
    shown = client.get(response["Location"])
    token = shown.context["token"]
    assert token.startswith("jbr_") and token in shown.content.decode()
    integration = Integration.objects.get()
    assert (integration.name, integration.user, integration.scopes) == ("BI – Aarhus", manager, ["reports:read"])
    assert ChangeLog.objects.filter(action="create_integration", user=administrator).exists()
    again = client.get(reverse("integration_list")).content.decode()
    assert token not in again and integration.prefix in again
    # The token works for the API at once, as the service user.
    api = client.get("/api/v1/reports/", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200


def test_a_refused_form_says_why_in_danish(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("integration_list"), {"name": "", "scopes": [], "days": 0})
    assert response.status_code == 400
    assert not Integration.objects.exists()
    assert "Feltet skal udfyldes." in response.content.decode()


def test_an_administrator_revokes_an_integration_on_the_page(client, administrator, manager):
    from jobbro.api import actions

    integration, token = actions.create_integration(
        acting_user=administrator, name="BI", user=manager, scopes=["reports:read"]
    )
    client.force_login(administrator)
    response = client.post(reverse("integration_revoke", kwargs={"pk": integration.pk}))
    assert response.status_code == 302
    assert Integration.objects.get().revoked_by == administrator
    assert client.get("/api/v1/reports/", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("role", ["coordinator", "manager", "caseworker", "alice"])
def test_only_administrators_reach_the_page(client, role, request, administrator, manager):
    from jobbro.api import actions

    integration, _token = actions.create_integration(
        acting_user=administrator, name="BI", user=manager, scopes=["reports:read"]
    )
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("integration_list")).status_code == 404
    assert client.post(reverse("integration_revoke", kwargs={"pk": integration.pk})).status_code == 404
    assert Integration.objects.get().revoked_at is None


def test_the_schema_and_the_operations_page_are_published(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.") and "/api/v1/citizens/" in body["paths"]
    assert body["components"]["securitySchemes"]["integrationToken"]["scheme"] == "bearer"
    assert schema["Content-Language"] == "da"
    english = client.get("/api/schema/", headers={"Accept-Language": "en"}).json()
    kinds = english["components"]["schemas"]["PlacementKindEnum"]["description"]
    assert "Internship (virksomhedspraktik)" in kinds
    assert kinds != body["components"]["schemas"]["PlacementKindEnum"]["description"]
    page = client.get("/api/docs/")
    assert page.status_code == 200 and "/api/v1/placements/{id}/hours/" in page.content.decode()
