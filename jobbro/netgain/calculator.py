"""The net-gain calculator: what a citizen on a public benefit gets out of working some hours a week.

Pure: dataclasses in, dataclasses out, amounts as ``Decimal`` kroner per month, no database. The figures
(rates, disregards, tax) live in dated rule tables (``jobbro/netgain/rules/*.toml``, loaded and validated by
``jobbro.netgain.tables``); nothing here knows a year's figures. Every step is described in docs/netgain.md,
"How the figures are computed":

1. gross wage per month = weekly hours × hourly wage × 52 / 12 (the month factor: 52 weeks a year, 12 months);
2. AM-bidrag = gross wage × the table's AM-pct; earnings after AM = gross − AM-bidrag;
3. benefit with no work = the rate (sats) + the supplements (tillæg) that apply, or the citizen's actual monthly
   benefit when given; minus a partner's income after AM-bidrag where the partner's income counts;
4. the benefit after offsetting earnings, by the benefit's offset rule (hourly disregard, monthly fribeløb or a
   wage threshold), never below 0 and never above the benefit with no work;
5. tax (monthly twelfth of the year's tax) on the benefit, and on benefit + earnings after AM with
   beskæftigelsesfradrag, the single-provider supplement and jobfradrag;
6. boligsikring (housing benefit, tax-free) with and without work when the rent is given and the table has the
   figures: 60 % of the year's rent − 18 % of the household income above the income limit, capped;
7. net = what is paid out after tax (+ boligsikring), with and without work; the gain is the difference.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobbro.netgain import tables
from jobbro.netgain.tables import (
    BenefitNotInTable,
    FigureNotSourced,
    RateNotInTable,
    RuleTableMissing,
    Source,
)

__all__ = [
    "Benefit",
    "BenefitNotInTable",
    "FigureNotSourced",
    "Household",
    "MonthFigures",
    "RateNotInTable",
    "RateOption",
    "RuleTableMissing",
    "Source",
    "calculate",
    "employment_deductions",
    "income_tax",
    "offset_earnings",
    "gain_for_hours",
    "housing_benefit",
    "month_by_month",
    "rate_options",
    "rates_in_force",
]

WEEKS_PER_YEAR = Decimal(52)
MONTHS_PER_YEAR = Decimal(12)
HUNDRED = Decimal(100)
ZERO = Decimal(0)
CENT = Decimal("0.01")


class Benefit(TextChoices):
    CASH = "cash", gettext_lazy("Cash benefit (kontanthjælp)")
    EDUCATION = "education", gettext_lazy("Education benefit (uddannelseshjælp)")
    SELF_SUPPORT = (
        "self_support",
        gettext_lazy("Self-support and repatriation benefit (selvforsørgelses- og hjemrejseydelse)"),
    )
    RESOURCE_COURSE = "resource_course", gettext_lazy("Resource-course benefit (ressourceforløbsydelse)")


@dataclass(frozen=True)
class Household:
    benefit: str
    rate: str
    age: int
    couple: bool
    children: int
    living_with_parents: bool = False
    monthly_rent: Decimal | None = None
    municipal_tax_pct: Decimal | None = None
    partner_monthly_income: Decimal = Decimal(0)
    # The citizen's actual monthly benefit before tax with no work, all tillæg included (as on the payment
    # letter). Replaces the table's rate + tillæg; needed when the table has no sourced amount for the rate.
    monthly_benefit: Decimal | None = None

    @property
    def single_provider(self) -> bool:
        """Enlig forsørger: not married or cohabiting, and provides for a child under 18."""
        return not self.couple and self.children > 0


@dataclass(frozen=True)
class MonthFigures:
    weekly_hours: Decimal
    hourly_wage: Decimal
    gross_wage: Decimal
    labour_market_contribution: Decimal
    disregard: Decimal
    benefit_before: Decimal
    benefit_after: Decimal
    housing_benefit_change: Decimal | None
    tax_without_work: Decimal
    tax_with_work: Decimal
    employment_allowance: Decimal
    net_without_work: Decimal
    net_with_work: Decimal
    net_gain: Decimal
    hours_requirement_note: str | None
    table_version: str
    sources: tuple[Source, ...] = field(default_factory=tuple)
    # Intermediate figures for "Sådan er det regnet ud".
    monthly_hours: Decimal = ZERO
    earnings_after_contribution: Decimal = ZERO
    supplements: Decimal = ZERO
    partner_income_offset: Decimal = ZERO
    offset_rule: str = ""
    benefit_given: bool = False
    municipal_tax_pct: Decimal = ZERO
    # Danish notes on figures that are carried forward from an earlier year, for the UI and the print.
    carried_forward: tuple[str, ...] = field(default_factory=tuple)
    # Boligsikring a month (tax-free), None when no rent is given or the table lacks a figure.
    housing_benefit_without_work: Decimal | None = None
    housing_benefit_with_work: Decimal | None = None


@dataclass(frozen=True)
class RateOption:
    benefit: str
    key: str
    label: str
    amount: Decimal | None
    carried_forward_from: str | None
    missing: str | None


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _Used:
    """Collects the figures a calculation used: their sources and the carried-forward notes."""

    def __init__(self, period: str = ""):
        self.period = period
        self.sources: list[Source] = []
        self.notes: list[str] = []

    def __call__(self, figure, label):
        if figure.source is not None and figure.source not in self.sources:
            self.sources.append(figure.source)
        if figure.carried_forward_from:
            note = _("%(figure)s: the %(year)s figure; the %(period)s figure was not published in the source.") % {
                "figure": label,
                "year": figure.carried_forward_from[:4],
                "period": self.period,
            }
            if note not in self.notes:
                self.notes.append(note)
        return figure.value


def _benefit_rules(table, household, on):
    rules = table.benefits.get(household.benefit)
    if rules is None:
        raise BenefitNotInTable(
            _("The rule table %(version)s has no figures for this benefit.") % {"version": table.version}
        )
    if rules.replaced_by:
        raise BenefitNotInTable(
            _("%(benefit)s does not exist under the rules in force on %(date)s; use the cash benefit (kontanthjælp).")
            % {"benefit": rules.label, "date": on.strftime("%d.%m.%Y")}
        )
    rate = rules.rates.get(household.rate)
    if rate is None:
        raise RateNotInTable(
            _("The rule table %(version)s has no rate %(rate)s for this benefit.")
            % {"version": table.version, "rate": household.rate}
        )
    return rules, rate


def _supplement_applies(supplement, household, rate_key):
    if rate_key not in supplement.rates:
        return False
    if supplement.when == "children":
        return household.children > 0
    if supplement.when == "single_provider":
        return household.single_provider
    if supplement.when == "single_no_children":
        return not household.couple and household.children == 0
    return False


def _benefit_before(table, rules, rate, household, used, am_rate):
    """The monthly benefit with no work: (rate + supplements, or the given benefit) − the partner's income."""
    supplements = ZERO
    if household.monthly_benefit is not None:
        base = Decimal(household.monthly_benefit)
    else:
        if not rate.amount.sourced:
            raise FigureNotSourced(
                _(
                    "The rule table %(version)s has no published amount for %(rate)s; enter the citizen's "
                    "monthly benefit (before tax, with supplements) to calculate the gain."
                )
                % {"version": table.version, "rate": rate.label}
            )
        base = used(rate.amount, rate.label)
        for supplement in rules.supplements:
            if _supplement_applies(supplement, household, rate.key):
                supplements += used(supplement.amount, supplement.label)
    partner_offset = ZERO
    if rules.partner_income_counts and household.couple and household.partner_monthly_income:
        partner_offset = Decimal(household.partner_monthly_income) * (1 - am_rate)
    before = max(ZERO, base + supplements - partner_offset)
    return before, supplements, partner_offset


