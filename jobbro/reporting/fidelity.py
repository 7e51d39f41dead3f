"""Fidelity: does the programme do what the model says? One indicator per core element, each with a success criterion.

Each indicator is a share: of a whole (enrolments, placements or job brokers) the part that meets its
criterion, per site, per job broker and in total, read as of the scope's date `on`. An enrolment is in scope
when it is in the programme and at one of the chosen sites and referred on or before `on`; a placement is in
scope when its enrolment is. "d days before `on`" means a date <= on − d.

job_goal_4_weeks        whole: enrolments referred on or before on − 28 days.
  (clarification)       part:  the citizen has a job goal (JobGoal of kind "goal"; a job wish does not count)
                               set on or before referred_on + 28 days.
buddy                   whole: placements started on or before `on`, except education (no company workplace).
  (network and buddies) part:  a buddy is set on the placement.
upskilling_first_talk   whole: enrolments with at least one contact (any kind) on or before `on`; the first talk
  (upskilling)                 is the earliest of them.
                        part:  an upskilling decision dated on or before the first talk's date.
cv_updated              whole: placements (any kind) ended on or before on − 30 days.
  (CV written together) part:  the citizen has a CV entry written (recorded_on) from the placement's start to
                               30 days after its end, both days included.
monthly_follow_up       whole: enrolments with a placement active on `on` (started on or before on − 31 days and
  (retention)                  not ended, or ended on or after `on`).
                        part:  a contact of any kind except aftercare dated from on − 30 days to `on`.
thirteen_weeks          whole: enrolments referred on or before on − 182 days.
  (retention)           part:  13 consecutive weeks with hours among the first 26 weeks after referral. Week 0 is
                               the ISO week holding the referral date, week 25 the last; a week has hours when a
                               timesheet of any of the enrolment's placements for that week has ordinary plus
                               internship hours above 0. Timesheets with week_start from referred_on − 6 days
                               to referred_on + 175 days are read; their week is (week_start − referred_on + 6)
                               div 7. The weeks are folded into a 26-bit mask per enrolment, and 13 consecutive
                               weeks are a bit that survives the AND of the mask shifted by 0 … 12.
hours_at_start          whole: placements started on or before `on`, except education.
  (ordinary hours)      part:  ordinary hours above 0 agreed at the start: the placement's first agreement of
                               hours (AgreedHoursChange, earliest from_date then id) is dated on or before its
                               start and has ordinary_hours > 0. A placement with no agreement history at all has
                               never changed its agreement, so Placement.agreed_ordinary_hours > 0 is read instead.
                               A first agreement dated after the start means none was made at the start.
citizen_rated_follow_up whole: citizens' answers to the chosen scale question (settings "question": its number,
  (retention, optional)        shown on the questionnaire's results page) of a questionnaire of the programme, given
                               on or before `on` (the invitation answered then) for an enrolment in scope.
                        part:  the answer is at least the setting "threshold" (1-5). Off by default; a question
                               that is not a scale question of this programme counts nothing (not scored).
                               Counted at the enrolment's site and with its job broker on `on`.
caseload                per job broker: the active enrolments in scope on `on` (referred on or before `on`,
  (caseload)                   not ended on or before `on`) with them as job broker; within the limit when at
                               most `max` (default 25).
                        per site: whole = job brokers with at least one such enrolment at the site; part = those
                               whose caseload (over all sites in scope) is within the limit. Total: the same over
                               all sites in scope. A job broker can work at several sites, so sites do not add up.

Job broker as of `on`: the user of the enrolment's latest AssignmentChange with role job_broker and
changed_on <= on (latest by changed_on, then id); a row with no user means no job broker. An enrolment with no
job-broker row at all (records from before the history was kept) falls back to Enrolment.job_broker; one whose
only job-broker rows are dated after `on` had no job broker yet (as in the fortnightly status report). A placement
counts with its enrolment's job broker. Enrolments with no job broker form their own row.

Traffic light of a share with target T percent and amber margin M points: none when the whole is 0, green when
100 × part / whole >= T (the exact share, not the rounded percent), amber when >= T − M, red below. A job
broker's own caseload is green within the limit and red above it (none with no active citizens).

Tables: "Fidelity by site" has a row per enabled indicator (its core element, criterion and target in the row
note) and a column per site plus the total; the enrolment and placement rows add up across the sites, the
caseload row does not. "Fidelity by job broker" has a row per job broker (by name), then "No job broker" and
"Total", and a column per enabled indicator; every column adds up to the total row. In its caseload column a job
broker's cell is their number of active enrolments, the no-broker cell the active enrolments without one, and
the total all active enrolments in scope. A lights chart repeats the site table's lights.

Settings: Programme.settings["fidelity"] (jobbro/accounts/fidelity_settings.py, beside the programme), e.g.
``{"buddy": {"target": 90}, "cv_updated": {"enabled": false}, "caseload": {"max": 20}, "amber_margin": 10}``.
A missing key takes its default from DEFAULTS. `settings_problems` / `validate_settings` refuse a bad value with a
message naming the key; when read, a bad value is ignored with a logged warning and the default used.

Queries: one for the enrolment indicators and the caseload, one for the placement indicators, each grouped by
site and job broker (a few hundred rows at most), plus one for the job brokers' names. Each indicator is a
conditional COUNT over one-to-one joins, never a join that multiplies the rows: most read the report facts kept per
enrolment and per placement (jobbro/reporting/facts.py: first contact, first upskilling decision, first job goal,
13 weeks, hours agreed at the start, CV updated), and the job broker on `on` is the one JobBrokerPeriod holding
that date. The monthly follow-up asks an uncorrelated IN for the placements and an EXISTS for the contact, the
latter only of the enrolments in a placement. The per-site, per-broker and total figures are sums of the (site, job broker) groups:
the per-row work is done once, which is what keeps the report fast on large programmes. The tables still
declare their add-up rules, and the tests compare every figure with a plain computation over the rows.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
)
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.accounts.fidelity_settings import (
    ANSWERS,
    BUDDY,
    CASELOAD,
    CITIZEN_RATED_FOLLOW_UP,
    CV_UPDATED,
    ENROLMENTS,
    HOURS_AT_START,
    JOB_BROKERS,
    JOB_GOAL_4_WEEKS,
    MONTHLY_FOLLOW_UP,
    PLACEMENTS,
    THIRTEEN_WEEKS,
    UPSKILLING_FIRST_TALK,
    for_programme,
)
from jobbro.cases.models import (
    KINDS_WITHOUT_WEEKLY_HOURS,
    Contact,
    Placement,
    enrolment_active_on,
)
from jobbro.reporting import charts
from jobbro.reporting.base import (
    LIGHT_LABELS,
    Light,
    Report,
    Row,
    Scored,
    Share,
    Table,
    site_columns,
    with_job_broker_on,
)
from jobbro.reporting.facts import CV_DAYS_AFTER_END, JOB_GOAL_DAYS
from jobbro.reporting.presentation import StaffTable, staff_names
from jobbro.surveys.models import Answer, Question

TITLE = _("Fidelity")
SUMMARY = _(
    "Indicators with success criteria for each core element of the model, with traffic lights per site "
    "and per job broker."
)


FOLLOW_UP_DAYS = 31
THIRTEEN_WEEKS_REFERRED_DAYS = 182


# --- Traffic lights ----------------------------------------------------------------------------------------


def light(share, target, amber_margin):
    """The light of a share against a target in percent, compared exactly (integers, no rounding)."""
    if not share.whole:
        return Light.NONE
    if 100 * share.part >= target * share.whole:
        return Light.GREEN
    if 100 * share.part >= (target - amber_margin) * share.whole:
        return Light.AMBER
    return Light.RED


def caseload_light(caseload, maximum):
    if not caseload:
        return Light.NONE
    return Light.GREEN if caseload <= maximum else Light.RED


# --- Queries -----------------------------------------------------------------------------------------------


def _days(n):
    return datetime.timedelta(days=n)


@dataclass(frozen=True)
class Measure:
    """An indicator as a conditional count: the whole, the part within it, and the annotations they read.

    `within`, if given, narrows the rows first, in a query of its own: a whole that holds few of the rows is then
    counted over those alone instead of being asked of every row of the scope."""

    whole: Q
    part: Q
    annotations: dict
    within: Q | None = None


def _job_goal_4_weeks(scope):
    # Whether the first job goal came within JOB_GOAL_DAYS of the referral is a report fact.
    return Measure(Q(referred_on__lte=scope.on - _days(JOB_GOAL_DAYS)), Q(facts__job_goal_in_time=True), {})


def _upskilling_first_talk(scope):
    # Decided on or before the first talk; the first talk and the first decision are facts kept per enrolment.
    part = Q(facts__first_upskilling_decision_on__lte=F("facts__first_contact_on"))
    return Measure(Q(facts__first_contact_on__lte=scope.on), part, {})


def _monthly_follow_up(scope):
    on = scope.on
    since = on - _days(FOLLOW_UP_DAYS - 1)
    # An uncorrelated IN (…), computed once and hashed, narrows the enrolments in a query of their own: a quarter of
    # the scope at most, so the part is asked of those alone.
    in_placement = Placement.objects.running_on(on).filter(starts_on__lte=on - _days(FOLLOW_UP_DAYS))
    # The part: a contact in the month up to the date. The latest contact is a report fact; when it is dated on or
    # before the date, the month holds a contact exactly when it does. Only a case with a contact dated after the
    # date (a past report date) looks its contacts up.
    latest = "facts__latest_follow_up_contact_on"
    contact = Contact.objects.filter(enrolment=OuterRef("pk"), occurred_on__gte=since, occurred_on__lte=on).exclude(
        kind=Contact.Kind.AFTERCARE
    )
    part = Q(**{f"{latest}__gte": since, f"{latest}__lte": on}) | (Q(**{f"{latest}__gt": on}) & Exists(contact))
    return Measure(Q(), part, {}, within=Q(pk__in=in_placement.values("enrolment")))


def _thirteen_weeks(scope):
    return Measure(
        Q(referred_on__lte=scope.on - _days(THIRTEEN_WEEKS_REFERRED_DAYS)), Q(facts__thirteen_weeks_by_week_26=True), {}
    )


def _citizen_rated_follow_up(scope, rule):
    """Not an enrolment measure: citizens' answers to the chosen scale question, read in a query of their own."""
    return Measure(Q(), Q(number__gte=rule.threshold), {})


