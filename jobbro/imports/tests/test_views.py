"""The import pages: who may use them, the dry run then the real run, the record of each import."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jobbro.audit.models import ChangeLog
from jobbro.cases.models import Placement
from jobbro.imports import schemas, tasks
from jobbro.imports.models import ImportFile, ImportRun
from jobbro.imports.tests.helpers import example_sheets, workbook
from jobbro.people.models import Citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(programme, site, alice, caseworker, coordinator):
    return coordinator


def upload(client, data, name="historik.xlsx", **extra):
    return client.post(reverse("import_new"), {"file": SimpleUploadedFile(name, data), **extra})


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "manager", "evaluator"])
def test_only_coordinators_and_administrators_reach_the_import_pages(client, staff, who, cast):
    run = ImportRun.objects.create(user=cast, file_name="x.xlsx", file_sha256="0" * 64)
    client.force_login(getattr(staff, who))
    for url in (
        reverse("import_list"),
        reverse("import_new"),
        reverse("import_detail", kwargs={"pk": run.pk}),
        reverse("import_progress", kwargs={"pk": run.pk}),
        reverse("import_template", kwargs={"kind": "citizens"}),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("import_confirm", kwargs={"pk": run.pk})).status_code == 404
    assert upload(client, workbook(example_sheets())).status_code == 404
    assert ImportRun.objects.count() == 1 and Citizen.objects.count() == 0


@pytest.mark.parametrize("who", ["coordinator", "administrator"])
def test_the_menu_offers_import_to_coordinators_and_administrators(client, staff, who):
    client.force_login(getattr(staff, who))
    assert reverse("import_list") in client.get(reverse("result_goals")).content.decode()
    assert client.get(reverse("import_list")).status_code == 200


def test_the_menu_hides_import_from_a_job_broker(client, alice):
    client.force_login(alice)
    assert reverse("import_list") not in client.get(reverse("result_goals")).content.decode()


def test_upload_dry_run_then_import_records_both_runs_with_the_file_hash(client, cast):
    client.force_login(cast)
    data = workbook(example_sheets())
    response = upload(client, data)
    dry = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("import_detail", kwargs={"pk": dry.pk})
    assert (dry.dry_run, dry.status, dry.user, dry.file_name) == (True, "done", cast, "historik.xlsx")
    assert dry.file_sha256 == hashlib.sha256(data).hexdigest()
    kept = dry.uploads.get()  # kept for the real import, encrypted
    assert (kept.sha256, kept.size) == (dry.file_sha256, len(data))
    assert not any(data[:64] in bytes(token) for token in kept.chunks.values_list("token", flat=True))
    assert Citizen.objects.count() == 0  # a dry run writes nothing
    page = client.get(response.url).content.decode()
    assert 'data-sheet="citizens"' in page and 'id="confirm-import"' in page
    response = client.post(reverse("import_confirm", kwargs={"pk": dry.pk}))
    real = ImportRun.objects.get(dry_run=False)
    assert response.url == reverse("import_detail", kwargs={"pk": real.pk})
    assert (real.status, real.file_sha256, real.counts["placements"]["created"]) == ("done", dry.file_sha256, 1)
    assert Placement.objects.count() == 1
    assert not ImportFile.objects.exists()  # imported: the file is deleted
    log = ChangeLog.objects.get(action="import")
    assert (log.user, log.object_id, log.changes["file_sha256"]) == (cast, str(real.pk), dry.file_sha256)
    # The dry run cannot be imported a second time.
    assert 'id="confirm-import"' not in client.get(reverse("import_detail", kwargs={"pk": dry.pk})).content.decode()
    client.post(reverse("import_confirm", kwargs={"pk": dry.pk}))
    assert ImportRun.objects.filter(dry_run=False).count() == 1


def test_a_dry_run_with_rejected_rows_shows_them_and_offers_no_import(client, cast):
    client.force_login(cast)
    sheets = example_sheets()
    sheets["Timer"][1][sheets["Timer"][0].index("Ordinære timer")] = "99"
    upload(client, workbook(sheets))
    run = ImportRun.objects.get()
    assert run.status == "rejected"
    assert run.rejected == [
        {"sheet": "Timer", "row": 2, "column": "Ordinære timer", "reason": run.rejected[0]["reason"]}
    ]
    page = client.get(reverse("import_detail", kwargs={"pk": run.pk})).content.decode()
    assert 'id="rejected-rows"' in page and 'data-row="2"' in page and "Ordinære timer" in page
    assert 'id="confirm-import"' not in page
    client.post(reverse("import_confirm", kwargs={"pk": run.pk}))
    assert not ImportRun.objects.filter(dry_run=False).exists() and Citizen.objects.count() == 0


def test_a_run_in_progress_is_polled_every_second_and_reloads_when_done(client, cast):
    client.force_login(cast)
    run = ImportRun.objects.create(
        user=cast,
        file_name="x.xlsx",
        file_sha256="0" * 64,
        status="running",
        total_rows=100,
        rows_done=40,
        phase="rows",
        heartbeat_at=timezone.now(),
        worker=tasks.this_worker(),
    )
    page = client.get(reverse("import_detail", kwargs={"pk": run.pk})).content.decode()
    assert 'hx-trigger="every 1s"' in page and '<progress id="import-progress-bar" max="100" value="40">' in page
    fragment = client.get(reverse("import_progress", kwargs={"pk": run.pk}))
    assert 'value="40"' in fragment.content.decode() and "<html" not in fragment.content.decode()
    ImportRun.objects.filter(pk=run.pk).update(status="done")
    finished = client.get(reverse("import_progress", kwargs={"pk": run.pk}))
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"


def test_a_coordinator_sees_runs_of_their_programmes_not_others(client, cast, charlie, other_programme, administrator):
    mine = ImportRun.objects.create(user=cast, file_name="mine.xlsx", file_sha256="1" * 64)
    theirs = ImportRun.objects.create(
        user=administrator, programme=other_programme, file_name="theirs.xlsx", file_sha256="2" * 64
    )
    client.force_login(cast)
    assert client.get(reverse("import_detail", kwargs={"pk": mine.pk})).status_code == 200
    assert client.get(reverse("import_detail", kwargs={"pk": theirs.pk})).status_code == 404
    assert "theirs.xlsx" not in client.get(reverse("import_list")).content.decode()


@pytest.mark.parametrize("kind", schemas.ORDER)
def test_a_template_per_sheet_with_danish_headers_an_example_and_an_explanation(client, cast, kind):
    client.force_login(cast)
    response = client.get(reverse("import_template", kwargs={"kind": kind}))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    sheet = schemas.BY_KIND[kind]
    assert book.sheetnames == [sheet.da, "Forklaring"]
    rows = list(book[sheet.da].iter_rows(values_only=True))
    assert list(rows[0]) == [c.da for c in sheet.columns] and len(rows) == 2
    assert [r[0] for r in book["Forklaring"].iter_rows(min_row=2, values_only=True)] == [c.da for c in sheet.columns]


def test_the_command_imports_dry_runs_and_refuses_bad_files(cast, tmp_path, programme):
    path = tmp_path / "historik.xlsx"
    path.write_bytes(workbook(example_sheets()))
    out = io.StringIO()
    call_command("import", str(path), "--dry-run", "--user", "kim", stdout=out)
    assert "Borgere" in out.getvalue() and Citizen.objects.count() == 0
    call_command("import", str(path), "--user", "kim", "--programme", "job i nordvest", stdout=io.StringIO())
    assert Citizen.objects.count() == 1
    run = ImportRun.objects.get(dry_run=False)
    assert (run.user, run.programme, run.status, run.file_sha256) == (
        cast,
        programme,
        "done",
        hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    bad = example_sheets(["citizens"])
    bad["Borgere"][1][0] = "nope"
    path.write_bytes(workbook(bad))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(path), stdout=out)
    assert "Borgere, række 2, CPR-nummer" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import", str(path), "--user", "alice")  # a job broker may not import


def test_docs_describe_every_column_of_every_sheet():
    from django.conf import settings

    text = (settings.BASE_DIR / "docs" / "import.md").read_text()
    for sheet in schemas.SHEETS:
        assert f"### {sheet.da} / {sheet.en}" in text
        for column in sheet.columns:
            assert f"| {column.da} | {column.en}" in text, (sheet.kind, column.name)
    assert schemas.markdown() in text, "run `manage.py import_docs` after changing the schemas"
