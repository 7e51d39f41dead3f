"""The calculator: worked examples from public guidance (named in each test with title, address and the example's
numbers), and the engine's own behaviour on the shipped tables."""

import datetime
import time
from decimal import Decimal as D

import pytest
from django.utils import translation

from jobbro.netgain import calculator
from jobbro.netgain.calculator import (
    Benefit,
    BenefitNotInTable,
    FigureNotSourced,
    Household,
    RateNotInTable,
    RuleTableMissing,
    calculate,
    employment_deductions,
    gain_for_hours,
    income_tax,
    month_by_month,
    offset_earnings,
    rate_options,
    rates_in_force,
)
from jobbro.netgain.tables import BenefitRules, Figure, Rate, Source, table_for

ALONE = dict(age=35, couple=False, children=0)


def _hourly_rules(per_hour, source):
    law = Source("Lov om aktiv socialpolitik § 31", "https://danskelove.dk/aktivloven/31-33")
    rate = Rate("cash", "example", "Eksempel", Figure("amount", None, None, missing="given"))
    rules = BenefitRules(
        benefit="cash",
        label="Kontanthjælp",
        offset="hourly_disregard",
        figures={"per_hour": Figure("per_hour", D(per_hour), source), "max_hours_month": Figure("max", D(160), law)},
        rates={"example": rate},
    )
    return rules, rate


# --- worked examples from public guidance ------------------------------------------------------------------------


def test_familieadvokaten_example_20_hours_at_11_50_kr_disregard_230_kr():
    """ "Hvordan modregnes lønindtægt i kontanthjælpen?", familieadvokaten.dk,
    https://familieadvokaten.dk/Breve-900/b900-559.html: "Hvis kontanthjælpen for en måned er f.eks. 10.000 kr og man
    har haft arbejde svarende til 20 timer over tre dage, ses der bort fra 20 x 11,50 = 230 kr." The earnings that
    are deducted are the income after AM-bidrag and after the 11,50 kr. per hour; the example gives no wage, so
    2.000 kr. after AM-bidrag is used: 10.000 − (2.000 − 230) = 8.230 kr."""
    source = Source(
        "Hvordan modregnes lønindtægt i kontanthjælpen?", "https://familieadvokaten.dk/Breve-900/b900-559.html"
    )
    rules, rate = _hourly_rules("11.50", source)
    after, disregard = offset_earnings(
        rules, rate, before=D(10000), gross=D("2173.91"), earnings=D(2000), monthly_hours=D(20)
    )
    assert disregard == D("230.00")
    assert after == D("8230.00")
    # Earnings below the disregard are not deducted at all.
    after, disregard = offset_earnings(rules, rate, before=D(10000), gross=D(200), earnings=D(184), monthly_hours=D(20))
    assert (after, disregard) == (D(10000), D(184))


def test_the_hourly_disregard_counts_at_most_160_hours_a_month():
    """Svar på Beskæftigelsesudvalgets spørgsmål 409 (29.6.2022),
    https://ft.dk/samling/20211/almdel/beu/spm/409/svar/1897537/2602477/index.htm: "der ses bort fra 28,66 kr.
    (2022-pl) per udført arbejdstime. Det beløb, der samlet kan ses bort fra, kan ikke beregnes på grundlag af mere
    end 160 timer per måned": at most 160 × 28,66 = 4.585,60 kr."""
    source = Source(
        "Svar på BEU spm. 409", "https://ft.dk/samling/20211/almdel/beu/spm/409/svar/1897537/2602477/index.htm"
    )
    rules, rate = _hourly_rules("28.66", source)
    _after, disregard = offset_earnings(
        rules, rate, before=D(20000), gross=D(30000), earnings=D(27600), monthly_hours=D(173)
    )
    assert disregard == D("4585.60")


