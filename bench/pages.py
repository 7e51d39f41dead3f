"""Every page and export for every role on the demo programme, on SQLite and PostgreSQL: p50/p95, bytes, queries.

    .venv/bin/python bench/pages.py --reuse-sqlite var/bench/pages100k \\
        --reuse-postgres postgres://postgres@127.0.0.1:5432/jobbro_pages100k --postgres-data-dir var/bench/pages100k-pg
    .venv/bin/python bench/pages.py --keep-sqlite /tmp/small --citizens 2000 --engine sqlite   # build and keep
    .venv/bin/python bench/pages.py --reuse-sqlite /tmp/small --roles coordinator,manager --only 'report|quality'
    .venv/bin/python bench/pages.py --citizens 2000        # scratch databases on both engines, dropped afterwards

What it measures: the Django stack in-process (django.test.Client, no WSGI server, no network, no static files)
on the real database named by JOBBRO_DATA_DIR / JOBBRO_DATABASE_URL; each engine runs in a subprocess of its own
with that environment. The server-level load test, with gunicorn and 50 users at once, is bench/load.py.

The databases (set up untimed):
  SQLite       --reuse-sqlite DIR measures DIR/jobbro.sqlite3; --keep-sqlite DIR builds it there and keeps it;
               neither: a scratch directory, deleted afterwards.
  PostgreSQL   --reuse-postgres URL measures that database, with the CPR keys of --postgres-data-dir (default
               JOBBRO_DATA_DIR, else var/); --keep-postgres NAME builds database NAME on JOBBRO_BENCH_POSTGRES
               (default postgres://postgres@127.0.0.1:5432) with its keys in var/bench/NAME-pg/ and keeps it;
               neither: a scratch database, dropped afterwards. Left out when the server does not answer.
  A build is `migrate` and `load_demo --citizens N --seed 2026` (--citizens, default 100,000: about 4 minutes on
  SQLite and 20 on PostgreSQL). A reused database is not migrated unless --migrate is given (a shared benchmark
  database is not changed behind its owners' backs); migrations it lacks are printed above its table. PostgreSQL
  is ANALYZEd before measuring (--no-analyze skips it), as autovacuum does soon after a load in production:
  without statistics the planner plans for empty tables. SQLite is measured as the application leaves it.

Before the first request the run reads every programme's matching features into memory and freezes what it has
loaded out of the garbage collector's sight, untimed, as each worker of the production server does when it starts
(jobbro/matching/pool.py, jobbro/gunicorn_conf.py).

Who asks (one real demo user per role, chosen untimed): the job broker and the mentor with the largest open
caseload (the busiest one, as the pages must be quick for them too), and the demo's core logins sagsbehandler,
koordinator, leder, evaluator and admin. Each is signed in with force_login; the administrator must use a second
factor, satisfied as the tests do (a confirmed authenticator in the session): when admin has none, one is made
for the run and deleted afterwards. Public pages (sign-in, health check, the tablet's code page) are requested
once, signed out, as "public"; the tablet questionnaire needs a live token, and the demo stores only hashes, so
an invitation is made for the run and deleted afterwards (also when the run is stopped with Ctrl-C or SIGTERM;
SIGKILL leaves them behind). Otherwise the run writes only what reading pages writes: read-log rows of the audit
trail, session rows (each role signs out at the end) and, the first time, the unconfirmed authenticator the
two-factor set-up page makes for each user to show its QR code (later runs reuse it).

Which addresses: every URL pattern of the site (jobbro/accounts/url_matrix.py, as the URL × role test walks
them) that jobbro/accounts/policy.PAGES lets the role open, filled with real ids of objects the user may see:
a citizen in the user's scope with as much as possible behind it (an open enrolment with a running placement,
a job plan with an open milestone, a match proposal, contacts, a job goal, CV entries, restrictions, parallel
efforts; each missing one is taken from another citizen in scope), a company with an agreement, contacts and an
open small job, a course, an import run, last week's hours row, each of the eight reports with its xlsx and PDF,
and every import template. A few lists are also asked for their last page (a page number past the end, which they answer with the
last page). A page that needs an
object the database does not have, a single sign-on page while that protocol is not set up, and a POST-only
page (405 on GET) are listed as skipped with the reason. GET only.

How: each (page, role) is requested once untimed (templates, caches; a first request slower than 1 s is
kept as a sample instead), then --repeat times (default 10), each timed with time.perf_counter around the
request and the reading of its body; queries are counted with CaptureQueriesContext; bytes = the body's length
(a streamed body: the sum of its chunks). A page slower than its target stops repeating once its samples took
--budget seconds (default 10), so a run on slow pages still ends; the n column shows the samples. An answer
other than 200 (or a redirect that is not to the sign-in page) is an error, listed with its status.

Targets: a page p95 under 300 ms; report pages (the eight reports, the reports index, result goals, data
quality) and exports (xlsx, PDF and CSV downloads, the import templates) under 1 s. Printed per engine, slowest
first: page, role, n, p50, p95, bytes, queries and the verdict, then the count of lines over target, the errors
and the skipped pages; at the end the engines side by side (page, role, SQLite p95, PostgreSQL p95, bytes,
queries). --json FILE also writes every sample (after each engine). Run time: the pages under target took 86 s
of the SQLite half at --repeat 3 on the 100,000-citizen demo, so once every page meets its target the whole run,
both engines and all roles, at --repeat 5 stays well under 20 minutes; while pages are minutes slow it is bound
by them (the first baseline: 42 minutes for SQLite; a slow page is asked again only until its requests took
--budget seconds, but that once for each role that may open it). --roles coordinator checks the reports quickly. Options: --roles job_broker,mentor,... (and public), --only REGEX (on the page label), --engine
sqlite|postgres|both.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import databases  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PAGE_TARGET_MS = 300
REPORT_TARGET_MS = 1000
SLOW_FIRST_MS = 1000  # a first request slower than this is kept as a sample, not thrown away as a warm-up
ROLES = ("job_broker", "caseworker", "mentor", "coordinator", "manager", "evaluator", "administrator", "public")
ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
REPORT_PAGES = {"report", "reports", "result_goals", "data_quality"}
EXPORT_PAGES = {"report_xlsx", "report_pdf", "opening_board_xlsx", "opening_board_pdf", "cv_pdf", "import_template"}
# Lists also asked for their last page: the deepest OFFSET, and the page a count-heavy paginator slows down most.
PAST_THE_LAST_PAGE = 10**6
LAST_PAGE = {"citizen_list", "company_list", "opening_board", "contact_list"}


# --- Setting up the databases (untimed) ----------------------------------------------------------------------------


def manage(env, *args, log=None):
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else None,
    )
    return time.perf_counter() - started


def base_env():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jobbro.settings"}
    for name in (
        "JOBBRO_PRODUCTION",
        "JOBBRO_SECRET_KEY",
        "JOBBRO_CPR_KEYS",
        "JOBBRO_CPR_HASH_KEY",
        "JOBBRO_DATABASE_URL",
        "JOBBRO_DATA_DIR",
    ):
        env.pop(name, None)
    # Not the debug mode of the development server: no debug toolbar pages, no SQL kept beyond our own capture.
    env["JOBBRO_DEBUG"] = "0"
    env["JOBBRO_ALLOWED_HOSTS"] = "testserver"
    return env


def build(env, citizens):
    print(f"  building: migrate and load_demo --citizens {citizens:,} (untimed) ...", flush=True)
    seconds = manage(env, "migrate", "--noinput", "-v0")
    seconds += manage(env, "load_demo", "--citizens", str(citizens), "--seed", "2026")
    print(f"  built in {seconds:.0f} s", flush=True)


def unapplied_migrations(env):
    out = subprocess.run(
        [PYTHON, "manage.py", "showmigrations", "--plan"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        return [f"(showmigrations failed: {out.stderr.strip()[-300:]})"]
    return [line.split("]", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("[ ]")]


def analyse(url):
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    print(f"  ANALYZE in {time.perf_counter() - started:.0f} s (untimed)", flush=True)


class Engine:
    """One engine's database for the run: reused, built and kept, or scratch (removed at the end)."""

    def __init__(self, key, args):
        self.key, self.label, self.args = key, ENGINES[key], args
        self.env, self.cleanup, self.note = base_env(), [], ""

    def __enter__(self):
        args = self.args
        if self.key == "sqlite":
            if args.reuse_sqlite:
                data_dir = Path(args.reuse_sqlite).resolve()
                if not (data_dir / "jobbro.sqlite3").exists():
                    raise SystemExit(f"no database at {data_dir / 'jobbro.sqlite3'}")
                self.note = f"reused {data_dir / 'jobbro.sqlite3'}"
            else:
                if args.keep_sqlite:
                    data_dir = Path(args.keep_sqlite).resolve()
                    if (data_dir / "jobbro.sqlite3").exists():
                        raise SystemExit(f"{data_dir / 'jobbro.sqlite3'} exists: measure it with --reuse-sqlite")
                    data_dir.mkdir(parents=True, exist_ok=True)
                else:
                    data_dir = Path(tempfile.mkdtemp(prefix="jobbro-pages-"))
                    self.cleanup.append(lambda: shutil.rmtree(data_dir, ignore_errors=True))
                self.env["JOBBRO_DATA_DIR"] = str(data_dir)
                build(self.env, args.citizens)
                self.note = f"built {data_dir / 'jobbro.sqlite3'}" + (" (kept)" if args.keep_sqlite else "")
            self.env["JOBBRO_DATA_DIR"] = str(data_dir)
        else:
            if args.reuse_postgres:
                url = args.reuse_postgres
                data_dir = Path(args.postgres_data_dir or os.environ.get("JOBBRO_DATA_DIR") or ROOT / "var")
                self.env.update(JOBBRO_DATABASE_URL=url, JOBBRO_DATA_DIR=str(data_dir.resolve()))
                self.note = f"reused {url.rsplit('@', 1)[-1]}"
            else:
                self._build_postgres()
            if not args.no_analyze:
                analyse(self.env["JOBBRO_DATABASE_URL"])
        reused = args.reuse_sqlite if self.key == "sqlite" else args.reuse_postgres
        if reused and args.migrate:
            print(f"  migrating {self.note} ...", flush=True)
            manage(self.env, "migrate", "--noinput", "-v0")
        self.unapplied = unapplied_migrations(self.env)
        return self

    def _build_postgres(self):
        import psycopg

        name = self.args.keep_postgres or f"jobbro_pages_{os.getpid()}"
        with psycopg.connect(databases.POSTGRES + "/postgres", autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                raise SystemExit(f"database {name} exists: measure it with --reuse-postgres")
            admin.execute(f'CREATE DATABASE "{name}"')
        if self.args.keep_postgres:
            data_dir = Path(self.args.postgres_data_dir or ROOT / "var" / "bench" / f"{name}-pg").resolve()
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            data_dir = Path(tempfile.mkdtemp(prefix="jobbro-pages-pg-"))
            self.cleanup.append(lambda: shutil.rmtree(data_dir, ignore_errors=True))
            self.cleanup.append(lambda: self._drop(name))
        self.env.update(JOBBRO_DATABASE_URL=f"{databases.POSTGRES}/{name}", JOBBRO_DATA_DIR=str(data_dir))
        build(self.env, self.args.citizens)
        self.note = f"built database {name}, keys in {data_dir}" + (" (kept)" if self.args.keep_postgres else "")

    @staticmethod
    def _drop(name):
        import psycopg

        with psycopg.connect(databases.POSTGRES + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def __exit__(self, *exc):
        for step in reversed(self.cleanup):
            step()

    def measure(self):
        """Run the worker in a subprocess with this engine's environment; its results as a dict."""
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            path = Path(out.name)
        try:
            command = [PYTHON, str(Path(__file__).resolve()), "--worker", str(path), *worker_arguments(self.args)]
            child = subprocess.Popen(command, cwd=ROOT, env=self.env)
            try:
                if child.wait():
                    raise SystemExit(f"the {self.label} worker failed with exit status {child.returncode}")
            except BaseException:
                # Interrupted: let the worker sign out and delete what it made for the run before it stops.
                child.terminate()
                try:
                    child.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    child.kill()
                raise
            return json.loads(path.read_text())
        finally:
            path.unlink(missing_ok=True)


def worker_arguments(args):
    wanted = ["--repeat", str(args.repeat), "--budget", str(args.budget), "--roles", ",".join(args.roles)]
    return [*wanted, "--only", args.only] if args.only else wanted


# --- The worker: runs inside one engine's environment -----------------------------------------------------------


def stop_on_sigterm():
    """SIGTERM ends the process like Ctrl-C: through the finally blocks that remove what the run made."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def worker(out_path, args):
    stop_on_sigterm()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    # Reading pages logs sign-outs (axes), PDF layout steps (weasyprint) and 405s (django.request): not results.
    for name in ("axes", "weasyprint", "fontTools", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from jobbro.accounts.url_matrix import checked_patterns

    world = DemoWorld()
    # What the production server does when a worker starts (jobbro/gunicorn_conf.py): read every programme's matching
    # features before the first request, untimed here as there.
    import gc

    from jobbro.matching import services

    services.warm_citizen_pools()
    gc.collect()
    gc.freeze()
    only = re.compile(args.only) if args.only else None
    rows, skipped = [], []
    patterns = checked_patterns()
    started = time.perf_counter()
    try:
        measure_roles(world, patterns, only, rows, skipped, args)
    finally:
        world.tear_down()
    result = {
        "users": {role: (user.username if user else None) for role, user in world.users.items()},
        "objects": world.described,
        "rows": rows,
        "skipped": skipped,
        "seconds": time.perf_counter() - started,
    }
    Path(out_path).write_text(json.dumps(result))


def measure_roles(world, patterns, only, rows, skipped, args):
    for role in args.roles:
        user = world.users.get(role)
        if role != "public" and user is None:
            skipped.append({"page": "*", "role": role, "reason": "no active user of this role in the database"})
            continue
        with world.signed_in(user) as client:
            for pattern in patterns:
                for label, url, reason in world.addresses(pattern, role, user):
                    if only and not only.search(label):
                        continue
                    if reason:
                        skipped.append({"page": label, "role": role, "reason": reason})
                        continue
                    row = measure(client, label, pattern.name, url, role, args)
                    if row["status"] == 405:
                        skipped.append({"page": label, "role": role, "reason": "POST only (405 on GET)"})
                        continue
                    rows.append(row)
                    p95 = percentile(row["ms"], 95)
                    print(
                        f"    {role:<13} {label:<40} n={len(row['ms']):<3} p95 {p95:8.0f} ms"
                        + (f"  ERROR {row['error']}" if row["error"] else ""),
                        file=sys.stderr,
                        flush=True,
                    )


def measure(client, label, name, url, role, args):
    from django.conf import settings
    from django.db import connection
    from django.shortcuts import resolve_url
    from django.test.utils import CaptureQueriesContext

    samples, queries, size, status, error = [], 0, 0, None, ""
    spent, first = 0.0, True
    while len(samples) < args.repeat:
        connection.queries_log.clear()  # a full log (9,000 entries) would make every later count 0
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            elapsed = (time.perf_counter() - started) * 1000
        response.close()
        status = response.status_code
        if status == 405:
            break
        spent += elapsed / 1000
        if first:
            first = False
            if status == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
                error = "302 to the sign-in page"
            elif status not in (200, 302):
                exc = getattr(response, "exc_info", None)
                error = f"{status}" + (f" {exc[0].__name__}: {str(exc[1])[:200]}" if exc else "")
            if error:
                samples.append(elapsed)
                queries, size = len(captured), len(body)
                break
            if elapsed < SLOW_FIRST_MS:
                continue  # the warm-up
        samples.append(elapsed)
        queries, size = len(captured), len(body)
        if spent >= args.budget and percentile(samples, 95) > target_ms(name):
            break
    return {
        "page": label,
        "name": name,
        "role": role,
        "url": url,
        "status": status,
        "ms": samples,
        "bytes": size,
        "queries": queries,
        "error": error,
    }


class DemoWorld:
    """The users of each role and the real objects behind every id an address can hold, per user."""

    def __init__(self):
        from django.conf import settings

        from jobbro.accounts.models import Role
        from jobbro.reporting.registry import REPORTS

        self.settings = settings
        self.report_slugs = [entry.slug for entry in REPORTS]
        self.users = self._users(Role)
        self.described = {}
        self._objects = {}
        self._temporary = []
        self.token = None

    # -- users --

    def _users(self, Role):
        from django.db.models import Count, Q

        from jobbro.accounts.models import User

        active = User.objects.filter(is_active=True)

        def busiest(role, relation):
            return (
                active.filter(role=role)
                .annotate(open_cases=Count(relation, filter=Q(**{f"{relation}__ended_on__isnull": True})))
                .filter(open_cases__gt=0)
                .order_by("-open_cases", "username")
                .first()
            )

        def core(role, username):
            return (
                active.filter(role=role, username=username).first() or active.filter(role=role).order_by("pk").first()
            )

        return {
            "job_broker": busiest(Role.JOB_BROKER, "caseload"),
            "caseworker": core(Role.CASEWORKER, "sagsbehandler"),
            "mentor": busiest(Role.MENTOR, "mentees"),
            "coordinator": core(Role.COORDINATOR, "koordinator"),
            "manager": core(Role.MANAGER, "leder"),
            "evaluator": core(Role.EVALUATOR, "evaluator"),
            "administrator": core(Role.ADMINISTRATOR, "admin"),
            "public": None,
        }

    def signed_in(self, user):
        return _SignedIn(self, user)

    # -- objects --

    def objects(self, role, user):
        """kwargs for each kind of address, for this user (cached per role); None where the database has none."""
        if role in self._objects:
            return self._objects[role]
        if user is None:
            self.token = self._tablet_token()
            found = {"token": {"token": self.token} if self.token else None}
        else:
            found = self._find(user)
        self._objects[role] = found
        self.described[role] = {key: value for key, value in found.items() if value is not None}
        return found

    def _find(self, user):
        from django.db.models import Exists, OuterRef, Q

        from jobbro.accounts import access
        from jobbro.accounts.policy import CitizenScope, citizen_scope
        from jobbro.cases.models import Contact, Enrolment, Milestone, Placement
        from jobbro.matching.models import MatchProposal
        from jobbro.people.models import CVEntry, JobGoal, ParallelEffort, Restriction

        found = {}
        enrolments = access.scope_enrolments(Enrolment.objects.all(), user)
        if citizen_scope(user) == CitizenScope.MEMBERSHIPS and user.caseload.exists():
            enrolments = enrolments.filter(job_broker=user)
        running = Placement.objects.filter(enrolment=OuterRef("pk"), ended_on__isnull=True)
        wishes = [
            Q(ended_on__isnull=True),
            Exists(running),
            Exists(Milestone.objects.filter(plan__enrolment=OuterRef("pk"), completed_on__isnull=True)),
            Exists(MatchProposal.objects.open().filter(enrolment=OuterRef("pk"))),
            Exists(Contact.objects.filter(enrolment=OuterRef("pk"))),
            Exists(JobGoal.objects.filter(citizen=OuterRef("citizen_id"), replaced_on__isnull=True)),
            Exists(CVEntry.objects.filter(citizen=OuterRef("citizen_id"))),
            Exists(Restriction.objects.filter(citizen=OuterRef("citizen_id"), ended_on__isnull=True)),
            Exists(ParallelEffort.objects.filter(citizen=OuterRef("citizen_id"), ends_on__isnull=True)),
        ]
        for wish in wishes:
            narrower = enrolments.filter(wish)
            if narrower.exists():
                enrolments = narrower
        enrolment = enrolments.order_by("pk").first()
        if enrolment is not None:
            self._case_objects(user, enrolment, found)
        self._company_objects(user, found)
        return found

    def _case_objects(self, user, enrolment, found):
        import datetime

        from django.db.models import Q
        from django.utils import timezone

        from jobbro.accounts import access
        from jobbro.cases.models import Enrolment, JobPlan, Milestone, Placement
        from jobbro.matching.models import MatchProposal
        from jobbro.people.models import CVEntry, JobGoal, ParallelEffort, Restriction

        citizen_pk = enrolment.citizen_id
        in_scope = access.scope_enrolments(Enrolment.objects.all(), user)
        visible_citizens = in_scope.values("citizen_id")

        def prefer(queryset, own):
            """The citizen's own object if any, else another visible citizen's."""
            return queryset.filter(own).order_by("pk").first() or queryset.order_by("pk").first()

        found["citizen"] = {"citizen_pk": citizen_pk, "enrolment_pk": enrolment.pk}
        goal = prefer(
            JobGoal.objects.filter(citizen__in=visible_citizens, replaced_on__isnull=True), Q(citizen=citizen_pk)
        )
        found["goal"] = goal and {"citizen_pk": goal.citizen_id, "goal_pk": goal.pk}
        entry = prefer(CVEntry.objects.filter(citizen__in=visible_citizens), Q(citizen=citizen_pk))
        found["entry"] = entry and {"citizen_pk": entry.citizen_id, "entry_pk": entry.pk}
        restriction = prefer(
            Restriction.objects.filter(citizen__in=visible_citizens, ended_on__isnull=True), Q(citizen=citizen_pk)
        )
        found["restriction"] = restriction and {"citizen_pk": restriction.citizen_id, "restriction_pk": restriction.pk}
        effort = prefer(
            ParallelEffort.objects.filter(citizen__in=visible_citizens, ends_on__isnull=True), Q(citizen=citizen_pk)
        )
        found["effort"] = effort and {"citizen_pk": effort.citizen_id, "effort_pk": effort.pk}
        milestone = prefer(
            Milestone.objects.filter(plan__enrolment__in=in_scope, completed_on__isnull=True).select_related(
                "plan__enrolment"
            ),
            Q(plan__enrolment=enrolment),
        )
        plan = (milestone and milestone.plan) or prefer(
            JobPlan.objects.filter(enrolment__in=in_scope), Q(enrolment=enrolment)
        )
        if plan:
            found["plan"] = {
                "citizen_pk": plan.enrolment.citizen_id,
                "enrolment_pk": plan.enrolment_id,
                "plan_pk": plan.pk,
            }
        found["milestone"] = milestone and {**found["plan"], "milestone_pk": milestone.pk}
        placement = prefer(
            Placement.objects.filter(enrolment__in=in_scope, ended_on__isnull=True).select_related("enrolment"),
            Q(enrolment=enrolment),
        ) or prefer(
            Placement.objects.filter(enrolment__in=in_scope).select_related("enrolment"), Q(enrolment=enrolment)
        )
        found["placement"] = placement and {"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk}
        proposals = MatchProposal.objects.filter(enrolment__in=in_scope).select_related("enrolment")
        proposal = prefer(proposals.open(), Q(enrolment=enrolment)) or prefer(proposals, Q(enrolment=enrolment))
        found["proposal"] = proposal and {"citizen_pk": proposal.enrolment.citizen_id, "pk": proposal.pk}
        # Last week's hours row: a placement of the user's own caseload that ran last week.
        monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
        own = Placement.objects.filter(
            Q(enrolment__job_broker=user) | Q(enrolment__mentor=user),
            enrolment__ended_on__isnull=True,
            starts_on__lte=monday + datetime.timedelta(days=6),
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=monday))
        row = own.select_related("enrolment").order_by("pk").first()
        iso = monday.isocalendar()
        found["week_row"] = row and {
            "week": f"{iso[0]}-W{iso[1]:02d}",
            "citizen_pk": row.enrolment.citizen_id,
            "placement_pk": row.pk,
        }

    @staticmethod
    def _company_objects(user, found):
        from django.db.models import Exists, OuterRef

        from jobbro.accounts import access
        from jobbro.companies.models import Company, CompanyContact, Course, NetworkAgreement, Opening
        from jobbro.imports.models import ImportRun

        # Companies: one in the user's programmes with an agreement, contacts and an open small job.
        programmes = access.visible_programmes(user)
        companies = Company.objects.filter(agreements__programme__in=programmes).distinct()
        for wish in (
            Exists(NetworkAgreement.objects.filter(company=OuterRef("pk"), ended_on__isnull=True)),
            Exists(Opening.objects.filter(company=OuterRef("pk"), status=Opening.Status.OPEN)),
            Exists(CompanyContact.objects.filter(company=OuterRef("pk"))),
        ):
            narrower = companies.filter(wish)
            if narrower.exists():
                companies = narrower
        company = companies.order_by("pk").first() or Company.objects.order_by("pk").first()
        if company:
            contact = company.contacts.order_by("pk").first()
            agreements = company.agreements.order_by("pk")
            agreement = agreements.filter(ended_on__isnull=True).first() or agreements.first()
            opening = company.openings.filter(status=Opening.Status.OPEN).order_by("pk").first()
            found["company"] = {"pk": company.pk}
            found["company_contact"] = contact and {"pk": company.pk, "contact_pk": contact.pk}
            found["company_agreement"] = agreement and {"pk": company.pk, "agreement_pk": agreement.pk}
            found["company_opening"] = opening and {"pk": company.pk, "opening_pk": opening.pk}
        opening = Opening.objects.filter(programme__in=programmes, status=Opening.Status.OPEN).order_by("pk").first()
        found["opening"] = opening and {"pk": opening.pk}
        course = Course.objects.order_by("pk").first()
        found["course"] = course and {"pk": course.pk}
        found["institution"] = course and {"pk": course.institution_id}
        run = ImportRun.objects.order_by("-pk").first()
        found["import_run"] = run and {"pk": run.pk}
        # The administrators' set-up pages: the first programme, one of its sites, memberships and result goals.
        from jobbro.accounts.models import Membership, ResultGoal, Site

        programme = programmes.order_by("pk").first()
        found["programme"] = programme and {"programme_pk": programme.pk}
        site = Site.objects.filter(programme=programme).order_by("pk").first()
        found["site"] = site and {"site_pk": site.pk}
        membership = Membership.objects.filter(programme=programme).order_by("pk").first()
        found["membership"] = membership and {"membership_pk": membership.pk}
        goal = ResultGoal.objects.filter(programme=programme).order_by("pk").first()
        found["result_goal"] = goal and {"result_goal_pk": goal.pk}

    def _tablet_token(self):
        """A live tablet invitation for the run (deleted at the end): the demo keeps only hashes of its tokens."""
        import datetime
        import secrets

        from django.utils import timezone

        from jobbro.cases.models import Enrolment, ProgressionInvitation

        enrolment = Enrolment.objects.filter(ended_on__isnull=True).order_by("pk").first()
        if enrolment is None:
            return None
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        invitation = ProgressionInvitation.objects.create(
            enrolment=enrolment,
            token_hash=ProgressionInvitation.hash_token(token),
            created_at=now,
            expires_at=now + datetime.timedelta(hours=6),
        )
        self._temporary.append(invitation)
        return token

    def tear_down(self):
        for obj in self._temporary:
            type(obj).objects.filter(pk=obj.pk).delete()

    # -- addresses --

    def addresses(self, pattern, role, user):
        """(label, url, reason to skip) for each address of this pattern this role may open; [] if it may not."""
        from django.urls import reverse

        from jobbro.accounts.policy import PAGES, may_open

        page = PAGES[pattern.name]
        if role == "public":
            if page.signed_in:
                return []
        elif not page.signed_in or not may_open(user, page):
            return []
        name = pattern.name
        if name.startswith("saml2_") and not self.settings.SAML_ENABLED:
            return [(name, "", "SAML single sign-on is not set up here")]
        if name.startswith("oidc_") and not self.settings.OIDC_ENABLED:
            return [(name, "", "OpenID Connect single sign-on is not set up here")]
        objects = self.objects(role, user)
        variants = [{}]
        if "slug" in pattern.keys:
            variants = [{"slug": slug} for slug in self.report_slugs]
        elif "kind" in pattern.keys:
            from jobbro.imports import schemas

            variants = [{"kind": kind} for kind in schemas.ORDER]
        found = []
        for variant in variants:
            label = name + "".join(f" [{value}]" for value in variant.values())
            source = self._source(pattern)
            kwargs = dict(variant)
            if source:
                chosen = objects.get(source)
                if chosen is None:
                    found.append((label, "", f"no {source.replace('_', ' ')} in the database for this user"))
                    continue
                missing = [key for key in pattern.keys if key not in chosen and key not in variant]
                if missing:
                    found.append((label, "", f"no object for {missing}"))
                    continue
                kwargs.update({key: chosen[key] for key in pattern.keys if key not in variant})
            url = reverse(name, kwargs=kwargs)
            found.append((label, url, ""))
            if name in LAST_PAGE:
                # A number past the end: the lists' get_page answers it with their last page ("last" is not a
                # number to them and would give the first).
                found.append((f"{label} ?page=last", f"{url}?page={PAST_THE_LAST_PAGE}", ""))
        return found

    @staticmethod
    def _source(pattern):
        """Which of the found objects fills this pattern's ids."""
        keys, name = set(pattern.keys), pattern.name
        if not keys - {"slug", "kind"}:
            return None
        for key, source in (
            ("milestone_pk", "milestone"),
            ("plan_pk", "plan"),
            ("goal_pk", "goal"),
            ("entry_pk", "entry"),
            ("restriction_pk", "restriction"),
            ("effort_pk", "effort"),
            ("placement_pk", "week_row"),
            ("token", "token"),
            ("contact_pk", "company_contact"),
            ("agreement_pk", "company_agreement"),
            ("opening_pk", "company_opening"),
            ("membership_pk", "membership"),
            ("result_goal_pk", "result_goal"),
            ("site_pk", "site"),
            ("programme_pk", "programme"),
        ):
            if key in keys:
                return source
        if "pk" in keys:
            for prefix, source in (
                ("placement_", "placement"),
                ("match_proposal_", "proposal"),
                ("company_", "company"),
                ("course_", "course"),
                ("institution_", "institution"),
                ("import_", "import_run"),
                ("opening_", "opening"),
            ):
                if name.startswith(prefix):
                    return source
            raise SystemExit(f"{name}: no object to fill <pk>; teach bench/pages.py DemoWorld._source")
        if "citizen_pk" in keys:
            return "citizen"
        raise SystemExit(f"{name}: no object for {sorted(keys)}; teach bench/pages.py DemoWorld._source")


class _SignedIn:
    """A client signed in as the user (with the second factor where required); signed out afterwards."""

    def __init__(self, world, user):
        self.world, self.user, self.device = world, user, None

    def __enter__(self):
        from django.test import Client
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from jobbro.accounts.twofactor import is_required

        self.client = Client(raise_request_exception=False)
        if self.user is None:
            return self.client
        self.client.force_login(self.user)
        session = self.client.session
        if is_required(self.user, session):
            device = TOTPDevice.objects.filter(user=self.user, confirmed=True).first()
            if device is None:
                device = self.device = TOTPDevice.objects.create(user=self.user, confirmed=True, name="bench-pages")
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return self.client

    def __exit__(self, *exc):
        self.client.logout()
        if self.device is not None:
            self.device.delete()


# --- Figures and printing ----------------------------------------------------------------------------------------


def percentile(values, p):
    """The p-th percentile, linear between the closest ranks (one value: that value)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def target_ms(name):
    return REPORT_TARGET_MS if name in REPORT_PAGES or name in EXPORT_PAGES else PAGE_TARGET_MS


def verdict(row):
    if row["error"]:
        return f"ERROR {row['error']}"
    target = target_ms(row["name"])
    p95 = percentile(row["ms"], 95)
    kind = "report/export" if target == REPORT_TARGET_MS else "page"
    return f"ok (< {target:,} ms)" if p95 < target else f"OVER {kind} target {target:,} ms"


def over(row):
    return bool(row["error"]) or percentile(row["ms"], 95) >= target_ms(row["name"])


def print_engine(label, note, unapplied, result, args):
    rows = sorted(result["rows"], key=lambda row: -percentile(row["ms"], 95))
    print()
    print(f"=== {label}: {note}; --repeat {args.repeat}, --budget {args.budget:g} s; {result['seconds']:.0f} s")
    if unapplied:
        print(f"  migrations NOT applied to this database ({len(unapplied)}): {', '.join(unapplied)}")
    users = ", ".join(f"{role} {name}" for role, name in result["users"].items() if name)
    print(f"  users: {users}")
    for role, objects in result["objects"].items():
        print(f"  ids for {role}: " + "; ".join(f"{key} {value}" for key, value in objects.items()))
    width = max([len(row["page"]) for row in rows] + [20])
    print(
        f"  {'page':<{width}} {'role':<13} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>10} {'queries':>7}  verdict"
    )
    for row in rows:
        print(
            f"  {row['page']:<{width}} {row['role']:<13} {len(row['ms']):>3} {percentile(row['ms'], 50):>8.0f}"
            f" {percentile(row['ms'], 95):>8.0f} {row['bytes']:>10,} {row['queries']:>7}  {verdict(row)}"
        )
    errors = [row for row in rows if row["error"]]
    print(
        f"  {label}: {len(rows)} lines, {sum(over(row) for row in rows)} over target"
        f" ({len(errors)} of them errors), {len(result['skipped'])} skipped"
    )
    for row in errors:
        print(f"  error: {row['page']} as {row['role']} {row['url']}: {row['error']}")
    reasons = {}
    for skip in result["skipped"]:
        reasons.setdefault((skip["page"], skip["reason"]), []).append(skip["role"])
    for (page, reason), roles in sorted(reasons.items()):
        print(f"  skipped: {page} ({', '.join(roles)}): {reason}")
    sys.stdout.flush()


def print_side_by_side(results):
    by_key = {}
    for label, result in results.items():
        for row in result["rows"]:
            by_key.setdefault((row["page"], row["role"]), {})[label] = row
    labels = list(results)
    print()
    print("=== Side by side (p95 per engine; bytes and queries of the last engine that answered)")
    width = max([len(page) for page, _role in by_key] + [20])
    print(
        f"  {'page':<{width}} {'role':<13} "
        + " ".join(f"{label + ' p95':>15}" for label in labels)
        + "      bytes queries"
    )

    def worst(item):
        return -max(percentile(row["ms"], 95) for row in item[1].values())

    for (page, role), rows in sorted(by_key.items(), key=worst):
        cells = []
        for label in labels:
            row = rows.get(label)
            if row is None:
                cells.append(f"{'-':>15}")
            else:
                flag = "!" if over(row) else " "
                cells.append(f"{percentile(row['ms'], 95):>11.0f} ms{flag}")
        last = rows[labels[-1]] if labels[-1] in rows else next(iter(rows.values()))
        queries = "/".join(str(rows[label]["queries"]) for label in labels if label in rows)
        print(f"  {page:<{width}} {role:<13} " + " ".join(cells) + f" {last['bytes']:>10,} {queries:>7}")
    for label, result in results.items():
        print(f"  {label}: {sum(over(row) for row in result['rows'])} of {len(result['rows'])} lines over target")
    print("  (! = over target or an error; queries: one figure per engine)")


# --- Command line --------------------------------------------------------------------------------------------------


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reuse-sqlite", metavar="DATA_DIR", help="measure DATA_DIR/jobbro.sqlite3, no build")
    parser.add_argument("--keep-sqlite", metavar="DATA_DIR", help="build the SQLite demo in DATA_DIR and keep it")
    parser.add_argument("--reuse-postgres", metavar="URL", help="measure this PostgreSQL database, no build")
    parser.add_argument("--keep-postgres", metavar="NAME", help="build the PostgreSQL demo as database NAME, keep it")
    parser.add_argument(
        "--postgres-data-dir", metavar="DIR", help="the JOBBRO_DATA_DIR (CPR keys) of the PostgreSQL database"
    )
    parser.add_argument("--citizens", type=int, default=100_000, help="demo citizens to build (default 100,000)")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page and role (default 10)")
    parser.add_argument(
        "--budget", type=float, default=10, help="seconds after which a page over its target stops repeating"
    )
    parser.add_argument("--roles", default=",".join(ROLES), help=f"comma-separated, of {', '.join(ROLES)}")
    parser.add_argument("--only", metavar="REGEX", help="only pages whose label matches (e.g. 'report|quality')")
    parser.add_argument("--migrate", action="store_true", help="migrate a reused database to the tree's schema")
    parser.add_argument("--no-analyze", action="store_true", help="do not ANALYZE the PostgreSQL database")
    parser.add_argument("--json", metavar="FILE", help="write every sample as JSON")
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    unknown = set(args.roles) - set(ROLES)
    if unknown:
        parser.error(f"unknown roles {sorted(unknown)}; choose from {', '.join(ROLES)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.reuse_sqlite and args.keep_sqlite or args.reuse_postgres and args.keep_postgres:
        parser.error("--reuse-… and --keep-… of one engine exclude each other")
    return args


def main():
    args = parse()
    stop_on_sigterm()
    if args.worker:
        worker(args.worker, args)
        return
    wanted = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    if "postgres" in wanted and not args.reuse_postgres and not databases.postgres_reachable():
        print(f"PostgreSQL at {databases.POSTGRES} does not answer: measuring SQLite only", flush=True)
        wanted.remove("postgres")
    results = {}
    for key in wanted:
        print(f"--- {ENGINES[key]}", flush=True)
        with Engine(key, args) as engine:
            result = engine.measure()
            results[engine.label] = result
            if args.json:  # after each engine, so a later failure keeps what was measured
                Path(args.json).write_text(json.dumps(results, indent=1))
            print_engine(engine.label, engine.note, engine.unapplied, result, args)
    if len(results) > 1:
        print_side_by_side(results)


if __name__ == "__main__":
    main()
