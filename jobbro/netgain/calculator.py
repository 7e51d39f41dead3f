"""The net-gain calculator: what a citizen on a public benefit gets out of working some hours a week.

Pure: dataclasses in, dataclasses out, amounts as ``Decimal`` kroner per month, no database. The figures
(rates, disregards, tax) live in dated rule tables (``jobbro/netgain/rules/*.toml``, loaded by
``jobbro.netgain.tables``); nothing here knows a year's figures. See ``docs/netgain.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class RuleTableMissing(Exception):
    """No rule table is in force on the date asked for: show a clear message, never a figure."""


class Benefit(TextChoices):
    CASH = "cash", _("Cash benefit (kontanthjælp)")
    EDUCATION = "education", _("Education benefit (uddannelseshjælp)")
    SELF_SUPPORT = "self_support", _("Self-support and repatriation benefit (selvforsørgelses- og hjemrejseydelse)")
    RESOURCE_COURSE = "resource_course", _("Resource-course benefit (ressourceforløbsydelse)")


@dataclass(frozen=True)
class Source:
    title: str
    url: str


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


def calculate(household: Household, *, weekly_hours: Decimal, hourly_wage: Decimal, on: date) -> MonthFigures:
    raise NotImplementedError


def gain_for_hours(
    household: Household, *, hourly_wage: Decimal, hours: tuple[int | Decimal, ...] = (5, 10, 15), on: date
) -> list[MonthFigures]:
    raise NotImplementedError


def month_by_month(
    household: Household, *, hourly_wage: Decimal, plan: list[tuple[date, Decimal]]
) -> list[MonthFigures]:
    raise NotImplementedError


def rates_in_force(on: date) -> list[tuple[str, str, Decimal]]:
    """(benefit, rate key, monthly amount) of every rate in the table in force on ``on``, for forms."""
    raise NotImplementedError
