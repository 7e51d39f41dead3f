"""Incremental sync: `changed_since` returns exactly the records with a change-log row at or after the time."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.api.models import Scope
from jobbro.audit.models import ChangeLog
from jobbro.cases import actions as case_actions
from jobbro.companies import actions as company_actions
from jobbro.conftest import make_cvr

pytestmark = pytest.mark.django_db

BASE = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def companies(coordinator):
    """Four companies through the action; two changed once more (two change-log rows each)."""
    made = [
        company_actions.create_company(
            acting_user=coordinator, cvr=make_cvr(), name=f"Firma {n}", industry_code="561010", kind="private"
        )
        for n in range(4)
    ]
    for company in made[:2]:
        company_actions.update_company(acting_user=coordinator, company=company, city="Aarhus")
    return made


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_changed_since_returns_exactly_the_records_changed_at_or_after_the_time(
    companies, coordinator, token_for, data
):
    rows = list(ChangeLog.objects.filter(object_type="company").order_by("pk"))
    minutes = data.draw(st.lists(st.integers(0, 120), min_size=len(rows), max_size=len(rows)), label="row minutes")
    for row, minute in zip(rows, minutes, strict=True):
        ChangeLog.objects.filter(pk=row.pk).update(at=BASE + datetime.timedelta(minutes=minute))
    since = BASE + datetime.timedelta(minutes=data.draw(st.integers(-5, 125), label="since minute"))
    expected = {
        int(row.object_id)
        for row, minute in zip(rows, minutes, strict=True)
        if BASE + datetime.timedelta(minutes=minute) >= since
    }
    api = token_for(coordinator, Scope.COMPANIES_READ)
    answer = api.get("/api/v1/companies/", {"changed_since": since.isoformat(), "limit": 500}).json()
    assert {company["id"] for company in answer["results"]} == expected
    assert answer["count"] == len(expected)


def test_a_citizen_has_changed_when_anything_on_their_case_has(world, token_for):
    api = token_for(world.caseworker, Scope.CITIZENS_READ, Scope.CASES_WRITE, Scope.CASES_READ)
    ChangeLog.objects.update(at=timezone.now() - datetime.timedelta(days=1))
    since = timezone.now() - datetime.timedelta(minutes=1)
    assert api.get("/api/v1/citizens/", {"changed_since": since.isoformat()}).json()["count"] == 0
    response = api.post(
        "/api/v1/contacts/", {"enrolment": world.bobs_enrolment.pk, "kind": "phone", "occurred_on": "2025-03-10"}
    )
    assert response.status_code == 201, response.json()
    changed = api.get("/api/v1/citizens/", {"changed_since": since.isoformat()}).json()["results"]
    assert [citizen["id"] for citizen in changed] == [world.bobs_citizen.pk]
    contacts = api.get("/api/v1/contacts/", {"changed_since": since.isoformat()}).json()["results"]
    assert [contact["id"] for contact in contacts] == [response.json()["id"]]
    # Danish local time without an offset is read as such.
    local = timezone.localtime(since).replace(tzinfo=None).isoformat()
    assert api.get("/api/v1/citizens/", {"changed_since": local}).json()["count"] == 1


def test_case_step_changes_count_as_changes_of_the_enrolment(world, token_for):
    api = token_for(world.caseworker, Scope.CASES_READ)
    ChangeLog.objects.update(at=timezone.now() - datetime.timedelta(days=1))
    since = timezone.now() - datetime.timedelta(minutes=1)
    case_actions.change_step(
        acting_user=world.caseworker, enrolment=world.alices_enrolment, step=2, on=datetime.date(2025, 3, 10)
    )
    answer = api.get("/api/v1/enrolments/", {"changed_since": since.isoformat()}).json()
    assert [enrolment["id"] for enrolment in answer["results"]] == [world.alices_enrolment.pk]
