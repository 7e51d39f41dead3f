"""The database's planner statistics: how many rows each table and index holds, and how the values spread.

Both databases choose a query plan from them. PostgreSQL's autovacuum gathers them on its own, but only some time
after a large load; SQLite gathers none unless asked (ANALYZE), and without them it guesses, which at 100,000
citizens can turn a report of a second into minutes. The reports are written so that their plans do not depend on
the statistics (see docs/reports.md), but every other page's queries still benefit, so they are kept:

- after every bulk load: the demo generator (`manage.py load_demo`), an import that commits, and
  `manage.py refresh_report_facts`;
- by the task worker, at most every EVERY_SECONDS in each worker process (`refresh_when_due`, a periodic job of
  `manage.py db_worker`, settings.WORKER_PERIODIC_JOBS);
- by hand: `manage.py refresh_statistics`.

On PostgreSQL `refresh()` runs ANALYZE over the database (a sample of each table; reads and writes go on
meanwhile). On SQLite it runs ANALYZE with `PRAGMA analysis_limit` set to ANALYSIS_LIMIT: each index is read up
to that many rows instead of whole, which keeps a multi-gigabyte file quick (on the 100,000-citizen demo, a 1 GB
file: 0.8 s instead of 2.5 s for the full ANALYZE) while SQLite's write lock is held, at the price of
approximate counts. SQLite's `PRAGMA optimize` would do nothing useful here: before version 3.46 it looks only at
the tables the same connection has just queried.
"""

import logging
import time

from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)

ANALYSIS_LIMIT = 100_000  # rows read per index on SQLite (0 would read every row)
EVERY_SECONDS = 6 * 60 * 60  # the periodic job refreshes at most this often in one worker process

_last_refreshed = [None]  # time.monotonic() of this process's last periodic refresh


def refresh(using=DEFAULT_DB_ALIAS):
    """Refresh the planner statistics of every table in the database; returns the seconds it took."""
    connection = connections[using]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {int(ANALYSIS_LIMIT)}")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    log.info("Planner statistics refreshed in %.1f s", seconds)
    return seconds


def refresh_when_due():
    """The periodic job: refresh the statistics if this process has not done so in the last EVERY_SECONDS (a
    worker's first round always does). Returns whether it refreshed."""
    now = time.monotonic()
    if _last_refreshed[0] is not None and now - _last_refreshed[0] < EVERY_SECONDS:
        return False
    refresh()
    _last_refreshed[0] = now
    return True
