"""The export holds every row of the citizen and its logs and is logged; the pages answer only the roles and the
citizens they are for (a denial is 404); the legal hold and the erasure work from the pages."""

import datetime
import io
import json
import time
import zipfile

import pytest
from django.test import TestCase
from django.urls import reverse

from jobbro.audit.models import AccessLog, Action, ChangeLog
from jobbro.cases.models import Enrolment
from jobbro.conftest import ALICES_CPR as ALICES_CPR_DASHED
from jobbro.people import actions as people_actions
from jobbro.people.models import Restriction
from jobbro.privacy import registry
from jobbro.privacy.models import DataExport, ErasureReceipt, LegalHold
from jobbro.web.tests.pdf_text import pdf_text


@pytest.fixture
def citizen(alices_citizen, caseworker, alice, client):
    """Alice's citizen with a note, a restriction and a CV line, read once on the citizen's page."""
    people_actions.add_restriction(
        acting_user=caseworker,
        citizen=alices_citizen,
        tag=Restriction.Tag.OTHER,
        description="Ondt i ryggen",
        recorded_on=datetime.date(2025, 3, 10),
    )
    people_actions.set_job_goal(
        acting_user=alice, citizen=alices_citizen, text="Gartner", set_on=datetime.date(2025, 3, 10)
    )
    client.force_login(alice)
    client.get(reverse("citizen_detail", kwargs={"citizen_pk": alices_citizen.pk}))
    client.logout()
    return alices_citizen


def export(client, user, citizen, **data):
    """Ask for the export on its page, let the task prepare it (the tests' immediate backend, once the request's
    transaction commits) and download it."""
    client.force_login(user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("privacy_export", kwargs={"citizen_pk": citizen.pk}), data)
    assert response.status_code == 302
    data_export = DataExport.objects.filter(citizen=citizen, requested_by=user).first()
    assert data_export.status == DataExport.Status.DONE, data_export.error
    return client.get(download_url(data_export))


def download_url(data_export):
    url = reverse("privacy_export_download", kwargs={"citizen_pk": data_export.citizen_id})
    return f"{url}?export={data_export.pk}"


def unpacked(response):
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    [json_name] = [name for name in names if name.endswith(".json")]
    [pdf_name] = [name for name in names if name.endswith(".pdf")]
    return json.loads(archive.read(json_name)), archive.read(pdf_name), names


def test_the_export_holds_every_row_of_the_citizen_and_its_logs(client, citizen, caseworker):
    started = time.perf_counter()
    response = export(client, caseworker, citizen)
    seconds = time.perf_counter() - started
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'filename="borgerens-oplysninger-' in response["Content-Disposition"]
    document, pdf, names = unpacked(response)
    assert names == ["borgerens-oplysninger.json", "borgerens-oplysninger.pdf"]
    for entry in registry.TABLE:
        wanted = sorted(entry.rows(citizen.pk).values_list("pk", flat=True))
        if entry.label in ("audit.ChangeLog", "audit.AccessLog"):
            # The export's own log rows are written after it was made (the change log row in the same action).
            got = sorted(row["id"] for row in document["records"].get(entry.label, {"rows": []})["rows"])
            assert set(got) <= set(wanted) and got, entry.label
            continue
        got = sorted(row["id"] for row in document["records"].get(entry.label, {"rows": []})["rows"])
        assert got == wanted, entry.label
    citizen_row = document["records"]["people.Citizen"]["rows"][0]
    assert citizen_row["cpr_number"] == "XXXXXX-XXXX" and "cpr_hash" not in citizen_row
    assert document["records"]["cases.Enrolment"]["rows"][0]["referral_text"].startswith("Henvist efter samtale")
    reads = document["records"]["audit.AccessLog"]["rows"]
    assert any(row["view"] == "citizen_detail" and row["user_display"] for row in reads)
    text = pdf_text(pdf)
    assert "Ondt i ryggen" in text and "Mette Sørensen" in text and "10.03.2025" in text
    # Asking, preparing (here in the test, on the worker in production) and downloading: seconds.
    assert seconds < 20


def test_the_export_is_logged(client, citizen, caseworker):
    export(client, caseworker, citizen)
    assert ChangeLog.objects.filter(action=Action.EXPORT_CITIZEN_DATA, citizen_ref=citizen.pk, user=caseworker).exists()
    assert AccessLog.objects.filter(view="privacy_export", citizen_ref=citizen.pk, user=caseworker).exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR, citizen_ref=citizen.pk).exists()


