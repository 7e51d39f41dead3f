"""Hourly wages and gross pay: a dated history, the wage in force for a week, gross pay from ordinary hours only;
subsidised hours (løntilskud) as their own figure on the timesheet."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from jobbro.audit.models import Action, ChangeLog
from jobbro.cases import actions, wages
from jobbro.cases.models import HourlyWage, PlacementKind, Timesheet

D = datetime.date
MONDAY = D(2025, 3, 17)  # the placement's start (REFERRED_ON + 14 days), a Monday
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def placement(alices_enrolment, start):
    return start(alices_enrolment, starts_on=MONDAY)


@pytest.fixture
def subsidy(alices_enrolment, start):
    return start(alices_enrolment, starts_on=MONDAY, kind=PlacementKind.WAGE_SUBSIDY)


def set_wage(user, placement, valid_from, wage):
    return actions.set_hourly_wage(acting_user=user, placement=placement, valid_from=valid_from, hourly_wage=wage)


def hours(user, placement, monday, ordinary, internship=0, subsidised=None):
    return actions.register_hours(
        acting_user=user,
        placement=placement,
        week_start=monday,
        ordinary_hours=ordinary,
        internship_hours=internship,
        subsidised_hours=subsidised,
    )


# --- The history rule ----------------------------------------------------------------------------------------------


def test_the_wage_in_force_for_a_week_is_the_latest_from_on_or_before_its_monday(alice, placement):
    set_wage(alice, placement, MONDAY, Decimal("130.00"))
    set_wage(alice, placement, MONDAY + WEEK + datetime.timedelta(days=2), Decimal("140.00"))  # a Wednesday
    set_wage(alice, placement, MONDAY + 3 * WEEK, Decimal("150.00"))  # a Monday

    assert wages.wage_in_force(placement, MONDAY - datetime.timedelta(days=1)) is None
    assert wages.wage_in_force(placement, MONDAY) == Decimal("130.00")
    # From a Wednesday: not yet in force in that week (its Monday is before it), in force the week after.
    assert wages.wage_in_force(placement, MONDAY + WEEK + datetime.timedelta(days=4)) == Decimal("130.00")
    assert wages.wage_in_force(placement, MONDAY + 2 * WEEK) == Decimal("140.00")
    assert wages.wage_in_force(placement, MONDAY + 3 * WEEK) == Decimal("150.00")


def test_a_new_wage_never_overwrites_the_history_and_is_in_the_change_log(alice, placement):
    set_wage(alice, placement, MONDAY, Decimal("130"))
    set_wage(alice, placement, MONDAY + WEEK, Decimal("135.50"))
    assert list(HourlyWage.objects.filter(placement=placement).values_list("hourly_wage", flat=True)) == [
        Decimal("130.00"),
        Decimal("135.50"),
    ]
    logged = ChangeLog.objects.filter(action=Action.SET_HOURLY_WAGE).order_by("pk")
    assert [row.changes["hourly_wage"] for row in logged] == ["130.00", "135.50"]
    assert all(row.citizen_ref for row in logged)


def test_a_correction_from_the_same_date_wins(alice, placement):
    set_wage(alice, placement, MONDAY, Decimal("130"))
    set_wage(alice, placement, MONDAY, Decimal("131"))
    assert wages.wage_in_force(placement, MONDAY) == Decimal("131")


@pytest.mark.parametrize("wage", [Decimal("0"), Decimal("-5"), Decimal("10001")])
def test_a_wage_outside_its_range_is_refused(alice, placement, wage):
    with pytest.raises(ValidationError):
        set_wage(alice, placement, MONDAY, wage)
    assert not HourlyWage.objects.exists()


# --- Gross pay -----------------------------------------------------------------------------------------------------


def test_gross_pay_is_ordinary_hours_times_the_wage_in_force_week_by_week(alice, subsidy):
    set_wage(alice, subsidy, MONDAY, Decimal("130.00"))
    set_wage(alice, subsidy, MONDAY + WEEK, Decimal("140.50"))
    hours(alice, subsidy, MONDAY, 10, subsidised=20)
    hours(alice, subsidy, MONDAY + WEEK, Decimal("7.5"), subsidised=20)

    assert wages.gross_pay_for_week(subsidy, MONDAY) == Decimal("1300.00")
    assert wages.gross_pay_for_week(subsidy, MONDAY + WEEK) == Decimal("1053.75")
    # Both Mondays are in March 2025; subsidised hours are never in the gross pay.
    assert wages.gross_pay_for_month(subsidy, 2025, 3) == Decimal("2353.75")
    months = list(wages.gross_pay_by_month(Timesheet.objects.filter(placement=subsidy)))
    assert [(m["month"], m["ordinary"], m["gross_pay"]) for m in months] == [
        (D(2025, 3, 1), Decimal("17.5"), Decimal("2353.75"))
    ]


def test_a_week_belongs_to_the_month_of_its_monday(alice, placement):
    set_wage(alice, placement, MONDAY, Decimal("100"))
    hours(alice, placement, D(2025, 3, 31), 10)  # Monday 31 March, its Friday in April
    assert wages.gross_pay_for_month(placement, 2025, 3) == Decimal("1000.00")
    assert wages.gross_pay_for_month(placement, 2025, 4) == Decimal("0.00")


def test_weeks_without_a_wage_in_force_have_no_gross_pay(alice, placement):
    hours(alice, placement, MONDAY, 10)
    set_wage(alice, placement, MONDAY + WEEK, Decimal("100"))
    hours(alice, placement, MONDAY + WEEK, 5)
    assert wages.gross_pay_for_week(placement, MONDAY) == Decimal("0.00")
    assert wages.gross_pay_for_month(placement, 2025, 3) == Decimal("500.00")
    (month,) = wages.gross_pay_by_month(Timesheet.objects.filter(placement=placement))
    assert month["weeks_without_wage"] == 1


def test_amounts_are_written_the_danish_way():
    with translation.override("da"):
        assert wages.kroner(Decimal("1234.5")) == "1.234,50 kr."
        assert wages.kroner(Decimal("0")) == "0,00 kr."


# --- Subsidised hours ---------------------------------------------------------------------------------------------


def test_subsidised_hours_are_their_own_figure_on_a_wage_subsidy_placement(alice, subsidy):
    sheet = hours(alice, subsidy, MONDAY, 5, subsidised="25,5")
    assert (sheet.ordinary_hours, sheet.internship_hours, sheet.subsidised_hours) == (5, 0, Decimal("25.5"))
    # Registering the week again without them keeps them.
    sheet = hours(alice, subsidy, MONDAY, 6)
    assert sheet.subsidised_hours == Decimal("25.5")
    assert ChangeLog.objects.filter(action=Action.REGISTER_HOURS).first().changes["subsidised"] == "25.5"


def test_subsidised_hours_follow_the_weekly_hours_rule(alice, subsidy):
    for wrong in ("61", "-1", "7,25", "x"):
        with pytest.raises(ValidationError) as refused:
            hours(alice, subsidy, MONDAY, 0, subsidised=wrong)
        assert "subsidised_hours" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        hours(alice, subsidy, MONDAY, 30, subsidised=31)  # together more than 60
    assert "subsidised_hours" in refused.value.message_dict
    assert not Timesheet.objects.exists()


def test_only_a_wage_subsidy_placement_has_subsidised_hours(alice, placement):
    with pytest.raises(ValidationError) as refused:
        hours(alice, placement, MONDAY, 5, subsidised=10)
    assert "subsidised_hours" in refused.value.message_dict


def test_the_database_keeps_the_week_at_most_60_with_subsidised_hours(subsidy):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Timesheet.objects.create(placement=subsidy, week_start=MONDAY, ordinary_hours=30, subsidised_hours=31)


# --- Who may ------------------------------------------------------------------------------------------------------


def test_a_mentor_and_an_outsider_may_not_set_a_wage(placement, mentor, charlie, bob, caseworker, alice):
    for user in (mentor, charlie):
        with pytest.raises(PermissionDenied):
            set_wage(user, placement, MONDAY, Decimal("130"))
    set_wage(caseworker, placement, MONDAY, Decimal("130"))
    set_wage(alice, placement, MONDAY + WEEK, Decimal("131"))
    assert HourlyWage.objects.count() == 2


def wage_url(placement):
    return reverse("placement_wage", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})


def detail_url(placement):
    return reverse("placement_detail", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})


def test_the_wage_page_is_a_404_for_whoever_may_not_set_it(client, placement, mentor, charlie):
    for user in (mentor, charlie):
        client.force_login(user)
        assert client.get(wage_url(placement)).status_code == 404
        assert client.post(wage_url(placement), {"valid_from": "17.03.2025", "hourly_wage": "130"}).status_code == 404
    assert not HourlyWage.objects.exists()


def test_the_job_broker_sets_a_wage_and_the_placement_page_shows_it_and_the_gross_pay(client, alice, placement):
    client.force_login(alice)
    response = client.post(wage_url(placement), {"valid_from": "17.03.2025", "hourly_wage": "1234,5"})
    assert response.status_code == 302
    assert wages.wage_in_force(placement, MONDAY) == Decimal("1234.50")
    hours(alice, placement, MONDAY, 2)
    page = client.get(detail_url(placement)).content.decode()
    assert 'id="wage-now">1.234,50 kr.' in page
    assert "2.469,00 kr." in page  # the week's and the month's gross pay
    assert 'id="set-wage"' in page


def test_a_typed_wage_with_more_than_two_decimals_is_refused_on_the_page(client, alice, placement):
    client.force_login(alice)
    response = client.post(wage_url(placement), {"valid_from": "17.03.2025", "hourly_wage": "130,555"})
    assert response.status_code == 200
    assert not HourlyWage.objects.exists()


def test_the_mentor_sees_the_wage_but_no_button_to_set_it(client, alice, mentor, bobs_enrolment, start):
    placement = start(bobs_enrolment, starts_on=MONDAY)
    set_wage(alice, placement, MONDAY, Decimal("130"))
    client.force_login(mentor)
    page = client.get(detail_url(placement)).content.decode()
    assert "130,00 kr." in page
    assert 'id="set-wage"' not in page


# --- The hours page -----------------------------------------------------------------------------------------------


def row_url(placement, monday):
    from jobbro.cases import timesheets

    return reverse(
        "week_hours_row",
        kwargs={
            "week": timesheets.week_label(monday),
            "citizen_pk": placement.enrolment.citizen_id,
            "placement_pk": placement.pk,
        },
    )


def test_the_hours_page_takes_subsidised_hours_and_shows_the_gross_pay(client, alice, subsidy):
    set_wage(alice, subsidy, MONDAY, Decimal("150"))
    client.force_login(alice)
    prefix = f"p{subsidy.pk}"
    response = client.post(
        row_url(subsidy, MONDAY),
        {f"{prefix}-ordinary_hours": "10", f"{prefix}-internship_hours": "0", f"{prefix}-subsidised_hours": "20,5"},
    )
    assert response.status_code == 302
    sheet = Timesheet.objects.get(placement=subsidy, week_start=MONDAY)
    assert (sheet.ordinary_hours, sheet.subsidised_hours) == (10, Decimal("20.5"))
    page = client.get(reverse("week_hours"), {"week": "2025-W12"}).content.decode()
    assert 'data-field="subsidised"' in page
    assert "data-week-gross-pay" in page
    assert "1.500,00 kr." in page


def test_the_hours_page_refuses_too_many_hours_in_the_week_with_subsidised_hours(client, alice, subsidy):
    client.force_login(alice)
    prefix = f"p{subsidy.pk}"
    response = client.post(
        row_url(subsidy, MONDAY),
        {f"{prefix}-ordinary_hours": "40", f"{prefix}-internship_hours": "0", f"{prefix}-subsidised_hours": "21"},
    )
    assert response.status_code == 200
    assert not Timesheet.objects.exists()
