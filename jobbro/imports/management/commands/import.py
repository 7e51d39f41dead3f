"""`bin/jobbro import FILE [FILE ...]` (manage.py import): read spreadsheets into jobbro. See docs/import.md."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobbro.accounts.models import Programme, User
from jobbro.imports import runner, schemas
from jobbro.imports.models import ImportRun
from jobbro.imports.views import may_import


class Command(BaseCommand):
    help = "Import companies, openings, citizens, enrolments and their history from xlsx or csv files (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="xlsx workbooks or csv files")
        parser.add_argument("--programme", help="the programme rows without a programme column belong to")
        parser.add_argument("--dry-run", action="store_true", help="show what would be created, updated and rejected; write nothing")
        parser.add_argument("--user", help="the staff user the import is recorded for (a coordinator or administrator)")
        parser.add_argument("--kind", choices=schemas.ORDER, help="the kind of record a csv file holds (else from its name or header)")

    def handle(self, *args, files, programme=None, dry_run=False, user=None, kind=None, **options):
        acting = None
        if user:
            acting = User.objects.filter(username=user).first()
            if acting is None or not may_import(acting):
                raise CommandError(f"No coordinator or administrator with the username {user!r}.")
        chosen = None
        if programme:
            chosen = Programme.objects.filter(name__iexact=programme).first()
            if chosen is None:
                raise CommandError(f"No programme named {programme!r}.")
        loaded = []
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"No such file: {name}")
            loaded.append((path.name, path.read_bytes()))
        import_run = ImportRun.objects.create(
            user=acting, programme=chosen, file_name=", ".join(n for n, _d in loaded)[:255],
            file_sha256=runner.sha256_of(loaded), stored_as=", ".join(str(Path(f).resolve()) for f in files)[:255],
            kind=kind or "", dry_run=dry_run, status=ImportRun.Status.RUNNING,
        )
        show_progress = options.get("verbosity", 1) > 0 and sys.stderr.isatty()

        def progress(done, total):
            if show_progress and total:
                width = 40
                filled = width * done // total
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
                sys.stderr.flush()

        result = runner.execute(import_run, loaded, kind=kind, progress=progress)
        if show_progress:
            sys.stderr.write("\n")
        self.report(result, dry_run)
        if result.rejected:
            raise CommandError(_("%(count)d rows were rejected; nothing was imported.") % {"count": len(result.rejected)})

    def report(self, result, dry_run):
        out = self.stdout
        out.write(f"{'sheet':<16}{'created':>9}{'updated':>9}{'unchanged':>11}{'rejected':>10}")
        for kind, numbers in result.counts.items():
            if kind.startswith("_"):
                continue
            out.write(f"{kind:<16}{numbers['created']:>9}{numbers['updated']:>9}{numbers['unchanged']:>11}{numbers['rejected']:>10}")
        history = {k: v for k, v in result.counts.get("_history", {}).items() if v}
        if history:
            out.write("history rows: " + ", ".join(f"{k} {v}" for k, v in sorted(history.items())))
        for note in result.notes:
            out.write(note)
        for problem in result.rejected:
            out.write(f"{problem['sheet']} row {problem['row']}, {problem['column']}: {problem['reason']}")
        if result.committed:
            out.write(self.style.SUCCESS(f"Imported {result.total_rows:,} rows in {result.seconds:.1f} s."))
        elif dry_run and not result.rejected:
            out.write(f"Dry run: {result.total_rows:,} rows checked in {result.seconds:.1f} s; nothing was written.")
