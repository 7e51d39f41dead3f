"""How a report cell reads: on the page, in the PDF and in the spreadsheet.

Counts are whole numbers, shares show the count and the percent, measures one decimal, all with the
active language's decimal separator (a comma in Danish). A missing figure is a dash, never a zero.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from jobbro.accounts.models import User
from jobbro.reporting.base import Fixed, Scored, Share, Table, Withheld
from jobbro.reporting.charts import ALL_BARS_UP_TO, BARS_AT_EACH_END

DASH = "–"


def failed_share_parts(share):
    """A share that fails its check (a part above the whole, or below 0) as (its counts, the warning): it is shown so,
    never as a percent, which could be read as a figure (117 % with a CV)."""
    counts = gettext("%(part)s of %(whole)s") % {
        "part": number_format(share.part, force_grouping=True),
        "whole": number_format(share.whole, force_grouping=True),
    }
    return counts, gettext("cannot be true: the check failed")


def cell_text(cell):
    if isinstance(cell, Scored):
        return cell_text(cell.value)
    if cell is None:
        return DASH
    if isinstance(cell, Share):
        if not cell.is_possible:
            counts, warning = failed_share_parts(cell)
            return f"{counts} ({warning})"
        if cell.percent is None:
            return f"{number_format(cell.part)} ({DASH})"
        return f"{number_format(cell.part)} ({number_format(cell.percent, decimal_pos=1)} %)"
    if isinstance(cell, bool):
        return yes_no(cell)
    if isinstance(cell, Fixed):
        return number_format(round(cell.value, cell.decimals), decimal_pos=cell.decimals, force_grouping=True)
    if isinstance(cell, int):
        return number_format(cell, force_grouping=True)
    if isinstance(cell, (float, Decimal)):
        return number_format(Decimal(str(cell)).quantize(Decimal("0.1")), decimal_pos=1, force_grouping=True)
    if isinstance(cell, datetime.date):
        return date_format(cell, "SHORT_DATE_FORMAT")
    return str(cell)


def yes_no(value):
    return gettext("Yes") if value else gettext("No")


def is_failed(cell):
    """The cell holds a share that fails its check (see failed_share_parts)."""
    if isinstance(cell, Scored):
        cell = cell.value
    return isinstance(cell, Share) and not cell.is_possible


def is_numeric(cell):
    if isinstance(cell, Scored):
        return True
    # A figure withheld by disclosure control stands where a number would, aligned as one.
    return isinstance(cell, (int, float, Decimal, Share, Fixed, Withheld)) and not isinstance(cell, bool)


def xlsx_slot_names(cell):
    """The slots xlsx_slots gives the cell, without computing their values."""
    if isinstance(cell, Scored):
        return ("value", "light", "share") if isinstance(cell.value, Share) else ("value", "light")
    if isinstance(cell, Share):
        return ("value", "share")
    return ("value",)


def xlsx_slots(cell, light_labels=None):
    """The cell for a spreadsheet as {slot: (value, number format)}: 'value', and 'share' and 'light' where it has them.
    `light_labels` ({light: its label}) spares a spreadsheet of thousands of scored cells translating each label."""
    if isinstance(cell, Scored):
        label = light_labels[cell.light] if light_labels is not None else cell.light_label
        return {**xlsx_slots(cell.value), "light": (label, None)}
    if isinstance(cell, Share):
        if not cell.is_possible:
            counts, warning = failed_share_parts(cell)
            return {"value": (cell.part, "#,##0"), "share": (f"{counts} ({warning})", None)}
        fraction = cell.fraction
        return {"value": (cell.part, "#,##0"), "share": (fraction, "0.0%") if fraction is not None else (None, None)}
    if isinstance(cell, bool):
        return {"value": (yes_no(cell), None)}
    if isinstance(cell, Fixed):
        return {"value": (float(cell.value), "0." + "0" * cell.decimals if cell.decimals else "0")}
    if isinstance(cell, int):
        return {"value": (cell, "#,##0")}
    if isinstance(cell, (float, Decimal)):
        return {"value": (float(cell), "#,##0.0")}
    if isinstance(cell, datetime.date):
        return {"value": (cell, "DD.MM.YYYY")}
    return {"value": (None if cell is None else str(cell), None)}


# --- Tables with a row per member of staff -------------------------------------------------------------------------


@dataclass
class StaffTable(Table):
    """A table with a row per member of staff (a job broker, say), then `pinned` rows (no job broker, the total).

    The report computes every row, checks them all and exports them all; the page shows one page of the staff rows
    at a time (searchable by name, sorted by name or by `rank`) and the PDF both ends of the ranking, with the
    pinned rows always. `rank` gives a staff row the number the ranking orders by, `rank_most` and `rank_fewest`
    name the two orders, and `rank_ends` says in a sentence what the PDF's two ends are, with %(each_end)s."""

    pinned: tuple = ()
    staff: str = ""  # the members of staff, plural: "job brokers"
    rank: Callable | None = None
    rank_most: str = ""
    rank_fewest: str = ""
    rank_ends: str = ""

    def staff_rows(self):
        return [row for row in self.rows if row.key not in self.pinned]

    def pinned_rows(self):
        return [row for row in self.rows if row.key in self.pinned]


