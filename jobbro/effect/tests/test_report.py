"""The effect report built from a hand-written result: every table and cell as the result says, "fewer than 5" and no
figure wherever disclosure control left something out, the charts, the figures' own checks, and the exports."""

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import translation

from jobbro.effect import report
from jobbro.reporting import export, presentation
from jobbro.reporting.base import Fixed, Scope, Share, Withheld
from jobbro.web.tests.pdf_text import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

AS_OF = datetime.date(2026, 11, 30)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def estimate(outcome, horizon, programme, comparison, low, high, p, n=(100, 100)):
    return {
        "outcome": outcome,
        "horizon": horizon,
        "programme_mean": programme,
        "comparison_mean": comparison,
        "difference": programme - comparison,
        "std_error": (high - low) / 3.92,
        "ci_low": low,
        "ci_high": high,
        "p_value": p,
        "n_programme": n[0],
        "n_comparison": n[1],
    }


def point(week, group, mean, n=110):
    return {
        "outcome": "self_sufficient",
        "week": week,
        "group": group,
        "n": n,
        "mean": mean,
        "low": mean - 0.05,
        "high": mean + 0.05,
    }


def register_result(site, other_site):
    return {
        "method": "register_comparison",
        "as_of": AS_OF.isoformat(),
        "last_week": "2026-11-23",
        "counts": {
            "participants": 120,
            "programme": 120,
            "pool": 3000,
            "matched": 110,
            "unmatched": 10,
            "without_register_data": None,
            "without_project_key": 0,
        },
        "curves": [
            point(-1, "programme", 0.10),
            point(-1, "comparison", 0.11),
            point(0, "programme", 0.12),
            point(0, "comparison", 0.12),
            point(13, "programme", 0.30),  # the comparison's week 13 was left out
        ],
        "estimates": [
            estimate("self_sufficient", 13, 0.30, 0.22, 0.021, 0.139, 0.0077),
            estimate("paid_hours_per_week", 26, 9.5, 5.0, 1.5, 7.5, 0.0031, n=(80, 80)),
        ],
        "naive": [estimate("self_sufficient", 13, 0.30, 0.40, -0.15, -0.05, 0.00001)],
        "balance": [
            {
                "covariate": "age",
                "programme_mean": 34.2,
                "pool_mean": 41.0,
                "matched_mean": 34.5,
                "smd_before": -0.52,
                "smd_after": 0.03,
            },
            {
                "covariate": "weeks_on_benefit_year_1",
                "programme_mean": 40.1,
                "pool_mean": 20.3,
                "matched_mean": 35.0,
                "smd_before": 0.9,
                "smd_after": 0.12,
            },
        ],
        "pre_trend": {"outcome": "self_sufficient", "difference_per_year": 0.01, "std_error": 0.02, "p_value": 0.62},
        "subgroups": [
            {
                "dimension": "site",
                "key": str(site.pk),
                "estimates": [estimate("self_sufficient", 13, 0.35, 0.20, 0.05, 0.25, 0.004, n=(60, 60))],
            }
        ],  # the other site was left out (fewer than 5), and nothing by target group
        "suppressed": 7,
    }


@pytest.fixture
def sites(programme, site, other_site):
    return site, other_site


@pytest.fixture
def referred(refer, site):
    """Two citizens referred at the first site before the as-of date (for the fidelity figures)."""
    return [refer(site=site, first_name=f"Borger{n}", referred_on=datetime.date(2026, 3, 2)) for n in range(2)]


def build(result, programme, sites):
    scope = Scope(programme=programme, sites=tuple(sorted(sites, key=lambda s: s.name)), on=AS_OF, staff_named=False)
    return report.build_from_result(result, scope)


def table(made, key):
    return next(t for t in made.tables if t.key == key)


def texts(row):
    return [presentation.cell_text(cell) for cell in row.cells]


def test_the_counts_and_a_count_under_5_as_words(programme, sites):
    made = build(register_result(*sites), programme, sites)
    counts = table(made, "effect_counts")
    assert counts.cell("participants", 0) == 120
    assert counts.cell("pool", 0) == 3000
    assert counts.cell("matched", 0) == 110
    assert counts.cell("unmatched", 0) == 10
    assert isinstance(counts.cell("without_register_data", 0), Withheld)
    assert presentation.cell_text(counts.cell("without_register_data", 0)) == "fewer than 5"
    assert counts.cell("without_project_key", 0) == 0