def offset_earnings(rules, rate, *, before, gross, earnings, monthly_hours, used=None):
    """(benefit after offsetting, the part of the earnings not offset) by the benefit's offset rule.

    ``before`` is the monthly benefit with no work, ``gross`` the monthly wage, ``earnings`` the wage after
    AM-bidrag and ``monthly_hours`` the hours worked in the month.
    """
    used = used or _Used()
    if rules.offset == "hourly_disregard":
        per_hour = used(rules.figures["per_hour"], _("Disregard per hour worked"))
        max_hours = used(rules.figures["max_hours_month"], _("Maximum hours per month for the disregard"))
        disregard = min(earnings, per_hour * min(monthly_hours, max_hours))
        deduction = earnings - disregard
    elif rules.offset == "fribeloeb":
        fribeloeb = used(rate.fribeloeb, _("Monthly earnings disregard (fribeløb)"))
        pct = used(rules.figures["offset_pct"], _("Share of earnings above the fribeløb that is offset")) / HUNDRED
        deduction = pct * max(ZERO, earnings - fribeloeb)
        if rate.cap_pct is not None:
            ceiling = used(rules.figures["unemployment_benefit_max_month"], _("Highest unemployment benefit"))
            ceiling = ceiling * used(rate.cap_pct, _("Share of the highest unemployment benefit")) / HUNDRED
            if earnings + (before - deduction) > ceiling:
                # Above the ceiling earnings are offset krone for krone: the total is held at the ceiling, but
                # a krone earned never takes more than a krone of benefit.
                deduction = min(earnings, max(deduction, before + earnings - ceiling))
        disregard = earnings - min(deduction, earnings)
    elif rules.offset == "wage_threshold":
        threshold = used(rules.figures["threshold_month"], _("Wage threshold per month"))
        pct = used(rules.figures["offset_pct"], _("Share of the wage above the threshold that is offset")) / HUNDRED
        deduction = pct * max(ZERO, gross - threshold)
        disregard = gross - deduction
    else:  # pragma: no cover - the table loader refuses other offsets
        raise RuleTableMissing(_("Unknown offset rule."))
    after = min(before, max(ZERO, before - deduction))
    return after, max(ZERO, disregard)


