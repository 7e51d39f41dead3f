"""Report-fact refreshes on the task queue (see jobbro/reporting/facts.py).

Every write marks the cases it touches stale; the worker refreshes the marked cases every
settings.WORKER_PERIODIC_SECONDS (`catch_up_facts_now`, a periodic job of `manage.py db_worker`), and
`catch_up_facts` queues the same for a worker right away. A report still catches up before it reads, but then
finds little or nothing left to do; `manage.py refresh_report_facts` rebuilds every case's facts.
"""

from django_tasks import task

from jobbro.reporting import facts


def catch_up_facts_now():
    facts.catch_up()


@task()
def catch_up_facts():
    catch_up_facts_now()
