"""Report-fact refreshes on the task queue (see jobbro/reporting/facts.py).

Every write marks the cases it touches stale and, when it commits, queues `catch_up_facts`, so a worker refreshes
the marked cases about a second later; the worker also refreshes them every settings.WORKER_PERIODIC_SECONDS
(`catch_up_facts_now`, a periodic job of `manage.py db_worker`), which catches marks whose task was lost. A report still catches up before it reads, but then
finds little or nothing left to do; `manage.py refresh_report_facts` rebuilds every case's facts.
"""

from django_tasks import task

from jobbro.reporting import facts


def catch_up_facts_now():
    facts.catch_up()


@task()
def catch_up_facts():
    catch_up_facts_now()
