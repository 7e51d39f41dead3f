"""In a real browser, a new administrator of the demo programme exports a citizen's data, previews retention and
erases a citizen who has left, from the pages alone; the pages have no serious accessibility problem."""

import base64
import io
import json
import time
import zipfile

import pytest
from django_otp.oath import TOTP

from jobbro.cases.models import Enrolment
from jobbro.demo.generator import DEMO_PASSWORD, generate
from jobbro.people.models import Citizen
from jobbro.privacy.models import ErasureReceipt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_key(key_text):
    totp = TOTP(base64.b32decode(key_text.replace(" ", "")), step=30, t0=0, digits=6)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_an_administrator_exports_previews_retention_and_erases_a_demo_citizen(page, live_server, axe_check):
    generate(citizens=24, seed=2026)
    still_open = Enrolment.objects.filter(ended_on__isnull=True).values("citizen_id")
    citizen = Citizen.objects.filter(enrolments__isnull=False).exclude(pk__in=still_open).order_by("pk").first()
    name = citizen.full_name

    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("form:has(#id_password) [type=submit]").click()
    page.wait_for_selector(".jb-totp-key")  # an administrator sets up two-factor sign-in first
    page.fill("#id_token", code_from_key(page.locator(".jb-totp-key").inner_text()))
    page.locator("form:has(#id_token) [type=submit]").click()
    page.wait_for_selector("#retention-link")

    # The export, from the citizen's page.
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    page.click("#rights-export")
    problems = axe_check(page)
    page.click("#export-request")  # prepared by the task (run at once here), then listed with its link
    page.wait_for_selector("#export-runs [data-status='done'] .export-download")
    problems += axe_check(page)
    with page.expect_download() as download:
        page.click("#export-runs .export-download")
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert download.value.suggested_filename.startswith(f"borgerens-oplysninger-{citizen.pk}-")
    document = json.loads(archive.read("borgerens-oplysninger.json"))
    assert document["records"]["people.Citizen"]["rows"][0]["last_name"] == citizen.last_name
    assert archive.read("borgerens-oplysninger.pdf").startswith(b"%PDF")

    # Retention: the periods and what is due, from the header.
    page.click("#retention-link")
    page.wait_for_selector("#retention-kinds")
    problems += axe_check(page)
    page.fill("#id_messages", "1")
    page.click("#retention-save")
    page.wait_for_selector(f"#retention-citizens [data-citizen='{citizen.pk}']")

    # The erasure: the preview, a wrong word refused, SLET erases and shows the receipt.
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    page.click("#rights-erase")
    page.wait_for_selector("#erase-preview")
    problems += axe_check(page)
    page.fill("#id_confirmation", "ja")
    page.click("#erase-confirm")
    page.wait_for_selector("#error-summary")
    page.fill("#id_confirmation", "SLET")
    page.click("#erase-confirm")
    page.wait_for_selector("#receipt-reference")
    problems += axe_check(page)
    receipt = ErasureReceipt.objects.get(citizen=citizen)
    assert page.locator("#receipt-reference").inner_text() == receipt.reference
    assert name not in page.content()
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    assert page.locator("h1").inner_text() == f"Slettet borger {citizen.pk}"
    assert page.locator("[data-erased='1']").is_visible()
    assert not problems, "\n".join(v["summary"] for v in problems)
