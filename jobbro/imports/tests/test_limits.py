"""Reading within limits: a file past one is refused with a Danish reason naming it, without being read into memory."""

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings
from django.utils import translation

from jobbro.imports import reader
from jobbro.imports.tests.bombs import MIB, xlsx_bomb
from jobbro.imports.tests.helpers import csv_bytes, example_sheets, workbook

SMALL = reader.Limits(max_bytes=10 * MIB, max_rows=5, max_columns=40, max_cell=100)
CITIZEN_HEADER = example_sheets(["citizens"])["Borgere"][0]
CITIZEN_ROW = example_sheets(["citizens"])["Borgere"][1]


@pytest.fixture(autouse=True)
def _danish():
    with translation.override("da"):
        yield


def problems(files, limits=SMALL):
    book = reader.read(files, limits=limits)
    return book, [p.as_dict() for p in book.problems]


def test_more_rows_than_the_limit_refuse_the_file_and_keep_none_of_it():
    data = csv_bytes([CITIZEN_HEADER] + [CITIZEN_ROW] * 6)
    book, found = problems([("borgere.csv", data)])
    assert found == [
        {
            "sheet": "borgere.csv",
            "row": 7,
            "column": "",
            "reason": "Filen har mere end 5 rækker; en import må højst have 5 rækker. Del den op i mindre filer.",
        }
    ]
    assert book.sheets == []
    book, found = problems([("borgere.csv", csv_bytes([CITIZEN_HEADER] + [CITIZEN_ROW] * 5))])
    assert found == [] and book.total_rows == 5  # exactly the limit is allowed


def test_the_row_limit_counts_every_sheet_of_a_workbook():
    sheets = example_sheets(["citizens", "companies"])
    for rows in sheets.values():
        rows.extend([rows[1]] * 2)  # 3 rows in each sheet: 6 in all
    _book, found = problems([("historik.xlsx", workbook(sheets))])
    assert [p["reason"] for p in found] == [
        "Filen har mere end 5 rækker; en import må højst have 5 rækker. Del den op i mindre filer."
    ]


def test_a_cell_longer_than_the_limit_is_refused_in_csv_and_in_xlsx():
    long_row = list(CITIZEN_ROW)
    long_row[1] = "x" * 101
    reason = "En celle har mere end 100 tegn; en celle må højst have 100 tegn."
    _book, found = problems([("borgere.csv", csv_bytes([CITIZEN_HEADER, long_row]))])
    assert found == [{"sheet": "borgere.csv", "row": 2, "column": "", "reason": reason}]
    _book, found = problems([("borgere.xlsx", workbook({"Borgere": [CITIZEN_HEADER, long_row]}))])
    assert found == [{"sheet": "borgere.xlsx", "row": 2, "column": "", "reason": reason}]


def test_a_cell_of_megabytes_is_refused_without_being_gathered(tmp_path):
    """A cell whose text never ends within a chunk: the reader refuses it once more than a cell may hold is carried."""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>' + "x" * (3 * MIB) + "</t></is></c></row></sheetData></worksheet>"
    )
    data = _replace_sheet(workbook({"Borgere": [CITIZEN_HEADER]}), sheet)
    _book, found = problems([("borgere.xlsx", data)])
    assert [p["reason"] for p in found] == ["En celle har mere end 100 tegn; en celle må højst have 100 tegn."]


def test_a_row_reaching_past_the_column_limit_is_refused():
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>CPR-nummer</t></is></c><c r="XFD1"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    )
    _book, found = problems([("borgere.xlsx", _replace_sheet(workbook({"Borgere": [CITIZEN_HEADER]}), sheet))])
    assert found == [
        {
            "sheet": "borgere.xlsx",
            "row": 1,
            "column": "",
            "reason": "Rækken har mere end 40 kolonner; et ark må højst have 40.",
        }
    ]
    wide = [CITIZEN_HEADER + [f"x{i}" for i in range(40)]]
    _book, found = problems([("borgere.csv", csv_bytes(wide))])
    assert [p["reason"] for p in found] == ["Rækken har mere end 40 kolonner; et ark må højst have 40."]


def test_a_workbook_declaring_more_than_the_size_limit_is_refused_before_anything_is_unpacked(tmp_path):
    bomb = xlsx_bomb(tmp_path / "borgere.xlsx", mebibytes=12)
    _book, found = problems([("borgere.xlsx", bomb)])
    assert found == [
        {
            "sheet": "borgere.xlsx",
            "row": 0,
            "column": "",
            "reason": "Filen fylder mere end 10 MB udpakket; en import må højst fylde 10 MB. Del den op i mindre filer.",
        }
    ]
    _book, found = problems([("borgere.xlsx", xlsx_bomb(tmp_path / "small.xlsx", mebibytes=3))])
    assert found == []  # 3 MiB of spaces between the elements: read, and nothing in it