def test_the_estimates_table_row_by_row(programme, sites):
    made = build(register_result(*sites), programme, sites)
    estimates = table(made, "effect_estimates")
    # A register comparison's group means are changes since the year before the start (difference-in-differences).
    assert estimates.columns == [
        "Participants: change since the year before",
        "Matched comparison group: change since the year before",
        "Difference",
        "95 % interval",
        "p-value",
        "Persons, participants",
        "Persons, matched comparison group",
    ]
    # Every outcome at every horizon has a row.
    assert len(estimates.rows) == 16
    assert texts(estimates.row("self_sufficient-13")) == ["30.0", "22.0", "8.0", "2.1 to 13.9", "0.008", "100", "100"]
    row = estimates.row("self_sufficient-13")
    assert row.label == "Self-sufficient (%), after 13 weeks"
    assert row.cells[2] == pytest.approx(8.0)
    assert row.cells[4] == Fixed(0.0077, 3)
    hours = estimates.row("paid_hours_per_week-26")
    assert texts(hours) == ["9.5", "5.0", "4.5", "1.5 to 7.5", "0.003", "80", "80"]
    # A horizon the result has no estimate for: every cell says so in words, none holds a figure.
    for key in (
        "self_sufficient-26",
        "self_sufficient-104",
        "ordinary_hours-13",
        "cumulative_self_sufficient_weeks-52",
    ):
        assert texts(estimates.row(key)) == ["fewer than 5"] * 7
        assert all(isinstance(cell, Withheld) for cell in estimates.row(key).cells)


def test_the_curve_table_and_its_band_chart(programme, sites):
    made = build(register_result(*sites), programme, sites)
    curve = table(made, "effect_curve_self_sufficient")
    assert [row.label for row in curve.rows] == ["Week -1", "Week 0", "Week 13"]
    assert texts(curve.row("week-1")) == ["110", "10.0", "5.0 to 15.0", "110", "11.0", "6.0 to 16.0"]
    assert texts(curve.row("week13")) == ["110", "30.0", "25.0 to 35.0", "fewer than 5", "fewer than 5", "fewer than 5"]
    # No curve for ordinary hours in the result: no table and no chart for it.
    assert not any(t.key == "effect_curve_ordinary_hours" for t in made.tables)
    descriptions = [chart.description for chart in made.charts]
    assert descriptions[0].startswith("Self-sufficient (%) by week since the start, Participants against Matched")
    svg = made.charts[0].svg
    assert svg.startswith("<svg") and "Weeks since the start" in svg
    # The band is drawn as a filled area beside the line.
    assert svg.count("<path") > 3


def test_the_balance_table_flags_a_difference_of_0_1_or_more(programme, sites):
    made = build(register_result(*sites), programme, sites)
    balance = table(made, "effect_balance")
    assert texts(balance.row("covariate-0")) == ["34.200", "41.000", "34.500", "-0.520", "0.030", "No"]
    assert [report.covariate_label(n) for n in ("category=cash_benefit", "municipality=751", "weeks_year1")] == [
        "Category at the start: Cash or education benefit",
        "Municipality 751",
        "Weeks on benefits in the year before the start",
    ]
    assert texts(balance.row("covariate-1")) == ["40.100", "20.300", "35.000", "0.900", "0.120", "Yes"]
    assert balance.row("covariate-0").label == "Age"


def test_the_pre_trend_and_the_naive_comparison(programme, sites):
    made = build(register_result(*sites), programme, sites)
    trend = table(made, "effect_pre_trend")
    assert texts(trend.row("pre_trend")) == ["1.0", "\u22122.9 to 4.9", "0.620"]
    naive = table(made, "effect_naive")
    assert naive.columns[:2] == ["Participants", "Comparison pool"]
    assert naive.columns[-1] == "Persons, comparison pool"
    assert texts(naive.row("self_sufficient-13")) == [
        "30.0",
        "40.0",
        "-10.0",
        "\u221215.0 to \u22125.0",
        "under 0.001",
        "100",
        "100",
    ]


def test_by_site_a_site_left_out_shows_words_only(programme, sites):
    site, other_site = sites
    made = build(register_result(*sites), programme, sites)
    by_site = table(made, "effect_by_site")
    shown = by_site.row(f"site-{site.pk}-self_sufficient-13")
    assert shown.label == "Aarhus Kommune: Self-sufficient (%), after 13 weeks"
    assert texts(shown)[:3] == ["35.0", "20.0", "15.0"]
    left_out = [row for row in by_site.rows if row.key.startswith(f"site-{other_site.pk}-")]
    assert len(left_out) == 16
    for row in left_out:
        assert texts(row) == ["fewer than 5"] * 7
    by_group = table(made, "effect_by_target_group")
    assert by_group.rows == [] or all(texts(row) == ["fewer than 5"] * 7 for row in by_group.rows)