def test_dokument24_beskaeftigelsesfradrag_2024_examples():
    """ "Beskæftigelsesfradrag", dokument24.dk, https://dokument24.dk/ordbog/beskaeftigelsesfradrag: "I 2024 er
    beskæftigelsesfradraget på 10,65%. Det kan dog maksimalt være 45.100 kr." Eksempel 1: "Mettes årsløn er på
    300.000 kr. Hendes beskæftigelsesfradrag er derfor på 31.950 kr." Eksempel 2: "Line har en årsløn på 1.200.000
    kr. Lines beskæftigelsesfradrag er dermed på det fulde fradrag" (45.100 kr.)."""
    table = table_for(datetime.date(2024, 6, 1))
    employment, extra, _job = employment_deductions(table, D(300000), single_provider=False)
    assert (employment, extra) == (D("31950.0000"), 0)
    employment, _extra, _job = employment_deductions(table, D(1200000), single_provider=False)
    assert employment == D(45100)


def test_beskaeftigelsesfradrag_2025_examples():
    """ "Hvor meget skal man tjene for at få fuld beskæftigelsesfradrag?", phongnhaexplorer.com,
    https://da.phongnhaexplorer.com/den/okonomi/hvor-meget-skal-man-tjene-for-at-fa-fuld-beskaeftigelsesfradrag.html:
    2025: 12,30 %, højst 55.600 kr. "Eksempel 1: Du tjener 300.000 kr. i 2025. Dit beskæftigelsesfradrag vil være
    ... 36.900 kr." "Eksempel 2: Du tjener 500.000 kr. ... begrænset til maksimumsbeløbet på 55.600 kr." The figures
    agree with Blicher's overview of 2025 used by the table."""
    table = table_for(datetime.date(2025, 3, 1))
    assert employment_deductions(table, D(300000), single_provider=False)[0] == D(36900)
    assert employment_deductions(table, D(500000), single_provider=False)[0] == D(55600)


def test_jobfradrag_2025_is_4_5_pct_above_224_500_at_most_2_900():
    """ "Hvornår kan man få jobfradrag?", skagenonline.dk, https://www.skagenonline.dk/faq/hvornar-kan-man-fa-jobfradrag:
    "Jobfradraget er på 4,50 % af indkomsten over 224.500 kr. og kan højst være 2.900 kr." (2025). At 250.000 kr.:
    4,5 % × 25.500 = 1.147,50 kr.; at 400.000 kr. the cap 2.900 kr."""
    table = table_for(datetime.date(2025, 3, 1))
    assert employment_deductions(table, D(250000), single_provider=False)[2] == D("1147.5000")
    assert employment_deductions(table, D(400000), single_provider=False)[2] == D(2900)
    assert employment_deductions(table, D(224000), single_provider=False)[2] == 0


def test_themis_2026_lowest_combined_tax_37_01_and_42_05_with_am_bidrag():
    """ "Oversigt over beløbsgrænser i skattelovgivningen i 2026", Themis,
    https://themis.dk/synopsis/docs/Oversigt_over_beloebsgraenser_2026_.html: "Skat til kommunen - ca. 25,0%",
    "Bundskat 12,01%", "Laveste samlede skat - uden kirkeskat 37,01%", "... men incl AM-bidrag 42,05%". With the
    municipal tax at 25,0 %, 1.000 kr. more benefit (no AM-bidrag) costs 370,10 kr. in tax; 1.000 kr. more wage for a
    wage earner whose employment deductions are at their maximum (600.000 kr. a year) costs 80 kr. AM-bidrag +
    37,01 % of 920 kr. = 420,49 kr., i.e. 42,05 %."""
    table = table_for(datetime.date(2026, 6, 1))
    household = Household(benefit="cash", rate="forhoejet", **ALONE)
    low, _a = income_tax(table, D(20000), D(0), household, D("0.25"))
    high, _a = income_tax(table, D(21000), D(0), household, D("0.25"))
    assert (high - low).quantize(D("0.01")) == D("370.10")
    wage = D(50000)
    base, _a = income_tax(table, wage * D("0.92"), wage, household, D("0.25"))
    more, _a = income_tax(table, (wage + 1000) * D("0.92"), wage + 1000, household, D("0.25"))
    marginal = D(80) + (more - base)
    assert marginal.quantize(D("0.01")) == D("420.49")
    assert (marginal / 10).quantize(D("0.01")) == D("42.05")


