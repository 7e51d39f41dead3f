"""The register panels: importing Statistics Denmark's deliveries into generations of Parquet files and reading
them back (jobbro/effect/panels.py, docs/effect.md "Register data: the files Statistics Denmark returns")."""

import datetime
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.effect import panels
from jobbro.effect.panels import PanelError, connect, current_generation, generation_path, import_delivery

PERSONS_HEADER = "person_key;birth_year;sex;origin;municipality_code"
PERSONS = [
    ("k-001", "1980", "K", "dansk", "751"),
    ("k-002", "1975", "M", "indvandrer", "101"),
    ("k-003", "1999", "K", "efterkommer", "730"),
]
STATUS_HEADER = "person_key;week;benefit_code"
STATUS = [
    ("k-001", "202401", "111"),
    ("k-001", "202402", "111"),
    ("k-002", "202053", "890"),
    ("k-003", "202452", "783"),
]
HOURS_HEADER = "person_key;month;paid_hours"
KNOWN_CODES = {"111", "651", "783", "890", "X7"}
HOURS = [("k-001", "2024-01", "37,5"), ("k-002", "2024-02", "160"), ("k-003", "2023-12", "0")]


def write_csv(path, header, rows, delimiter=";"):
    lines = [header.replace(";", delimiter)] + [delimiter.join(row) for row in rows]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def write_parquet(path, columns):
    pq.write_table(pa.table(columns), path)
    return Path(path)


@pytest.fixture
def register(tmp_path):
    return tmp_path / "register" / "programme-1"


@pytest.fixture
def loaded(register, tmp_path):
    """A register directory with all three kinds imported from CSV."""
    import_delivery(register, "persons", write_csv(tmp_path / "p.csv", PERSONS_HEADER, PERSONS))
    import_delivery(register, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, STATUS))
    import_delivery(register, "hours", write_csv(tmp_path / "h.csv", HOURS_HEADER, HOURS))
    return register


def refused(register, kind, path, **options):
    """Import, expecting a refusal; returns the errors as {field: [messages]} and checks nothing changed."""
    before = current_generation(register)
    files_before = snapshot(register)
    with translation.override("da"), pytest.raises(PanelError) as caught:
        import_delivery(register, kind, path, **options)
    assert current_generation(register) == before
    assert snapshot(register) == files_before
    return caught.value.errors


def snapshot(register):
    """The current generation's files and their bytes."""
    path = generation_path(register) if register.exists() else None
    if path is None:
        return None
    return {f.name: f.read_bytes() for f in sorted(path.iterdir())}


def entries(register):
    """The register directory's entries, without the connections' spill directory."""
    return sorted(p.name for p in register.iterdir() if p.name != ".tmp")


def only(errors, field):
    found = [e for e in errors if e["field"] == field]
    assert found, errors
    return found


def test_import_all_three_kinds_and_read_them_through_connect(loaded):
    con = connect(loaded)
    assert con.sql("SELECT * FROM persons").fetchall() == [
        ("k-001", 1980, "K", "dansk", "751"),
        ("k-002", 1975, "M", "indvandrer", "101"),
        ("k-003", 1999, "K", "efterkommer", "730"),
    ]
    assert con.sql("SELECT * FROM status").fetchall() == [
        ("k-001", datetime.date(2024, 1, 1), "111"),
        ("k-001", datetime.date(2024, 1, 8), "111"),
        ("k-002", datetime.date(2020, 12, 28), "890"),
        ("k-003", datetime.date(2024, 12, 23), "783"),
    ]
    assert con.sql("SELECT * FROM hours").fetchall() == [
        ("k-001", datetime.date(2024, 1, 1), 37.5),
        ("k-002", datetime.date(2024, 2, 1), 160.0),
        ("k-003", datetime.date(2023, 12, 1), 0.0),
    ]
    types = {row[0]: row[1] for row in con.sql("DESCRIBE persons").fetchall()}
    assert types == {
        "person_key": "VARCHAR",
        "birth_year": "SMALLINT",
        "sex": "VARCHAR",
        "origin": "VARCHAR",
        "municipality_code": "VARCHAR",
    }
    assert dict(
        con.sql("DESCRIBE status").fetchall() and [(r[0], r[1]) for r in con.sql("DESCRIBE status").fetchall()]
    ) == {
        "person_key": "VARCHAR",
        "week": "DATE",
        "benefit_code": "VARCHAR",
    }
    assert {r[0]: r[1] for r in con.sql("DESCRIBE hours").fetchall()}["paid_hours"] == "DOUBLE"
    assert current_generation(loaded) == "gen-3"
    assert entries(loaded) == ["current", "gen-3", "lock"]
    assert json.loads((loaded / "current").read_text()) == {"generation": "gen-3"}


