"""Fresh databases for the benchmark scripts: a scratch SQLite file, and a throwaway PostgreSQL database.

POSTGRES is the server (JOBBRO_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432); each
benchmark gets an environment to run manage.py in, and the database is dropped afterwards.
"""

import os
import tempfile
from contextlib import contextmanager

POSTGRES = os.environ.get("JOBBRO_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def postgres_reachable():
    import psycopg

    try:
        psycopg.connect(POSTGRES + "/postgres", connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


@contextmanager
def sqlite_env():
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "JOBBRO_DATA_DIR": data_dir}
        env.pop("JOBBRO_DATABASE_URL", None)
        yield env


@contextmanager
def postgres_env(prefix):
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(POSTGRES + "/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield {**os.environ, "JOBBRO_DATABASE_URL": f"{POSTGRES}/{name}"}
    finally:
        with psycopg.connect(POSTGRES + "/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def engines(prefix):
    """(label, context manager factory) for SQLite and, when the server answers, PostgreSQL."""
    found = [("SQLite", sqlite_env)]
    if postgres_reachable():
        found.append(("PostgreSQL", lambda: postgres_env(prefix)))
    return found
