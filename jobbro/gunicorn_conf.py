"""gunicorn's settings for bin/serve, from the same JOBBRO_* environment as Django's.

The access log has the path only (%(U)s, never the query string or the referring page, which could hold a
searched name), and gunicorn's own messages pass through the same filter as Django's.
"""

import os

from gunicorn.glogging import Logger

from jobbro.logfilters import StripQueryStrings


def default_workers():
    # gunicorn's rule of thumb, capped: each worker holds a database connection and a copy of the app.
    return min(2 * (os.cpu_count() or 1) + 1, 8)


bind = os.environ.get("JOBBRO_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("JOBBRO_WEB_WORKERS") or default_workers())
# PDFs and the larger reports take seconds, never minutes.
timeout = int(os.environ.get("JOBBRO_WEB_TIMEOUT", "120"))
graceful_timeout = 30
# A fresh worker now and then keeps memory from creeping up over weeks.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("JOBBRO_LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
proc_name = "jobbro-web"
# Load the app once before forking: a broken configuration stops the start at once, workers start fast and
# share the loaded code's memory.
preload_app = True
# Operators restart through systemd or bin/serve; a control socket in the home directory would also make two
# servers on one machine collide.
control_socket_disable = True


def post_worker_init(worker):
    """Before a worker serves its first request: read the matching features of every programme's citizens
    (jobbro/matching/pool.py), so that no user waits for them (only a head start: a worker that cannot reach the
    database now builds them at the first ranking instead). Then everything loaded so far, the application and
    those features, is moved out of the garbage collector's sight (gc.freeze): it lives as long as the worker, and
    each collection during a request would otherwise walk all of it again (a tenth of a second of a large PDF)."""
    import gc

    from django.db import connection

    from jobbro.matching import services

    try:
        services.warm_citizen_pools()
    except Exception:  # noqa: BLE001 - the database may not answer yet; the first ranking builds the pool then
        worker.log.warning("The matching features were not read ahead; the first ranking will read them.")
    finally:
        connection.close()
    gc.collect()
    gc.freeze()


class PathOnlyLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, StripQueryStrings) for f in log.filters):
                log.addFilter(StripQueryStrings())


logger_class = PathOnlyLogger
