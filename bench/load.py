"""50 staff at once: the production server beside the development server, on PostgreSQL with the demo programme.

    .venv/bin/python bench/load.py                          # build a scratch database, 50 users, 120 s per server
    .venv/bin/python bench/load.py --keep jobbro_load       # build into database jobbro_load and keep it
    .venv/bin/python bench/load.py --reuse jobbro_load      # measure again on a kept database, no build
    .venv/bin/python bench/load.py --reuse jobbro_load --seconds 30 --only production

The database is built first and never timed: created on JOBBRO_BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432), migrated, and loaded with `manage.py load_demo --citizens 10000`
(--citizens). With --reuse it is only migrated to the tree's latest schema. Either way it is ANALYZEd. The demo's
keys for CPR numbers are the development keys in JOBBRO_DATA_DIR (default var/), which both servers are given.

The staff (also set up untimed): the demo makes a job broker per 30 citizens; the users are real demo job brokers
with a caseload (active citizens, and a placement that ran last week so the hours page has rows), and the demo's
coordinator and manager. The demo has only one of each of those, so the others are made by the benchmark as
"load-koordinator2" … with the same programme memberships (they are kept, and reused by later runs). The default
50 are 40 job brokers, 6 coordinators and 4 managers (--users scales that mix). Every one of them gets the
known password DEMO_PASSWORD, and any sign-in lockouts are cleared.

Two servers, one after the other, against the same database:
  production   `bin/serve all`: migrations, static files collected (into JOBBRO_DATA_DIR/load-bench-static),
               then gunicorn with jobbro/gunicorn_conf.py (its workers, or --workers) and the task worker beside
               it; JOBBRO_PRODUCTION=1, a generated secret key, behind a pretend TLS proxy
               (JOBBRO_PROXY_SSL_HEADER=X-Forwarded-Proto, sent by the client);
  development  `manage.py runserver --noreload` with JOBBRO_DEBUG=1, as bin/demo runs it.
Each listens on a free port on 127.0.0.1 only and is stopped when its run ends (or the benchmark fails).

Each virtual user has its own requests.Session (one thread each). Untimed, it signs in (the login form with its
CSRF token, timed apart as "sign-in") and reads what its clicks need: its caseload's citizens from the caseload
page (coordinators and managers: the citizen list), and, for a job broker, the rows of the hours page. Then, for
--seconds (default 120), it loops: pick a page by its role's weights (ROLE_MIX below), request it, wait a think
time drawn uniformly from 0.5–1.5 × --think (default 2 s, the time to read a page and click; 0 for a closed loop
with no pauses). The pages:
  today         /today/, what needs doing                      (job brokers)
  caseload      /caseload/, Mine borgere                       (job brokers)
  citizen list  /citizens/, the first page or a later one      (coordinators, managers)
  citizen       a citizen's page from the caseload or list     (everyone)
  hours page    /hours/, last week's rows                      (job brokers)
  save hours    POST of one row of /hours/ as the browser's HTMX does, with new hours (job brokers)
  board         /openings/, the small-jobs board               (everyone)
  report        /result-goals/ for job brokers; a report page, each of the eight in turn, for the others
A request counts as an error if it raises, or answers other than 200 (a redirect would be to the sign-in page).
Printed per server, side by side: requests, requests/s, errors, and p50/p95/p99 over all requests and per page;
for the production server also each page's time in a worker from gunicorn's access log, and its share of all the
workers' time (the client's time minus that is the wait for a free worker). --workers and --threads try other
gunicorn settings through JOBBRO_WEB_WORKERS and GUNICORN_CMD_ARGS, without changing bin/serve.
"""

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import databases  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"  # the servers listen here only, and the clients only ever ask here
MAX_USERS = 200
MAX_SECONDS = 30 * 60
REQUEST_TIMEOUT = 60
START_SECONDS = 300  # bin/serve checks the set-up and collects the static files before gunicorn listens