def test_the_summary_counts_rows_and_persons_and_hashes_the_file(register, tmp_path):
    persons = write_csv(tmp_path / "p.csv", PERSONS_HEADER, PERSONS)
    summary = import_delivery(register, "persons", persons)
    assert (summary.rows, summary.persons, summary.generation) == (3, 3, "gen-1")
    import hashlib

    assert summary.sha256 == hashlib.sha256(persons.read_bytes()).hexdigest()
    summary = import_delivery(register, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, STATUS))
    assert (summary.rows, summary.persons, summary.generation) == (4, 3, "gen-2")


def test_parquet_and_comma_separated_deliveries(register, tmp_path):
    write_parquet(
        tmp_path / "p.parquet",
        {
            "person_key": ["b", "a"],
            "birth_year": pa.array([1970, 1990], pa.int32()),
            "sex": ["M", "K"],
            "origin": ["dansk", "dansk"],
            "municipality_code": ["101", "851"],
        },
    )
    import_delivery(register, "persons", tmp_path / "p.parquet")
    write_parquet(
        tmp_path / "s.parquet",
        {
            "person_key": ["b", "a", "a"],
            "week": pa.array([202001, 202002, 202001], pa.int32()),
            "benefit_code": ["111", "111", "890"],
        },
    )
    import_delivery(register, "status", tmp_path / "s.parquet")
    import_delivery(register, "hours", write_csv(tmp_path / "h.csv", HOURS_HEADER, [("a", "2020-01", "12.25")], ","))
    con = connect(register)
    assert con.sql("SELECT person_key, birth_year FROM persons").fetchall() == [("a", 1990), ("b", 1970)]
    # stored sorted by key, then week
    assert con.sql("SELECT * FROM status").fetchall() == [
        ("a", datetime.date(2019, 12, 30), "890"),
        ("a", datetime.date(2020, 1, 6), "111"),
        ("b", datetime.date(2019, 12, 30), "111"),
    ]
    assert con.sql("SELECT paid_hours FROM hours").fetchall() == [(12.25,)]


def test_connect_without_a_kind_says_so_in_danish(register, tmp_path):
    with translation.override("da"), pytest.raises(PanelError) as caught:
        connect(register)
    assert caught.value.errors[0]["message"] == (
        "Registerdata mangler personfilen, filen med ugentlig ydelsesstatus, filen med månedlige betalte timer: "
        "indlæs dem først."
    )
    import_delivery(register, "persons", write_csv(tmp_path / "p.csv", PERSONS_HEADER, PERSONS))
    with translation.override("da"), pytest.raises(PanelError) as caught:
        connect(register)
    message = caught.value.errors[0]["message"]
    assert message == (
        "Registerdata mangler filen med ugentlig ydelsesstatus, filen med månedlige betalte timer: indlæs dem først."
    )


def test_the_connection_reads_only_the_current_generation(loaded, tmp_path):
    con = connect(loaded)
    with pytest.raises(duckdb.Error):
        con.execute(f"COPY (SELECT 1 AS x) TO '{tmp_path / 'out.parquet'}'")
    with pytest.raises(duckdb.Error):
        con.execute(f"COPY (SELECT 1 AS x) TO '{generation_path(loaded) / 'status.parquet'}'")
    with pytest.raises(duckdb.Error):
        con.sql(f"SELECT * FROM read_csv('{tmp_path / 'p.csv'}')").fetchall()
    assert con.execute("SELECT count(*) FROM status").fetchall() == [(4,)]
    # it spills, if it must, inside the programme's directory, and to its own directory
    (spill,) = con.execute("SELECT current_setting('temp_directory')").fetchall()[0]
    assert Path(spill).parent == (loaded / ".tmp").resolve()
    assert Path(spill).name.startswith(f"{os.getpid()}-")
    # the caller's own tables can still be registered
    con.register("participants", pa.table({"person_key": ["k-001"]}))
    assert con.execute("SELECT count(*) FROM status JOIN participants USING (person_key)").fetchall() == [(2,)]


