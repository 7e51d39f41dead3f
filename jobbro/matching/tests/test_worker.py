"""A real worker process (`manage.py db_worker`) computes the assignment proposal a coordinator starts on the page,
against a database file it shares with the page: the page polls the run's progress until it is done and then shows
its pairs; the worker's periodic sweep fails a run whose worker is gone. Everything runs in processes of their own,
on a SQLite file in a scratch data directory, with the demo programme."""

import signal
import subprocess
import sys

from django.conf import settings

from jobbro.imports.tests.test_worker import Site

SETUP = """
import datetime
from django.utils import timezone
from jobbro.accounts.models import Programme
from jobbro.matching.models import AssignmentRun
elsewhere = Programme.objects.create(name="Job i Syd", starts_on=datetime.date(2025, 1, 1))
AssignmentRun.objects.create(programme=elsewhere, on=timezone.localdate(), keep=20, status="running",
                             worker="gone.example:1", heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
"""

# The coordinator on the page: start a run, poll its progress as the page does, then read the proposal.
THROUGH_THE_PAGE = """
import json, time
from django.test import Client
from jobbro.accounts.models import Programme, User
from jobbro.matching.models import AssignmentPair, AssignmentRun

client = Client()
client.force_login(User.objects.get(username="koordinator"))
programme = Programme.objects.exclude(name="Job i Syd").get()
started = client.post("/matching/assignment/run/", {"programme": programme.pk})
polls, seen = 0, set()
for _ in range(600):
    response = client.get("/matching/assignment/progress/", {"programme": programme.pk})
    polls += 1
    if response.get("HX-Refresh") == "true":
        break
    seen.add(response.content.decode().split('data-status="', 1)[1].split('"', 1)[0])
    time.sleep(0.05)
run = AssignmentRun.objects.get(programme=programme)
page = client.get("/matching/assignment/", {"programme": programme.pk}).content.decode()
for _ in range(300):  # the periodic sweep runs every second here
    if AssignmentRun.objects.get(programme__name="Job i Syd").status == "failed":
        break
    time.sleep(0.1)
print(json.dumps({
    "started": started.status_code, "seen": sorted(seen), "status": run.status, "worker": run.worker,
    "citizens": run.citizens, "pairs": AssignmentPair.objects.filter(run=run).count(), "seconds": run.seconds,
    "rows": page.count("<tr data-enrolment="), "lost": AssignmentRun.objects.get(programme__name="Job i Syd").status,
    "error": AssignmentRun.objects.get(programme__name="Job i Syd").error,
}))
"""


def test_a_worker_process_computes_the_run_the_page_starts_and_sweeps_a_lost_one(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    site = Site(data)
    site.manage("migrate", "--noinput", "-v", "0")
    site.manage("load_demo", "--citizens", "150", timeout=300)
    site.python(SETUP)
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload", "-v", "2"],
        cwd=settings.BASE_DIR,
        env=site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        report = site.python(THROUGH_THE_PAGE)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert report["started"] == 302
    assert report["status"] == "done" and report["worker"].endswith(f":{worker.pid}"), report
    assert report["seen"] and set(report["seen"]) <= {"pending", "running"}, "the page polled while it worked"
    assert report["citizens"] > 0 and report["pairs"] > 0 and report["seconds"] is not None
    assert report["rows"] == min(report["pairs"], 50), "the page shows the stored pairs, 50 at a time"
    assert report["lost"] == "failed" and "gone.example:1" in report["error"]