def _answers_in_scope(scope, rule):
    """The answers the citizen-rated follow-up counts: to the chosen scale question of one of the programme's
    questionnaires, answered on or before the date, for an enrolment in scope (the control group left out)."""
    scope.catch_up()
    return Answer.objects.filter(
        question_id=rule.question,
        question__kind=Question.Kind.SCALE,
        question__questionnaire__programme=scope.programme,
        number__isnull=False,
        invitation__answered_at__date__lte=scope.on,
        invitation__enrolment__programme=scope.programme,
        invitation__enrolment__site__in=scope.site_ids,
        invitation__enrolment__referred_on__lte=scope.on,
        invitation__enrolment__control_group=False,
    )


def _active_on(scope):
    """Not an indicator: the active enrolments per job broker, for the caseload."""
    return Measure(enrolment_active_on(scope.on), Q(), {})


def _at_a_company(on):
    return Q(starts_on__lte=on) & ~Q(kind__in=KINDS_WITHOUT_WEEKLY_HOURS)


def _buddy(scope):
    return Measure(_at_a_company(scope.on), Q(buddy__isnull=False), {})


def _hours_at_start(scope):
    return Measure(_at_a_company(scope.on), Q(facts__ordinary_hours_at_start=True), {})


def _cv_updated(scope):
    return Measure(Q(ended_on__lte=scope.on - _days(CV_DAYS_AFTER_END)), Q(facts__cv_updated=True), {})


