"""What every report is made of: a scope (programme, sites, as-of date) and tables whose figures check themselves.

A report never holds a typed number. Each cell is a count, a share (a part of a whole, both counts), a
measure (hours, days, a score) or a traffic light, computed by the report's queries. A table declares which
of its figures must add up (sites to the total, bands to all citizens), and `Table.problems()` finds any
that do not, and any share above 100 %. The page shows the problems above the table and an export prints
them on its first page: a figure that cannot be true is never shown as if it were.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, FilteredRelation, Q
from django.utils.translation import gettext, gettext_noop

from jobbro.cases.models import Enrolment
from jobbro.reporting import facts


@dataclass(frozen=True)
class Scope:
    """The programme, the sites within it, and the date the records are read as of."""

    programme: object
    sites: tuple
    on: datetime.date
    # False for a reader who may not see staff names: the tables per job broker name them Job broker A, B, …
    staff_named: bool = True

    # The count of stale marks this process had written when the scope last brought the report facts up to date.
    _facts_seen: list = field(default_factory=list, compare=False, repr=False)

    def catch_up(self):
        """Bring the report facts of every case written since up to date (see jobbro/reporting/facts.py): on the
        scope's first query, and again only after this process has written records since."""
        written = facts.marks_written()
        if self._facts_seen != [written]:
            facts.catch_up()
            self._facts_seen[:] = [written]

    @property
    def site_ids(self):
        return [site.pk for site in self.sites]

    @property
    def all_sites(self):
        return len(self.sites) == self.programme.sites.count()

    def enrolments(self):
        """Enrolments in scope whose start form is dated on or before the as-of date; a lottery's control group is
        not the programme's effort and is left out (EnrolmentQuerySet.in_programme_effort)."""
        self.catch_up()
        return Enrolment.objects.in_programme_effort().filter(
            programme=self.programme, site__in=self.site_ids, referred_on__lte=self.on
        )

    @property
    def fortnight_start(self):
        """The first of the 14 days ending on the as-of date."""
        return self.on - datetime.timedelta(days=13)


def with_job_broker_on(queryset, on, enrolment=""):
    """The queryset with `broker` annotated: the enrolment's job broker (user id, None for none) on `on`.

    Read from the enrolment's JobBrokerPeriod holding `on` (see jobbro/reporting/facts.py: the latest job-broker row
    of the contact-person history dated on or before `on`), joined once: at most one period holds on a date, so the
    join never adds rows. `enrolment` is the path from the queryset's model to the enrolment ("" for Enrolment)."""
    periods = f"{enrolment}__job_broker_periods" if enrolment else "job_broker_periods"
    holds = (Q(**{f"{periods}__starts_on__isnull": True}) | Q(**{f"{periods}__starts_on__lte": on})) & (
        Q(**{f"{periods}__ends_on__isnull": True}) | Q(**{f"{periods}__ends_on__gt": on})
    )
    return queryset.annotate(period_on=FilteredRelation(periods, condition=holds)).annotate(broker=F("period_on__user"))


@dataclass(frozen=True)
class Share:
    """A part of a whole, e.g. 12 of 40 citizens. The percent is derived, never stored."""

    part: int
    whole: int

    @property
    def percent(self):
        if not self.whole:
            return None
        return (Decimal(100) * self.part / self.whole).quantize(Decimal("0.1"))

    @property
    def fraction(self):
        return self.part / self.whole if self.whole else None

    @property
    def is_possible(self):
        return 0 <= self.part <= self.whole

    def __str__(self):
        percent = self.percent
        return f"{self.part} / {self.whole}" if percent is None else f"{self.part} ({percent} %)"


@dataclass(frozen=True)
class Fixed:
    """A measure shown with a fixed number of decimals (a p-value, a standardised difference): one decimal, as other
    measures have, would hide what it says."""

    value: float
    decimals: int = 3


@dataclass(frozen=True)
class Withheld:
    """A figure left out by statistical disclosure control: it is shown as words ("fewer than 5"), never as a number,
    on the page, in the PDF and in the spreadsheet."""

    smallest: int = 5

    def __str__(self):
        return gettext("fewer than %(n)s") % {"n": self.smallest}


class Light:
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # nothing to score yet


@dataclass(frozen=True)
class Scored:
    """A figure with its traffic light against a success criterion (fidelity)."""

    value: object  # a Share or a number
    light: str
    target: object = None

    @property
    def light_label(self):
        # Only this light's label is translated: a spreadsheet asks it of tens of thousands of cells.
        return gettext(LIGHT_LABELS[self.light])


