"""The benefits office's monthly list of hours and wages: its figures, sending and corrections, the exports, who may."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from jobbro.audit.models import AccessLog, Action, ChangeLog
from jobbro.cases import actions, wage_list
from jobbro.cases.models import PlacementKind, WageListSending
from jobbro.conftest import ALICES_CPR

D = datetime.date
MONDAY = D(2025, 3, 17)
WEEK = datetime.timedelta(days=7)
MARCH = D(2025, 3, 1)


@pytest.fixture
def paid(alice, alices_enrolment, start):
    """Mette Sørensen (Alice's caseload, Aarhus) on a wage subsidy at 150 kr. an hour, 10 + 12,5 ordinary hours in
    March 2025 (and subsidised hours, never on the list)."""
    placement = start(alices_enrolment, starts_on=MONDAY, kind=PlacementKind.WAGE_SUBSIDY)
    actions.set_hourly_wage(acting_user=alice, placement=placement, valid_from=MONDAY, hourly_wage=Decimal("150"))
    for monday, ordinary in ((MONDAY, 10), (MONDAY + WEEK, Decimal("12.5"))):
        actions.register_hours(
            acting_user=alice,
            placement=placement,
            week_start=monday,
            ordinary_hours=ordinary,
            internship_hours=0,
            subsidised_hours=20,
        )
    return placement


@pytest.fixture
def unit(programme, site):
    return wage_list.Unit(programme, site)


def query(unit, month=MARCH, **extra):
    params = {"programme": unit.programme.pk, "site": unit.site.pk, "month": month.strftime("%Y-%m"), **extra}
    return params


def send(user, unit, correction=False):
    return actions.mark_wage_list_sent(acting_user=user, unit=unit, month=MARCH, correction=correction)


# --- The figures ---------------------------------------------------------------------------------------------------


def test_the_list_holds_ordinary_hours_and_gross_wage_per_citizen(paid, unit, alices_citizen, bobs_enrolment, start):
    start(bobs_enrolment, starts_on=MONDAY)  # a placement without hours: not on the list
    figures = wage_list.month_figures(unit, MARCH)
    assert figures == {alices_citizen.pk: wage_list.Figure(Decimal("22.5"), Decimal("3375.00"), 0)}
    assert wage_list.month_figures(unit, D(2025, 4, 1)) == {}


def test_another_programme_is_not_on_the_list_and_may_not_be_asked_for(client, paid, alice, other_programme):
    client.force_login(alice)
    response = client.get(reverse("wage_list"), {"programme": other_programme.pk, "month": "2025-03"})
    assert response.status_code == 404


# --- The page ------------------------------------------------------------------------------------------------------


def test_the_job_broker_sees_the_month_and_her_unsent_caseload(client, paid, alice, unit, alices_citizen):
    client.force_login(alice)
    page = client.get(reverse("wage_list"), query(unit)).content.decode()
    assert "Mette Sørensen" in page
    assert "3.375,00 kr." in page
    assert 'data-state="not_sent"' in page
    assert 'id="caseload-unsent"' in page
    assert 'id="mark-sent"' in page
    assert "Henvist efter samtale" not in page  # free text about the citizen is never on the list
    assert ALICES_CPR not in page and "1234" not in page
    assert AccessLog.objects.filter(citizen_ref=alices_citizen.pk, view="wage_list").exists()


@pytest.mark.parametrize("who", ["mentor", "coordinator", "manager", "evaluator"])
def test_roles_without_the_list_get_404(client, paid, unit, who, request):
    client.force_login(request.getfixturevalue(who))
    for name in ("wage_list", "wage_list_xlsx", "wage_list_csv"):
        assert client.get(reverse(name), query(unit)).status_code == 404
    assert (
        client.post(
            reverse("wage_list_send") + f"?programme={unit.programme.pk}&site={unit.site.pk}&month=2025-03"
        ).status_code
        == 404
    )
    assert not WageListSending.objects.exists()


def test_the_action_refuses_a_user_outside_the_unit(paid, unit, charlie, mentor):
    for user in (charlie, mentor):
        with pytest.raises(PermissionDenied):
            send(user, unit)


# --- Sending and corrections ---------------------------------------------------------------------------------------


def test_mark_as_sent_records_month_date_sender_and_the_figures(client, paid, alice, unit, alices_citizen):
    client.force_login(alice)
    url = reverse("wage_list_send") + f"?programme={unit.programme.pk}&site={unit.site.pk}&month=2025-03"
    assert client.post(url).status_code == 302
    sending = WageListSending.objects.get()
    assert (sending.month, sending.kind, sending.sent_by) == (MARCH, "list", alice)
    assert sending.figures == {str(alices_citizen.pk): {"hours": "22.5", "gross_pay": "3375.00"}}
    logged = ChangeLog.objects.get(action=Action.SEND_WAGE_LIST)
    assert logged.changes["month"] == "2025-03" and logged.changes["citizens"] == 1
    assert wage_list.month_status(unit, MARCH).state == "sent"
    # Once only: afterwards a correction, and only when something changed.
    with pytest.raises(ValidationError):
        send(alice, unit)
    with pytest.raises(ValidationError):
        send(alice, unit, correction=True)
    page = client.get(reverse("wage_list"), query(unit)).content.decode()
    assert 'data-state="sent"' in page and 'id="caseload-unsent"' not in page


def test_a_change_after_sending_shows_as_corrected_with_the_differences(client, paid, alice, unit, alices_citizen):
    send(alice, unit)
    # The hours of a sent week change, and a new wage applies from the second week.
    actions.register_hours(acting_user=alice, placement=paid, week_start=MONDAY, ordinary_hours=12, internship_hours=0)
    actions.set_hourly_wage(acting_user=alice, placement=paid, valid_from=MONDAY + WEEK, hourly_wage=Decimal("160"))
    status = wage_list.month_status(unit, MARCH)
    assert status.state == "corrected"
    (difference,) = status.differences
    assert difference.citizen_id == alices_citizen.pk
    assert (difference.hours, difference.gross_pay) == (Decimal("2.0"), Decimal("425.00"))  # 12×150 + 12,5×160
    client.force_login(alice)
    page = client.get(reverse("wage_list"), query(unit)).content.decode()
    assert 'data-state="corrected"' in page and 'id="mark-correction-sent"' in page
    assert 'id="caseload-unsent"' in page
    response = client.get(reverse("wage_list_xlsx"), query(unit, corrections=1))
    assert response["Content-Disposition"] == 'attachment; filename="korrektion-timer-og-loen-marts-2025.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[2][1:] == ("Mette Sørensen", ALICES_CPR, 22.5, 24.5, 2, 3375, 3800, 425)
    corrected = send(alice, unit, correction=True)
    assert corrected.kind == "correction"
    assert wage_list.month_status(unit, MARCH).state == "sent"


def test_a_month_that_has_not_ended_cannot_be_sent(alice, unit):
    from jobbro.days import today

    with pytest.raises(ValidationError):
        actions.mark_wage_list_sent(acting_user=alice, unit=unit, month=today(), correction=False)


# --- The exports ---------------------------------------------------------------------------------------------------


def test_the_xlsx_holds_the_cpr_number_for_a_role_that_may_reveal_it_and_logs_each(
    client, paid, alice, unit, alices_citizen
):
    client.force_login(alice)
    response = client.get(reverse("wage_list_xlsx"), query(unit))
    assert response["Content-Disposition"] == 'attachment; filename="timer-og-loen-marts-2025.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("Måned", "Navn", "CPR-nummer", "Ordinære løntimer", "Bruttoløn (kr.)", "Uger uden timeløn")
    assert rows[2] == ("marts 2025", "Mette Sørensen", ALICES_CPR, 22.5, 3375, 0)
    assert (
        AccessLog.objects.filter(
            citizen_ref=alices_citizen.pk, action=AccessLog.Action.REVEAL_CPR, view="wage_list_export"
        ).count()
        == 1
    )


def test_without_the_right_to_reveal_the_export_holds_the_birth_date_masked(client, paid, administrator, unit):
    client.force_login(administrator)
    response = client.get(reverse("wage_list_csv"), query(unit))
    assert response["Content-Disposition"] == 'attachment; filename="timer-og-loen-marts-2025.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][2] == "Fødselsdato"
    assert rows[1] == ["marts 2025", "Mette Sørensen", "**.**.1990", "22,5", "3375,00", "0"]
    assert ALICES_CPR not in response.content.decode("utf-8-sig")
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR).exists()
