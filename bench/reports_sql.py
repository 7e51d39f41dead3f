"""Hand-written PostgreSQL for every report: one statement per report computing the same figures.

Each query is written from the definitions in the report module's docstring, not from its code, so that a
difference in the figures points at a report (or a definition) to look at. Each entry in QUERIES gives
`run(cursor, scope)` returning the figures keyed as `figures(report)` keys the report's cells:
(table key, row key, column index) → a count, a (part, whole) pair for a share, or a number.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from jobbro.reporting.base import Scored, Share

ONE_DECIMAL = Decimal("0.1")

# Statuses and kinds as stored (the report modules use the same values through their TextChoices).
SELF_SUFFICIENT = ("ordinary_job", "education")
INTERNSHIP_KINDS = ("internship", "hybrid_internship")


def days(n):
    return datetime.timedelta(days=n)


def params(scope, **more):
    return {"programme": scope.programme.pk, "sites": list(scope.site_ids), "on": scope.on, **more}


def rounded(value, rounding=ROUND_HALF_UP):
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_DECIMAL, rounding=rounding)


# --- What a report shows, in the same shape ----------------------------------------------------------------------


def cell_value(cell):
    """A cell as a comparable figure; None for text (labels, lights) that the SQL does not compute."""
    if isinstance(cell, Scored):
        cell = cell.value
    if isinstance(cell, Share):
        return (cell.part, cell.whole)
    if isinstance(cell, bool) or isinstance(cell, str):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, (Decimal, float)):
        return rounded(cell)
    return "missing" if cell is None else None


def figures(report):
    found = {}
    for table in report.tables:
        for row in table.rows:
            for index, cell in enumerate(row.cells):
                value = cell_value(cell)
                if value is not None:
                    found[(table.key, row.key, index)] = None if value == "missing" else value
    return found


def compare(report_figures, sql_figures, tolerance=Decimal("0.1")):
    """Sentences for every figure the query computed that the report shows differently (or not at all)."""
    problems = []
    for key, expected in sorted(sql_figures.items(), key=lambda item: str(item[0])):
        if key not in report_figures:
            if expected not in (None, 0, (0, 0)):
                problems.append(f"{key}: report has no such cell, SQL {expected}")
            continue
        got = report_figures[key]
        if isinstance(expected, Decimal) and isinstance(got, Decimal):
            if abs(expected - got) > tolerance:
                problems.append(f"{key}: report {got}, SQL {expected}")
        elif got != expected:
            problems.append(f"{key}: report {got}, SQL {expected}")
    return problems


def fetch(cursor, sql, values):
    cursor.execute(sql, values)
    return cursor.fetchall()


# --- Result goals --------------------------------------------------------------------------------------------------

RESULT_GOALS = """
WITH scoped AS NOT MATERIALIZED (
    SELECT id, referred_on FROM cases_enrolment
    WHERE programme_id = %(programme)s AND site_id = ANY(%(sites)s)
), starts AS (
    SELECT p.enrolment_id, min(p.starts_on) AS started,
           min(p.starts_on) FILTER (WHERE c.kind = 'social_economic') AS started_se
    FROM cases_placement p JOIN companies_company c ON c.id = p.company_id
    WHERE p.enrolment_id IN (SELECT id FROM scoped)
    GROUP BY p.enrolment_id
), paid AS (
    -- Per placement its first week with ordinary hours (one probe of the (placement, week) index): the
    -- first Greatest(week_start, starts_on) is Greatest(first week_start, starts_on).
    SELECT p.enrolment_id, min(greatest(f.week_start, p.starts_on)) AS employed,
           min(greatest(f.week_start, p.starts_on)) FILTER (WHERE c.kind = 'social_economic') AS employed_se
    FROM cases_placement p
    JOIN companies_company c ON c.id = p.company_id
    CROSS JOIN LATERAL (SELECT t.week_start FROM cases_timesheet t WHERE t.placement_id = p.id AND t.ordinary_hours > 0
                        ORDER BY t.week_start LIMIT 1) f
    WHERE p.enrolment_id IN (SELECT id FROM scoped)
    GROUP BY p.enrolment_id
)
SELECT v.metric, v.day, count(*)
FROM scoped s
LEFT JOIN starts st ON st.enrolment_id = s.id
LEFT JOIN paid pd ON pd.enrolment_id = s.id
CROSS JOIN LATERAL (VALUES ('referred', s.referred_on), ('matched_and_started', st.started),
                           ('matched_and_started_se', st.started_se), ('employed', pd.employed),
                           ('employed_se', pd.employed_se)) v(metric, day)
