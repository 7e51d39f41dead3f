"""How long the demo generator takes to build a programme, on SQLite and (if reachable) PostgreSQL.

    .venv/bin/python bench/demo.py                 # 120 and 10,000 citizens
    .venv/bin/python bench/demo.py 120 100000      # any sizes

Each size is built in a fresh database: a scratch SQLite file, and a fresh
PostgreSQL database on JOBBRO_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432)
when that server answers. Prints wall-clock seconds for the whole load_demo command.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = os.environ.get("JOBBRO_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def timed_load(env, citizens):
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    manage(env, "load_demo", "--citizens", str(citizens), "--seed", "2026")
    return time.perf_counter() - started


def postgres_reachable():
    import psycopg

    try:
        psycopg.connect(POSTGRES + "/postgres", connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


def on_sqlite(citizens):
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "JOBBRO_DATA_DIR": data_dir}
        env.pop("JOBBRO_DATABASE_URL", None)
        return timed_load(env, citizens)


def on_postgres(citizens):
    import psycopg

    name = f"jobbro_bench_demo_{os.getpid()}"
    with psycopg.connect(POSTGRES + "/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        env = {**os.environ, "JOBBRO_DATABASE_URL": f"{POSTGRES}/{name}"}
        return timed_load(env, citizens)
    finally:
        with psycopg.connect(POSTGRES + "/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main(sizes):
    engines = [("SQLite", on_sqlite)] + ([("PostgreSQL", on_postgres)] if postgres_reachable() else [])
    print(f"{'citizens':>10}  {'database':<11} {'seconds':>8}  {'citizens/s':>10}")
    for citizens in sizes:
        for label, run in engines:
            seconds = run(citizens)
            print(f"{citizens:>10,}  {label:<11} {seconds:>8.1f}  {citizens / seconds:>10,.0f}", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [120, 10_000])