def test_the_bytes_actually_unpacked_are_counted_too():
    budget = reader.Budget(reader.Limits(max_bytes=2 * MIB, max_rows=5, max_columns=40, max_cell=100))
    stream = reader.BoundedStream(io.BytesIO(b" " * (3 * MIB)), budget)
    assert len(stream.read(MIB)) == MIB and len(stream.read(MIB)) == MIB
    with pytest.raises(reader.Refused) as refusal:
        stream.read(MIB)
    assert "mere end 2 MB" in refusal.value.reason


def test_the_limits_come_from_the_settings(settings):
    settings.IMPORT_MAX_MB, settings.IMPORT_MAX_ROWS = 7, 3
    limits = reader.Limits.from_settings()
    assert (limits.max_bytes, limits.max_rows, limits.max_columns, limits.max_cell) == (7 * MIB, 3, 200, 32767)


# --- Encodings of csv files ----------------------------------------------------------------------------


def _csv_text(first_name):
    header = ";".join(CITIZEN_HEADER)
    row = list(CITIZEN_ROW)
    row[1] = first_name
    return header + "\r\n" + ";".join(str(c) for c in row) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_csv_files_are_read_in_the_encodings_spreadsheets_write(encoding):
    book, found = problems([("borgere.csv", _csv_text("Søren Ærø").encode(encoding))])
    assert found == []
    raw = book.sheets[0]
    assert raw.rows[0][1][1] == "Søren Ærø"


def test_a_binary_file_named_csv_is_refused_as_not_text():
    _book, found = problems([("borgere.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))])
    assert found == [
        {
            "sheet": "borgere.csv",
            "row": 0,
            "column": "",
            "reason": "borgere.csv er ikke en tekstfil (den ligner et program eller en projektmappe). "
            "Gem arket som CSV (UTF-8), og importér den fil.",
        }
    ]


def test_text_in_neither_utf8_nor_windows_1252_is_refused_with_the_byte_and_where():
    data = _csv_text("Søren").encode("utf-8") + b"\x81\x9d;x\r\n"
    _book, found = problems([("borgere.csv", data)])
    position = data.index(b"\x81") + 1
    assert found[0]["reason"] == (
        f"borgere.csv kan ikke læses: den er hverken UTF-8- eller Windows-1252-tekst (byte 0x81 "
        f"på position {position}). Gem arket som CSV (UTF-8), og importér den fil."
    )


def test_an_empty_csv_is_refused():
    _book, found = problems([("borgere.csv", b"\r\n  \r\n")])
    assert [p["reason"] for p in found] == ["Filen er tom."]


# --- The gibibyte sheet, in a process of its own ------------------------------------------------------

MEASURE = r"""
import json, os, sys
from pathlib import Path
import django
django.setup()
from jobbro.imports import reader

class TrustingBudget(reader.Budget):
    def check_declared(self, size):  # as if the zip lied about its sizes: only the unpacked bytes are counted
        pass

path = Path(sys.argv[1])
declared = [p.as_dict() for p in reader.read([(path.name, path)]).problems]
book = reader.Workbook()
try:
    reader.read_xlsx(book, path, path.name, TrustingBudget())
    streamed = None
except reader.Refused as refusal:
    streamed = refusal.reason
# The peak of this process's own memory: VmHWM starts afresh at exec, whereas ru_maxrss keeps the peak of
# the (large) test process that spawned it.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"declared": declared, "streamed": streamed, "max_rss_mb": peak_kb / 1024}))
"""


def test_a_one_megabyte_workbook_that_unpacks_to_a_gibibyte_is_refused_within_300_mb(tmp_path):
    bomb = xlsx_bomb(tmp_path / "borgere.xlsx")
    assert bomb.stat().st_size < 1.2 * MIB
    assert sum(info.file_size for info in zipfile.ZipFile(bomb).infolist()) > 1024 * MIB
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jobbro.settings", "JOBBRO_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bomb)],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    reason = "Filen fylder mere end 200 MB udpakket; en import må højst fylde 200 MB. Del den op i mindre filer."
    assert result["declared"] == [{"sheet": "borgere.xlsx", "row": 0, "column": "", "reason": reason}]
    assert result["streamed"] == reason  # counted while unpacking, had the declared sizes lied
    assert result["max_rss_mb"] < 300, result


def _replace_sheet(xlsx, sheet_xml):
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = sheet_xml.encode() if info.filename.startswith("xl/worksheets/") else source.read(info.filename)
            target.writestr(info.filename, data)
    return buffer.getvalue()
