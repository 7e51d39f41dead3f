"""Fortnightly status: the 14 days ending on the as-of date `on`, per job broker and in total, and the small jobs.

The fortnight runs from `fortnight_start` = `on` − 13 days to `on`, both included. The unit is an enrolment (a
citizen's course in the programme) at a site in scope with the start form dated on or before `on`.

job broker on `on`          the user of the enrolment's latest AssignmentChange with role job broker and
                            `changed_on` ≤ `on` (on the same date the row registered last); a row with no user
                            means no job broker. An enrolment with no job-broker row at all (records from before
                            the history was kept) falls back to Enrolment.job_broker. An enrolment whose only
                            job-broker rows are dated after `on` had no job broker yet.
caseload                    active on `on`: `referred_on` ≤ `on` and no end form, or an end form dated after `on`
in ordinary hours           a timesheet with ordinary hours > 0 for a week overlapping the fortnight
                            (`fortnight_start` − 6 days ≤ `week_start` ≤ `on`) in a placement with `starts_on` ≤ `on`
in internship               a placement of kind internship or hybrid internship running on a day of the fortnight
                            (PlacementQuerySet.running_between): `starts_on` ≤ `on` and (`ended_on` is empty or
                            `ended_on` > `fortnight_start`; the end date is the first day it no longer runs)
in wage subsidy             the same, for a placement of kind wage subsidy
started a placement         a placement of any kind with `fortnight_start` ≤ `starts_on` ≤ `on`

Ordinary hours and internship are separate columns: a citizen in a hybrid internship with paid hours is in both.
All columns count enrolments, each once per column; the fortnight columns count every enrolment referred by `on`,
so a course that ended during the fortnight still shows the work it had in it.

Small jobs (openings) belong to the programme, not to a site or a job broker, so they are counted programme-wide:

new                         `fortnight_start` ≤ `posted_on` ≤ `on`
filled                      `fortnight_start` ≤ `filled_on` ≤ `on`
open on `on`                `posted_on` ≤ `on`, not filled on or before `on` (`filled_on` empty or after `on`), not
                            closed on or before `on` (`closed_on` empty or after `on`); an opening whose status
                            says filled or closed without the date it happened is not counted as open

One grouped query gives the rows per job broker; the total row is its own aggregate query, so the table's add-up
check compares two independent computations. One more aggregate query counts the small jobs.
"""

import datetime

from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import KINDS_WITH_INTERNSHIP, Placement, PlacementKind, Timesheet, enrolment_active_on
from jobbro.companies.models import Opening
from jobbro.reporting import charts
from jobbro.reporting.base import Report, Row, Table, with_job_broker_on
from jobbro.reporting.presentation import StaffTable, staff_names

TITLE = _("Fortnightly status")
SUMMARY = _(
    "The last 14 days per job broker: caseload, ordinary hours, internships, wage subsidy, placements "
    "started, and the small jobs posted, filled and open."
)

# A week is Monday to Sunday: a week starting up to six days before the fortnight still has days in it.
DAYS_BEFORE_FIRST_OVERLAPPING_WEEK = 6

NO_BROKER_KEY = "no-broker"
TOTAL_KEY = "total"
FIGURES = ("caseload", "ordinary_hours", "internship", "wage_subsidy", "started")


def broker_key(user_id):
    return f"broker-{user_id}"


# --- One set of enrolments per figure: each an uncorrelated IN (…) the database computes once and hashes -------


def _in_ordinary_hours(start, on):
    paid_weeks = Timesheet.objects.filter(
        ordinary_hours__gt=0,
        week_start__gte=start - datetime.timedelta(days=DAYS_BEFORE_FIRST_OVERLAPPING_WEEK),
        week_start__lte=on,
    )
    # Placements with a paid week, then their enrolments: the few weeks in the window are read first.
    return Placement.objects.filter(starts_on__lte=on, pk__in=paid_weeks.values("placement")).values("enrolment")


def _in_placement_of(kinds, start, on):
    return Placement.objects.running_between(start, on).filter(kind__in=kinds).values("enrolment")


def _started_placement_in(start, on):
    return Placement.objects.filter(starts_on__gte=start, starts_on__lte=on).values("enrolment")