MEASURES = {
    JOB_GOAL_4_WEEKS: _job_goal_4_weeks,
    UPSKILLING_FIRST_TALK: _upskilling_first_talk,
    MONTHLY_FOLLOW_UP: _monthly_follow_up,
    THIRTEEN_WEEKS: _thirteen_weeks,
    CASELOAD: _active_on,
    BUDDY: _buddy,
    HOURS_AT_START: _hours_at_start,
    CV_UPDATED: _cv_updated,
}


@dataclass
class Counts:
    """One indicator's figures: per site pk, per job broker pk (None: no job broker) and in total.

    Each is a Share; for the caseload, per job broker the number of active enrolments and the total their sum."""

    by_site: dict
    by_broker: dict
    total: object

    def site(self, pk):
        return self.by_site.get(pk, Share(0, 0))


def _grouped(queryset, site_field, measures):
    """{key: {(site, broker): (part, whole)}} for every measure of one unit, in one query grouped by site and
    job broker (a few hundred rows at most). Equal conditions (two indicators over the same whole, an empty part)
    are counted once."""
    if not measures:
        return {}
    annotations, aggregates, names = {}, {}, {}

    def counted(condition):
        name = names.get(condition)
        if name is None:
            name = names[condition] = f"n{len(names)}"
            aggregates[name] = Count("pk", filter=condition) if condition else Count("pk")
        return name

    columns = {}
    for key, measure in measures.items():
        annotations.update(measure.annotations)
        whole = counted(measure.whole)
        columns[key] = (counted(measure.whole & measure.part) if measure.part else whole, whole)
    rows = list(
        queryset.annotate(**annotations).values("broker", site_key=F(site_field)).annotate(**aggregates).order_by()
    )
    return {
        key: {(row["site_key"], row["broker"]): (row[part], row[whole]) for row in rows}
        for key, (part, whole) in columns.items()
    }


