"""`manage.py refresh_statistics`: refresh the database's planner statistics now (jobbro/planner_statistics.py)."""

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from jobbro import planner_statistics


class Command(BaseCommand):
    help = (
        "Refresh the statistics the database plans its queries by (ANALYZE). Runs by itself after a demo load, an "
        "import and refresh_report_facts, and every few hours on the task worker."
    )

    def handle(self, *args, **options):
        seconds = planner_statistics.refresh()
        self.stdout.write(_("Planner statistics refreshed in %(seconds)s s.") % {"seconds": number_format(seconds, 1)})