def test_danskmetal_highest_unemployment_benefit_2025_is_the_table_figure():
    """ "Hvad skal jeg have tjent for at kunne få den maksimale dagpengesats?", Dansk Metal,
    https://www.danskmetal.dk/faqs/a-kasse-sats-hvad-skal-jeg-have-tjent-for-at-kunne-faa-den-maksimale-dagpengesats-100-pct:
    "Den højeste dagpengesats i 2025 beregnes således: 305.681 kr. / 12 måneder x 0,92 x 0,9 = 21.092 kr." The
    1.7.2025 table's ceiling base for the fribeløb rules is that figure."""
    computed = (D(305681) / 12 * D("0.92") * D("0.9")).quantize(D(1))
    figure = table_for(datetime.date(2025, 9, 1)).benefits["cash"].figures["unemployment_benefit_max_month"]
    assert computed == figure.value == D(21092)


class TestFribeloebFromTheAgreement:
    """ "Lempeligere fradrag for arbejdsindtægter", Lundsteen & Wiederquist, 1.11.2023,
    https://lundsteenwiederquist.dk/index.php/2023/11/01/lempeligere-fradrag-for-arbejdsindtaegter/:
    "Kontanthjælpsmodtagere på grundsats og mindstesats: Kan tjene 5.000 kr. om måneden, uden at hjælpen nedsættes.
    Hvis arbejdsindtægten overstiger fribeløbet, fratrækkes 65 pct. af den overstigende indkomst" ... "Hvis summen af
    arbejdsindkomst og kontanthjælp når 85 pct. af den maksimale dagpengesats, fratrækkes lønnen krone for krone";
    "Modtagere af hjemmeboendesats har ikke et fribeløb. I stedet fratrækkes 65 pct. af arbejdsindkomsten";
    forhøjet sats: "Kan tjene 2.500 kr. om måneden, uden at hjælpen nedsættes" ... 100 pct. of the highest rate.
    The benefit amounts (9.000 / 12.000 / 4.000 kr.) are the caseworker's input: the example states none."""

    table = table_for(datetime.date(2025, 9, 1))
    cash = table.benefits["cash"]

    def after(self, rate, before, earnings):
        return offset_earnings(
            self.cash,
            self.cash.rates[rate],
            before=D(before),
            gross=D(earnings) / D("0.92"),
            earnings=D(earnings),
            monthly_hours=D(40),
        )

    def test_grundsats_5000_kr_without_reduction(self):
        assert self.after("grundsats", 9000, 5000) == (D(9000), D(5000))
        assert self.after("mindstesats", 9000, 5000)[0] == D(9000)

    def test_grundsats_65_pct_of_the_excess(self):
        assert self.after("grundsats", 9000, 6000) == (D("8350.00"), D("5350.00"))

    def test_forhoejet_2500_kr_without_reduction_then_65_pct(self):
        assert self.after("forhoejet", 12000, 2500)[0] == D(12000)
        assert self.after("forhoejet", 12000, 3500)[0] == D("11350.00")

    def test_hjemmeboende_65_pct_of_all_earnings(self):
        assert self.after("hjemmeboende", 4000, 1000)[0] == D("3350.00")

    def test_krone_for_krone_once_the_sum_reaches_85_pct_of_the_highest_unemployment_benefit(self):
        ceiling = D(21092) * D("0.85")  # 17.928,20 kr.
        below, _d = self.after("grundsats", 9000, 16000)
        assert below == D("1850.00") and 16000 + below < ceiling
        held, _d = self.after("grundsats", 9000, 16500)
        assert 16500 + held == ceiling
        assert self.after("grundsats", 9000, 17000)[0] == ceiling - 17000