def _grouped_within(queryset, site_field, measures):
    """As _grouped, with the measures that narrow their rows (`within`) counted in a query of their own each."""
    narrowed = {key: measure for key, measure in measures.items() if measure.within is not None}
    grouped = _grouped(queryset, site_field, {k: m for k, m in measures.items() if k not in narrowed})
    for key, measure in narrowed.items():
        grouped.update(_grouped(queryset.filter(measure.within), site_field, {key: measure}))
    return grouped


def _shares(groups):
    """Per site, per job broker and in total: the sums of the (site, job broker) groups."""
    by_site, by_broker, total = {}, {}, (0, 0)

    def add(pair, counted):
        return pair[0] + counted[0], pair[1] + counted[1]

    for (site, broker), counted in groups.items():
        by_site[site] = add(by_site.get(site, (0, 0)), counted)
        by_broker[broker] = add(by_broker.get(broker, (0, 0)), counted)
        total = add(total, counted)

    made = {}  # a Share is immutable: thousands of job brokers, but few distinct (part, whole) pairs

    def share(pair):
        found = made.get(pair)
        if found is None:
            found = made[pair] = Share(*pair)
        return found

    return Counts({k: share(v) for k, v in by_site.items()}, {k: share(v) for k, v in by_broker.items()}, share(total))


def _caseloads(groups, maximum):
    """From the active enrolments per (site, job broker): each job broker's caseload, and per site and in total the
    job brokers with a caseload there and how many of them are within the limit."""
    caseload, brokers_at = {}, {}
    for (site, broker), (active, _whole) in groups.items():
        if active:
            caseload[broker] = caseload.get(broker, 0) + active
            if broker is not None:
                brokers_at.setdefault(site, set()).add(broker)

    def within(brokers):
        return Share(sum(1 for broker in brokers if caseload[broker] <= maximum), len(brokers))

    everyone = {broker for broker in caseload if broker is not None}
    return Counts({site: within(brokers) for site, brokers in brokers_at.items()}, caseload, within(everyone))


