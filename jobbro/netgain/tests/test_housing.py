"""Boligsikring (housing benefit for tenants who are not pensioners) in the net-gain calculator.

The rule and the 2026 figures: Ældre Sagen, "Beregning af boligstøtte" (last edited 14.01.2026),
https://www.aeldresagen.dk/viden-og-raadgivning/vaerd-at-vide/b/bolig/boligstoette/beregning-af-boligstoette —
boligsikring = 60 % of the year's rent − 18 % of the household income above 171.500 kr. (+ 45.200 kr. for each
child beyond the first, up to four children); at most 50.760 kr. a year (+ 25 % with more than four children); the
tenant always pays at least 28.900 kr. a year; without children at most 15 % of the rent. The 2025 figures:
Ældre Sagen, "Satser 2025" (last edited 15.01.2025),
https://www.aeldresagen.dk/viden-og-raadgivning/vaerd-at-vide/b/bolig/boligstoette/satser — the 2025 income limit
and increase per child were not found, so 2025 has no housing figure.
"""

import dataclasses
import datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.netgain.calculator import Household, calculate, housing_benefit
from jobbro.netgain.models import NetGainCalculation
from jobbro.netgain.tables import TableError, parse_table, table_for
from jobbro.netgain.tests.test_calculator_properties import cases, hours, wages
from jobbro.netgain.tests.test_views import ON as VIEW_ON
from jobbro.netgain.tests.test_views import form_data, new_url, result_url, text

ON = datetime.date(2026, 3, 1)
TABLE_2026 = table_for(ON)


def tenant(rent, children=0, couple=False, partner=D(0)):
    return Household(
        benefit="cash",
        rate="grundsats",
        age=35,
        couple=couple,
        children=children,
        monthly_rent=D(rent),
        partner_monthly_income=partner,
        monthly_benefit=D(11500),
    )


# --- Worked examples, by hand from Ældre Sagen's rule (2026) --------------------------------------------------------


@pytest.mark.parametrize("income", [D(150000), D(200000)])
def test_single_without_children_rent_6000_is_held_at_15_pct_of_the_rent(income):
    """Ældre Sagen 2026: rent 6.000 × 12 = 72.000; 60 % = 43.200. At 150.000 kr. the income is below 171.500 kr.;
    at 200.000 kr. 43.200 − 18 % × 28.500 = 38.070. Both above 15 % of the rent (10.800) and below 72.000 − 28.900 =
    43.100: 10.800 a year = 900 kr. a month."""
    assert housing_benefit(TABLE_2026, tenant(6000), income) == D(900)


def test_single_without_children_with_a_high_income_gets_the_formula():
    """Ældre Sagen 2026: 43.200 − 18 % × (400.000 − 171.500) = 43.200 − 41.130 = 2.070 a year = 172,50 a month."""
    assert housing_benefit(TABLE_2026, tenant(6000), D(400000)) == D("172.50")


def test_two_children_raise_the_income_limit_by_45200():
    """Ældre Sagen 2026: rent 8.000 × 12 = 96.000; 60 % = 57.600; limit 171.500 + 45.200 = 216.700;
    57.600 − 18 % × (300.000 − 216.700) = 57.600 − 14.994 = 42.606 a year = 3.550,50 a month."""
    assert housing_benefit(TABLE_2026, tenant(8000, children=2), D(300000)) == D("3550.50")


def test_the_highest_amount_is_50760_a_year():
    """Ældre Sagen 2026: 57.600 (rent 96.000, income under the limit) is above the maximum 50.760 = 4.230 a month."""
    assert housing_benefit(TABLE_2026, tenant(8000, children=2), D(200000)) == D(4230)


def test_the_tenant_pays_at_least_28900_a_year():
    """Ældre Sagen 2026: rent 5.000 × 12 = 60.000; 60 % = 36.000 but at most 60.000 − 28.900 = 31.100 a year."""
    assert housing_benefit(TABLE_2026, tenant(5000, children=1), D(150000)) == D(31100) / 12


def test_more_than_four_children_raise_the_highest_amount_by_25_pct():
    """Ældre Sagen 2026: rent 120.000, 60 % = 72.000; the maximum 50.760 × 1,25 = 63.450 a year = 5.287,50 a month;
    the income limit grows for the second to the fourth child only (171.500 + 3 × 45.200 = 307.100)."""
    assert housing_benefit(TABLE_2026, tenant(10000, children=5), D(300000)) == D("5287.50")
    # 307.100 + 45.200 would be 352.300 with a fifth child counted; at 350.000 the limit of 307.100 bites:
    # 72.000 − 18 % × 42.900 = 64.278, still above the maximum 63.450.
    assert housing_benefit(TABLE_2026, tenant(10000, children=5), D(350000)) == D("5287.50")