def _counts(start, on):
    """The aggregate for each figure; the same expressions serve the per-broker and the total query.

    A set membership, not a join: an enrolment is counted once however many placements or weeks qualify it."""
    return {
        "caseload": Count("pk", filter=enrolment_active_on(on)),
        "ordinary_hours": Count("pk", filter=Q(pk__in=_in_ordinary_hours(start, on))),
        "internship": Count("pk", filter=Q(pk__in=_in_placement_of(KINDS_WITH_INTERNSHIP, start, on))),
        "wage_subsidy": Count("pk", filter=Q(pk__in=_in_placement_of((PlacementKind.WAGE_SUBSIDY,), start, on))),
        "started": Count("pk", filter=Q(pk__in=_started_placement_in(start, on))),
    }


def counts_by_broker(scope):
    """{job broker's user id or None: {figure: count}} for every job broker with enrolments in scope."""
    grouped = (
        with_job_broker_on(scope.enrolments(), scope.on)
        .order_by()
        .values("broker")
        .annotate(**_counts(scope.fortnight_start, scope.on))
    )
    return {row["broker"]: {figure: row[figure] for figure in FIGURES} for row in grouped}


def counts_in_total(scope):
    """{figure: count} over all enrolments in scope, by its own query."""
    return scope.enrolments().aggregate(**_counts(scope.fortnight_start, scope.on))


# --- Small jobs, programme-wide ----------------------------------------------------------------------------------


def small_job_counts(programme, start, on):
    """{"new", "filled", "open"}: openings posted and filled in the fortnight, and open on `on`."""
    undated_end = ~Q(status=Opening.Status.OPEN) & Q(filled_on__isnull=True, closed_on__isnull=True)
    still_open = (
        Q(posted_on__lte=on)
        & (Q(filled_on__isnull=True) | Q(filled_on__gt=on))
        & (Q(closed_on__isnull=True) | Q(closed_on__gt=on))
        & ~undated_end
    )
    return Opening.objects.filter(programme=programme).aggregate(
        new=Count("pk", filter=Q(posted_on__gte=start, posted_on__lte=on)),
        filled=Count("pk", filter=Q(filled_on__gte=start, filled_on__lte=on)),
        open=Count("pk", filter=still_open),
    )


# --- The tables --------------------------------------------------------------------------------------------------


def _columns():
    return [
        gettext("Caseload (active on the date)"),
        gettext("In ordinary hours"),
        gettext("In an internship"),
        gettext("In wage subsidy"),
        gettext("Started a placement"),
    ]


def _period(scope):
    return {
        "start": date_format(scope.fortnight_start, "SHORT_DATE_FORMAT"),
        "end": date_format(scope.on, "SHORT_DATE_FORMAT"),
    }


def status_table(scope):
    by_broker = counts_by_broker(scope)
    names = staff_names(by_broker, scope)
    brokers = sorted(names, key=lambda pk: (names[pk].casefold(), pk))
    rows = [Row(broker_key(pk), names[pk], [by_broker[pk][figure] for figure in FIGURES]) for pk in brokers]
    if None in by_broker:
        rows.append(Row(NO_BROKER_KEY, gettext("No job broker"), [by_broker[None][figure] for figure in FIGURES]))
    total = counts_in_total(scope)
    rows.append(Row(TOTAL_KEY, gettext("Total"), [total[figure] for figure in FIGURES]))
    return StaffTable(
        key="status",
        title=gettext("Status for the fortnight"),
        columns=_columns(),
        rows=rows,
        # Each enrolment has exactly one job broker (or none) on the date: the rows add up to the total.
        sums=[(TOTAL_KEY, [row.key for row in rows if row.key != TOTAL_KEY])],
        first_column_label=gettext("Job broker"),
        # The page shows a page of job brokers at a time and the PDF both ends of the chart's ranking.
        pinned=(NO_BROKER_KEY, TOTAL_KEY),
        staff=gettext("job brokers"),
        rank=_in_work,
        rank_most=gettext("Most citizens in work first"),
        rank_fewest=gettext("Fewest citizens in work first"),
        rank_ends=gettext(
            "the %(each_end)s with the most and the %(each_end)s with the fewest citizens in ordinary hours, in an "
            "internship and in wage subsidy (the three added up)"
        ),
        note=gettext(
            "Citizens counted once per column, under their job broker on %(end)s. Caseload: active on %(end)s. The "
            "other columns cover %(start)s–%(end)s: ordinary paid hours registered for a week overlapping it; an "
            "internship (incl. hybrid) or wage subsidy running in it; a placement started in it. A citizen can be "
            "in ordinary hours and in an internship at the same time."
        )
        % _period(scope),
    )