# Virtual users per role, out of 50: mostly job brokers, as in a programme.
ROLE_SHARES = {"job_broker": 40, "coordinator": 6, "manager": 4}
# For each role, the pages it clicks and how often (relative weights).
ROLE_MIX = {
    "job_broker": {
        "today": 18,
        "caseload": 14,
        "citizen": 30,
        "hours page": 8,
        "save hours": 14,
        "board": 10,
        "report": 6,
    },
    "coordinator": {"citizen list": 20, "citizen": 35, "board": 25, "report": 20},
    "manager": {"report": 55, "citizen list": 15, "citizen": 20, "board": 10},
}
PAGE_ORDER = ["today", "caseload", "citizen list", "citizen", "hours page", "save hours", "board", "report"]


# --- Set-up (untimed) ----------------------------------------------------------------------------------------------


def admin(sql):
    with psycopg.connect(databases.POSTGRES + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def manage(env, *args, quiet=True):
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL if quiet else None
    )


def data_dir():
    return Path(os.environ.get("JOBBRO_DATA_DIR", ROOT / "var"))


def base_env(url):
    env = {**os.environ, "JOBBRO_DATABASE_URL": url, "JOBBRO_DATA_DIR": str(data_dir())}
    for name in ("JOBBRO_PRODUCTION", "JOBBRO_DEBUG", "JOBBRO_SECRET_KEY", "JOBBRO_CPR_KEYS", "JOBBRO_CPR_HASH_KEY"):
        env.pop(name, None)
    return env


def build(name, citizens):
    url = f"{databases.POSTGRES}/{name}"
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {name}")
    env = base_env(url)
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "--citizens", str(citizens), "--seed", "2026")
    print(
        f"Built {name}: migrated and loaded {citizens:,} demo citizens in {time.perf_counter() - started:.0f} s (untimed)",
        flush=True,
    )
    return url


def analyse(url):
    """Give the planner statistics of the loaded tables, as autovacuum does soon after a load. A server running
    without autovacuum (as some test servers do) otherwise plans the reports' queries for empty tables: the
    progression report then takes minutes instead of a fraction of a second."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def role_counts(users):
    counts = {role: users * share // 50 for role, share in ROLE_SHARES.items()}
    counts["job_broker"] += users - sum(counts.values())
    for role in ("coordinator", "manager"):  # at least one of each once there are enough users
        if users >= 3 and counts[role] == 0:
            counts[role], counts["job_broker"] = 1, counts["job_broker"] - 1
    return counts


SETUP_STAFF = r"""
import datetime, json, os, sys
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from jobbro.accounts.models import Membership, Role, User
from jobbro.cases.models import Enrolment, Placement
from jobbro.demo.generator import DEMO_PASSWORD

wanted = json.loads(os.environ["JOBBRO_LOAD_USERS"])
monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
ran_last_week = Placement.objects.filter(enrolment__job_broker=OuterRef("pk"), enrolment__ended_on__isnull=True,
                                         starts_on__lte=monday + datetime.timedelta(days=6)).filter(
    Q(ended_on__isnull=True) | Q(ended_on__gte=monday))
brokers = (User.objects.filter(role=Role.JOB_BROKER, is_active=True)
           .annotate(active=Count("caseload", filter=Q(caseload__ended_on__isnull=True)))
           .filter(active__gte=5).filter(Exists(ran_last_week)).order_by("username"))
chosen = {"job_broker": list(brokers.values_list("username", flat=True)[: wanted["job_broker"]])}
if len(chosen["job_broker"]) < wanted["job_broker"]:
    sys.exit(f"only {len(chosen['job_broker'])} job brokers with a caseload and last week's placements")
for role, stem in ((Role.COORDINATOR, "koordinator"), (Role.MANAGER, "leder")):
    demo = User.objects.filter(role=role, is_active=True).order_by("pk").first()
    names = list(User.objects.filter(role=role, is_active=True).order_by("pk").values_list("username", flat=True))
    for n in range(len(names), wanted[role]):
        user, _created = User.objects.get_or_create(username=f"load-{stem}{n + 1}", defaults={"role": role,
            "first_name": demo.first_name, "last_name": f"{demo.last_name} {n + 1}"})
        for m in Membership.objects.filter(user=demo):
            Membership.objects.get_or_create(user=user, programme=m.programme, site=m.site)
        names.append(user.username)
    chosen[role] = names[: wanted[role]]