def test_no_rent_no_housing_benefit():
    household = dataclasses.replace(tenant(6000), monthly_rent=None)
    figures = calculate(household, weekly_hours=D(10), hourly_wage=D(140), on=ON)
    assert figures.housing_benefit_change is None and figures.housing_benefit_with_work is None


def test_the_fall_in_housing_benefit_is_in_the_gain():
    """A couple without children, the partner earning 30.000 kr. a month (27.600 after AM-bidrag, 331.200 a year).
    Without work: 43.200 − 18 % × (331.200 − 171.500) = 14.454, held at 15 % of 72.000 = 10.800 → 900 a month.
    With 15 hours at 140 kr. (9.100 a month, 8.372 after AM-bidrag, 100.464 a year) the household income is 431.664:
    43.200 − 18 % × 260.164 < 0 → 0. The change is −900 kr. a month, and the gain is 900 kr. lower than without
    the rent."""
    household = tenant(6000, couple=True, partner=D(30000))
    with_rent = calculate(household, weekly_hours=D(15), hourly_wage=D(140), on=ON)
    without_rent = calculate(
        dataclasses.replace(household, monthly_rent=None), weekly_hours=D(15), hourly_wage=D(140), on=ON
    )
    assert with_rent.housing_benefit_without_work == D(900)
    assert with_rent.housing_benefit_with_work == D(0)
    assert with_rent.housing_benefit_change == D(-900)
    assert with_rent.net_without_work == without_rent.net_without_work + 900
    assert with_rent.net_with_work == without_rent.net_with_work
    assert with_rent.net_gain == without_rent.net_gain - 900
    assert any("beregning-af-boligstoette" in source.url for source in with_rent.sources)


@pytest.mark.parametrize("day", [datetime.date(2025, 3, 1), datetime.date(2025, 9, 1)])
def test_2025_leaves_housing_out_and_says_which_figure_is_missing(day):
    rate = "over30_other" if day.month < 7 else "grundsats"
    household = dataclasses.replace(tenant(6000), rate=rate)
    figures = calculate(household, weekly_hours=D(10), hourly_wage=D(140), on=day)
    assert figures.housing_benefit_change is None
    assert figures.housing_benefit_without_work is None
    note = next(n for n in figures.carried_forward if "boligsikring" in n.lower())
    assert "income limit" in note or "indkomstgrænse" in note


def test_2024_has_no_housing_figures_and_says_so():
    household = Household(benefit="cash", rate="over30_other", age=35, couple=False, children=0, monthly_rent=D(6000))
    figures = calculate(household, weekly_hours=D(10), hourly_wage=D(140), on=datetime.date(2024, 5, 1))
    assert figures.housing_benefit_change is None
    assert any("boligsikring" in n.lower() for n in figures.carried_forward)


def test_the_2025_rent_maximum_is_applied():
    """Ældre Sagen "Satser 2025": boligsikring årlig leje maksimum 94.200 kr."""
    table = table_for(datetime.date(2025, 3, 1))
    assert table.housing["rent_max_year"].value == D(94200)
    assert table.housing["max_benefit_year"].value == D(49716)
    assert table.housing["own_payment_min_year"].value == D(28300)
    assert table.housing["income_limit_year"].missing
    assert "rent_max_year" not in TABLE_2026.housing, "no 2026 rent maximum was found: none is applied"


# --- The table's [housing] section is validated like the other figures ---------------------------------------------


def _with_housing(tmp_path, housing_line):
    with open(TABLE_2026.path, encoding="utf-8") as handle:
        text = handle.read()
    source = text.replace('rent_share_pct = { value = "60", source = "aeldresagen_beregning_2026" }', housing_line)
    path = tmp_path / "2026-01-01.toml"
    path.write_text(source, encoding="utf-8")
    return path


def test_a_housing_figure_without_a_source_is_refused(tmp_path):
    with pytest.raises(TableError, match=r"housing\.rent_share_pct: has no source"):
        parse_table(_with_housing(tmp_path, 'rent_share_pct = { value = "60" }'))


