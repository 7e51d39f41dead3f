"""The net-gain forms: the household and the wage, then hours a week (5, 10, 15) or a plan of hours month by month.

Everything is filled in from the case where the case knows it (the citizen's benefit and age, the wage in force on
the running placement), so the job broker only checks it and presses Calculate. Numbers are typed as Danes write
them (7,5 and 135,50) and read by jobbro/numbers.py; each refusal says in Danish what is wrong with which field.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from jobbro import numbers
from jobbro.cases import wages
from jobbro.cases.models import Placement
from jobbro.days import today
from jobbro.formtools import DesignSystemForm
from jobbro.netgain import actions, calculator
from jobbro.netgain.models import MAX_HOURLY_WAGE, MAX_MONTHLY_AMOUNT
from jobbro.people import cpr

DEFAULT_HOURS = (5, 10, 15)
PLAN_ROWS = 4
DEFAULT_PLAN_MONTHS = 6

# The citizen's benefit on the case (people.BenefitType) as the calculator's benefit.
BENEFIT_OF_CASE = {
    "kontanthjaelp": calculator.Benefit.CASH,
    "uddannelseshjaelp": calculator.Benefit.EDUCATION,
    "integrationsydelse": calculator.Benefit.SELF_SUPPORT,
    "ressourceforloebsydelse": calculator.Benefit.RESOURCE_COURSE,
}


def rate_label(option):
    """'Cash benefit (kontanthjælp) – Grundsats (12.000 kr. a month)': the benefit, the table's rate and amount; a rate
    the table has no published amount for says that the citizen's benefit a month is needed."""
    benefit = (
        calculator.Benefit(option.benefit).label if option.benefit in calculator.Benefit.values else option.benefit
    )
    values = {"benefit": benefit, "rate": option.label}
    if option.amount is None:
        return _("%(benefit)s – %(rate)s (write the citizen's benefit a month below)") % values
    amount = number_format(Decimal(option.amount).quantize(Decimal(1)), decimal_pos=0, force_grouping=True)
    return _("%(benefit)s – %(rate)s (%(amount)s kr. a month)") % {**values, "amount": amount}


def rate_options(on):
    """{"benefit:rate": the calculator's RateOption} of the rule table in force on `on`; {} when there is none."""
    try:
        return {f"{option.benefit}:{option.key}": option for option in calculator.rate_options(on)}
    except actions.NO_RULES:
        return {}


def rate_choices(options):
    """The rates grouped by benefit, for the select: [(benefit label, [(value, label)])]."""
    groups = {}
    for value, option in options.items():
        group = (
            calculator.Benefit(option.benefit).label if option.benefit in calculator.Benefit.values else option.benefit
        )
        groups.setdefault(group, []).append((value, rate_label(option)))
    return list(groups.items())


def running_placement(enrolment, on):
    """The case's running placement on the date (the latest started, if two run side by side)."""
    return Placement.objects.running_on(on).filter(enrolment=enrolment).order_by("-starts_on", "-pk").first()


def prefill(enrolment, on=None):
    """Initial values from the case: the benefit's first rate, the citizen's age, the running placement's wage."""
    on = on or today()
    citizen = enrolment.citizen
    initial = {"age": cpr.age(citizen.birth_date, on), "children": 0, "calculated_for": on}
    benefit = BENEFIT_OF_CASE.get(citizen.benefit_type)
    if benefit:
        first = next((value for value in rate_options(on) if value.startswith(f"{benefit}:")), None)
        if first:
            initial["rate"] = first
    placement = running_placement(enrolment, on)
    wage = wages.wage_in_force(placement, on) if placement else None
    if wage is not None:
        initial["hourly_wage"] = number_format(wage, decimal_pos=2)
    return initial


def _amount(value, field_label, *, maximum, decimals=2):
    """A typed amount, or None when empty; refused in Danish naming the field."""
    if value in (None, ""):
        return None
    try:
        amount = numbers.parse_decimal(value)
    except ValidationError:
        raise ValidationError(
            _("%(field)s: write the amount with the digits 0-9, e.g. 135,50.") % {"field": field_label}
        ) from None
    if amount > maximum:
        raise ValidationError(
            _("%(field)s: write at most %(max)s.")
            % {"field": field_label, "max": number_format(maximum, decimal_pos=0, force_grouping=True)}
        )
    if amount != amount.quantize(Decimal(1).scaleb(-decimals)):
        raise ValidationError(_("%(field)s: write at most two decimals.") % {"field": field_label})
    return amount


def _hours(value, field_label):
    if value in (None, ""):
        return None
    try:
        hours = numbers.parse_decimal(value)
    except ValidationError:
        raise ValidationError(
            _("%(field)s: write the hours with the digits 0-9, e.g. 7,5.") % {"field": field_label}
        ) from None
    if not Decimal(0) < hours <= 60:
        raise ValidationError(_("%(field)s: write between 1 and 60 hours a week.") % {"field": field_label})
    if hours != hours.quantize(Decimal("0.1")):
        raise ValidationError(
            _("%(field)s: write the hours with at most one decimal, e.g. 7,5.") % {"field": field_label}
        )
    return hours


