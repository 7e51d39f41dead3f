"""The facts the reports read instead of millions of rows: computed from the records, refreshed on every write.

A report asks, for one as-of date, questions like "had this citizen ordinary hours by then?" of every case in a
programme. Asked of the records, each question reads an index once per case, which at 100,000 cases and 5
million weeks of hours takes seconds. But most such questions only need a first or last date, and a first date
answers them for every as-of date at once: "ordinary hours by `on`" is "first paid week <= `on`". So each case
keeps, in jobbro/reporting/models.py:

EnrolmentFacts    first_contact_on               the earliest contact of any kind
                  first_upskilling_decision_on   the earliest upskilling decision, wanted or not
                  first_job_goal_on              the citizen's earliest JobGoal of kind "goal"
                  first_cv_entry_on              the citizen's earliest CV entry (recorded_on)
                  job_goal_in_time               the earliest job goal is dated within JOB_GOAL_DAYS of the referral
                  thirteen_weeks_by_week_26      13 consecutive weeks with hours among the first 26 after referral
                                                 (weeks as in jobbro/reporting/fidelity.py); no as-of date can
                                                 change it, since the fidelity indicator asks only of cases
                                                 referred 26 weeks before its date
                  first_start_on, first_paid_on  over the enrolment's placements: the earliest start, and the
                                                 earliest day ordinary hours count, Greatest(first paid week, start)
                                                 (nobody is employed before the placement starts)
                  first_social_economic_…,       the same over placements at companies of kind social_economic,
                  first_housing_…                and of kind housing organisation
                  first_internship_start_on      the earliest start of an internship or hybrid internship
                  latest_step, latest_step_on    the latest step change (by date, then id) and its date: the
                                                 case's step on any date from then on (the record checks)
                  outcomes_before_referral       outcomes dated before the referral (the record checks)
                  latest_follow_up_contact_on    the latest contact that is not aftercare (monthly follow-up)
PlacementFacts    first_week, last_week          the first and last week_start of the placement's timesheets
                  first_paid_week                the first week_start with ordinary hours above 0
                  weeks_outside_dates            a week of hours lies wholly before the start, or starts on or after
                                                 the placement's end or the citizen's exit (the record checks)
                  ordinary_hours_at_start        the first agreement of hours, dated on or before the start, has
                                                 ordinary hours above 0 (no agreement history: the placement's own
                                                 agreed_ordinary_hours)
                  cv_updated                     the placement has ended and the citizen has a CV entry recorded
                                                 from its start to 30 days after its end
                  overlaps_from                  the first day it runs together with a later-recorded placement of
                                                 the same case, both started (the record checks)
                  unended_planned_end_on         the planned end of a placement with no end date (the record checks)
JobBrokerPeriod   the job broker of the enrolment on each date, from the contact-person history: the latest
                  job-broker row dated on or before the date (by date, then id). Rows later on the same date
                  replace earlier ones. With no job-broker row at all, one open period holds Enrolment.job_broker
                  (records from before the history was kept).

How they stay true: `refresh(enrolment_ids)` recomputes the facts of the given enrolments from their records and
stores those that differ. Saving or deleting any record a fact is made from marks its enrolments stale (one small
insert into StaleFacts, by the receivers below, in the same transaction as the write), whoever writes it: the
actions, the administration, anything that saves a model; when the write commits, a refresh of the marked cases
is queued for the task worker. Before a report reads any fact, `catch_up()` refreshes
the enrolments marked stale, so a report always reads facts that agree with the committed records, and a busy day
of writes costs one refresh of the cases it touched rather than one per write. Writers that go past the receivers (rows inserted
in bulk, bulk_update, `.update()`: the import runner, the demo generator) call `refresh_for` with what they wrote,
in their own transaction, so the facts are right when the records commit and never without them; `manage.py refresh_report_facts` refreshes every fact, and with --check reports any that disagree with the
records. The fact tables have no foreign-key constraints: they are owned by `refresh` alone, which also clears
the facts of records that were deleted.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, Count, DateField, Exists, F, Func, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_delete, post_save

from jobbro.cases.models import (
    KINDS_WITH_INTERNSHIP,
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    Outcome,
    Placement,
    StepChange,
    Timesheet,
    UpskillingDecision,
)
from jobbro.companies.models import Company
from jobbro.people.models import CVEntry, JobGoal
from jobbro.reporting import company_facts
from jobbro.reporting.models import EnrolmentFacts, JobBrokerPeriod, PlacementFacts, StaleFacts

CHUNK = 500  # enrolments per round trip: SQLite takes at most 999 parameters in a statement
CV_DAYS_AFTER_END = 30
JOB_GOAL_DAYS = 28  # the fidelity indicator: a job goal within four weeks of the referral
RUN_WEEKS = 13
FIRST_WEEKS = 26


# --- Computing ---------------------------------------------------------------------------------------------------


def refresh(enrolment_ids=None):
    """Recompute the facts of these enrolments (every enrolment when None) from their records, and store those that
    differ. Returns the ids of the enrolments whose facts changed; rows that were right are left as they are."""
    changed = set()
    with transaction.atomic():
        for chunk in _chunks(enrolment_ids):
            for model, rows in _differences(chunk):
                model.objects.filter(enrolment_id__in=list(rows)).delete()
                model.objects.bulk_create([row for kept in rows.values() for row in kept], batch_size=CHUNK)
                changed.update(rows)
    return sorted(changed)


def refresh_for(written):
    """Keep the facts true after a write that went past the receivers (rows inserted in bulk, bulk_update,
    `.update()`): call it in the writer's own transaction with what it wrote (a Written), so the facts commit or
    roll back with the records.

    The facts of every enrolment the written rows can change are recomputed: the enrolments written, those of the
    placements whose weeks or agreements were written, of the citizens whose CV or job goals were, and every
    enrolment placed at a company written (a company's kind decides which placements count as social-economic or
    at a housing organisation). So are the track records (company_facts.py) of the companies written or pointed at
    by a written placement or contact, and of every company these enrolments have a placement or contact at.
    Returns the ids of the enrolments whose facts changed."""
    ids = written.ids
    enrolment_ids = set(ids["enrolment"])
    with transaction.atomic():
        for chunk in _id_chunks(ids["placement"]):
            enrolment_ids.update(Placement.objects.filter(pk__in=chunk).values_list("enrolment_id", flat=True))
        for chunk in _id_chunks(ids["citizen"]):
            enrolment_ids.update(Enrolment.objects.filter(citizen_id__in=chunk).values_list("pk", flat=True))
        for chunk in _id_chunks(ids["company"]):
            enrolment_ids.update(Placement.objects.filter(company_id__in=chunk).values_list("enrolment_id", flat=True))
        changed = refresh(enrolment_ids) if enrolment_ids else []
        if ids["company"] | ids["track_record"]:
            company_facts.refresh(ids["company"] | ids["track_record"])
        if enrolment_ids:
            company_facts.refresh_for_enrolments(enrolment_ids)
    return changed


class Written:
    """What a bulk writer wrote, for refresh_for: the ids of the rows' owners (OWNERS), and the companies whose
    track record a written placement or contact changes ("track_record"). `add(model, row)` takes any row (a model
    instance or a queued bulk row read like one); rows of models no fact is made from are ignored. Add a changed row
    before the change as well as after it, so the case or company it left is recomputed too."""

    def __init__(self):
        self.ids = {owner: set() for owner in (*_ENROLMENTS_OF, "track_record")}

    @classmethod
    def of_enrolments(cls, enrolment_ids):
        """Every record of these enrolments written (a load of whole cases)."""
        written = cls()
        written.ids["enrolment"].update(enrolment_ids)
        return written

    def add(self, model, row):
        owner = OWNERS.get(model)
        if owner is not None:
            self.ids[owner[0]].add(getattr(row, owner[1]))
        if model in company_facts.SOURCES and model is not Company and getattr(row, "company_id", None):
            self.ids["track_record"].add(row.company_id)

    def __bool__(self):
        return any(self.ids.values())


def _id_chunks(ids):
    ids = sorted(ids)
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def stale(enrolment_ids=None):
    """The enrolments (ids, ordered) whose stored facts differ from what their records give now, including facts
    left behind by deleted enrolments; every enrolment when `enrolment_ids` is None. Nothing is written."""
    return sorted({pk for chunk in _chunks(enrolment_ids) for _model, rows in _differences(chunk) for pk in rows})


def _chunks(enrolment_ids):
    """The enrolment ids in chunks; None means every enrolment, and every enrolment that still has facts."""
    if enrolment_ids is None:
        enrolment_ids = set(Enrolment.objects.values_list("pk", flat=True))
        for model, _build in FACTS:
            enrolment_ids.update(model.objects.values_list("enrolment_id", flat=True).distinct())
    ids = sorted(set(enrolment_ids))
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _differences(chunk):
    """For each fact model: {enrolment id: its fresh rows} for the enrolments in the chunk whose rows differ."""
    for model, build in FACTS:
        fresh, stored = _by_enrolment(build(chunk)), _by_enrolment(model.objects.filter(enrolment_id__in=chunk))
        yield model, {pk: fresh.get(pk, []) for pk in chunk if _values(fresh.get(pk)) != _values(stored.get(pk))}


def _by_enrolment(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.enrolment_id].append(row)
    return grouped


def _values(rows):
    """The rows' field values, ignoring their ids and order: what makes two sets of facts the same."""
    return sorted(
        (
            tuple(getattr(row, field.attname) for field in row._meta.concrete_fields if not field.auto_created)
            for row in rows or ()
        ),
        key=repr,
    )


