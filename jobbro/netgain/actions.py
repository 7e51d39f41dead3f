"""Writing a net-gain calculation on a case: the one write of the app.

The action checks who may (the role table and the case's scope), validates the inputs, asks the calculator
(netgain/calculator.py, pure) and keeps its rows as a snapshot with the inputs, in one transaction, with a
change-log row. A date without a rule table is refused with a message naming the field, never a figure.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases.models import Enrolment
from jobbro.netgain import calculator
from jobbro.netgain.models import MAX_HOURLY_WAGE, NetGainCalculation
from jobbro.weekly_hours import MAX_WEEKLY_HOURS

# "No rules for that" (calculator.RuleTableMissing is the tables' class); of those, the ones about the chosen benefit
# or rate, and a rate the table has no published amount for (the citizen's own benefit a month is then needed).
NO_RULES = calculator.RuleTableMissing
ABOUT_THE_RATE = (calculator.BenefitNotInTable, calculator.RateNotInTable)
NO_AMOUNT = calculator.FigureNotSourced

MAX_HOUR_CHOICES = 6
MAX_PLAN_MONTHS = 24


def _require(condition):
    if not condition:
        raise PermissionDenied


def require_may_calculate(user, enrolment):
    """The user may calculate (the role table) and the case is within their citizen scope."""
    _require(may(user, Capability.CALCULATE_NET_GAIN))
    _require(access.scope_enrolments(Enrolment.objects.filter(pk=enrolment.pk), user).exists())


def first_of_month(day):
    return day.replace(day=1)


def add_months(day, months):
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def expand_plan(steps, months):
    """Month by month from steps of (first month, weekly hours): each month has the hours of the latest step from on
    or before it, for `months` months from the first step. [(Jan, 5), (Mar, 10)] over 4 months is Jan 5, Feb 5,
    Mar 10, Apr 10."""
    steps = sorted((first_of_month(month), Decimal(hours)) for month, hours in steps)
    start = steps[0][0]
    plan = []
    for n in range(months):
        month = add_months(start, n)
        hours = [h for m, h in steps if m <= month][-1]
        plan.append((month, hours))
    return plan


def _check_hours(value, field):
    try:
        hours = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError({field: _("Write the hours a week as a number, e.g. 10.")}) from None
    if not Decimal(0) < hours <= MAX_WEEKLY_HOURS:
        raise ValidationError({field: _("Write between 1 and 60 hours a week.")})
    if hours != hours.quantize(Decimal("0.1")):
        raise ValidationError({field: _("Write the hours a week with at most one decimal, e.g. 7,5.")})
    return hours


def _check_wage(value):
    try:
        wage = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError({"hourly_wage": _("Write the hourly wage in kroner, e.g. 135,50.")}) from None
    if wage <= 0:
        raise ValidationError({"hourly_wage": _("The hourly wage must be more than 0 kr.")})
    if wage > MAX_HOURLY_WAGE:
        raise ValidationError({"hourly_wage": _("The hourly wage can be at most 10.000 kr.")})
    if wage != wage.quantize(Decimal("0.01")):
        raise ValidationError(
            {"hourly_wage": _("Write the hourly wage in kroner with at most two decimals, e.g. 135,50.")}
        )
    return wage


def no_table_message(day):
    return _(
        "There are no rules for %(date)s in the calculator (it has the rules of this year and last year). "
        "Choose a date they cover."
    ) % {"date": date_format(day, "SHORT_DATE_FORMAT")}


def refusal(error, on, date_field):
    """A ValidationError for the calculator's "no rules for that", on the rate or on the date field."""
    message = str(error) or no_table_message(on)
    if isinstance(error, NO_AMOUNT):
        field = "monthly_benefit"
    elif isinstance(error, ABOUT_THE_RATE):
        field = "rate"
    else:
        field = date_field
    return ValidationError({field: message})


def _check_rate(household, on, field):
    """The benefit's rate is one of the rule table's in force on the date (the table names the rates)."""
    try:
        rates = calculator.rates_in_force(on)
    except NO_RULES as error:
        raise refusal(error, on, field) from None
    if not any(benefit == household.benefit and rate == household.rate for benefit, rate, _amount in rates):
        raise ValidationError(
            {
                "rate": _("The rate does not belong to the benefit in the rules of %(date)s: choose another rate.")
                % {"date": date_format(on, "SHORT_DATE_FORMAT")}
            }
        )


