"""No spreadsheet jobbro writes can hold a formula that someone else typed.

The tests find every spreadsheet writer in the code and every spreadsheet download in the URL map, so a new
export that is not covered here fails the discovery tests until it is added to the exports tested below.
Each export is fed text that a spreadsheet program would run (=1+1, +SUM(A1), -2+3, @cmd, a leading tab or
carriage return) through the fields people type, and no cell in the file may be a formula or start with a
formula character unescaped.
"""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import jobbro
from jobbro.accounts.models import Programme, Site
from jobbro.conftest import make_company, make_opening
from jobbro.imports import schemas
from jobbro.reporting.registry import REPORTS
from jobbro.reporting.tests import factories
from jobbro.spreadsheets import FORMULA_STARTS, safe_cell

POISON = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Every module that builds a workbook or a csv file, and the URL names of every spreadsheet download.
WRITER_MODULES = {
    "jobbro/companies/board_export.py",
    "jobbro/reporting/xlsx.py",
    "jobbro/imports/schemas.py",
    "jobbro/effect/register_views.py",  # the CPR linkage list (csv)
    "jobbro/cases/wage_list_views.py",  # the benefits office's list of hours and wages (xlsx and csv)
    "jobbro/cases/funder_views.py",  # the funder's participant forms, Deltagerskemaer (xlsx and csv)
    "jobbro/surveys/export.py",  # a questionnaire's results and links (fed formulas in jobbro/surveys/tests)
    "jobbro/exchange/views.py",  # placements and hours for the case system (xlsx and csv)
}
SPREADSHEET_URLS = {
    "opening_board_xlsx",
    "report_xlsx",
    "import_template",
    "effect_report_xlsx",
    "wage_list_xlsx",
    "wage_list_csv",
    "funder_forms_xlsx",
    "funder_forms_csv",
    "questionnaire_results_xlsx",
    "questionnaire_links_xlsx",
    "exchange_case_system_xlsx",
    "exchange_case_system_csv",
}
# A module that writes an xlsx file's parts itself (the report exports' streamed writer) counts too.
WRITER_PATTERN = re.compile(
    r"from openpyxl import .*\bWorkbook\b|openpyxl\.Workbook\(|xlsxwriter|csv\.writer\(|csv\.DictWriter\(|\.to_excel\(|\.to_csv\("
    r"|xl/worksheets/"
)


def unsafe_cells(content):
    """Every cell of an xlsx file that is a formula or whose text starts with a formula character."""
    book = load_workbook(io.BytesIO(content))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.lstrip(" ").startswith(FORMULA_STARTS)
                ):
                    found.append((sheet.title, cell.coordinate, cell.value))
    return found


