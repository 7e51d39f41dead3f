"""Uploaded files at rest: encrypted with the CPR keys, 0600 while a worker reads them, deleted when no longer needed,
expired after the retention period; and after importing a file of CPR numbers none is in clear anywhere."""

import datetime
import io
import stat
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from jobbro.conftest import make_cpr
from jobbro.imports import storage
from jobbro.imports.models import ImportFile, ImportFileChunk, ImportRun
from jobbro.imports.tests.helpers import csv_bytes, example_sheets
from jobbro.people.models import Citizen

pytestmark = pytest.mark.django_db


def citizens_csv(numbers):
    header, example = example_sheets(["citizens"])["Borgere"]
    cpr_column = header.index("CPR-nummer")
    rows = []
    for number in numbers:
        row = list(example)
        row[cpr_column] = number
        rows.append(row)
    return csv_bytes([header, *rows])


def test_a_file_is_kept_only_as_fernet_tokens_in_pieces(settings):
    data = b"0101901234;" * 300_000  # 3.3 MB: four pieces
    stored = storage.store("borgere.csv", [data[i : i + 65536] for i in range(0, len(data), 65536)])
    tokens = list(ImportFileChunk.objects.filter(file=stored).order_by("index").values_list("token", flat=True))
    assert len(tokens) == 4 and (stored.size, stored.name) == (len(data), "borgere.csv")
    assert all(b"0101901234" not in bytes(t) and bytes(t).startswith(b"gAAAAA") for t in tokens)
    retention = stored.expires_at - stored.created_at
    assert abs(retention - datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS)) < datetime.timedelta(seconds=5)
    with storage.decrypted(stored) as path:
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.exists()


def test_the_clear_temporary_file_is_deleted_when_reading_fails():
    stored = storage.store("borgere.csv", [b"x"])
    with pytest.raises(RuntimeError), storage.decrypted(stored) as path:
        raise RuntimeError
    assert not path.exists()


def test_a_file_encrypted_under_an_older_key_is_read_after_the_keys_rotate(settings):
    from cryptography.fernet import Fernet

    stored = storage.store("borgere.csv", [b"0101901234"])
    settings.CPR_KEYS = [Fernet.generate_key().decode(), *settings.CPR_KEYS]
    with storage.decrypted(stored) as path:
        assert path.read_bytes() == b"0101901234"


def _run(stored, *, dry_run, status):
    run = ImportRun.objects.create(file_name=stored.name, file_sha256=stored.sha256, dry_run=dry_run, status=status)
    run.uploads.add(stored)
    return run


@pytest.mark.parametrize(
    ("runs", "kept"),
    [
        ([(True, "done")], True),  # waiting for the real import
        ([(True, "rejected")], False),
        ([(True, "failed")], False),
        ([(True, "done"), (False, "done")], False),  # imported
        ([(True, "done"), (False, "rejected")], False),
        ([(True, "done"), (False, "failed")], True),  # the dry run may be imported again
    ],
)
def test_a_finished_runs_file_is_deleted_unless_the_real_import_may_still_come(runs, kept):
    stored = storage.store("borgere.csv", [b"data"])
    made = [_run(stored, dry_run=dry_run, status=status) for dry_run, status in runs]
    storage.release(made[-1])
    assert ImportFile.objects.filter(pk=stored.pk).exists() is kept
    assert ImportFileChunk.objects.exists() is kept


def test_files_past_their_retention_and_files_left_in_clear_by_an_older_version_are_deleted(settings):
    old = storage.store("gammel.csv", [b"data"])
    fresh = storage.store("ny.csv", [b"data"])
    ImportFile.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    legacy = Path(settings.DATA_DIR) / "imports"
    legacy.mkdir()
    (legacy / ("0" * 64 + ".csv")).write_bytes(b"0101901234")
    out = io.StringIO()
    with translation.override("da"):
        call_command("expire_import_files", stdout=out)
    assert out.getvalue().strip() == "2 udløbne importfiler slettet."
    assert list(ImportFile.objects.all()) == [fresh] and not legacy.exists()


def _everything_in_the_database():
    """Every value of every row of every table, as bytes."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        yield bytes(value)
                    elif value is not None:
                        yield str(value).encode()


def _in_clear(numbers, blobs):
    needles = {n.encode() for n in numbers} | {f"{n[:6]}-{n[6:]}".encode() for n in numbers}
    return sorted({needle.decode() for blob in blobs for needle in needles if needle in blob})


def _files_under(folder):
    return [path.read_bytes() for path in Path(folder).rglob("*") if path.is_file()]


def test_after_importing_cpr_numbers_through_the_page_and_the_command_none_is_in_clear(
    client, coordinator, programme, settings, tmp_path_factory
):
    page_numbers = [make_cpr() for _ in range(5)]
    client.force_login(coordinator)
    client.post(
        reverse("import_new"),
        {"file": SimpleUploadedFile("borgere.csv", citizens_csv(page_numbers)), "programme": programme.pk},
    )
    dry = ImportRun.objects.get()
    assert dry.status == "done"
    client.post(reverse("import_confirm", kwargs={"pk": dry.pk}))
    cli_numbers = [make_cpr(dashed=True) for _ in range(5)]
    path = tmp_path_factory.mktemp("outside") / "borgere.csv"  # not under the data directory
    path.write_bytes(citizens_csv(cli_numbers))
    call_command(
        "import", str(path), "--user", coordinator.username, "--programme", programme.name, stdout=io.StringIO()
    )
    numbers = page_numbers + [n.replace("-", "") for n in cli_numbers]
    assert Citizen.objects.count() == 10 and ImportRun.objects.filter(status="done").count() == 3
    assert _in_clear(numbers, _everything_in_the_database()) == []
    data_dir = Path(settings.DATA_DIR)
    assert _in_clear(numbers, _files_under(data_dir)) == []
    assert not list(Path(tempfile.gettempdir()).glob("jobbro-import-*"))
    assert _in_clear(cli_numbers, [path.read_bytes()]) == sorted(cli_numbers)  # the search finds them where they are