def employment_deductions(table, gross_year, *, single_provider, used=None):
    """The year's (beskæftigelsesfradrag, the single providers' extra beskæftigelsesfradrag, jobfradrag) for a
    year's wage (the AM-bidrag base)."""
    used = used or _Used()
    tax = table.tax
    if gross_year <= 0:
        return ZERO, ZERO, ZERO
    employment_pct = (
        used(tax["beskaeftigelsesfradrag_pct"], _("Employment allowance (beskæftigelsesfradrag)")) / HUNDRED
    )
    employment = min(
        gross_year * employment_pct,
        used(tax["beskaeftigelsesfradrag_max_year"], _("Employment allowance (beskæftigelsesfradrag)")),
    )
    extra = ZERO
    if single_provider:
        extra_pct = used(tax["single_provider_extra_pct"], _("Extra employment allowance for single providers"))
        extra = min(
            gross_year * extra_pct / HUNDRED,
            used(tax["single_provider_extra_max_year"], _("Extra employment allowance for single providers")),
        )
    job_threshold = used(tax["jobfradrag_threshold_year"], _("Job allowance (jobfradrag)"))
    job_pct = used(tax["jobfradrag_pct"], _("Job allowance (jobfradrag)")) / HUNDRED
    job_max = used(tax["jobfradrag_max_year"], _("Job allowance (jobfradrag)"))
    job = min(max(ZERO, (gross_year - job_threshold) * job_pct), job_max)
    return employment, extra, job


def income_tax(table, personal_income, gross, household, municipal_pct, used=None):
    """Monthly income tax (a twelfth of the year's) and the monthly tax value of the employment deductions.

    ``personal_income`` is the month's benefit + wage after AM-bidrag, ``gross`` the month's wage (the base of the
    employment deductions), ``municipal_pct`` the municipal tax as a fraction (0.25049).
    """
    used = used or _Used()
    tax = table.tax
    personfradrag = used(tax["personfradrag_year"], _("Personal allowance (personfradrag)"))
    bund = used(tax["bundskat_pct"], _("Bottom-bracket tax (bundskat)")) / HUNDRED
    income_year = personal_income * MONTHS_PER_YEAR
    deductions = sum(
        employment_deductions(table, gross * MONTHS_PER_YEAR, single_provider=household.single_provider, used=used)
    )
    municipal_base_before = max(ZERO, income_year - personfradrag)
    municipal_base = max(ZERO, income_year - deductions - personfradrag)
    tax_year = municipal_pct * municipal_base + bund * max(ZERO, income_year - personfradrag)
    allowance_year = municipal_pct * (municipal_base_before - municipal_base)
    return tax_year / MONTHS_PER_YEAR, allowance_year / MONTHS_PER_YEAR


HOUSING_LABELS = {
    "rent_share_pct": gettext_lazy("Housing benefit: share of the rent"),
    "income_share_pct": gettext_lazy("Housing benefit: share of the income above the income limit"),
    "income_limit_year": gettext_lazy("Housing benefit: income limit"),
    "child_increase_year": gettext_lazy("Housing benefit: increase of the income limit per child"),
    "max_benefit_year": gettext_lazy("Housing benefit: highest amount a year"),
    "own_payment_min_year": gettext_lazy("Housing benefit: smallest own payment a year"),
    "no_children_cap_pct": gettext_lazy("Housing benefit: highest share of the rent without children"),
    "rent_max_year": gettext_lazy("Housing benefit: highest rent a year"),
}