def job_broker_periods(enrolment_ids):
    """The JobBrokerPeriod rows of these enrolments, unsaved."""
    rows = (
        AssignmentChange.objects.filter(enrolment_id__in=enrolment_ids, role=AssignmentChange.Role.JOB_BROKER)
        .order_by("enrolment_id", "changed_on", "id")
        .values_list("enrolment_id", "changed_on", "user_id")
    )
    history = defaultdict(list)
    for enrolment_id, changed_on, user_id in rows:
        changes = history[enrolment_id]
        if changes and changes[-1][0] == changed_on:
            changes.pop()  # a later row on the same date replaces the earlier one
        changes.append((changed_on, user_id))
    periods = []
    for enrolment_id, job_broker_id in Enrolment.objects.filter(pk__in=enrolment_ids).values_list(
        "pk", "job_broker_id"
    ):
        changes = history.get(enrolment_id)
        if not changes:
            periods.append(JobBrokerPeriod(enrolment_id=enrolment_id, user_id=job_broker_id))
            continue
        ends = [changed_on for changed_on, _user in changes[1:]] + [None]
        periods += [
            JobBrokerPeriod(enrolment_id=enrolment_id, user_id=user_id, starts_on=starts_on, ends_on=ends_on)
            for (starts_on, user_id), ends_on in zip(changes, ends, strict=True)
        ]
    return periods