# --- every refusal, with its field and its Danish message --------------------------------------------------------


def test_missing_extra_and_repeated_columns_are_named(register, tmp_path):
    path = write_csv(
        tmp_path / "p.csv", "person_key;birth_year;sex;origin;kommune", [("a", "1980", "K", "dansk", "101")]
    )
    errors = refused(register, "persons", path)
    assert only(errors, "municipality_code")[0]["message"] == "Kolonnen mangler."
    assert only(errors, "kommune")[0]["message"].startswith(
        "Kolonnen hører ikke til i personfilen (forventet: person_key,"
    )
    path = write_csv(tmp_path / "p2.csv", PERSONS_HEADER + ";sex", [("a", "1980", "K", "dansk", "101", "K")])
    assert only(refused(register, "persons", path), "sex")[0]["message"] == "Kolonnen står der mere end én gang."
    write_parquet(tmp_path / "p.parquet", {"person_key": ["a"], "birth_year": [1980]})
    errors = refused(register, "persons", tmp_path / "p.parquet")
    assert {e["field"] for e in errors} == {"sex", "origin", "municipality_code"}


@pytest.mark.parametrize(
    "key",
    ["", "a b", "æble", "x" * 65, "0101801234", "010180-1234", "k;1"],
)
def test_a_bad_key_or_a_cpr_number_is_refused(register, tmp_path, key):
    rows = (
        [*PERSONS, (key, "1980", "K", "dansk", "101")]
        if key != "k;1"
        else [*PERSONS, ('"k;1"', "1980", "K", "dansk", "101")]
    )
    errors = refused(register, "persons", write_csv(tmp_path / "p.csv", PERSONS_HEADER, rows))
    (error,) = only(errors, "person_key")
    assert "aldrig et CPR-nummer" in error["message"]
    assert error["rows"][0]["row"] == 4
    shown = {"": None, "k;1": "k;1", "0101801234": "**********", "010180-1234": "**********"}.get(key, key)
    assert error["rows"][0]["values"]["person_key"] == shown  # a CPR number is never repeated back


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("birth_year", "1899", "Fødselsåret skal være et år fra 1900 til"),
        ("birth_year", "3000", "Fødselsåret skal være et år fra 1900 til"),
        ("birth_year", "80", "Fødselsåret skal være et år fra 1900 til"),
        ("birth_year", "", "Fødselsåret skal være et år fra 1900 til"),
        ("sex", "m", "Køn skal være M eller K."),
        ("sex", "", "Køn skal være M eller K."),
        ("origin", "Dansk", "Herkomst skal være dansk, indvandrer eller efterkommer."),
        ("municipality_code", "51", "Kommunekoden skal være tre cifre."),
        ("municipality_code", "1010", "Kommunekoden skal være tre cifre."),
        ("municipality_code", "", "Kommunekoden skal være tre cifre."),
    ],
)
def test_a_bad_persons_value_is_refused_with_example_rows(register, tmp_path, field, value, message):
    index = panels.COLUMNS["persons"].index(field)
    bad = list(PERSONS[1])
    bad[index] = value
    rows = [PERSONS[0], tuple(bad), PERSONS[2]]
    (error,) = refused(register, "persons", write_csv(tmp_path / "p.csv", PERSONS_HEADER, rows))
    assert error["field"] == field
    assert error["message"].startswith(message)
    assert error["rows"] == [
        {"row": 2, "values": dict(zip(panels.COLUMNS["persons"], [v if v != "" else None for v in bad], strict=True))}
    ]


def test_a_person_twice_is_refused(register, tmp_path):
    rows = [*PERSONS, ("k-002", "1976", "M", "dansk", "101")]
    (error,) = refused(register, "persons", write_csv(tmp_path / "p.csv", PERSONS_HEADER, rows))
    assert error["field"] == "person_key"
    assert error["message"] == "Den samme nøgle står på mere end én række."
    assert [e["row"] for e in error["rows"]] == [2, 4]


