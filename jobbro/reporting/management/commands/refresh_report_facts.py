"""`manage.py refresh_report_facts`: rebuild the facts the reports read, or check them against the records."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobbro import planner_statistics
from jobbro.reporting import company_facts, facts


class Command(BaseCommand):
    help = (
        "Rebuild the report facts (first dates, job-broker periods) of every case, and the companies' track "
        "records, from their records, after rows were loaded straight into the database. With --check, only "
        "compare them and fail if any differ."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="compare the stored facts with the records; change nothing"
        )

    def handle(self, *args, check, **options):
        started = time.perf_counter()
        if check:
            stale = facts.stale()
            if stale:
                raise CommandError(
                    _(
                        "The report facts of %(count)s cases differ from their records, e.g. case %(first)s. "
                        "Run manage.py refresh_report_facts."
                    )
                    % {"count": len(stale), "first": stale[0]}
                )
            self.stdout.write(_("The report facts of every case agree with its records."))
            stale_companies = company_facts.stale()
            if stale_companies:
                raise CommandError(
                    _(
                        "The track records of %(count)s companies differ from their records, e.g. company "
                        "%(first)s. Run manage.py refresh_report_facts."
                    )
                    % {"count": len(stale_companies), "first": stale_companies[0]}
                )
            self.stdout.write(_("The track record of every company agrees with its records."))
            return
        changed = facts.refresh()
        self.stdout.write(
            _(
                "Report facts refreshed in %(seconds).1f s; %(count)s cases had facts that differed from "
                "their records and were corrected."
            )
            % {"seconds": time.perf_counter() - started, "count": len(changed)}
        )
        started = time.perf_counter()
        changed = company_facts.refresh()
        self.stdout.write(
            _(
                "Track records refreshed in %(seconds).1f s; %(count)s companies had track records that differed "
                "from their records and were corrected."
            )
            % {"seconds": time.perf_counter() - started, "count": len(changed)}
        )
        # Refreshed after rows were loaded straight into the database: the query planner learns how many there are.
        planner_statistics.refresh()