everyone = [name for names in chosen.values() for name in names]
User.objects.filter(username__in=everyone).update(password=make_password(DEMO_PASSWORD), is_active=True)
if apps.is_installed("axes"):
    from axes.models import AccessAttempt
    AccessAttempt.objects.all().delete()
print(json.dumps({"users": chosen, "password": DEMO_PASSWORD}))
"""


def setup_staff(env, counts):
    """The logins for each role (see the docstring), with the known password set: {role: [username]}, password."""
    wanted = {"job_broker": counts["job_broker"], "coordinator": counts["coordinator"], "manager": counts["manager"]}
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", SETUP_STAFF],
        cwd=ROOT,
        env={**env, "JOBBRO_LOAD_USERS": json.dumps(wanted)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"setting up the users failed:\n{done.stderr[-3000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["users"], found["password"]


def report_slugs(env):
    out = subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "from jobbro.reporting.registry import REPORTS; print(' '.join(e.slug for e in REPORTS))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1].split()


# --- The servers ---------------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    label: str
    description: str
    command: list
    env: dict
    scheme: str  # what the browser sees: https behind the proxy in production
    port: int
    process: subprocess.Popen = None
    log: Path = None

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    @property
    def origin(self):
        return f"{self.scheme}://{HOST}:{self.port}"

    def start(self):
        self.log = Path(f"/tmp/jobbro-load-{self.label}-{os.getpid()}.log")
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"{self.label} server stopped at start; see {self.log}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                response = requests.get(
                    self.url + "/login/", headers=proxy_headers(self), timeout=30, allow_redirects=False
                )
                if response.status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still loading
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.label} server did not answer within {START_SECONDS} s; see {self.log}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own process group: gunicorn's master and workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def dev_keys():
    path = data_dir() / "dev-keys.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: the demo's CPR numbers were encrypted with the keys kept there")
    return json.loads(path.read_text())


def production_server(url, workers, threads):
    """`bin/serve all` in production mode: migrations and static files, then gunicorn (jobbro/gunicorn_conf.py) and
    the task worker, which refreshes the report facts off the request path."""
    keys = dev_keys()
    port = free_port()
    env = {
        **base_env(url),
        "JOBBRO_PRODUCTION": "1",
        "JOBBRO_SECRET_KEY": secrets.token_urlsafe(50),
        # The demo was encrypted with the development keys; production is given them as it would be its own.
        "JOBBRO_CPR_KEYS": keys["cpr_key"],
        "JOBBRO_CPR_HASH_KEY": keys["cpr_hash_key"],
        "JOBBRO_ALLOWED_HOSTS": HOST,
        "JOBBRO_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "JOBBRO_STATIC_ROOT": str(data_dir() / "load-bench-static"),
        "JOBBRO_BIND": f"{HOST}:{port}",
    }
    if workers:
        env["JOBBRO_WEB_WORKERS"] = str(workers)
    shown = f"{workers} workers" if workers else "its default workers"
    if threads:
        # gunicorn reads GUNICORN_CMD_ARGS over its configuration file: threads without changing bin/serve.
        env["GUNICORN_CMD_ARGS"] = f"--threads {threads}"
        shown += f" × {threads} threads"
    return Server("production", f"bin/serve all, {shown}", [str(ROOT / "bin" / "serve"), "all"], env, "https", port)


def development_server(url):
    port = free_port()
    env = {**base_env(url), "JOBBRO_DEBUG": "1"}
    command = [PYTHON, "manage.py", "runserver", "--noreload", f"{HOST}:{port}"]
    return Server("development", "manage.py runserver", command, env, "http", port)


def proxy_headers(server):
    return {"X-Forwarded-Proto": "https"} if server.scheme == "https" else {}


# --- The virtual users ---------------------------------------------------------------------------------------------


CITIZEN_LINK = re.compile(r'href="/citizens/(\d+)/"')
HOURS_ROW = re.compile(r'<form id="hours-form-(\d+)" method="post" action="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Sample:
    page: str
    seconds: float
    error: str = ""


@dataclass
class VirtualUser:
    username: str
    role: str
    server: Server
    password: str
    rng: random.Random
    reports: list
    session: requests.Session = field(default_factory=requests.Session)
    citizens: list = field(default_factory=list)
    hour_rows: list = field(default_factory=list)
    report_turn: int = 0

    def __post_init__(self):
        self.session.headers.update(proxy_headers(self.server))
        self.session.headers["User-Agent"] = "jobbro-load-bench"

    def get(self, path):
        response = self.session.get(
            self.server.url + path,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
            headers={"Referer": self.server.origin + "/"},
        )
        return self.behind_the_proxy(response)

    def post(self, path, data, **headers):
        headers = {"Referer": self.server.origin + path, "Origin": self.server.origin, **headers}
        response = self.session.post(
            self.server.url + path, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False, headers=headers
        )
        return self.behind_the_proxy(response)

    def behind_the_proxy(self, response):
        """Keep sending Secure cookies over the loopback's plain HTTP: the browser sees HTTPS at the proxy, which
        this client plays."""
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def sign_in(self):
        page = self.get("/login/")
        token = CSRF_FIELD.search(page.text)
        if not token:
            raise RuntimeError(f"no CSRF token on the sign-in page ({page.status_code})")
        response = self.post(
            "/login/",
            {"csrfmiddlewaretoken": token[1], "username": self.username, "password": self.password, "next": ""},
        )
        if response.status_code != 302 or "/login/" in response.headers.get("Location", ""):
            raise RuntimeError(f"{self.username} could not sign in ({response.status_code})")

    def learn(self):
        """What the clicks need: the citizens of the caseload (or citizen list) and the rows of the hours page."""
        listing = self.get("/caseload/" if self.role == "job_broker" else "/citizens/")
        self.citizens = sorted({int(pk) for pk in CITIZEN_LINK.findall(listing.text)})
        if self.role == "job_broker":
            self.hour_rows = HOURS_ROW.findall(self.get("/hours/").text)
        if not self.citizens or (self.role == "job_broker" and not self.hour_rows):
            raise RuntimeError(f"{self.username} sees no citizens or no rows of hours")

    def click(self, page):
        """One request for a page of the mix: (response, the status it should have)."""
        if page == "today":
            return self.get("/today/")
        if page == "caseload":
            return self.get("/caseload/")
        if page == "citizen list":
            return self.get("/citizens/" + self.rng.choice(["", "", "?page=2", "?page=3"]))
        if page == "citizen":
            return self.get(f"/citizens/{self.rng.choice(self.citizens)}/")
        if page == "hours page":
            return self.get("/hours/")
        if page == "save hours":
            placement, url = self.rng.choice(self.hour_rows)
            ordinary = self.rng.choice(["0", "4", "7,5", "10", "12,5", "15"])
            internship = self.rng.choice(["0", "0", "5", "8,5", "20"])
            data = {
                "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", ""),
                f"p{placement}-ordinary_hours": ordinary,
                f"p{placement}-internship_hours": internship,
            }
            return self.post(
                url,
                data,
                **{
                    "HX-Request": "true",
                    "HX-Current-URL": self.server.origin + "/hours/",
                    "Referer": self.server.origin + "/hours/",
                },
            )
        if page == "board":
            return self.get("/openings/")
        if page == "report":
            if self.role == "job_broker":
                return self.get("/result-goals/")
            slug = self.reports[self.report_turn % len(self.reports)]
            self.report_turn += 1
            return self.get(f"/reports/{slug}/")
        raise ValueError(page)

    def run(self, start, stop, think, samples):
        mix = ROLE_MIX[self.role]
        pages, weights = list(mix), list(mix.values())
        wait_until(start + self.rng.uniform(0, max(think, 0.5)))  # users start spread over one think time
        while time.monotonic() < stop:
            page = self.rng.choices(pages, weights)[0]
            began = time.monotonic()
            error = ""
            try:
                response = self.click(page)
                if response.status_code != 200:  # a redirect here is to the sign-in page
                    error = f"{page}: HTTP {response.status_code} {response.headers.get('Location', '')}".strip()
            except requests.RequestException as exc:
                error = f"{page}: {type(exc).__name__}"
            samples.append(Sample(page, time.monotonic() - began, error))
            if think:
                wait_until(min(stop, time.monotonic() + self.rng.uniform(0.5 * think, 1.5 * think)))


def wait_until(moment):
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def in_parallel(function, items):
    """Call function(item) for every item, each in its own thread; raise the first failure."""
    failures = []

    def call(item):
        try:
            function(item)
        except Exception as exc:  # noqa: BLE001 (reported below with the user)
            failures.append(exc)

    threads = [threading.Thread(target=call, args=(item,), daemon=True) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} of {len(items)} users failed to start: {failures[0]}")


@dataclass
class Result:
    server: Server
    samples: list
    seconds: float
    sign_in: list
    load_before: float
    load_after: float
    in_app: list = field(default_factory=list)  # (page, seconds) from the access log: the time in a worker


ACCESS_LINE = re.compile(r'"(GET|POST) (/\S*) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')
PAGE_OF_PATH = [
    ("GET", re.compile(r"/today/$"), "today"),
    ("GET", re.compile(r"/caseload/$"), "caseload"),
    ("GET", re.compile(r"/citizens/$"), "citizen list"),
    ("GET", re.compile(r"/citizens/\d+/$"), "citizen"),
    ("GET", re.compile(r"/hours/$"), "hours page"),
    ("POST", re.compile(r"/hours/.+"), "save hours"),
    ("GET", re.compile(r"/openings/$"), "board"),
    ("GET", re.compile(r"/(reports/[\w-]+|result-goals)/$"), "report"),
]


def time_in_app(log, offset):
    """(page, seconds) for each request gunicorn's access log lists after `offset`: how long a worker spent on it,
    without the wait for a free worker that the client's time includes."""
    with log.open(errors="replace") as lines:
        lines.seek(offset)
        found = []
        for line in lines:
            match = ACCESS_LINE.search(line)
            if not match:
                continue
            method, path, _status, millis = match.groups()
            page = next((page for m, pattern, page in PAGE_OF_PATH if m == method and pattern.match(path)), None)
            if page:
                found.append((page, int(millis) / 1000))
        return found


