"""Imports run on the task queue, in a worker process (`manage.py db_worker`), never in the web server.

`enqueue(run)` queues `run_import` once the run's row is committed. The worker claims the run (pending to running,
so a run is executed once however many workers see the task), decrypts its file into a temporary file only it can
read (imports/storage.py), and runs it. While it works, a Heartbeat thread writes the run's progress (phase, rows
done of the total) and a timestamp to its row about once a second, through a connection of its own so that the page
sees them while the import's transaction is still open.

A run whose heartbeat has been silent for settings.IMPORT_STALE_SECONDS has lost its worker (killed, or its machine
gone): `fail_lost_runs()` marks it failed with a Danish reason, and its dry run may be imported again. It is called
when the run's page is viewed and by the worker's periodic `sweep()`. On one machine a dead worker is seen at once by
its process id; and since SQLite has a single writer, whose lock the import holds while it writes (so the heartbeat
waits), a run on SQLite whose worker process is alive on this machine is never taken for lost.
"""

import contextlib
import logging

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jobbro import planner_statistics
from jobbro.heartbeat import HeartbeatThread, process_alive, this_worker
from jobbro.imports import runner, storage
from jobbro.imports.models import ImportRun

log = logging.getLogger(__name__)
ACTIVE = (ImportRun.Status.PENDING, ImportRun.Status.RUNNING)


def enqueue(import_run, language=None):
    """Queue the run for a worker. The database backend writes the task in the caller's transaction, so a worker
    sees the task and the run together or neither (no on_commit needed; the tests' immediate backend runs it here)."""
    run_import.enqueue(import_run.pk, language or translation.get_language() or settings.LANGUAGE_CODE)


@task()
def run_import(run_id, language):
    execute(run_id, language)


def claim(run_id):
    """Take a pending run for this process; False when another worker has it, or it has finished or failed."""
    now = timezone.now()
    return bool(
        ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.PENDING).update(
            status=ImportRun.Status.RUNNING, heartbeat_at=now, worker=this_worker()[:100], phase="reading"
        )
    )


def execute(run_id, language=None):
    """Run an import if it is still pending; its outcome (or failure) is written to its row."""
    if not claim(run_id):
        log.info("Import %s was not pending; left alone", run_id)
        return
    import_run = ImportRun.objects.get(pk=run_id)
    heartbeat = Heartbeat(run_id)
    heartbeat.start()
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            _execute(import_run, heartbeat)
    except Exception as error:
        log.exception("Import %s failed", run_id)
        with translation.override(language or settings.LANGUAGE_CODE):  # if it failed before runner.execute recorded it
            _fail(
                run_id,
                _("The import failed; nothing was written: %(error)s") % {"error": f"{type(error).__name__}: {error}"},
            )
    finally:
        heartbeat.stop()
        import_run.refresh_from_db()
        storage.release(import_run)


def _execute(import_run, heartbeat):
    uploads = list(import_run.uploads.order_by("pk"))
    if not uploads:
        _fail(
            import_run.pk,
            _(
                "The uploaded file is no longer kept (files are deleted after %(days)s days, and when "
                "their import is done); upload it again."
            )
            % {"days": settings.IMPORT_RETENTION_DAYS},
        )
        return
    with _decrypted_all(uploads) as files:
        result = runner.execute(import_run, files, kind=import_run.kind or None, progress=heartbeat.progress)
    if result.committed:
        planner_statistics.refresh()  # the rows went in in bulk: the query planner learns how many there are now


@contextlib.contextmanager
def _decrypted_all(uploads):
    """Every upload of a run decrypted into its own temporary file, each deleted when the block ends."""
    with contextlib.ExitStack() as stack:
        yield [(stored.name, stack.enter_context(storage.decrypted(stored))) for stored in uploads]


class Heartbeat(HeartbeatThread):
    """The import's rows done and phase, written beside its own transaction."""

    name = "import"

    def __init__(self, run_id):
        super().__init__(run_id)
        self.phase = "reading"

    def progress(self, done, total):
        super().progress(done, total)
        self.phase = "rows"

    def update(self):
        ImportRun.objects.filter(pk=self.run_id, status=ImportRun.Status.RUNNING).update(
            heartbeat_at=timezone.now(), rows_done=self.done, total_rows=self.total, phase=self.phase
        )


# --- Lost runs ---------------------------------------------------------------------------------------------------


def is_lost(import_run, now=None):
    """Whether a running import's worker is gone: its process has ended on this machine, or its heartbeat is older than
    settings.IMPORT_STALE_SECONDS (except on SQLite while the process lives: there the heartbeat waits for the lock)."""
    if import_run.status != ImportRun.Status.RUNNING:
        return False
    alive = process_alive(import_run.worker)
    if alive is False:
        return True
    if alive and connection.vendor == "sqlite":
        return False
    now = now or timezone.now()
    silent = (now - import_run.heartbeat_at).total_seconds() if import_run.heartbeat_at else float("inf")
    return silent > settings.IMPORT_STALE_SECONDS


def _fail(run_id, reason):
    failed = ImportRun.objects.filter(pk=run_id, status__in=ACTIVE).update(
        status=ImportRun.Status.FAILED, error=reason[:2000], finished_at=timezone.now(), phase=""
    )
    return bool(failed)


def fail_if_lost(import_run):
    """Mark the run failed when its worker is gone (see is_lost); True when it was."""
    if not is_lost(import_run):
        return False
    reason = _(
        "The import stopped: the worker running it (%(worker)s) stopped without finishing, so nothing was "
        "written. Start it again."
    ) % {"worker": import_run.worker or "?"}
    if _fail(import_run.pk, reason):
        import_run.refresh_from_db()
        storage.release(import_run)
        log.warning("Import %s lost its worker %s; marked failed", import_run.pk, import_run.worker)
        return True
    return False


def fail_lost_runs():
    return sum(fail_if_lost(run) for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING))


def sweep():
    """The worker's periodic job for imports: fail runs whose worker is gone, delete expired files."""
    lost = fail_lost_runs()
    expired = storage.expire()
    if lost or expired:
        log.info("Import sweep: %s lost runs failed, %s expired files deleted", lost, expired)
