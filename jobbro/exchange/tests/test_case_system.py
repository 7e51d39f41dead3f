"""Placements and weekly hours for the case system: the page, the files, who gets them, and the way back in."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobbro.audit.models import AccessLog
from jobbro.cases import actions
from jobbro.cases.models import LegalBasis, Placement, PlacementEndReason, PlacementKind, Timesheet
from jobbro.conftest import ALICES_CPR, BOBS_CPR, RANDERS_CPR, make_company
from jobbro.exchange import case_system
from jobbro.imports import reader, runner, schemas
from jobbro.spreadsheets import FORMULA_STARTS, is_formula_like, neutralise, safe_cell
from jobbro.tests.test_spreadsheets import POISON, unsafe_cells

pytestmark = pytest.mark.django_db

PERIOD = {"first": "2025-03-01", "last": "2025-04-30"}


@pytest.fixture
def placements(world, start, alice, bob, programme):
    """Mette in a small job with two weeks of hours; Ahmed in an internship that ended; Lars at the other site."""
    formula_company = make_company('=HYPERLINK("http://x")', programme=programme)
    small_job = start(world.alices_enrolment)
    for week, hours in ((datetime.date(2025, 3, 17), "8"), (datetime.date(2025, 3, 24), "9.5")):
        actions.register_hours(
            acting_user=alice, placement=small_job, week_start=week, ordinary_hours=Decimal(hours), internship_hours=0
        )
    internship = start(
        world.bobs_enrolment,
        company=formula_company,
        kind=PlacementKind.INTERNSHIP,
        agreed_ordinary_hours=None,
        ordinary_hours_condition="=2+3 timer når praktikken er slut",
    )
    actions.register_hours(
        acting_user=bob,
        placement=internship,
        week_start=datetime.date(2025, 3, 17),
        ordinary_hours=0,
        internship_hours=Decimal("12"),
    )
    actions.end_placement(
        acting_user=bob, placement=internship, ended_on=datetime.date(2025, 4, 1), reason=PlacementEndReason.COMPLETED
    )
    elsewhere = start(world.randers_enrolment)
    return {"small_job": small_job, "internship": internship, "elsewhere": elsewhere}


def query(site, **extra):
    return {"site": site.pk, **PERIOD, **extra}


def xlsx_sheets(content):
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book.worksheets}


def csv_rows(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def import_files(files, user, dry_run=False):
    with translation.override("da"):
        return runner.run(files, user=user, dry_run=dry_run)


def hours_table():
    return sorted(
        Timesheet.objects.values_list(
            "placement_id", "week_start", "ordinary_hours", "internship_hours", "subsidised_hours"
        )
    )


def placement_table():
    return sorted(
        Placement.objects.values_list(
            "pk", "kind", "legal_basis", "starts_on", "planned_end_on", "ended_on", "end_reason", "external_id"
        )
    )


# --- The page and the files -----------------------------------------------------------------------------------------


def test_the_menu_and_the_page_offer_the_files_for_the_chosen_site_and_period(client, alice, site, placements):
    client.force_login(alice)
    assert reverse("exchange_case_system") in client.get(reverse("today")).content.decode()
    page = client.get(reverse("exchange_case_system"), query(site)).content.decode()
    assert 'id="download-xlsx"' in page and 'id="download-hours-csv"' in page and 'id="cpr-hint"' in page


def test_the_workbook_has_a_row_per_placement_and_per_placement_week_with_the_cpr_numbers_revealed_and_logged(
    client, alice, site, placements
):
    client.force_login(alice)
    response = client.get(reverse("exchange_case_system_xlsx"), query(site))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'filename="sagssystem-forloeb-og-timer-aarhus-kommune-30.04.2025.xlsx"' in response["Content-Disposition"]
    sheets = xlsx_sheets(response.content)
    forloeb, timer = sheets["Sagssystem forløb"], sheets["Sagssystem timer"]
    assert forloeb[0][:5] == ["Forløbs-id", "CPR-nummer", "Projekt", "CVR-nummer", "Tilbudstype"]
    by_cpr = {row[1]: row for row in forloeb[1:]}
    assert set(by_cpr) == {ALICES_CPR, BOBS_CPR}  # not Lars at the other site
    small_job = by_cpr[ALICES_CPR]
    assert small_job[0] == f"jobbro-{placements['small_job'].pk}"
    assert (small_job[4], small_job[5], small_job[10]) == ("småjob", "ordinær", 10)
    internship = by_cpr[BOBS_CPR]
    assert (internship[4], internship[5], internship[9]) == ("virksomhedspraktik", "virksomhedspraktik", "gennemført")
    assert [row[0] for row in timer[1:]].count(f"jobbro-{placements['small_job'].pk}") == 2
    assert timer[1][2] == datetime.datetime(2025, 3, 17) and timer[1][6] == "2025-W12"
    revealed = AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR, view=case_system.EXPORT_VIEW)
    assert sorted(revealed.values_list("citizen__first_name", flat=True)) == ["Ahmed", "Mette"]


def test_text_a_spreadsheet_would_run_is_neutralised_in_both_files(client, alice, site, placements):
    client.force_login(alice)
    forloeb = xlsx_sheets(client.get(reverse("exchange_case_system_xlsx"), query(site)).content)["Sagssystem forløb"]
    cells = [cell for row in forloeb for cell in row if isinstance(cell, str)]
    assert "'=2+3 timer når praktikken er slut" in cells and '\'=HYPERLINK("http://x")' in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    rows = csv_rows(client.get(reverse("exchange_case_system_csv"), query(site, sheet="forloeb")).content)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert "'=2+3 timer når praktikken er slut" in [cell for row in rows for cell in row]


def test_the_csv_files_write_dates_and_decimal_commas_as_danish_spreadsheets_read_them(client, alice, site, placements):
    client.force_login(alice)
    response = client.get(reverse("exchange_case_system_csv"), query(site, sheet="timer"))
    assert response.content.startswith("\ufeff".encode())
    rows = csv_rows(response.content)
    assert rows[0][:3] == ["Forløbs-id", "Projekt", "Uge (mandag)"]
    assert ["17.03.2025", "24.03.2025"] == [r[2] for r in rows[1:] if r[0] == f"jobbro-{placements['small_job'].pk}"]
    assert "9,5" in [r[3] for r in rows[1:]]


def test_without_the_right_to_reveal_cpr_numbers_the_column_is_empty_and_each_citizen_is_logged_as_read(
    client, administrator, site, placements
):
    client.force_login(administrator)
    forloeb = xlsx_sheets(client.get(reverse("exchange_case_system_xlsx"), query(site)).content)["Sagssystem forløb"]
    assert [row[1] for row in forloeb[1:]] == [None, None]
    text = str(forloeb)
    for number in (ALICES_CPR, BOBS_CPR, RANDERS_CPR, ALICES_CPR.replace("-", "")):
        assert number not in text
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR).exists()
    read = AccessLog.objects.filter(action=AccessLog.Action.READ, view=case_system.EXPORT_VIEW, user=administrator)
    assert sorted(read.values_list("citizen__first_name", flat=True)) == ["Ahmed", "Mette"]


def test_no_case_note_or_placement_purpose_is_in_the_files(client, alice, site, world, placements):
    Placement.objects.filter(pk=placements["small_job"].pk).update(purpose="Hemmeligt formål", end_note="Fortroligt")
    client.force_login(alice)
    content = client.get(reverse("exchange_case_system_xlsx"), query(site)).content
    text = str(xlsx_sheets(content))
    assert "Hemmeligt" not in text and "Fortroligt" not in text and "misbrug" not in text


@pytest.mark.parametrize("who", ["coordinator", "mentor", "manager", "evaluator"])
def test_roles_without_the_capability_get_404(client, staff, site, placements, who):
    client.force_login(getattr(staff, who))
    for name in ("exchange_case_system", "exchange_case_system_xlsx", "exchange_case_system_csv"):
        assert client.get(reverse(name), query(site)).status_code == 404, name
    assert not AccessLog.objects.filter(view=case_system.EXPORT_VIEW).exists()


def test_a_site_of_another_municipality_is_404_for_the_files(client, charlie, site, placements):
    client.force_login(charlie)
    assert client.get(reverse("exchange_case_system_xlsx"), query(site)).status_code == 404
    assert client.get(reverse("exchange_case_system_csv"), query(site)).status_code == 404
    page = client.get(reverse("exchange_case_system"), query(site)).content.decode()
    assert 'id="download-xlsx"' not in page and "Mette" not in page
    assert not AccessLog.objects.filter(view=case_system.EXPORT_VIEW).exists()


def test_a_period_that_ends_before_it_starts_is_refused_on_the_page(client, alice, site):
    client.force_login(alice)
    with translation.override("da"):
        page = client.get(
            reverse("exchange_case_system"), {"site": site.pk, "first": "2025-05-01", "last": "2025-04-01"}
        )
    text = page.content.decode()
    assert "Periodens slutning kan ikke ligge før dens start." in text and 'id="download-xlsx"' not in text


# --- The way back in ------------------------------------------------------------------------------------------------


def test_round_trip_the_workbook_imported_back_changes_nothing(client, alice, coordinator, site, placements):
    client.force_login(alice)
    content = client.get(reverse("exchange_case_system_xlsx"), query(site)).content
    before = (placement_table(), hours_table())
    result = import_files([("sagssystem.xlsx", content)], coordinator)
    assert result.committed and not result.rejected, result.rejected
    assert result.counts["placements"] == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert result.counts["timesheets"] == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert (placement_table(), hours_table()) == before


def test_weeks_lost_in_jobbro_come_back_from_the_csv_files_and_a_second_import_changes_nothing(
    client, alice, coordinator, site, placements
):
    client.force_login(alice)
    files = []
    for part in ("forloeb", "timer"):
        response = client.get(reverse("exchange_case_system_csv"), query(site, sheet=part))
        files.append((response["Content-Disposition"].split('"')[1], response.content))  # as downloaded
    assert files[0][0] == "sagssystem-forloeb-aarhus-kommune-30.04.2025.csv"
    before = hours_table()
    Timesheet.objects.filter(week_start=datetime.date(2025, 3, 24)).delete()
    first = import_files(files, coordinator)
    assert first.committed and first.counts["timesheets"]["created"] == 1
    assert hours_table() == before
    second = import_files(files, coordinator)
    assert second.counts["timesheets"] == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}


def test_the_case_system_leads_changed_hours_and_an_end_are_taken_from_its_file(
    client, alice, coordinator, site, placements
):
    client.force_login(alice)
    sheets = xlsx_sheets(client.get(reverse("exchange_case_system_xlsx"), query(site)).content)
    small_job = f"jobbro-{placements['small_job'].pk}"
    forloeb = [row[:13] for row in sheets["Sagssystem forløb"]]
    timer = [row[:6] for row in sheets["Sagssystem timer"]]
    for row in forloeb:
        if row[0] == small_job:
            row[8], row[9] = datetime.date(2025, 4, 7), "ansat"
    for row in timer:
        if row[0] == small_job and row[2] == datetime.datetime(2025, 3, 24):
            row[3] = "12,5"
    from jobbro.imports.tests.helpers import workbook

    result = import_files(
        [("fra-sagssystemet.xlsx", workbook({"Sagssystem forløb": forloeb, "Sagssystem timer": timer}))], coordinator
    )
    assert result.committed, result.rejected
    placement = Placement.objects.get(pk=placements["small_job"].pk)
    assert (placement.ended_on, placement.end_reason, placement.external_id) == (datetime.date(2025, 4, 7), "hired", "")
    week = Timesheet.objects.get(placement=placement, week_start=datetime.date(2025, 3, 24))
    assert week.ordinary_hours == Decimal("12.5")


def test_bad_rows_from_the_case_system_give_danish_errors_by_column_and_nothing_is_written(
    coordinator, site, placements
):
    from jobbro.imports.tests.helpers import workbook

    small_job = f"jobbro-{placements['small_job'].pk}"
    header = [h for _n, h in case_system.HOURS_COLUMNS]
    rows = [
        header,
        [small_job, "Job i Nordvest", "24.03.2025", "70", "0", ""],
        [small_job, "Job i Nordvest", "31.02.2025", "5", "0", ""],
        ["jobbro-999999", "Job i Nordvest", "24.03.2025", "5", "0", ""],
        [small_job, "Job i Nordvest", "17.03.2025", "5", "3", ""],
    ]
    before = hours_table()
    result = import_files([("timer.xlsx", workbook({"Sagssystem timer": rows}))], coordinator)
    assert not result.committed and hours_table() == before
    problems = {(r["row"], r["column"]): r["reason"] for r in result.rejected}
    assert set(problems) == {(2, "Ordinære timer"), (3, "Uge (mandag)"), (4, "Forløbs-id"), (5, "Praktiktimer")}
    assert problems[(4, "Forløbs-id")] == "Intet virksomhedsforløb med dette id i projektet."
    assert problems[(3, "Uge (mandag)")].startswith("Datoen 31.02.2025 findes ikke")


def test_an_unknown_jobbro_id_never_creates_a_placement(coordinator, site, world, company, placements):
    from jobbro.imports.tests.helpers import workbook

    header = [h for _n, h in case_system.PLACEMENT_COLUMNS]
    row = [
        "jobbro-999999",
        ALICES_CPR,
        "Job i Nordvest",
        company.cvr,
        "småjob",
        "",
        "17.03.2025",
        "",
        "",
        "",
        "5",
        "",
        "",
    ]
    result = import_files([("forloeb.xlsx", workbook({"Sagssystem forløb": [header, row]}))], coordinator)
    assert not result.committed and [r["column"] for r in result.rejected] == ["Forløbs-id"]
    assert Placement.objects.count() == 3


def test_a_placement_with_its_own_external_id_is_named_by_it(client, alice, coordinator, site, placements):
    Placement.objects.filter(pk=placements["small_job"].pk).update(external_id="MOM-17")
    client.force_login(alice)
    content = client.get(reverse("exchange_case_system_xlsx"), query(site)).content
    ids = [row[0] for row in xlsx_sheets(content)["Sagssystem forløb"][1:]]
    assert "MOM-17" in ids
    result = import_files([("sagssystem.xlsx", content)], coordinator)
    assert result.committed and result.counts["placements"]["unchanged"] == 2


# --- The words of the file ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "choices", "column"),
    [
        (case_system.KIND_WORDS, PlacementKind, ("placements", "kind")),
        (case_system.LEGAL_BASIS_WORDS, LegalBasis, ("placements", "legal_basis")),
        (case_system.END_REASON_WORDS, PlacementEndReason, ("placements", "end_reason")),
    ],
)
def test_every_choice_has_a_danish_word_the_import_reads_back_as_the_same_choice(words, choices, column):
    assert set(words) == set(choices.values)
    target = schemas.BY_KIND[column[0]].column(column[1])
    for value, word in words.items():
        assert reader.convert(target, word) == value


def test_the_sheets_are_recognised_by_name_and_by_header_row():
    assert schemas.sheet_for_name("Sagssystem forløb") is case_system.PLACEMENTS_SHEET
    assert schemas.sheet_for_name("Sagssystem timer") is case_system.HOURS_SHEET
    found = schemas.sheet_for_headers([h for _n, h in case_system.PLACEMENT_COLUMNS])
    assert found is case_system.PLACEMENTS_SHEET
    assert schemas.sheet_for_headers([h for _n, h in case_system.HOURS_COLUMNS]).kind == "timesheets"


CELL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@given(
    text=st.one_of(
        CELL_TEXT, st.builds(lambda q, s, t: q + s + t, st.text("'", max_size=3), st.sampled_from("=+-@ "), CELL_TEXT)
    )
)
def test_text_written_to_the_case_system_file_is_never_a_formula_and_reads_back_as_it_was(text):
    text = text.strip()
    assume(text)
    written = safe_cell(neutralise(text))
    assert not is_formula_like(written)
    column = case_system.PLACEMENTS_SHEET.column("ordinary_hours_condition")
    assert reader.convert(column, written) == text


@pytest.mark.parametrize("poison", POISON)
def test_no_cell_of_either_file_is_a_formula(client, alice, site, world, start, programme, poison):
    """The poisoned strings of the spreadsheet tests in every text the files take from a record."""
    company = make_company(poison, programme=programme)
    start(world.alices_enrolment, company=company, agreed_ordinary_hours=None, ordinary_hours_condition=poison)
    client.force_login(alice)
    content = client.get(reverse("exchange_case_system_xlsx"), query(site)).content
    assert unsafe_cells(content) == []
    rows = csv_rows(client.get(reverse("exchange_case_system_csv"), query(site, sheet="forloeb")).content)
    assert not any(cell.lstrip(" ").startswith(FORMULA_STARTS) for row in rows for cell in row)