def counts(scope, settings):
    """({indicator key: Counts}, active enrolments in scope) for the enabled indicators: one query for the
    enrolment indicators and the caseload, one for the placement indicators, and one for each indicator that
    counts a narrow set of rows (the monthly follow-up)."""
    indicators = settings.enabled()
    measures = {ENROLMENTS: {}, PLACEMENTS: {}}
    for indicator in indicators:
        if indicator.unit == ANSWERS:
            continue
        unit = PLACEMENTS if indicator.unit == PLACEMENTS else ENROLMENTS  # the caseload counts enrolments
        measures[unit][indicator.key] = MEASURES[indicator.key](scope)
    enrolments = with_job_broker_on(scope.enrolments(), scope.on)
    # The placements are read and each joined to its enrolment (by primary key) to see whether it is in scope; a
    # list of the scope's enrolments first, each then looking up its placements, took a quarter longer on SQLite.
    in_scope = Placement.objects.filter(
        enrolment__programme=scope.programme,
        enrolment__site__in=scope.site_ids,
        enrolment__referred_on__lte=scope.on,
        enrolment__control_group=False,  # as scope.enrolments(): the programme's effort only
    )
    placements = with_job_broker_on(in_scope, scope.on, "enrolment")
    grouped = {
        **_grouped_within(enrolments, "site", measures[ENROLMENTS]),
        **_grouped_within(placements, "enrolment__site", measures[PLACEMENTS]),
    }
    rule = settings.rule(CITIZEN_RATED_FOLLOW_UP)
    if rule.enabled:
        answers = with_job_broker_on(_answers_in_scope(scope, rule), scope.on, "invitation__enrolment")
        grouped.update(
            _grouped(
                answers,
                "invitation__enrolment__site",
                {CITIZEN_RATED_FOLLOW_UP: _citizen_rated_follow_up(scope, rule)},
            )
        )
    result = {key: _shares(groups) for key, groups in grouped.items() if key != CASELOAD}
    active = None
    if CASELOAD in grouped:
        result[CASELOAD] = _caseloads(grouped[CASELOAD], settings.rule(CASELOAD).max)
        active = sum(n for n, _whole in grouped[CASELOAD].values())
    return result, active


# --- The report ----------------------------------------------------------------------------------------------


def criterion(indicator, settings):
    if indicator.key == CASELOAD:
        return str(indicator.criterion) % {"max": settings.rule(CASELOAD).max}
    if indicator.key == CITIZEN_RATED_FOLLOW_UP:
        return str(indicator.criterion) % {"threshold": settings.rule(CITIZEN_RATED_FOLLOW_UP).threshold}
    return str(indicator.criterion)


def _row_note(indicator, settings):
    target = settings.rule(indicator.key).target
    return gettext("%(element)s. %(criterion)s Target: %(target)s %% (amber from %(amber)s %%).") % {
        "element": indicator.element,
        "criterion": criterion(indicator, settings),
        "target": target,
        "amber": max(target - settings.amber_margin, 0),
    }


def _scored(share, indicator, settings):
    target = settings.rule(indicator.key).target
    return Scored(share, light(share, target, settings.amber_margin), target)


def _site_table(scope, settings, counted):
    rows = []
    for indicator in settings.enabled():
        shares = counted[indicator.key]
        cells = [shares.site(site.pk) for site in scope.sites] + [shares.total]
        rows.append(
            Row(
                indicator.key,
                str(indicator.name),
                [_scored(share, indicator, settings) for share in cells],
                # Enrolments and placements belong to one site each; a job broker can work at several.
                additive=indicator.unit != JOB_BROKERS,
                note=_row_note(indicator, settings),
            )
        )
    return Table(
        "fidelity_by_site",
        gettext("Fidelity by site"),
        site_columns(scope),
        rows,
        total_column=len(scope.sites),
        first_column_label=gettext("Indicator"),
        note=gettext(
            "Each cell is the part that meets the criterion of the whole it applies to, with its traffic light."
        ),
    )


NOTHING = Share(0, 0)


def _broker_column(indicator, settings, shares, brokers):
    """An indicator's cells for the job brokers (None: no job broker), in their order. A cell is immutable, so job
    brokers with equal figures share one: thousands of job brokers, but few distinct shares and caseloads."""
    made = {}
    column = []
    if indicator.key == CASELOAD:
        maximum = settings.rule(CASELOAD).max
        for broker in brokers:
            caseload = shares.by_broker.get(broker, 0)
            if broker is None:
                column.append(caseload)  # not a job broker's caseload: nothing to score
                continue
            cell = made.get(caseload)
            if cell is None:
                cell = made[caseload] = Scored(caseload, caseload_light(caseload, maximum), maximum)
            column.append(cell)
        return column
    target, margin = settings.rule(indicator.key).target, settings.amber_margin
    for broker in brokers:
        share = shares.by_broker.get(broker, NOTHING)
        cell = made.get(share)
        if cell is None:
            cell = made[share] = Scored(share, light(share, target, margin), target)
        column.append(cell)
    return column


