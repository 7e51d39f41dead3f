"""Site comparison: one column per site in scope and a total, for programmes run by several municipalities.

The unit is an enrolment (a citizen's course in the programme) referred on or before the as-of date `on` at a
site in scope. Every figure is read as of `on`:

referred                    enrolments referred on or before `on`, with or without a start form
start form not filled       of those, no start form dated on or before `on` (a citizen can be referred before the
                            start form is filled; one that ended without one stays here)
receiving active effort     the start form filled on or before `on` and no end form dated on or before `on`
                            (EnrolmentQuerySet.receiving_active_effort_on, cases/models.py)
ended                       the start form filled and the end form dated on or before `on`
                            Not filled + receiving active effort + ended = referred, in every column.
with a CV                   the citizen has a CV entry written on or before `on` (a CV is the citizen's, so one
                            written during an earlier enrolment counts)
started in an internship    a placement of kind internship or hybrid internship started on or before `on`,
  without ordinary hours    and no ordinary hours by `on` (below)
with ordinary hours         a timesheet with ordinary hours > 0 for a week starting on or before `on`, in a
                            placement started on or before `on` (the "employed" result goal)
self-sufficient through     the latest outcome measured on or before `on` (exit or follow-up; on the same date
  job or education          the one registered last) has status ordinary job or education. The latest outcome
                            wins: a job at exit followed by "still on benefit" at follow-up is not self-sufficient.
cooperation with the        yes when at least one citizen of the column was placed at a housing organisation
  housing organisation      (below), with the count of those citizens:
placed at a housing         a placement of any kind started on or before `on` at a company of kind housing
  organisation              organisation
jobs found through it       ordinary hours by `on` (as above) in a placement at a housing-organisation company

Each share is given twice, each labelled with its denominator: of the citizens receiving active effort (the
published site tables' denominator: the part counts only citizens receiving active effort) and of the referred.
Internship hours never count as ordinary hours.

One query: a row per enrolment with what the figures ask of it (the placement figures from first dates kept as
report facts, jobbro/reporting/facts.py), then every figure counted per site and in total. The total column is its
own count over all enrolments in scope, not the sum of the sites, so the table's add-up check compares two
computations.
"""

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import (
    Outcome,
    OutcomeStatus,
    enrolment_receiving_active_effort_on,
)
from jobbro.companies.models import Company
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table, site_columns

TITLE = _("Site comparison")
SUMMARY = _(
    "Each site side by side with the total: referred, receiving active effort, CV, internships, ordinary hours, "
    "self-sufficiency and the housing organisation, each share of those receiving active effort and of the referred."
)

SELF_SUFFICIENT = (OutcomeStatus.ORDINARY_JOB, OutcomeStatus.EDUCATION)
HOUSING = Company.Kind.HOUSING_ORGANISATION


# --- The facts about each enrolment, one row per enrolment -----------------------------------------------------------


def latest_outcome_status_by(on):
    """The status of the enrolment's latest outcome measured on or before the date; on one date, the one registered last."""
    latest = Outcome.objects.filter(enrolment=OuterRef("pk"), measured_on__lte=on).order_by("-measured_on", "-id")
    return Subquery(latest.values("status")[:1])


def _facts(scope):
    """One row per enrolment in scope with what the figures ask of it.

    The placement figures read first dates kept per enrolment (report facts, jobbro/reporting/facts.py): a first
    date is on or before `on` exactly when any is, so no placement or week is read here; so does the CV. The latest
    outcome is a subquery, evaluated once per row (the counts are taken over this query as a subquery)."""
    return (
        scope.enrolments()
        .order_by()
        .annotate(
            cv_from=F("facts__first_cv_entry_on"),
            latest_status=latest_outcome_status_by(scope.on),
            internship_from=F("facts__first_internship_start_on"),
            paid_from=F("facts__first_paid_on"),
            housing_from=F("facts__first_housing_start_on"),
            housing_paid_from=F("facts__first_housing_paid_on"),
        )
    )


