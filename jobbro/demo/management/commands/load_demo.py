"""`manage.py load_demo`: fill the database with the deterministic demo programme and print the logins."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from jobbro import planner_statistics
from jobbro.accounts.models import Programme, Role, User
from jobbro.demo.arguments import iso_date
from jobbro.demo.generator import CORE_STAFF, DEMO_PASSWORD, PROGRAMME_NAME, SUMMARY_LABELS, ContactStaff, generate


class Command(BaseCommand):
    help = "Load the deterministic demo programme (citizens, companies, placements, hours) for a seed."

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int, default=120, help="number of citizens (default 120)")
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed; the same seed gives the same programme"
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any programme exists")
        parser.add_argument(
            "--today", type=iso_date, default=None, help="the date the demo is built as of (YYYY-MM-DD)"
        )

    def handle(self, *args, citizens, seed, if_empty, today, **options):
        if citizens < 1:
            raise CommandError(_("The demo needs at least one citizen."))
        if if_empty and Programme.objects.exists():
            self.stdout.write(_("A programme already exists; the demo was not loaded."))
            # The logins are printed anyway, so `bin/demo` always shows how to get in.
            self._logins(self._existing_logins(), more=0)
            return
        if Programme.objects.filter(name=PROGRAMME_NAME).exists():
            raise CommandError(
                _("The demo programme is already loaded; use --if-empty, or load it into an empty database.")
            )
        try:
            summary = generate(citizens=citizens, seed=seed, today=today)
        except ValueError as error:
            raise CommandError(_("The demo could not be loaded: %(error)s") % {"error": error}) from None
        planner_statistics.refresh()  # the rows went in in bulk: the query planner learns how many there are now
        self._counts(summary)
        self._logins(summary.logins, more=summary.counts["users"] - len(summary.logins))

    def _counts(self, summary):
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo programme loaded in %(seconds)s s (seed %(seed)s, as of %(today)s).")
                % {
                    "seconds": number_format(summary.elapsed, 1),
                    "seed": summary.seed,
                    "today": date_format(summary.today, "SHORT_DATE_FORMAT"),
                }
            )
        )
        labels = self._count_labels()
        rows = [(labels.get(key, key), count) for key, count in summary.counts.items()]
        width = max(len(label) for label, _count in rows)
        for label, count in rows:
            self.stdout.write(f"  {label:<{width}}  {number_format(count, force_grouping=True):>10}")

    @staticmethod
    def _count_labels():
        """Counts are named by their model's own (translated) plural, the derived figures by their meaning."""
        labels = {
            key: str(model._meta.verbose_name_plural)
            for model, key in SUMMARY_LABELS.items()
            if model is not ContactStaff
        }
        labels.update(
            {
                SUMMARY_LABELS[ContactStaff]: _("staff present at contacts"),
                "placed": _("enrolments matched and started"),
                "employed": _("enrolments with ordinary paid hours"),
                "employed_social_economic": _("of which in social-economic companies"),
            }
        )
        return labels

    @staticmethod
    def _existing_logins():
        """The demo's core logins that exist in this database (their password may have been changed)."""
        roles = {username: role for username, role, _site in CORE_STAFF}
        users = User.objects.filter(username__in=roles).values_list("username", "role")
        found = dict(users)
        return [(username, found[username]) for username in roles if found.get(username) == roles[username]]

    def _logins(self, logins, more):
        if not logins:
            return
        self.stdout.write("")
        self.stdout.write(_("Demo logins (all with the same password):"))
        with translation.override("da"):
            rows = [(username, str(Role(role).label)) for username, role in logins]
        user_width = max(len(_("Username")), *(len(username) for username, _role in rows))
        role_width = max(len(_("Role")), *(len(role) for _username, role in rows))
        self.stdout.write(f"  {_('Username'):<{user_width}}  {_('Role'):<{role_width}}  {_('Password')}")
        for username, role in rows:
            self.stdout.write(f"  {username:<{user_width}}  {role:<{role_width}}  {DEMO_PASSWORD}")
        if more > 0:
            self.stdout.write(
                _("  … and %(count)s more staff users with the same password.")
                % {"count": number_format(more, force_grouping=True)}
            )
        # Links without an account (jobbro/portal) for a buddy and a citizen: a token is shown only when it is issued,
        # so a fresh pair is issued each time the logins are printed.
        from jobbro.demo.portal_demo import add_portal_demo

        issued = add_portal_demo(Programme.objects.filter(name=PROGRAMME_NAME).first())
        if issued:
            self.stdout.write("")
            self.stdout.write(_("Links without an account (they open on the demo server):"))
            for who, url in issued:
                self.stdout.write(f"  {who}: {url}")
        # An integration of the JSON API (docs/api.md): its token too is shown only when it is created.
        from jobbro.demo.api_demo import add_api_demo

        integration = add_api_demo()
        if integration:
            name, token, url = integration
            self.stdout.write("")
            self.stdout.write(_("The JSON API, as the integration %(name)s (docs/api.md):") % {"name": name})
            self.stdout.write(f"  curl -H 'Authorization: Bearer {token}' {url}")
