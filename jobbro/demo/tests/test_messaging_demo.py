"""The demo subscribes contacts to the small-jobs list and sends messages through the real path to the development
backends: e-mail files and the SMS file."""

import datetime

import pytest

from jobbro.demo.generator import generate
from jobbro.messaging.models import CitizenContactConsent, Message, OptOut, Subscription

TODAY = datetime.date(2026, 3, 2)

pytestmark = pytest.mark.django_db


def test_the_demo_sends_the_small_jobs_list_and_reminders_to_the_development_backends(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SMS_FILE = tmp_path / "sms" / "outbox.jsonl"
    generate(citizens=60, seed=2026, today=TODAY)
    assert Subscription.objects.filter(ended_at__isnull=True).count() >= 2
    assert CitizenContactConsent.objects.filter(given=True).exists()
    assert OptOut.objects.filter(purpose="hours_reminder").count() == 1
    lists = Message.objects.filter(purpose="small_jobs_list")
    assert lists.exists() and set(lists.values_list("state", flat=True)) == {"sent"}
    reminders = Message.objects.filter(purpose="hours_reminder")
    assert reminders.exists() and set(reminders.values_list("state", flat=True)) == {"sent"}
    files = list((tmp_path / "mail").glob("*.log"))
    assert files
    assert any(
        "Ledige småjob" in path.read_text(errors="replace") or "Småjob" in path.read_text(errors="replace")
        for path in files
    )