def housing_benefit(table, household, income_year, used=None):
    """Boligsikring a month for the household's year's income (tax-free), or None when no rent is given or the table
    lacks a figure (then ``used`` gets a note saying so).

    The year's amount = rent share × the year's rent (at most the table's rent maximum, if any) − income share × the
    household income above the income limit (raised per child beyond the first, up to four children); at most the
    year's rent − the smallest own payment; without children at most the cap share of the rent; at most the highest
    amount (+25 % with more than four children); never below 0. Divided by 12.
    """
    used = used or _Used()
    if household.monthly_rent is None:
        return None
    figures = table.housing
    if not figures:
        used.notes.append(
            _("Housing benefit (boligsikring) is not included: the rule table %(version)s has no housing figures.")
            % {"version": table.version}
        )
        return None
    missing = [str(HOUSING_LABELS[key]) for key, figure in figures.items() if not figure.sourced]
    if missing:
        note = _(
            "Housing benefit (boligsikring) is not included: the rule table %(version)s has no published figure for "
            "%(figures)s."
        ) % {"version": table.version, "figures": ", ".join(missing)}
        if note not in used.notes:
            used.notes.append(note)
        return None

    def figure(key):
        return used(figures[key], str(HOUSING_LABELS[key]))

    rent_year = Decimal(household.monthly_rent) * MONTHS_PER_YEAR
    if "rent_max_year" in figures:
        rent_year = min(rent_year, figure("rent_max_year"))
    children_counted = max(0, min(household.children, 4) - 1)
    limit = figure("income_limit_year") + figure("child_increase_year") * children_counted
    year = figure("rent_share_pct") / HUNDRED * rent_year
    year -= figure("income_share_pct") / HUNDRED * max(ZERO, Decimal(income_year) - limit)
    year = min(year, rent_year - figure("own_payment_min_year"))
    if household.children == 0:
        year = min(year, figure("no_children_cap_pct") / HUNDRED * rent_year)
    highest = figure("max_benefit_year")
    if household.children > 4:
        highest = highest * Decimal("1.25")
    year = max(ZERO, min(year, highest))
    return year / MONTHS_PER_YEAR


