"""Writing cells that a spreadsheet program will never run as formulas.

Every spreadsheet jobbro writes (the small-jobs board mailed to companies, the report exports, the import
templates) passes its cells through `safe_cell`, or appends its rows with `append_row`. Text that a
spreadsheet program would read as a formula or a DDE call (OWASP "CSV injection": a cell starting with
= + - @, a tab or a carriage return) gets a leading apostrophe, so it is shown as the text it is. Real
numbers and dates stay numbers and dates: -2 is a number, "-2+3" typed as a job title is text.

Characters that the xlsx format cannot hold at all (control characters other than tab, newline and
carriage return) are dropped, so a note pasted with one cannot break an export.
"""

import datetime
import re
from decimal import Decimal

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# The control characters XML 1.0 (and so xlsx) cannot hold: as openpyxl's ILLEGAL_CHARACTERS_RE.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
PLAIN_VALUES = (bool, int, float, Decimal, datetime.date, datetime.datetime, datetime.time, datetime.timedelta)


def is_formula_like(text):
    """True for text a spreadsheet program could run: it starts with = + - @, a tab or a carriage return,
    also after leading spaces (some programs skip them)."""
    return text.lstrip(" ").startswith(FORMULA_STARTS)


def safe_cell(value):
    """The value to write in a cell: numbers, dates and empty cells as they are, any other value as safe text."""
    if value is None or isinstance(value, PLAIN_VALUES):
        return value
    text = ILLEGAL_CHARACTERS.sub("", str(value))
    if is_formula_like(text):
        return QUOTE + text
    return text


def neutralise(text):
    """Text for an exchange file that jobbro reads back (jobbro/exchange): formula-like text gets an apostrophe as in
    safe_cell, and so does text that already starts with apostrophes before formula-like text, so that taking one
    apostrophe off again (is_neutralised) always gives the text as it was."""
    if is_neutralised(QUOTE + text) or is_formula_like(text):
        return QUOTE + text
    return text


def is_neutralised(text):
    """True for text neutralise() wrote: apostrophes, then text a spreadsheet program could run."""
    rest = text.lstrip(QUOTE)
    return rest != text and is_formula_like(rest)


def styled_cell(sheet, value, **style):
    """A cell for a write-only sheet (openpyxl's WriteOnlyCell), its value made safe, with style attributes such
    as font, alignment or number_format; append it with append_row."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _safe(value):
    if isinstance(value, Cell):
        value.value = safe_cell(value.value)  # safe_cell leaves safe text as it is
        return value
    return safe_cell(value)


def safe_row(values):
    """A row of cells made safe with safe_cell (a cell object's value too)."""
    return [_safe(value) for value in values]


def append_row(sheet, values):
    """Append a row to an openpyxl worksheet, every cell made safe; the only way jobbro adds rows to a sheet."""
    sheet.append(safe_row(values))


def write_cell(sheet, row, column, value):
    """Set one cell of an openpyxl worksheet safely and return it."""
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_cell(value)
    return cell


__all__ = [
    "FORMULA_STARTS",
    "append_row",
    "is_formula_like",
    "is_neutralised",
    "neutralise",
    "safe_cell",
    "safe_row",
    "styled_cell",
    "write_cell",
]
