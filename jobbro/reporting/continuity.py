"""Continuity of contact persons: how often a citizen's job broker and caseworker changed, per site and in total.

A change of caseworker is known to lower a citizen's chance of a job, so the programme tracks it. The unit is an
enrolment (a citizen's course in the programme) referred on or before the as-of date `on` at a site in scope; a
citizen referred twice counts twice, as in the other reports. The changes are read from the contact-person history
(cases.AssignmentChange), one role at a time, as of `on`:

standing row        a history row of the role dated on or before `on`; of rows on the same date the latest (by id)
                    stands and the earlier ones never held (a correction that day, as the job broker on a date is read
                    for the other reports, jobbro/reporting/facts.py)
change              a standing row with a person whose person differs from that of the latest earlier standing row
                    with a person. The first person on the case is not a change; a row with no person (nobody in the
                    role for a while) is not a change either, and the next person is compared with the one before
                    the gap, so A, nobody, A is no change and A, nobody, B is one
changes per citizen the enrolment's changes counted so, dated from its first row up to `on` (a course that ended
                    keeps the changes it had)

Table "Job broker" and table "Caseworker", one row per site in scope and the total (the chosen sites together):
citizens; the citizens with no change, 1, 2, and 3 or more changes (each a share of the citizens; the four add up to
the citizens); the mean number of changes per citizen (all changes / citizens, one decimal). The total is counted
over all enrolments in scope, not summed from the sites, so the add-up checks compare two computations.

Disclosure control: no figure about fewer than SMALLEST citizens is shown (it reads "fewer than 5"), as in the effect
report. A site with fewer than SMALLEST citizens is withheld whole; a band of 1 to SMALLEST - 1 citizens is withheld;
where one withheld figure could be worked out from the others (the bands add up to the citizens, the sites to the
total) the next smallest figure is withheld too, until none can. 0 is no one and is shown. The figures' own checks
(bands adding up, sites adding up to the total, shares at most 100 %) run on the figures before they are withheld.

One query: each enrolment's two counts of changes are correlated subqueries over the history (read through its
index by case, role and date), counted per site and in total over the enrolments as a subquery.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import AssignmentChange
from jobbro.reporting.base import Report, Row, Share, Table, Withheld

TITLE = _("Continuity of contact persons")
SUMMARY = _(
    "How many times each citizen's job broker and caseworker changed: citizens with no, one, two, and three or more "
    "changes, and the mean per citizen, per site and in total."
)

SMALLEST = 5  # disclosure control: no figure about fewer citizens than this
ROLES = (AssignmentChange.Role.JOB_BROKER, AssignmentChange.Role.CASEWORKER)
BANDS = (0, 1, 2, 3)  # 3: three or more
TOTAL = "total"
# The name of each role's count of changes, on an enrolment and as the key of its table.
KEYS = {AssignmentChange.Role.JOB_BROKER: "job_broker_changes", AssignmentChange.Role.CASEWORKER: "caseworker_changes"}


# --- The changes of one enrolment ---------------------------------------------------------------------------------


def standing_rows(on):
    """The history rows with a person, dated on or before `on`, that stand: no later row (by id) on the same date."""
    later_same_day = AssignmentChange.objects.filter(
        enrolment=OuterRef("enrolment"), role=OuterRef("role"), changed_on=OuterRef("changed_on"), id__gt=OuterRef("id")
    )
    return AssignmentChange.objects.filter(user__isnull=False, changed_on__lte=on).filter(~Exists(later_same_day))


def changes(on, role):
    """The standing rows of the role that are changes, for the enrolment of the outer query (OuterRef "pk"): a person
    other than the one of the latest earlier standing row with a person."""
    previous = (
        standing_rows(on)
        .filter(enrolment=OuterRef("enrolment"), role=OuterRef("role"), changed_on__lt=OuterRef("changed_on"))
        .order_by("-changed_on", "-id")
        .values("user")[:1]
    )
    return (
        standing_rows(on)
        .filter(enrolment=OuterRef("pk"), role=role)
        .annotate(previous=Subquery(previous))
        .filter(previous__isnull=False)
        .filter(~Q(previous=F("user")))
    )


def change_count(on, role):
    """The number of changes of the role on the outer query's enrolment as of `on` (0 for none)."""
    counted = changes(on, role).order_by().values("enrolment").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def per_enrolment(scope):
    """The enrolments in scope, each with its changes of job broker and of caseworker as of the scope's date."""
    return scope.enrolments().order_by().annotate(**{KEYS[role]: change_count(scope.on, role) for role in ROLES})


# --- Counting -----------------------------------------------------------------------------------------------------


def _band(role, band):
    return Q(**{f"{KEYS[role]}__gte": band}) if band == BANDS[-1] else Q(**{KEYS[role]: band})


def counts(scope):
    """{site id or TOTAL: {role: {"citizens": n, "bands": [n0, n1, n2, n3+], "changes": all changes}}}, one query."""
    aggregates = {}
    columns = [*scope.site_ids, TOTAL]
    for column in columns:
        where = Q() if column == TOTAL else Q(site=column)
        aggregates[f"citizens_{column}"] = Count("pk", filter=where)
        for role in ROLES:
            for band in BANDS:
                aggregates[f"{role}_{band}_{column}"] = Count("pk", filter=where & _band(role, band))
            aggregates[f"{role}_sum_{column}"] = Coalesce(Sum(KEYS[role], filter=where), Value(0))
    # DISTINCT keeps the per-enrolment query a subquery of its own (sites.py does the same): merged into the outer
    # query, every count would run the history subqueries again.
    found = per_enrolment(scope).distinct().aggregate(**aggregates)
    return {
        column: {
            role: {
                "citizens": found[f"citizens_{column}"],
                "bands": [found[f"{role}_{band}_{column}"] for band in BANDS],
                "changes": found[f"{role}_sum_{column}"],
            }
            for role in ROLES
        }
        for column in columns
    }