WHERE v.day IS NOT NULL
GROUP BY v.metric, v.day
"""


def result_goals(cursor, scope):
    """Goals table: reached and the social-economic part as of min(on, deadline); progress table: month ends."""
    from jobbro.reporting import goals_report

    per_day = defaultdict(list)
    for metric, day, count in fetch(cursor, RESULT_GOALS, params(scope)):
        per_day[metric].append((day, count))

    def as_of(metric, day):
        return sum(count for first, count in per_day[metric] if first <= day)

    found = {}
    for goal in scope.programme.result_goals.all():
        day = min(scope.on, goal.deadline)
        reached = as_of(goal.metric, day)
        key = ("goals", f"{goal.metric}-{goal.deadline.isoformat()}")
        found[(*key, 0)] = reached
        found[(*key, 1)] = goal.target
        if goal.social_economic_target is not None and goal.metric != "referred":
            found[(*key, 3)] = (as_of(goal.metric + "_se", day), reached)
    referrals = [day for day, _count in per_day["referred"]]
    start = min([scope.programme.starts_on, *referrals])
    for day in goals_report.month_ends(start, scope.on):
        for index, metric in enumerate(("referred", "matched_and_started", "employed")):
            found[("progress", day.isoformat(), index)] = as_of(metric, day)
    return found


# --- Fortnightly status ---------------------------------------------------------------------------------------------

STATUS = """
WITH scoped AS NOT MATERIALIZED (
    SELECT id, ended_on, job_broker_id FROM cases_enrolment
    WHERE programme_id = %(programme)s AND site_id = ANY(%(sites)s) AND referred_on <= %(on)s
), history AS (
    SELECT a.enrolment_id,
           (array_agg(a.user_id ORDER BY a.changed_on DESC, a.id DESC) FILTER (WHERE a.changed_on <= %(on)s))[1] AS user_id
    FROM cases_assignmentchange a
    WHERE a.role = 'job_broker' AND a.enrolment_id IN (SELECT id FROM scoped)
    GROUP BY a.enrolment_id
), paid AS (
    SELECT DISTINCT p.enrolment_id
    FROM cases_timesheet t JOIN cases_placement p ON p.id = t.placement_id
    WHERE t.week_start BETWEEN %(first_week)s AND %(on)s AND t.ordinary_hours > 0 AND p.starts_on <= %(on)s
), placed AS (
    SELECT enrolment_id,
           bool_or(kind IN ('internship', 'hybrid_internship')) AS internship,
           bool_or(kind = 'wage_subsidy') AS wage_subsidy,
           bool_or(starts_on >= %(start)s) AS started
    FROM cases_placement
    WHERE starts_on <= %(on)s AND (ended_on IS NULL OR ended_on >= %(start)s)
    GROUP BY enrolment_id
), flagged AS (
    SELECT s.*, CASE WHEN h.enrolment_id IS NULL THEN s.job_broker_id ELSE h.user_id END AS broker,
           paid.enrolment_id IS NOT NULL AS in_ordinary_hours,
           coalesce(pl.internship, false) AS internship, coalesce(pl.wage_subsidy, false) AS wage_subsidy,
           coalesce(pl.started, false) AS started
    FROM scoped s
    LEFT JOIN history h ON h.enrolment_id = s.id
    LEFT JOIN paid ON paid.enrolment_id = s.id
    LEFT JOIN placed pl ON pl.enrolment_id = s.id
)
SELECT 'status', GROUPING(broker) = 1, broker,
       count(*) FILTER (WHERE ended_on IS NULL OR ended_on > %(on)s), count(*) FILTER (WHERE in_ordinary_hours),
       count(*) FILTER (WHERE internship), count(*) FILTER (WHERE wage_subsidy), count(*) FILTER (WHERE started)
FROM flagged GROUP BY GROUPING SETS ((broker), ())
UNION ALL
SELECT 'small_jobs', true, NULL,
       count(*) FILTER (WHERE posted_on BETWEEN %(start)s AND %(on)s),
       count(*) FILTER (WHERE filled_on BETWEEN %(start)s AND %(on)s),
       count(*) FILTER (WHERE posted_on <= %(on)s AND (filled_on IS NULL OR filled_on > %(on)s)
                          AND (closed_on IS NULL OR closed_on > %(on)s)
                          AND NOT (status <> 'open' AND filled_on IS NULL AND closed_on IS NULL)), 0, 0
