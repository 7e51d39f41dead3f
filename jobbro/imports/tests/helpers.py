"""Building workbooks and csv files in memory for the import tests."""

import csv
import io

from openpyxl import Workbook

from jobbro.imports import schemas


def workbook(sheets):
    """{sheet name: [header row, row, ...]} as xlsx bytes."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, delimiter=";"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def example_sheets(kinds=None):
    """The sheets' templates: the Danish header and the example row; together they make one consistent case.

    Without `kinds`, every sheet a coordinator may import (the set-up sheets only when named: administrators'
    sheets, see schemas.SETUP_KINDS)."""
    return {
        s.da: [[c.da for c in s.columns], [c.example for c in s.columns]]
        for s in schemas.SHEETS
        if (s.kind not in schemas.SETUP_KINDS if kinds is None else s.kind in kinds)
    }