@pytest.mark.parametrize("week", ["202454", "202153", "202400", "2024-05", "24W05", "", "197901", "210101"])
def test_a_bad_week_is_refused(loaded, tmp_path, week):
    rows = [*STATUS, ("k-003", week, "111")]
    (error,) = refused(loaded, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, rows))
    assert error["field"] == "week"
    assert error["message"].startswith("Ugen skal være et ISO-år og en uge skrevet ÅÅÅÅUU (fx 202405)")
    assert error["rows"][0]["row"] == 5


def test_week_53_is_accepted_in_a_year_that_has_one(loaded, tmp_path):
    import_delivery(
        loaded,
        "status",
        write_csv(tmp_path / "s.csv", STATUS_HEADER, [("k-001", "201553", "111"), ("k-001", "202653", "111")]),
    )
    assert connect(loaded).sql("SELECT week FROM status").fetchall() == [
        (datetime.date(2015, 12, 28),),
        (datetime.date(2026, 12, 28),),
    ]


def test_a_missing_benefit_code_is_refused(loaded, tmp_path):
    (error,) = refused(
        loaded, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, [*STATUS, ("k-003", "202001", "")])
    )
    assert (error["field"], error["rows"][0]["row"]) == ("benefit_code", 5)
    assert error["message"] == "Ydelseskoden mangler (en uge uden ydelse har ingen række)."


def test_a_week_twice_for_the_same_person_is_refused(loaded, tmp_path):
    rows = [*STATUS, ("k-001", "202402", "890")]
    (error,) = refused(loaded, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, rows))
    assert error["field"] == "week"
    assert error["message"] == "Den samme nøgle og uge står på mere end én række."
    assert [e["row"] for e in error["rows"]] == [2, 5]


def test_status_and_hours_keys_must_be_in_persons(loaded, tmp_path):
    (error,) = refused(
        loaded, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, [*STATUS, ("k-999", "202001", "111")])
    )
    assert error["field"] == "person_key"
    assert error["message"] == "Rækker med en nøgle, som ikke står i personfilen: 1."
    assert error["rows"] == [{"row": 5, "values": {"person_key": "k-999", "week": "202001", "benefit_code": "111"}}]
    (error,) = refused(loaded, "hours", write_csv(tmp_path / "h.csv", HOURS_HEADER, [("x", "2020-01", "1"), *HOURS]))
    assert (error["field"], error["rows"][0]["row"]) == ("person_key", 1)


def test_status_before_persons_is_refused(register, tmp_path):
    (error,) = refused(register, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, STATUS))
    assert error["field"] == "person_key"
    assert error["message"] == "Indlæs personfilen først: nøglerne kontrolleres mod den."


def test_unknown_benefit_codes_are_listed(loaded, tmp_path):
    rows = [*STATUS, ("k-003", "202001", "999"), ("k-003", "202002", "999"), ("k-003", "202003", "X1")]
    path = write_csv(tmp_path / "s.csv", STATUS_HEADER, rows)
    (error,) = refused(loaded, "status", path, known_codes={"111", "890", "783"})
    assert error["field"] == "benefit_code"
    assert error["message"] == "Ydelseskoder, der ikke er i kodelisten (rækker): 999 (2), X1 (1)."
    assert [e["row"] for e in error["rows"]] == [5, 6, 7]
    assert import_delivery(loaded, "status", path, known_codes={"111", "890", "783", "999", "X1"}).rows == 7


def test_a_mapping_with_the_catch_all_code_takes_every_other_code(loaded, tmp_path):
    rows = [*STATUS, ("k-003", "202001", "999"), ("k-003", "202002", "X1")]
    path = write_csv(tmp_path / "s.csv", STATUS_HEADER, rows)
    assert import_delivery(loaded, "status", path, known_codes={"111", "*"}).rows == 6


