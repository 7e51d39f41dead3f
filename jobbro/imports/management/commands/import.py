"""`bin/jobbro import FILE [FILE ...]` (manage.py import): read spreadsheets into jobbro. See docs/import.md.

Each file is checked first (it exists, is not empty, is a workbook or text jobbro can read); one that cannot be
imported at all ends the command with one line in Danish and exit status 1, never a traceback. The files are then
stored encrypted and the run queued for a worker, exactly like an upload on the import page; the command waits for
it, showing its progress, and prints what it did. If no worker has taken the run within --wait-for-worker seconds
(none is running), the command runs the import itself.
"""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jobbro.accounts.models import Programme, User
from jobbro.accounts.policy import Capability, may
from jobbro.imports import reader, runner, schemas, storage, tasks
from jobbro.imports.models import ImportRun

POLL_SECONDS = 0.5


class Fejl(CommandError):  # noqa: N818 - Django prints the class name before the message: "Fejl: ..."
    """A reason the command stops, in Danish like the rest of the line."""


class Command(BaseCommand):
    help = "Import companies, openings, citizens, enrolments and their history from xlsx or csv files (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="xlsx workbooks or csv files")
        parser.add_argument("--programme", help="the programme rows without a programme column belong to")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be created, updated and rejected; write nothing"
        )
        parser.add_argument("--user", help="the staff user the import is recorded for (a coordinator or administrator)")
        parser.add_argument(
            "--kind", choices=schemas.ORDER, help="the kind of record a csv file holds (else from its name or header)"
        )
        parser.add_argument(
            "--wait-for-worker",
            type=float,
            default=10,
            metavar="SECONDS",
            help="run the import here if no worker has taken it within this many seconds (default 10)",
        )

    def handle(self, *args, files, programme=None, dry_run=False, user=None, kind=None, wait_for_worker=10, **options):
        acting = None
        if user:
            acting = User.objects.filter(username=user).first()
            if acting is None or not may(acting, Capability.IMPORT):
                raise Fejl(_("No coordinator or administrator has the username %(user)s.") % {"user": user})
        chosen = None
        if programme:
            chosen = Programme.objects.filter(name__iexact=programme).first()
            if chosen is None:
                raise Fejl(_("No programme is named %(programme)s.") % {"programme": programme})
        for name in files:
            try:
                reader.check_file(name)
            except reader.Refused as refusal:
                raise Fejl(refusal.reason) from None
        paths = [Path(name) for name in files]
        with transaction.atomic():
            stored = [storage.store_path(path) for path in paths]
            import_run = ImportRun.objects.create(
                user=acting,
                programme=chosen,
                file_name=", ".join(s.name for s in stored)[:255],
                file_sha256=runner.sha256_of([(path.name, path) for path in paths]),
                kind=kind or "",
                dry_run=dry_run,
            )
            import_run.uploads.set(stored)
            tasks.enqueue(import_run)
        import_run = self.wait(
            import_run, wait_for_worker, show=options.get("verbosity", 1) > 0 and sys.stderr.isatty()
        )
        self.report(import_run)
        if import_run.status == ImportRun.Status.FAILED:
            raise Fejl(_("The import failed; nothing was written: %(error)s") % {"error": import_run.error})
        if import_run.rejected:
            count = len(import_run.rejected)
            raise Fejl(
                ngettext(
                    "%(count)d row was rejected; nothing was imported.",
                    "%(count)d rows were rejected; nothing was imported.",
                    count,
                )
                % {"count": count}
            )

    def wait(self, import_run, wait_for_worker, show):
        """Follow the run until it has finished; run it here if no worker takes it in time."""
        started = time.monotonic()
        while True:
            import_run.refresh_from_db()
            if import_run.is_finished:
                break
            if import_run.status == ImportRun.Status.PENDING and time.monotonic() - started > wait_for_worker:
                self.stderr.write(
                    _("No worker took the import within %(seconds)s seconds; it runs here.")
                    % {"seconds": f"{wait_for_worker:g}"}
                )
                tasks.execute(import_run.pk)
                continue
            if show and import_run.total_rows:
                done, total, width = import_run.rows_done, import_run.total_rows, 40
                filled = width * done // total
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
                sys.stderr.flush()
            tasks.fail_if_lost(import_run)
            time.sleep(POLL_SECONDS)
        if show:
            sys.stderr.write("\n")
        return import_run

    def report(self, import_run):
        """What the run did, in the language of the rest of the command's lines (Danish by default)."""
        from jobbro.imports.views import HISTORY_LABELS

        out = self.stdout
        headers = (_("Sheet"), _("Created"), _("Updated"), _("Unchanged"), _("Rejected"))
        out.write(f"{headers[0]:<16}{headers[1]:>10}{headers[2]:>11}{headers[3]:>10}{headers[4]:>9}")
        for kind, numbers in import_run.counts.items():
            if kind.startswith("_"):
                continue
            name = schemas.BY_KIND[kind].da if kind in schemas.BY_KIND else kind
            out.write(
                f"{name:<16}{numbers['created']:>10}{numbers['updated']:>11}{numbers['unchanged']:>10}"
                f"{numbers['rejected']:>9}"
            )
        history = {k: v for k, v in import_run.counts.get("_history", {}).items() if v}
        if history:
            out.write(
                _("History rows written with the records:")
                + " "
                + ", ".join(f"{HISTORY_LABELS.get(k, k)} {v}" for k, v in sorted(history.items()))
            )
        for note in import_run.counts.get("_notes", []):
            out.write(note)
        for problem in import_run.rejected:
            out.write(self.problem_line(problem))
        if import_run.status != ImportRun.Status.DONE:
            return
        rows = import_run.total_rows
        seconds = formats.number_format(import_run.seconds, decimal_pos=1, use_l10n=True)
        if import_run.dry_run:
            out.write(
                ngettext(
                    "Dry run: %(rows)s row checked in %(seconds)s s; nothing was written.",
                    "Dry run: %(rows)s rows checked in %(seconds)s s; nothing was written.",
                    rows,
                )
                % {"rows": formats.number_format(rows, use_l10n=True, force_grouping=True), "seconds": seconds}
            )
        else:
            out.write(
                self.style.SUCCESS(
                    ngettext(
                        "Imported %(rows)s row in %(seconds)s s.",
                        "Imported %(rows)s rows in %(seconds)s s.",
                        rows,
                    )
                    % {"rows": formats.number_format(rows, use_l10n=True, force_grouping=True), "seconds": seconds}
                )
            )

    @staticmethod
    def problem_line(problem):
        """ "Borgere, række 3, CPR-nummer: ..."; a problem with the whole file has no row (never "række 0")."""
        place = [str(problem["sheet"])]
        if problem.get("row"):
            place.append(_("row %(row)s") % {"row": problem["row"]})
        if problem.get("column"):
            place.append(str(problem["column"]))
        return f"{', '.join(place)}: {problem['reason']}"