LIGHT_LABELS = {
    Light.GREEN: gettext_noop("green"),
    Light.AMBER: gettext_noop("amber"),
    Light.RED: gettext_noop("red"),
    Light.NONE: gettext_noop("not scored"),
}


@dataclass
class Row:
    """One row: a label and one cell per column. `additive` rows have count cells whose parts add to the total column."""

    key: str
    label: str
    cells: list
    additive: bool = False
    note: str = ""


@dataclass
class Table:
    """A report table. `total_column` is the index of the column the others must add up to in additive rows;
    `sums` lists (total row key, part row keys) whose counts must add up in every column."""

    key: str
    title: str
    columns: list
    rows: list
    total_column: int | None = None
    sums: list = field(default_factory=list)
    note: str = ""
    first_column_label: str = ""

    def row(self, key):
        """The first row with this key."""
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def rows_by_key(self):
        """{key: the first row with that key}, as the rows are now."""
        by_key = {}
        for row in self.rows:
            by_key.setdefault(row.key, row)
        return by_key

    def cell(self, row_key, column):
        """The cell in a row by column index or column label."""
        index = column if isinstance(column, int) else self.columns.index(column)
        return self.row(row_key).cells[index]

    def problems(self):
        """Every figure in this table that cannot be true, as sentences a reader understands."""
        return [*self._impossible_shares(), *self._columns_not_adding_up(), *self._rows_not_adding_up()]

    def _impossible_shares(self):
        for row in self.rows:
            for column, cell in zip(self.columns, row.cells, strict=True):
                share = cell.value if isinstance(cell, Scored) else cell
                if isinstance(share, Share) and not share.is_possible:
                    yield gettext(
                        "%(table)s: “%(row)s” in %(column)s is %(part)s of %(whole)s, a share above 100 %%."
                    ) % {
                        "table": self.title,
                        "row": row.label,
                        "column": column,
                        "part": share.part,
                        "whole": share.whole,
                    }

    def _columns_not_adding_up(self):
        if self.total_column is None:
            return
        for row in self.rows:
            if not row.additive:
                continue
            total = _count(row.cells[self.total_column])
            parts = [_count(cell) for index, cell in enumerate(row.cells) if index != self.total_column]
            if total is not None and sum(p or 0 for p in parts) != total:
                yield gettext(
                    "%(table)s: “%(row)s” adds up to %(sum)s across the columns, but the total says %(total)s."
                ) % {
                    "table": self.title,
                    "row": row.label,
                    "sum": sum(p or 0 for p in parts),
                    "total": total,
                }

    def _rows_not_adding_up(self):
        # The check looks up every part row in every column: through a dict of the rows made once per check, as a
        # search of the list for each made it quadratic in the rows (seconds at thousands of staff rows).
        if not self.sums:
            return
        by_key = self.rows_by_key()
        for total_key, part_keys in self.sums:
            total_row = by_key[total_key]
            part_rows = [by_key[key] for key in part_keys]
            for index, column in enumerate(self.columns):
                total = _count(total_row.cells[index])
                parts = [_count(part.cells[index]) for part in part_rows]
                if total is not None and sum(p or 0 for p in parts) != total:
                    yield gettext(
                        "%(table)s: in %(column)s the parts of “%(row)s” add up to %(sum)s, not %(total)s."
                    ) % {
                        "table": self.title,
                        "column": column,
                        "row": total_row.label,
                        "sum": sum(p or 0 for p in parts),
                        "total": total,
                    }


def _count(cell):
    """The count a cell holds for the add-up checks: a count, or the part of a share."""
    if isinstance(cell, Scored):
        cell = cell.value
    if isinstance(cell, Share):
        return cell.part
    if isinstance(cell, bool) or not isinstance(cell, int):
        return None
    return cell


@dataclass
class Chart:
    """An SVG chart and the sentence that says what it shows (its text alternative: the table holds the figures)."""

    svg: str
    description: str


@dataclass
class Report:
    key: str
    title: str
    scope: Scope
    tables: list
    charts: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def problems(self):
        return [problem for table in self.tables for problem in table.problems()]


def site_columns(scope):
    """Column labels for a per-site table: one per site, then the total."""
    return [site.name for site in scope.sites] + [gettext("Total")]
