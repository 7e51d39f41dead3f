"""The reports' query plans do not hinge on the planner's statistics.

Without statistics a database guesses how many rows each step yields. A plan that reads a table or a computed step
in full once for every row of another (a nested loop over a scan) is then quick on a small programme and takes
minutes on 100,000 citizens. On SQLite without statistics every report's queries are checked for a full scan inside
a loop, and for a correlated subquery that walks the same index range as the query around it. The weekly-hours and
progression reports had the first (a computed step joined to another); the follow-up report's old "no later
enrolment" subquery walked the programme's index per enrolment on the 100,000-citizen demo, a choice SQLite makes
there but not on a programme this small, so bench/report_plans.py is what shows that one. On PostgreSQL the plan
follows the table sizes: there no statement may join a computed step (a CTE) by reading it in full per row."""

import datetime
import io
import json
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobbro.accounts.models import Programme
from jobbro.reporting import registry
from jobbro.reporting.base import Scope

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 2)
SETUP = ("SELECT 1 AS", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def scope():
    call_command("load_demo", "--citizens", "30", "--today", ON.isoformat(), stdout=io.StringIO())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The demo load gathered them: drop them, and have this connection's planner forget what it read.
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")
        else:
            cursor.execute(
                "DELETE FROM pg_catalog.pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema())"
            )
    programme = Programme.objects.get()
    return Scope(programme=programme, sites=tuple(programme.sites.all()), on=ON)


def report_queries(entry, scope):
    entry.build(scope)  # the facts' catch-up and the charts come first, not in the queries below
    with CaptureQueriesContext(connection) as captured:
        entry.build(scope)
    queries = [query["sql"] for query in captured.captured_queries if not query["sql"].startswith(SETUP)]
    assert queries, entry.slug
    return queries


def scans_inside_a_loop(sql):
    """SQLite: the lines of the plan that read a table or step in full as the inner side of a join, and those of a
    correlated subquery that walk the same index range as the query around it (so read it all again per row)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        rows = cursor.fetchall()
    parents = {node: parent for node, parent, _unused, _detail in rows}
    details = {node: detail for node, _parent, _unused, detail in rows}

    def correlated(node):
        while node in parents:
            node = parents[node]
            if details.get(node, "").startswith("CORRELATED"):
                return True
        return False

    steps = defaultdict(list)  # the table reads under each node, in join order: the first is the outer loop
    ranges = {True: set(), False: set()}  # the index ranges read inside correlated subqueries, and outside them
    for node, parent, _unused, detail in rows:
        if detail.startswith(("SCAN ", "SEARCH ")) and not detail.startswith("SCAN CONSTANT ROW"):
            steps[parent].append(detail)
            if " USING " in detail:
                ranges[correlated(node)].add(detail.split(" USING ", 1)[1].replace(" LEFT-JOIN", ""))
    inner_scans = [detail for reads in steps.values() for detail in reads[1:] if detail.startswith("SCAN ")]
    return inner_scans + sorted(ranges[True] & ranges[False])


def steps_read_in_full_per_row(sql):
    """PostgreSQL: nested loops whose inner side reads a CTE in full."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found = []

    def walk(node):
        children = node.get("Plans", [])
        if node["Node Type"] == "Nested Loop" and len(children) == 2 and children[1]["Node Type"] == "CTE Scan":
            found.append(children[1].get("CTE Name"))
        for child in children:
            walk(child)

    walk(plan[0]["Plan"])
    return found


@pytest.mark.parametrize("entry", registry.REPORTS, ids=lambda entry: entry.slug)
def test_no_report_reads_a_table_or_step_in_full_inside_a_loop(entry, scope):
    check = scans_inside_a_loop if connection.vendor == "sqlite" else steps_read_in_full_per_row
    for sql in report_queries(entry, scope):
        assert check(sql) == [], sql


def test_the_check_finds_a_step_joined_by_scanning_it():
    """The check's own denial: a computed step joined to another by reading it in full per row is what it finds
    (here forced: SQLite's automatic index and PostgreSQL's hash and merge joins turned off for the statement)."""
    sql = """
        WITH a AS MATERIALIZED (SELECT id FROM cases_enrolment WHERE referred_on IS NOT NULL),
             b AS MATERIALIZED (SELECT enrolment_id, COUNT(*) AS n FROM cases_contact GROUP BY enrolment_id)
        SELECT COUNT(*) FROM a LEFT JOIN b ON b.enrolment_id = a.id
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA automatic_index = OFF")
            try:
                assert scans_inside_a_loop(sql) == ["SCAN b LEFT-JOIN"]
            finally:
                cursor.execute("PRAGMA automatic_index = ON")
        else:
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            assert steps_read_in_full_per_row(sql) == ["b"]
