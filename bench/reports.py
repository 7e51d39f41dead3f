"""The reports on a large programme in PostgreSQL: each report's time against one hand-written SQL query.

    .venv/bin/python bench/reports.py                      # 100,000 citizens, ~5,000,000 timesheet rows
    .venv/bin/python bench/reports.py --citizens 5000      # a quick run (timesheets scale with citizens)
    .venv/bin/python bench/reports.py --keep reports_big   # build into database reports_big and keep it
    .venv/bin/python bench/reports.py --reuse reports_big  # measure again on a kept database, no build
    .venv/bin/python bench/reports.py --reuse reports_big --only status --explain
    .venv/bin/python bench/reports.py --reuse reports_big --try-index "CREATE INDEX … ON cases_timesheet …"

The data is built with set-based SQL (INSERT … SELECT … FROM generate_series) straight into a freshly
migrated schema: the demo generator simulates one citizen at a time, which takes far too long at this size.
Every choice comes from a hash of a row number and a salt, so the same size gives the same rows.

Built, for N citizens (default 100,000): one programme with 4 sites, result goals for the three metrics
with an interim and a final deadline and social-economic parts, 25 job brokers with caseworkers, mentors,
a coordinator and a manager, memberships, 4 target groups; N citizens with target groups, N enrolments
plus about 2 % re-enrolments of citizens whose first course had ended, referred over three years
(November 2022 – October 2025, the records running to 15 November 2026), with step changes, job broker and
caseworker history (a fifth change job broker), about 1.5 placements per enrolment over every placement kind
in 1,500 companies (social-economic and housing ones among them) with agreements of hours, timesheets for
the weeks of the placements (ordinary and internship hours apart, by kind) scaled to 50 per citizen, i.e.
5,000,000 at full size, contacts (about 18 per enrolment), job wishes and goals, CV entries, upskilling
decisions at the first talk, exit and follow-up outcomes, job plans and job packages, progression
assessments (about 2 per enrolment) and 5,000 openings with posted and filled dates. The records are
consistent by construction (no record check in jobbro/reporting/quality.py finds anything) and every
foreign key is checked once after the load. The report facts (jobbro/reporting/facts.py) are then built from the
loaded rows by `manage.py refresh_report_facts`, as after any load straight into the database; the hand-written
queries never read them, only the records.

For each report in jobbro/reporting/registry.py the scope is the programme, all sites and an as-of date
(default 2026-11-06, a week before the records end, so the as-of filter matters). The report's
build(scope) runs once to warm up, then five times; the hand-written query (bench/reports_sql.py) computing
the same figures runs five times too, on the same connection. Printed: the medians, the part of the
report's time spent waiting for the database (the rest is Python: tables and charts), the ratio of the
report's time to the query's (and of its database time alone), whether the report is under 1 s and within
2× of the hand-written query, and whether its figures equal the query's (a mismatch is printed in full).
quality.findings(scope) is measured the same way. With --explain, the slowest query of each report that
misses a target is shown with EXPLAIN ANALYZE. The server's settings and the load average are printed
too: the machine has two cores, and anything else running on it slows every figure.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import databases  # noqa: E402

DATA_START = date(2022, 11, 1)  # referrals run for three years from here, the data for a year more
REFERRAL_DAYS = 1094
DATA_END = date(2026, 11, 15)  # nothing is recorded after this day
AS_OF = date(2026, 11, 6)
TIMESHEETS_PER_CITIZEN = 50
RE_ENROLMENT_SHARE = 0.03
SLOT_DAYS = 160  # placement j of an enrolment starts in slot j, so placements never overlap
SITES = (  # id, name, kind, municipality code, share of citizens, job brokers, caseworkers, mentors
    (1, "Aarhus", "municipality", "751", 0.40, 10, 3, 2),
    (2, "Randers", "municipality", "730", 0.25, 6, 2, 1),
    (3, "Silkeborg", "municipality", "740", 0.20, 5, 2, 1),
    (4, "Udekontoret i Gellerup", "outreach_office", "751", 0.15, 4, 1, 1),
)
COMPANY_KINDS = (
    ("private", 0.66),
    ("public", 0.12),
    ("social_economic", 0.12),
    ("housing", 0.05),
    ("non_profit", 0.05),
)
OCCUPATIONS = (
    "4110",
    "4321",
    "5120",
    "5131",
    "5153",
    "5223",
    "5311",
    "5322",
    "7115",
    "8322",
    "9111",
    "9112",
    "9214",
    "9313",
    "9329",
    "9333",
    "9411",
    "9412",
    "9622",
    "9629",
)
INDUSTRIES = (
    "107100",
    "410000",
    "471110",
    "471120",
    "521000",
    "551010",
    "561010",
    "562100",
    "682040",
    "812100",
    "813000",
    "841100",
    "855900",
    "873000",
    "881000",
    "949900",
    "960100",
)
PROGRESSION_DIMENSIONS = (
    "work_ability",
    "keep_job_ability",
    "physical_health",
    "mental_health",
    "sleep",
    "family_relations",
    "belief_in_job_chances",
)  # as in jobbro.cases.models
FIRST_NAMES = ("Anna", "Mads", "Fatima", "Jens", "Sara", "Ali", "Mette", "Omar", "Line", "Peter", "Amina", "Lars")


# --- SQL pieces -----------------------------------------------------------------------------------------------


def r(key, salt):
    """A uniform number in [0, 1) fixed by a row key and a salt (pg_temp.r is defined by the builder)."""
    return f"pg_temp.r(({key})::bigint, {salt})"


def pick(u, options):
    """CASE expression choosing among (SQL value, weight) pairs by the uniform number u."""
    total = sum(weight for _value, weight in options)
    parts, running = [], 0.0
    for value, weight in options[:-1]:
        running += weight / total
        parts.append(f"WHEN {u} < {running:.6f} THEN {value}")
    return f"(CASE {' '.join(parts)} ELSE {options[-1][0]} END)"


def half(expr):
    """Hours to the nearest half hour, as the timesheet form takes them."""
    return f"(round(({expr}) * 2) / 2)::numeric(4,1)"


def lit(value):
    return "'" + str(value).replace("'", "''") + "'"


def array(values):
    return "ARRAY[" + ", ".join(lit(v) for v in values) + "]"


def d(value):
    return f"DATE '{value.isoformat()}'"


def duration(key):
    """The natural length of an enrolment in days: at least 90, then exponential with a mean of two years."""
    return f"(90 + floor(-ln(1 - {r(key, 3)}) * 720)::int)"


def sizes(citizens):
    scale = citizens / 100_000
    return {
        "citizens": citizens,
        "re_enrolments": round(citizens * RE_ENROLMENT_SHARE),
        "companies": max(40, round(1_500 * scale)),
        "openings": max(40, round(5_000 * scale)),
        "timesheets": citizens * TIMESHEETS_PER_CITIZEN,
    }


def staff_rows():
    """(id, username, role, site id or None): job brokers, caseworkers and mentors per site, then programme staff."""
    rows, next_id = [], 1
    for site_id, _name, _kind, _code, _share, brokers, caseworkers, mentors in SITES:
        for role, count in (("job_broker", brokers), ("caseworker", caseworkers), ("mentor", mentors)):
            for n in range(count):
                rows.append((next_id, f"{role}{site_id}{n + 1:02d}", role, site_id))
                next_id += 1
    for role in ("coordinator", "manager", "evaluator"):
        rows.append((next_id, role, role, None))
        next_id += 1
    return rows


def setup_sql(n):
    """The small tables: programme, sites, target groups, result goals, staff and memberships."""
    citizens = n["citizens"]
    site_values = ", ".join(f"({s[0]}, 1, {lit(s[1])}, {lit(s[2])}, {lit(s[3])})" for s in SITES)
    staff = staff_rows()
    user_values = ", ".join(
        f"({uid}, '!', false, {lit(name)}, {lit(role.replace('_', ' ').title())}, {lit(str(uid))}, '', false, true, now(), {lit(role)})"
        for uid, name, role, _site in staff
    )
    membership_values = ", ".join(f"({uid}, 1, {'NULL' if site is None else site})" for uid, _n, _r, site in staff)
    first, counts = {}, {}
    for uid, _name, role, site in staff:
        if site is not None:
            first.setdefault((role, site), uid)
            counts[(role, site)] = counts.get((role, site), 0) + 1
    site_staff = ", ".join(
        f"({site}, {lit(role)}, {uid}, {counts[(role, site)]})" for (role, site), uid in first.items()
    )
    goals = []
    # Targets a programme could set: reached at the interim deadline, about on track for the final one.
    for metric, interim, final, social in (
        ("referred", 0.5, 1.05, None),
        ("matched_and_started", 0.4, 0.9, 0.4),
        ("employed", 0.25, 0.65, 0.3),
    ):
        for deadline, share in ((date(2024, 6, 30), interim), (date(2026, 12, 31), final)):
            target = round(citizens * share)
            se = "NULL" if social is None else str(round(target * social))
            goals.append(f"({lit(metric)}, {target}, {d(deadline)}, {se}, 1)")
    return [
        (
            "programme",
            f"""
            INSERT INTO accounts_programme (id, name, description, starts_on, ends_on, settings)
            VALUES (1, 'Benchmark programme', '', {d(DATA_START)}, {d(date(2027, 6, 30))}, '{{}}');
            INSERT INTO accounts_site (id, programme_id, name, kind, municipality_code) VALUES {site_values};
            INSERT INTO accounts_targetgroup (id, code, name) VALUES
                (1, 'under-30', 'Young people under 30'), (2, 'activity-ready', 'Activity-ready on cash benefit'),
                (3, 'integration', 'On integration benefit'), (4, 'long-term', 'Long-term unemployed');
            INSERT INTO accounts_programme_target_groups (programme_id, targetgroup_id) SELECT 1, g FROM generate_series(1, 4) g;
            INSERT INTO accounts_resultgoal (metric, target, deadline, social_economic_target, programme_id)
            VALUES {", ".join(goals)};
            INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                                       is_active, date_joined, role) VALUES {user_values};
            INSERT INTO accounts_membership (user_id, programme_id, site_id) VALUES {membership_values};
            CREATE TEMP TABLE site_staff (site_id int, role text, first_id int, n int);
            INSERT INTO site_staff VALUES {site_staff};
        """,
        ),
    ]


def network_sql(n):
    """Companies (in blocks by kind), contacts with one buddy each, institutions, courses, openings."""
    companies, openings = n["companies"], n["openings"]
    blocks, start = [], 1
    for kind, share in COMPANY_KINDS:
        count = max(2, round(companies * share)) if kind != COMPANY_KINDS[0][0] else 0
        blocks.append([kind, start, count])
    # Private companies take what the other kinds leave.
    blocks[0][2] = companies - sum(b[2] for b in blocks[1:])
    for block in blocks:
        block[1] = start
        start += block[2]
    kind_values = ", ".join(f"({lit(k)}, {first}, {count})" for k, first, count in blocks)
    posted = f"({d(DATA_START)} + floor({r('i', 301)} * ({(DATA_END - DATA_START).days} - 30))::int)"
    return [
        (
            "companies",
            f"""
            CREATE TEMP TABLE company_kinds (kind text, first_id int, n int);
            INSERT INTO company_kinds VALUES {kind_values};
            INSERT INTO companies_company (id, cvr, name, industry_code, kind, address, postcode, city)
            SELECT i, lpad(i::text, 8, '0'), 'Company ' || i, ({array(INDUSTRIES)})[1 + floor({r("i", 201)} * {len(INDUSTRIES)})::int],
                   k.kind, '', '8000', 'Aarhus'
            FROM company_kinds k, generate_series(k.first_id, k.first_id + k.n - 1) i;
            INSERT INTO companies_companycontact (id, company_id, name, job_title, phone, email, is_buddy, buddy_trained_on)
            SELECT 2 * c - 1 + b, c, 'Contact ' || (2 * c - 1 + b), '', '', '', b = 0,
                   CASE WHEN b = 0 AND {r("c", 202)} < 0.5 THEN {d(DATA_START)} + floor({r("c", 203)} * 900)::int END
            FROM generate_series(1, {companies}) c, generate_series(0, 1) b;
            INSERT INTO companies_knowledgeinstitution (id, name, kind, city) VALUES
                (1, 'Sprogcenter Aarhus', 'language_school', 'Aarhus'), (2, 'AMU Østjylland', 'adult_education', 'Aarhus'),
                (3, 'Erhvervsskolen', 'vocational_college', 'Randers');
            INSERT INTO companies_course (id, institution_id, name, subject, duration_days, cost_dkk, alongside_work)
            SELECT i, 1 + mod(i, 3), 'Course ' || i,
                   (ARRAY['language','hygiene','cleaning','forklift','kitchen','care','it','other'])[1 + mod(i, 8)],
                   5 + mod(i * 7, 30), 2500, mod(i, 3) > 0
            FROM generate_series(1, 12) i;
        """,
        ),
        (
            "openings",
            f"""
            INSERT INTO companies_opening (id, external_id, title, occupation_code, tasks, weekly_hours, days, requirements,
                                           danish_level_required, capacity, status, posted_on, filled_on, closed_on,
                                           buddy_id, company_id, programme_id)
            SELECT i, '', 'Small job ' || i, ({array(OCCUPATIONS)})[1 + floor({r("i", 302)} * {len(OCCUPATIONS)})::int],
                   'Tasks', {half(f"3 + {r('i', 303)} * 12")}, '["mon", "wed"]', '[]', NULL, 1,
                   CASE WHEN s.filled_on IS NOT NULL THEN 'filled' WHEN s.closed_on IS NOT NULL THEN 'closed' ELSE 'open' END,
                   s.posted_on, s.filled_on, s.closed_on, 2 * s.company_id - 1, s.company_id, 1
            FROM generate_series(1, {openings}) i,
            LATERAL (SELECT {posted} AS posted_on, 1 + floor({r("i", 304)} * {companies})::int AS company_id) p,
            LATERAL (SELECT p.posted_on, p.company_id,
                            CASE WHEN {r("i", 305)} < 0.6 AND p.posted_on + 3 + floor({r("i", 306)} * 60)::int <= {d(DATA_END)}
                                 THEN p.posted_on + 3 + floor({r("i", 306)} * 60)::int END AS filled_on,
                            CASE WHEN {r("i", 305)} >= 0.6 AND {r("i", 305)} < 0.8 AND p.posted_on + 90 <= {d(DATA_END)}
                                 THEN p.posted_on + 90 END AS closed_on) s;
        """,
        ),
    ]


def citizens_sql(n):
    citizens = n["citizens"]
    return [
        (
            "citizens",
            f"""
            INSERT INTO people_citizen (id, cpr_encrypted, cpr_hash, first_name, last_name, birth_date, sex, phone, email,
                                        address, postcode, city, origin_group, benefit_type, housing_area,
                                        lives_in_vulnerable_housing_area, has_social_free_card, match_category,
                                        traffic_light, created_at)
            SELECT i, 'benchmark', md5(i::text) || md5('cpr' || i), ({array(FIRST_NAMES)})[1 + floor({r("i", 101)} * {
                len(FIRST_NAMES)
            })::int],
                   'Nr' || i, DATE '1962-01-01' + floor({r("i", 102)} * 16000)::int,
                   CASE WHEN {r("i", 103)} < 0.5 THEN 'female' ELSE 'male' END, '', '', '', '8000', 'Aarhus',
                   {pick(r("i", 104), [("'danish'", 55), ("'western'", 10), ("'non_western'", 35)])},
                   {
                pick(
                    r("i", 105),
                    [
                        ("'kontanthjaelp'", 50),
                        ("'uddannelseshjaelp'", 15),
                        ("'integrationsydelse'", 15),
                        ("'ressourceforloebsydelse'", 10),
                        ("'ledighedsydelse'", 5),
                        ("'sygedagpenge'", 5),
                    ],
                )
            },
                   '', {r("i", 106)} < 0.15, {r("i", 107)} < 0.05, NULL,
                   {pick(r("i", 108), [("'green'", 30), ("'yellow'", 45), ("'red'", 25)])}, now()
            FROM generate_series(1, {citizens}) i;
            INSERT INTO people_citizen_target_groups (citizen_id, targetgroup_id)
            SELECT i, 1 + mod(i, 4) FROM generate_series(1, {citizens}) i
            UNION ALL
            SELECT i, 1 + mod(i + 1, 4) FROM generate_series(1, {citizens}) i WHERE {r("i", 109)} < 0.3;
        """,
        ),
    ]


def enrolment_plan_sql(n):
    """plan_e: one row per enrolment with every date the later tables derive from."""
    citizens, re_enrolments = n["citizens"], n["re_enrolments"]
    site = pick(r("b.citizen_id", 1), [(s[0], s[4]) for s in SITES])
    hours = "(ARRAY[4, 6, 8, 10, 12, 15, 20, 25, 30, 37])[1 + floor(10 * power(" + r("b.id", 8) + ", 1.5))::int]"
    return [
        (
            "enrolment plan",
            f"""
            -- Ids follow the referral dates, as they would in a system used over the years.
            CREATE TEMP TABLE base AS
            SELECT row_number() OVER (ORDER BY referred_on, citizen_id) AS id, citizen_id, referred_on
            FROM (SELECT i AS citizen_id, {d(DATA_START)} + floor({r("i", 2)} * {REFERRAL_DAYS})::int AS referred_on
                  FROM generate_series(1, {citizens}) i) first_referrals;
            -- Some citizens are referred again after their first course ended.
            INSERT INTO base
            SELECT {citizens} + row_number() OVER (ORDER BY {r("id", 12)}), citizen_id,
                   referred_on + {duration("id")} + 30 + floor({r("id", 13)} * 150)::int
            FROM base WHERE referred_on + {duration("id")} < DATE '2025-06-01'
            ORDER BY {r("id", 12)} LIMIT {re_enrolments};
            CREATE TEMP TABLE plan_e AS
            SELECT b.id, b.citizen_id, s.site_id, b.referred_on, t.ended_on, t.until,
                   CASE WHEN {r("b.id", 4)} < 0.88 AND b.referred_on + 10 + floor({r("b.id", 5)} * 50)::int < t.until
                        THEN b.referred_on + 10 + floor({r("b.id", 5)} * 50)::int END AS step2_on,
                   {pick(r("b.id", 6), [(0, 8), (1, 36), (2, 32), (3, 16), (4, 8)])} AS n_placements,
                   jb.first_id + floor({r("b.id", 7)} * jb.n)::int AS broker,
                   jb.first_id + mod(floor({r("b.id", 7)} * jb.n)::int + 1, jb.n) AS second_broker,
                   CASE WHEN {r("b.id", 10)} < 0.2 AND t.until - b.referred_on > 60
                        THEN b.referred_on + 30 + floor({r("b.id", 11)} * (t.until - b.referred_on - 30))::int END AS broker_changed_on,
                   cw.first_id + floor({r("b.id", 14)} * cw.n)::int AS caseworker,
                   {hours}::numeric(4,1) AS estimated_weekly_hours,
                   {pick(r("b.id", 9), [("'green'", 30), ("'yellow'", 45), ("'red'", 25)])} AS light
            FROM base b
            CROSS JOIN LATERAL (SELECT {site} AS site_id) s
            CROSS JOIN LATERAL (SELECT CASE WHEN b.referred_on + {duration("b.id")} <= {d(DATA_END)}
                                            THEN b.referred_on + {duration("b.id")} END AS ended_on) e
            CROSS JOIN LATERAL (SELECT e.ended_on, coalesce(e.ended_on, {d(DATA_END)}) AS until) t
            JOIN site_staff jb ON jb.site_id = s.site_id AND jb.role = 'job_broker'
            JOIN site_staff cw ON cw.site_id = s.site_id AND cw.role = 'caseworker';
            ALTER TABLE plan_e ADD PRIMARY KEY (id);
        """,
        ),
    ]


EARLIER_KINDS = [
    ("'internship'", 52),
    ("'hybrid_internship'", 14),
    ("'wage_subsidy'", 14),
    ("'rehabilitation'", 5),
    ("'education'", 5),
    ("'small_job'", 10),
]
LAST_KINDS = [
    ("'internship'", 20),
    ("'hybrid_internship'", 8),
    ("'wage_subsidy'", 7),
    ("'small_job'", 24),
    ("'ordinary_job'", 25),
    ("'flex_job'", 9),
    ("'education'", 4),
    ("'rehabilitation'", 3),
]
JOB_KINDS = "('small_job', 'ordinary_job', 'flex_job')"


def placement_plan_sql(n):
    """plan_p: placements one after another from step 2, a short gap between them.

    The last placement is often a job (no planned end): while it runs the citizen stays enrolled (step 3,
    retention), so the enrolment ends when the job does, or later. Every other placement ends with the
    enrolment at the latest, and its planned end is its natural end, so nothing runs on past a planned end.
    A citizen whose first enrolment now runs past the referral of a second has the second one removed.
    """
    natural_days = f"""CASE WHEN kind IN {JOB_KINDS} AND NOT followed THEN 360 + floor(-ln(1 - u_len) * 1100)::int
                            WHEN kind = 'internship' THEN 28 + floor(u_len * 63)::int
                            WHEN kind = 'hybrid_internship' THEN 56 + floor(u_len * 126)::int
                            WHEN kind = 'wage_subsidy' THEN 91 + floor(u_len * 91)::int
                            WHEN kind = 'rehabilitation' THEN 182 + floor(u_len * 182)::int
                            WHEN kind = 'education' THEN 140 + floor(u_len * 224)::int
                            ELSE 91 + floor(u_len * 273)::int END"""
    job_runs_on = f"kind IN {JOB_KINDS} AND NOT followed"
    return [
        (
            "placement plan",
            f"""
            CREATE TEMP TABLE plan_p AS
            WITH raw AS (
                SELECT e.id AS enrolment_id, j, e.until, e.ended_on AS enrolment_ended_on, e.step2_on,
                       CASE WHEN j = e.n_placements - 1 THEN {pick(r("e.id", "30 + j"), LAST_KINDS)}
                            ELSE {pick(r("e.id", "30 + j"), EARLIER_KINDS)} END AS kind,
                       j < e.n_placements - 1 AS followed,
                       CASE WHEN j = 0 THEN 7 + floor({r("e.id", "20 + j")} * 38)::int
                            ELSE 1 + floor({r("e.id", "20 + j")} * 28)::int END AS gap_days,
                       {r("e.id", "40 + j")} AS u_len, {r("e.id", "50 + j")} AS u_break, {r("e.id", "60 + j")} AS u_company,
                       {r("e.id", "70 + j")} AS u_kind, {r("e.id", "80 + j")} AS u_hours
                FROM plan_e e, generate_series(0, e.n_placements - 1) j
                WHERE e.step2_on IS NOT NULL
            ), sized AS (
                SELECT raw.*, {natural_days} AS natural_days FROM raw
            ), lengths AS (
                SELECT sized.*,
                       CASE WHEN kind IN ('ordinary_job', 'flex_job') OR (kind = 'small_job' AND u_len >= 0.4) THEN NULL
                            ELSE natural_days END AS planned_days,
                       CASE WHEN u_break < 0.22 THEN 3 + floor(u_len * 0.8 * natural_days)::int ELSE natural_days END AS actual_days
                FROM sized
            ), placed AS (
                SELECT lengths.*,
                       step2_on + (sum(gap_days + actual_days) OVER w - actual_days)::int AS starts_on
                FROM lengths
                WINDOW w AS (PARTITION BY enrolment_id ORDER BY j ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            ), ended AS (
                SELECT placed.*,
                       CASE WHEN {job_runs_on} AND starts_on + actual_days > until
                            THEN CASE WHEN starts_on + actual_days <= {d(DATA_END)} THEN starts_on + actual_days END
                            WHEN starts_on + actual_days <= until THEN starts_on + actual_days
                            ELSE enrolment_ended_on END AS ended_on
                FROM placed WHERE starts_on < until
            )
            -- Ids follow the start dates, as they would in a system used over the years.
            SELECT row_number() OVER (ORDER BY starts_on, enrolment_id, j)::int AS id, ended.*,
                   CASE WHEN ended.ended_on IS NULL THEN ''
                        WHEN ended.ended_on < starts_on + actual_days THEN 'other'
                        WHEN u_break < 0.22 THEN {pick("u_hours", [("'citizen_left'", 3), ("'illness'", 3), ("'not_a_match'", 3), ("'company_ended'", 2), ("'other'", 1)])}
                        WHEN ended.kind IN ('internship', 'hybrid_internship', 'wage_subsidy') AND u_kind < 0.3 THEN 'hired'
                        ELSE 'completed' END AS end_reason,
                   c.first_id + floor(u_company * c.n)::int AS company_id
            FROM ended
            JOIN company_kinds c ON c.kind = {pick("u_kind", [("'social_economic'", 25), ("'housing'", 6), ("'private'", 55), ("'public'", 9), ("'non_profit'", 5)])};
            ALTER TABLE plan_p ADD PRIMARY KEY (id);
            -- The citizen stays enrolled while the job runs: the exit comes with the job's end.
            UPDATE plan_e e SET ended_on = p.ended_on, until = coalesce(p.ended_on, {d(DATA_END)})
            FROM plan_p p
            WHERE p.enrolment_id = e.id AND p.{job_runs_on.replace("NOT followed", "NOT p.followed")}
              AND (p.ended_on IS NULL OR p.ended_on > e.until) AND e.ended_on IS NOT NULL;
            CREATE TEMP TABLE overlapping AS
            SELECT later.id FROM plan_e later JOIN plan_e earlier
              ON earlier.citizen_id = later.citizen_id AND earlier.id <> later.id AND earlier.referred_on < later.referred_on
            WHERE earlier.ended_on IS NULL OR earlier.ended_on >= later.referred_on;
            DELETE FROM plan_p WHERE enrolment_id IN (SELECT id FROM overlapping);
            DELETE FROM plan_e WHERE id IN (SELECT id FROM overlapping);
        """,
        ),
    ]


def placements_sql(n):
    openings = n["openings"]
    agreed = f"""CASE kind WHEN 'small_job' THEN {half("3 + u_hours * 12")}
                          WHEN 'ordinary_job' THEN {half("15 + u_hours * 22")}
                          WHEN 'flex_job' THEN {half("8 + u_hours * 12")}
                          WHEN 'hybrid_internship' THEN {half("2 + u_hours * 4")}
                          WHEN 'internship' THEN CASE WHEN u_hours < 0.3 THEN {half("4 + u_hours * 20")} END END"""
    return [
        (
            "placements",
            f"""
            INSERT INTO cases_placement (id, kind, starts_on, planned_end_on, ended_on, purpose, agreed_ordinary_hours,
                                         ordinary_hours_condition, no_hours_reason, end_reason, end_note, external_id,
                                         buddy_id, company_id, enrolment_id, opening_id)
            SELECT id, kind, starts_on, CASE WHEN planned_days IS NOT NULL THEN starts_on + planned_days END, ended_on, '',
                   {agreed},
                   CASE WHEN kind IN ('internship', 'wage_subsidy') AND NOT (kind = 'internship' AND u_hours < 0.3)
                             AND u_hours < 0.7 THEN 'Ordinary hours when the citizen manages 10 hours a week' ELSE '' END,
                   CASE WHEN kind IN ('education', 'rehabilitation')
                             OR (kind IN ('internship', 'wage_subsidy') AND u_hours >= 0.7) THEN 'No ordinary hours possible' ELSE '' END,
                   end_reason, '', '',
                   CASE WHEN {r("id", 401)} < 0.6 THEN 2 * company_id - 1 END, company_id, enrolment_id,
                   CASE WHEN kind = 'small_job' AND {r("id", 402)} < 0.5 THEN 1 + floor({r("id", 403)} * {openings})::int END
            FROM plan_p;
        """,
        ),
        (
            "agreed hours",
            f"""
            -- The agreement at the start, the first ordinary hours of an internship that turned into paid hours
            -- (as the timesheets show them), and more hours later in some small jobs and hybrid internships.
            INSERT INTO cases_agreedhourschange (placement_id, from_date, ordinary_hours, internship_hours, changed_by_id)
            SELECT id, from_date, ordinary_hours, internship_hours, NULL FROM (
                SELECT pl.id, pl.starts_on AS from_date, pl.agreed_ordinary_hours AS ordinary_hours,
                       CASE WHEN pl.kind = 'hybrid_internship' THEN {half("6 + p.u_hours * 10")} ELSE 0 END AS internship_hours
                FROM cases_placement pl JOIN plan_p p ON p.id = pl.id WHERE pl.agreed_ordinary_hours IS NOT NULL
                UNION ALL
                SELECT p.id, date_trunc('week', p.starts_on)::date + 7 * (4 + floor(p.u_hours * 20)::int),
                       {half("2 + p.u_hours * 20")}, {half("6 + p.u_hours * 19")}
                FROM plan_p p
                WHERE p.kind = 'internship' AND p.u_break >= 0.22 AND p.u_hours >= 0.3 AND p.u_hours < 0.35
                  AND date_trunc('week', p.starts_on)::date + 7 * (4 + floor(p.u_hours * 20)::int)
                      <= least(coalesce(p.ended_on, {d(DATA_END)}), {d(DATA_END)})
                UNION ALL
                SELECT pl.id, pl.starts_on + 56, pl.agreed_ordinary_hours + 2,
                       CASE WHEN pl.kind = 'hybrid_internship' THEN {half("4 + p.u_hours * 10")} ELSE 0 END
                FROM cases_placement pl JOIN plan_p p ON p.id = pl.id
                WHERE pl.kind IN ('small_job', 'hybrid_internship') AND {r("pl.id", 405)} < 0.3
                  AND pl.starts_on + 56 <= least(coalesce(pl.ended_on, {d(DATA_END)}), {d(DATA_END)})
            ) changes ORDER BY from_date, id;
        """,
        ),
    ]


def timesheet_weeks():
    """Every Monday from the week a placement starts to the week it ends (or the data ends), by kind."""
    return f"""
        SELECT p.id AS placement_id, p.kind, p.u_hours, p.u_break, w,
               date_trunc('week', p.starts_on)::date + 7 * w AS week_start
        FROM plan_p p,
        LATERAL generate_series(0, (least(coalesce(p.ended_on, {d(DATA_END)}), {d(DATA_END)})
                                    - date_trunc('week', p.starts_on)::date) / 7) w
        WHERE p.kind <> 'education'
    """


def timesheets_sql(keep):
    """Timesheets: each possible week is registered with probability `keep`, so the total lands on the target."""
    vary = f"(0.85 + 0.3 * {r('placement_id * 256 + w', 502)})"
    ordinary = f"""CASE kind
        WHEN 'internship' THEN CASE WHEN u_break >= 0.22 AND u_hours < 0.35 AND w >= 4 + floor(u_hours * 20)::int
                                    THEN {half(f"(2 + u_hours * 20) * {vary}")} ELSE 0 END
        WHEN 'hybrid_internship' THEN {half(f"(2 + u_hours * 4 + least(w, 20) * 0.2) * {vary}")}
        WHEN 'small_job' THEN {half(f"(3 + u_hours * 12) * {vary}")}
        WHEN 'ordinary_job' THEN {half(f"(15 + u_hours * 22) * {vary}")}
        WHEN 'flex_job' THEN {half(f"(8 + u_hours * 12) * {vary}")}
        ELSE 0 END"""
    internship = f"""CASE kind
        WHEN 'internship' THEN {half(f"(6 + u_hours * 19) * {vary}")}
        WHEN 'hybrid_internship' THEN {half(f"greatest(0, 6 + u_hours * 10 - least(w, 20) * 0.2) * {vary}")}
        WHEN 'wage_subsidy' THEN {half(f"(15 + u_hours * 15) * {vary}")}
        WHEN 'rehabilitation' THEN {half(f"(10 + u_hours * 15) * {vary}")}
        ELSE 0 END"""
    sick = f"{r('placement_id * 256 + w', 503)} < 0.05"
    return [
        (
            "timesheets",
            f"""
            INSERT INTO cases_timesheet (placement_id, week_start, ordinary_hours, internship_hours, registered_by_id, registered_at)
            SELECT placement_id, week_start,
                   CASE WHEN {sick} THEN 0 ELSE {ordinary} END,
                   CASE WHEN {sick} THEN 0 ELSE {internship} END,
                   NULL, now()
            FROM ({timesheet_weeks()}) weeks
            WHERE {r("placement_id * 256 + w", 501)} < {keep:.6f}
            ORDER BY week_start, placement_id;
        """,
        ),
    ]


def history_sql():
    """Step changes, job broker and caseworker history, and the enrolments' current fields to match them."""
    return [
        (
            "enrolments",
            """
            INSERT INTO cases_enrolment (id, referral_text, referred_on, ended_on, traffic_light_at_referral,
                                         estimated_weekly_hours, current_step, external_id, caseworker_id, citizen_id,
                                         job_broker_id, mentor_id, programme_id, referred_by_id, site_id)
            SELECT e.id, '', e.referred_on, e.ended_on, e.light, e.estimated_weekly_hours,
                   CASE WHEN e.ended_on IS NOT NULL THEN 4
                        WHEN EXISTS (SELECT 1 FROM plan_p p WHERE p.enrolment_id = e.id AND p.ended_on IS NULL) THEN 3
                        WHEN e.step2_on IS NOT NULL THEN 2 ELSE 1 END,
                   '', e.caseworker, e.citizen_id,
                   CASE WHEN e.broker_changed_on IS NOT NULL THEN e.second_broker ELSE e.broker END,
                   NULL, 1, NULL, e.site_id
            FROM plan_e e;
        """,
        ),
        (
            "step changes",
            """
            INSERT INTO cases_stepchange (step, changed_on, note, changed_by_id, enrolment_id)
            SELECT step, changed_on, '', NULL, enrolment_id FROM (
                SELECT id AS enrolment_id, 1 AS step, referred_on AS changed_on FROM plan_e
                UNION ALL SELECT id, 2, step2_on FROM plan_e WHERE step2_on IS NOT NULL
                UNION ALL SELECT enrolment_id, 3, starts_on FROM plan_p
                UNION ALL SELECT p.enrolment_id, 2, p.ended_on FROM plan_p p JOIN plan_e e ON e.id = p.enrolment_id
                          WHERE p.ended_on IS NOT NULL AND (e.ended_on IS NULL OR p.ended_on < e.ended_on)
                UNION ALL SELECT id, 4, ended_on FROM plan_e WHERE ended_on IS NOT NULL
            ) steps ORDER BY changed_on, enrolment_id, step;
        """,
        ),
        (
            "assignment changes",
            """
            INSERT INTO cases_assignmentchange (role, changed_on, changed_by_id, user_id, enrolment_id)
            SELECT role, changed_on, NULL, user_id, enrolment_id FROM (
                SELECT id AS enrolment_id, 'job_broker' AS role, referred_on AS changed_on, broker AS user_id FROM plan_e
                UNION ALL SELECT id, 'caseworker', referred_on, caseworker FROM plan_e
                UNION ALL SELECT id, 'job_broker', broker_changed_on, second_broker FROM plan_e
                          WHERE broker_changed_on IS NOT NULL
            ) changes ORDER BY changed_on, enrolment_id, role;
        """,
        ),
    ]


CONTACT_KINDS = [
    ("'conversation'", 34),
    ("'phone'", 25),
    ("'company_visit'", 10),
    ("'coffee_visit'", 5),
    ("'match_meeting'", 8),
    ("'monthly_follow_up'", 11),
    ("'three_month_talk'", 2),
    ("'aftercare'", 5),
]


def records_sql(n):
    companies = n["companies"]
    contact_key = "e.id * 128 + k"
    contact_kind = pick(r(contact_key, 601), CONTACT_KINDS)
    goal_day = f"e.referred_on + 5 + floor({r('e.id', 701)} * 40)::int"
    employed = "EXISTS (SELECT 1 FROM plan_p p WHERE p.enrolment_id = e.id AND p.kind IN ('small_job', 'ordinary_job', 'flex_job'))"
    return [
        (
            "contacts",
            f"""
            INSERT INTO cases_contact (kind, occurred_on, note, external_id, company_id, registered_by_id, enrolment_id)
            SELECT c.kind, c.occurred_on, '', '',
                   CASE WHEN c.kind IN ('company_visit', 'coffee_visit', 'match_meeting')
                        THEN 1 + floor({r(contact_key, 602)} * {companies})::int END,
                   e.broker, e.id
            FROM plan_e e,
            LATERAL generate_series(1, greatest(1, ((e.until - e.referred_on) / 36.0 * (0.6 + 0.8 * {r("e.id", 90)}))::int)) k,
            LATERAL (SELECT {contact_kind} AS kind,
                            e.referred_on + floor({r(contact_key, 603)} * (e.until - e.referred_on + 1))::int AS occurred_on) c
            ORDER BY c.occurred_on, e.id;
        """,
        ),
        (
            "job goals",
            f"""
            INSERT INTO people_jobgoal (kind, occupation_code, text, set_on, replaced_on, citizen_id)
            SELECT 'wish', ({array(OCCUPATIONS)})[1 + floor({r("e.id", 702)} * 20)::int], 'A job wish', e.referred_on, NULL, e.citizen_id
            FROM plan_e e WHERE {r("e.id", 703)} < 0.5
            UNION ALL
            SELECT 'goal', ({array(OCCUPATIONS)})[1 + floor({r("e.id", 704)} * 20)::int], 'A job goal', {goal_day},
                   CASE WHEN {r("e.id", 705)} < 0.25 AND {goal_day} + 90 < e.until THEN {goal_day} + 90 END, e.citizen_id
            FROM plan_e e WHERE {r("e.id", 706)} < 0.85 AND {goal_day} <= e.until
            UNION ALL
            SELECT 'goal', ({array(OCCUPATIONS)})[1 + floor({r("e.id", 707)} * 20)::int], 'An adjusted job goal', {goal_day} + 90,
                   NULL, e.citizen_id
            FROM plan_e e WHERE {r("e.id", 706)} < 0.85 AND {r("e.id", 705)} < 0.25 AND {goal_day} + 90 < e.until;
        """,
        ),
        (
            "CV entries",
            f"""
            INSERT INTO people_cventry (kind, title, organisation, starts_on, ends_on, description, recorded_on, citizen_id)
            SELECT (ARRAY['work', 'education', 'course', 'language', 'skill'])[1 + mod(k, 5)], 'CV line', '', NULL, NULL, '',
                   e.referred_on + 7 + floor({r("e.id * 8 + k", 801)} * 50)::int + 30 * k, e.citizen_id
            FROM plan_e e, generate_series(0, floor({r("e.id", 802)} * 4)::int) k
            WHERE {r("e.id", 803)} < 0.75 AND e.referred_on + 7 + floor({r("e.id * 8 + k", 801)} * 50)::int + 30 * k <= e.until
            UNION ALL
            -- The CV is updated after a placement, often within two weeks.
            SELECT 'internship', 'Placement', 'Company ' || p.company_id, p.starts_on, p.ended_on, '',
                   p.ended_on + floor({r("p.id", 804)} * 14)::int, e.citizen_id
            FROM plan_p p JOIN plan_e e ON e.id = p.enrolment_id
            WHERE p.ended_on IS NOT NULL AND {r("p.id", 805)} < 0.55 AND p.ended_on + 13 <= {d(DATA_END)};
        """,
        ),
        (
            "upskilling decisions",
            f"""
            INSERT INTO cases_upskillingdecision (decided_on, wanted, reason, course_id, enrolment_id)
            SELECT e.referred_on + floor({r("e.id", 901)} * 21)::int, {r("e.id", 902)} < 0.3,
                   CASE WHEN {r("e.id", 902)} < 0.3 THEN '' ELSE 'Not now: the citizen first needs clarification' END,
                   CASE WHEN {r("e.id", 902)} < 0.3 THEN 1 + floor({r("e.id", 903)} * 12)::int END, e.id
            FROM plan_e e WHERE {r("e.id", 904)} < 0.82 AND e.referred_on + 21 <= e.until;
        """,
        ),
        (
            "outcomes",
            f"""
            CREATE TEMP TABLE exit_status AS
            SELECT e.id, e.ended_on,
                   CASE WHEN {employed} AND {r("e.id", 951)} < 0.8
                        THEN CASE WHEN EXISTS (SELECT 1 FROM plan_p p WHERE p.enrolment_id = e.id AND p.kind = 'flex_job')
                                  THEN 'flex_job' ELSE 'ordinary_job' END
                        ELSE {pick(r("e.id", 952), [("'benefit'", 60), ("'other'", 12), ("'early_pension'", 6), ("'ordinary_job'", 10), ("'education'", 12)])}
                   END AS status
            FROM plan_e e WHERE e.ended_on IS NOT NULL;
            INSERT INTO cases_outcome (kind, measured_on, status, note, enrolment_id, registered_by_id)
            SELECT kind, measured_on, status, '', id, NULL FROM (
                SELECT id, 'exit' AS kind, ended_on AS measured_on, status FROM exit_status
                UNION ALL
                SELECT id, 'follow_up', ended_on + 91 * k,
                       CASE WHEN {r("id * 4 + k", 953)} < 0.85 THEN status
                            ELSE {pick(r("id * 4 + k", 954), [("'benefit'", 50), ("'ordinary_job'", 30), ("'education'", 10), ("'other'", 10)])} END
                FROM exit_status, generate_series(1, 2) k
                WHERE {r("id", 955)} < 0.7 AND ended_on + 91 * k <= {d(DATA_END)}
            ) outcomes ORDER BY measured_on, id;
        """,
        ),
        (
            "job plans",
            f"""
            INSERT INTO cases_jobplan (is_job_package, title, target_occupation_code, created_on, closed_on, external_id, enrolment_id)
            SELECT false, 'Job plan', '', e.referred_on + 7 + floor({r("e.id", 1001)} * 23)::int, e.ended_on, '', e.id
            FROM plan_e e WHERE {r("e.id", 1002)} < 0.92 AND e.referred_on + 30 <= e.until
            UNION ALL
            -- Job packages: some citizens get a second one (more packages than citizens).
            SELECT true, 'Job package', ({array(OCCUPATIONS)})[1 + floor({r("e.id * 2 + k", 1003)} * 20)::int],
                   e.step2_on + floor({r("e.id", 1004)} * 60)::int + 120 * k,
                   CASE WHEN k = 0 AND {r("e.id", 1005)} < 0.15 THEN e.step2_on + floor({r("e.id", 1004)} * 60)::int + 119
                        ELSE e.ended_on END,
                   '', e.id
            FROM plan_e e, generate_series(0, 1) k
            WHERE e.step2_on IS NOT NULL AND {r("e.id", 1006)} < 0.35 AND (k = 0 OR {r("e.id", 1005)} < 0.15)
              AND e.step2_on + floor({r("e.id", 1004)} * 60)::int + 120 * k <= e.until;
        """,
        ),
        ("progression assessments", progression_sql(employed)),
    ]


def progression_sql(employed):
    """1–10 on each dimension from referral, every 120 days; more ordinary hours go with better scores."""
    key = "e.id * 16 + k"
    scores = ", ".join(
        f"least(10, greatest(1, 2 + floor({r('e.id', 1100 + i)} * 5)::int + k * (CASE WHEN s.employed THEN 1 ELSE 0 END)"
        f" + floor({r(key, 1110 + i)} * 3)::int - 1))"
        for i in range(len(PROGRESSION_DIMENSIONS))
    )
    return f"""
        INSERT INTO cases_progressionassessment (assessed_on, {", ".join(PROGRESSION_DIMENSIONS)}, enrolment_id)
        SELECT e.referred_on + 3 + floor({r(key, 1120)} * 14)::int + 120 * k, {scores}, e.id
        FROM plan_e e
        CROSS JOIN LATERAL (SELECT {employed} AS employed) s,
        LATERAL generate_series(0, least(5, (e.until - e.referred_on - 17) / 120)) k
        WHERE {r("e.id", 1121)} < 0.45
        ORDER BY 1, e.id;
    """


def finish_sql():
    """Sequences past the explicit ids, then fresh statistics for the planner."""
    tables = (
        "accounts_programme",
        "accounts_site",
        "accounts_targetgroup",
        "accounts_user",
        "people_citizen",
        "cases_enrolment",
        "cases_placement",
        "companies_company",
        "companies_companycontact",
        "companies_knowledgeinstitution",
        "companies_course",
        "companies_opening",
    )
    resets = "\n".join(
        f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}));" for t in tables
    )
    return [("sequences", resets)]


