"""The planner statistics are kept: a refresh leaves statistics the database plans by (sqlite_stat1 on SQLite,
pg_stats on PostgreSQL); the demo load, a committed import and the manual command leave them, a dry-run import does
not refresh them, and the worker's periodic job refreshes them at most every few hours."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from jobbro import planner_statistics
from jobbro.accounts.models import Programme
from jobbro.cases.models import Enrolment
from jobbro.imports.management.commands.db_worker import run_periodic_jobs
from jobbro.imports.models import ImportRun
from jobbro.imports.tests.helpers import csv_bytes, example_sheets
from jobbro.people.models import Citizen

pytestmark = pytest.mark.django_db

ENROLMENTS = Enrolment._meta.db_table
CITIZENS = Citizen._meta.db_table
PERIODIC_JOB = "jobbro.planner_statistics.refresh_when_due"


def statistics_of(table):
    """How many statistics rows the database keeps for the table (per index on SQLite, per column on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s", [table]
            )
        return cursor.fetchone()[0]


def forget_statistics(*tables):
    """Drop the tables' statistics (in the test's transaction, so they come back afterwards)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "sqlite":
                if statistics_of(table):
                    cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
            else:
                cursor.execute("DELETE FROM pg_catalog.pg_statistic WHERE starelid = %s::regclass", [table])
    assert all(statistics_of(table) == 0 for table in tables)


@pytest.fixture
def demo():
    """A small demo programme; loading it refreshes the statistics."""
    call_command("load_demo", "--citizens", "20", "--today", "2026-03-02", stdout=io.StringIO())
    return Programme.objects.get()


def test_loading_the_demo_leaves_statistics():
    assert statistics_of(ENROLMENTS) == 0
    call_command("load_demo", "--citizens", "20", "--today", "2026-03-02", stdout=io.StringIO())
    assert statistics_of(ENROLMENTS) > 0


def test_a_refresh_leaves_statistics_of_every_table_with_rows(demo):
    forget_statistics(ENROLMENTS, CITIZENS)
    seconds = planner_statistics.refresh()
    assert seconds >= 0 and statistics_of(ENROLMENTS) > 0 and statistics_of(CITIZENS) > 0


def test_the_command_refreshes_them_by_hand(demo):
    forget_statistics(ENROLMENTS)
    out = io.StringIO()
    with translation.override("da"):
        call_command("refresh_statistics", stdout=out)
    assert statistics_of(ENROLMENTS) > 0
    assert out.getvalue().startswith("Planlæggerstatistikken er opdateret på ")


def import_citizens(programme, tmp_path, *options):
    path = tmp_path / "borgere.csv"
    path.write_bytes(csv_bytes(example_sheets(["citizens"])["Borgere"]))
    call_command(
        "import",
        str(path),
        "--user",
        "koordinator",
        "--programme",
        programme.name,
        *options,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return ImportRun.objects.latest("pk")


@pytest.fixture
def imports_inline(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path


def test_a_committed_import_refreshes_them_and_a_dry_run_does_not(demo, imports_inline, tmp_path):
    forget_statistics(CITIZENS)
    dry = import_citizens(demo, tmp_path, "--dry-run")
    assert dry.status == "done" and dry.dry_run
    assert statistics_of(CITIZENS) == 0
    done = import_citizens(demo, tmp_path)
    assert done.status == "done" and not done.dry_run
    assert statistics_of(CITIZENS) > 0


@pytest.fixture
def periodic(settings):
    settings.WORKER_PERIODIC_JOBS = [PERIODIC_JOB]
    planner_statistics._last_refreshed[0] = None
    yield
    planner_statistics._last_refreshed[0] = None


def test_the_worker_refreshes_them_at_most_every_few_hours(demo, periodic):
    forget_statistics(ENROLMENTS)
    run_periodic_jobs()  # a worker's first round refreshes
    assert statistics_of(ENROLMENTS) > 0
    forget_statistics(ENROLMENTS)
    run_periodic_jobs()  # a minute later: not yet due
    assert statistics_of(ENROLMENTS) == 0
    planner_statistics._last_refreshed[0] -= planner_statistics.EVERY_SECONDS  # as if the hours had passed
    run_periodic_jobs()
    assert statistics_of(ENROLMENTS) > 0


def test_the_worker_is_set_to_run_the_periodic_refresh():
    from django.conf import settings

    assert PERIODIC_JOB in settings.WORKER_PERIODIC_JOBS
    assert planner_statistics.EVERY_SECONDS >= 60 * 60 > settings.WORKER_PERIODIC_SECONDS


def test_refreshing_the_report_facts_refreshes_them_too(demo):
    forget_statistics(ENROLMENTS)
    call_command("refresh_report_facts", stdout=io.StringIO())
    assert statistics_of(ENROLMENTS) > 0