FROM companies_opening WHERE programme_id = %(programme)s
"""


def status(cursor, scope):
    start = scope.on - days(13)
    rows = fetch(cursor, STATUS, params(scope, start=start, first_week=start - days(6)))
    found = {}
    for table, is_total, broker, *counts in rows:
        if table == "small_jobs":
            for key, count in zip(("new", "filled", "open"), counts[:3], strict=True):
                found[("small_jobs", key, 0)] = count
            continue
        key = "total" if is_total else (f"broker-{broker}" if broker is not None else "no-broker")
        for index, count in enumerate(counts):
            found[("status", key, index)] = count
    return found


# --- Weekly hours ----------------------------------------------------------------------------------------------------

HOURS = """
WITH active AS NOT MATERIALIZED (
    SELECT e.id, e.citizen_id, e.estimated_weekly_hours AS estimated FROM cases_enrolment e
    WHERE e.programme_id = %(programme)s AND e.site_id = ANY(%(sites)s) AND e.referred_on <= %(on)s
      AND (e.ended_on IS NULL OR e.ended_on > %(on)s)
), window_hours AS (
    SELECT p.enrolment_id, sum(t.ordinary_hours + t.internship_hours) AS total, sum(t.ordinary_hours) AS ordinary,
           count(DISTINCT t.week_start) FILTER (WHERE t.ordinary_hours + t.internship_hours > 0) AS weeks
    FROM cases_timesheet t JOIN cases_placement p ON p.id = t.placement_id
    WHERE t.week_start BETWEEN %(first_week)s AND %(on)s AND p.starts_on <= %(on)s
    GROUP BY p.enrolment_id
), banded AS (
    SELECT a.id, a.citizen_id, a.estimated,
           CASE WHEN a.estimated <= 10 THEN 1 WHEN a.estimated <= 20 THEN 2 ELSE 3 END AS estimated_band,
           h.total / nullif(h.weeks, 0) AS actual, h.ordinary / nullif(h.weeks, 0) AS ordinary
    FROM active a LEFT JOIN window_hours h ON h.enrolment_id = a.id
), with_bands AS (
    SELECT b.*, CASE WHEN actual <= 10 THEN 1 WHEN actual <= 20 THEN 2 WHEN actual > 20 THEN 3 END AS actual_band,
           CASE WHEN ordinary <= 10 THEN 1 WHEN ordinary <= 20 THEN 2 WHEN ordinary > 20 THEN 3 END AS ordinary_band
    FROM banded b
)
SELECT 'bands', NULL::bigint, estimated_band, actual_band, ordinary_band, count(*), sum(estimated), sum(actual), sum(ordinary)
FROM with_bands GROUP BY estimated_band, actual_band, ordinary_band
UNION ALL
SELECT 'groups', g.targetgroup_id, b.estimated_band, b.actual_band, NULL, count(*), NULL, NULL, NULL
FROM with_bands b LEFT JOIN people_citizen_target_groups g ON g.citizen_id = b.citizen_id
GROUP BY g.targetgroup_id, b.estimated_band, b.actual_band
"""

BANDS = ("up_to_10", "up_to_20", "above_20")


def hours(cursor, scope):
    first_week = scope.on - days(scope.on.weekday() + 21)
    columns = ("estimated_all", "estimated_with_actual", "actual", "ordinary")
    counts = {column: {"citizens": 0, "sum": Decimal(0), 1: 0, 2: 0, 3: 0} for column in columns}
    groups = {}
    for kind, group, estimated_band, actual_band, ordinary_band, n, estimated, actual, ordinary in fetch(
        cursor, HOURS, params(scope, first_week=first_week)
    ):
        if kind == "groups":
            figures_of = groups.setdefault(group, {"estimated": [0, 0, 0], "actual": [0, 0, 0]})
            figures_of["estimated"][estimated_band - 1] += n
            if actual_band:
                figures_of["actual"][actual_band - 1] += n
            continue
        parts = [("estimated_all", estimated_band, estimated)]
        if actual_band:
            parts += [
                ("estimated_with_actual", estimated_band, estimated),
                ("actual", actual_band, actual),
                ("ordinary", ordinary_band, ordinary),
            ]
        for column, band, total in parts:
            counts[column]["citizens"] += n
            counts[column]["sum"] += Decimal(total or 0)
            counts[column][band] += n
    found = {}
    for index, column in enumerate(columns):
        figures_of = counts[column]
        for number, band in enumerate(BANDS, start=1):
            found[("hours", band, index)] = (figures_of[number], figures_of["citizens"])
        found[("hours", "citizens", index)] = figures_of["citizens"]
        average = figures_of["sum"] / figures_of["citizens"] if figures_of["citizens"] else None
        found[("hours", "average", index)] = rounded(average) if average is not None else None
    for group, figures_of in groups.items():
        key = f"target-group-{group}" if group is not None else "no-target-group"
        for index, count in enumerate(figures_of["estimated"] + figures_of["actual"]):
            found[("target_groups", key, index)] = count
    return found


# --- Site comparison ---------------------------------------------------------------------------------------------------

SITES = """
WITH scoped AS NOT MATERIALIZED (
    SELECT id, site_id, citizen_id, ended_on FROM cases_enrolment
    WHERE programme_id = %(programme)s AND site_id = ANY(%(sites)s) AND referred_on <= %(on)s
), per_placement AS (
    SELECT p.enrolment_id, p.kind, c.kind AS company_kind,
           EXISTS (SELECT 1 FROM cases_timesheet t
                   WHERE t.placement_id = p.id AND t.week_start <= %(on)s AND t.ordinary_hours > 0) AS paid
    FROM cases_placement p JOIN companies_company c ON c.id = p.company_id
    WHERE p.starts_on <= %(on)s AND p.enrolment_id IN (SELECT id FROM scoped)
), per_enrolment AS (
    SELECT enrolment_id,
           bool_or(kind IN ('internship', 'hybrid_internship')) AS internship,
           bool_or(paid) AS paid,
           bool_or(company_kind = 'housing') AS housing,
           bool_or(paid AND company_kind = 'housing') AS housing_paid
    FROM per_placement GROUP BY enrolment_id
), latest AS (
    SELECT DISTINCT ON (enrolment_id) enrolment_id, status FROM cases_outcome
    WHERE measured_on <= %(on)s ORDER BY enrolment_id, measured_on DESC, id DESC
), cv AS (
    SELECT DISTINCT citizen_id FROM people_cventry WHERE recorded_on <= %(on)s
)
SELECT GROUPING(s.site_id) = 1, s.site_id, count(*),
       count(*) FILTER (WHERE s.ended_on IS NULL OR s.ended_on > %(on)s),
       count(cv.citizen_id),
       count(*) FILTER (WHERE pe.internship AND NOT pe.paid),
       count(*) FILTER (WHERE pe.paid),
       count(*) FILTER (WHERE l.status IN ('ordinary_job', 'education')),
       count(*) FILTER (WHERE pe.housing),
       count(*) FILTER (WHERE pe.housing_paid)
