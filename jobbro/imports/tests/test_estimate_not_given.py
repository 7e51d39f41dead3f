"""The enrolments sheet: an empty estimate of weekly hours is not given (stored empty, never 0), a 0 stays 0, and an
imported enrolment has its start form on its start date (the sheet's start date is the start form's)."""

import datetime
from decimal import Decimal

import pytest

from jobbro.cases.models import Enrolment
from jobbro.conftest import make_cpr
from jobbro.imports import runner
from jobbro.imports.tests.helpers import workbook

pytestmark = pytest.mark.django_db

HEADER = ["CPR-nummer", "Site", "Startdato", "Trafiklys ved start", "Forventede timer"]


def import_enrolment(user, site, estimate):
    number = make_cpr(dashed=True)
    sheets = {
        "Borgere": [["CPR-nummer", "Fornavn", "Efternavn", "Trafiklys"], [number, "Nadia", "Khalil", "gul"]],
        "Forløb": [HEADER, [number, site.name, "03.03.2025", "gul", estimate]],
    }
    return runner.run([("import.xlsx", workbook(sheets))], user=user, programme=site.programme)


@pytest.mark.parametrize(("typed", "stored"), [("", None), ("0", Decimal("0")), ("7,5", Decimal("7.5"))])
def test_the_estimate_column_keeps_not_given_apart_from_0(programme, site, coordinator, typed, stored):
    result = import_enrolment(coordinator, site, typed)
    assert result.rejected == []
    enrolment = Enrolment.objects.get()
    assert enrolment.estimated_weekly_hours == stored
    assert (enrolment.referred_on, enrolment.started_on) == (datetime.date(2025, 3, 3), datetime.date(2025, 3, 3))


def test_an_estimate_outside_0_to_60_is_still_refused(programme, site, coordinator):
    result = import_enrolment(coordinator, site, "61")
    assert [row["column"] for row in result.rejected] == ["Forventede timer"]
    assert not Enrolment.objects.exists()