def define_helpers(cur):
    cur.execute("""
        CREATE FUNCTION pg_temp.r(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT (hashint8($1 * 2003 + $2)::float8 + 2147483648) / 4294967296 $$
    """)


def possible_weeks(cur):
    cur.execute(f"SELECT count(*) FROM ({timesheet_weeks()}) weeks")
    return cur.fetchone()[0]


def build(url, citizens):
    """Fill a freshly migrated database; returns the row counts of the main tables."""
    n = sizes(citizens)
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        # The rows are consistent by construction; checking every foreign key row by row would double the time.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET jit = off")  # compiling these one-off statements takes longer than running them
        cur.execute("SET maintenance_work_mem = '1GB'")
        define_helpers(cur)
        steps = [
            *setup_sql(n),
            *network_sql(n),
            *citizens_sql(n),
            *enrolment_plan_sql(n),
            *placement_plan_sql(n),
            *placements_sql(n),
        ]
        run_steps(cur, steps)
        weeks = possible_weeks(cur)
        keep = min(1.0, n["timesheets"] / weeks)
        print(f"  {weeks:,} possible timesheet weeks; each registered with probability {keep:.3f}", flush=True)
        with indexes_built_after(cur, ("cases_timesheet", "cases_contact")):
            run_steps(cur, [*timesheets_sql(keep), *history_sql(), *records_sql(n)])
        run_steps(cur, finish_sql())
        started = time.perf_counter()
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("VACUUM ANALYZE")
        print(f"  {'vacuum analyze':<24} {time.perf_counter() - started:7.1f} s", flush=True)
        check_foreign_keys(cur)
        return table_counts(cur)