def measure(server, staff, password, reports, args):
    users = [
        VirtualUser(name, role, server, password, random.Random(f"{args.seed}-{name}"), reports)
        for role, names in staff.items()
        for name in names
    ]
    sign_in = []
    # Staff arrive a few at a time: 50 password checks at once would only queue behind each other.
    arriving = threading.Semaphore(4)

    def prepare(user):
        with arriving:
            began = time.monotonic()
            user.sign_in()
            sign_in.append(time.monotonic() - began)
            user.learn()

    in_parallel(prepare, users)
    samples = []
    load_before = os.getloadavg()[0]
    log_offset = server.log.stat().st_size
    start = time.monotonic() + 1
    stop = start + args.seconds
    in_parallel(lambda user: user.run(start, stop, args.think, samples), users)
    result = Result(server, samples, time.monotonic() - start, sign_in, load_before, os.getloadavg()[0])
    time.sleep(1)  # the last lines of the access log
    result.in_app = time_in_app(server.log, log_offset)
    return result


# --- Printing ------------------------------------------------------------------------------------------------------


def percentile(sorted_values, share):
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * share // 1))
    return sorted_values[int(rank) - 1]


def ms(value):
    return "–" if value is None else f"{value * 1000:,.0f}"


def triple(values):
    values = sorted(values)
    return f"{ms(percentile(values, 0.50))} / {ms(percentile(values, 0.95))} / {ms(percentile(values, 0.99))}"


