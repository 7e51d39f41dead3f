"""Register imports run on the task queue, in a worker process (`manage.py db_worker`), never in the web server.

The register data page and `bin/jobbro import_register` store the delivery file under the programme's register
directory in incoming/ and queue the import once its row is committed (effect/actions.py queue_register_import).
The worker claims the row (queued to running, so an import runs once however many workers see the task), reads the
file into the programme's panels with the current benefit-code mapping's codes (jobbro/effect/panels.py
import_delivery: all or nothing), records the rows, persons and panel generation or the errors (per field, in the
language of whoever queued it), and deletes the file, whatever happened.

Nothing stays queued or running for ever: an import whose worker died is failed by `sweep()` (the worker's periodic
job) once it has been running for STALE_SECONDS, and an import queued for longer than that whose task is gone is
failed too; the file is deleted with it. A file in incoming/ that no import waits for is deleted after an hour.
"""

import datetime
import logging
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jobbro.effect import actions
from jobbro.effect.models import RegisterImport

log = logging.getLogger(__name__)
ACTIVE = (RegisterImport.State.QUEUED, RegisterImport.State.RUNNING)
# A register import of the benchmark's size (130 million weekly rows) takes minutes; one still running after this
# long has lost its worker.
STALE_SECONDS = 6 * 60 * 60


def enqueue(import_id, language=None):
    """Queue the import for a worker."""
    run_register_import.enqueue(import_id, language or translation.get_language() or settings.LANGUAGE_CODE)


def queue_on_commit(register_import):
    """Queue the import for a worker once its row (and file) is committed: a worker never sees a task without them."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: enqueue(register_import.pk, language))


@task()
def run_register_import(import_id, language):
    execute(import_id, language)


def claim(import_id):
    """Take a queued import for this process; False when another worker has it, or it has finished or failed."""
    return bool(
        RegisterImport.objects.filter(pk=import_id, state=RegisterImport.State.QUEUED).update(
            state=RegisterImport.State.RUNNING
        )
    )


def execute(import_id, language=None):
    """Run a queued import; its outcome (or failure) is written to its row, and its file is deleted."""
    if not claim(import_id):
        log.info("Register import %s was not queued; left alone", import_id)
        return None
    from jobbro.effect import panels  # DuckDB and PyArrow: loaded by the worker that imports, not by every sweep

    register_import = RegisterImport.objects.select_related("programme").get(pk=import_id)
    path = actions.incoming_path(register_import)
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            try:
                summary = _import(register_import, path)
            except panels.PanelError as error:
                _finish(import_id, RegisterImport.State.FAILED, errors=error.errors)
                return None
            except Exception as error:
                log.exception("Register import %s failed", import_id)
                _finish(
                    import_id,
                    RegisterImport.State.FAILED,
                    errors=[
                        _message(
                            _("The import failed; the register data is as it was: %(error)s")
                            % {"error": f"{type(error).__name__}: {error}"}
                        )
                    ],
                )
                return None
        _finish(
            import_id,
            RegisterImport.State.DONE,
            rows=summary.rows,
            persons=summary.persons,
            generation=summary.generation,
        )
        return summary
    finally:
        path.unlink(missing_ok=True)


def _import(register_import, path):
    from jobbro.effect import panels

    if not path.exists():
        raise panels.PanelError(
            [_message(_("The uploaded file is no longer there; upload it again."))]  # e.g. the disk was cleaned
        )
    known_codes = None
    if register_import.kind == RegisterImport.Kind.STATUS:
        mapping = actions.ensure_benefit_mapping()
        known_codes = set(mapping.codes.values_list("code", flat=True))
    return panels.import_delivery(
        actions.register_directory(register_import.programme), register_import.kind, path, known_codes=known_codes
    )


def _message(text, field=""):
    return {"field": field, "message": str(text), "rows": []}


def _finish(import_id, state, *, errors=(), rows=None, persons=None, generation=""):
    return bool(
        RegisterImport.objects.filter(pk=import_id, state__in=ACTIVE).update(
            state=state,
            errors=list(errors)[:50],
            rows=rows,
            persons=persons,
            generation=generation,
            finished_at=timezone.now(),
        )
    )


def fail_lost_imports(now=None):
    """Fail the imports queued or running for longer than STALE_SECONDS (their worker or task is gone) and delete
    their files; the number failed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=STALE_SECONDS)
    failed = 0
    for register_import in RegisterImport.objects.filter(state__in=ACTIVE, created_at__lt=cutoff).select_related(
        "programme"
    ):
        with translation.override(settings.LANGUAGE_CODE):
            reason = _(
                "The import stopped: no worker finished it within %(hours)s hours, so the register data is as it "
                "was. Upload the file again."
            ) % {"hours": STALE_SECONDS // 3600}
        if _finish(register_import.pk, RegisterImport.State.FAILED, errors=[_message(reason)]):
            actions.incoming_path(register_import).unlink(missing_ok=True)
            failed += 1
    return failed


INCOMING_FILE = re.compile(r"import-([0-9]+)-")
ORPHAN_SECONDS = 60 * 60


def remove_orphans(now=None):
    """Delete files in the programmes' incoming/ folders that no queued or running import waits for (left by an
    upload whose transaction was rolled back, or by a process killed while copying), once an hour old; the number
    deleted."""
    root = Path(settings.REGISTER_DIR)
    if not root.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - ORPHAN_SECONDS
    active = {str(pk) for pk in RegisterImport.objects.filter(state__in=ACTIVE).values_list("pk", flat=True)}
    removed = 0
    for path in root.glob("programme-*/incoming/*"):
        match = INCOMING_FILE.match(path.name)
        if match and match.group(1) in active:
            continue
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def sweep():
    """The worker's periodic job for register imports."""
    lost = fail_lost_imports()
    orphans = remove_orphans()
    if lost or orphans:
        log.info("Register import sweep: %s lost imports failed, %s stray files deleted", lost, orphans)
