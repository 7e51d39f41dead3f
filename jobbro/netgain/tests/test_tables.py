"""The rule tables: the shipped files load and validate, the version in force is picked by date, and a malformed
table file is refused with a message naming the file and the key."""

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from jobbro.netgain import tables
from jobbro.netgain.tables import RULES_DIR, RuleTableMissing, TableError, load_tables, parse_table, table_for

SHIPPED = sorted(RULES_DIR.glob("*.toml"))


def test_the_shipped_tables_cover_2024_2025_in_two_versions_and_2026():
    versions = [t.version for t in load_tables()]
    assert versions == ["2024-01-01", "2025-01-01", "2025-07-01", "2026-01-01"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_figure_has_a_public_source_or_says_why_not(path):
    table = parse_table(path)
    for figure in table.all_figures():
        if figure.missing:
            assert figure.value is None and figure.source is None
            assert len(figure.missing) > 20, figure.key
        else:
            assert figure.value is not None and figure.value >= 0, figure.key
            assert figure.source.title and figure.source.url.startswith(("https://", "http://")), figure.key


def test_figures_not_found_for_2026_are_marked_as_carried_forward_from_2025():
    table = table_for(datetime.date(2026, 3, 1))
    cash = table.benefits["cash"]
    assert {s.key: s.amount.carried_forward_from for s in cash.supplements} == {
        "boernetillaeg": "2025-07-01",
        "enlig_forsoerger": "2025-07-01",
        "enlig_ikke_forsoerger": "2025-07-01",
    }
    assert all(rate.fribeloeb.carried_forward_from == "2025-07-01" for rate in cash.rates.values())
    # No 2026 base rate was found: none is invented.
    assert all(rate.amount.value is None and rate.amount.missing for rate in cash.rates.values())
    # The 2026 tax figures are 2026 figures (Themis' overview of 2026 and Skatteministeriet's 2026 average).
    assert not any(figure.carried_forward_from for figure in table.tax.values())
    assert table.tax["personfradrag_year"].value == Decimal("54100")
    assert table.tax["kommuneskat_pct"].value == Decimal("25.049")


def test_the_1_july_2025_version_has_no_education_or_self_support_benefit():
    table = table_for(datetime.date(2025, 7, 1))
    assert table.benefits["education"].replaced_by == "cash"
    assert table.benefits["self_support"].replaced_by == "cash"
    assert "hours_rule" not in table.benefits["cash"].figures  # the 225-hour rule is abolished
    assert "hours_rule" in table_for(datetime.date(2025, 6, 30)).benefits["cash"].figures


@pytest.mark.parametrize(
    "day, version",
    [
        (datetime.date(2024, 1, 1), "2024-01-01"),
        (datetime.date(2024, 12, 31), "2024-01-01"),
        (datetime.date(2025, 1, 1), "2025-01-01"),
        (datetime.date(2025, 6, 30), "2025-01-01"),
        (datetime.date(2025, 7, 1), "2025-07-01"),
        (datetime.date(2025, 12, 31), "2025-07-01"),
        (datetime.date(2026, 1, 1), "2026-01-01"),
        (datetime.date(2026, 12, 6), "2026-01-01"),
    ],
)
def test_the_version_in_force_is_the_latest_that_has_started(day, version):
    assert table_for(day).version == version


@pytest.mark.parametrize("day", [datetime.date(2023, 12, 31), datetime.date(2027, 1, 1), datetime.date(1999, 5, 5)])
def test_no_table_for_a_date_outside_the_tables_raises_rule_table_missing(day):
    with pytest.raises(RuleTableMissing):
        table_for(day)


def test_the_command_line_check_lists_every_version(capsys):
    assert tables.main([]) == 0
    out = capsys.readouterr().out
    assert "OK 2026-01-01" in out and "carried forward" in out


# --- malformed tables are refused ------------------------------------------------------------------------------


def _copy(tmp_path, name="2026-01-01.toml"):
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    target = directory / name
    shutil.copy(RULES_DIR / name, target)
    return target


def _edit(path: Path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_a_figure_without_a_source_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(
        path,
        'personfradrag_year = { value = "54100", source = "themis_2026" }',
        'personfradrag_year = { value = "54100" }',
    )
    with pytest.raises(TableError, match=r"2026-01-01\.toml: tax\.personfradrag_year: has no source"):
        parse_table(path)


def test_a_source_that_is_not_listed_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(
        path,
        'bundskat_pct = { value = "12.01", source = "themis_2026" }',
        'bundskat_pct = { value = "12.01", source = "a_blog" }',
    )
    with pytest.raises(TableError, match=r"tax\.bundskat_pct: source 'a_blog' is not listed under \[sources\]"):
        parse_table(path)


def test_a_source_without_an_address_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(path, 'url = "https://themis.dk/', 'url = "themis.dk/')
    with pytest.raises(TableError, match=r"sources\.themis_2026\.url: must be an http\(s\) address"):
        parse_table(path)


def test_a_negative_rate_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(path, 'amount = { value = "16382"', 'amount = { value = "-16382"')
    with pytest.raises(
        TableError, match=r"benefits\.resource_course\.rates\.provider\.amount: value '-16382' is negative"
    ):
        parse_table(path)


def test_a_percentage_above_100_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(path, 'am_pct = { value = "8.0"', 'am_pct = { value = "108"')
    with pytest.raises(TableError, match=r"tax\.am_pct: a percentage above 100"):
        parse_table(path)


def test_a_tax_figure_may_not_be_missing(tmp_path):
    path = _copy(tmp_path)
    _edit(
        path,
        'jobfradrag_max_year = { value = "3100", source = "themis_2026" }',
        'jobfradrag_max_year = { missing = "not found anywhere" }',
    )
    with pytest.raises(TableError, match=r"tax\.jobfradrag_max_year: only a rate's amount may be missing"):
        parse_table(path)


def test_a_missing_rate_must_say_why(tmp_path):
    path = _copy(tmp_path)
    _edit(
        path,
        'amount = { missing = "Satsen for 2026 (og 2025) er ikke fundet i en offentlig kilde (søgt: bm.dk, borger.dk, kommuners sider)" }',
        'amount = { missing = "" }',
    )
    with pytest.raises(TableError, match=r"rates\.forhoejet\.amount: missing needs the reason"):
        parse_table(path)


def test_a_required_tax_figure_that_is_absent_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(path, 'kommuneskat_pct = { value = "25.049", source = "skm_kommune_2026" }\n', "")
    with pytest.raises(TableError, match=r"tax\.kommuneskat_pct: is required"):
        parse_table(path)


def test_a_file_named_otherwise_than_its_version_is_refused(tmp_path):
    path = _copy(tmp_path)
    renamed = path.with_name("2026.toml")
    path.rename(renamed)
    with pytest.raises(TableError, match=r"2026\.toml: version: the file must be named 2026-01-01\.toml"):
        parse_table(renamed)


def test_text_that_is_not_toml_is_refused(tmp_path):
    path = _copy(tmp_path)
    path.write_text("version = \n", encoding="utf-8")
    with pytest.raises(TableError, match=r"2026-01-01\.toml: not valid TOML"):
        parse_table(path)


def test_overlapping_versions_are_refused(tmp_path):
    earlier = _copy(tmp_path, "2025-07-01.toml")
    _copy(tmp_path, "2026-01-01.toml")
    _edit(earlier, "valid_until = 2025-12-31", "valid_until = 2026-01-31")
    with pytest.raises(TableError, match=r"2025-07-01\.toml: valid_until: 2026-01-31 overlaps 2026-01-01\.toml"):
        load_tables(tmp_path / "rules")


def test_two_versions_starting_the_same_day_are_refused(tmp_path):
    _copy(tmp_path, "2026-01-01.toml")
    other = _copy(tmp_path, "2025-07-01.toml")
    _edit(other, "valid_from = 2025-07-01", "valid_from = 2026-01-01")
    _edit(other, "valid_until = 2025-12-31", "valid_until = 2026-12-31")
    with pytest.raises(TableError, match=r"two versions cannot start on the same day"):
        load_tables(tmp_path / "rules")


def test_valid_until_before_valid_from_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(path, "valid_until = 2026-12-31", "valid_until = 2025-12-31")
    with pytest.raises(TableError, match=r"valid_until: is before valid_from"):
        parse_table(path)


def test_an_unknown_benefit_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(path, "[benefits.resource_course]", "[benefits.pension]")
    _edit(path, "[benefits.resource_course.rates.provider]", "[benefits.pension.rates.provider]")
    _edit(path, "[benefits.resource_course.rates.other]", "[benefits.pension.rates.other]")
    _edit(path, "[benefits.resource_course.rates.under25_home]", "[benefits.pension.rates.under25_home]")
    with pytest.raises(TableError, match=r"benefits\.pension: unknown benefit"):
        parse_table(path)


def test_a_supplement_for_a_rate_the_benefit_does_not_have_is_refused(tmp_path):
    path = _copy(tmp_path)
    _edit(path, 'rates = ["forhoejet", "grundsats", "mindstesats"]', 'rates = ["forhoejet", "voksensats"]')
    with pytest.raises(TableError, match=r"supplements\[0\]\.rates: must list rate keys of this benefit"):
        parse_table(path)


def test_the_command_line_check_refuses_a_malformed_directory(tmp_path, capsys):
    path = _copy(tmp_path)
    _edit(
        path,
        'personfradrag_year = { value = "54100", source = "themis_2026" }',
        'personfradrag_year = { value = "54100" }',
    )
    assert tables.main([str(tmp_path / "rules")]) == 1
    assert "REFUSED 2026-01-01.toml: tax.personfradrag_year: has no source" in capsys.readouterr().err


def test_a_new_version_in_a_directory_is_picked_from_its_start(tmp_path):
    """How an operator adds next year's table: a new file, validated, picked from its valid_from."""
    _copy(tmp_path, "2026-01-01.toml")
    new = tmp_path / "rules" / "2027-01-01.toml"
    text = (RULES_DIR / "2026-01-01.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026-01-01"', 'version = "2027-01-01"')
    text = text.replace("valid_from = 2026-01-01", "valid_from = 2027-01-01").replace("valid_until = 2026-12-31", "")
    new.write_text(text, encoding="utf-8")
    loaded = load_tables(tmp_path / "rules")
    assert table_for(datetime.date(2026, 12, 31), loaded).version == "2026-01-01"
    assert table_for(datetime.date(2027, 1, 1), loaded).version == "2027-01-01"
    assert table_for(datetime.date(2031, 5, 1), loaded).version == "2027-01-01"  # no valid_until: runs on