def in_app_cell(in_app, page):
    """p50/p95/p99 of a page's time in a worker, and its share of all the workers' time."""
    if not in_app:
        return "–"
    times = [t for p, t in in_app if p == page]
    share = sum(times) / (sum(t for _p, t in in_app) or 1)
    return f"{triple(times)} ({share:.0%} of the time)"


def report(results, args):
    width = 52
    print()
    print(
        f"{args.users} users, {args.seconds:.0f} s per server, think time {0.5 * args.think:g}–{1.5 * args.think:g} s, "
        f"database {args.database}, {os.cpu_count()} cores"
    )
    print(f"{'':<28}" + "".join(f"{r.server.label + ': ' + r.server.description:<{width}}" for r in results))

    def row(label, values):
        print(f"{label:<28}" + "".join(f"{value:<{width}}" for value in values))

    row("requests", [f"{len(r.samples):,}" for r in results])
    row("requests/s", [f"{len(r.samples) / r.seconds:.1f}" for r in results])
    row("errors", [f"{sum(1 for s in r.samples if s.error):,}" for r in results])
    row("all pages p50/p95/p99 ms", [triple(s.seconds for s in r.samples) for r in results])
    for page in PAGE_ORDER:
        cells = []
        for r in results:
            times = [s.seconds for s in r.samples if s.page == page]
            errors = sum(1 for s in r.samples if s.page == page and s.error)
            cells.append(
                f"{triple(times)} (n={len(times):,}{f', {errors} errors' if errors else ''})" if times else "–"
            )
        row(f"  {page}", cells)
    if any(r.in_app for r in results):
        print("time in a worker, from the access log (the rest of the client's time is the wait for a free worker):")
        row("all pages p50/p95/p99 ms", [triple(t for _p, t in r.in_app) if r.in_app else "–" for r in results])
        for page in PAGE_ORDER:
            row(f"  {page}", [in_app_cell(r.in_app, page) for r in results])
    row(
        "sign-in p50/p95 ms, untimed",
        [f"{ms(percentile(sorted(r.sign_in), 0.5))} / {ms(percentile(sorted(r.sign_in), 0.95))}" for r in results],
    )
    row("load average before/after", [f"{r.load_before:.1f} / {r.load_after:.1f}" for r in results])
    for r in results:
        errors = Counter(s.error for s in r.samples if s.error)
        for text, count in errors.most_common(5):
            print(f"  {r.server.label} error ×{count}: {text}")
    print("(p50/p95/p99 in milliseconds; the machine's other work shows in the load average)")


