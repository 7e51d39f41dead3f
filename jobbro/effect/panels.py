"""The register panels of a programme: what Statistics Denmark sends back, stored as Parquet beside the database
(docs/effect.md "Register data: the files Statistics Denmark returns").

Pure: no models, no database. A programme's register directory holds one *generation* per successful import,
``gen-<n>/`` with up to three files (persons.parquet, status.parquet, hours.parquet), and a pointer file
``current`` (JSON ``{"generation": "gen-<n>"}``) that is replaced atomically. An import

1. removes what an earlier, interrupted import left (staging directories, generations the pointer does not name),
2. reads the delivery (CSV with ``;`` or ``,``, or Parquet) through DuckDB, streaming, and validates it (one
   parallel pass counting every rule's refusals, one pass over the sort key in file order telling whether the
   delivery already comes sorted),
3. writes the new file, sorted by person_key and week/month (as it comes if it came sorted), into a staging
   directory, hard-links the other kinds' files from the current generation, and renames the staging directory
   to ``gen-<n>``,
4. switches the pointer (write a temporary file, fsync, ``os.replace``),
5. deletes the older generations.

A failed import raises PanelError and leaves the current generation as it was; a crash at any moment leaves the
old generation current and at most a stray directory, which the next import removes. Imports of one directory
wait for each other (a lock file).

Stored files and types:

- persons.parquet: person_key VARCHAR, birth_year SMALLINT, sex VARCHAR ('M' | 'K'),
  origin VARCHAR ('dansk' | 'indvandrer' | 'efterkommer'), municipality_code VARCHAR (3 digits)
- status.parquet: person_key VARCHAR, week DATE (the Monday of the ISO week), benefit_code VARCHAR
- hours.parquet: person_key VARCHAR, month DATE (the first day), paid_hours DOUBLE

In a delivery the status ``week`` is the ISO year and week as an integer YYYYWW (202405) and the hours ``month``
is "YYYY-MM"; the other columns are as stored. A person_key is 1–64 letters (a–z, A–Z), digits, "-" or "_", and
never a CPR number (ten digits, with or without a hyphen after the sixth, is refused).
"""

from __future__ import annotations

import csv
import datetime
import fcntl
import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from django.utils.translation import gettext as _

from jobbro.effect.categories import EVERY_OTHER_CODE

KINDS = ("persons", "status", "hours")
COLUMNS = {
    "persons": ("person_key", "birth_year", "sex", "origin", "municipality_code"),
    "status": ("person_key", "week", "benefit_code"),
    "hours": ("person_key", "month", "paid_hours"),
}
SORT_KEY = {"persons": ("person_key",), "status": ("person_key", "week"), "hours": ("person_key", "month")}
# Columns with few distinct values: their rules are checked once per distinct value, not once per row.
GROUPED = {"persons": (), "status": ("week", "benefit_code"), "hours": ("month",)}
SEXES = ("M", "K")
ORIGINS = ("dansk", "indvandrer", "efterkommer")
KEY_PATTERN = r"[A-Za-z0-9_-]{1,64}"
CPR_PATTERN = r"[0-9]{6}-?[0-9]{4}"
CPR_ANYWHERE = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])")
CPR_MASK = "**********"
FIRST_YEAR = 1980  # the first year a week or month may lie in (DREAM begins in 1991)
LAST_YEAR = 2100
FIRST_BIRTH_YEAR = 1900
MAX_MONTH_HOURS = 744  # 31 days x 24 hours
DEFAULT_MAX_BYTES = 16 * 1024**3
DEFAULT_MAX_ROWS = 400_000_000
MEMORY_LIMIT = "2GB"
THREADS = 2
EXAMPLES = 5  # example rows per error
ROW_GROUP_SIZE = 122_880

POINTER = "current"
LOCK = "lock"
TEMP = ".tmp"  # connections' spill directories, <pid>-<random>
STAGING_PREFIX = ".staging-"
GENERATION = re.compile(r"gen-([0-9]+)")

logger = logging.getLogger(__name__)


