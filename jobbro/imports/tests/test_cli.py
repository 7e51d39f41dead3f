"""`bin/jobbro import FILE` on files it cannot import: one line in Danish, a non-zero exit, nothing stored."""

import importlib
import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from jobbro.imports import tasks
from jobbro.imports.models import ImportFile, ImportRun

pytestmark = pytest.mark.django_db
Fejl = importlib.import_module("jobbro.imports.management.commands.import").Fejl
UTF8_ADVICE = "Gem arket som CSV (UTF-8), og importér den fil."


def refusal(*args):
    with translation.override("da"), pytest.raises(Fejl) as refused:
        call_command("import", *map(str, args))
    assert not ImportRun.objects.exists() and not ImportFile.objects.exists()
    return str(refused.value)


def import_as(user, programme, path, *options):
    """Run the import command in Danish as `user` into `programme`; returns what it wrote to stderr."""
    err = io.StringIO()
    with translation.override("da"):
        call_command(
            "import",
            str(path),
            "--user",
            user.username,
            "--programme",
            programme.name,
            *options,
            stdout=io.StringIO(),
            stderr=err,
        )
    return err


def test_a_missing_file(tmp_path):
    assert refusal(tmp_path / "borgere.csv") == f"Filen {tmp_path / 'borgere.csv'} findes ikke."


def test_a_folder(tmp_path):
    assert refusal(tmp_path) == f"{tmp_path} er ikke en fil."


@pytest.mark.parametrize("content", [b"", b"\r\n \r\n"])
def test_an_empty_file(tmp_path, content):
    path = tmp_path / "borgere.csv"
    path.write_bytes(content)
    assert refusal(path) == f"Filen {path} er tom."


def test_a_binary_file_named_csv(tmp_path):
    path = tmp_path / "borgere.csv"
    path.write_bytes(bytes(range(256)) * 4)
    assert (
        refusal(path) == f"borgere.csv er ikke en tekstfil (den ligner et program eller en projektmappe). {UTF8_ADVICE}"
    )


def test_a_csv_in_an_encoding_it_cannot_read(tmp_path):
    path = tmp_path / "borgere.csv"
    path.write_bytes(b"CPR-nummer;Fornavn\r\n0101901234;S\x81ren\r\n")
    assert refusal(path) == (
        f"borgere.csv kan ikke læses: den er hverken UTF-8- eller Windows-1252-tekst (byte 0x81 på "
        f"position 33). {UTF8_ADVICE}"
    )


def test_a_csv_named_xlsx(tmp_path):
    path = tmp_path / "borgere.xlsx"
    path.write_text("CPR-nummer;Fornavn\r\n")
    assert refusal(path) == f"{path} er ikke en projektmappe, jobbro kan læse (xlsx)."


def test_a_file_of_another_kind(tmp_path):
    path = tmp_path / "borgere.pdf"
    path.write_bytes(b"%PDF-1.7")
    assert refusal(path) == "Importér en xlsx- eller csv-fil."


def test_a_csv_in_windows_1252_is_read(tmp_path, programme, coordinator):
    """The denial's counterpart: Excel's "CSV" on a Danish Windows is imported, letters intact."""
    from jobbro.imports.tests.helpers import example_sheets

    header, row = example_sheets(["citizens"])["Borgere"]
    row = list(row)
    row[1] = "Søren"
    path = tmp_path / "borgere.csv"
    path.write_bytes((";".join(header) + "\r\n" + ";".join(str(c) for c in row) + "\r\n").encode("cp1252"))
    import_as(coordinator, programme, path)
    from jobbro.people.models import Citizen

    assert Citizen.objects.get().first_name == "Søren"
    assert ImportRun.objects.get().status == "done" and not ImportFile.objects.exists()


def test_from_the_shell_a_binary_file_is_one_danish_line_and_exit_status_1(tmp_path):
    path = tmp_path / "borgere.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00" + bytes(range(256)))
    env = {**os.environ, "JOBBRO_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "manage.py", "import", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip().splitlines()[-1]
        == f"Fejl: borgere.csv er ikke en tekstfil (den ligner et program eller en projektmappe). {UTF8_ADVICE}"
    )
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_with_no_worker_running_the_command_runs_the_import_itself(tmp_path, programme, coordinator, settings):
    from jobbro.imports.tests.helpers import csv_bytes, example_sheets

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, never run
    path = tmp_path / "borgere.csv"
    path.write_bytes(csv_bytes(example_sheets(["citizens"])["Borgere"]))
    err = import_as(coordinator, programme, path, "--wait-for-worker", "0")
    assert err.getvalue().strip() == "Ingen worker tog importen inden for 0 sekunder; den køres her."
    run = ImportRun.objects.get()
    assert run.status == "done" and run.worker == tasks.this_worker()
