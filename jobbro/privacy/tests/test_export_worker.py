"""The export is asked for in the request and prepared by the task worker: the request only queues it; the worker's
ZIP is the export's; it is kept encrypted, for the user who asked for it alone, until it expires; a lost or failed
run says why."""

import datetime
import io
import json
import zipfile

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import AccessLog, Action, ChangeLog
from jobbro.conftest import ALICES_CPR
from jobbro.privacy import export
from jobbro.privacy import export_tasks as tasks
from jobbro.privacy.models import DataExport

pytestmark = pytest.mark.django_db


def ask(client, user, citizen, *, run, **data):
    client.force_login(user)
    with TestCase.captureOnCommitCallbacks(execute=run) as callbacks:
        response = client.post(reverse("privacy_export", kwargs={"citizen_pk": citizen.pk}), data)
    assert response.status_code == 302
    return DataExport.objects.get(citizen=citizen, requested_by=user), callbacks


def download_url(data_export):
    url = reverse("privacy_export_download", kwargs={"citizen_pk": data_export.citizen_id})
    return f"{url}?export={data_export.pk}"


def records(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    document = json.loads(archive.read("borgerens-oplysninger.json"))
    return archive.namelist(), document["records"]


def test_the_request_only_queues_the_export(client, alices_citizen, caseworker):
    data_export, callbacks = ask(client, caseworker, alices_citizen, run=False, reveal_cpr="on")
    assert data_export.status == DataExport.Status.QUEUED and data_export.content is None
    assert data_export.reveal_cpr and len(callbacks) == 1  # the task is queued once the request commits
    assert ChangeLog.objects.filter(
        action=Action.EXPORT_CITIZEN_DATA, citizen_ref=alices_citizen.pk, user=caseworker
    ).exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR).exists()  # nothing shown yet
    page = client.get(reverse("privacy_export", kwargs={"citizen_pk": alices_citizen.pk})).content.decode()
    assert 'data-status="queued"' in page and 'hx-trigger="every 2s"' in page and "export-download" not in page
    assert client.get(download_url(data_export)).status_code == 404
    callbacks[0]()  # the worker
    data_export.refresh_from_db()
    assert data_export.status == DataExport.Status.DONE and data_export.rows > 0
    runs = client.get(reverse("privacy_export_runs", kwargs={"citizen_pk": alices_citizen.pk})).content.decode()
    assert 'data-status="done"' in runs and "hx-trigger" not in runs and download_url(data_export) in runs
    response = client.get(download_url(data_export))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'filename="borgerens-oplysninger-' in response["Content-Disposition"]
    names, document = records(response.content)
    assert document["people.Citizen"]["rows"][0]["cpr_number"] == ALICES_CPR
    assert AccessLog.objects.filter(
        action=AccessLog.Action.REVEAL_CPR, view="export_citizen_data", user=caseworker, citizen_ref=alices_citizen.pk
    ).exists()
    assert AccessLog.objects.filter(view="privacy_export_download", citizen_ref=alices_citizen.pk).exists()


def test_the_workers_zip_is_the_export(client, alices_citizen, caseworker):
    data_export, _callbacks = ask(client, caseworker, alices_citizen, run=True)
    names, worker = records(tasks.decrypt(DataExport.objects.get(pk=data_export.pk).content))
    direct_names, direct = records(export.build_zip(alices_citizen, reader=caseworker)[0])
    assert names == direct_names == ["borgerens-oplysninger.json", "borgerens-oplysninger.pdf"]
    # The same records, but for the export's own row (running while it was built, done now).
    worker.pop("privacy.DataExport")
    direct.pop("privacy.DataExport")
    assert worker == direct
    assert worker["people.Citizen"]["rows"][0]["cpr_number"] == "XXXXXX-XXXX"