class PanelError(Exception):
    """A delivery (or the stored panels) cannot be used. ``errors`` is a list of
    ``{"field": column or "", "message": text in the active language, "rows": [{"row": n, "values": {...}}]}``;
    ``row`` counts the delivery's data rows from 1 (the first row after a CSV header)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors))


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    persons: int
    generation: str
    sha256: str


def _error(field_name, message, rows=()):
    """One error; anything in it shaped like a CPR number is masked (a file without a header row has data for
    column names, and codes are quoted from the file)."""
    return {
        "field": CPR_ANYWHERE.sub(CPR_MASK, str(field_name)),
        "message": CPR_ANYWHERE.sub(CPR_MASK, str(message)),
        "rows": list(rows),
    }


# --- the generation pointer -------------------------------------------------------------------------------------


def current_generation(directory) -> str | None:
    """The name of the current generation ("gen-<n>"), or None before the first import."""
    try:
        text = (Path(directory) / POINTER).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    name = json.loads(text)["generation"]
    if not GENERATION.fullmatch(name):
        raise ValueError(f"bad generation pointer {name!r}")
    return name


def generation_path(directory) -> Path | None:
    name = current_generation(directory)
    return None if name is None else Path(directory) / name


def _fsync_file(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _switch(directory: Path, name: str):
    """Point ``current`` at generation ``name``: a temporary file, fsynced, replaces the pointer in one step."""
    temporary = directory / f"{POINTER}.{uuid.uuid4().hex}.tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump({"generation": name}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, directory / POINTER)
    _fsync_directory(directory)


def _remove_strays(directory: Path, keep: str | None):
    """Remove staging directories, pointer temporaries, every generation but ``keep``, and the spill directories
    of connections whose process has ended."""
    for entry in directory.iterdir():
        name = entry.name
        if name.startswith(STAGING_PREFIX) or (GENERATION.fullmatch(name) and name != keep):
            shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(f"{POINTER}.") and name.endswith(".tmp"):
            entry.unlink(missing_ok=True)
    if (directory / TEMP).is_dir():
        for entry in (directory / TEMP).iterdir():
            pid = entry.name.split("-")[0]
            if not pid.isdigit() or not _alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _next_generation(directory: Path) -> str:
    numbers = [int(m.group(1)) for e in directory.iterdir() if (m := GENERATION.fullmatch(e.name))]
    return f"gen-{max(numbers, default=0) + 1}"


@contextmanager
def _locked(directory: Path):
    with open(directory / LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --- reading ----------------------------------------------------------------------------------------------------


def connect(directory, *, memory_limit=MEMORY_LIMIT, threads=THREADS):
    """A DuckDB connection with the views persons, status and hours over the current generation. It reads only
    those files: it cannot write or read any other file. Raises PanelError when a kind has not been imported."""
    path = generation_path(directory)
    files = {kind: path / f"{kind}.parquet" for kind in KINDS} if path else {}
    missing = [kind for kind in KINDS if kind not in files or not files[kind].exists()]
    if missing:
        raise PanelError(
            [
                _error(
                    "",
                    _("The register data lacks %(kinds)s: import it first.")
                    % {"kinds": ", ".join(_kind_label(k) for k in missing)},
                )
            ]
        )
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = false")
        # Spilled to inside the programme's directory, one directory per process; DuckDB makes it when it first
        # spills and removes it when the connection closes; one a crashed process left is removed by the next
        # import.
        (Path(directory) / TEMP).mkdir(exist_ok=True)
        temp = Path(directory).resolve() / TEMP / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        con.execute(f"SET temp_directory = {_literal(str(temp))}")
        paths = ", ".join(_literal(str(f.resolve())) for f in files.values())
        con.execute(f"SET allowed_paths = [{paths}]")
        con.execute("SET enable_external_access = false")
        for kind, f in files.items():
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet({_literal(str(f.resolve()))})")
    except BaseException:
        con.close()
        raise
    return con


def _kind_label(kind):
    return {
        "persons": _("the persons file"),
        "status": _("the weekly benefit status file"),
        "hours": _("the monthly paid hours file"),
    }[kind]


def _literal(text):
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name):
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _is_parquet(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PAR1"


def _csv_header(path: Path):
    """The delimiter and column names of a CSV delivery, read from its first line only."""
    with open(path, "rb") as f:
        raw = f.readline(1 << 16)
    try:
        line = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise PanelError([_error("", _("The file is not UTF-8 text, CSV or Parquet."))]) from None
    delimiter = ";" if line.count(";") >= line.count(",") and ";" in line else ","
    names = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
    return delimiter, [n.strip() for n in names]


# --- importing --------------------------------------------------------------------------------------------------


def import_delivery(
    directory,
    kind,
    path,
    *,
    known_codes=None,
    max_bytes=DEFAULT_MAX_BYTES,
    max_rows=DEFAULT_MAX_ROWS,
    memory_limit=MEMORY_LIMIT,
    threads=THREADS,
) -> ImportSummary:
    """Validate the delivery at ``path`` (CSV or Parquet) and make it the current ``kind`` file of the register
    directory ``directory``. All or nothing: on any error PanelError is raised and the current generation is
    untouched. ``known_codes``: the benefit codes of the mapping (status only; None accepts any code)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    directory = Path(directory)
    path = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        current = current_generation(directory)
        _remove_strays(directory, keep=current)
        size = path.stat().st_size
        if size > max_bytes:
            raise PanelError(
                [
                    _error(
                        "",
                        _("The file is %(size)s bytes; at most %(max)s bytes can be imported.")
                        % {"size": f"{size:,}".replace(",", "."), "max": f"{max_bytes:,}".replace(",", ".")},
                    )
                ]
            )
        sha256 = _sha256(path)
        staging = directory / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            delivery = _Delivery(path, kind, staging / "tmp", memory_limit, threads)
            try:
                rows, persons = delivery.write(
                    staging / f"{kind}.parquet",
                    known_persons=_current_file(directory, current, "persons"),
                    others={k: _current_file(directory, current, k) for k in ("status", "hours")},
                    known_codes=known_codes,
                    max_rows=max_rows,
                )
            finally:
                delivery.close()
            shutil.rmtree(staging / "tmp", ignore_errors=True)
            _fsync_file(staging / f"{kind}.parquet")
            for other in KINDS:
                source = _current_file(directory, current, other)
                if other != kind and source is not None:
                    os.link(source, staging / f"{other}.parquet")
            _fsync_directory(staging)
            name = _next_generation(directory)
            os.rename(staging, directory / name)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            _switch(directory, name)
        except BaseException:
            shutil.rmtree(directory / name, ignore_errors=True)
            raise
        _remove_strays(directory, keep=name)
        return ImportSummary(rows=rows, persons=persons, generation=name, sha256=sha256)