def test_star_ressourceforloebsydelse_2024_55_pct_of_the_wage_above_16_323_kr():
    """ "Ressourceforløbsydelse under ressourceforløb", Styrelsen for Arbejdsmarked og Rekruttering,
    http://www.star.dk/ydelser/ledighed/ressourceforloebsydelse-under-ressourceforloeb/: "Lønindtægter som inkl.
    pension overstiger 16.323 kr. (2024-niveau) medfører, at ydelsen nedsættes med 55 pct. af den del af lønnen inkl.
    pension og før skat, der overstiger grænsebeløbet". A wage of 18.323 kr. reduces the forsørger rate of 16.382 kr.
    (bm.dk satser for 2024) by 55 % × 2.000 = 1.100 kr. to 15.282 kr.; a wage at the threshold reduces nothing."""
    table = table_for(datetime.date(2024, 6, 1))
    rules = table.benefits["resource_course"]
    rate = rules.rates["provider"]
    assert offset_earnings(
        rules, rate, before=rate.amount.value, gross=D(18323), earnings=D("16857.16"), monthly_hours=D(100)
    )[0] == D("15282.00")
    assert offset_earnings(
        rules, rate, before=rate.amount.value, gross=D(16323), earnings=D("15017.16"), monthly_hours=D(90)
    )[0] == D(16382)


# --- the engine's own arithmetic on the shipped tables ---------------------------------------------------------


def test_2024_single_over_30_ten_hours_at_140_kr_step_by_step():
    """The steps of docs/netgain.md by hand, 2024 table: 10 h/week × 52/12 = 43,33 h; × 140 kr. = 6.066,67 kr.;
    AM-bidrag 8 % = 485,33; after AM 5.581,33; disregard 28,66 × 43,33 = 1.241,93; benefit 12.326 − (5.581,33 −
    1.241,93) = 7.986,60. Tax without work: (12.326 × 12 − 49.700) × (25,018 % + 12,01 %) / 12 = 3.030,49."""
    figures = calculate(
        Household(benefit="cash", rate="over30_other", **ALONE),
        weekly_hours=D(10),
        hourly_wage=D(140),
        on=datetime.date(2024, 6, 1),
    )
    assert figures.monthly_hours == D("43.33")
    assert figures.gross_wage == D("6066.67")
    assert figures.labour_market_contribution == D("485.33")
    assert figures.disregard == D("1241.93")
    assert figures.benefit_before == D("12326.00")
    assert figures.benefit_after == D("7986.60")
    assert figures.tax_without_work == D("3030.49")
    assert figures.net_without_work == D("12326.00") - D("3030.49")
    assert figures.net_gain == figures.net_with_work - figures.net_without_work
    assert figures.net_gain > 0
    assert figures.housing_benefit_change is None
    assert figures.table_version == "2024-01-01"
    assert figures.offset_rule == "hourly_disregard"


def test_sources_and_carried_forward_notes_are_returned_with_the_figures():
    figures = calculate(
        Household(benefit="cash", rate="over30_other", **ALONE),
        weekly_hours=D(5),
        hourly_wage=D(140),
        on=datetime.date(2025, 3, 1),
    )
    urls = {source.url for source in figures.sources}
    assert "https://ft.dk/samling/20211/almdel/beu/spm/409/svar/1897537/2602477/index.htm" in urls
    assert "https://bm.dk/satser/satser-for-2024/kontanthjaelpsloft" in urls
    with translation.override("en"):
        again = calculate(
            Household(benefit="cash", rate="over30_other", **ALONE),
            weekly_hours=D(5),
            hourly_wage=D(140),
            on=datetime.date(2025, 3, 1),
        )
    assert any("2024 figure" in note for note in again.carried_forward)
    assert any("2022 figure" in note for note in again.carried_forward)


def test_2026_without_a_published_rate_asks_for_the_actual_benefit():
    household = Household(benefit="cash", rate="grundsats", age=24, couple=False, children=0)
    with pytest.raises(FigureNotSourced):
        calculate(household, weekly_hours=D(10), hourly_wage=D(130), on=datetime.date(2026, 6, 1))
    given = Household(benefit="cash", rate="grundsats", age=24, couple=False, children=0, monthly_benefit=D(8000))
    figures = calculate(given, weekly_hours=D(10), hourly_wage=D(130), on=datetime.date(2026, 6, 1))
    assert figures.benefit_given and figures.benefit_before == D("8000.00")
    assert figures.offset_rule == "fribeloeb"
    assert figures.hours_requirement_note is None  # the 225-hour rule is abolished from 1.7.2025
    assert any("2025" in note for note in figures.carried_forward)  # fribeløb and 65 % are 2025 figures


