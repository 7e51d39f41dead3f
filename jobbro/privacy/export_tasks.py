"""The citizen's data export runs on the task queue, in a worker process (`manage.py db_worker`), never in the web
server.

`queue_export_on_commit(data_export)` queues `prepare_export` once the requesting transaction commits (actions.py
request_export). The worker claims the row (queued to running, so an export is built once however many workers see
the task), builds the ZIP with export.py and keeps it as one Fernet token under the CPR keys (the MultiFernet of
jobbro/people/cpr.py, as uploaded import files are kept: rotating the keys covers it), never in clear at rest. The
worker's periodic `sweep` (settings.WORKER_PERIODIC_JOBS) fails the runs whose worker is gone (its process has ended
on this machine, or it has been running for EXPORT_STALE_SECONDS) and deletes the ZIPs past their expiry
(settings.PRIVACY_EXPORT_DAYS); the rows stay as the record of the requests.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jobbro.heartbeat import process_alive, this_worker
from jobbro.people import cpr
from jobbro.privacy.models import DataExport

log = logging.getLogger(__name__)
EXPORT_STALE_SECONDS = 15 * 60  # one citizen's export takes seconds; a run this old has lost its worker
ACTIVE = (DataExport.Status.QUEUED, DataExport.Status.RUNNING)


def _fernet():
    return cpr._fernet(tuple(settings.CPR_KEYS))  # the CPR keys' MultiFernet: one key list, one rotation


def encrypt(content):
    return _fernet().encrypt(content)


def decrypt(token):
    return _fernet().decrypt(bytes(token))


def queue_export_on_commit(data_export, language=None):
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: prepare_export.enqueue(data_export.pk, language))


@task()
def prepare_export(export_id, language):
    execute_export(export_id, language)


def claim(export_id):
    """Take a queued export for this process; False when another worker has it, or it has finished or failed."""
    return bool(
        DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(
            status=DataExport.Status.RUNNING, started_at=timezone.now(), worker=this_worker()[:100]
        )
    )


def execute_export(export_id, language=None):
    """Build a queued export's ZIP and keep it encrypted; a failure's reason is written to its row."""
    from jobbro.privacy import export

    if not claim(export_id):
        log.info("Data export %s was not queued; left alone", export_id)
        return
    data_export = DataExport.objects.select_related("citizen", "requested_by").get(pk=export_id)
    try:
        citizen = data_export.citizen
        cpr_number = None
        if data_export.reveal_cpr and not citizen.is_erased:
            digits = citizen.reveal_cpr()  # its reveal is logged when the user downloads the ZIP
            cpr_number = f"{digits[:6]}-{digits[6:]}"
        content, rows = export.build_zip(citizen, cpr_number=cpr_number, reader=data_export.requested_by)
        DataExport.objects.filter(pk=export_id, status=DataExport.Status.RUNNING).update(
            status=DataExport.Status.DONE, content=encrypt(content), rows=rows, finished_at=timezone.now()
        )
    except Exception as error:
        log.exception("Data export %s failed", export_id)
        with translation.override(language or settings.LANGUAGE_CODE):
            _fail_export(export_id, _("The export failed: %(error)s") % {"error": f"{type(error).__name__}: {error}"})


def _fail_export(export_id, reason):
    return bool(
        DataExport.objects.filter(pk=export_id, status__in=ACTIVE).update(
            status=DataExport.Status.FAILED, error=reason[:2000], finished_at=timezone.now(), content=None
        )
    )


def is_lost(data_export, now=None):
    """Whether a running export's worker is gone: its process has ended on this machine, or it has been running for
    longer than EXPORT_STALE_SECONDS."""
    if data_export.status != DataExport.Status.RUNNING:
        return False
    if process_alive(data_export.worker) is False:
        return True
    now = now or timezone.now()
    running = (now - data_export.started_at).total_seconds() if data_export.started_at else float("inf")
    return running > EXPORT_STALE_SECONDS


def fail_if_lost(data_export):
    if not is_lost(data_export):
        return False
    reason = _(
        "The export stopped: the worker preparing it (%(worker)s) stopped without finishing. Ask for it again."
    ) % {"worker": data_export.worker or "?"}
    if _fail_export(data_export.pk, reason):
        log.warning("Data export %s lost its worker %s; marked failed", data_export.pk, data_export.worker)
        return True
    return False


def expire_exports(now=None):
    """Delete every kept ZIP past its expiry (the row stays as the record of the request). Returns the count."""
    expired = DataExport.objects.filter(expires_at__lte=now or timezone.now(), content__isnull=False)
    count = expired.count()
    if count:
        expired.update(content=None)
    return count


def sweep():
    """The worker's periodic job for data exports: fail runs whose worker is gone, delete expired ZIPs."""
    lost = sum(fail_if_lost(run) for run in DataExport.objects.filter(status=DataExport.Status.RUNNING))
    expired = expire_exports()
    if lost or expired:
        log.info("Data export sweep: %s lost runs failed, %s expired exports deleted", lost, expired)