def test_it_is_kept_encrypted(client, alices_citizen, caseworker):
    data_export, _callbacks = ask(client, caseworker, alices_citizen, run=True, reveal_cpr="on")
    stored = bytes(DataExport.objects.get(pk=data_export.pk).content)
    downloaded = client.get(download_url(data_export)).content
    assert downloaded.startswith(b"PK") and not stored.startswith(b"PK") and downloaded not in stored
    assert ALICES_CPR.encode() not in stored and b"Mette" not in stored
    assert tasks.decrypt(stored) == downloaded


def test_only_the_user_who_asked_downloads_it(client, world):
    data_export, _callbacks = ask(client, world.caseworker, world.alices_citizen, run=True)
    # The administrator may export the citizen too, and the others see her: none of them gets this export.
    others = (world.administrator, world.alice, world.bob, world.charlie, world.mentor, world.coordinator)
    for user in (*others, world.manager, world.evaluator, world.outside_caseworker):
        client.force_login(user)
        assert client.get(download_url(data_export)).status_code == 404, user
        if user == world.administrator:
            page = client.get(reverse("privacy_export", kwargs={"citizen_pk": world.alices_citizen.pk}))
            assert download_url(data_export) not in page.content.decode()
    client.logout()
    assert client.get(download_url(data_export)).status_code == 302  # to sign in
    client.force_login(world.caseworker)
    assert client.get(download_url(data_export)).status_code == 200


def test_the_sweep_deletes_expired_exports(client, alices_citizen, caseworker, settings):
    settings.PRIVACY_EXPORT_DAYS = 7
    data_export, _callbacks = ask(client, caseworker, alices_citizen, run=True)
    expires = data_export.expires_at - data_export.requested_at
    assert datetime.timedelta(days=7) - expires < datetime.timedelta(seconds=5)
    tasks.sweep()
    assert DataExport.objects.get(pk=data_export.pk).content is not None  # not yet
    DataExport.objects.filter(pk=data_export.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    tasks.sweep()
    data_export.refresh_from_db()
    assert data_export.content is None and data_export.status == DataExport.Status.DONE  # the request's record stays
    assert client.get(download_url(data_export)).status_code == 404
    page = client.get(reverse("privacy_export", kwargs={"citizen_pk": alices_citizen.pk})).content.decode()
    assert "export-download" not in page


def test_a_lost_run_is_failed_by_the_sweep(client, alices_citizen, caseworker):
    data_export, callbacks = ask(client, caseworker, alices_citizen, run=False)
    DataExport.objects.filter(pk=data_export.pk).update(
        status=DataExport.Status.RUNNING,
        worker="another-machine:4242",
        started_at=timezone.now() - datetime.timedelta(seconds=tasks.EXPORT_STALE_SECONDS - 60),
    )
    tasks.sweep()
    assert DataExport.objects.get(pk=data_export.pk).status == DataExport.Status.RUNNING  # still within its time
    DataExport.objects.filter(pk=data_export.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=tasks.EXPORT_STALE_SECONDS + 1)
    )
    tasks.sweep()
    data_export.refresh_from_db()
    assert data_export.status == DataExport.Status.FAILED and "another-machine:4242" in data_export.error
    callbacks[0]()  # the task, should it come after all, leaves a failed run alone
    data_export.refresh_from_db()
    assert data_export.status == DataExport.Status.FAILED and data_export.content is None


def test_a_failure_is_kept_with_its_reason(client, alices_citizen, caseworker, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no room left on the device")

    monkeypatch.setattr(export, "as_pdf", broken)  # a failure the real run can meet (a full disk)
    data_export, _callbacks = ask(client, caseworker, alices_citizen, run=True)
    data_export.refresh_from_db()
    assert data_export.status == DataExport.Status.FAILED and data_export.content is None
    assert "no room left on the device" in data_export.error
    page = client.get(reverse("privacy_export", kwargs={"citizen_pk": alices_citizen.pk})).content.decode()
    assert 'data-status="failed"' in page and "no room left on the device" in page