FROM scoped s
LEFT JOIN per_enrolment pe ON pe.enrolment_id = s.id
LEFT JOIN latest l ON l.enrolment_id = s.id
LEFT JOIN cv ON cv.citizen_id = s.citizen_id
GROUP BY GROUPING SETS ((s.site_id), ())
"""

SITE_ROWS = [  # row key, figure index, share of referred?
    ("referred", 0, False),
    ("active", 1, False),
    ("active_share", 1, True),
    ("with_cv", 2, True),
    ("internship_only", 3, True),
    ("ordinary_hours", 4, True),
    ("self_sufficient", 5, True),
    ("housing_cooperation", 6, False),
    ("housing_jobs", 7, False),
]


def sites(cursor, scope):
    columns = {pk: index for index, pk in enumerate(scope.site_ids)}
    total_column = len(columns)
    found = {}
    for is_total, site, *counts in fetch(cursor, SITES, params(scope)):
        column = total_column if is_total else columns[site]
        for key, index, is_share in SITE_ROWS:
            found[("sites", key, column)] = (counts[index], counts[0]) if is_share else counts[index]
    return found


# --- Follow-up status -----------------------------------------------------------------------------------------------

FOLLOW_UP = """
WITH counted AS (
    SELECT DISTINCT ON (citizen_id) id, site_id, ended_on FROM cases_enrolment
    WHERE programme_id = %(programme)s AND site_id = ANY(%(sites)s) AND referred_on <= %(on)s
    ORDER BY citizen_id, referred_on DESC, id DESC
), latest AS (
    SELECT DISTINCT ON (enrolment_id) enrolment_id, status FROM cases_outcome
    WHERE measured_on <= %(on)s AND enrolment_id IN (SELECT id FROM counted)
    ORDER BY enrolment_id, measured_on DESC, id DESC
), packages AS (
    SELECT enrolment_id, count(*) AS n FROM cases_jobplan
    WHERE is_job_package AND created_on <= %(on)s AND enrolment_id IN (SELECT id FROM counted)
    GROUP BY enrolment_id
), statuses AS (
    SELECT c.site_id,
           CASE WHEN c.ended_on IS NULL OR c.ended_on > %(on)s THEN 'in_programme'
                ELSE coalesce(l.status, 'no_outcome') END AS status,
           coalesce(p.n, 0) AS packages
    FROM counted c LEFT JOIN latest l ON l.enrolment_id = c.id LEFT JOIN packages p ON p.enrolment_id = c.id
)
SELECT GROUPING(site_id) = 1, site_id, GROUPING(status) = 1, status, count(*), sum(packages)
FROM statuses GROUP BY GROUPING SETS ((site_id, status), (status), (site_id), ())
"""

FOLLOW_UP_STATUSES = (
    "ordinary_job",
    "education",
    "flex_job",
    "in_programme",
    "benefit",
    "early_pension",
    "other",
    "no_outcome",
)


def follow_up(cursor, scope):
    columns = {pk: index for index, pk in enumerate(scope.site_ids)}
    total_column = len(columns)
    citizens, by_status, packages = {}, defaultdict(int), {}
    for site_total, site, status_total, status_key, n, package_count in fetch(cursor, FOLLOW_UP, params(scope)):
        column = total_column if site_total else columns[site]
        if status_total:
            citizens[column] = n
            packages[column] = int(package_count)
        else:
            by_status[(column, status_key)] = n
    found = {}
    for column in range(total_column + 1):
        whole = citizens.get(column, 0)
        for status_key in FOLLOW_UP_STATUSES:
            found[("follow_up", status_key, column)] = (by_status[(column, status_key)], whole)
        found[("follow_up", "citizens", column)] = whole
        found[("follow_up", "job_packages", column)] = packages.get(column, 0)
    return found


# --- Funnel --------------------------------------------------------------------------------------------------------

FUNNEL = """
WITH scoped AS NOT MATERIALIZED (
    SELECT id, citizen_id, referred_on, ended_on FROM cases_enrolment
    WHERE programme_id = %(programme)s AND site_id = ANY(%(sites)s) AND referred_on <= %(on)s
), goals AS (
    SELECT s.id AS enrolment_id, min(greatest(g.set_on, s.referred_on)) AS first
    FROM scoped s JOIN people_jobgoal g ON g.citizen_id = s.citizen_id
    WHERE g.kind = 'goal' AND g.set_on <= %(on)s GROUP BY s.id
), starts AS (
    SELECT enrolment_id, min(starts_on) AS first FROM cases_placement
    WHERE starts_on <= %(on)s AND enrolment_id IN (SELECT id FROM scoped) GROUP BY enrolment_id
), paid AS (
    SELECT p.enrolment_id, min(greatest(f.week_start, p.starts_on)) AS first
    FROM cases_placement p
    CROSS JOIN LATERAL (SELECT t.week_start FROM cases_timesheet t
                        WHERE t.placement_id = p.id AND t.ordinary_hours > 0 AND t.week_start <= %(on)s
                        ORDER BY t.week_start LIMIT 1) f
    WHERE p.starts_on <= %(on)s AND p.enrolment_id IN (SELECT id FROM scoped)
    GROUP BY p.enrolment_id
), sufficient AS (
    SELECT enrolment_id, min(measured_on) AS first FROM cases_outcome
    WHERE status IN ('ordinary_job', 'education') AND measured_on <= %(on)s AND enrolment_id IN (SELECT id FROM scoped)
    GROUP BY enrolment_id
), dates AS (
    SELECT s.referred_on AS referred, g.first AS job_goal, st.first AS placement, pd.first AS ordinary_hours,
           sf.first AS self_sufficient,
           CASE WHEN pd.first IS NOT NULL THEN greatest(pd.first - s.referred_on, 0)
                ELSE least(%(on)s, coalesce(s.ended_on, %(on)s)) - s.referred_on END AS time,
           pd.first IS NOT NULL AS event
    FROM scoped s
    LEFT JOIN goals g ON g.enrolment_id = s.id LEFT JOIN starts st ON st.enrolment_id = s.id
    LEFT JOIN paid pd ON pd.enrolment_id = s.id LEFT JOIN sufficient sf ON sf.enrolment_id = s.id
), per_time AS (
    SELECT time, count(*) AS n, count(*) FILTER (WHERE event) AS events FROM dates GROUP BY time
), risk AS (
    SELECT time, events, sum(n) OVER (ORDER BY time DESC) AS at_risk FROM per_time
), weeks AS (
    SELECT w, (SELECT count(*) FROM dates WHERE time >= 7 * w) AS at_risk,
           (SELECT bool_or(events = at_risk) FROM risk WHERE time <= 7 * w AND events > 0) AS reached_zero,
           (SELECT exp(coalesce(sum(ln(1 - events::float8 / at_risk)), 0)) FROM risk
            WHERE time <= 7 * w AND events > 0 AND events < at_risk) AS still_without
    FROM unnest(%(weeks)s::int[]) w
)
SELECT 'funnel', NULL::int, count(*), count(job_goal), count(placement), count(ordinary_hours), count(self_sufficient),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY job_goal - referred),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY placement - job_goal),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ordinary_hours - placement),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY self_sufficient - ordinary_hours)
FROM dates
UNION ALL
SELECT 'survival', w, at_risk, NULL, NULL, NULL, NULL,
       CASE WHEN reached_zero THEN 0 ELSE still_without END, NULL, NULL, NULL