def mean(changes_in_all, citizens):
    if not citizens:
        return None
    return (Decimal(changes_in_all) / citizens).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- Disclosure control -------------------------------------------------------------------------------------------

CITIZENS, FIRST_BAND, MEAN = 0, 1, 1 + len(BANDS)
COUNTED = range(CITIZENS, MEAN)  # the columns holding citizens: the citizens and the bands


def _persons(cell):
    return cell.part if isinstance(cell, Share) else cell


def _small(cell):
    persons = _persons(cell)
    return isinstance(persons, int) and 0 < persons < SMALLEST


def withheld_cells(rows):
    """The (row, column) cells to withhold in rows of [citizens, bands…, mean], the last row being the total of the
    others: every figure about fewer than SMALLEST citizens, then as long as any row's bands or any column's sites
    leave exactly one withheld figure that the others give away, the next smallest figure of it."""
    total = len(rows) - 1
    hidden = set()
    for r, row in enumerate(rows):
        if _small(row[CITIZENS]):
            hidden.update((r, c) for c in range(len(row)))
        hidden.update((r, c) for c in range(FIRST_BAND, MEAN) if _small(row[c]))

    def hide_next(candidates):
        visible = [(r, c) for r, c in candidates if (r, c) not in hidden and (_persons(rows[r][c]) or 0) > 0]
        if visible:
            hidden.add(min(visible, key=lambda cell: (_persons(rows[cell[0]][cell[1]]), cell)))
            return True
        return False

    changed = True
    while changed:
        changed = False
        # A row: the citizens are the sum of the bands.
        for r in range(len(rows)):
            cells = [(r, c) for c in COUNTED]
            if sum((cell in hidden) for cell in cells) == 1:
                bands = [(r, c) for c in range(FIRST_BAND, MEAN)]
                changed |= hide_next(bands) or hide_next([(r, CITIZENS)])
        # A column: the total is the sum of the sites.
        for c in COUNTED:
            cells = [(r, c) for r in range(len(rows))]
            if sum((cell in hidden) for cell in cells) == 1:
                changed |= hide_next([(r, c) for r in range(total)]) or hide_next([(total, c)])
    return hidden


@dataclass
class ControlledTable(Table):
    """A table some of whose figures are withheld: its checks are those of the figures before they were withheld."""

    checked: list = field(default_factory=list)

    def problems(self):
        return list(self.checked)


# --- The tables ---------------------------------------------------------------------------------------------------

TITLES = {
    AssignmentChange.Role.JOB_BROKER: _("Changes of job broker"),
    AssignmentChange.Role.CASEWORKER: _("Changes of caseworker"),
}


def columns():
    return [
        gettext("Citizens"),
        gettext("No change"),
        gettext("1 change"),
        gettext("2 changes"),
        gettext("3 or more changes"),
        gettext("Mean changes per citizen"),
    ]


def _cells(figures):
    citizens = figures["citizens"]
    return [
        citizens,
        *(Share(n, citizens) for n in figures["bands"]),
        mean(figures["changes"], citizens),
    ]


def role_table(scope, found, role):
    keys = [f"site-{pk}" for pk in scope.site_ids] + [TOTAL]
    labels = [site.name for site in scope.sites] + [gettext("Total")]
    cells = [_cells(found[pk][role]) for pk in scope.site_ids] + [_cells(found[TOTAL][role])]
    table_columns = columns()
    full = Table(
        key=KEYS[role],
        title=str(TITLES[role]),
        columns=table_columns,
        rows=[Row(key, label, list(row), additive=True) for key, label, row in zip(keys, labels, cells, strict=True)],
        total_column=CITIZENS,
        sums=[(TOTAL, keys[:-1])],
    )
    hidden = withheld_cells(cells)
    rows = [
        Row(key, label, [Withheld(SMALLEST) if (r, c) in hidden else cell for c, cell in enumerate(row)])
        for r, (key, label, row) in enumerate(zip(keys, labels, cells, strict=True))
    ]
    return ControlledTable(
        key=KEYS[role],
        title=str(TITLES[role]),
        columns=table_columns,
        rows=rows,
        note=gettext(
            "Citizens referred on or before the date. A change is a new person in the role; the first person is not "
            "a change, nor is a time with nobody in the role. Figures about fewer than %(n)s citizens are withheld."
        )
        % {"n": SMALLEST},
        first_column_label=gettext("Site"),
        checked=full.problems(),
    )


def build(scope):
    found = counts(scope)
    return Report(
        key="continuity",
        title=str(TITLE),
        scope=scope,
        tables=[role_table(scope, found, role) for role in ROLES],
        notes=[
            gettext(
                "Read from the history of contact persons as of the date: of changes on the same day the last one "
                "stands. A citizen referred twice counts twice. A change of caseworker is known to lower a citizen's "
                "chance of a job."
            )
        ],
    )
