"""/healthz: the load balancer's question whether this app server can reach the database and the task queue."""

import os
import subprocess
import sys

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from jobbro.audit.models import AccessLog
from jobbro.web import health


def test_a_healthy_server_says_so_without_login_and_without_logging_a_read(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["database"], body["queue"], body["oldest_waiting_task_seconds"]) == ("ok", "ok", 0)
    assert set(body) == {"database", "queue", "oldest_waiting_task_seconds", "milliseconds"}  # nothing personal
    assert not AccessLog.objects.exists()


def test_the_probe_answers_over_plain_http_where_every_page_redirects_to_https(db):
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()
        assert client.get(reverse("login")).status_code == 301
        assert client.get(reverse("healthz")).status_code == 200


def test_only_get_is_answered(client, db):
    assert client.post(reverse("healthz")).status_code == 405


def test_the_queue_is_the_database_backends_table():
    assert health.task_result_model() is not None, "production queues tasks in the database (TASKS)"


def test_an_unreachable_queue_table_answers_503_naming_the_queue(client, db):
    table = health.task_result_model()._meta.db_table
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert (response.json()["database"], response.json()["queue"]) == ("ok", "failed")


def test_a_task_nobody_picks_up_shows_its_age_and_can_mark_the_queue_stalled(client, db):
    from django.utils import timezone

    model = health.task_result_model()
    waiting = model.objects.create(
        task_path="jobbro.imports.tasks.sweep",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now() - timezone.timedelta(minutes=10),
    )
    model.objects.filter(pk=waiting.pk).update(enqueued_at=timezone.now() - timezone.timedelta(minutes=10))
    assert waiting.status == "READY"
    assert client.get(reverse("healthz")).json()["oldest_waiting_task_seconds"] >= 600
    with override_settings(HEALTH_QUEUE_MAX_WAIT_SECONDS=300):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["queue"] == "stalled"


def test_an_unreachable_database_answers_503_naming_the_database():
    # A server whose PostgreSQL is gone, in its own process: nothing listens on port 9 of this machine.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBBRO_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="jobbro.settings",
        JOBBRO_DATABASE_URL="postgres://postgres@127.0.0.1:9/jobbro_gone",
        JOBBRO_ALLOWED_HOSTS="testserver",
    )
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    last_line = done.stdout.strip().splitlines()[-1]
    assert last_line.startswith("503 "), done.stdout + done.stderr
    assert '"database": "failed"' in last_line and '"queue": "failed"' in last_line