def hours_agreed_at_start():
    """Per placement (the outer row): the ordinary hours agreed at its start.

    The first agreement's ordinary hours if it is dated on or before the start, else 0 (a later first agreement
    means none was made at the start); no agreement history at all gives the placement's own field."""
    first = AgreedHoursChange.objects.filter(placement=OuterRef("pk")).order_by("from_date", "id")
    at_start = first.annotate(
        at_start=Case(When(from_date__lte=OuterRef("starts_on"), then="ordinary_hours"), default=Value(Decimal(0)))
    ).values("at_start")[:1]
    return Coalesce(Subquery(at_start), "agreed_ordinary_hours")


def placement_facts(enrolment_ids):
    """The PlacementFacts rows of these enrolments' placements, unsaved."""
    weeks = Timesheet.objects.filter(placement=OuterRef("pk")).values("week_start")
    cv_entry = CVEntry.objects.filter(
        citizen=OuterRef("enrolment__citizen"),
        recorded_on__gte=OuterRef("starts_on"),
        recorded_on__lte=date_plus(OuterRef("ended_on"), CV_DAYS_AFTER_END),
    )
    rows = list(
        Placement.objects.filter(enrolment_id__in=enrolment_ids)
        .annotate(
            first_week=Subquery(weeks.order_by("week_start")[:1]),
            last_week=Subquery(weeks.order_by("-week_start")[:1]),
            first_paid_week=Subquery(weeks.filter(ordinary_hours__gt=0).order_by("week_start")[:1]),
            hours_at_start=hours_agreed_at_start(),
            cv_updated=Exists(cv_entry),
        )
        .values(
            "pk",
            "enrolment_id",
            "starts_on",
            "ended_on",
            "planned_end_on",
            "enrolment__ended_on",
            "first_week",
            "last_week",
            "first_paid_week",
            "hours_at_start",
            "cv_updated",
        )
    )
    overlaps = _overlaps_from(rows)
    return [
        PlacementFacts(
            placement_id=row["pk"],
            enrolment_id=row["enrolment_id"],
            first_week=row["first_week"],
            last_week=row["last_week"],
            first_paid_week=row["first_paid_week"],
            weeks_outside_dates=_weeks_outside(row),
            ordinary_hours_at_start=(row["hours_at_start"] or 0) > 0,
            cv_updated=row["ended_on"] is not None and row["cv_updated"],
            overlaps_from=overlaps.get(row["pk"]),
            unended_planned_end_on=row["planned_end_on"] if row["ended_on"] is None else None,
        )
        for row in rows
    ]


