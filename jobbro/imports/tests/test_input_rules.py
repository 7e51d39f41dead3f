"""The import applies the same input rules as the pages and the actions (cases/rules.py, jobbro/numbers.py,
jobbro/textlimits.py): at most 60 ordinary and internship hours a week, numbers and dates written with the
digits 0-9, no date before 2000 or years ahead, and free text no longer than its field holds."""

import datetime
from decimal import Decimal

import pytest
from django.db import models
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jobbro.cases.models import Contact, Timesheet
from jobbro.imports import reader, runner, schemas
from jobbro.imports.tests.helpers import example_sheets, workbook
from jobbro.imports.tests.test_runner import MODEL

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(programme, site, alice, caseworker, coordinator):
    return coordinator


def run_as(user, kind, placement_kind=None, **cells):
    sheets = example_sheets()
    header, row = sheets[schemas.BY_KIND[kind].da]
    for column, value in cells.items():
        row[header.index(column)] = value
    if placement_kind is not None:
        header, row = sheets[schemas.BY_KIND["placements"].da]
        row[header.index("Type")] = placement_kind
    with translation.override("da"):
        return runner.run([("import.xlsx", workbook(sheets))], user=user)


@pytest.mark.parametrize(
    ("ordinary", "internship", "allowed"),
    [(60, 1, False), ("60", "0,1", False), (30, 30, True), (60, 0, True), ("29,5", "30,5", True)],
)
def test_a_week_of_hours_holds_at_most_60_together(cast, ordinary, internship, allowed):
    # A hybrid internship: its weeks hold ordinary and internship hours.
    result = run_as(
        cast, "timesheets", placement_kind="hybridpraktik", **{"Ordinære timer": ordinary, "Praktiktimer": internship}
    )
    if allowed:
        assert result.rejected == [] and Timesheet.objects.count() == 1
    else:
        assert [(p["sheet"], p["column"], p["reason"]) for p in result.rejected] == [
            ("Timer", "Praktiktimer", "Ordinære timer og praktiktimer kan tilsammen højst være 60 om ugen.")
        ]
        assert not result.committed and Timesheet.objects.count() == 0


@pytest.mark.parametrize("typed", ["٤٠", "1_0", "۱۰", "１０", "7.5.1", "1e1", "NaN"])
def test_hours_written_with_anything_but_the_digits_0_to_9_are_refused(cast, typed):
    result = run_as(cast, "timesheets", **{"Ordinære timer": typed})
    assert [p["column"] for p in result.rejected] == ["Ordinære timer"]
    assert not result.committed


def test_a_contact_dated_0001_01_01_is_refused_naming_the_column(cast):
    result = run_as(cast, "contacts", Dato="01.01.0001")
    assert [(p["column"], p["reason"]) for p in result.rejected] == [("Dato", "Datoen 01.01.0001 ligger før år 2000.")]
    assert Contact.objects.count() == 0


def test_a_contact_note_longer_than_the_field_is_refused(cast):
    result = run_as(cast, "contacts", Note="x" * 5001)
    assert [p["column"] for p in result.rejected] == ["Note"]
    assert Contact.objects.count() == 0
    assert run_as(cast, "contacts", Note="x" * 5000).rejected == []


def test_every_text_column_is_no_longer_than_the_field_it_fills():
    for sheet in schemas.SHEETS:
        model = MODEL[sheet.kind]
        for column in sheet.columns:
            try:
                field = model._meta.get_field(column.name)
            except Exception:  # a reference to another record, looked up by the runner
                continue
            if column.name.endswith("_code"):
                continue  # checked against the code lists (jobbro/codes.py), which are shorter than the field
            if (
                column.type == schemas.TEXT
                and isinstance(field, (models.CharField, models.TextField))
                and field.max_length
            ):
                assert column.max_length and column.max_length <= field.max_length, f"{sheet.kind}.{column.name}"


OTHER_DIGITS = st.sampled_from("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९０１２３４５６７８９")


@given(
    st.text(alphabet=st.sampled_from("0123456789,"), min_size=0, max_size=3),
    OTHER_DIGITS,
    st.text(alphabet=st.sampled_from("0123456789"), max_size=2),
)
def test_cells_with_other_digits_are_refused_in_every_number_and_date_column(before, digit, after):
    text = before + digit + after
    for sheet, name in (("timesheets", "ordinary_hours"), ("progression", "work_ability"), ("contacts", "occurred_on")):
        with pytest.raises(reader.CellError):
            reader.convert(schemas.BY_KIND[sheet].column(name), text)


def test_plain_numbers_and_dates_are_still_read():
    hours = schemas.BY_KIND["timesheets"].column("ordinary_hours")
    assert reader.convert(hours, "7,5") == reader.convert(hours, "7.5") == reader.convert(hours, 7.5) == Decimal("7.5")
    date = schemas.BY_KIND["contacts"].column("occurred_on")
    assert reader.convert(date, "22.11.2025") == datetime.date(2025, 11, 22)
    with pytest.raises(reader.CellError):
        reader.convert(date, "22.11.1999")