def xml_text(text):
    """Text as compared after reading it back from an xlsx file: XML turns a bare carriage return into a line
    feed unless the writer escaped it (openpyxl does with lxml), so both sides are compared with line feeds."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def all_texts(content):
    book = load_workbook(io.BytesIO(content))
    return {
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


# --- Discovery -------------------------------------------------------------------------------------------------


def test_every_module_that_writes_a_spreadsheet_is_covered_and_uses_the_safe_writer():
    root = Path(jobbro.__file__).parent
    writers = set()
    for path in root.rglob("*.py"):
        relative = path.relative_to(root.parent).as_posix()
        if "/tests/" in relative or "/migrations/" in relative or relative == "jobbro/spreadsheets.py":
            continue
        source = path.read_text()
        if WRITER_PATTERN.search(source):
            writers.add(relative)
            assert "jobbro.spreadsheets" in source, f"{relative} writes a spreadsheet without jobbro.spreadsheets"
            # Rows go in through append_row; a bare sheet.append would skip the neutralising.
            assert not re.search(r"\b(sheet|data|notes|checks|book)\.append\(", source), relative
    assert writers == WRITER_MODULES


def _url_names(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.name, str(pattern.pattern)


def test_every_spreadsheet_download_is_covered():
    found = {name for name, route in _url_names(get_resolver().url_patterns) if re.search(r"xlsx|\.csv|csv/", route)}
    assert found == SPREADSHEET_URLS


# --- Every export, fed formulas --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_small_jobs_board_export_holds_no_formula(client, coordinator, programme, site):
    company = make_company(POISON[2], programme=programme)
    company.address, company.city = POISON[4], POISON[5]
    company.save()
    for title, tasks in zip(POISON, reversed(POISON), strict=True):
        make_opening(company, programme, title, tasks=tasks)
    Programme.objects.filter(pk=programme.pk).update(name='=HYPERLINK("http://x")')
    client.force_login(coordinator)
    response = client.get(reverse("opening_board_xlsx"))
    assert response["Content-Type"] == XLSX_TYPE
    assert unsafe_cells(response.content) == []
    texts = all_texts(response.content)
    assert {xml_text("'" + text) for text in POISON} <= {
        xml_text(text) for text in texts
    }  # the typed text is there, shown as text
    hours = load_workbook(io.BytesIO(response.content)).active["G3"]
    assert hours.value == 8 and hours.data_type == "n"  # numbers stay numbers


@pytest.mark.django_db
def test_the_effect_report_export_holds_no_formula(client, evaluator, programme, site, other_site):
    from jobbro.accounts.models import TargetGroup
    from jobbro.effect.models import EffectRun, TrialDesign
    from jobbro.effect.tests.test_report import AS_OF, register_result

    Site.objects.filter(pk=site.pk).update(name=POISON[1])
    Site.objects.filter(pk=other_site.pk).update(name=POISON[2])
    programme.target_groups.add(TargetGroup.objects.create(code="poison", name=POISON[3]))
    run = EffectRun.objects.create(
        programme=programme,
        as_of=AS_OF,
        state=EffectRun.State.DONE,
        design_kind=TrialDesign.Kind.REGISTER_COMPARISON,
        result=register_result(site, other_site),
    )
    Programme.objects.filter(pk=programme.pk).update(name=POISON[0])
    client.force_login(evaluator)
    response = client.get(reverse("effect_report_xlsx") + f"?run={run.pk}")
    assert response["Content-Type"] == XLSX_TYPE
    assert unsafe_cells(response.content) == []
    texts = {xml_text(text) for text in all_texts(response.content)}
    assert any(xml_text(POISON[1]) in text for text in texts) and any(xml_text(POISON[3]) in text for text in texts)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [entry.slug for entry in REPORTS])
def test_every_report_export_holds_no_formula(client, manager, programme, site, slug):
    Programme.objects.filter(pk=programme.pk).update(name=POISON[0])
    Site.objects.filter(pk=site.pk).update(name=POISON[1])
    site.refresh_from_db()
    broker = factories.broker()
    broker.first_name, broker.last_name = POISON[3], POISON[2]
    broker.save()
    company = factories.company(name=POISON[4])
    placed = factories.enrolment(site, datetime.date(2026, 2, 2), job_broker=broker)
    factories.enrolment(site, datetime.date(2026, 3, 2), job_broker=broker)
    placement = factories.placement(placed, company, "small_job", datetime.date(2026, 3, 2), agreed_ordinary_hours=5)
    factories.week(placement, datetime.date(2026, 3, 2), ordinary=5)
    client.force_login(manager)
    response = client.get(reverse("report_xlsx", args=[slug]), {"programme": programme.pk, "on": "2026-06-30"})
    assert response.status_code == 200
    assert unsafe_cells(response.content) == []
    # The scope line starts with the programme's name: the formula arrived, and is shown as text.
    assert any(text.startswith("'" + POISON[0]) for text in all_texts(response.content))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [sheet.kind for sheet in schemas.SHEETS])
def test_every_import_template_holds_no_formula(client, coordinator, kind):
    client.force_login(coordinator)
    response = client.get(reverse("import_template", args=[kind]))
    assert response.status_code == 200
    assert unsafe_cells(response.content) == []


# --- The neutraliser -------------------------------------------------------------------------------------------


def written(value):
    """The cell as a spreadsheet program reads it back after openpyxl wrote the value made safe."""
    book = Workbook()
    book.active.append([safe_cell(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).active["A1"]


@given(st.text())
@example("=1+1")
@example("+SUM(A1)")
@example("-2+3")
@example("@cmd")
@example("\t=1")
@example("\r=1")
@example("  =1")
def test_no_text_becomes_a_formula(text):
    cell = written(text)
    assert cell.data_type != "f"
    value = cell.value or ""
    assert not value.lstrip(" ").startswith(FORMULA_STARTS)
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
    if cleaned.lstrip(" ").startswith(FORMULA_STARTS):
        assert xml_text(value) == xml_text("'" + cleaned)
    else:
        assert safe_cell(text) == cleaned  # ordinary text is left alone


@given(
    st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6),
        st.dates(),
        st.booleans(),
        st.none(),
    )
)
def test_numbers_dates_and_empty_cells_are_kept_as_they_are(value):
    assert safe_cell(value) is value
    cell = written(value)
    assert cell.data_type != "f"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        assert cell.data_type == "n"


@pytest.mark.django_db
def test_the_benefits_office_list_holds_no_formula(client, alice, programme, site, refer, start):
    """Citizens' names are typed text: each reaches the list as text, in the xlsx and in the CSV."""
    from jobbro.cases import actions, wage_list

    monday = datetime.date(2025, 3, 17)
    for first, last in zip(POISON, reversed(POISON), strict=True):
        enrolment = refer(first_name=first, last_name=last, job_broker=alice)
        placement = start(enrolment, starts_on=monday)
        actions.set_hourly_wage(acting_user=alice, placement=placement, valid_from=monday, hourly_wage=Decimal("150"))
        actions.register_hours(
            acting_user=alice, placement=placement, week_start=monday, ordinary_hours=10, internship_hours=0
        )
    Programme.objects.filter(pk=programme.pk).update(name='=HYPERLINK("http://x")')
    Site.objects.filter(pk=site.pk).update(name=POISON[3])
    unit = wage_list.Unit(Programme.objects.get(pk=programme.pk), Site.objects.get(pk=site.pk))
    actions.mark_wage_list_sent(acting_user=alice, unit=unit, month=datetime.date(2025, 3, 1))
    for enrolment_placement in unit.enrolments():
        sheet = enrolment_placement.placements.get().timesheets.get()
        actions.register_hours(
            acting_user=alice, placement=sheet.placement, week_start=monday, ordinary_hours=9, internship_hours=0
        )
    client.force_login(alice)
    params = {"programme": programme.pk, "site": site.pk, "month": "2025-03"}
    for extra in ({}, {"corrections": "1"}):
        response = client.get(reverse("wage_list_xlsx"), {**params, **extra})
        assert response["Content-Type"] == XLSX_TYPE
        assert unsafe_cells(response.content) == []
        texts = {xml_text(text) for text in all_texts(response.content)}
        assert any(xml_text("'" + POISON[0]) in text for text in texts)
        response = client.get(reverse("wage_list_csv"), {**params, **extra})
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"):
            for cell in row:
                assert (
                    not cell.lstrip(" ").startswith(FORMULA_STARTS)
                    or cell.lstrip(" ").startswith("-")
                    and (cell.replace(",", "").lstrip("-").isdigit())
                ), cell


