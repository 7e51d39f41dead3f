"""A run whose worker is gone is found by its heartbeat (or, on this machine, by its process), marked failed with a
Danish reason, and its dry run may be imported again; a run whose worker lives is left alone."""

import datetime
import subprocess

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from jobbro.imports import storage, tasks
from jobbro.imports.models import ImportFile, ImportRun
from jobbro.imports.tests.helpers import example_sheets, workbook

pytestmark = pytest.mark.django_db
LOST = (
    "Importen stoppede: den worker, der kørte den ({worker}), stoppede uden at blive færdig, så intet blev "
    "skrevet. Start den igen."
)


def dead_worker():
    """host:pid of a process that has ended, on this machine."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{tasks.this_worker().rpartition(':')[0]}:{process.pid}"


@pytest.fixture
def dry_run(coordinator, programme):
    stored = storage.store("historik.xlsx", [workbook(example_sheets(["companies", "citizens"]))])
    run = ImportRun.objects.create(
        user=coordinator,
        programme=programme,
        file_name=stored.name,
        file_sha256=stored.sha256,
        status="done",
        dry_run=True,
    )
    run.uploads.add(stored)
    return run


def real_run(dry, *, worker, heartbeat_age):
    run = ImportRun.objects.create(
        user=dry.user,
        programme=dry.programme,
        file_name=dry.file_name,
        dry_run=False,
        file_sha256=dry.file_sha256,
        status="running",
        worker=worker,
        phase="rows",
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=heartbeat_age),
    )
    run.uploads.set(dry.uploads.all())
    return run


def test_a_run_whose_worker_process_ended_fails_on_page_view_and_its_dry_run_can_be_imported_again(
    client, coordinator, dry_run
):
    worker = dead_worker()
    lost = real_run(dry_run, worker=worker, heartbeat_age=0)
    client.force_login(coordinator)
    assert 'id="confirm-import"' not in client.get(reverse("import_detail", kwargs={"pk": dry_run.pk})).content.decode()
    with translation.override("da"):
        page = client.get(reverse("import_detail", kwargs={"pk": lost.pk})).content.decode()
    lost.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", LOST.format(worker=worker))
    assert 'hx-trigger="every 1s"' not in page and LOST.format(worker=worker) in page
    assert ImportFile.objects.count() == 1  # kept for the next try
    assert 'id="confirm-import"' in client.get(reverse("import_detail", kwargs={"pk": dry_run.pk})).content.decode()
    client.post(reverse("import_confirm", kwargs={"pk": dry_run.pk}))
    again = ImportRun.objects.filter(dry_run=False).latest("pk")
    assert again.pk != lost.pk and again.status == "done"
    assert not ImportFile.objects.exists()  # imported: now the file goes


def test_a_silent_heartbeat_from_another_machine_fails_the_run_when_polled(client, coordinator, dry_run, settings):
    lost = real_run(dry_run, worker="worker-2.kommune.dk:4242", heartbeat_age=settings.IMPORT_STALE_SECONDS + 1)
    client.force_login(coordinator)
    response = client.get(reverse("import_progress", kwargs={"pk": lost.pk}))
    assert response.status_code == 204 and response["HX-Refresh"] == "true"  # polling stops: the page reloads
    lost.refresh_from_db()
    assert lost.status == "failed"


def test_a_run_with_a_recent_heartbeat_from_another_machine_is_left_running(client, coordinator, dry_run, settings):
    alive = real_run(dry_run, worker="worker-2.kommune.dk:4242", heartbeat_age=settings.IMPORT_STALE_SECONDS - 5)
    client.force_login(coordinator)
    fragment = client.get(reverse("import_progress", kwargs={"pk": alive.pk})).content.decode()
    alive.refresh_from_db()
    assert alive.status == "running" and 'hx-trigger="every 1s"' in fragment and 'data-phase="rows"' in fragment
    assert 'id="confirm-import"' not in client.get(reverse("import_detail", kwargs={"pk": dry_run.pk})).content.decode()


def test_a_live_worker_on_this_machine_with_a_silent_heartbeat_is_lost_except_on_sqlite(dry_run, settings):
    """SQLite has one writer: while the import writes, its heartbeat cannot, and the worker's process says it lives.
    PostgreSQL takes the heartbeat from a connection of its own, so there silence means a hung worker."""
    running = real_run(dry_run, worker=tasks.this_worker(), heartbeat_age=settings.IMPORT_STALE_SECONDS * 10)
    on_sqlite = connection.vendor == "sqlite"
    assert tasks.fail_lost_runs() == (0 if on_sqlite else 1)
    running.refresh_from_db()
    assert running.status == ("running" if on_sqlite else "failed")


def test_the_periodic_sweep_fails_lost_runs_and_deletes_expired_files(dry_run, settings):
    lost = real_run(dry_run, worker="worker-2.kommune.dk:4242", heartbeat_age=settings.IMPORT_STALE_SECONDS + 1)
    expired = storage.store("gammel.csv", [b"data"])
    ImportFile.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    tasks.sweep()
    lost.refresh_from_db()
    assert lost.status == "failed" and list(ImportFile.objects.all()) == list(dry_run.uploads.all())


def test_a_waiting_run_says_so_and_is_polled_a_finished_one_is_not(client, coordinator, dry_run):
    waiting = ImportRun.objects.create(user=coordinator, file_name="x.csv", file_sha256="0" * 64)
    client.force_login(coordinator)
    with translation.override("da"):
        page = client.get(reverse("import_detail", kwargs={"pk": waiting.pk})).content.decode()
    assert "Venter på, at en worker starter importen." in page and 'hx-trigger="every 1s"' in page
    page = client.get(reverse("import_detail", kwargs={"pk": dry_run.pk})).content.decode()
    assert 'hx-trigger="every 1s"' not in page and 'id="confirm-import"' in page


def test_a_claimed_run_is_not_run_twice(dry_run):
    """Two workers may see the same task (or a command line runs a run no worker took): only one claims the run."""
    second = ImportRun.objects.create(file_name=dry_run.file_name, file_sha256=dry_run.file_sha256, dry_run=True)
    second.uploads.set(dry_run.uploads.all())
    assert tasks.claim(second.pk) is True
    assert tasks.claim(second.pk) is False
    tasks.execute(second.pk)  # not pending: left alone
    second.refresh_from_db()
    assert (second.status, second.counts) == ("running", {})


def test_a_dry_run_whose_file_has_expired_cannot_be_imported_and_says_why(client, coordinator, dry_run):
    dry_run.uploads.all().delete()
    client.force_login(coordinator)
    with translation.override("da"):
        page = client.get(reverse("import_detail", kwargs={"pk": dry_run.pk})).content.decode()
    assert 'id="confirm-import"' not in page and 'id="file-gone"' in page
    client.post(reverse("import_confirm", kwargs={"pk": dry_run.pk}))
    assert not ImportRun.objects.filter(dry_run=False).exists()


def test_a_run_whose_file_cannot_be_decrypted_fails_instead_of_running_forever(dry_run, settings):
    from cryptography.fernet import Fernet

    run = ImportRun.objects.create(file_name=dry_run.file_name, file_sha256=dry_run.file_sha256, dry_run=False)
    run.uploads.set(dry_run.uploads.all())
    settings.CPR_KEYS = [Fernet.generate_key().decode()]  # the key it was stored under is gone
    with translation.override("da"):
        tasks.execute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and run.error.startswith("Importen fejlede; intet blev skrevet: InvalidToken")


def test_the_heartbeat_writes_the_progress_and_the_time_to_a_running_run_only(dry_run):
    running = real_run(dry_run, worker=tasks.this_worker(), heartbeat_age=60)
    heartbeat = tasks.Heartbeat(running.pk)
    heartbeat.progress(40, 100)
    before = timezone.now()
    heartbeat.write()
    running.refresh_from_db()
    assert (running.rows_done, running.total_rows, running.phase) == (40, 100, "rows")
    assert running.heartbeat_at >= before
    ImportRun.objects.filter(pk=running.pk).update(status="failed")
    heartbeat.progress(90, 100)
    heartbeat.write()
    running.refresh_from_db()
    assert running.rows_done == 40  # a run marked failed is not brought back to life
