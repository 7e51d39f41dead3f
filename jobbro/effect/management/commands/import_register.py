"""`bin/jobbro import_register PROGRAMME KIND FILE` (manage.py import_register): import a register file from Statistics
Denmark into a programme's panels, for files too big for the register data page. See docs/effect.md.

The file is copied into the programme's register directory (incoming/) and its import queued for a worker, exactly as
an upload on the register data page; the command waits for the worker and prints the outcome. If no worker has taken
the import within --wait-for-worker seconds (none is running), or with --now, the command runs the import itself.
Errors are printed in Danish, one line each, with exit status 1, never a traceback.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobbro.accounts.models import Programme, User
from jobbro.accounts.policy import Capability, may
from jobbro.effect import actions, tasks
from jobbro.effect.models import RegisterImport

POLL_SECONDS = 0.5


class Fejl(CommandError):  # noqa: N818 - Django prints the class name before the message: "Fejl: ..."
    """A reason the command stops, in Danish like the rest of the line."""


def find_programme(text):
    programme = Programme.objects.filter(name__iexact=text).first()
    if programme is None and str(text).isdigit():
        programme = Programme.objects.filter(pk=int(text)).first()
    if programme is None:
        raise Fejl(_("No programme is named %(programme)s.") % {"programme": text})
    return programme


class Command(BaseCommand):
    help = "Import a register file (persons, weekly status or monthly hours; CSV or Parquet) into a programme's panels."

    def add_arguments(self, parser):
        parser.add_argument("programme", help="the programme's name (or its number)")
        parser.add_argument("kind", choices=RegisterImport.Kind.values, help="what the file holds")
        parser.add_argument("file", help="the delivery file: .csv or .parquet")
        parser.add_argument("--user", help="the evaluator or administrator the import is recorded for")
        parser.add_argument("--now", action="store_true", help="run the import here instead of waiting for a worker")
        parser.add_argument(
            "--wait-for-worker",
            type=float,
            default=10,
            metavar="SECONDS",
            help="run the import here if no worker has taken it within this many seconds (default 10)",
        )

    def handle(self, *args, programme, kind, file, user=None, now=False, wait_for_worker=10, **options):
        chosen = find_programme(programme)
        acting = None
        if user:
            acting = User.objects.filter(username=user).first()
            if acting is None or not may(acting, Capability.MANAGE_REGISTER_DATA):
                raise Fejl(_("No evaluator or administrator has the username %(user)s.") % {"user": user})
        path = Path(file)
        if not path.is_file():
            raise Fejl(_("The file %(file)s does not exist.") % {"file": file})
        try:
            with path.open("rb") as source:
                made = actions.queue_register_import(
                    acting_user=acting, programme=chosen, kind=kind, source=source, file_name=path.name, max_bytes=None
                )
                tasks.queue_on_commit(made)
        except Exception as error:
            messages = getattr(error, "messages", None)
            if messages is None:
                raise
            raise Fejl(" ".join(messages)) from None
        self.stdout.write(_("Queued: %(file)s (%(kind)s).") % {"file": made.file_name, "kind": made.get_kind_display()})
        if not now:
            waited = 0.0
            while waited < wait_for_worker:
                state = RegisterImport.objects.values_list("state", flat=True).get(pk=made.pk)
                if state != RegisterImport.State.QUEUED:
                    break
                time.sleep(POLL_SECONDS)
                waited += POLL_SECONDS
        # The task is queued for the workers too; the claim makes sure only one of them and this process runs it.
        tasks.execute(made.pk)  # does nothing if a worker has taken it
        while True:
            made.refresh_from_db()
            if made.state in (RegisterImport.State.DONE, RegisterImport.State.FAILED):
                break
            time.sleep(POLL_SECONDS)
        if made.state == RegisterImport.State.FAILED:
            for error in made.errors:
                field = f"{error['field']}: " if error.get("field") else ""
                self.stderr.write(f"{field}{error['message']}")
            raise Fejl(_("The import failed; the register data is as it was."))
        self.stdout.write(
            _("Imported %(rows)s rows of %(persons)s persons; the register data is now %(generation)s.")
            % {"rows": made.rows, "persons": made.persons, "generation": made.generation}
        )
