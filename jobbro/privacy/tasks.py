"""The worker's periodic job (settings.WORKER_PERIODIC_JOBS): erase what retention says is due (retention.py), each
citizen in a transaction of their own (actions.apply_retention). The data exports' work is in export_tasks.py."""

import logging
import time

from django.conf import settings

from jobbro.days import today
from jobbro.privacy import actions, retention

log = logging.getLogger(__name__)


def apply_due(on=None):
    """Erase everything due by `on`, each citizen in a transaction of their own. Returns the receipts written."""
    on = on or today()
    receipts = []
    for due in retention.schedule(on):
        if due.held:
            continue
        try:
            receipt = actions.apply_retention(citizen_pk=due.citizen_pk, on=on)
        except Exception:  # one citizen's failure must not stop the others; it is tried again next round
            log.exception("Retention failed for citizen %s", due.citizen_pk)
            continue
        if receipt is not None:
            receipts.append(receipt)
    return receipts


_last_run = [None]


def apply_when_due():
    """The worker's periodic job (settings.WORKER_PERIODIC_JOBS): apply retention at most every
    RETENTION_EVERY_SECONDS in this process; off when settings.RETENTION_APPLY is false. Returns the receipts."""
    if not settings.RETENTION_APPLY:
        return []
    now = time.monotonic()
    if _last_run[0] is not None and now - _last_run[0] < settings.RETENTION_EVERY_SECONDS:
        return []
    _last_run[0] = now
    receipts = apply_due()
    if receipts:
        log.info("Retention erased records of %d citizens", len(receipts))
    return receipts
