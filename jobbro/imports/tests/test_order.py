"""The order of the rows within a sheet does not matter: shuffled, the same file gives the same database."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.cases.models import Enrolment, Placement, StepChange, Timesheet
from jobbro.conftest import make_cpr, make_cvr, rolled_back
from jobbro.imports import runner
from jobbro.imports.tests.helpers import workbook
from jobbro.people.models import Citizen, TrafficLightChange

pytestmark = pytest.mark.django_db

CITIZENS = 4
CPRS = [make_cpr(9000 + n, dashed=True) for n in range(CITIZENS)]
CVR = make_cvr(4242)
MONDAY = datetime.date(2025, 1, 6)


def sheets():
    """Four citizens, their enrolments, step changes, placements and weeks of hours, on distinct dates."""
    book = {
        "Virksomheder": [["CVR-nummer", "Navn", "Branchekode", "Type"], [CVR, "Kantinen", "561010", "privat"]],
        "Borgere": [["CPR-nummer", "Fornavn", "Efternavn", "Trafiklys", "Trafiklys dato"]],
        "Forløb": [["CPR-nummer", "Site", "Startdato", "Trafiklys ved start", "Forventede timer"]],
        "Trinskift": [["CPR-nummer", "Trin", "Dato"]],
        "Virksomhedsforløb": [
            ["Ekstern id", "CPR-nummer", "CVR-nummer", "Type", "Startdato", "Aftalte ordinære timer"]
        ],
        "Timer": [["Virksomhedsforløb", "Uge", "Ordinære timer", "Praktiktimer"]],
    }
    for n, number in enumerate(CPRS):
        referred = MONDAY + datetime.timedelta(weeks=n)
        book["Borgere"].append(
            [number, f"Navn{n}", "Efternavn", ["grøn", "gul", "rød"][n % 3], referred + datetime.timedelta(days=30)]
        )
        book["Forløb"].append([number, "Aarhus Kommune", referred, "gul", str(5 + n)])
        book["Trinskift"].append([number, "2", referred + datetime.timedelta(days=7)])
        book["Trinskift"].append([number, "3", referred + datetime.timedelta(days=14)])
        book["Virksomhedsforløb"].append([f"P{n}", number, CVR, "småjob", referred + datetime.timedelta(days=14), "6"])
        for week in range(3):
            book["Timer"].append([f"P{n}", referred + datetime.timedelta(days=14, weeks=week), str(week + n), "0"])
    return book


def dump():
    """The imported records by their natural keys (ids differ from run to run)."""
    return {
        "citizens": sorted(Citizen.objects.values_list("cpr_hash", "first_name", "traffic_light", "birth_date")),
        "lights": sorted(TrafficLightChange.objects.values_list("citizen__cpr_hash", "light", "changed_on")),
        "enrolments": sorted(
            Enrolment.objects.values_list("citizen__cpr_hash", "referred_on", "current_step", "estimated_weekly_hours")
        ),
        "steps": sorted(StepChange.objects.values_list("enrolment__citizen__cpr_hash", "step", "changed_on")),
        "placements": sorted(
            Placement.objects.values_list(
                "external_id", "enrolment__citizen__cpr_hash", "starts_on", "agreed_ordinary_hours"
            )
        ),
        "timesheets": sorted(Timesheet.objects.values_list("placement__external_id", "week_start", "ordinary_hours")),
    }


def import_and_dump(book, programme):
    with rolled_back():
        result = runner.run([("b.xlsx", workbook(book))], programme=programme)
        assert result.rejected == []
        return dump()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_shuffled_rows_give_the_same_database(programme, site, data):
    expected = import_and_dump(sheets(), programme)
    assert len(expected["timesheets"]) == 3 * CITIZENS
    shuffled = {}
    for name, rows in sheets().items():
        shuffled[name] = [rows[0], *data.draw(st.permutations(rows[1:]), label=name)]
    assert import_and_dump(shuffled, programme) == expected
