"""Wages and gross pay: the one definition the placement page, the hours page and the benefits office's list use.

- The hourly wage in force for a week is the placement's latest wage from on or before the week's Monday
  (HourlyWage rows are an append-only history; a later row with the same date wins).
- Gross pay for a week is the week's ordinary paid hours × the wage in force for the week. Internship hours and
  subsidised hours (løntilskud) are never in it: they are not ordinary paid hours.
- A week belongs to the calendar month of its Monday (as on the hours page, cases/timesheets.py month_bounds), so
  gross pay for a month is the sum over the weeks whose Monday is in the month.

All of it is queries: the wage in force is a subquery on the timesheet row, the sums are database aggregates.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats

from jobbro.cases.models import HourlyWage, Timesheet

MONEY = DecimalField(max_digits=12, decimal_places=2)
ZERO = Decimal("0.00")


def monday_of(day):
    return day - datetime.timedelta(days=day.isoweekday() - 1)


def month_first_last(year, month):
    first = datetime.date(year, month, 1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def wage_in_force_subquery(placement_ref="placement_id", monday_ref="week_start"):
    """The hourly wage in force for the outer row's week (None when no wage was set from on or before it)."""
    return Subquery(
        HourlyWage.objects.filter(placement_id=OuterRef(placement_ref), valid_from__lte=OuterRef(monday_ref))
        .order_by("-valid_from", "-pk")
        .values("hourly_wage")[:1],
        output_field=MONEY,
    )


def gross_pay_expression():
    """A timesheet row's gross pay: ordinary hours × the wage in force (None without a wage)."""
    return ExpressionWrapper(F("ordinary_hours") * wage_in_force_subquery(), output_field=MONEY)


def with_pay(timesheets):
    """Timesheets annotated with `hourly_wage` (in force for the week) and `gross_pay`."""
    return timesheets.annotate(hourly_wage=wage_in_force_subquery(), gross_pay=gross_pay_expression())


def wage_in_force(placement, on):
    """The hourly wage in force for the week of `on` (the latest from on or before its Monday), or None."""
    row = (
        HourlyWage.objects.filter(placement=placement, valid_from__lte=monday_of(on))
        .order_by("-valid_from", "-pk")
        .values_list("hourly_wage", flat=True)
        .first()
    )
    return row


def wage_history(placement):
    return HourlyWage.objects.filter(placement=placement).order_by("-valid_from", "-pk").select_related("set_by")


def month_weeks(timesheets, year, month):
    first, last = month_first_last(year, month)
    return timesheets.filter(week_start__gte=first, week_start__lte=last)


def gross_pay_for_week(placement, monday):
    """Gross pay for the placement's week: ordinary hours × the wage in force (0 without hours or wage)."""
    total = with_pay(Timesheet.objects.filter(placement=placement, week_start=monday_of(monday))).aggregate(
        total=Coalesce(Sum("gross_pay"), Value(ZERO), output_field=MONEY)
    )["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def gross_pay_for_month(placement, year, month):
    """Gross pay for the calendar month: the sum of the weeks' gross pay whose Monday is in the month."""
    sheets = month_weeks(Timesheet.objects.filter(placement=placement), year, month)
    total = with_pay(sheets).aggregate(total=Coalesce(Sum("gross_pay"), Value(ZERO), output_field=MONEY))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def gross_pay_by_month(timesheets):
    """Per calendar month (of the weeks' Mondays), newest first: month, ordinary hours, gross pay, and whether a
    week with ordinary hours has no wage in force (its gross pay is then unknown, not 0)."""
    return (
        with_pay(timesheets)
        .annotate(month=TruncMonth("week_start"))
        .values("month")
        .annotate(
            ordinary=Sum("ordinary_hours"),
            gross_pay=Coalesce(Sum("gross_pay"), Value(ZERO), output_field=MONEY),
            weeks_without_wage=Count("pk", filter=Q(ordinary_hours__gt=0, hourly_wage__isnull=True)),
        )
        .order_by("-month")
    )


def kroner(value):
    """An amount as Danes write it on the page: 1.234,50 kr. (in the active language's number format)."""
    if value is None:
        return ""
    return f"{formats.number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)} kr."