FROM weeks
"""

FUNNEL_STAGES = ("referred", "job_goal", "placement", "ordinary_hours", "self_sufficient")
SURVIVAL_WEEKS = [0, 4, 8, 13, 26, 39, 52]


def funnel(cursor, scope):
    found = {}
    for kind, week, *values in fetch(cursor, FUNNEL, params(scope, weeks=SURVIVAL_WEEKS)):
        if kind == "funnel":
            counts, medians = values[:5], values[5:]
            for index, stage in enumerate(FUNNEL_STAGES):
                found[("funnel", stage, 0)] = counts[index]
                found[("funnel", stage, 1)] = (counts[index], counts[0])
                found[("funnel", stage, 2)] = rounded(medians[index - 1]) if index else None
        else:
            at_risk, still_without = values[0], values[5]
            found[("survival", f"week-{week}", 0)] = at_risk
            percent = None if (not at_risk and still_without) else rounded(100 * still_without)
            found[("survival", f"week-{week}", 1)] = percent
    return found


# --- Progression ---------------------------------------------------------------------------------------------------

DIMENSIONS = (
    "work_ability",
    "keep_job_ability",
    "physical_health",
    "mental_health",
    "sleep",
    "family_relations",
    "belief_in_job_chances",
)
_FIRST = ", ".join(f"sum(f.{d})" for d in DIMENSIONS)
_LATEST = ", ".join(f"sum(l.{d})" for d in DIMENSIONS)

PROGRESSION = f"""
WITH scoped AS NOT MATERIALIZED (
    SELECT id, site_id FROM cases_enrolment
    WHERE programme_id = %(programme)s AND site_id = ANY(%(sites)s) AND referred_on <= %(on)s
), counted AS (
    SELECT a.*, row_number() OVER (PARTITION BY enrolment_id ORDER BY assessed_on, id) AS from_first,
           row_number() OVER (PARTITION BY enrolment_id ORDER BY assessed_on DESC, id DESC) AS from_latest,
           count(*) OVER (PARTITION BY enrolment_id) AS n
    FROM cases_progressionassessment a
    WHERE a.assessed_on <= %(on)s AND a.enrolment_id IN (SELECT id FROM scoped)
), per_enrolment AS (
    SELECT s.id, s.site_id, coalesce(max(c.n), 0) AS n
    FROM scoped s LEFT JOIN counted c ON c.enrolment_id = s.id AND c.from_first = 1
    GROUP BY s.id, s.site_id
), twice AS (
    SELECT pe.id, pe.site_id,
           EXISTS (SELECT 1 FROM cases_placement p JOIN cases_timesheet t ON t.placement_id = p.id
                   WHERE p.enrolment_id = pe.id AND p.starts_on <= %(on)s AND t.week_start <= %(on)s
                     AND t.ordinary_hours > 0) AS reached
    FROM per_enrolment pe WHERE pe.n >= 2
)
SELECT 'means', tw.reached, NULL::bigint, count(*), {_FIRST}, {_LATEST}
FROM twice tw
JOIN counted f ON f.enrolment_id = tw.id AND f.from_first = 1
JOIN counted l ON l.enrolment_id = tw.id AND l.from_latest = 1
GROUP BY tw.reached
UNION ALL
SELECT 'assessed', NULL, pe.site_id, count(*), count(*) FILTER (WHERE pe.n = 0), count(*) FILTER (WHERE pe.n = 1),
       count(*) FILTER (WHERE pe.n >= 2), count(*) FILTER (WHERE tw.reached), count(*) FILTER (WHERE NOT tw.reached),
       {", ".join(["NULL"] * (2 * len(DIMENSIONS) - 5))}