@pytest.mark.parametrize(
    "month, hours, field, message",
    [
        ("2024-13", "1", "month", "Måneden skal skrives ÅÅÅÅ-MM (fx 2024-05)"),
        ("202401", "1", "month", "Måneden skal skrives ÅÅÅÅ-MM (fx 2024-05)"),
        ("2024-1", "1", "month", "Måneden skal skrives ÅÅÅÅ-MM (fx 2024-05)"),
        ("", "1", "month", "Måneden skal skrives ÅÅÅÅ-MM (fx 2024-05)"),
        ("2024-03", "ti", "paid_hours", "De betalte timer skal være et tal (fx 37,5)."),
        ("2024-03", "", "paid_hours", "De betalte timer skal være et tal (fx 37,5)."),
        ("2024-03", "-1", "paid_hours", "De betalte timer kan ikke være negative."),
        ("2024-03", "744,5", "paid_hours", "Mere end 744 betalte timer på en måned er ikke troværdigt."),
    ],
)
def test_bad_hours_are_refused(loaded, tmp_path, month, hours, field, message):
    rows = [*HOURS, ("k-002", month, hours)]
    (error,) = refused(loaded, "hours", write_csv(tmp_path / "h.csv", HOURS_HEADER, rows))
    assert error["field"] == field
    assert error["message"].startswith(message)
    assert error["rows"][0]["row"] == 4


def test_a_month_twice_for_the_same_person_is_refused(loaded, tmp_path):
    rows = [*HOURS, ("k-001", "2024-01", "1")]
    (error,) = refused(loaded, "hours", write_csv(tmp_path / "h.csv", HOURS_HEADER, rows))
    assert error["field"] == "month"
    assert error["message"] == "Den samme nøgle og måned står på mere end én række."


def test_744_hours_is_the_most_accepted(loaded, tmp_path):
    import_delivery(loaded, "hours", write_csv(tmp_path / "h.csv", HOURS_HEADER, [("k-001", "2024-01", "744")]))
    assert connect(loaded).sql("SELECT paid_hours FROM hours").fetchall() == [(744.0,)]


def test_a_persons_file_must_keep_the_keys_the_other_files_use(loaded, tmp_path):
    (error,) = refused(loaded, "persons", write_csv(tmp_path / "p.csv", PERSONS_HEADER, PERSONS[:2]))
    assert error["field"] == "person_key"
    assert error["message"].startswith(
        "1 nøgler, som bruges i filen med ugentlig ydelsesstatus, mangler i denne personfil"
    )