def snapshot(rows, months=None):
    """The calculator's rows as JSON: amounts as text (exact Decimals), sources as [title, url], the month if any."""
    kept = []
    for n, row in enumerate(rows):
        data = {}
        for item in dataclasses.fields(row):
            value = getattr(row, item.name)
            if item.name == "sources":
                value = [[str(source.title), str(source.url)] for source in value]
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, (tuple, list)):
                value = [str(item) for item in value]  # notes, as shown now
            elif value is not None and not isinstance(value, (bool, int, float)):
                value = str(value)  # a translatable note, as shown now
            data[item.name] = value
        if months is not None:
            data["month"] = months[n].isoformat()
        kept.append(data)
    return kept


@transaction.atomic
def calculate_net_gain(*, acting_user, enrolment, household, hourly_wage, on=None, hours=None, steps=None, months=None):
    """Calculate and keep the net gain for the case: for hours a week (`hours`, e.g. (5, 10, 15), with the rules in
    force `on`), or month by month (`steps` of (first month, hours a week) over `months` months, each month with the
    rules in force in it). Returns the saved NetGainCalculation."""
    require_may_calculate(acting_user, enrolment)
    if (hours is None) == (steps is None):
        raise ValueError("give either hours or steps")
    wage = _check_wage(hourly_wage)
    if hours is not None:
        if not hours:
            raise ValidationError({"hours": _("Write at least one number of hours a week.")})
        if len(hours) > MAX_HOUR_CHOICES:
            raise ValidationError({"hours": _("Write at most 6 numbers of hours a week.")})
        checked = [_check_hours(value, "hours") for value in hours]
        _check_rate(household, on, "calculated_for")
        try:
            rows = calculator.gain_for_hours(household, hourly_wage=wage, hours=tuple(checked), on=on)
        except NO_RULES as error:
            raise refusal(error, on, "calculated_for") from None
        kind, calculated_for, kept_hours, month_list = (
            NetGainCalculation.Kind.HOURS,
            on,
            [str(h) for h in checked],
            None,
        )
    else:
        if not steps:
            raise ValidationError({"steps": _("Write at least one month with hours a week.")})
        if not months or not 1 <= months <= MAX_PLAN_MONTHS:
            raise ValidationError({"months": _("Write between 1 and 24 months.")})
        firsts = [first_of_month(month) for month, _h in steps]
        if len(set(firsts)) != len(firsts):
            raise ValidationError({"steps": _("Each month can have only one number of hours.")})
        steps = [(month, _check_hours(value, "steps")) for month, value in steps]
        plan = expand_plan(steps, months)
        _check_rate(household, plan[0][0], "steps")
        try:
            rows = calculator.month_by_month(household, hourly_wage=wage, plan=plan)
        except NO_RULES as error:
            missing = next((month for month, _h in plan if not _has_table(month)), plan[0][0])
            raise refusal(error, missing, "months") from None
        kind, calculated_for = NetGainCalculation.Kind.MONTHS, plan[0][0]
        kept_hours = [[month.isoformat(), str(h)] for month, h in sorted(steps)]
        month_list = [month for month, _h in plan]
    calculation = NetGainCalculation(
        enrolment=enrolment,
        kind=kind,
        calculated_for=calculated_for,
        benefit=household.benefit,
        rate=household.rate,
        monthly_benefit=household.monthly_benefit,
        age=household.age,
        couple=household.couple,
        children=household.children,
        living_with_parents=household.living_with_parents,
        monthly_rent=household.monthly_rent,
        municipal_tax_pct=household.municipal_tax_pct,
        partner_monthly_income=household.partner_monthly_income or Decimal(0),
        hourly_wage=wage,
        hours=kept_hours,
        table_versions=", ".join(dict.fromkeys(row.table_version for row in rows))[:100],
        figures=snapshot(rows, month_list),
        created_by=acting_user,
    )
    too_long = textlimits.length_errors(calculation)
    if too_long:
        raise ValidationError(too_long)
    calculation.full_clean(exclude=["enrolment", "created_by"])
    calculation.save()
    log_change(
        user=acting_user,
        action=Action.SAVE_NET_GAIN_CALCULATION,
        obj=calculation,
        citizen_pk=enrolment.citizen_id,
        changes={
            "enrolment": enrolment.pk,
            "kind": kind,
            "benefit": household.benefit,
            "rate": household.rate,
            "monthly_benefit": None if household.monthly_benefit is None else str(household.monthly_benefit),
            "hourly_wage": str(wage),
            "hours": kept_hours,
            "table_versions": calculation.table_versions,
        },
    )
    return calculation


def _has_table(day):
    try:
        calculator.rates_in_force(day)
    except NO_RULES:
        return False
    return True