FROM per_enrolment pe LEFT JOIN twice tw ON tw.id = pe.id GROUP BY pe.site_id
UNION ALL
SELECT 'months', NULL, s.site_id, count(*), extract(year FROM a.assessed_on)::int, extract(month FROM a.assessed_on)::int,
       {", ".join(["NULL"] * (2 * len(DIMENSIONS) - 2))}
FROM cases_progressionassessment a JOIN scoped s ON s.id = a.enrolment_id
WHERE a.assessed_on BETWEEN %(first_month)s AND %(on)s
GROUP BY s.site_id, extract(year FROM a.assessed_on), extract(month FROM a.assessed_on)
"""


def _mean(total, n):
    return (Decimal(total) / Decimal(n)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP) if n else None


def progression(cursor, scope):
    on = scope.on
    month, year = on.month, on.year
    for _ in range(11):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    first_month = datetime.date(year, month, 1)
    rows = fetch(cursor, PROGRESSION, params(scope, first_month=first_month))
    found = {}
    columns = {pk: index for index, pk in enumerate(scope.site_ids)}
    total = len(columns)
    means = {True: None, False: None}
    assessed = defaultdict(lambda: [0] * 6)
    months = defaultdict(int)
    for kind, reached, site, n, *values in rows:
        if kind == "means":
            means[reached] = (n, values)
        elif kind == "assessed":
            for index, value in enumerate([n, *values[:5]]):
                assessed[columns[site]][index] += value
                assessed[total][index] += value
        else:
            day = datetime.date(values[0], values[1], 1)
            months[(day, columns[site])] += n
            months[(day, total)] += n
    for group, offset in ((True, 0), (False, 3)):
        n, values = means[group] or (0, [0] * (2 * len(DIMENSIONS)))
        for index, dimension in enumerate(DIMENSIONS):
            first, latest = values[index] or 0, values[len(DIMENSIONS) + index] or 0
            found[("progression", dimension, offset)] = _mean(first, n)
            found[("progression", dimension, offset + 1)] = _mean(latest, n)
            found[("progression", dimension, offset + 2)] = _mean(latest - first, n)
        for index in range(3):
            found[("progression", "citizens", offset + index)] = n
    for column in range(total + 1):
        in_scope, none, one, twice, reached, not_reached = assessed[column]
        found[("assessed", "in_scope", column)] = in_scope
        for key, value in (("none", none), ("one", one), ("two_or_more", twice)):
            found[("assessed", key, column)] = (value, in_scope)
        found[("assessed", "reached", column)] = (reached, twice)
        found[("assessed", "not_reached", column)] = (not_reached, twice)
        for (day, month_column), n in months.items():
            if month_column == column:
                found[("per_month", day.isoformat(), column)] = n
    return found


# --- Fidelity ---------------------------------------------------------------------------------------------------------

FIDELITY = """
WITH scoped AS NOT MATERIALIZED (
    SELECT e.id, e.site_id, e.citizen_id, e.referred_on, e.ended_on, e.job_broker_id FROM cases_enrolment e
    WHERE e.programme_id = %(programme)s AND e.site_id = ANY(%(sites)s) AND e.referred_on <= %(on)s
), latest_broker AS (
    SELECT DISTINCT ON (enrolment_id) enrolment_id, user_id FROM cases_assignmentchange
    WHERE role = 'job_broker' AND changed_on <= %(on)s
    ORDER BY enrolment_id, changed_on DESC, id DESC
), brokers AS (
    -- No change of job broker dated by then: the job broker on the enrolment.
    SELECT s.*, CASE WHEN l.enrolment_id IS NULL THEN s.job_broker_id ELSE l.user_id END AS broker
    FROM scoped s LEFT JOIN latest_broker l ON l.enrolment_id = s.id
), first_talk AS (
    SELECT s.id AS enrolment_id, c.day FROM scoped s
    CROSS JOIN LATERAL (SELECT occurred_on AS day FROM cases_contact
                        WHERE enrolment_id = s.id AND occurred_on <= %(on)s ORDER BY occurred_on LIMIT 1) c
), first_agreement AS (
    SELECT DISTINCT ON (placement_id) placement_id, from_date, ordinary_hours FROM cases_agreedhourschange
    ORDER BY placement_id, from_date, id
), weeks AS (
    -- Only placements starting within the first 26 weeks can hold them: a range of the (placement, week) index each.
    SELECT DISTINCT s.id, (t.week_start - s.referred_on + 6) / 7 AS week
    FROM scoped s
    JOIN cases_placement p ON p.enrolment_id = s.id AND p.starts_on <= s.referred_on + 181
    CROSS JOIN LATERAL (SELECT t.week_start FROM cases_timesheet t
                        WHERE t.placement_id = p.id AND t.week_start BETWEEN s.referred_on - 6 AND s.referred_on + 175
                          AND t.ordinary_hours + t.internship_hours > 0) t
    WHERE s.referred_on <= %(on_182)s
), thirteen AS (
    SELECT DISTINCT id FROM (
        SELECT id, week - row_number() OVER (PARTITION BY id ORDER BY week) AS island FROM weeks
    ) runs GROUP BY id, island HAVING count(*) >= 13
), enrolment_flags AS (
    SELECT b.id, b.site_id, b.broker,
           b.referred_on <= %(on_28)s AS goal_whole,
           EXISTS (SELECT 1 FROM people_jobgoal g WHERE g.citizen_id = b.citizen_id AND g.kind = 'goal'
                   AND g.set_on <= b.referred_on + 28) AS goal_part,
           ft.day IS NOT NULL AS talk_whole,
           EXISTS (SELECT 1 FROM cases_upskillingdecision u WHERE u.enrolment_id = b.id AND u.decided_on <= ft.day) AS talk_part,
           EXISTS (SELECT 1 FROM cases_placement p WHERE p.enrolment_id = b.id AND p.starts_on <= %(on_31)s
                   AND (p.ended_on IS NULL OR p.ended_on >= %(on)s)) AS follow_whole,
           EXISTS (SELECT 1 FROM cases_contact c WHERE c.enrolment_id = b.id AND c.kind <> 'aftercare'
                   AND c.occurred_on BETWEEN %(on_30)s AND %(on)s) AS follow_part,
           b.referred_on <= %(on_182)s AS weeks_whole,
           th.id IS NOT NULL AS weeks_part,
           b.ended_on IS NULL OR b.ended_on > %(on)s AS active
    FROM brokers b LEFT JOIN first_talk ft ON ft.enrolment_id = b.id LEFT JOIN thirteen th ON th.id = b.id
), placement_flags AS (
    SELECT b.site_id, b.broker,
           p.starts_on <= %(on)s AND p.kind <> 'education' AS company_whole,
           p.buddy_id IS NOT NULL AS buddy_part,
           CASE WHEN fa.placement_id IS NULL THEN coalesce(p.agreed_ordinary_hours > 0, false)
                ELSE fa.from_date <= p.starts_on AND fa.ordinary_hours > 0 END AS hours_part,
           p.ended_on <= %(on_30)s AS cv_whole,
           EXISTS (SELECT 1 FROM people_cventry v WHERE v.citizen_id = b.citizen_id
                   AND v.recorded_on BETWEEN p.starts_on AND p.ended_on + 30) AS cv_part
    FROM cases_placement p JOIN brokers b ON b.id = p.enrolment_id
    LEFT JOIN first_agreement fa ON fa.placement_id = p.id
)
SELECT 'enrolments', GROUPING(site_id) = 1, site_id, GROUPING(broker) = 1, broker,
       count(*) FILTER (WHERE goal_whole), count(*) FILTER (WHERE goal_whole AND goal_part),
       count(*) FILTER (WHERE talk_whole), count(*) FILTER (WHERE talk_whole AND talk_part),
       count(*) FILTER (WHERE follow_whole), count(*) FILTER (WHERE follow_whole AND follow_part),
       count(*) FILTER (WHERE weeks_whole), count(*) FILTER (WHERE weeks_whole AND weeks_part),
       count(*) FILTER (WHERE active)