def test_fidelity_against_effect_across_sites(programme, sites, refer):
    site, other_site = sites
    for n in range(7):
        refer(site=site, first_name=f"Aarhus{n}", referred_on=datetime.date(2026, 3, 2))
    for n in range(3):
        refer(site=other_site, first_name=f"Randers{n}", referred_on=datetime.date(2026, 3, 2))
    made = build(register_result(*sites), programme, sites)
    fidelity = table(made, "effect_fidelity")
    assert [row.label for row in fidelity.rows] == ["Aarhus Kommune", "Randers Kommune", "Total"]
    assert fidelity.columns[:2] == ["Referred", "Ever in an internship"]
    assert fidelity.columns[-2:] == ["Effect on self-sufficiency (percentage points)", "95 % interval"]
    aarhus = fidelity.row(f"site-{site.pk}")
    randers = fidelity.row(f"site-{other_site.pk}")
    total = fidelity.row("total")
    # Randers referred 3: withheld; and since that would leave the total minus Aarhus showing it, Aarhus's 7 too.
    assert texts(randers)[0] == "fewer than 5" and texts(aarhus)[0] == "fewer than 5"
    assert total.cells[0] == 10
    # Nobody started an internship: 0 of 7 and 0 of 3 are about fewer than 5 of the 3, so withheld likewise.
    assert isinstance(randers.cells[1], Withheld) and isinstance(aarhus.cells[1], Withheld)
    assert total.cells[1] == Share(0, 10)
    # Every cell is a figure about 5 or more persons, 0 persons, or words.
    for row in fidelity.rows:
        for cell in row.cells:
            value = cell.value if hasattr(cell, "value") else cell
            if isinstance(value, Share):
                assert value.part == 0 or value.part >= 5 and value.whole >= 5
    assert texts(aarhus)[-2:] == ["15.0", "5.0 to 25.0"]
    assert texts(randers)[-2:] == ["fewer than 5", "fewer than 5"]
    assert texts(total)[-2:] == ["8.0", "2.1 to 13.9"]
    assert "A figure about fewer than 5 citizens is not shown here either." in fidelity.note
    # The chart shows only what the table shows: no site's withheld internship share is drawn.
    assert not any("ever in an internship" in chart.description for chart in made.charts)
    # The add-up checks ran on the figures before they were withheld, and they pass.
    assert fidelity.problems() == []


def test_the_fidelity_chart_sets_each_site_s_effect_against_its_internships(programme, sites, refer):
    site, _other = sites
    for n in range(6):
        refer(site=site, first_name=f"Aarhus{n}", referred_on=datetime.date(2026, 3, 2))
    made = build(register_result(*sites), programme, sites)
    chart = next(c for c in made.charts if "ever in an internship" in c.description)
    assert "after 13 weeks" in chart.description
    assert "Aarhus Kommune" in chart.svg


def test_the_figures_pass_their_checks_and_an_impossible_one_is_caught(programme, sites):
    result = register_result(*sites)
    assert build(result, programme, sites).problems() == []
    result["estimates"][0]["programme_mean"] = 1.2  # 120 % self-sufficient
    result["estimates"][0]["n_programme"] = 500  # more than took part
    result["estimates"][1]["ci_low"] = 5.0  # an interval that does not hold its difference (4.5)
    problems = build(result, programme, sites).problems()
    assert any(
        "“Self-sufficient (%), after 13 weeks” in Participants: change since the year before is 120.0, outside -100–100"
        in p
        for p in problems
    )
    assert any("is 500.0, outside 0–120" in p for p in problems)
    assert any("the 95 % interval of “Paid hours per week, after 26 weeks” does not hold" in p for p in problems)


def test_method_notes_and_disclosure_control(programme, sites):
    made = build(register_result(*sites), programme, sites)
    notes = " ".join(made.notes)
    assert "As of 30.11.2026" in notes or "As of 11/30/2026" in notes or "As of" in notes
    assert "propensity score" in notes and "caliper of 0.2" in notes
    assert "7 figures were left out" in notes


def lottery_result():
    return {
        "method": "lottery",
        "as_of": AS_OF.isoformat(),
        "last_week": "2026-11-23",
        "counts": {"participants": 60, "programme": 30, "control": 30, "without_register_data": None},
        "curves": [point(0, "programme", 0.1, n=30), point(0, "comparison", 0.1, n=30)],
        "estimates": [estimate("ordinary_hours", 13, 0.4, 0.3, -0.1, 0.3, 0.43, n=(30, 30))],
        "naive": [],
        "balance": [],
        "pre_trend": None,
        "subgroups": [],
        "suppressed": 0,
    }


