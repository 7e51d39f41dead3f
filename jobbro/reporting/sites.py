"""Site comparison: one column per site in scope and a total, for programmes run by several municipalities.

The unit is an enrolment (a citizen's course in the programme) referred on or before the as-of date `on` at a
site in scope. Every figure is read as of `on`:

referred                    enrolments with the start form dated on or before `on`
receiving active effort     of those, enrolments active on `on`: no end form, or an end form dated after `on`
with a CV                   the citizen has a CV entry written on or before `on` (a CV is the citizen's, so one
                            written during an earlier enrolment counts)
started in an internship    a placement of kind internship or hybrid internship started on or before `on`,
  without ordinary hours    and no ordinary hours by `on` (below)
with ordinary hours         a timesheet with ordinary hours > 0 for a week starting on or before `on`, in a
                            placement started on or before `on` (the "employed" result goal)
self-sufficient through     the latest outcome measured on or before `on` (exit or follow-up; on the same date
  job or education          the one registered last) has status ordinary job or education. The latest outcome
                            wins: a job at exit followed by "still on benefit" at follow-up is not self-sufficient.
cooperation with the        a placement of any kind started on or before `on` at a company of kind housing
  housing organisation      organisation
jobs found through it       ordinary hours by `on` (as above) in a placement at a housing-organisation company

Every share is of the referred in the same column. Internship hours never count as ordinary hours.

One query: a row per enrolment with what the figures ask of it (the placement figures from first dates kept as
report facts, jobbro/reporting/facts.py), then every figure counted per site and in total. The total column is its own count over all enrolments in scope, not the sum of the sites,
so the table's add-up check compares two computations.
"""

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import Outcome, OutcomeStatus, enrolment_active_on
from jobbro.companies.models import Company
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table, site_columns

TITLE = _("Site comparison")
SUMMARY = _(
    "Each site side by side with the total: referred, active, CV, internships, ordinary hours, "
    "self-sufficiency and the housing organisation."
)

SELF_SUFFICIENT = (OutcomeStatus.ORDINARY_JOB, OutcomeStatus.EDUCATION)
HOUSING = Company.Kind.HOUSING_ORGANISATION


# --- The facts about each enrolment, one row per enrolment -----------------------------------------------------------


def latest_outcome_status_by(on):
    """The status of the enrolment's latest outcome measured on or before the date; on one date, the one registered last."""
    latest = Outcome.objects.filter(enrolment=OuterRef("pk"), measured_on__lte=on).order_by("-measured_on", "-id")
    return Subquery(latest.values("status")[:1])


def active_on(on):
    """Enrolled and not ended on the date: EnrolmentQuerySet.active_on's condition (cases/models.py)."""
    return enrolment_active_on(on)


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


def _conditions(on):
    """Which enrolments each figure counts, as a condition on the facts (None: all of them)."""
    no_ordinary_hours = Q(paid_from__isnull=True) | Q(paid_from__gt=on)
    return {
        "referred": None,
        "active": active_on(on),
        "with_cv": Q(cv_from__lte=on),
        "internship_only": Q(internship_from__lte=on) & no_ordinary_hours,
        "ordinary_hours": Q(paid_from__lte=on),
        "self_sufficient": Q(latest_status__in=SELF_SUFFICIENT),
        "housing_cooperation": Q(housing_from__lte=on),
        "housing_jobs": Q(housing_paid_from__lte=on),
    }


FIGURES = (
    "referred",
    "active",
    "with_cv",
    "internship_only",
    "ordinary_hours",
    "self_sufficient",
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


ROWS = [
    # (key, label, figure, share of referred?, note)
    ("referred", _("Referred"), "referred", False, _("Start form dated on or before the date.")),
    ("active", _("Receiving active effort"), "active", False, _("Enrolled and not ended on the date.")),
    ("active_share", _("Share receiving active effort"), "active", True, ""),
    ("with_cv", _("Share with a CV"), "with_cv", True, _("A CV entry written on or before the date.")),
    (
        "internship_only",
        _("Share started in an internship without ordinary hours"),
        "internship_only",
        True,
        _("An internship or hybrid internship started, and no ordinary paid hours yet."),
    ),
    (
        "ordinary_hours",
        _("Share with ordinary hours"),
        "ordinary_hours",
        True,
        _("Ordinary paid hours registered in a placement that had started."),
    ),
    (
        "self_sufficient",
        _("Share self-sufficient through a job or education"),
        "self_sufficient",
        True,
        _("The latest outcome on or before the date is an ordinary job or education."),
    ),
    (
        "housing_cooperation",
        _("Cooperation with the housing organisation"),
        "housing_cooperation",
        False,
        _("Citizens with a placement started at a housing organisation."),
    ),
    (
        "housing_jobs",
        _("Jobs found through the housing organisation"),
        "housing_jobs",
        False,
        _("Citizens with ordinary paid hours at a housing organisation."),
    ),
]
SHARE_ROWS = [key for key, _label, _figure, is_share, _note in ROWS if is_share]


def _cell(figures, figure, is_share):
    return Share(figures[figure], figures["referred"]) if is_share else figures[figure]


def comparison_table(scope):
    found = counts(scope)
    per_column = [found[pk] for pk in scope.site_ids] + [found[TOTAL]]
    rows = [
        # Every figure counts enrolments, and each enrolment belongs to one site: all rows add up across sites.
        Row(
            key, str(label), [_cell(figures, figure, is_share) for figures in per_column], additive=True, note=str(note)
        )
        for key, label, figure, is_share, note in ROWS
    ]
    columns = site_columns(scope)
    return Table(
        key="sites",
        title=gettext("Sites compared"),
        columns=columns,
        rows=rows,
        total_column=len(columns) - 1,
        note=gettext("Shares are of the citizens referred in the same column."),
    )


def share_chart(table):
    categories = table.columns
    series = {table.row(key).label: [cell.percent for cell in table.row(key).cells] for key in SHARE_ROWS}
    return charts.bars(
        categories,
        series,
        ylabel=gettext("Percent of referred"),
        description=gettext("Bars for each site and the total: the shares of referred citizens in the table."),
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
                "Internship hours never count as ordinary hours: a hybrid internship with paid hours counts "
                "as ordinary hours, not as an internship without them."
            ),
            gettext(
                "Self-sufficiency follows the latest outcome measured on or before the date: a later "
                "follow-up showing the citizen back on benefit replaces an earlier job."
            ),
        ],
    )
