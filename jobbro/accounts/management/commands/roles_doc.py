"""Rewrite the role × capability matrix in docs/roles.md from the role table."""

from django.core.management.base import BaseCommand, CommandError

from jobbro.accounts import roles_doc


class Command(BaseCommand):
    help = "Regenerate the role matrix of docs/roles.md from jobbro/accounts/policy.py (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit with an error if docs/roles.md is out of date")

    def handle(self, *args, check=False, **options):
        path = roles_doc.path()
        text = path.read_text()
        wanted = roles_doc.render(text)
        if check:
            if wanted != text:
                raise CommandError(f"{path} differs from the role table: run `manage.py roles_doc`.")
            self.stdout.write(f"{path} agrees with the role table.")
            return
        path.write_text(wanted)
        self.stdout.write(f"Wrote {path}")