def small_jobs_table(scope):
    counts = small_job_counts(scope.programme, scope.fortnight_start, scope.on)
    labels = {
        "new": gettext("New in the fortnight"),
        "filled": gettext("Filled in the fortnight"),
        "open": gettext("Open on the date"),
    }
    return Table(
        key="small_jobs",
        title=gettext("Small jobs in the programme"),
        columns=[gettext("Small jobs")],
        rows=[Row(key, label, [counts[key]]) for key, label in labels.items()],
        note=gettext(
            "Small jobs belong to the whole programme: they are not split by site or job broker, and the sites "
            "chosen do not change these figures. New: posted %(start)s–%(end)s. Filled: filled %(start)s–%(end)s. "
            "Open: posted by %(end)s and neither filled nor closed by then."
        )
        % _period(scope),
    )


WORK_FIGURES = ("ordinary_hours", "internship", "wage_subsidy")


def _in_work(row):
    """What the chart ranks job brokers by: its three figures added up (a citizen in two of them counts twice)."""
    return sum(row.cells[FIGURES.index(figure)] for figure in WORK_FIGURES)


def work_chart(table):
    """Bars per job broker for the figures in work; with many job brokers only both ends of the ranking (see
    charts.both_ends), and citizens without a job broker always last. The table holds every job broker."""
    brokers = [row for row in table.rows if row.key not in (TOTAL_KEY, NO_BROKER_KEY)]
    unassigned = [row for row in table.rows if row.key == NO_BROKER_KEY]
    most, fewest = charts.both_ends(brokers, _in_work)
    shown = [*most, *fewest, *unassigned]
    series = {
        table.columns[FIGURES.index(figure)]: [row.cells[FIGURES.index(figure)] for row in shown]
        for figure in WORK_FIGURES
    }
    if not fewest:
        return charts.bars(
            [row.label for row in shown],
            series,
            horizontal=True,
            ylabel=gettext("Citizens"),
            description=gettext(
                "Bars for each job broker: citizens in ordinary hours, in an internship and in wage "
                "subsidy during the fortnight, as in the status table."
            ),
        )
    counts = {"shown": len(most) + len(fewest), "all": len(brokers), "each_end": len(most)}
    sections = [
        (gettext("The %(each_end)s with the most") % counts, len(most)),
        (gettext("The %(each_end)s with the fewest") % counts, len(fewest)),
    ]
    description = (
        gettext(
            "Bars for %(shown)s of %(all)s job brokers: the %(each_end)s with the most and the %(each_end)s with the "
            "fewest citizens in ordinary hours, in an internship and in wage subsidy during the fortnight (the three "
            "added up). The status table has every job broker."
        )
        % counts
    )
    if unassigned:
        sections.append(("", len(unassigned)))
        description += " " + gettext("The last bar is the citizens without a job broker.")
    return charts.bars(
        [row.label for row in shown],
        series,
        horizontal=True,
        ylabel=gettext("Citizens"),
        title=gettext("%(shown)s of %(all)s job brokers") % counts,
        sections=tuple(sections),
        description=description,
    )


def build(scope):
    table = status_table(scope)
    return Report(
        key="status",
        title=str(TITLE),
        scope=scope,
        tables=[table, small_jobs_table(scope)],
        charts=[work_chart(table)],
        notes=[
            gettext("The fortnight is the 14 days from %(start)s to %(end)s.") % _period(scope),
            gettext(
                "The job broker is the one assigned to the course on %(end)s; a change of job broker after "
                "that date does not move the citizen."
            )
            % _period(scope),
            gettext(
                "Internship hours never count as ordinary hours: ordinary hours and internships are counted "
                "apart, and a citizen can be in both."
            ),
        ],
    )