def test_the_cpr_number_in_clear_only_for_who_may_reveal_it_and_logged(client, citizen, caseworker, administrator):
    document, _pdf, _names = unpacked(export(client, caseworker, citizen, reveal_cpr="on"))
    assert document["records"]["people.Citizen"]["rows"][0]["cpr_number"] == ALICES_CPR_DASHED
    assert AccessLog.objects.filter(
        action=AccessLog.Action.REVEAL_CPR, view="export_citizen_data", user=caseworker
    ).exists()
    document, _pdf, _names = unpacked(export(client, administrator, citizen, reveal_cpr="on"))
    assert document["records"]["people.Citizen"]["rows"][0]["cpr_number"] == "XXXXXX-XXXX"


@pytest.mark.parametrize("page", ["privacy_export", "privacy_legal_hold", "privacy_erase"])
def test_denials_are_404(client, world, page):
    citizen = world.alices_citizen
    url = reverse(page, kwargs={"citizen_pk": citizen.pk})
    for user in (world.alice, world.coordinator, world.manager, world.evaluator, world.outside_caseworker):
        client.force_login(user)
        # The holds' history is read by all who see the citizen; setting one is for caseworkers and administrators.
        reads = page == "privacy_legal_hold" and user in (world.alice, world.coordinator, world.manager)
        assert client.get(url).status_code == (200 if reads else 404), user
        assert client.post(url, {"confirmation": "SLET", "reason": "x"}).status_code == 404, user
    citizen.refresh_from_db()
    assert not citizen.is_erased and not LegalHold.objects.exists()


def test_the_retention_and_receipt_pages_are_for_administrators(client, world):
    for user in (world.alice, world.caseworker, world.coordinator, world.manager):
        client.force_login(user)
        assert client.get(reverse("privacy_retention")).status_code == 404
        assert client.get(reverse("privacy_receipts")).status_code == 404
    client.force_login(world.administrator)
    assert client.get(reverse("privacy_retention")).status_code == 200
    assert client.get(reverse("privacy_receipts")).status_code == 200


def test_legal_hold_from_the_page(client, citizen, caseworker):
    client.force_login(caseworker)
    url = reverse("privacy_legal_hold", kwargs={"citizen_pk": citizen.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Klage over afgørelse"}).status_code == 302
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})).content.decode()
    assert 'data-legal-hold="1"' in page
    assert client.post(url, {"lift_reason": "Klagen er afgjort"}).status_code == 302
    hold = LegalHold.objects.get(citizen=citizen)
    assert hold.lifted_by == caseworker and hold.lift_reason == "Klagen er afgjort"


def test_erasure_from_the_page_with_preview_and_receipt(client, citizen, administrator):
    Enrolment.objects.filter(citizen=citizen).update(ended_on=datetime.date(2025, 6, 30))
    client.force_login(administrator)
    url = reverse("privacy_erase", kwargs={"citizen_pk": citizen.pk})
    page = client.get(url).content.decode()
    assert 'id="erase-preview"' in page and 'data-treatment="delete"' in page
    assert client.post(url, {"confirmation": "nej"}).status_code == 400
    response = client.post(url, {"confirmation": "SLET"})
    receipt = ErasureReceipt.objects.get(citizen=citizen)
    assert response.status_code == 302 and response["Location"] == reverse("privacy_receipt", kwargs={"pk": receipt.pk})
    page = client.get(response["Location"]).content.decode()
    assert receipt.reference in page and "Mette" not in page
    pdf = client.get(reverse("privacy_receipt_pdf", kwargs={"pk": receipt.pk}))
    assert pdf["Content-Type"] == "application/pdf" and receipt.reference in pdf_text(pdf.content)
    detail = client.get(reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})).content.decode()
    assert 'data-erased="1"' in detail and f"Slettet borger {citizen.pk}" in detail
    assert client.get(url).status_code == 200  # says it is done, offers nothing
    assert receipt.reference in client.get(reverse("privacy_receipts")).content.decode()


def test_the_retention_page_saves_the_periods_and_previews(client, citizen, administrator):
    Enrolment.objects.filter(citizen=citizen).update(ended_on=datetime.date(2025, 6, 30))
    client.force_login(administrator)
    from jobbro.privacy.models import RecordKind

    data = {kind: 60 for kind in RecordKind.values}
    data[RecordKind.MESSAGES] = 1
    assert client.post(reverse("privacy_retention"), data).status_code == 302
    page = client.get(reverse("privacy_retention")).content.decode()
    assert f'data-citizen="{citizen.pk}"' in page and "Mette Sørensen" in page
    data[RecordKind.CASE] = 70
    assert client.post(reverse("privacy_retention"), data).status_code == 400
