"""Follow-up status: where the citizens stand on the as-of date `on`, per site and in total.

A citizen counts once. Of a citizen's enrolments in the programme at the sites in scope with the start form dated
on or before `on`, only the latest counts (latest start form date; on the same date the one registered last), at
the site of that enrolment. A citizen referred again after an exit is therefore counted with the new enrolment.

The citizen's status on `on`:
  still in the programme    the counted enrolment is active on `on` (no end form, or one dated after `on`)
  an outcome status         otherwise the status of the latest outcome (exit or follow-up) of that enrolment
                            measured on or before `on` (on the same date the one registered last): a follow-up
                            after the exit outcome replaces it, and an outcome dated after `on` is not known yet
  no outcome recorded       ended on or before `on` with no outcome measured on or before `on`
An outcome "still in the programme" recorded after an exit is shown in the same row as the active enrolments.

Rows: one per status (ordinary job, education, flex job, still in the programme, still on benefit, early-retirement
pension, other, no outcome recorded); citizens = the counted enrolments, which the status rows add up to; job
packages = job plans marked as a job package, created on or before `on`, of the counted enrolments (a citizen
can have several, so packages and citizens are counted apart; packages of an earlier enrolment are not counted).

One query works out the counted enrolments and their statuses once, counts the citizens per status per site and,
separately, in total, and counts the job packages the same way. A total is never the sum of the sites, so the table's add-up checks compare independent
counts. A status row adds across sites
and the status rows add up to the citizens; an outcome with a status outside the list breaks the second check.
"""

from django.db import connection
from django.db.models import Case, CharField, F, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import JobPlan, OutcomeStatus, enrolment_active_on
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Share, Table, site_columns
from jobbro.reporting.sites import latest_outcome_status_by

TITLE = _("Follow-up status")
SUMMARY = _(
    "Where each citizen stands on the date, per site: job, education, flex job, still in the programme, "
    "benefit, pension, other; citizens and job packages counted apart."
)

NO_OUTCOME = "no_outcome"
STATUSES = [
    (OutcomeStatus.ORDINARY_JOB.value, _("Self-sufficient / ordinary job")),
    (OutcomeStatus.EDUCATION.value, _("Education")),
    (OutcomeStatus.FLEX_JOB.value, _("Flex job")),
    (OutcomeStatus.IN_PROGRAMME.value, _("Still in the programme")),
    (OutcomeStatus.BENEFIT.value, _("Still on benefit (cash benefit)")),
    (OutcomeStatus.EARLY_PENSION.value, _("Early-retirement pension")),
    (OutcomeStatus.OTHER.value, _("Other")),
    (NO_OUTCOME, _("No outcome recorded")),
]
STATUS_KEYS = [key for key, _label in STATUSES]


# --- The counted enrolments and their status ------------------------------------------------------------------------


def _status_on(on):
    return Case(
        When(enrolment_active_on(on), then=Value(OutcomeStatus.IN_PROGRAMME.value)),
        default=Coalesce(latest_outcome_status_by(on), Value(NO_OUTCOME)),
        output_field=CharField(),
    )


def counted_enrolments(scope):
    """Each citizen's latest enrolment in scope referred on or before the date, with its status on the date: columns
    "pk", "site" and "status_on".

    The latest is the first of the citizen's enrolments in scope ordered by referral date and id, both descending,
    numbered with a window function over the enrolments in scope (one sort). It is not asked per enrolment whether a
    later one exists: that question is answered through an index only if the planner picks the one on citizen, which
    SQLite without statistics does not (it walks the programme's index for every enrolment instead)."""
    numbered = scope.enrolments().annotate(
        number=Window(RowNumber(), partition_by=F("citizen"), order_by=[F("referred_on").desc(), F("pk").desc()]),
        status_on=_status_on(scope.on),
    )
    return numbered.filter(number=1).order_by().values("pk", "site", "status_on")