def test_unreadable_files_are_refused(register, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(PERSONS_HEADER + "\na;1980;K;dansk\n", encoding="utf-8")
    (error,) = refused(register, "persons", path)
    assert error["field"] == "" and error["message"].startswith("Filen kan ikke læses:")
    path.write_bytes((PERSONS_HEADER + "\n").encode() + "ø;1980;K;dansk;101\n".encode("latin-1"))
    (error,) = refused(register, "persons", path)
    assert error["message"].startswith("Filen kan ikke læses:")
    path.write_bytes("person_key;fødselsår".encode("latin-1") + b"\n")
    (error,) = refused(register, "persons", path)
    assert error["message"] == "Filen er hverken UTF-8-tekst (CSV) eller Parquet."
    path.write_text(PERSONS_HEADER + "\n", encoding="utf-8")
    (error,) = refused(register, "persons", path)
    assert error["message"] == "Filen har ingen rækker."


def test_the_size_and_the_rows_are_bounded(register, tmp_path):
    path = write_csv(tmp_path / "p.csv", PERSONS_HEADER, PERSONS)
    (error,) = refused(register, "persons", path, max_bytes=path.stat().st_size - 1)
    assert (
        error["message"]
        == f"Filen fylder {path.stat().st_size} byte; der kan højst indlæses {path.stat().st_size - 1} byte."
    )
    (error,) = refused(register, "persons", path, max_rows=2)
    assert error["message"] == "Filen har mere end 2 rækker; der kan højst indlæses 2 rækker."
    assert import_delivery(register, "persons", path, max_rows=3, max_bytes=path.stat().st_size).rows == 3
    write_parquet(
        tmp_path / "s.parquet",
        {"person_key": ["k-001"] * 3, "week": [202001, 202002, 202003], "benefit_code": ["111"] * 3},
    )
    (error,) = refused(register, "status", tmp_path / "s.parquet", max_rows=2)
    assert error["message"] == "Filen har mere end 2 rækker; der kan højst indlæses 2 rækker."


# --- all or nothing, crashes, idempotency -----------------------------------------------------------------------


def test_a_failed_switch_leaves_the_old_generation_and_no_stray(loaded, tmp_path, monkeypatch):
    before = snapshot(loaded)

    def fail(directory, name):
        raise OSError("disk full")

    monkeypatch.setattr(panels, "_switch", fail)
    with pytest.raises(OSError):
        import_delivery(loaded, "hours", write_csv(tmp_path / "h2.csv", HOURS_HEADER, HOURS[:1]))
    assert current_generation(loaded) == "gen-3"
    assert snapshot(loaded) == before
    assert entries(loaded) == ["current", "gen-3", "lock"]


CRASH = textwrap.dedent(
    """
    import os, sys, django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobbro.settings")
    django.setup()
    from jobbro.effect import panels
    def crash(directory, name):
        os._exit(3)  # the process dies between writing the generation and switching to it
    panels._switch = crash
    panels.import_delivery(sys.argv[1], "hours", sys.argv[2])
    """
)


def test_a_crash_between_writing_and_switching_keeps_the_old_generation(loaded, tmp_path):
    before = snapshot(loaded)
    path = write_csv(tmp_path / "h2.csv", HOURS_HEADER, HOURS[:1])
    done = subprocess.run([sys.executable, "-c", CRASH, str(loaded), str(path)], cwd=Path(panels.__file__).parents[2])
    assert done.returncode == 3
    assert current_generation(loaded) == "gen-3"
    assert snapshot(loaded) == before
    assert entries(loaded) == ["current", "gen-3", "gen-4", "lock"]  # the stray
    assert connect(loaded).execute("SELECT count(*) FROM hours").fetchall() == [(3,)]
    # the next import removes the stray and goes on
    summary = import_delivery(loaded, "hours", path)
    assert summary.generation == "gen-4"
    assert entries(loaded) == ["current", "gen-4", "lock"]
    assert connect(loaded).execute("SELECT count(*) FROM hours").fetchall() == [(1,)]


def test_a_stray_staging_directory_is_removed_by_the_next_import(loaded, tmp_path):
    (loaded / ".staging-0123").mkdir()
    (loaded / ".staging-0123" / "status.parquet").write_bytes(b"half")
    (loaded / "current.abc.tmp").write_text("{")
    import_delivery(loaded, "hours", write_csv(tmp_path / "h2.csv", HOURS_HEADER, HOURS[:1]))
    assert entries(loaded) == ["current", "gen-4", "lock"]


def test_the_spill_directory_of_an_ended_process_is_removed_by_the_next_import(loaded, tmp_path):
    (loaded / ".tmp" / "4194999-dead").mkdir(parents=True)  # above Linux's largest process id
    (loaded / ".tmp" / f"{os.getpid()}-alive").mkdir()
    import_delivery(loaded, "hours", write_csv(tmp_path / "h2.csv", HOURS_HEADER, HOURS[:1]))
    assert sorted(p.name for p in (loaded / ".tmp").iterdir()) == [f"{os.getpid()}-alive"]


def test_two_imports_into_one_programme_wait_for_each_other(loaded, tmp_path):
    import fcntl
    import threading

    path = write_csv(tmp_path / "h2.csv", HOURS_HEADER, HOURS[:1])
    done = []
    with open(loaded / "lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another import is running
        waiting = threading.Thread(target=lambda: done.append(import_delivery(loaded, "hours", path)))
        waiting.start()
        waiting.join(timeout=1.0)
        assert done == [] and current_generation(loaded) == "gen-3"
        fcntl.flock(held, fcntl.LOCK_UN)
    waiting.join(timeout=30)
    assert [summary.generation for summary in done] == ["gen-4"]


def test_importing_the_same_file_twice_gives_the_same_content(loaded, tmp_path):
    path = write_csv(tmp_path / "s.csv", STATUS_HEADER, STATUS)
    con = connect(loaded)
    first = con.sql("SELECT * FROM status").fetchall()
    con.close()
    summary = import_delivery(loaded, "status", path)
    assert (summary.rows, summary.persons, summary.generation) == (4, 3, "gen-4")
    again = import_delivery(loaded, "status", path)
    assert (again.rows, again.persons, again.sha256) == (summary.rows, summary.persons, summary.sha256)
    assert connect(loaded).sql("SELECT * FROM status").fetchall() == first
    assert entries(loaded) == ["current", "gen-5", "lock"]


def test_the_other_kinds_are_hard_linked_not_copied(loaded, tmp_path):
    persons_before = os.stat(generation_path(loaded) / "persons.parquet").st_ino
    import_delivery(loaded, "hours", write_csv(tmp_path / "h2.csv", HOURS_HEADER, HOURS[:1]))
    assert os.stat(generation_path(loaded) / "persons.parquet").st_ino == persons_before


# --- properties -------------------------------------------------------------------------------------------------

keys = st.from_regex(r"[A-Za-z_-][A-Za-z0-9_-]{0,11}", fullmatch=True)
iso_weeks = st.dates(datetime.date(1980, 1, 7), datetime.date(2099, 12, 21)).map(
    lambda d: d - datetime.timedelta(days=d.weekday())
)
codes = st.sampled_from(["111", "651", "783", "890", "X7"])


def yyyyww(monday):
    year, week, _day = monday.isocalendar()
    return f"{year}{week:02d}"


@st.composite
def deliveries(draw):
    people = draw(st.lists(keys, min_size=1, max_size=6, unique=True))
    persons = [
        (
            key,
            str(draw(st.integers(1900, 2020))),
            draw(st.sampled_from(["M", "K"])),
            draw(st.sampled_from(["dansk", "indvandrer", "efterkommer"])),
            str(draw(st.integers(100, 999))),
        )
        for key in people
    ]
    weeks = draw(st.lists(st.tuples(st.sampled_from(people), iso_weeks), max_size=25, unique=True).filter(lambda w: w))
    status = [(key, monday, draw(codes)) for key, monday in weeks]
    in_file_order = draw(st.sampled_from(["sorted", "as drawn"]))
    if in_file_order == "sorted":
        status.sort(key=lambda row: (row[0].encode(), row[1]))
    return persons, status, draw(st.sampled_from([";", ","]))


BAD_STATUS_VALUES = {
    "person_key": ["nobody", "", "0101801234"],
    "week": ["202454", "1979-01", "", "2021530"],
    "benefit_code": ["", "999"],
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deliveries(), st.data())
def test_any_valid_delivery_round_trips_and_any_corrupt_row_is_refused(delivery, data):
    persons, status, delimiter = delivery
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        register = tmp / "programme-1"
        import_delivery(register, "persons", write_csv(tmp / "p.csv", PERSONS_HEADER, persons, delimiter))
        rows = [(key, yyyyww(monday), code) for key, monday, code in status]
        summary = import_delivery(
            register, "status", write_csv(tmp / "s.csv", STATUS_HEADER, rows, delimiter), known_codes=KNOWN_CODES
        )
        assert (summary.rows, summary.persons) == (len(rows), len({key for key, _w, _c in rows}))
        import_delivery(register, "hours", write_csv(tmp / "h.csv", HOURS_HEADER, [(persons[0][0], "2024-01", "1")]))
        con = connect(register)
        expected_persons = sorted(((k, int(b), s, o, m) for k, b, s, o, m in persons), key=lambda row: row[0].encode())
        assert con.execute("SELECT * FROM persons").fetchall() == expected_persons
        stored = con.execute("SELECT * FROM status").fetchall()
        assert stored == sorted(status, key=lambda row: (row[0].encode(), row[1]))
        con.close()

        # Corrupt one row of a delivery: refused, and the generation stays as it was.
        before = snapshot(register)
        index = data.draw(st.integers(0, len(rows) - 1))
        field = data.draw(st.sampled_from(sorted(BAD_STATUS_VALUES)))
        value = data.draw(st.sampled_from(BAD_STATUS_VALUES[field]))
        bad = list(rows[index])
        bad[panels.COLUMNS["status"].index(field)] = value
        corrupt = rows[:index] + [tuple(bad)] + rows[index + 1 :]
        with translation.override("da"), pytest.raises(PanelError) as caught:
            import_delivery(
                register,
                "status",
                write_csv(tmp / "bad.csv", STATUS_HEADER, corrupt, delimiter),
                known_codes=KNOWN_CODES,
            )
        assert field in {e["field"] for e in caught.value.errors}
        assert any(example["row"] == index + 1 for e in caught.value.errors for example in e["rows"])
        assert snapshot(register) == before
        assert current_generation(register) == "gen-3"


def test_a_parquet_delivery_is_checked_like_a_csv_one(loaded, tmp_path):
    write_parquet(
        tmp_path / "s.parquet",
        {
            "person_key": ["k-001", "k-002"],
            "week": pa.array([datetime.date(2024, 1, 1), datetime.date(2024, 1, 8)], pa.date32()),
            "benefit_code": ["111", "111"],
        },
    )
    (error,) = refused(loaded, "status", tmp_path / "s.parquet")
    assert error["field"] == "week"
    assert [e["row"] for e in error["rows"]] == [1, 2]
    write_parquet(
        tmp_path / "h.parquet",
        {"person_key": ["k-001", "k-002"], "month": ["2024-01", "2024-02"], "paid_hours": [10.5, -2.0]},
    )
    (error,) = refused(loaded, "hours", tmp_path / "h.parquet")
    assert (error["field"], error["message"]) == ("paid_hours", "De betalte timer kan ikke være negative.")
    assert error["rows"] == [{"row": 2, "values": {"person_key": "k-002", "month": "2024-02", "paid_hours": -2.0}}]


def test_a_csv_with_a_byte_order_mark_and_windows_line_ends_is_read(register, tmp_path):
    path = tmp_path / "p.csv"
    text = "\r\n".join([PERSONS_HEADER] + [";".join(row) for row in PERSONS]) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert import_delivery(register, "persons", path).rows == 3
    import_delivery(register, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, STATUS))
    import_delivery(register, "hours", write_csv(tmp_path / "h.csv", HOURS_HEADER, HOURS))
    assert connect(register).execute("SELECT person_key, municipality_code FROM persons").fetchall() == [
        ("k-001", "751"),
        ("k-002", "101"),
        ("k-003", "730"),
    ]


def test_a_file_that_is_neither_csv_nor_parquet_is_refused(register, tmp_path):
    path = tmp_path / "p.parquet"
    path.write_bytes(b"PAR1 not really")
    (error,) = refused(register, "persons", path)
    assert error["field"] == "" and error["message"].startswith("Filen kan ikke læses som Parquet:")


def test_many_unknown_codes_are_listed_thirty_at_a_time(loaded, tmp_path):
    rows = [("k-001", f"2020{week:02d}", f"C{week:02d}") for week in range(1, 36)]
    (error,) = refused(loaded, "status", write_csv(tmp_path / "s.csv", STATUS_HEADER, rows), known_codes={"111"})
    assert error["field"] == "benefit_code"
    assert error["message"].startswith("Ydelseskoder, der ikke er i kodelisten (rækker): C01 (1), C02 (1),")
    assert "C30 (1)." in error["message"] and "C31" not in error["message"]
    assert error["message"].endswith("Og 5 koder mere.")
    assert len(error["rows"]) == 5


def test_a_cpr_number_in_an_unreadable_line_is_not_repeated_in_the_error(register, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(PERSONS_HEADER + "\na;1980;K;dansk;101\n0101801234;1980;K;dansk;101;x;y\n", encoding="utf-8")
    (error,) = refused(register, "persons", path)
    assert error["message"].startswith("Filen kan ikke læses:")
    assert "0101801234" not in json.dumps(error)
    assert "Line: 3" in error["message"] and "strict_mode" not in error["message"]


def test_a_value_that_is_not_a_finite_number_is_shown_as_text(loaded, tmp_path):
    write_parquet(
        tmp_path / "h.parquet",
        {"person_key": ["k-001", "k-002"], "month": ["2024-01", "2024-02"], "paid_hours": [10.0, float("nan")]},
    )
    (error,) = refused(loaded, "hours", tmp_path / "h.parquet")
    assert error["field"] == "paid_hours"
    assert error["rows"] == [{"row": 2, "values": {"person_key": "k-002", "month": "2024-02", "paid_hours": "nan"}}]
    json.dumps(error, allow_nan=False)  # storable as JSON in PostgreSQL


def test_a_file_without_a_header_row_does_not_repeat_a_cpr_number_as_a_column_name(register, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("0101801234;1980;K;dansk;101\n", encoding="utf-8")
    errors = refused(register, "persons", path)
    assert {e["field"] for e in errors} >= {"person_key", "**********"}
    assert "0101801234" not in json.dumps(errors)