def _hours_note(rules, weekly_hours, used):
    figure = rules.figures.get("hours_rule")
    if figure is None:
        return None
    required = used(figure, _("The 225-hour rule"))
    if weekly_hours <= 0:
        return _(
            "The %(hours)s-hour rule: without work the requirement of %(hours)s hours of work a year is not met."
        ) % {"hours": required}
    weeks = int((required / weekly_hours).to_integral_value(rounding=ROUND_CEILING))
    return _(
        "The %(hours)s-hour rule: at %(weekly)s hours a week the %(hours)s hours are reached after about %(weeks)s weeks."
    ) % {"hours": required, "weekly": _plain(weekly_hours), "weeks": weeks}


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def calculate(
    household: Household,
    *,
    weekly_hours: Decimal,
    hourly_wage: Decimal,
    on: datetime.date,
    rule_tables: tuple[tables.RuleTable, ...] | None = None,
) -> MonthFigures:
    """The month's figures for ``weekly_hours`` at ``hourly_wage`` under the rule table in force on ``on``
    (from ``rule_tables`` when given, else the shipped tables)."""
    weekly_hours = Decimal(weekly_hours)
    hourly_wage = Decimal(hourly_wage)
    if weekly_hours < 0 or hourly_wage < 0:
        raise ValueError("hours and wage must not be negative")
    table = tables.table_for(on, rule_tables)
    rules, rate = _benefit_rules(table, household, on)
    used = _Used(period=table.version[:4])
    am_rate = used(table.tax["am_pct"], _("Labour-market contribution (AM-bidrag)")) / HUNDRED
    if household.municipal_tax_pct is not None:
        municipal_pct = Decimal(household.municipal_tax_pct) / HUNDRED
    else:
        municipal_pct = used(table.tax["kommuneskat_pct"], _("Average municipal tax")) / HUNDRED

    monthly_hours = weekly_hours * WEEKS_PER_YEAR / MONTHS_PER_YEAR
    gross = monthly_hours * hourly_wage
    contribution = gross * am_rate
    earnings = gross - contribution

    before, supplements, partner_offset = _benefit_before(table, rules, rate, household, used, am_rate)
    after, disregard = offset_earnings(
        rules, rate, before=before, gross=gross, earnings=earnings, monthly_hours=monthly_hours, used=used
    )

    tax_without, _unused = income_tax(table, before, ZERO, household, municipal_pct, used)
    tax_with, allowance = income_tax(table, after + earnings, gross, household, municipal_pct, used)

    # Household income for boligsikring: personal income (the benefit, the wage after AM-bidrag) of the citizen and
    # the partner (the partner's income after AM-bidrag), for the year.
    partner_income = ZERO
    if household.couple and household.partner_monthly_income:
        partner_income = Decimal(household.partner_monthly_income) * (1 - am_rate)
    housing_without = housing_benefit(table, household, MONTHS_PER_YEAR * (before + partner_income), used)
    housing_with = housing_benefit(table, household, MONTHS_PER_YEAR * (after + earnings + partner_income), used)
    housing_change = None
    if housing_without is not None and housing_with is not None:
        housing_without, housing_with = _money(housing_without), _money(housing_with)
        housing_change = housing_with - housing_without

    net_without = _money(before - tax_without + (housing_without or ZERO))
    net_with = _money(earnings + after - tax_with + (housing_with or ZERO))
    return MonthFigures(
        weekly_hours=weekly_hours,
        hourly_wage=hourly_wage,
        gross_wage=_money(gross),
        labour_market_contribution=_money(contribution),
        disregard=_money(disregard),
        benefit_before=_money(before),
        benefit_after=_money(after),
        housing_benefit_change=housing_change,
        tax_without_work=_money(tax_without),
        tax_with_work=_money(tax_with),
        employment_allowance=_money(allowance),
        net_without_work=net_without,
        net_with_work=net_with,
        net_gain=net_with - net_without,
        hours_requirement_note=_hours_note(rules, weekly_hours, used),
        table_version=table.version,
        sources=tuple(used.sources),
        monthly_hours=_money(monthly_hours),
        earnings_after_contribution=_money(earnings),
        supplements=_money(supplements),
        partner_income_offset=_money(partner_offset),
        offset_rule=rules.offset,
        benefit_given=household.monthly_benefit is not None,
        municipal_tax_pct=(municipal_pct * HUNDRED).normalize(),
        carried_forward=tuple(used.notes),
        housing_benefit_without_work=housing_without,
        housing_benefit_with_work=housing_with,
    )


def gain_for_hours(
    household: Household, *, hourly_wage: Decimal, hours: tuple[int | Decimal, ...] = (5, 10, 15), on: datetime.date
) -> list[MonthFigures]:
    """The figures for each of ``hours`` (weekly) at the same wage and date."""
    return [calculate(household, weekly_hours=Decimal(h), hourly_wage=hourly_wage, on=on) for h in hours]


def month_by_month(
    household: Household, *, hourly_wage: Decimal, plan: list[tuple[datetime.date, Decimal]]
) -> list[MonthFigures]:
    """Hours growing month by month: ``plan`` is (first day of the month, weekly hours); each month uses the table
    in force on its first day."""
    return [calculate(household, weekly_hours=Decimal(h), hourly_wage=hourly_wage, on=day) for day, h in plan]


def rate_options(on: datetime.date) -> list[RateOption]:
    """Every benefit and rate in the table in force on ``on``, with its label and amount (None when the table has
    no sourced amount and the citizen's actual benefit must be entered)."""
    table = tables.table_for(on)
    options = []
    for rules in table.benefits.values():
        if rules.replaced_by:
            continue
        for rate in rules.rates.values():
            options.append(
                RateOption(
                    benefit=rules.benefit,
                    key=rate.key,
                    label=rate.label,
                    amount=rate.amount.value,
                    carried_forward_from=rate.amount.carried_forward_from,
                    missing=rate.amount.missing,
                )
            )
    return options


def rates_in_force(on: datetime.date) -> list[tuple[str, str, Decimal | None]]:
    """(benefit, rate key, monthly amount) of every rate in the table in force on ``on``, for forms. The amount is
    None when the table has no sourced amount (the form then asks for the citizen's monthly benefit)."""
    return [(option.benefit, option.key, option.amount) for option in rate_options(on)]