def _current_file(directory: Path, current: str | None, kind: str) -> Path | None:
    if current is None:
        return None
    f = directory / current / f"{kind}.parquet"
    return f if f.exists() else None


@dataclass
class _Check:
    """One rule over the typed rows: ``bad`` is a SQL condition true for a refused row."""

    field: str
    bad: str
    message: str


class _Delivery:
    """One delivery file opened in its own DuckDB connection."""

    def __init__(self, path: Path, kind: str, temp: Path, memory_limit, threads):
        self.path = path
        self.kind = kind
        self.con = duckdb.connect(":memory:")
        temp.mkdir(parents=True, exist_ok=True)
        self.con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute(f"SET temp_directory = {_literal(str(temp))}")
        self.parquet = _is_parquet(path)
        try:
            self._open_source()
        except BaseException:
            self.con.close()
            raise

    def close(self):
        self.con.close()

    def _run(self, sql):
        """Run one statement and fetch its rows, logging how long it took (debug)."""
        started = time.monotonic()
        rows = self.con.execute(sql).fetchall()
        logger.debug("%.2f s: %s", time.monotonic() - started, CPR_ANYWHERE.sub(CPR_MASK, sql[:200]))
        return rows

    # The source: the delivery with its own column names and, for Parquet, its own types.
    def _open_source(self):
        p = _literal(str(self.path.resolve()))
        expected = COLUMNS[self.kind]
        if self.parquet:
            try:
                described = self.con.execute(f"DESCRIBE SELECT * FROM read_parquet({p})").fetchall()
            except duckdb.Error as e:
                raise PanelError(
                    [_error("", _("The file cannot be read as Parquet: %(why)s") % {"why": _short(e)})]
                ) from e
            names = [row[0] for row in described]
            self.types = {row[0]: row[1] for row in described}
            self._check_columns(names, expected)
            cols = ", ".join(_ident(c) for c in expected)
            self.source = f"(SELECT {cols}, file_row_number + 1 AS _row FROM read_parquet({p}, file_row_number = true))"
            self.numbered = self.source
        else:
            delimiter, names = _csv_header(self.path)
            self._check_columns(names, expected)
            self.types = {c: "VARCHAR" for c in names}
            columns = "{" + ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in names) + "}"
            cols = ", ".join(_ident(c) for c in expected)
            self.source = (
                f"(SELECT {cols} FROM read_csv({p}, header = true, delim = {_literal(delimiter)}, quote = '\"', "
                f"escape = '\"', auto_detect = false, columns = {columns}, encoding = 'utf-8'))"
            )
            # Only used to find example rows once an error is known: a streaming row number in file order.
            self.numbered = f"(SELECT *, row_number() OVER () AS _row FROM {self.source})"

    def _check_columns(self, names, expected):
        errors = []
        seen = set()
        for name in names:
            if name in seen:
                errors.append(_error(name, _("The column appears more than once.")))
            seen.add(name)
        for name in expected:
            if name not in seen:
                errors.append(_error(name, _("The column is missing.")))
        for name in names:
            if name not in expected:
                errors.append(
                    _error(
                        name,
                        _("The column does not belong in %(kind)s (expected: %(columns)s).")
                        % {"kind": _kind_label(self.kind), "columns": ", ".join(expected)},
                    )
                )
        if errors:
            raise PanelError(errors)

    def _text(self, column):
        """The column as text (CSV is read as text; a Parquet column of another type is cast)."""
        return _ident(column) if self.types[column] == "VARCHAR" else f"CAST({_ident(column)} AS VARCHAR)"

    def _integer(self, column, digits):
        """The column as an integer if it is one, written with exactly ``digits`` digits, else NULL."""
        if self.types[column] in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"):
            return f"CAST({_ident(column)} AS INTEGER)"
        text = self._text(column)
        return f"CASE WHEN regexp_full_match({text}, '[0-9]{{{digits}}}') THEN CAST({text} AS INTEGER) END"

    def _typed(self):
        """(typed columns {name: SQL}, checks, the sort key as SQL expressions that order like the stored columns)
        for the kind."""
        if self.kind == "persons":
            birth = self._integer("birth_year", 4)
            from jobbro import days

            this_year = days.today().year
            typed = {
                "person_key": self._text("person_key"),
                "birth_year": f"CAST({birth} AS SMALLINT)",
                "sex": self._text("sex"),
                "origin": self._text("origin"),
                "municipality_code": self._text("municipality_code"),
            }
            checks = [
                self._key_check(),
                _Check(
                    "birth_year",
                    f"{birth} IS NULL OR {birth} NOT BETWEEN {FIRST_BIRTH_YEAR} AND {this_year}",
                    _("The birth year must be a year from %(first)s to %(last)s.")
                    % {"first": FIRST_BIRTH_YEAR, "last": this_year},
                ),
                _Check(
                    "sex",
                    f"{typed['sex']} IS NULL OR {typed['sex']} NOT IN ({', '.join(map(_literal, SEXES))})",
                    _("The sex must be M or K."),
                ),
                _Check(
                    "origin",
                    f"{typed['origin']} IS NULL OR {typed['origin']} NOT IN ({', '.join(map(_literal, ORIGINS))})",
                    _("The origin must be dansk, indvandrer or efterkommer."),
                ),
                _Check(
                    "municipality_code",
                    f"{typed['municipality_code']} IS NULL "
                    f"OR NOT regexp_full_match({typed['municipality_code']}, '[0-9]{{3}}')",
                    _("The municipality code must be three digits."),
                ),
            ]
            return typed, checks, [typed["person_key"]]
        if self.kind == "status":
            week = self._integer("week", 6)
            year, number = f"({week} // 100)", f"({week} % 100)"
            # The Monday of week 1 of each year, as days since 1970-01-01, looked up by year (cheaper per row than
            # working it out with make_date).
            first_mondays = "[" + ", ".join(str(_week_one(y)) for y in range(FIRST_YEAR, LAST_YEAR + 1)) + "]"
            monday = f"(DATE '1970-01-01' + CAST({first_mondays}[{year} - {FIRST_YEAR - 1}] + 7 * ({number} - 1) AS INTEGER))"
            valid = (
                f"{year} BETWEEN {FIRST_YEAR} AND {LAST_YEAR} AND ({number} BETWEEN 1 AND 52 "
                f"OR ({number} = 53 AND weekofyear(make_date({year}, 12, 28)) = 53))"
            )
            code = self._text("benefit_code")
            typed = {
                "person_key": self._text("person_key"),
                "week": monday,  # used once the rows are known to be valid
                "benefit_code": code,
            }
            checks = [
                _Check(
                    "week",
                    f"{week} IS NULL OR NOT ({valid})",
                    _(
                        "The week must be an ISO year and week written YYYYWW (e.g. 202405), from %(first)s to "
                        "%(last)s; week 53 only in a year that has one."
                    )
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                ),
                _Check(
                    "benefit_code",
                    f"{code} IS NULL OR {code} = ''",
                    _("The benefit code is missing (a week without a benefit has no row)."),
                ),
            ]
            return typed, checks, [typed["person_key"], week]
        # hours
        month_text = self._text("month")
        month_ok = f"regexp_full_match({month_text}, '[0-9]{{4}}-[0-9]{{2}}')"
        year = f"CAST(substr({month_text}, 1, 4) AS INTEGER)"
        number = f"CAST(substr({month_text}, 6, 2) AS INTEGER)"
        month_valid = f"{month_ok} AND {year} BETWEEN {FIRST_YEAR} AND {LAST_YEAR} AND {number} BETWEEN 1 AND 12"
        if self.types["paid_hours"] in ("VARCHAR",):
            raw = _ident("paid_hours")
            hours = f"TRY_CAST(replace({raw}, ',', '.') AS DOUBLE)"
            not_number = f"{raw} IS NOT NULL AND NOT regexp_full_match({raw}, '-?[0-9]+([.,][0-9]+)?')"
        else:
            hours = f"TRY_CAST({_ident('paid_hours')} AS DOUBLE)"
            not_number = f"{_ident('paid_hours')} IS NOT NULL AND {hours} IS NULL"
        typed = {
            "person_key": self._text("person_key"),
            "month": f"make_date({year}, {number}, 1)",  # used once the rows are known to be valid
            "paid_hours": hours,
        }
        checks = [
            _Check(
                "month",
                f"{month_text} IS NULL OR NOT coalesce({month_valid}, false)",
                _("The month must be written YYYY-MM (e.g. 2024-05), from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
            ),
            _Check(
                "paid_hours",
                f"{_ident('paid_hours')} IS NULL OR {not_number}",
                _("The paid hours must be a number (e.g. 37,5)."),
            ),
            _Check("paid_hours", f"{hours} IS NOT NULL AND {hours} < 0", _("The paid hours cannot be negative.")),
            _Check(
                "paid_hours",
                f"{hours} IS NOT NULL AND ({hours} > {MAX_MONTH_HOURS} OR NOT isfinite({hours}))",
                _("More than %(max)s paid hours in a month is not plausible.") % {"max": MAX_MONTH_HOURS},
            ),
        ]
        return typed, checks, [typed["person_key"], month_text]

    def _key_check(self):
        key = self._text("person_key")
        return _Check(
            "person_key",
            f"{key} IS NULL OR NOT regexp_full_match({key}, '{KEY_PATTERN}') OR regexp_full_match({key}, '{CPR_PATTERN}')",
            _(
                "The key must be 1 to 64 letters, digits, hyphens or underscores, and never a CPR number: "
                "the register data carries the project's keys only."
            ),
        )

    def _examples(self, condition, columns=None):
        columns = columns or COLUMNS[self.kind]
        cols = ", ".join(_ident(c) for c in columns)
        rows = self.con.execute(
            f"SELECT _row, {cols} FROM {self.numbered} WHERE {condition} ORDER BY _row LIMIT {EXAMPLES}"
        ).fetchall()
        return [{"row": int(r[0]), "values": {c: _plain(v) for c, v in zip(columns, r[1:], strict=True)}} for r in rows]

    def write(self, target: Path, *, known_persons, others, known_codes, max_rows):
        try:
            return self._write(target, known_persons, others, known_codes, max_rows)
        except duckdb.Error as e:
            raise PanelError([_error("", _("The file cannot be read: %(why)s") % {"why": _short(e)})]) from e

    def _write(self, target, known_persons, others, known_codes, max_rows):
        kind = self.kind
        # Bounded: refuse before reading everything.
        if self.parquet:
            p = _literal(str(self.path.resolve()))
            count = self._run(f"SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata({p})")[0][0]
        else:
            count = self._run(f"SELECT count(*) FROM (SELECT 1 FROM {self.source} LIMIT {int(max_rows) + 1})")[0][0]
        if count > max_rows:
            raise PanelError(
                [
                    _error(
                        "",
                        _("The file has more than %(max)s rows; at most %(max)s rows can be imported.")
                        % {"max": f"{max_rows:,}".replace(",", ".")},
                    )
                ]
            )
        if count == 0:
            raise PanelError([_error("", _("The file has no rows."))])
        if kind != "persons" and known_persons is None:
            raise PanelError(
                [_error("person_key", _("Import the persons file first: the keys are checked against it."))]
            )
        typed, checks, order = self._typed()
        select = ", ".join(f"{expr} AS {_ident(name)}" for name, expr in typed.items())
        # Two passes over the delivery. The first, in parallel, counts every rule's refusals: a rule on a column with
        # few distinct values (week, benefit code, month) is checked once per distinct value, the others per row;
        # grouped by benefit code, so that the unknown codes come out of the same pass. The second, over the sort
        # key only and in file order (a streaming window: no sort, no buffering), tells whether the rows come
        # strictly increasing by the sort key (then they are sorted, no key and week/month repeats, and the sort
        # can be skipped), and how many runs of keys there are (= persons, if sorted).
        grouped = GROUPED[kind]
        per_row = [c for c in checks if c.field not in grouped]
        inner = ", ".join(
            [*(_ident(c) for c in grouped), "count(*) AS _n"]
            + [f"count(*) FILTER (WHERE coalesce({c.bad}, true)) AS _c{i}" for i, c in enumerate(per_row)]
        )
        outer = ", ".join(
            f"coalesce(sum(_n) FILTER (WHERE coalesce({c.bad}, true)), 0)"
            if c.field in grouped
            else f"coalesce(sum(_c{per_row.index(c)}), 0)"
            for c in checks
        )
        group = _ident("benefit_code") if kind == "status" else "NULL"
        result = self._run(
            f"SELECT {group}, sum(_n), {outer} FROM (SELECT {inner} FROM {self.source} GROUP BY ALL) GROUP BY ALL"
        )
        lagged = ", ".join(f"{e} AS _o{i}, lag({e}) OVER () AS _p{i}" for i, e in enumerate(order))
        increasing = "_o0 > _p0"
        if len(order) == 2:
            increasing = "(_o0 > _p0 OR (_o0 = _p0 AND _o1 > _p1))"
        not_increasing, runs = self._run(
            f"SELECT count(*) FILTER (WHERE _p0 IS NOT NULL AND NOT coalesce({increasing}, false)), "
            f"count(*) FILTER (WHERE _o0 IS DISTINCT FROM _p0) FROM (SELECT {lagged} FROM {self.source})"
        )[0]
        # The keys not in the persons file: the delivery's distinct keys (a hash aggregate, in parallel) against
        # the persons file's.
        unknown_keys = 0
        if kind != "persons":
            self._run(
                "CREATE TEMP TABLE known AS SELECT DISTINCT person_key AS _known_key "
                f"FROM read_parquet({_literal(str(known_persons))})"
            )
            key_text = self._text("person_key")
            unknown_keys = self._run(
                f"SELECT count(*) FROM (SELECT DISTINCT {key_text} AS _key FROM {self.source}) "
                "WHERE _key IS NULL OR _key NOT IN (SELECT _known_key FROM known)"
            )[0][0]
        errors = []
        for check_index, check in enumerate(checks):
            if sum(r[2 + check_index] for r in result):
                errors.append(_error(check.field, check.message, self._examples(f"coalesce({check.bad}, true)")))
        if unknown_keys:
            not_known = f"{key_text} IS NULL OR {key_text} NOT IN (SELECT _known_key FROM known)"
            n = self._run(f"SELECT count(*) FROM {self.source} WHERE {not_known}")[0][0]
            errors.append(
                _error(
                    "person_key",
                    _("Rows with a key that is not in the persons file: %(n)s.") % {"n": _number(n)},
                    self._examples(not_known),
                )
            )
        # A mapping with the catch-all code (categories.EVERY_OTHER_CODE) takes every code; without it, each code of
        # the delivery must be in the mapping.
        if kind == "status" and known_codes is not None and EVERY_OTHER_CODE not in set(known_codes):
            known = set(known_codes)
            unknown = sorted((r[0], r[1]) for r in result if r[0] is not None and r[0] != "" and r[0] not in known)
            if unknown:
                listed = ", ".join(f"{code} ({_number(n)})" for code, n in unknown[:30])
                more = len(unknown) - 30
                errors.append(
                    _error(
                        "benefit_code",
                        (
                            _("Benefit codes not in the mapping (rows): %(codes)s.") % {"codes": listed}
                            + (" " + _("And %(n)s more codes.") % {"n": more} if more > 0 else "")
                        ),
                        self._examples(
                            f"{self._text('benefit_code')} IN ({', '.join(_literal(c) for c, _n in unknown[:30])})"
                        ),
                    )
                )
        if errors:
            raise PanelError(errors)
        rows = sum(r[1] for r in result)
        in_order = not not_increasing
        target_sql = _literal(str(target))
        # Snappy: a quarter faster to write than zstd, as fast to read.
        options = f"(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        sort_key = SORT_KEY[kind]
        if in_order:
            # Strictly increasing: sorted, and nothing repeats. Written in file order (insertion order is kept).
            self._run(f"COPY (SELECT {select} FROM {self.source}) TO {target_sql} {options}")
            persons = runs
            dup = []
        else:
            if kind == "persons":
                self._run(f"COPY (SELECT {select} FROM {self.source} ORDER BY {order[0]}) TO {target_sql} {options}")
            else:
                # Sorted by the key's rank among the persons (an integer: much cheaper to sort than the text).
                self._run(
                    "CREATE TEMP TABLE ranks AS SELECT _known_key, "
                    "CAST(row_number() OVER (ORDER BY _known_key) AS INTEGER) AS _rank FROM known"
                )
                self._run(
                    f"COPY (SELECT {select} FROM {self.source} JOIN ranks ON _known_key = {order[0]} "
                    f"ORDER BY _rank, {order[1]}) TO {target_sql} {options}"
                )
            stored = f"read_parquet({target_sql})"
            keys = ", ".join(_ident(c) for c in sort_key)
            lags = ", ".join(f"lag({_ident(c)}) OVER () AS _p_{c}" for c in sort_key)
            same = " AND ".join(f"{_ident(c)} = _p_{c}" for c in sort_key)
            dup = self._run(f"SELECT {keys} FROM (SELECT {keys}, {lags} FROM {stored}) WHERE {same} LIMIT 1")
            persons = None if dup else self._run(f"SELECT count(DISTINCT person_key) FROM {stored}")[0][0]
        if dup:
            if kind == "persons":
                message = _("The same key appears on more than one row.")
                f = "person_key"
            else:
                message = (
                    _("The same key and week appear on more than one row.")
                    if kind == "status"
                    else _("The same key and month appear on more than one row.")
                )
                f = sort_key[1]
            first = dup[0]
            condition = " AND ".join(
                f"{typed[c]} = {_literal(v.isoformat() if hasattr(v, 'isoformat') else v)}"
                for c, v in zip(sort_key, first, strict=True)
            )
            raise PanelError([_error(f, message, self._examples(condition))])
        stored = f"read_parquet({target_sql})"
        if kind == "persons":
            for other, f in others.items():
                if f is None:
                    continue
                orphans = self._run(
                    f"SELECT count(DISTINCT o.person_key) FROM read_parquet({_literal(str(f))}) o "
                    f"ANTI JOIN {stored} p ON p.person_key = o.person_key"
                )[0][0]
                if orphans:
                    raise PanelError(
                        [
                            _error(
                                "person_key",
                                _(
                                    "%(n)s keys used in %(kind)s are missing from this persons file; "
                                    "a persons file must keep every key the other files use."
                                )
                                % {"n": _number(orphans), "kind": _kind_label(other)},
                            )
                        ]
                    )
        return rows, persons


def _week_one(year):
    """The Monday of ISO week 1 of ``year``, as days since 1970-01-01."""
    return (datetime.date.fromisocalendar(year, 1, 1) - datetime.date(1970, 1, 1)).days


def _plain(value):
    """An example value as plain JSON (it is stored with the import and shown on a page): text with anything shaped
    like a CPR number masked, finite numbers, None."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return CPR_ANYWHERE.sub(CPR_MASK, str(value))


def _number(n):
    return f"{n:,}".replace(",", ".")


def _short(error):
    """DuckDB's own words about a file it cannot read: they may quote a line of it, so anything shaped like a CPR
    number is masked."""
    text = CPR_ANYWHERE.sub(CPR_MASK, str(error)).split("Possible fixes:")[0].strip()
    return text if len(text) <= 300 else text[:300] + "…"