FROM enrolment_flags GROUP BY GROUPING SETS ((site_id), (broker), (site_id, broker), ())
UNION ALL
SELECT 'placements', GROUPING(site_id) = 1, site_id, GROUPING(broker) = 1, broker,
       count(*) FILTER (WHERE company_whole), count(*) FILTER (WHERE company_whole AND buddy_part),
       count(*) FILTER (WHERE company_whole), count(*) FILTER (WHERE company_whole AND hours_part),
       count(*) FILTER (WHERE cv_whole), count(*) FILTER (WHERE cv_whole AND cv_part), 0, 0, 0
FROM placement_flags GROUP BY GROUPING SETS ((site_id), (broker), ())
"""

ENROLMENT_INDICATORS = ("job_goal_4_weeks", "upskilling_first_talk", "monthly_follow_up", "thirteen_weeks")
PLACEMENT_INDICATORS = ("buddy", "hours_at_start", "cv_updated")


def fidelity(cursor, scope):
    from jobbro.reporting import fidelity as module

    settings = module.for_programme(scope.programme)
    enabled = [indicator.key for indicator in settings.enabled()]
    on = scope.on
    rows = fetch(
        cursor,
        FIDELITY,
        params(scope, on_28=on - days(28), on_30=on - days(30), on_31=on - days(31), on_182=on - days(182)),
    )
    columns = {pk: index for index, pk in enumerate(scope.site_ids)}
    total = len(columns)
    by_site, by_broker, caseload, pairs = {}, {}, {}, []
    for unit, site_total, site, broker_total, broker, *counts in rows:
        keys = ENROLMENT_INDICATORS if unit == "enrolments" else PLACEMENT_INDICATORS
        shares = {key: (counts[2 * i + 1], counts[2 * i]) for i, key in enumerate(keys)}
        if not site_total and not broker_total:
            pairs.append((site, broker, counts[8]))
        elif broker_total:
            by_site[total if site_total else columns[site]] = {
                **by_site.get(total if site_total else columns[site], {}),
                **shares,
            }
        else:
            by_broker[broker] = {**by_broker.get(broker, {}), **shares}
            if unit == "enrolments":
                caseload[broker] = counts[8]
    maximum = settings.rule("caseload").max
    within = {broker: n <= maximum for broker, n in caseload.items() if broker is not None}
    found = {}
    for column, shares in by_site.items():
        for key, share in shares.items():
            if key in enabled:
                found[("fidelity_by_site", key, column)] = share
    if "caseload" in enabled:
        brokers_at = defaultdict(set)
        for site, broker, active in pairs:
            if active and broker is not None:
                brokers_at[columns[site]].add(broker)
                brokers_at[total].add(broker)
        for column, brokers in brokers_at.items():
            found[("fidelity_by_site", "caseload", column)] = (sum(within[b] for b in brokers), len(brokers))
    by_broker["total"] = by_site.get(total, {})
    caseload["total"] = sum(n for broker, n in caseload.items() if broker != "total")
    for broker, shares in by_broker.items():
        key = "total" if broker == "total" else (f"broker-{broker}" if broker else "no-broker")
        for index, indicator in enumerate(enabled):
            if indicator == "caseload":
                if caseload.get(broker):
                    found[("fidelity_by_broker", key, index)] = caseload[broker]
            elif indicator in shares and shares[indicator][1]:
                found[("fidelity_by_broker", key, index)] = shares[indicator]
    return found


# --- Record checks (quality.findings) -----------------------------------------------------------------------------------

QUALITY = """
WITH scoped AS NOT MATERIALIZED (
    SELECT id, referred_on, ended_on FROM cases_enrolment
    WHERE programme_id = %(programme)s AND site_id = ANY(%(sites)s) AND referred_on <= %(on)s
), sheets AS (
    -- One pass over the timesheets for both checks about hours.
    SELECT count(*) FILTER (WHERE t.week_start + 6 < p.starts_on OR t.week_start > p.ended_on) AS outside,
           count(*) FILTER (WHERE t.week_start > s.ended_on) AS after_exit
    FROM cases_timesheet t JOIN cases_placement p ON p.id = t.placement_id JOIN scoped s ON s.id = p.enrolment_id
    WHERE t.week_start <= %(on)s
), started AS (
    SELECT p.id, p.enrolment_id, p.starts_on, coalesce(p.ended_on, 'infinity'::date) AS ends
    FROM cases_placement p WHERE p.starts_on <= %(on)s AND p.enrolment_id IN (SELECT id FROM scoped)
), step_on AS (
    SELECT DISTINCT ON (c.enrolment_id) c.enrolment_id, c.step FROM cases_stepchange c
    WHERE c.changed_on <= %(on)s AND c.enrolment_id IN (SELECT id FROM scoped)
    ORDER BY c.enrolment_id, c.changed_on DESC, c.id DESC
)
SELECT
    (SELECT outside FROM sheets),
    (SELECT count(DISTINCT a.enrolment_id) FROM started a JOIN started b
       ON b.enrolment_id = a.enrolment_id AND b.id <> a.id AND b.starts_on < a.ends AND a.starts_on < b.ends),
    (SELECT count(*) FROM cases_placement p WHERE p.enrolment_id IN (SELECT id FROM scoped)
       AND p.starts_on <= %(on)s AND p.planned_end_on < %(on)s AND p.ended_on IS NULL),
    (SELECT count(*) FROM scoped s JOIN step_on st ON st.enrolment_id = s.id
       WHERE (s.ended_on IS NULL OR s.ended_on > %(on)s) AND st.step = 3
         AND NOT EXISTS (SELECT 1 FROM cases_placement p WHERE p.enrolment_id = s.id AND p.starts_on <= %(on)s
                         AND (p.ended_on IS NULL OR p.ended_on >= %(on)s))),
    (SELECT count(*) FROM cases_outcome o JOIN scoped s ON s.id = o.enrolment_id
       WHERE o.measured_on <= %(on)s AND o.measured_on < s.referred_on),
    (SELECT after_exit FROM sheets)
"""

QUALITY_CHECKS = (
    "hours_outside_placement",
    "overlapping_placements",
    "open_after_planned_end",
    "step_3_without_placement",
    "outcome_before_referral",
    "hours_after_exit",
)


def quality(cursor, scope):
    (counts,) = fetch(cursor, QUALITY, params(scope))
    return dict(zip(QUALITY_CHECKS, counts, strict=True))


def quality_figures(found):
    return {finding.key: finding.count for finding in found}


QUERIES = {
    "result-goals": result_goals,
    "status": status,
    "hours": hours,
    "sites": sites,
    "follow-up": follow_up,
    "funnel": funnel,
    "progression": progression,
    "fidelity": fidelity,
}
