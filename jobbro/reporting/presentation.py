"""How a report cell reads: on the page, in the PDF and in the spreadsheet.

Counts are whole numbers, shares show the count and the percent, measures one decimal, all with the
active language's decimal separator (a comma in Danish). A missing figure is a dash, never a zero.
"""

import datetime
from decimal import Decimal

from django.utils.formats import date_format, number_format

from jobbro.reporting.base import Scored, Share

DASH = "–"


def cell_text(cell):
    if isinstance(cell, Scored):
        return cell_text(cell.value)
    if cell is None:
        return DASH
    if isinstance(cell, Share):
        if cell.percent is None:
            return f"{number_format(cell.part)} ({DASH})"
        return f"{number_format(cell.part)} ({number_format(cell.percent, decimal_pos=1)} %)"
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return number_format(cell, force_grouping=True)
    if isinstance(cell, (float, Decimal)):
        return number_format(Decimal(str(cell)).quantize(Decimal("0.1")), decimal_pos=1, force_grouping=True)
    if isinstance(cell, datetime.date):
        return date_format(cell, "SHORT_DATE_FORMAT")
    return str(cell)


def is_numeric(cell):
    if isinstance(cell, Scored):
        return True
    return isinstance(cell, (int, float, Decimal, Share)) and not isinstance(cell, bool)


def xlsx_slots(cell):
    """The cell for a spreadsheet as {slot: (value, number format)}: 'value', and 'share' and 'light' where it has them."""
    if isinstance(cell, Scored):
        return {**xlsx_slots(cell.value), "light": (cell.light_label, None)}
    if isinstance(cell, Share):
        fraction = cell.fraction
        return {"value": (cell.part, "#,##0"), "share": (fraction, "0.0%") if fraction is not None else (None, None)}
    if isinstance(cell, bool):
        return {"value": (str(cell), None)}
    if isinstance(cell, int):
        return {"value": (cell, "#,##0")}
    if isinstance(cell, (float, Decimal)):
        return {"value": (float(cell), "#,##0.0")}
    if isinstance(cell, datetime.date):
        return {"value": (cell, "DD.MM.YYYY")}
    return {"value": (None if cell is None else str(cell), None)}