@pytest.mark.django_db
def test_the_funders_participant_forms_hold_no_formula(client, coordinator, programme, site, refer, start, caseworker):
    """The programme's and sites' names and the companies' are typed text; they reach the files as text. (No name of
    a citizen is in the files: docs/funders.md.)"""
    from jobbro.cases import actions
    from jobbro.cases.models import PlacementKind

    enrolment = refer()
    actions.record_participant_form(acting_user=caseworker, enrolment=enrolment, sex="female")
    start(enrolment, kind=PlacementKind.INTERNSHIP)
    Programme.objects.filter(pk=programme.pk).update(name='=HYPERLINK("http://x")')
    Site.objects.filter(pk=site.pk).update(name=POISON[3])
    client.force_login(coordinator)
    params = {"programme": programme.pk, "first": "2025-01-01", "last": "2025-12-31"}
    response = client.get(reverse("funder_forms_xlsx"), params)
    assert response["Content-Type"] == XLSX_TYPE
    assert unsafe_cells(response.content) == []
    texts = {xml_text(text) for text in all_texts(response.content)}
    assert "'" + POISON[3] in texts
    response = client.get(reverse("funder_forms_csv"), params)
    cells = [
        cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";") for cell in row
    ]
    assert "'" + POISON[3] in cells
    assert not any(cell.lstrip(" ").startswith(FORMULA_STARTS) for cell in cells)
