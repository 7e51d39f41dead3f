"""What the import says, in Danish: the words a cell may hold, an impossible date, the template's explanation sheet,
the confirm button, problems with the whole file, counts of one, and the command's table."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jobbro.imports import reader, runner, schemas, storage
from jobbro.imports.models import ImportRun
from jobbro.imports.tests.helpers import example_sheets, workbook

pytestmark = pytest.mark.django_db
ENGLISH_DAY_CODES = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)\b")


@pytest.fixture
def cast(programme, site, alice, caseworker, coordinator):
    return coordinator


def test_a_wrong_day_is_answered_with_the_danish_day_names():
    days = schemas.BY_KIND["openings"].column("days")
    with translation.override("da"), pytest.raises(reader.CellError) as refused:
        reader.to_list("man, fredagg", days)
    message = str(refused.value)
    assert "Mandag, Tirsdag, Onsdag, Torsdag, Fredag, Lørdag, Søndag" in message
    assert not ENGLISH_DAY_CODES.search(message)
    # ... and every word offered is accepted.
    assert reader.to_list("Mandag, Søndag", days) == ["mon", "sun"]


def test_every_word_a_message_offers_is_accepted_for_every_choice():
    with translation.override("da"):
        for choice_set in schemas.CHOICES:
            for word in schemas.choice_words(choice_set).split(", "):
                assert schemas.normalise(word) in schemas.choice_aliases(choice_set), (choice_set, word)


def test_the_templates_explanation_names_the_days_in_danish():
    book = load_workbook(io.BytesIO(schemas.template_workbook("openings")))
    explanation = {row[0]: row[4] for row in book["Forklaring"].iter_rows(values_only=True)}
    assert "Mandag, Tirsdag" in explanation["Dage"]
    assert not ENGLISH_DAY_CODES.search(" ".join(str(text) for text in explanation.values()))


@pytest.mark.parametrize("text", ["31.02.2026", "29.02.2025", "2026-13-01", "31-04-2026"])
def test_a_date_written_the_right_way_that_does_not_exist_is_called_so(text):
    with translation.override("da"), pytest.raises(reader.CellError) as refused:
        reader.to_date(text)
    assert str(refused.value) == f"Datoen {text} findes ikke; tjek dagen og måneden."


def test_a_date_written_another_way_is_told_the_format():
    with translation.override("da"), pytest.raises(reader.CellError) as refused:
        reader.to_date("31. februar 2026")
    assert str(refused.value) == "Skriv datoen som 22.11.2026 eller 2026-11-22."
    assert reader.to_date("29.02.2028") == datetime.date(2028, 2, 29)


def test_a_filled_in_template_brings_no_warning_about_its_explanation_sheet(cast):
    result = runner.run([("virksomheder.xlsx", schemas.template_workbook("companies"))], user=cast, dry_run=True)
    assert result.rejected == [] and result.notes == []
    # A sheet that is really unknown still gets its note.
    sheets = {**example_sheets(["companies"]), "Noter": [["Hvad"], ["Husk"]]}
    result = runner.run([("virksomheder.xlsx", workbook(sheets))], user=cast, dry_run=True)
    assert len(result.notes) == 1 and "Noter" in result.notes[0]


def test_the_confirm_button_says_importer_and_a_problem_with_the_whole_file_has_no_row_zero(client, cast):
    client.force_login(cast)
    clean = ImportRun.objects.create(
        user=cast, file_name="x.xlsx", file_sha256="1" * 64, dry_run=True, status=ImportRun.Status.DONE
    )
    clean.uploads.add(storage.store("x.xlsx", [workbook(example_sheets(["citizens"]))]))
    page = client.get(reverse("import_detail", kwargs={"pk": clean.pk})).content.decode()
    assert re.search(r'id="confirm-import">Importér</button>', page)

    refused = ImportRun.objects.create(
        user=cast,
        file_name="x.xlsx",
        file_sha256="2" * 64,
        status=ImportRun.Status.REJECTED,
        rejected=[
            {"sheet": "x.xlsx", "row": 0, "column": "", "reason": "Importér en xlsx- eller csv-fil."},
            {"sheet": "Borgere", "row": 3, "column": "CPR-nummer", "reason": "Ugyldigt."},
        ],
    )
    page = client.get(reverse("import_detail", kwargs={"pk": refused.pk})).content.decode()
    cells = re.findall(r'<tr data-row="(\d+)"><td>[^<]*</td><td class="jb-num">(.*?)</td>', page)
    assert cells == [("0", '<span class="sr-only">hele filen</span>–'), ("3", "3")]
    assert ">0</td>" not in page


def command(*args):
    out = io.StringIO()
    with translation.override("da"):
        try:
            call_command("import", *map(str, args), stdout=out, stderr=io.StringIO())
        except CommandError as error:
            return out.getvalue(), str(error)
    return out.getvalue(), None


def test_the_commands_output_is_danish_and_counts_one_as_one(cast, tmp_path):
    path = tmp_path / "borgere.xlsx"
    bad = example_sheets(["citizens"])
    bad["Borgere"][1][0] = "nope"
    path.write_bytes(workbook(bad))
    out, error = command(path, "--user", cast.username, "--programme", "Job i Nordvest")
    header = out.splitlines()[0].split()
    assert header == ["Ark", "Oprettet", "Opdateret", "Uændret", "Afvist"]
    assert "Borgere" in out.splitlines()[1] and "citizens" not in out
    assert "Borgere, række 2, CPR-nummer:" in out
    assert error == "1 række blev afvist; intet blev importeret."

    path.write_bytes(workbook(example_sheets(["citizens"])))
    out, error = command(path, "--user", cast.username, "--programme", "Job i Nordvest", "--dry-run")
    assert error is None
    assert re.search(r"Prøvekørsel: 1 række kontrolleret på \d+,\d s; intet blev gemt\.", out)
    out, error = command(path, "--user", cast.username, "--programme", "Job i Nordvest")
    assert re.search(r"Importerede 1 række på \d+,\d s\.", out)


def test_a_problem_with_the_whole_file_has_no_row_in_the_commands_output():
    from importlib import import_module

    command_class = import_module("jobbro.imports.management.commands.import").Command
    with translation.override("da"):
        line = command_class.problem_line({"sheet": "x.xlsx", "row": 0, "column": "", "reason": "For stor."})
        assert line == "x.xlsx: For stor."
        line = command_class.problem_line({"sheet": "Borgere", "row": 2, "column": "CPR-nummer", "reason": "Nej."})
        assert line == "Borgere, række 2, CPR-nummer: Nej."
