"""Properties of the calculator over many households, hours, wages and dates (hypothesis), on the shipped tables:

- the benefit after offsetting is never negative and never above the benefit with no work;
- the net gain is never negative: every offset rule leaves part of each krone earned (hourly disregard, fribeløb and
  65 %, 55 % above the wage threshold, at most krone for krone), and the tax on the extra income is below 100 %;
- more hours never lower the net income, and never raise the benefit;
- the version used is the latest with valid_from <= the date; outside the tables there is no figure.
"""

import datetime
from decimal import Decimal as D

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.netgain.calculator import Household, RuleTableMissing, calculate
from jobbro.netgain.tables import shipped_tables, table_for

# (date, benefit, rate, needs the actual benefit)
SITUATIONS = [
    (datetime.date(2024, 5, 1), "cash", rate, False)
    for rate in (
        "over30_provider",
        "over30_other",
        "under30_single_provider",
        "under30_provider_no_extra",
        "under30_away",
        "under30_home",
    )
] + [
    (datetime.date(2025, 2, 1), "cash", "over30_other", False),
    (datetime.date(2025, 2, 1), "education", "actual", True),
    (datetime.date(2025, 4, 1), "self_support", "actual", True),
    (datetime.date(2025, 9, 1), "cash", "grundsats", True),
    (datetime.date(2025, 9, 1), "cash", "hjemmeboende", True),
    (datetime.date(2026, 3, 1), "cash", "forhoejet", True),
    (datetime.date(2026, 3, 1), "cash", "mindstesats", True),
    (datetime.date(2024, 5, 1), "resource_course", "provider", False),
    (datetime.date(2026, 3, 1), "resource_course", "under25_home", False),
]

hours = st.decimals(min_value=0, max_value=60, places=1)
wages = st.decimals(min_value=100, max_value=400, places=2)


@st.composite
def cases(draw):
    day, benefit, rate, needs_benefit = draw(st.sampled_from(SITUATIONS))
    couple = draw(st.booleans())
    household = Household(
        benefit=benefit,
        rate=rate,
        age=draw(st.integers(min_value=18, max_value=66)),
        couple=couple,
        children=draw(st.integers(min_value=0, max_value=4)),
        municipal_tax_pct=draw(st.one_of(st.none(), st.decimals(min_value=22, max_value=27, places=2))),
        partner_monthly_income=draw(st.decimals(min_value=0, max_value=30000, places=0)) if couple else D(0),
        monthly_benefit=draw(st.decimals(min_value=3000, max_value=20000, places=0)) if needs_benefit else None,
    )
    return day, household


@hypothesis_settings(max_examples=300, deadline=None)
@given(cases(), hours, wages)
def test_the_benefit_after_offsetting_is_between_zero_and_the_benefit_before(case, weekly_hours, wage):
    day, household = case
    figures = calculate(household, weekly_hours=weekly_hours, hourly_wage=wage, on=day)
    assert 0 <= figures.benefit_after <= figures.benefit_before
    assert figures.disregard >= 0


@hypothesis_settings(max_examples=300, deadline=None)
@given(cases(), hours, wages)
def test_the_net_gain_is_never_negative(case, weekly_hours, wage):
    day, household = case
    figures = calculate(household, weekly_hours=weekly_hours, hourly_wage=wage, on=day)
    assert figures.net_gain >= 0
    assert figures.net_gain == figures.net_with_work - figures.net_without_work


@hypothesis_settings(max_examples=300, deadline=None)
@given(cases(), hours, hours, wages)
def test_more_hours_never_lower_the_net_income(case, first, second, wage):
    day, household = case
    fewer, more = sorted((first, second))
    low = calculate(household, weekly_hours=fewer, hourly_wage=wage, on=day)
    high = calculate(household, weekly_hours=more, hourly_wage=wage, on=day)
    assert high.net_with_work >= low.net_with_work
    assert high.benefit_after <= low.benefit_after
    assert high.gross_wage >= low.gross_wage


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2026, 12, 31)))
def test_the_version_used_is_the_latest_that_has_started(day):
    expected = max((t for t in shipped_tables() if t.valid_from <= day), key=lambda t: t.valid_from)
    assert table_for(day) is expected
    figures = calculate(
        Household(benefit="resource_course", rate="other", age=40, couple=False, children=0),
        weekly_hours=D(5),
        hourly_wage=D(150),
        on=day,
    )
    assert figures.table_version == expected.version


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.one_of(st.dates(max_value=datetime.date(2023, 12, 31)), st.dates(min_value=datetime.date(2027, 1, 1))))
def test_outside_the_tables_there_is_no_figure(day):
    household = Household(benefit="resource_course", rate="other", age=40, couple=False, children=0)
    try:
        calculate(household, weekly_hours=D(5), hourly_wage=D(150), on=day)
    except RuleTableMissing:
        return
    raise AssertionError(f"a figure was computed for {day}")
