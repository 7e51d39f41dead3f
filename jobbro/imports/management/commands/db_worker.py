"""`manage.py db_worker`: django-tasks-db's worker, plus jobbro's periodic jobs.

The worker itself is django_tasks_db's, unchanged (same options: --queue-name, --interval, --batch, --max-tasks,
--worker-id, --reload). Beside it a thread runs each job of settings.WORKER_PERIODIC_JOBS every
settings.WORKER_PERIODIC_SECONDS: failing imports whose worker is gone, deleting expired import files, refreshing
the report facts of cases written since. The jobs are idempotent and cheap when there is nothing to do, so every
worker on every machine may run them.
"""

import logging
import os
import threading

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.module_loading import import_string
from django_tasks_db.management.commands import db_worker

log = logging.getLogger("jobbro.worker")


def run_periodic_jobs():
    """Run each periodic job once; one that fails is logged and does not stop the others."""
    for path in settings.WORKER_PERIODIC_JOBS:
        try:
            import_string(path)()
        except Exception:
            log.exception("Periodic job %s failed", path)


def _periodic_loop(stopped):
    while True:
        try:
            run_periodic_jobs()
        finally:
            connection.close()  # this thread's connection; a fresh one next time
        if stopped.wait(settings.WORKER_PERIODIC_SECONDS):
            return


class Command(db_worker.Command):
    help = "Run a database background worker, and jobbro's periodic jobs beside it"

    def handle(self, *args, **options):
        # With --reload the first process only watches the code and restarts the second, which does the work.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(
                target=_periodic_loop, args=(threading.Event(),), name="periodic-jobs", daemon=True
            ).start()
        return super().handle(*args, **options)