def _overlaps_from(placements):
    """{placement pk: the first day it runs together with a placement of the same enrolment with a greater pk}.

    Two placements run together from the later of their starts when each starts before the other ends (an end date
    is the first day a placement no longer runs); the earliest such day over the later-recorded placements counts,
    so each overlapping pair is found once, from the placement recorded first."""
    by_enrolment = defaultdict(list)
    for row in placements:
        by_enrolment[row["enrolment_id"]].append(row)
    found = {}
    for rows in by_enrolment.values():
        for row in rows:
            days = [
                max(row["starts_on"], other["starts_on"])
                for other in rows
                if other["pk"] > row["pk"]
                and _before_end(other["starts_on"], row)
                and _before_end(row["starts_on"], other)
            ]
            if days:
                found[row["pk"]] = min(days)
    return found


def _before_end(day, placement):
    return placement["ended_on"] is None or day < placement["ended_on"]


def _weeks_outside(placement):
    """A week of hours ends before the start (week_start + 6 < start), or starts on or after the placement's end or
    the citizen's exit (an end date is the first day it no longer runs): the first and the last week tell."""
    first, last = placement["first_week"], placement["last_week"]
    if first is None:
        return False
    ends = [day for day in (placement["ended_on"], placement["enrolment__ended_on"]) if day is not None]
    return first + datetime.timedelta(days=6) < placement["starts_on"] or any(last >= day for day in ends)


