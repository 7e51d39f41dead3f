"""`manage.py load_register_sample` (`bin/jobbro load_register_sample`): the synthetic register sample for the demo
programme, imported and analysed, so that the effect report has something to show (jobbro/effect/sample.py)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from jobbro.accounts.models import Programme, Role, User
from jobbro.days import today as today_
from jobbro.demo.arguments import iso_date
from jobbro.demo.generator import PROGRAMME_NAME
from jobbro.effect import sample
from jobbro.effect.models import EffectRun


class Command(BaseCommand):
    help = (
        "Make a synthetic register delivery for the demo programme's participants and a comparison pool, import it "
        "and compute the effect report as of today."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", default=PROGRAMME_NAME, help="the programme's name (default: the demo's)")
        parser.add_argument("--pool", type=int, default=3000, help="persons in the comparison pool (default 3000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed gives the same sample")
        parser.add_argument("--today", type=iso_date, default=None, help="the date the run is as of (YYYY-MM-DD)")
        parser.add_argument("--administrator", default="admin", help="the administrator who sets up (default admin)")
        parser.add_argument("--evaluator", default="evaluator", help="the evaluator who computes (default evaluator)")
        parser.add_argument(
            "--directory", default=None, help="where the delivery files go (default var/register/sample)"
        )

    def handle(self, *args, programme, pool, seed, today, administrator, evaluator, directory, **options):
        found = Programme.objects.filter(name=programme).first()
        if found is None:
            raise CommandError(
                _("There is no programme called “%(name)s”. Load the demo first: bin/demo or bin/jobbro load_demo.")
                % {"name": programme}
            )
        admin = User.objects.filter(username=administrator, role=Role.ADMINISTRATOR, is_active=True).first()
        reader = User.objects.filter(
            username=evaluator, role__in=(Role.EVALUATOR, Role.MANAGER), is_active=True
        ).first()
        if admin is None or reader is None:
            raise CommandError(
                _("The sample needs an administrator (%(admin)s) and an evaluator or manager (%(reader)s).")
                % {"admin": administrator, "reader": evaluator}
            )
        if pool < 100:
            raise CommandError(_("The comparison pool needs at least 100 persons."))
        on = today or today_()
        try:
            loaded = sample.load_sample(
                programme=found,
                administrator=admin,
                evaluator=reader,
                today=on,
                pool=pool,
                seed=seed,
                directory=directory,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _("Register sample for %(programme)s: %(participants)s participants, %(pool)s comparison persons.")
            % {
                "programme": found.name,
                "participants": number_format(loaded.participants, force_grouping=True),
                "pool": number_format(loaded.pool, force_grouping=True),
            }
        )
        for kind, rows in loaded.rows.items():
            self.stdout.write(f"  {kind}: {number_format(rows, force_grouping=True)}")
        run = loaded.run
        if run.state != EffectRun.State.DONE:
            raise CommandError(_("The effect analysis failed: %(error)s") % {"error": run.error})
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "The effect report as of %(date)s is ready: sign in as %(user)s and open Reports → Effect "
                    "(/reports/effect/)."
                )
                % {"date": date_format(run.as_of, "SHORT_DATE_FORMAT"), "user": reader.username}
            )
        )