# The figures given as shares, each twice: of those receiving active effort and of the referred.
SHARED = ("with_cv", "internship_only", "ordinary_hours", "self_sufficient")


def _conditions(on):
    """Which enrolments each figure counts, as a condition on the facts (None: all of them)."""
    no_ordinary_hours = Q(paid_from__isnull=True) | Q(paid_from__gt=on)
    active = enrolment_receiving_active_effort_on(on)
    shared = {
        "with_cv": Q(cv_from__lte=on),
        "internship_only": Q(internship_from__lte=on) & no_ordinary_hours,
        "ordinary_hours": Q(paid_from__lte=on),
        "self_sufficient": Q(latest_status__in=SELF_SUFFICIENT),
    }
    return {
        "referred": None,
        "not_started": Q(started_on__isnull=True) | Q(started_on__gt=on),
        "active": active,
        "ended": Q(started_on__lte=on, ended_on__lte=on),
        **shared,
        **{f"{figure}_active": condition & active for figure, condition in shared.items()},
        "housing_cooperation": Q(housing_from__lte=on),
        "housing_jobs": Q(housing_paid_from__lte=on),
    }


FIGURES = (
    "referred",
    "not_started",
    "active",
    "ended",
    *SHARED,
    *(f"{figure}_active" for figure in SHARED),
    "housing_cooperation",
    "housing_jobs",
)
TOTAL = "total"


def _site_filter(pk, condition):
    return Q(site=pk) if condition is None else Q(site=pk) & condition


def _alias(figure, column):
    return f"{figure}_{column}" if column == TOTAL else f"{figure}_site{column}"


def counts(scope):
    """{site id or TOTAL: {figure: count}} in one query over the facts.

    Each site's figures are counts restricted to that site; the total's are counts over every enrolment in scope,
    its own aggregates rather than the sum of the sites, so the add-up check compares two computations.
    """
    aggregates = {}
    for figure, condition in _conditions(scope.on).items():
        aggregates[_alias(figure, TOTAL)] = Count("pk", filter=condition)
        for pk in scope.site_ids:
            aggregates[_alias(figure, pk)] = Count("pk", filter=_site_filter(pk, condition))
    # DISTINCT (the rows are distinct anyway) keeps the per-enrolment query a subquery of its own: merged into the
    # outer query, each count would run the outcome subquery again.
    found = _facts(scope).distinct().aggregate(**aggregates)
    columns = [*scope.site_ids, TOTAL]
    return {column: {figure: found[_alias(figure, column)] for figure in FIGURES} for column in columns}


# --- The table ----------------------------------------------------------------------------------------------------

OF_ACTIVE = _("of those receiving active effort")
OF_REFERRED = _("of the referred")
SHARE_LABELS = {
    "with_cv": (_("Share with a CV"), _("A CV entry written on or before the date.")),
    "internship_only": (
        _("Share started in an internship without ordinary hours"),
        _("An internship or hybrid internship started, and no ordinary paid hours yet."),
    ),
    "ordinary_hours": (
        _("Share with ordinary hours"),
        _("Ordinary paid hours registered in a placement that had started."),
    ),
    "self_sufficient": (
        _("Share self-sufficient through a job or education"),
        _("The latest outcome on or before the date is an ordinary job or education."),
    ),
}


def _share_rows():
    for figure, (label, note) in SHARE_LABELS.items():
        yield (f"{figure}_of_active", (label, OF_ACTIVE), f"{figure}_active", "active", note)
        yield (f"{figure}_of_referred", (label, OF_REFERRED), figure, "referred", "")