def _listed(shares):
    """The job brokers (None: no job broker) with something to count for an indicator."""
    return {
        broker for broker, value in shares.by_broker.items() if (value.whole if isinstance(value, Share) else value)
    }


def _broker_table(scope, settings, counted, active):
    indicators = settings.enabled()
    brokers = set().union(*(_listed(counted[indicator.key]) for indicator in indicators))
    names = staff_names(brokers, scope)
    ordered = sorted(
        (broker for broker in brokers if broker is not None), key=lambda pk: (names.get(pk, "").lower(), pk)
    )
    if None in brokers:
        ordered.append(None)
    columns = [_broker_column(indicator, settings, counted[indicator.key], ordered) for indicator in indicators]
    no_broker = gettext("No job broker")
    rows = [
        Row(
            f"broker-{broker}" if broker else "no-broker",
            names.get(broker, "") if broker else no_broker,
            list(cells),
        )
        for broker, *cells in zip(ordered, *columns, strict=True)
    ]
    total = [
        active if indicator.key == CASELOAD else _scored(counted[indicator.key].total, indicator, settings)
        for indicator in indicators
    ]
    rows.append(Row("total", gettext("Total"), total))
    return StaffTable(
        "fidelity_by_broker",
        gettext("Fidelity by job broker"),
        [str(indicator.name) for indicator in indicators],
        rows,
        sums=[("total", [row.key for row in rows[:-1]])],
        first_column_label=gettext("Job broker"),
        note=_broker_note(scope, settings),
        # The page shows a page of job brokers at a time and the PDF both ends of the ranking by their lights.
        pinned=("no-broker", "total"),
        staff=gettext("job brokers"),
        rank=lights_score,
        rank_most=gettext("Most green lights first"),
        rank_fewest=gettext("Most red lights first"),
        rank_ends=gettext(
            "the %(each_end)s with the best and the %(each_end)s with the worst lights (green lights less red lights)"
        ),
    )


def lights_score(row):
    """What the job brokers are ranked by: their green lights less their red lights."""
    lights = [cell.light for cell in row.cells if isinstance(cell, Scored)]
    return lights.count(Light.GREEN) - lights.count(Light.RED)


def _broker_note(scope, settings):
    note = gettext(
        "A citizen counts with the job broker they had on %(date)s: the latest change of job broker on or before "
        "that date (a case whose job brokers were never recorded as changes counts with the job broker on the case)."
    ) % {"date": date_format(scope.on, "SHORT_DATE_FORMAT")}
    if settings.rule(CASELOAD).enabled:
        note += " " + gettext(
            "The caseload column gives each job broker's active citizens on the date (at most %(max)s is green); "
            "its total is all active citizens in the report."
        ) % {"max": settings.rule(CASELOAD).max}
    return note


def build(scope):
    settings = for_programme(scope.programme)
    counted, active = counts(scope, settings)
    by_site = _site_table(scope, settings, counted)
    tables = [by_site]
    chart_list = []
    if by_site.rows:
        tables.append(_broker_table(scope, settings, counted, active))
        chart_list.append(
            charts.lights(
                [row.label for row in by_site.rows],
                by_site.columns,
                [[cell.light for cell in row.cells] for row in by_site.rows],
                description=gettext(
                    "Traffic lights of the fidelity indicators for each site and in total: green at or above the target, "
                    "amber up to %(margin)s points below it, red further below, grey with nothing to score yet."
                )
                % {"margin": settings.amber_margin},
                labels={light: gettext(label) for light, label in LIGHT_LABELS.items()},
            )
        )
    notes = [
        gettext(
            "Green: the share meets the target. Amber: up to %(margin)s percentage points below it. Red: further "
            "below. Not scored: nothing to count yet."
        )
        % {"margin": settings.amber_margin},
        gettext(
            "Each programme sets which indicators are shown, their targets and the caseload limit in its settings "
            '(key "fidelity"); see the configuration guide.'
        ),
    ]
    return Report(key="fidelity", title=str(TITLE), scope=scope, tables=tables, charts=chart_list, notes=notes)