# --- Main ----------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120, help="length of each server's run (default 120)")
    parser.add_argument("--users", type=int, default=50, help="virtual users at once (default 50)")
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean pause between a user's clicks in seconds, drawn from 0.5–1.5× (default 2; 0: none)",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers for the production server (default: bin/serve's)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: bin/serve's)")
    parser.add_argument("--citizens", type=int, default=10_000, help="demo citizens to build (default 10,000)")
    parser.add_argument("--keep", metavar="NAME", help="build into database NAME and keep it afterwards")
    parser.add_argument("--reuse", metavar="NAME", help="measure on database NAME, built earlier with --keep")
    parser.add_argument("--only", choices=("production", "development"), help="run one server only")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the users' choices")
    args = parser.parse_args()
    if args.keep and args.reuse:
        parser.error("--keep builds a database and --reuse measures an existing one: give one of them")
    if not 1 <= args.users <= MAX_USERS or not 0 < args.seconds <= MAX_SECONDS or args.think < 0:
        parser.error(f"--users 1–{MAX_USERS}, --seconds up to {MAX_SECONDS}, --think 0 or more")
    args.database = args.reuse or args.keep or f"jobbro_load_{os.getpid()}"
    url = f"{databases.POSTGRES}/{args.database}"
    servers = []
    try:
        if args.reuse:
            manage(base_env(url), "migrate", "--noinput", "-v0")
        else:
            build(args.database, args.citizens)
        analyse(url)
        env = base_env(url)
        staff, password = setup_staff(env, role_counts(args.users))
        reports = report_slugs(env)
        print(
            "Users: " + ", ".join(f"{len(names)} {role.replace('_', ' ')}s" for role, names in staff.items()),
            flush=True,
        )
        if args.only != "development":
            servers.append(production_server(url, args.workers, args.threads))
        if args.only != "production":
            servers.append(development_server(url))
        results = []
        for server in servers:
            print(
                f"Running {server.label} ({server.description}) on {server.url} for {args.seconds:.0f} s …", flush=True
            )
            server.start()
            try:
                results.append(measure(server, staff, password, reports, args))
            finally:
                server.stop()
        report(results, args)
    finally:
        for server in servers:
            server.stop()
        if not args.keep and not args.reuse:
            admin(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")


if __name__ == "__main__":
    main()