def test_rule_table_missing_for_a_date_without_a_table():
    household = Household(benefit="cash", rate="over30_other", **ALONE)
    with pytest.raises(RuleTableMissing):
        calculate(household, weekly_hours=D(5), hourly_wage=D(140), on=datetime.date(2027, 1, 1))
    with pytest.raises(RuleTableMissing):
        calculate(household, weekly_hours=D(5), hourly_wage=D(140), on=datetime.date(2023, 12, 31))


def test_education_benefit_does_not_exist_after_the_reform():
    household = Household(
        benefit=Benefit.EDUCATION, rate="actual", age=22, couple=False, children=0, monthly_benefit=D(6000)
    )
    before = calculate(household, weekly_hours=D(5), hourly_wage=D(130), on=datetime.date(2025, 6, 1))
    assert before.benefit_before == D("6000.00") and before.offset_rule == "hourly_disregard"
    with pytest.raises(BenefitNotInTable):
        calculate(household, weekly_hours=D(5), hourly_wage=D(130), on=datetime.date(2025, 7, 1))


def test_an_unknown_rate_is_refused():
    with pytest.raises(RateNotInTable):
        calculate(
            Household(benefit="cash", rate="forhoejet", **ALONE),
            weekly_hours=D(5),
            hourly_wage=D(130),
            on=datetime.date(2024, 6, 1),
        )


def test_the_225_hour_note_until_30_june_2025():
    household = Household(benefit="cash", rate="over30_other", **ALONE)
    with translation.override("en"):
        five = calculate(household, weekly_hours=D(5), hourly_wage=D(140), on=datetime.date(2025, 6, 1))
        none = calculate(household, weekly_hours=D(0), hourly_wage=D(140), on=datetime.date(2025, 6, 1))
    assert "225 hours are reached after about 45 weeks" in five.hours_requirement_note
    assert "not met" in none.hours_requirement_note


def test_partner_income_is_offset_in_cash_benefit_but_not_in_resource_course_benefit():
    couple = dict(age=40, couple=True, children=0, partner_monthly_income=D(5000))
    cash = calculate(
        Household(benefit="cash", rate="over30_other", **couple),
        weekly_hours=D(0),
        hourly_wage=D(140),
        on=datetime.date(2024, 6, 1),
    )
    assert cash.partner_income_offset == D("4600.00")
    assert cash.benefit_before == D("7726.00")
    course = calculate(
        Household(benefit="resource_course", rate="other", **couple),
        weekly_hours=D(0),
        hourly_wage=D(140),
        on=datetime.date(2024, 6, 1),
    )
    assert course.partner_income_offset == 0 and course.benefit_before == D("12326.00")


def test_the_single_providers_extra_employment_allowance_lowers_the_tax():
    common = dict(age=35, couple=False)
    single = calculate(
        Household(benefit="cash", rate="over30_provider", children=1, **common),
        weekly_hours=D(15),
        hourly_wage=D(140),
        on=datetime.date(2025, 3, 1),
    )
    couple = calculate(
        Household(benefit="cash", rate="over30_provider", children=1, age=35, couple=True),
        weekly_hours=D(15),
        hourly_wage=D(140),
        on=datetime.date(2025, 3, 1),
    )
    assert single.employment_allowance > couple.employment_allowance
    assert single.tax_with_work < couple.tax_with_work


def test_an_own_municipal_tax_percentage_is_used():
    household = Household(benefit="cash", rate="over30_other", **ALONE)
    average = calculate(household, weekly_hours=D(10), hourly_wage=D(140), on=datetime.date(2025, 3, 1))
    low = calculate(
        Household(benefit="cash", rate="over30_other", municipal_tax_pct=D("23.4"), **ALONE),
        weekly_hours=D(10),
        hourly_wage=D(140),
        on=datetime.date(2025, 3, 1),
    )
    assert average.municipal_tax_pct == D("25.068") and low.municipal_tax_pct == D("23.4")
    assert low.tax_with_work < average.tax_with_work


