"""How long `manage.py import` takes for 100,000 rows, on SQLite and (if reachable) PostgreSQL.

    .venv/bin/python bench/import.py              # 10,000 citizens: 100,500 rows
    .venv/bin/python bench/import.py 2000         # any number of citizens (about 10 rows each)

The workbook (one xlsx file, Danish sheet and column names) holds companies, citizens, one enrolment and
one placement per citizen, and seven weeks of timesheets per placement. Each database is fresh: a
scratch SQLite file, and a fresh PostgreSQL database on JOBBRO_BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432) when that server answers. The import runs twice: the second run
must create and update nothing (idempotency). Prints rows, wall-clock seconds of the whole command
(Python start-up included), the CPU seconds it used (on a busy machine wall-clock includes waiting for
a CPU) and rows per second.
"""

import datetime
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import databases

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PROGRAMME = "Bench-programmet"
SITE = "Aarhus Kommune"
WEEKS = 7


def cvr(n):
    while True:
        prefix = f"{1000000 + n * 7919 % 8999999:07d}"
        check = -sum(w * int(d) for w, d in zip((2, 7, 6, 5, 4, 3, 2), prefix, strict=True)) % 11
        if check < 10:
            return prefix + str(check)
        n += 100_003


def cpr(n):
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=n)
    return f"{born:%d%m%y}-1{n % 1000:03d}"


def build(citizens, path):
    """Write the workbook; return the number of data rows."""
    from openpyxl import Workbook

    rng = random.Random(2026)
    book = Workbook(write_only=True)
    companies = max(10, citizens // 20)
    cvrs = []
    sheet = book.create_sheet("Virksomheder")
    sheet.append(["CVR-nummer", "Navn", "Branchekode", "Type", "By"])
    for n in range(companies):
        number = cvr(n + 1)
        if number in cvrs:
            continue
        cvrs.append(number)
        sheet.append(
            [
                number,
                f"Virksomhed {n + 1}",
                rng.choice(["561010", "812100", "471120", "521000"]),
                rng.choice(["privat", "socialøkonomisk", "offentlig"]),
                "Aarhus",
            ]
        )
    rows = len(cvrs)
    people = book.create_sheet("Borgere")
    people.append(["CPR-nummer", "Fornavn", "Efternavn", "Trafiklys", "Telefon", "Postnummer", "By"])
    enrolments = book.create_sheet("Forløb")
    enrolments.append(["CPR-nummer", "Site", "Startdato", "Slutdato", "Trafiklys ved start", "Forventede timer"])
    placements = book.create_sheet("Virksomhedsforløb")
    placements.append(
        [
            "Ekstern id",
            "CPR-nummer",
            "CVR-nummer",
            "Type",
            "Startdato",
            "Slutdato",
            "Slutårsag",
            "Aftalte ordinære timer",
        ]
    )
    timesheets = book.create_sheet("Timer")
    timesheets.append(["Virksomhedsforløb", "Uge", "Ordinære timer", "Praktiktimer"])
    first_monday = datetime.date(2024, 1, 1)
    for n in range(citizens):
        number = cpr(n)
        light = rng.choice(["grøn", "gul", "rød"])
        people.append([number, f"Borger{n}", "Testesen", light, f"{20000000 + n}", "8000", "Aarhus C"])
        referred = first_monday + datetime.timedelta(weeks=rng.randint(0, 60))
        start = referred + datetime.timedelta(weeks=2)
        ended = rng.random() < 0.3
        end = start + datetime.timedelta(weeks=WEEKS - 1, days=4) if ended else None
        enrolments.append(
            [
                number,
                SITE,
                referred.strftime("%d.%m.%Y"),
                (end + datetime.timedelta(days=7)).strftime("%d.%m.%Y") if ended else "",
                light,
                rng.choice(["5", "10", "15,5", "20"]),
            ]
        )
        placements.append(
            [
                f"VF-{n}",
                number,
                rng.choice(cvrs),
                rng.choice(["småjob", "praktik", "hybridpraktik"]),
                start.strftime("%d.%m.%Y"),
                end.strftime("%d.%m.%Y") if end else "",
                "gennemført" if ended else "",
                rng.choice(["4", "8", "10"]),
            ]
        )
        for week in range(WEEKS):
            monday = start + datetime.timedelta(weeks=week)
            timesheets.append(
                [f"VF-{n}", monday.strftime("%d.%m.%Y"), rng.choice(["0", "4", "7,5", "10"]), rng.choice(["0", "10"])]
            )
        rows += 3 + WEEKS
    book.save(path)
    return rows


def manage(env, *args, capture=False):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )


SETUP = f"""
import datetime
from jobbro.accounts.models import Programme, Site, User, Role
p = Programme.objects.create(name={PROGRAMME!r}, starts_on=datetime.date(2024, 1, 1))
Site.objects.create(programme=p, name={SITE!r})
User.objects.create_user("bench-admin", role=Role.ADMINISTRATOR)
"""


def timed_imports(env, path):
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", SETUP)
    times = []
    for _run in range(2):
        started, cpu = time.perf_counter(), _children_cpu()
        output = manage(
            env, "import", str(path), "--programme", PROGRAMME, "--user", "bench-admin", "-v0", capture=True
        ).stdout
        times.append((time.perf_counter() - started, _children_cpu() - cpu))
        last = output
    return times, last


def _children_cpu():
    """CPU seconds used by finished child processes (the import command), to tell work from waiting on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(citizens):
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.xlsx"
        started = time.perf_counter()
        rows = build(citizens, path)
        print(
            f"workbook: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - started:.1f} s"
        )
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'database':<11} {'rows':>9} {'seconds':>8} {'cpu s':>6} {'rows/s':>8}   {'again (idempotent)':>24}")
        for label, fresh in databases.engines("jobbro_bench_import"):
            with fresh() as env:
                ((first, first_cpu), (second, second_cpu)), report = timed_imports(env, path)
            unchanged_only = all(
                line.split()[1:3] == ["0", "0"]
                for line in report.splitlines()[1:]
                if line and line.split()[0] in ("companies", "citizens", "enrolments", "placements", "timesheets")
            )
            print(
                f"{label:<11} {rows:>9,} {first:>8.1f} {first_cpu:>6.1f} {rows / first:>8,.0f}   "
                f"{second:>8.1f} s ({second_cpu:.1f} cpu s) {'ok' if unchanged_only else 'CHANGED'}",
                flush=True,
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
