"""How many URL × role checks the URL matrix test makes."""

from django.core.management.base import BaseCommand

from jobbro.accounts import url_matrix
from jobbro.accounts.policy import PAGES


class Command(BaseCommand):
    help = "Print how many URL patterns the URL × role test requests, as how many users, and the total."

    def handle(self, *args, **options):
        patterns = url_matrix.checked_patterns()
        roles = len(url_matrix.ROLES_CHECKED)
        submitted = sum(1 for pattern in patterns if pattern.name in PAGES and PAGES[pattern.name].submit)
        self.stdout.write(f"{len(patterns)} URL patterns × {roles} users = {len(patterns) * roles} GET requests")
        self.stdout.write(
            f"plus an empty POST to each POST-only page and to the {submitted} pages whose submission needs more "
            "than reading them; the test prints the exact total per user (pytest -s)"
        )
        for name, reason in url_matrix.NOT_CHECKED.items():
            self.stdout.write(f"left out: {name} ({reason})")
        missing = url_matrix.missing_from_the_table()
        if missing:
            self.stdout.write(f"not in the table (the test fails): {', '.join(missing)}")