def test_a_housing_percentage_above_100_is_refused(tmp_path):
    with pytest.raises(TableError, match=r"housing\.rent_share_pct: a percentage above 100"):
        parse_table(
            _with_housing(tmp_path, 'rent_share_pct = { value = "160", source = "aeldresagen_beregning_2026" }')
        )


def test_an_unknown_housing_figure_is_refused(tmp_path):
    line = 'rent_share_pct = { value = "60", source = "aeldresagen_beregning_2026" }\narea_m2 = { value = "65", source = "aeldresagen_beregning_2026" }'
    with pytest.raises(TableError, match=r"housing: unknown figure\(s\) area_m2"):
        parse_table(_with_housing(tmp_path, line))


def test_a_missing_housing_figure_is_allowed_with_a_reason(tmp_path):
    table = parse_table(_with_housing(tmp_path, 'rent_share_pct = { missing = "not found" }'))
    assert table.housing["rent_share_pct"].missing == "not found"


# --- Properties (hypothesis) ----------------------------------------------------------------------------------------

rents = st.decimals(min_value=0, max_value=20000, places=0)
incomes = st.decimals(min_value=0, max_value=800000, places=0)


@hypothesis_settings(max_examples=300, deadline=None)
@given(rents, incomes, st.integers(min_value=0, max_value=7), st.booleans())
def test_housing_benefit_is_never_negative_and_never_above_the_caps(rent, income, children, couple):
    household = tenant(rent, children=children, couple=couple)
    month = housing_benefit(TABLE_2026, household, income)
    rent_year = rent * 12
    assert month >= 0
    highest = D(50760) * (D("1.25") if children > 4 else 1)
    assert month * 12 <= highest
    assert month * 12 <= max(D(0), rent_year - 28900)
    assert month * 12 <= D("0.60") * rent_year
    if children == 0:
        assert month * 12 <= D("0.15") * rent_year


@hypothesis_settings(max_examples=200, deadline=None)
@given(rents, incomes, incomes, st.integers(min_value=0, max_value=7))
def test_housing_benefit_never_rises_with_income(rent, first, second, children):
    low, high = sorted((first, second))
    household = tenant(rent, children=children)
    assert housing_benefit(TABLE_2026, household, high) <= housing_benefit(TABLE_2026, household, low)


@hypothesis_settings(max_examples=300, deadline=None)
@given(cases(), rents, hours, hours, wages)
def test_housing_benefit_never_rises_with_more_hours(case, rent, first, second, wage):
    day, household = case
    household = dataclasses.replace(household, monthly_rent=rent)
    fewer, more = sorted((first, second))
    low = calculate(household, weekly_hours=fewer, hourly_wage=wage, on=day)
    high = calculate(household, weekly_hours=more, hourly_wage=wage, on=day)
    if low.housing_benefit_with_work is None:
        assert high.housing_benefit_with_work is None and day.year < 2026
        return
    assert 0 <= high.housing_benefit_with_work <= low.housing_benefit_with_work <= low.housing_benefit_without_work
    assert high.housing_benefit_change == high.housing_benefit_with_work - high.housing_benefit_without_work <= 0
    assert high.net_gain == high.net_with_work - high.net_without_work


# --- The result page ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_result_shows_the_housing_rows_and_the_source_when_the_rent_is_given(client, world):
    assert VIEW_ON.year == 2026
    client.force_login(world.alice)
    form = text(client.get(new_url(world.alices_enrolment)))
    assert "Giv huslejen, så regnes ændringen i boligsikringen med." in form

    client.post(new_url(world.alices_enrolment), form_data(monthly_rent="6000"))
    calculation = NetGainCalculation.objects.get()
    page = text(client.get(result_url(calculation)))
    # Single without children, 11.500 kr. a month + up to 15 hours at 140 kr.: held at 15 % of 72.000 = 900 kr.
    assert "Boligsikring uden arbejde" in page and "Boligsikring med arbejde" in page
    assert "Ændring i boligstøtte" in page
    assert "900 kr." in page
    assert "Beregning af boligstøtte (Ældre Sagen" in page
    assert calculation.figures[0]["housing_benefit_without_work"] == "900.00"

    client.post(new_url(world.alices_enrolment), form_data())
    without_rent = NetGainCalculation.objects.latest("pk")
    page = text(client.get(result_url(without_rent)))
    assert "Boligsikring uden arbejde" not in page