class MonthInput(forms.DateInput):
    """A month picker (2027-01); a class of its own so the shared form tools keep its type."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs={**(attrs or {}), "type": "month"}, format="%Y-%m")


class HouseholdForm(DesignSystemForm):
    """What the calculation needs to know about the citizen's household, benefit and wage (no free text)."""

    rate = forms.ChoiceField(
        label=_("Benefit and rate"),
        help_text=_("The citizen's benefit now, with the rate from the rules in force."),
        error_messages={
            "required": _("Choose the citizen's benefit and rate."),
            "invalid_choice": _("Choose one of the benefits and rates in the list."),
        },
    )
    monthly_benefit = forms.CharField(
        label=_("The citizen's benefit a month (kr.)"),
        max_length=12,
        required=False,
        help_text=_(
            "Before tax, with supplements, as on the payment letter. Needed when the rules have no published amount "
            "for the rate; otherwise it replaces the rate."
        ),
    )
    age = forms.IntegerField(
        label=_("Age"),
        min_value=15,
        max_value=99,
        error_messages={
            "required": _("Write the citizen's age."),
            "invalid": _("Write the age as a whole number, e.g. 34."),
            "min_value": _("Write an age between 15 and 99."),
            "max_value": _("Write an age between 15 and 99."),
        },
    )
    couple = forms.BooleanField(label=_("Married or cohabiting"), required=False)
    children = forms.IntegerField(
        label=_("Children under 18 living at home"),
        min_value=0,
        max_value=20,
        error_messages={
            "required": _("Write the number of children (0 if none)."),
            "invalid": _("Write the number of children as a whole number, e.g. 2."),
            "min_value": _("Write a number of children between 0 and 20."),
            "max_value": _("Write a number of children between 0 and 20."),
        },
    )
    living_with_parents = forms.BooleanField(label=_("Lives with their parents"), required=False)
    hourly_wage = forms.CharField(
        label=_("Hourly wage (kr.)"),
        max_length=12,
        help_text=_("Gross wage an hour, e.g. 135,50. Filled in from the running placement when it has a wage."),
        error_messages={"required": _("Write the hourly wage, e.g. 135,50.")},
    )
    monthly_rent = forms.CharField(
        label=_("Rent a month (kr., optional)"),
        max_length=12,
        required=False,
        help_text=_("Give the rent, and the change in housing benefit (boligsikring) is included."),
    )
    partner_monthly_income = forms.CharField(
        label=_("Partner's gross income a month (kr., optional)"), max_length=12, required=False
    )
    municipal_tax_pct = forms.CharField(
        label=_("Municipal tax in per cent (optional)"),
        max_length=6,
        required=False,
        help_text=_("Empty: the average municipal tax of the rules in force."),
    )

    def __init__(self, *args, on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rate_options = rate_options(on or today())
        self.fields["rate"].choices = [("", "—")] + rate_choices(self.rate_options)

    def clean_hourly_wage(self):
        wage = _amount(self.cleaned_data["hourly_wage"], self.fields["hourly_wage"].label, maximum=MAX_HOURLY_WAGE)
        if wage is None or wage <= 0:
            raise ValidationError(_("The hourly wage must be more than 0 kr."))
        return wage

    def clean_monthly_benefit(self):
        return _amount(
            self.cleaned_data["monthly_benefit"], self.fields["monthly_benefit"].label, maximum=MAX_MONTHLY_AMOUNT
        )

    def clean_monthly_rent(self):
        return _amount(self.cleaned_data["monthly_rent"], self.fields["monthly_rent"].label, maximum=MAX_MONTHLY_AMOUNT)

    def clean_partner_monthly_income(self):
        return _amount(
            self.cleaned_data["partner_monthly_income"],
            self.fields["partner_monthly_income"].label,
            maximum=MAX_MONTHLY_AMOUNT,
        )

    def clean_municipal_tax_pct(self):
        return _amount(
            self.cleaned_data["municipal_tax_pct"], self.fields["municipal_tax_pct"].label, maximum=Decimal(50)
        )

    def clean(self):
        data = super().clean()
        option = self.rate_options.get(data.get("rate"))
        if (
            option is not None
            and option.amount is None
            and data.get("monthly_benefit") is None
            and "monthly_benefit" not in self.errors
        ):
            self.add_error(
                "monthly_benefit",
                _(
                    "Write the citizen's benefit a month before tax (with supplements), as on the payment letter: "
                    "the rules have no published amount for %(rate)s."
                )
                % {"rate": option.label},
            )
        if data.get("partner_monthly_income") and not data.get("couple"):
            self.add_error(
                "partner_monthly_income",
                _(
                    "A partner's income counts only for a married or cohabiting citizen: tick the box or empty the field."
                ),
            )
        return data

    def household(self):
        data = self.cleaned_data
        benefit, rate = data["rate"].split(":", 1)
        return calculator.Household(
            benefit=benefit,
            rate=rate,
            monthly_benefit=data["monthly_benefit"],
            age=data["age"],
            couple=data["couple"],
            children=data["children"],
            living_with_parents=data["living_with_parents"],
            monthly_rent=data["monthly_rent"],
            municipal_tax_pct=data["municipal_tax_pct"],
            partner_monthly_income=data["partner_monthly_income"] or Decimal(0),
        )


class HoursForm(HouseholdForm):
    """The gain for a few numbers of hours a week (5, 10 and 15 unless changed), with the rules in force on a date."""

    hours_1 = forms.CharField(
        label=_("Hours a week, first choice"),
        max_length=5,
        error_messages={"required": _("Write at least the first number of hours a week, e.g. 5.")},
    )
    hours_2 = forms.CharField(label=_("Hours a week, second choice (optional)"), max_length=5, required=False)
    hours_3 = forms.CharField(label=_("Hours a week, third choice (optional)"), max_length=5, required=False)
    calculated_for = forms.DateField(
        label=_("Rules as on"),
        help_text=_("The rates and tax of this date are used (today unless changed)."),
        error_messages={
            "required": _("Write the date whose rules are used."),
            "invalid": _("Write the date as dd.mm.yyyy."),
        },
    )

    field_order = [
        "rate",
        "monthly_benefit",
        "hourly_wage",
        "hours_1",
        "hours_2",
        "hours_3",
        "age",
        "couple",
        "children",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n, hours in enumerate(DEFAULT_HOURS, start=1):
            self.fields[f"hours_{n}"].initial = hours

    def clean_hours_1(self):
        return _hours(self.cleaned_data["hours_1"], self.fields["hours_1"].label)

    def clean_hours_2(self):
        return _hours(self.cleaned_data["hours_2"], self.fields["hours_2"].label)

    def clean_hours_3(self):
        return _hours(self.cleaned_data["hours_3"], self.fields["hours_3"].label)

    def hours(self):
        return [self.cleaned_data[f"hours_{n}"] for n in (1, 2, 3) if self.cleaned_data.get(f"hours_{n}") is not None]


class MonthsForm(HouseholdForm):
    """Hours growing month by month: from a month, so many hours a week (up to four steps), over some months."""

    months = forms.IntegerField(
        label=_("Number of months"),
        min_value=1,
        max_value=actions.MAX_PLAN_MONTHS,
        error_messages={
            "required": _("Write how many months to show, e.g. 6."),
            "invalid": _("Write the number of months as a whole number, e.g. 6."),
            "min_value": _("Write between 1 and 24 months."),
            "max_value": _("Write between 1 and 24 months."),
        },
    )

    field_order = ["rate", "monthly_benefit", "hourly_wage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start = actions.first_of_month(today())
        for n in range(1, PLAN_ROWS + 1):
            self.fields[f"month_{n}"] = forms.DateField(
                label=_("From month (%(n)s)") % {"n": n},
                required=n == 1,
                input_formats=["%Y-%m", "%Y-%m-%d", "%m.%Y"],
                widget=MonthInput(),
                error_messages={
                    "required": _("Write the first month, e.g. 2026-01."),
                    "invalid": _("Write the month as yyyy-mm, e.g. 2026-03."),
                },
            )
            self.fields[f"plan_hours_{n}"] = forms.CharField(
                label=_("Hours a week from that month (%(n)s)") % {"n": n},
                max_length=5,
                required=n == 1,
                error_messages={"required": _("Write the hours a week of the first month, e.g. 5.")},
            )
        self.fields["months"] = self.fields.pop("months")
        for n, hours in enumerate(DEFAULT_HOURS, start=1):
            self.fields[f"month_{n}"].initial = actions.add_months(start, 2 * (n - 1))
            self.fields[f"plan_hours_{n}"].initial = hours
        self.fields["months"].initial = DEFAULT_PLAN_MONTHS
        self.order_fields(
            ["rate", "monthly_benefit", "hourly_wage"]
            + [name for n in range(1, PLAN_ROWS + 1) for name in (f"month_{n}", f"plan_hours_{n}")]
            + ["months"]
        )
        dress_months(self.fields)

    def clean(self):
        data = super().clean()
        steps = []
        for n in range(1, PLAN_ROWS + 1):
            month, raw = data.get(f"month_{n}"), data.get(f"plan_hours_{n}")
            if f"month_{n}" in self.errors or f"plan_hours_{n}" in self.errors:
                continue
            label = self.fields[f"plan_hours_{n}"].label
            try:
                hours = _hours(raw, label)
            except ValidationError as error:
                self.add_error(f"plan_hours_{n}", error)
                continue
            if month is None and hours is None:
                continue
            if month is None:
                self.add_error(f"month_{n}", _("Write the month these hours start, e.g. 2026-03."))
            elif hours is None:
                self.add_error(f"plan_hours_{n}", _("Write the hours a week from this month, e.g. 10."))
            elif any(actions.first_of_month(month) == earlier for earlier, _h in steps):
                self.add_error(
                    f"month_{n}", _("This month is already in the plan: each month can have only one number of hours.")
                )
            else:
                steps.append((actions.first_of_month(month), hours))
        data["steps"] = steps
        return data


def dress_months(fields):
    for name, field in fields.items():
        if name.startswith("month_"):
            field.widget.attrs.setdefault("class", "form-input")