FOREIGN_KEYS = """
    SELECT child.relname, child_column.attname, parent.relname, parent_column.attname
    FROM pg_constraint c
    JOIN pg_class child ON child.oid = c.conrelid
    JOIN pg_class parent ON parent.oid = c.confrelid
    JOIN pg_attribute child_column ON child_column.attrelid = c.conrelid AND child_column.attnum = c.conkey[1]
    JOIN pg_attribute parent_column ON parent_column.attrelid = c.confrelid AND parent_column.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND child.relnamespace = 'public'::regnamespace
"""


def check_foreign_keys(cur):
    """The load bypassed the foreign-key triggers, so check every reference once, set-wise."""
    started = time.perf_counter()
    cur.execute(FOREIGN_KEYS)
    broken = []
    for child, column, parent, key in cur.fetchall():
        cur.execute(
            f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
        )
        if missing := cur.fetchone()[0]:
            broken.append(f"{child}.{column} → {parent}: {missing:,} rows")
    if broken:
        raise RuntimeError("The built data breaks foreign keys: " + "; ".join(broken))
    print(f"  {'foreign keys checked':<24} {time.perf_counter() - started:7.1f} s", flush=True)


SECONDARY_INDEXES = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid)
    FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
    WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
"""


@contextmanager
def indexes_built_after(cur, tables):
    """Drop the big tables' secondary indexes (and unique constraints) for the load and build them again after:
    one sort per index instead of millions of insertions. The definitions are the migrated schema's own."""
    saved = []
    for table in tables:
        cur.execute(SECONDARY_INDEXES, (table,))
        for index, definition, constraint, constraint_definition in cur.fetchall():
            saved.append((table, index, definition, constraint, constraint_definition))
            if constraint:
                cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
            else:
                cur.execute(f"DROP INDEX {index}")
    yield
    started = time.perf_counter()
    for table, _index, definition, constraint, constraint_definition in saved:
        if constraint:
            cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_definition}")
        else:
            cur.execute(definition)
    print(f"  {'indexes built':<24} {time.perf_counter() - started:7.1f} s", flush=True)


