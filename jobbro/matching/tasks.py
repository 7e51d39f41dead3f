"""Assignment runs on the task queue, in a worker process (`manage.py db_worker`), never in the web server.

`enqueue(run)` queues `run_assignment` in the caller's transaction (the database backend writes the task there, so a
worker sees the run and its task together or neither). The worker claims the run (pending to running, so a run is
computed once however many workers see the task), computes it (services.compute_assignment) and writes its pairs and
sizes in one transaction. While it works, a Heartbeat thread writes the run's phase, the citizens scored and a
timestamp to its row about once a second, through a connection of its own.

A run whose heartbeat has been silent for STALE_SECONDS has lost its worker (killed, or its machine gone):
`fail_if_lost` marks it failed. It is called when the assignment page or its progress is viewed, and by the worker's
periodic `sweep()`. On one machine a dead worker is seen at once by its process id. When a run is done, the
programme's earlier finished runs are deleted with their pairs: the page shows the newest.
"""

import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jobbro.days import today
from jobbro.heartbeat import HeartbeatThread, process_alive, this_worker
from jobbro.matching import services
from jobbro.matching.models import AssignmentPair, AssignmentRun

log = logging.getLogger(__name__)
STALE_SECONDS = 120  # a heartbeat silent this long: the worker is gone
ACTIVE = (AssignmentRun.Status.PENDING, AssignmentRun.Status.RUNNING)
MAX_KEEP = 32767  # the largest k a run records; far beyond the number of small jobs any programme has


def start(*, programme, user, on=None):
    """A new run for the programme, queued for a worker; None when one is already waiting or running there."""
    if AssignmentRun.objects.filter(programme=programme, status__in=ACTIVE).exists():
        return None
    try:
        with transaction.atomic():
            run = AssignmentRun.objects.create(
                programme=programme,
                requested_by=user,
                on=on or today(),
                keep=max(1, min(int(settings.ASSIGNMENT_CANDIDATES), MAX_KEEP)),
            )
            enqueue(run)
    except IntegrityError:  # another request started one just now (one active run per programme)
        return None
    return run


def enqueue(run, language=None):
    run_assignment.enqueue(run.pk, language or translation.get_language() or settings.LANGUAGE_CODE)


@task()
def run_assignment(run_id, language):
    execute(run_id, language)


def claim(run_id):
    """Take a pending run for this process; False when another worker has it, or it has finished or failed."""
    now = timezone.now()
    return bool(
        AssignmentRun.objects.filter(pk=run_id, status=AssignmentRun.Status.PENDING).update(
            status=AssignmentRun.Status.RUNNING,
            heartbeat_at=now,
            started_at=now,
            worker=this_worker()[:100],
            phase=AssignmentRun.Phase.LOADING,
        )
    )


def execute(run_id, language=None):
    """Compute a run if it is still pending; its pairs (or its failure) are written to the database."""
    if not claim(run_id):
        log.info("Assignment run %s was not pending; left alone", run_id)
        return
    run = AssignmentRun.objects.select_related("programme").get(pk=run_id)
    heartbeat = Heartbeat(run_id)
    heartbeat.start()
    started = time.perf_counter()
    try:
        result = services.compute_assignment(
            run.programme, on=run.on, keep=run.keep, phase=heartbeat.phase, progress=heartbeat.progress
        )
        heartbeat.phase(AssignmentRun.Phase.SAVING)
        _save(run, result, time.perf_counter() - started)
    except Exception as error:
        log.exception("Assignment run %s failed", run_id)
        with translation.override(language or settings.LANGUAGE_CODE):
            _fail(
                run_id,
                _("The computation failed: %(error)s") % {"error": f"{type(error).__name__}: {error}"},
            )
    finally:
        heartbeat.stop()


def _save(run, result, seconds):
    with transaction.atomic():
        # The row lock keeps a sweep from marking the run failed while its pairs are written.
        if (
            not AssignmentRun.objects.select_for_update()
            .filter(pk=run.pk, status=AssignmentRun.Status.RUNNING)
            .exists()
        ):
            return  # marked failed meanwhile (taken for lost): its pairs are not wanted
        AssignmentPair.objects.bulk_create(
            [
                AssignmentPair(run=run, enrolment_id=enrolment, opening_id=opening, score=round(score, 3))
                for enrolment, opening, score in result.pairs
            ],
            batch_size=1000,
        )
        AssignmentRun.objects.filter(pk=run.pk).update(
            status=AssignmentRun.Status.DONE,
            phase="",
            finished_at=timezone.now(),
            seconds=seconds,
            citizens=result.citizens,
            openings=result.openings,
            places=result.places,
            feasible_pairs=result.feasible,
            candidate_pairs=result.candidates,
        )
        AssignmentRun.objects.filter(programme=run.programme_id, requested_at__lt=run.requested_at).exclude(
            status__in=ACTIVE
        ).delete()


class Heartbeat(HeartbeatThread):
    """The run's phase and the citizens scored, written beside its own transaction."""

    name = "assignment run"

    def __init__(self, run_id):
        super().__init__(run_id)
        self.current = AssignmentRun.Phase.LOADING

    def phase(self, name):
        self.current = name

    def update(self):
        AssignmentRun.objects.filter(pk=self.run_id, status=AssignmentRun.Status.RUNNING).update(
            heartbeat_at=timezone.now(), done=self.done, total=self.total, phase=self.current
        )


# --- Lost runs ---------------------------------------------------------------------------------------------------


def is_lost(run, now=None):
    """Whether a running run's worker is gone: its process has ended on this machine, or its heartbeat is older than
    STALE_SECONDS."""
    if run.status != AssignmentRun.Status.RUNNING:
        return False
    if process_alive(run.worker) is False:
        return True
    now = now or timezone.now()
    silent = (now - run.heartbeat_at).total_seconds() if run.heartbeat_at else float("inf")
    return silent > STALE_SECONDS


def _fail(run_id, reason):
    return bool(
        AssignmentRun.objects.filter(pk=run_id, status__in=ACTIVE).update(
            status=AssignmentRun.Status.FAILED, error=reason[:2000], finished_at=timezone.now(), phase=""
        )
    )


def fail_if_lost(run):
    """Mark the run failed when its worker is gone (see is_lost); True when it was."""
    if run is None or not is_lost(run):
        return False
    reason = _(
        "The computation stopped: the worker running it (%(worker)s) stopped without finishing. Start it again."
    ) % {"worker": run.worker or "?"}
    if _fail(run.pk, reason):
        run.refresh_from_db()
        log.warning("Assignment run %s lost its worker %s; marked failed", run.pk, run.worker)
        return True
    return False


def sweep():
    """The worker's periodic job for assignment runs: fail the runs whose worker is gone."""
    lost = sum(fail_if_lost(run) for run in AssignmentRun.objects.filter(status=AssignmentRun.Status.RUNNING))
    if lost:
        log.info("Assignment sweep: %s lost runs failed", lost)
