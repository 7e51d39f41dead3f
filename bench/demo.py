"""How long the demo generator takes to build a programme, on SQLite and (if reachable) PostgreSQL.

    .venv/bin/python bench/demo.py                 # 120 and 10,000 citizens
    .venv/bin/python bench/demo.py 120 100000      # any sizes

Each size is built in a fresh database: a scratch SQLite file, and a fresh
PostgreSQL database on JOBBRO_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432)
when that server answers. Prints wall-clock seconds for the whole load_demo command.
"""

import subprocess
import sys
import time
from pathlib import Path

import databases

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def timed_load(env, citizens):
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    manage(env, "load_demo", "--citizens", str(citizens), "--seed", "2026")
    return time.perf_counter() - started


def main(sizes):
    print(f"{'citizens':>10}  {'database':<11} {'seconds':>8}  {'citizens/s':>10}")
    for citizens in sizes:
        for label, fresh in databases.engines("jobbro_bench_demo"):
            with fresh() as env:
                seconds = timed_load(env, citizens)
            print(f"{citizens:>10,}  {label:<11} {seconds:>8.1f}  {citizens / seconds:>10,.0f}", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [120, 10_000])
