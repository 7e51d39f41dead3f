"""The worker keeps the report facts up to date: its periodic job refreshes the cases marked since, so a report
finds nothing left to refresh; a periodic job that fails does not stop the others."""

import datetime

import pytest

from jobbro.imports.management.commands.db_worker import run_periodic_jobs
from jobbro.reporting import facts, tasks
from jobbro.reporting.models import EnrolmentFacts, StaleFacts
from jobbro.reporting.tests import factories as f
from jobbro.reporting.tests.factories import contact, days

REFERRED = datetime.date(2025, 1, 6)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def enrolment(db):
    _programme, sites = f.programme_with_sites("Aarhus")
    return f.enrolment(sites[0], REFERRED)


def test_the_periodic_jobs_refresh_the_marked_cases(enrolment, settings):
    facts.catch_up()
    contact(enrolment, REFERRED + days(4))
    assert StaleFacts.objects.filter(enrolment_id=enrolment.pk).exists()
    run_periodic_jobs()
    assert not StaleFacts.objects.exists() and facts.stale([enrolment.pk]) == []
    assert EnrolmentFacts.objects.get(enrolment=enrolment).first_contact_on == REFERRED + days(4)


def test_a_failing_periodic_job_does_not_stop_the_next(enrolment, settings, caplog):
    settings.WORKER_PERIODIC_JOBS = ["jobbro.imports.tasks.no_such_job", "jobbro.reporting.tasks.catch_up_facts_now"]
    contact(enrolment, REFERRED + days(4))
    run_periodic_jobs()
    assert not StaleFacts.objects.exists()
    assert "Periodic job jobbro.imports.tasks.no_such_job failed" in caplog.text


def test_a_refresh_can_be_queued_for_a_worker(enrolment, settings):
    settings.TASKS = IMMEDIATE
    contact(enrolment, REFERRED + days(4))
    result = tasks.catch_up_facts.enqueue()
    assert result.status == "SUCCESSFUL" and not StaleFacts.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_queues_a_refresh_for_the_worker_and_a_rolled_back_one_does_not():
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    _programme, sites = f.programme_with_sites("Aarhus")
    enrolment = f.enrolment(sites[0], REFERRED)
    queued = DBTaskResult.objects.filter(task_path="jobbro.reporting.tasks.catch_up_facts")
    before = queued.count()
    assert before >= 1  # the enrolment's own save committed and queued one
    with pytest.raises(RuntimeError), transaction.atomic():
        contact(enrolment, REFERRED + days(4))
        raise RuntimeError("rolled back")
    assert queued.count() == before
    contact(enrolment, REFERRED + days(5))
    assert queued.count() > before
    # What the worker then runs leaves nothing for a report to refresh.
    queued.order_by("-enqueued_at").first().task.call()
    assert not StaleFacts.objects.exists() and facts.stale([enrolment.pk]) == []
