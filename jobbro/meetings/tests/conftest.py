import datetime
import zoneinfo

import pytest

from jobbro.companies.models import CompanyContact
from jobbro.meetings import actions
from jobbro.people.models import Citizen

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def at(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=CPH)


@pytest.fixture
def contact(company):
    return CompanyContact.objects.create(
        company=company, name="Karin Kontakt", email="karin@cafe-havnen.dk", phone="+4512345678"
    )


@pytest.fixture
def book(alice, alices_enrolment, company, contact):
    """`book(**overrides)`: alice books a match-free meeting for her citizen Mette with Café Havnen's contact."""
    Citizen.objects.filter(pk=alices_enrolment.citizen_id).update(email="mette@example.dk", phone="+4520202020")
    alices_enrolment.citizen.refresh_from_db()
    alice.email = "alice@jobcenter.dk"
    alice.save(update_fields=["email"])

    def _book(**overrides):
        arguments = {
            "acting_user": alice,
            "kind": "coffee_visit",
            "starts_at": at(2027, 3, 26, 10),
            "ends_at": at(2027, 3, 26, 11),
            "address": "Havnegade 1, 8000 Aarhus C",
            "enrolment": alices_enrolment,
            "company": company,
            "company_contacts": [contact],
            "note": "Fortroligt: har haft svært ved at møde op efter indlæggelse.",
        }
        arguments.update(overrides)
        return actions.schedule_meeting(**arguments)

    return _book