def staff_names(pks, scope):
    """{user pk: the name a report shows}: the full name, or the username for a user without one, as
    User.get_full_name. Read as plain values: thousands of job brokers as model instances cost half a second.

    For a reader who may not see staff names (`scope.staff_named` false) each is "Job broker A", "B", …: the letters
    go to the programme's staff in the order of their user ids, so a person has the same letters in every report of
    the programme, and all have as many letters, so the names sort in that order and say nothing of the real ones."""
    pks = {pk for pk in pks if pk is not None}
    if not scope.staff_named:
        staff = list(
            User.objects.filter(memberships__programme=scope.programme).order_by("pk").values_list("pk", flat=True)
        )
        staff += sorted(pks - set(staff))  # a job broker of a case who no longer works in the programme
        width = _letters_needed(len(staff))
        return {
            pk: gettext("Job broker %(letters)s") % {"letters": _letters(i, width)}
            for i, pk in enumerate(dict.fromkeys(staff))
            if pk in pks
        }
    users = User.objects.filter(pk__in=pks).values_list("pk", "first_name", "last_name", "username")
    return {pk: f"{first} {last}".strip() or username for pk, first, last, username in users}


def _letters_needed(count):
    width = 1
    while 26**width < count:
        width += 1
    return width


def _letters(index, width):
    """A, B, … Z for width 1; AA, AB, … for width 2: the index-th word of `width` letters."""
    letters = ""
    for _position in range(width):
        index, rest = divmod(index, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


PAGE_SIZE = 25
SEARCH_LENGTH = 100  # characters of a search that count, as the search field takes
BY_NAME, MOST_FIRST, FEWEST_FIRST = "name", "most", "fewest"
ORDERS = (BY_NAME, MOST_FIRST, FEWEST_FIRST)


def matches(label, search):
    """Whether a name holds the search words, each anywhere in it, ignoring case."""
    name = label.casefold()
    return all(word in name for word in search.casefold().split())


def ordered(table, order):
    """The staff rows in the order asked for: by name as the report gives them, or by the ranking (ties by name)."""
    rows = table.staff_rows()
    if table.rank is None or order not in (MOST_FIRST, FEWEST_FIRST):
        return rows
    return sorted(rows, key=table.rank, reverse=order == MOST_FIRST)  # stable: equal ranks keep the name order


@dataclass
class StaffPage:
    """One page of a staff table as the report page shows it: `table` holds that page's rows and the pinned rows."""

    table: StaffTable
    page: Page
    search: str
    order: str
    matching: int  # staff rows matching the search
    everyone: int  # staff rows in the report

    @property
    def first(self):
        return self.page.start_index()

    @property
    def last(self):
        return self.page.end_index()


def staff_page(table, *, search="", order=BY_NAME, number=1, size=PAGE_SIZE):
    """The page `number` (1 for anything that is not a page number) of the staff rows matching `search`."""
    search = " ".join(search[:SEARCH_LENGTH].split())
    order = order if order in ORDERS and (order == BY_NAME or table.rank) else BY_NAME
    rows = ordered(table, order)
    found = [row for row in rows if matches(row.label, search)] if search else rows
    page = Paginator(found, size).get_page(number)
    shown = replace(table, rows=[*page.object_list, *table.pinned_rows()])
    return StaffPage(shown, page, search, order, len(found), len(rows))


def both_ends_of(table, *, each_end=BARS_AT_EACH_END, all_up_to=ALL_BARS_UP_TO):
    """The table as the PDF prints it: every staff row when there are at most `all_up_to`, otherwise the `each_end`
    ranked highest and the `each_end` ranked lowest (by name without a ranking), then the pinned rows; and a
    sentence saying what it left out, or "" when it left nothing out."""
    rows = table.staff_rows()
    if len(rows) <= all_up_to:
        return table, ""
    if table.rank is None:
        most, fewest = rows[:each_end], rows[-each_end:]
        ends = gettext("the first %(each_end)s and the last %(each_end)s by name") % {"each_end": each_end}
    else:
        ranked = ordered(table, MOST_FIRST)
        most, fewest = ranked[:each_end], ranked[-each_end:]
        ends = table.rank_ends % {"each_end": each_end}
    summary = gettext(
        "This table shows %(shown)s of %(all)s %(staff)s: %(ends)s, then the totals, which count everyone. The "
        "spreadsheet (xlsx) of the report holds every row."
    ) % {"shown": len(most) + len(fewest), "all": len(rows), "staff": table.staff, "ends": ends}
    return replace(table, rows=[*most, *fewest, *table.pinned_rows()]), summary
