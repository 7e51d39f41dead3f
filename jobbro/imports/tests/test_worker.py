"""A real worker process (`manage.py db_worker`) runs imports queued by the command line and by the page, against a
database file it shares with them; its periodic sweep fails a run whose worker is gone; it refuses a workbook that
unpacks to a gibibyte while staying under 300 MB; and afterwards no CPR number is in clear anywhere in the data
directory, the database file and its write-ahead log included.

Everything here runs in processes of their own, on a SQLite file of their own in a scratch data directory."""

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

from jobbro.conftest import make_cpr
from jobbro.imports.tests.bombs import xlsx_bomb
from jobbro.imports.tests.test_storage import citizens_csv

SETUP = """
import datetime
from django.utils import timezone
from jobbro.accounts.models import Membership, Programme, Role, User
from jobbro.imports.models import ImportRun
programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
kim = User.objects.create_user("kim", role=Role.COORDINATOR)
Membership.objects.create(user=kim, programme=programme)
ImportRun.objects.create(file_name="gone.csv", file_sha256="0" * 64, status="running", worker="gone.example:1",
                         heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
"""

# The page, as a coordinator uses it: upload, wait for the dry run, import, wait for the import. Then what is left.
THROUGH_THE_PAGE = """
import json, os, time
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from jobbro.accounts.models import Programme, User
from jobbro.imports.models import ImportFile, ImportRun
from jobbro.people.models import Citizen

def finished(pk):
    for _ in range(600):
        run = ImportRun.objects.get(pk=pk)
        if run.is_finished:
            return run
        assert client.get(f"/imports/{pk}/progress/").status_code in (200, 204)  # 204: it just finished
        time.sleep(0.1)
    raise AssertionError("the worker did not finish the run")

client = Client()
client.force_login(User.objects.get(username="kim"))
data = open(os.environ["IMPORT_FILE"], "rb").read()
programme = Programme.objects.get().pk
response = client.post("/imports/new/", {"file": SimpleUploadedFile("borgere.csv", data), "programme": programme})
dry = finished(int(response.url.rstrip("/").rsplit("/", 1)[1]))
client.post(f"/imports/{dry.pk}/import/")
real = finished(ImportRun.objects.filter(dry_run=False).latest("pk").pk)
for _ in range(300):  # the periodic sweep runs every second here; a finished run's file goes right after it
    if ImportRun.objects.get(file_name="gone.csv").status == "failed" and not ImportFile.objects.exists():
        break
    time.sleep(0.1)
print(json.dumps({"page": {"dry": [dry.status, dry.worker], "real": [real.status, real.worker]},
                  "runs": {r.file_name: [r.dry_run, r.status, r.worker] for r in ImportRun.objects.order_by("pk")},
                  "citizens": Citizen.objects.count(), "files": ImportFile.objects.count()}))
"""


class Site:
    def __init__(self, data):
        self.data = data
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jobbro.settings",
            "JOBBRO_DATA_DIR": str(data),
            "JOBBRO_DATABASE_URL": f"sqlite:///{data / 'jobbro.sqlite3'}",
            "JOBBRO_WORKER_PERIODIC_SECONDS": "1",
            "JOBBRO_ALLOWED_HOSTS": "testserver",
            "JOBBRO_DEBUG": "0",
        }

    def manage(self, *args, check=True, timeout=120):
        done = subprocess.run(
            [sys.executable, "manage.py", *map(str, args)],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def python(self, script, **env):
        """Run a script in the site's Django; what it printed last, as JSON, if anything."""
        self.env.update(env)
        lines = self.manage("shell", "--no-imports", "-c", script).stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None


def cpr_numbers_in(folder, numbers):
    needles = {n.encode() for n in numbers} | {f"{n[:6]}-{n[6:]}".encode() for n in numbers}
    found = set()
    for path in Path(folder).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found |= {(path.name, n.decode()) for n in needles if n in data}
    return sorted(found)


def peak_memory_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_worker_process_runs_queued_imports_sweeps_lost_runs_and_leaves_no_cpr_number_in_clear(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    site = Site(data)
    site.manage("migrate", "--noinput", "-v", "0")
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
        numbers = [make_cpr() for _ in range(6)]
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "borgere.csv").write_bytes(citizens_csv(numbers[:3]))
        cli = site.manage(
            "import",
            outside / "borgere.csv",
            "--user",
            "kim",
            "--programme",
            "Job i Nordvest",
            "--wait-for-worker",
            "60",
        )
        assert "Importerede 3 rækker" in cli.stdout and "køres her" not in cli.stderr

        bomb = xlsx_bomb(outside / "historik.xlsx")
        refused = site.manage("import", bomb, "--dry-run", "--user", "kim", "--wait-for-worker", "60", check=False)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert (
            "historik.xlsx: Filen fylder mere end 200 MB udpakket; en import må højst fylde 200 MB. "
            "Del den op i mindre filer."
        ) in refused.stdout
        peak = peak_memory_mb(worker.pid)
        print(f"worker peak memory after the gibibyte workbook: {peak:.0f} MB")
        assert peak < 300

        (outside / "page.csv").write_bytes(citizens_csv(numbers[3:]))
        report = site.python(THROUGH_THE_PAGE, IMPORT_FILE=str(outside / "page.csv"))
        by_worker = f":{worker.pid}"
        assert report["page"]["dry"][0] == report["page"]["real"][0] == "done"
        assert report["page"]["dry"][1].endswith(by_worker) and report["page"]["real"][1].endswith(by_worker)
        runs = report["runs"]
        assert runs["gone.csv"][1] == "failed"  # by the worker's periodic sweep: nobody viewed it
        assert runs["borgere.csv"][:2] == [False, "done"] and runs["borgere.csv"][2].endswith(by_worker)
        assert runs["historik.xlsx"][:2] == [True, "rejected"] and runs["historik.xlsx"][2].endswith(by_worker)
        assert (report["citizens"], report["files"]) == (6, 0)

        # Scanned while the worker is connected: the write-ahead log and shared memory files are there if in use.
        assert (data / "jobbro.sqlite3").stat().st_size > 0
        assert cpr_numbers_in(data, numbers) == []
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert cpr_numbers_in(data, numbers) == []
    assert cpr_numbers_in(outside, numbers[:3])  # where they are in clear, the scan finds them
    assert not list(Path(tempfile.gettempdir()).glob("jobbro-import-*"))