def run_steps(cur, steps):
    for label, sql in steps:
        started = time.perf_counter()
        cur.execute(sql)
        print(f"  {label:<24} {time.perf_counter() - started:7.1f} s", flush=True)


COUNTED = (
    "people_citizen",
    "cases_enrolment",
    "cases_placement",
    "cases_agreedhourschange",
    "cases_timesheet",
    "cases_contact",
    "cases_stepchange",
    "cases_assignmentchange",
    "people_jobgoal",
    "people_cventry",
    "cases_upskillingdecision",
    "cases_outcome",
    "cases_jobplan",
    "cases_progressionassessment",
    "companies_company",
    "companies_opening",
)


def table_counts(cur):
    counts = {}
    for table in COUNTED:
        cur.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cur.fetchone()[0]
    return counts


# --- the database's life ------------------------------------------------------------------------------------------


def admin(sql):
    with psycopg.connect(databases.POSTGRES + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def migrate(url):
    env = {**os.environ, "JOBBRO_DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def build_report_facts(url):
    """The rows went in past the receivers that keep the report facts: build them the way an operator would after
    loading rows straight into the database, then let the planner see them."""
    started = time.perf_counter()
    env = {**os.environ, "JOBBRO_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "refresh_report_facts"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("reporting_enrolmentfacts", "reporting_placementfacts", "reporting_jobbrokerperiod"):
            conn.execute(f"VACUUM ANALYZE {table}")
    print(f"  {'report facts':<24} {time.perf_counter() - started:7.1f} s", flush=True)


def fresh_database(name, citizens):
    """Create, migrate and fill database `name` (dropping an older one of that name); prints the build time."""
    url = f"{databases.POSTGRES}/{name}"
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {name}")
    started = time.perf_counter()
    migrate(url)
    print(f"Building {citizens:,} citizens into {name} (migrations {time.perf_counter() - started:.1f} s)", flush=True)
    counts = build(url, citizens)
    build_report_facts(url)
    print(
        f"Built in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{t.split('_', 1)[1]} {c:,}" for t, c in counts.items())
    )
    return url


# --- Measuring -----------------------------------------------------------------------------------------------------


def timed(fn, repeat):
    """(last result, median seconds of `repeat` runs, median seconds of those spent waiting for the database)."""
    from django.db import connection

    times, in_database, result = [], [], None
    waited = [0.0]

    def clock(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited[0] += time.perf_counter() - started

    with connection.execute_wrapper(clock):
        for _ in range(repeat):
            waited[0] = 0.0
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
            in_database.append(waited[0])
    return result, statistics.median(times), statistics.median(in_database)


def setup_django(url):
    os.environ["JOBBRO_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobbro.settings")
    import django

    django.setup()


def is_placeholder(module):
    return (module.__doc__ or "").startswith("Placeholder")


def slowest_query(fn):
    """The SQL of the slowest query `fn` runs, and its seconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
    return slowest["sql"], float(slowest["time"]), len(captured.captured_queries)


def explain(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@dataclass
class Result:
    name: str
    seconds: float
    database_seconds: float  # of `seconds`, spent in the report's queries (the rest is Python: tables, charts)
    sql_seconds: float | None
    note: str
    mismatches: list

    @property
    def ratio(self):
        return self.seconds / self.sql_seconds if self.sql_seconds else None


def measure_one(name, build, hand, compare, repeat):
    """Warm up, time the report and the hand-written query, and compare their figures."""
    from django.db import connection

    build()
    report, seconds, database_seconds = timed(build, repeat)
    if hand is None:
        return Result(name, seconds, database_seconds, None, "no hand-written query", [])
    with connection.cursor() as cursor:
        hand(cursor)
        expected, sql_seconds, _waited = timed(lambda: hand(cursor), repeat)
    mismatches = compare(report, expected)
    note = f"{len(expected)} figures compared"
    return Result(name, seconds, database_seconds, sql_seconds, note, mismatches)


def measure(args):
    """Measure every report; with --try-index, inside a transaction that creates the indexes and is rolled back."""
    if not args.try_index:
        return measure_reports(args)
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in args.try_index:
                started = time.perf_counter()
                cursor.execute(sql)
                print(f"Trying (rolled back afterwards): {sql} ({time.perf_counter() - started:.1f} s)")
        results = measure_reports(args)
        transaction.set_rollback(True)
    return results


def measure_reports(args):
    import reports_sql

    from jobbro.accounts.models import Programme
    from jobbro.reporting import registry
    from jobbro.reporting.base import Scope

    if args.jit != "settings":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SET jit = {args.jit}")
    programme = Programme.objects.get()
    scope = Scope(programme=programme, sites=tuple(programme.sites.all()), on=args.as_of)
    print(
        f"\nScope: {programme.name}, {len(scope.sites)} sites, as of {scope.on.isoformat()}; "
        f"median of {args.repeat} runs after one warm-up; server: {server_settings()}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
    )
    results, explained = [], []
    for entry in registry.REPORTS:
        if args.only and entry.slug not in args.only:
            continue
        hand = reports_sql.QUERIES.get(entry.slug)
        result = measure_one(
            entry.slug,
            lambda entry=entry: entry.build(scope),
            hand and (lambda cursor, hand=hand: hand(cursor, scope)),
            lambda report, expected: reports_sql.compare(reports_sql.figures(report), expected),
            args.repeat,
        )
        if is_placeholder(entry.module):
            result.note = "placeholder: query waits for its report"
            result.mismatches = []
        results.append(result)
        print_row(result)
        if args.explain and misses_target(result):
            explained.append((entry.slug, lambda entry=entry: entry.build(scope)))
    quality = quality_module()
    if quality and (not args.only or "quality" in args.only):
        result = measure_one(
            "quality.findings",
            lambda: quality.findings(scope),
            lambda cursor: reports_sql.quality(cursor, scope),
            lambda found, expected: reports_sql.compare(reports_sql.quality_figures(found), expected),
            args.repeat,
        )
        results.append(result)
        print_row(result)
        if args.explain and misses_target(result):
            explained.append(("quality.findings", lambda: quality.findings(scope)))
    print(f"Load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")
    print_mismatches(results)
    for name, fn in explained:
        sql, seconds, count = slowest_query(fn)
        print(f"\n=== {name}: slowest of its {count} queries ({seconds:.3f} s) ===\n{sql}\n\n{explain(sql)}")
    return results


def server_settings():
    from django.db import connection

    with connection.cursor() as cursor:
        shown = []
        for name in ("server_version", "shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name} {cursor.fetchone()[0]}")
    return ", ".join(shown)


def quality_module():
    try:
        from jobbro.reporting import quality
    except ImportError:
        return None
    return quality if hasattr(quality, "findings") else None


def misses_target(result):
    return result.seconds >= 1 or (result.ratio is not None and result.ratio > 2)


HEADER = (
    f"{'report':<18} {'report s':>9} {'in DB s':>8} {'SQL s':>8} {'ratio':>6} {'DB ratio':>8}  {'< 1 s':<6} "
    f"{'≤ 2×':<6} figures"
)


def print_row(result):
    if not print_row.started:
        print(HEADER)
        print("-" * len(HEADER))
        print_row.started = True
    sql = f"{result.sql_seconds:8.3f}" if result.sql_seconds is not None else f"{'–':>8}"
    ratio = f"{result.ratio:6.2f}" if result.ratio is not None else f"{'–':>6}"
    database_ratio = f"{result.database_seconds / result.sql_seconds:8.2f}" if result.sql_seconds else f"{'–':>8}"
    within = ("yes" if result.ratio <= 2 else "NO") if result.ratio is not None else "–"
    under = "yes" if result.seconds < 1 else "NO"
    figures = (
        f"MISMATCH ({len(result.mismatches)})"
        if result.mismatches
        else ("equal, " if result.sql_seconds else "") + result.note
    )
    print(
        f"{result.name:<18} {result.seconds:9.3f} {result.database_seconds:8.3f} {sql} {ratio} {database_ratio}  "
        f"{under:<6} {within:<6} {figures}",
        flush=True,
    )


print_row.started = False


def print_mismatches(results):
    for result in results:
        if result.mismatches:
            print(f"\n!!! {result.name}: {len(result.mismatches)} figures differ from the hand-written query !!!")
            for line in result.mismatches[:25]:
                print(f"    {line}")
            if len(result.mismatches) > 25:
                print(f"    … and {len(result.mismatches) - 25} more")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=100_000, help="citizens to build (timesheets: 50 per citizen)")
    parser.add_argument("--keep", metavar="NAME", help="build into database NAME and keep it afterwards")
    parser.add_argument("--reuse", metavar="NAME", help="measure on database NAME, built earlier with --keep")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF, help=f"the report date (default {AS_OF})")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each report and query (median)")
    parser.add_argument("--only", nargs="*", help="report slugs to measure (and 'quality')")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of each report that misses a target"
    )
    parser.add_argument(
        "--try-index",
        metavar="SQL",
        action="append",
        default=[],
        help="CREATE INDEX statement to measure with, rolled back afterwards (repeatable)",
    )
    parser.add_argument(
        "--jit",
        choices=("settings", "on", "off"),
        default="settings",
        help="PostgreSQL's JIT compilation for the measuring session (default: as the settings have it)",
    )
    args = parser.parse_args()
    if args.keep and args.reuse:
        parser.error("--keep builds a database and --reuse measures an existing one: give one of them")
    if args.reuse:
        setup_django(f"{databases.POSTGRES}/{args.reuse}")
        measure(args)
        return
    name = args.keep or f"jobbro_bench_reports_{os.getpid()}"
    try:
        url = fresh_database(name, args.citizens)
        setup_django(url)
        measure(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