def enrolment_facts(enrolment_ids):
    """The EnrolmentFacts rows of these enrolments, unsaved."""

    def first(queryset, field):
        return Subquery(queryset.order_by(field).values(field)[:1])

    rows = (
        Enrolment.objects.filter(pk__in=enrolment_ids)
        .annotate(
            first_contact_on=first(Contact.objects.filter(enrolment=OuterRef("pk")), "occurred_on"),
            first_upskilling_decision_on=first(
                UpskillingDecision.objects.filter(enrolment=OuterRef("pk")), "decided_on"
            ),
            first_job_goal_on=first(
                JobGoal.objects.filter(citizen=OuterRef("citizen"), kind=JobGoal.Kind.GOAL), "set_on"
            ),
            first_cv_entry_on=first(CVEntry.objects.filter(citizen=OuterRef("citizen")), "recorded_on"),
        )
        .values_list(
            "pk",
            "referred_on",
            "first_contact_on",
            "first_upskilling_decision_on",
            "first_job_goal_on",
            "first_cv_entry_on",
        )
    )
    thirteen_weeks = set(_with_thirteen_weeks(enrolment_ids))
    placements = _first_placement_dates(enrolment_ids)
    checked = _record_check_facts(enrolment_ids)
    return [
        EnrolmentFacts(
            enrolment_id=pk,
            first_contact_on=contact,
            first_upskilling_decision_on=decision,
            first_job_goal_on=goal,
            job_goal_in_time=goal is not None and goal <= referred_on + datetime.timedelta(days=JOB_GOAL_DAYS),
            first_cv_entry_on=cv,
            thirteen_weeks_by_week_26=pk in thirteen_weeks,
            **placements.get(pk, {}),
            **checked.get(pk, {}),
        )
        for pk, referred_on, contact, decision, goal, cv in rows
    ]


