"""Each report's build time on an existing database, with and without the planner's statistics.

    .venv/bin/python bench/report_plans.py --sqlite var/bench/pages100k
    .venv/bin/python bench/report_plans.py --postgres postgres://postgres@127.0.0.1:5432/jobbro_pages100k
    .venv/bin/python bench/report_plans.py --sqlite var/bench/pages100k --only hours,progression --repeat 5

The reports are written so that their query plans do not depend on statistics (docs/reports.md); this shows it.
Nothing is written to the given database: the script works on a copy and deletes it afterwards.

--sqlite DIR      a data directory (JOBBRO_DATA_DIR) holding jobbro.sqlite3. The file is copied (SQLite's backup, a
                  consistent copy even while others read it) into a temporary directory with the keys file. The
                  copy is measured twice: with every statistic dropped (sqlite_stat1 and sqlite_stat4 emptied) and
                  after jobbro.planner_statistics.refresh() (ANALYZE, as the demo load, an import and the worker run).
--postgres URL    a PostgreSQL database. It is copied with CREATE DATABASE … TEMPLATE (which needs nobody else
                  connected to it: the script retries for a while), measured with its statistics deleted
                  (pg_statistic; needs a superuser) and after refresh() (ANALYZE), and the copy is dropped.

For each report in jobbro/reporting/registry.py the scope is the first programme, all its sites and the as-of date
(default today: what a coordinator sees first). The build runs once to warm up, then --repeat times in a fresh
process per case; printed are the median wall time, the median CPU time of this process (Python and, on SQLite,
the queries) and on PostgreSQL of the server's backend (read from /proc when the server runs on this machine). The
machine's other work slows the wall time; CPU time is steadier when several things run at once. A report over 1 s
is marked.
"""

import argparse
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0


# --- The measuring child: one process per database and case ---------------------------------------------------------


def _backend_cpu(connection):
    """CPU seconds the PostgreSQL backend serving this connection has used, or None if it is not on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def child(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobbro.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from jobbro.accounts.models import Programme
    from jobbro.reporting import registry
    from jobbro.reporting.base import Scope

    programme = Programme.objects.order_by("pk").first()
    scope = Scope(programme=programme, sites=tuple(programme.sites.all()), on=args.as_of)
    postgres = connection.vendor == "postgresql"
    results = {}
    for entry in registry.REPORTS:
        if args.only and entry.slug not in args.only:
            continue
        entry.build(scope)  # warm up: caches, the report facts' catch-up, the charts
        walls, cpus, server = [], [], []
        for _run in range(args.repeat):
            before = _backend_cpu(connection) if postgres else None
            started, cpu = time.perf_counter(), time.process_time()
            entry.build(scope)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            if before is not None:
                server.append(_backend_cpu(connection) - before)
        results[entry.slug] = {
            "wall": statistics.median(walls),
            "cpu": statistics.median(cpus),
            "server_cpu": statistics.median(server) if server else None,
        }
    print(json.dumps(results))


def measure(env, args):
    """Run the child in a fresh process against the database `env` points at; its figures per report."""
    command = [sys.executable, __file__, "--child", "--repeat", str(args.repeat), "--as-of", args.as_of.isoformat()]
    if args.only:
        command += ["--only", ",".join(args.only)]
    done = subprocess.run(
        command, env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600
    )
    if done.returncode:
        sys.exit(f"The measuring process failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def refresh_statistics(env):
    """jobbro.planner_statistics.refresh() in the copy, in a process of its own; its seconds."""
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jobbro.settings'); django.setup(); "
        "from jobbro import planner_statistics; print(planner_statistics.refresh())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


# --- SQLite ----------------------------------------------------------------------------------------------------------


def sqlite_cases(data_dir, args):
    source = Path(data_dir) / "jobbro.sqlite3"
    if not source.is_file():
        sys.exit(f"No jobbro.sqlite3 in {data_dir}")
    with tempfile.TemporaryDirectory(prefix="report-plans-") as scratch:
        copy = Path(scratch) / "jobbro.sqlite3"
        started = time.perf_counter()
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        writer = sqlite3.connect(copy)
        reader.backup(writer)
        reader.close()
        keys = Path(data_dir) / "dev-keys.json"
        if keys.is_file():
            shutil.copy(keys, Path(scratch) / "dev-keys.json")
        for table in ("sqlite_stat1", "sqlite_stat4"):
            if writer.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]:
                writer.execute(f"DELETE FROM {table}")
        writer.commit()
        writer.close()
        print(f"SQLite: {source} copied in {time.perf_counter() - started:.1f} s, its statistics dropped in the copy")
        env = {"JOBBRO_DATA_DIR": scratch, "JOBBRO_DATABASE_URL": ""}
        yield "SQLite, no statistics", measure(env, args)
        print(f"SQLite: statistics refreshed in {refresh_statistics(env):.1f} s")
        yield "SQLite, statistics", measure(env, args)


# --- PostgreSQL ------------------------------------------------------------------------------------------------------


def postgres_cases(url, args):
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    copy = f"{name}_plans_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        started = time.perf_counter()
        for attempt in range(60):
            try:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(name))
                )
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 59:
                    sys.exit(f"{name} is in use: a copy needs nobody connected to it; try again later")
                time.sleep(5)
        print(f"PostgreSQL: {name} copied to {copy} in {time.perf_counter() - started:.1f} s")
        try:
            with psycopg.connect(f"{base}/{copy}", autocommit=True) as connection:
                connection.execute(
                    "DELETE FROM pg_catalog.pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_catalog.pg_class c "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema())"
                )
            with tempfile.TemporaryDirectory(prefix="report-plans-") as scratch:
                env = {"JOBBRO_DATA_DIR": scratch, "JOBBRO_DATABASE_URL": f"{base}/{copy}"}
                yield "PostgreSQL, no statistics", measure(env, args)
                print(f"PostgreSQL: statistics refreshed in {refresh_statistics(env):.1f} s")
                yield "PostgreSQL, statistics", measure(env, args)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))


# --- The table -------------------------------------------------------------------------------------------------------


def show(case, results):
    print(f"\n{case}: median of the builds, seconds")
    print(f"  {'report':<14} {'wall':>7} {'cpu':>7} {'server cpu':>11}")
    for slug, figures in results.items():
        server = figures["server_cpu"]
        mark = "  over 1 s" if figures["wall"] > TARGET_SECONDS else ""
        server_text = "" if server is None else f"{server:.3f}"
        print(f"  {slug:<14} {figures['wall']:7.3f} {figures['cpu']:7.3f} {server_text:>11}{mark}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", metavar="DATA_DIR", help="a data directory holding jobbro.sqlite3")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database URL")
    parser.add_argument("--repeat", type=int, default=3, help="builds per report after the warm-up (default 3)")
    parser.add_argument("--only", type=lambda text: text.split(","), help="report slugs, comma-separated")
    parser.add_argument(
        "--as-of", type=datetime.date.fromisoformat, default=datetime.date.today(), help="YYYY-MM-DD (default today)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not args.sqlite and not args.postgres:
        parser.error("give --sqlite DATA_DIR and/or --postgres URL")
    print(
        f"As of {args.as_of.isoformat()}, {args.repeat} builds per report after a warm-up; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    cases = []
    if args.sqlite:
        cases.append(sqlite_cases(args.sqlite, args))
    if args.postgres:
        cases.append(postgres_cases(args.postgres, args))
    for generator in cases:
        for case, results in generator:
            show(case, results)
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