def test_a_lottery_report_names_the_groups_and_has_no_register_comparison_tables(programme, sites):
    made = build(lottery_result(), programme, sites)
    keys = [t.key for t in made.tables]
    assert "effect_balance" not in keys and "effect_naive" not in keys and "effect_pre_trend" not in keys
    counts = table(made, "effect_counts")
    assert [row.label for row in counts.rows][:3] == [
        "Participants referred by the date with a project key",
        "Programme group",
        "Control group",
    ]
    estimates = table(made, "effect_estimates")
    assert estimates.columns[:2] == ["Programme group", "Control group"]
    assert texts(estimates.row("ordinary_hours-13"))[:5] == ["40.0", "30.0", "10.0", "\u221210.0 to 30.0", "0.430"]
    assert "Intention to treat" in estimates.note
    assert made.problems() == []


def test_the_spreadsheet_holds_every_figure_and_words_for_the_withheld(programme, sites, referred):
    made = build(register_result(*sites), programme, sites)
    book = openpyxl.load_workbook(io.BytesIO(export.report_xlsx(made, [])))
    assert book.sheetnames == ["Checks", "Figures"]
    assert book["Checks"]["A3"].value == "All checks passed."
    rows = list(book["Figures"].iter_rows(values_only=True))
    by_label = {}  # the first row with each label: the estimates come before the naive comparison's equal labels
    for row in rows:
        if row and row[0]:
            by_label.setdefault(row[0], row[1:])
    # A negative interval is text with the minus sign, shown as it is (not guarded with an apostrophe).
    naive = [row for row in rows if row and row[0] == "Self-sufficient (%), after 13 weeks"][1]
    assert naive[4] == "\u221215.0 to \u22125.0"
    ss13 = by_label["Self-sufficient (%), after 13 weeks"]
    assert ss13[:7] == (pytest.approx(30.0), pytest.approx(22.0), pytest.approx(8.0), "2.1 to 13.9", 0.0077, 100, 100)
    # Aarhus referred 2 (fewer than 5): its referred and internship figures are words, and no share beside them.
    assert by_label["Aarhus Kommune"][:3] == ("fewer than 5", "fewer than 5", None)
    assert by_label["Self-sufficient (%), after 26 weeks"][:7] == ("fewer than 5",) * 7
    randers = next(s for s in sites if s.name == "Randers Kommune")
    withheld = [row for row in rows if row and str(row[0]).startswith("Randers Kommune: ")]
    assert len(withheld) == 16 and all(row[1:8] == ("fewer than 5",) * 7 for row in withheld), randers
    assert by_label["Participants without register data (left out)"][0] == "fewer than 5"


def test_the_pdf_says_the_same(programme, sites, referred):
    made = build(register_result(*sites), programme, sites)
    pdf = export.report_pdf(made, [])
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Estimated effect" in text
    assert "fewer than 5" in text
    assert "2.1 to 13.9" in text
    assert "Balance of the matching" in text


def test_the_file_names_are_danish_with_the_date(programme, sites):
    with translation.override("da"):
        made = build(register_result(*sites), programme, sites)
        assert export.filename(made, "xlsx") == "effekt-30.11.2026.xlsx"


def test_no_digit_in_a_withheld_cell_of_the_page_html(programme, sites):
    from jobbro.reporting.templatetags.reports import table_rows

    made = build(register_result(*sites), programme, sites)
    html = str(table_rows(table(made, "effect_by_site")))
    _site, other_site = sites
    rows = re.findall(rf'<tr data-row="site-{other_site.pk}-[^"]+">(.*?)</tr>', html, re.S)
    assert len(rows) == 16
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells == ["fewer than 5"] * 7


def test_the_pdf_prints_every_4th_week_of_a_curve_and_says_so(programme, sites):
    result = register_result(*sites)
    result["curves"] = [point(week, group, 0.3) for week in range(-104, 105) for group in ("programme", "comparison")]
    made = build(result, programme, sites)
    curve = table(made, "effect_curve_self_sufficient")
    assert len(curve.rows) == 209
    printed, summary = curve.printed()
    weeks = [int(row.key.removeprefix("week")) for row in printed.rows]
    assert weeks == sorted({*range(-104, 105, 4), -1, 13, 26, 52})
    assert "56 of 209 weeks" in summary and "The spreadsheet (xlsx) of the report holds every week." in summary
    html = export.render_report_html(made, [])
    assert 'id="summary-effect_curve_self_sufficient"' in html
    assert "<tr><th>Week 1</th>" not in html and "<tr><th>Week 4</th>" in html