def test_internship_hours_on_a_placement_without_an_internship_part_are_refused_as_by_the_action(cast):
    """The example placement is a small job: its weeks take ordinary hours only (cases/rules.py, as register_hours)."""
    result = run_as(cast, "timesheets", **{"Praktiktimer": "2,5"})
    assert [(p["sheet"], p["column"], p["reason"]) for p in result.rejected] == [
        (
            "Timer",
            "Praktiktimer",
            "Praktiktimer: dette virksomhedsforløb (Småjob) har ingen praktikdel. Skriv timerne som ordinære "
            "løntimer, eller aftal først praktiktimer på forløbet.",
        )
    ]
    assert not result.committed and Timesheet.objects.count() == 0


@pytest.mark.parametrize("kind", ["praktik", "hybridpraktik"])
def test_internship_hours_on_an_internship_are_imported(cast, kind):
    result = run_as(cast, "timesheets", placement_kind=kind, **{"Praktiktimer": "2,5"})
    assert result.rejected == [] and result.committed
    assert Timesheet.objects.get().internship_hours == Decimal("2.5")


def test_hours_for_a_week_that_has_not_ended_are_refused_as_by_the_action(cast):
    this_monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    result = run_as(cast, "timesheets", Uge=this_monday)
    assert [(p["column"], p["reason"][:50]) for p in result.rejected] == [
        ("Uge", "Timer kan kun registreres for en uge, der er slut:")
    ]
    assert not result.committed


def test_a_citizen_s_postcode_and_e_mail_are_checked_by_the_model_s_own_validators(cast):
    result = run_as(cast, "citizens", Postnummer="80a0", **{"E-mail": "ikke en adresse"})
    reasons = {p["column"]: p["reason"] for p in result.rejected if p["sheet"] == "Borgere"}
    assert set(reasons) == {"Postnummer", "E-mail"}, result.rejected
    assert reasons["Postnummer"] == "Et postnummer har 4 cifre."
    assert "e-mail" in reasons["E-mail"].lower()
    assert not result.committed


def test_subsidised_hours_on_a_wage_subsidy_placement_are_imported_beside_the_ordinary_hours(cast):
    result = run_as(
        cast, "timesheets", placement_kind="løntilskud", **{"Ordinære timer": "4", "Løntilskudstimer": "20"}
    )
    assert result.rejected == [] and result.committed
    sheet = Timesheet.objects.get()
    assert (sheet.ordinary_hours, sheet.subsidised_hours) == (Decimal("4"), Decimal("20"))


def test_subsidised_hours_on_a_placement_of_another_kind_are_refused_as_by_the_action(cast):
    """The example placement is a small job: only a wage-subsidy placement has subsidised hours."""
    result = run_as(cast, "timesheets", **{"Løntilskudstimer": "5"})
    assert [(p["column"], p["reason"]) for p in result.rejected] == [
        ("Løntilskudstimer", "Løntilskudstimer: kun et forløb med løntilskud har løntilskudstimer.")
    ]
    assert not result.committed and Timesheet.objects.count() == 0


@pytest.mark.parametrize(("ordinary", "subsidised", "allowed"), [(30, 30, True), (30, "30,1", False), (0, 60, True)])
def test_a_week_s_ordinary_and_subsidised_hours_hold_at_most_60_together(cast, ordinary, subsidised, allowed):
    result = run_as(
        cast,
        "timesheets",
        placement_kind="løntilskud",
        **{"Ordinære timer": ordinary, "Løntilskudstimer": subsidised},
    )
    if allowed:
        assert result.rejected == [] and Timesheet.objects.count() == 1
    else:
        assert [(p["column"], p["reason"]) for p in result.rejected] == [
            (
                "Løntilskudstimer",
                "Ordinære timer, praktiktimer og løntilskudstimer kan tilsammen højst være 60 om ugen.",
            )
        ]
        assert not result.committed and Timesheet.objects.count() == 0


def test_an_empty_subsidised_hours_cell_keeps_the_week_s_subsidised_hours(cast):
    """A system that does not know subsidised hours sends an empty cell: re-importing the week changes the ordinary
    hours and clears nothing; a second identical import changes nothing (idempotent)."""
    assert run_as(cast, "timesheets", placement_kind="løntilskud", **{"Løntilskudstimer": "12"}).committed
    again = run_as(cast, "timesheets", placement_kind="løntilskud", **{"Ordinære timer": "6", "Løntilskudstimer": ""})
    assert again.committed
    sheet = Timesheet.objects.get()
    assert (sheet.ordinary_hours, sheet.subsidised_hours) == (Decimal("6"), Decimal("12"))
    assert (
        run_as(
            cast, "timesheets", placement_kind="løntilskud", **{"Ordinære timer": "6", "Løntilskudstimer": ""}
        ).counts["timesheets"]["unchanged"]
        == 1
    )