def test_gain_for_hours_defaults_to_5_10_15():
    results = gain_for_hours(
        Household(benefit="cash", rate="over30_other", **ALONE), hourly_wage=D(140), on=datetime.date(2024, 6, 1)
    )
    assert [r.weekly_hours for r in results] == [5, 10, 15]
    assert results[0].net_gain < results[1].net_gain < results[2].net_gain


def test_month_by_month_uses_the_table_in_force_each_month():
    household = Household(benefit="resource_course", rate="other", **ALONE)
    plan = [
        (datetime.date(2025, 5, 1), D(5)),
        (datetime.date(2025, 6, 1), D(10)),
        (datetime.date(2025, 7, 1), D(15)),
        (datetime.date(2026, 1, 1), D(20)),
    ]
    months = month_by_month(household, hourly_wage=D(140), plan=plan)
    assert [m.table_version for m in months] == ["2025-01-01", "2025-01-01", "2025-07-01", "2026-01-01"]
    assert [m.weekly_hours for m in months] == [5, 10, 15, 20]
    # A rate of the old system does not exist in the new one: the month is refused, not guessed.
    with pytest.raises(RateNotInTable):
        month_by_month(Household(benefit="cash", rate="over30_other", **ALONE), hourly_wage=D(140), plan=plan)


def test_rates_in_force_list_every_rate_with_its_amount_or_none():
    rates = rates_in_force(datetime.date(2024, 6, 1))
    assert ("cash", "over30_other", D(12326)) in rates
    assert ("education", "actual", None) in rates
    later = rates_in_force(datetime.date(2026, 6, 1))
    assert ("cash", "grundsats", None) in later
    assert not any(benefit == "education" for benefit, _key, _amount in later)
    options = {(o.benefit, o.key): o for o in rate_options(datetime.date(2025, 3, 1))}
    assert options["cash", "over30_other"].carried_forward_from == "2024-01-01"
    assert options["cash", "over30_other"].label == "Fyldt 30 år, ikke forsørger"


def test_negative_hours_or_wage_are_refused():
    household = Household(benefit="cash", rate="over30_other", **ALONE)
    with pytest.raises(ValueError):
        calculate(household, weekly_hours=D(-1), hourly_wage=D(140), on=datetime.date(2024, 6, 1))


def test_5_10_15_hours_are_computed_well_under_10_ms():
    household = Household(benefit="cash", rate="grundsats", age=24, couple=False, children=0, monthly_benefit=D(8000))
    calculator.gain_for_hours(household, hourly_wage=D(130), on=datetime.date(2026, 6, 1))  # tables loaded once
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        calculator.gain_for_hours(household, hourly_wage=D(130), on=datetime.date(2026, 6, 1))
    assert (time.perf_counter() - start) / runs < 0.010


def test_carried_forward_figures_are_named_in_danish_as_the_earlier_years_sats():
    household = Household(benefit="cash", rate="grundsats", age=24, couple=False, children=0, monthly_benefit=D(8000))
    with translation.override("da"):
        figures = calculate(household, weekly_hours=D(10), hourly_wage=D(130), on=datetime.date(2026, 6, 1))
        old = calculate(
            Household(benefit="cash", rate="over30_other", **ALONE),
            weekly_hours=D(7.5),
            hourly_wage=D(140),
            on=datetime.date(2025, 3, 1),
        )
        with pytest.raises(
            BenefitNotInTable, match="Uddannelseshjælp findes ikke efter de regler, der gælder 01.06.2026"
        ):
            calculate(
                Household(benefit="education", rate="actual", **ALONE),
                weekly_hours=D(5),
                hourly_wage=D(130),
                on=datetime.date(2026, 6, 1),
            )
    assert (
        "Fribeløb for arbejdsindtægt om måneden: 2025-sats, 2026-sats ikke offentliggjort i kilden."
        in figures.carried_forward
    )
    assert (
        old.hours_requirement_note == "225-timersreglen: Med 7,5 timer om ugen har du de 225 timer efter ca. 30 uger."
    )