def _record_check_facts(enrolment_ids):
    """{enrolment id: {field: value}}: the latest step change and its date, the outcomes before the referral, and the
    latest contact that is not aftercare."""
    found = defaultdict(dict)
    steps = (
        StepChange.objects.filter(enrolment_id__in=enrolment_ids)
        .order_by("enrolment_id", "changed_on", "id")
        .values_list("enrolment_id", "step", "changed_on")
    )
    for enrolment_id, step, changed_on in steps:  # the last row of each enrolment stays
        found[enrolment_id].update(latest_step=step, latest_step_on=changed_on)
    early = (
        Outcome.objects.filter(enrolment_id__in=enrolment_ids, measured_on__lt=F("enrolment__referred_on"))
        .values("enrolment_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("enrolment_id", "n")
    )
    for enrolment_id, count in early:
        found[enrolment_id]["outcomes_before_referral"] = count
    latest_contacts = (
        Contact.objects.filter(enrolment_id__in=enrolment_ids)
        .exclude(kind=Contact.Kind.AFTERCARE)
        .values("enrolment_id")
        .annotate(latest=Max("occurred_on"))
        .order_by()
        .values_list("enrolment_id", "latest")
    )
    for enrolment_id, latest in latest_contacts:
        found[enrolment_id]["latest_follow_up_contact_on"] = latest
    return found


def _first_placement_dates(enrolment_ids):
    """{enrolment id: {field: date}}: the first starts and first paid days over each enrolment's placements."""
    paid_week = Timesheet.objects.filter(placement=OuterRef("pk"), ordinary_hours__gt=0).order_by("week_start")
    paid_day = Case(When(paid_week__isnull=False, then=Greatest("paid_week", "starts_on")), output_field=DateField())
    social = Q(company__kind=Company.Kind.SOCIAL_ECONOMIC)
    housing = Q(company__kind=Company.Kind.HOUSING_ORGANISATION)
    rows = list(
        Placement.objects.filter(enrolment_id__in=enrolment_ids)
        .annotate(paid_week=Subquery(paid_week.values("week_start")[:1]))
        .order_by()
        .values("enrolment_id")
        .annotate(
            first_start_on=Min("starts_on"),
            first_paid_on=Min(paid_day),
            first_social_economic_start_on=Min("starts_on", filter=social),
            first_social_economic_paid_on=Min(paid_day, filter=social),
            first_housing_start_on=Min("starts_on", filter=housing),
            first_housing_paid_on=Min(paid_day, filter=housing),
            first_internship_start_on=Min("starts_on", filter=Q(kind__in=KINDS_WITH_INTERNSHIP)),
        )
    )
    return {row.pop("enrolment_id"): row for row in rows}


# Each fact model with the function that computes its rows for a list of enrolment ids.
FACTS = ((JobBrokerPeriod, job_broker_periods), (PlacementFacts, placement_facts), (EnrolmentFacts, enrolment_facts))


# --- 13 consecutive weeks, as one bit mask per enrolment ---------------------------------------------------------


class DatePlus(Func):
    """A date column (or OuterRef) plus a whole number of days, as a date, in each database's own date arithmetic:
    SQLite's date(column, '+N days'), PostgreSQL's date + integer. (Django's duration arithmetic would call a Python
    function for every row on SQLite.)"""

    output_field = DateField()

    def __init__(self, expression, days):
        super().__init__(expression)
        self.days = int(days)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template=f"(%(expressions)s + {self.days:d})", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = f"date(%(expressions)s, '{self.days:+d} days')"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def date_plus(expression, days):
    """A date column (or OuterRef) plus a number of days, as a date, on SQLite and PostgreSQL alike."""
    return DatePlus(expression, days)


def _date_sql(column, days):
    """SQL for a date column plus a whole number of days, as a date."""
    if connection.vendor == "sqlite":
        return f"date({column}, '{days:+d} days')"
    return f"({column} + {days:d})"  # PostgreSQL: date + integer is a date


def _days_sql(later, earlier):
    """SQL for the whole days from one date column to another."""
    if connection.vendor == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"  # PostgreSQL: date − date is a number of days


def _weeks_mask_sql(week):
    """SQL aggregate: the enrolment's weeks with hours as a bit mask, bit w set when week w had hours.

    PostgreSQL has BIT_OR; SQLite does not, but the sum of the distinct powers of two is the same mask."""
    if connection.vendor == "sqlite":
        return f"SUM(DISTINCT 1 << {week})"
    return f"BIT_OR(1 << {week})"


def _run_sql(mask, weeks):
    """SQL: non-zero when the mask holds `weeks` consecutive set bits. Bit w survives the AND of the mask shifted
    by 0 … weeks − 1 exactly when weeks w … w + weeks − 1 all had hours."""
    return " & ".join(f"({mask} >> {shift})" for shift in range(weeks))


def _with_thirteen_weeks(enrolment_ids):
    """The ids among these enrolments with 13 consecutive weeks with hours among their first 26.

    Week 0 is the ISO week holding the referral date, week 25 the last; a week has hours when a timesheet of any of
    the enrolment's placements for it has ordinary plus internship hours above 0. Each enrolment's weeks are folded
    into a bit mask in one grouped pass, and a run of 13 is a bitwise test on the mask. The week range is written as
    a range on week_start so the (placement, week_start) index can serve it."""
    if not enrolment_ids:
        return []
    quote = connection.ops.quote_name
    week = f"(({_days_sql('t.week_start', 'e.referred_on')} + 6) / 7)"
    sql = f"""
        SELECT worked.enrolment_id FROM (
            SELECT e.id AS enrolment_id, {_weeks_mask_sql(week)} AS weeks
            FROM {quote(Enrolment._meta.db_table)} e
            JOIN {quote(Placement._meta.db_table)} p ON p.enrolment_id = e.id
            JOIN {quote(Timesheet._meta.db_table)} t ON t.placement_id = p.id
            WHERE e.id IN ({", ".join(["%s"] * len(enrolment_ids))})
              AND t.week_start BETWEEN {_date_sql("e.referred_on", -6)}
                                   AND {_date_sql("e.referred_on", 7 * (FIRST_WEEKS - 1))}
              AND t.ordinary_hours + t.internship_hours > 0
            GROUP BY e.id
        ) worked
        WHERE ({_run_sql("worked.weeks", RUN_WEEKS)}) <> 0
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, list(enrolment_ids))
        return [row[0] for row in cursor.fetchall()]


# --- Keeping them true -------------------------------------------------------------------------------------------


def _enrolments_of_placement(placement_id):
    return list(Placement.objects.filter(pk=placement_id).values_list("enrolment_id", flat=True))


def _enrolments_of_company(company_id):
    """A company's kind decides which placements are social-economic or at a housing organisation."""
    return list(Placement.objects.filter(company_id=company_id).values_list("enrolment_id", flat=True).distinct())


def _enrolments_of_citizen(citizen_id):
    return list(Enrolment.objects.filter(citizen_id=citizen_id).values_list("pk", flat=True))


# For each model a fact is made from: what a row of it belongs to (an enrolment, a placement, a citizen or a company)
# and the field that names it. The receivers below and a bulk writer's refresh_for read this one table.
OWNERS = {
    Enrolment: ("enrolment", "pk"),
    Placement: ("enrolment", "enrolment_id"),
    AssignmentChange: ("enrolment", "enrolment_id"),
    Contact: ("enrolment", "enrolment_id"),
    StepChange: ("enrolment", "enrolment_id"),
    Outcome: ("enrolment", "enrolment_id"),
    UpskillingDecision: ("enrolment", "enrolment_id"),
    Timesheet: ("placement", "placement_id"),
    AgreedHoursChange: ("placement", "placement_id"),
    CVEntry: ("citizen", "citizen_id"),
    JobGoal: ("citizen", "citizen_id"),
    Company: ("company", "pk"),
}
_ENROLMENTS_OF = {
    "enrolment": lambda pk: [pk],
    "placement": _enrolments_of_placement,
    "citizen": _enrolments_of_citizen,
    "company": _enrolments_of_company,
}
# For each source model: the enrolments a saved or deleted row of it can change.
SOURCES = {
    model: (lambda row, owner=owner, name=name: _ENROLMENTS_OF[owner](getattr(row, name)))
    for model, (owner, name) in OWNERS.items()
}


_marks = [0]  # stale marks written by this process, so a report in it knows when to look for them again
# What queues the worker's refresh (the task in reporting/tasks.py, which imports this module), given by connect().
_queue_catch_up = [None]


def marks_written():
    return _marks[0]


def _mark_stale(sender, instance, raw=False, **kwargs):
    if raw:  # loading a fixture: the rows it refers to may not be there yet
        return
    marks = [StaleFacts(enrolment_id=pk) for pk in SOURCES[sender](instance)]
    StaleFacts.objects.bulk_create(marks, ignore_conflicts=True)
    _marks[0] += 1
    # The worker refreshes the marked cases as soon as the write commits, so a report that comes later finds
    # nothing left to do instead of refreshing (and holding the marks' lock) on its own request.
    if _queue_catch_up[0] is not None:
        transaction.on_commit(_queue_catch_up[0], robust=True)


def connect(queue_catch_up):
    """Mark a case's facts stale whenever a record they are made from is saved or deleted (called at start-up).

    `queue_catch_up` is called when the marking write commits: it queues the worker's refresh."""
    _queue_catch_up[0] = queue_catch_up
    for model in SOURCES:
        post_save.connect(_mark_stale, sender=model, dispatch_uid=f"facts-save-{model.__name__}")
        post_delete.connect(_mark_stale, sender=model, dispatch_uid=f"facts-delete-{model.__name__}")


def catch_up():
    """Refresh the facts of every enrolment marked stale, before a report reads them.

    The marks are locked while their facts are refreshed, so a second report waits and then finds nothing left to
    do; a write marks its case again when it commits, however the two interleave."""
    if not StaleFacts.objects.exists():
        return
    with transaction.atomic():
        stale_ids = list(StaleFacts.objects.select_for_update().values_list("enrolment_id", flat=True))
        refresh(stale_ids)
        for chunk in _chunks(stale_ids):
            StaleFacts.objects.filter(enrolment_id__in=chunk).delete()