ROWS = [
    # (key, label, figure, denominator figure (None: a count), note). A share's label names its denominator.
    (
        "referred",
        _("Referred"),
        "referred",
        None,
        _("Referred on or before the date, with or without a start form."),
    ),
    (
        "not_started",
        _("Of those: start form not filled"),
        "not_started",
        None,
        _("Referred, but no start form dated on or before the date."),
    ),
    (
        "active",
        _("Of those: receiving active effort"),
        "active",
        None,
        _("Start form filled on or before the date, and no end form dated on or before it."),
    ),
    ("ended", _("Of those: ended"), "ended", None, _("Start form and end form both dated on or before the date.")),
    ("active_share", (_("Share receiving active effort"), OF_REFERRED), "active", "referred", ""),
    *_share_rows(),
    (
        "housing_placed",
        _("Citizens placed at the housing organisation"),
        "housing_cooperation",
        None,
        _("Citizens with a placement started at a housing organisation."),
    ),
    (
        "housing_jobs",
        _("Jobs found through the housing organisation"),
        "housing_jobs",
        None,
        _("Citizens with ordinary paid hours at a housing organisation."),
    ),
]
SHARE_ROWS = [key for key, _label, _figure, denominator, _note in ROWS if denominator]
# The shares of the published tables, drawn in the chart: of those receiving active effort.
CHART_ROWS = [key for key, _label, _figure, denominator, _note in ROWS if denominator == "active"]


def _label(label):
    """A row's label; a share's names its denominator: "Share with a CV, of the referred"."""
    if isinstance(label, tuple):
        share, denominator = label
        return gettext("%(share)s, %(denominator)s") % {"share": share, "denominator": denominator}
    return str(label)


def _cell(figures, figure, denominator):
    return Share(figures[figure], figures[denominator]) if denominator else figures[figure]


def comparison_table(scope):
    found = counts(scope)
    per_column = [found[pk] for pk in scope.site_ids] + [found[TOTAL]]
    rows = [
        # Every figure counts enrolments, and each enrolment belongs to one site: all rows add up across sites.
        Row(
            key,
            _label(label),
            [_cell(figures, figure, denominator) for figures in per_column],
            additive=True,
            note=str(note),
        )
        for key, label, figure, denominator, note in ROWS
    ]
    # Cooperation with the housing organisation: yes where a citizen of the column was placed there (a yes or no
    # does not add up; the count below it does).
    cooperation = Row(
        "housing_cooperation",
        gettext("Cooperation with the housing organisation"),
        [figures["housing_cooperation"] > 0 for figures in per_column],
        note=gettext("Yes when at least one citizen was placed at a housing organisation by the date."),
    )
    rows.insert(next(i for i, row in enumerate(rows) if row.key == "housing_placed"), cooperation)
    columns = site_columns(scope)
    return Table(
        key="sites",
        title=gettext("Sites compared"),
        columns=columns,
        rows=rows,
        total_column=len(columns) - 1,
        sums=[("referred", ["not_started", "active", "ended"])],
        note=gettext(
            "Each share names its denominator: the citizens receiving active effort (start form filled, no end "
            "form; the published tables' denominator) or the citizens referred, in the same column."
        ),
    )


def share_chart(table):
    categories = table.columns
    series = {
        table.row(key).label: [cell.percent if cell.is_possible else None for cell in table.row(key).cells]
        for key in CHART_ROWS
    }
    return charts.bars(
        categories,
        series,
        ylabel=gettext("Percent of those receiving active effort"),
        description=gettext(
            "Bars for each site and the total: the shares of the citizens receiving active effort in the table."
        ),
    )


def build(scope):
    table = comparison_table(scope)
    return Report(
        key="sites",
        title=str(TITLE),
        scope=scope,
        tables=[table],
        charts=[share_chart(table)],
        notes=[
            gettext("A citizen is counted once per course in the programme, at the site of the course."),
            gettext(
                "A citizen can be referred before the start form is filled: referred counts them all, receiving "
                "active effort only those with a start form and no end form on the date."
            ),
            gettext(
                "Internship hours never count as ordinary hours: a hybrid internship with paid hours counts "
                "as ordinary hours, not as an internship without them."
            ),
            gettext(
                "Self-sufficiency follows the latest outcome measured on or before the date: a later "
                "follow-up showing the citizen back on benefit replaces an earlier job."
            ),
        ],
    )