def _figures_sql(scope):
    """One statement: the counted enrolments worked out once, then counted per status (rows "citizens") and their
    job packages counted (one row "packages"); each with a count per site and one over all sites."""
    counted_sql, counted_params = counted_enrolments(scope).query.sql_with_params()
    q = connection.ops.quote_name
    per_site = "".join(f", COUNT(CASE WHEN c.{q('site')} = %s THEN {{counted}} END)" for _pk in scope.site_ids)
    plan = JobPlan._meta
    plans, enrolment = q(plan.db_table), q(plan.get_field("enrolment").column)
    package, created_on = q(plan.get_field("is_job_package").column), q(plan.get_field("created_on").column)
    sql = f"""
        WITH c AS ({counted_sql})
        SELECT 'citizens', c.{q("status_on")}, COUNT(*){per_site.format(counted="1")}
        FROM c
        GROUP BY c.{q("status_on")}
        UNION ALL
        SELECT 'packages', NULL, COUNT(j.{q("id")}){per_site.format(counted=f"j.{q('id')}")}
        FROM c
        JOIN {plans} j ON j.{enrolment} = c.{q("pk")}
        WHERE j.{package} = %s AND j.{created_on} <= %s
    """
    params = [*counted_params, *scope.site_ids, *scope.site_ids, True, scope.on]
    return sql, params


def follow_up_figures(scope):
    """({site id: {status: citizens}}, {status: citizens} over all sites, {site id: job packages}, job packages over
    all sites), from one query.

    Each site's count and the total are counts of their own, so the add-up checks still compare independent
    computations; the enrolments and their statuses are worked out once."""
    with connection.cursor() as cursor:
        cursor.execute(*_figures_sql(scope))
        rows = cursor.fetchall()
    by_site, total = {pk: {} for pk in scope.site_ids}, {}
    packages_by_site, packages_in_total = dict.fromkeys(scope.site_ids, 0), 0
    for part, status, count, *sites in rows:
        if part == "packages":
            packages_by_site, packages_in_total = dict(zip(scope.site_ids, sites, strict=True)), count
            continue
        total[status] = count
        for pk, in_site in zip(scope.site_ids, sites, strict=True):
            if in_site:
                by_site[pk][status] = in_site
    return by_site, total, packages_by_site, packages_in_total


# --- The table ------------------------------------------------------------------------------------------------------


def status_table(scope):
    by_site, in_total, packages_by_site, packages_in_total = follow_up_figures(scope)
    statuses_per_column = [by_site[pk] for pk in scope.site_ids] + [in_total]
    # The citizens of a column are all its counted enrolments, not the sum of the listed statuses: an unknown
    # status then shows as a problem instead of vanishing.
    citizens = [sum(counts.values()) for counts in statuses_per_column]
    packages = [packages_by_site[pk] for pk in scope.site_ids] + [packages_in_total]
    rows = [
        Row(
            key,
            str(label),
            [Share(counts.get(key, 0), sum(counts.values())) for counts in statuses_per_column],
            additive=True,
        )
        for key, label in STATUSES
    ]
    rows.append(
        Row(
            "citizens",
            gettext("Citizens"),
            citizens,
            additive=True,
            note=gettext("Each citizen once, with the latest enrolment."),
        )
    )
    rows.append(
        Row(
            "job_packages",
            gettext("Job packages behind these citizens"),
            packages,
            additive=True,
            note=gettext("Job packages created on or before the date; a citizen can have several."),
        )
    )
    columns = site_columns(scope)
    return Table(
        key="follow_up",
        title=gettext("Status of the citizens"),
        columns=columns,
        rows=rows,
        total_column=len(columns) - 1,
        sums=[("citizens", STATUS_KEYS)],
        note=gettext("Shares are of the citizens in the same column."),
    )


def status_chart(table):
    series = {table.row(key).label: [cell.percent for cell in table.row(key).cells] for key in STATUS_KEYS}
    return charts.bars(
        table.columns,
        series,
        stacked=True,
        ylabel=gettext("Percent of citizens"),
        description=gettext("Stacked bars for each site and the total: how the citizens divide between the statuses."),
    )


def build(scope):
    table = status_table(scope)
    return Report(
        key="follow_up",
        title=str(TITLE),
        scope=scope,
        tables=[table],
        charts=[status_chart(table)],
        notes=[
            gettext(
                "A citizen referred more than once counts once, with the latest enrolment on or before the date, "
                "at that enrolment's site."
            ),
            gettext(
                "A citizen whose enrolment is active on the date is still in the programme, whatever outcomes "
                "were recorded before."
            ),
            gettext(
                "After exit the latest outcome on or before the date counts: a follow-up replaces the status at "
                "exit, and an outcome dated after the date is not yet known."
            ),
            gettext("Job packages are counted apart from citizens: one citizen can have several."),
        ],
    )
