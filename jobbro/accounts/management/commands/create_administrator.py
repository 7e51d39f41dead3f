"""`manage.py create_administrator USERNAME`: the first administrator of an empty database (see docs/setup.md).

Asks for the password twice (or reads it from the environment variable JOBBRO_ADMIN_PASSWORD with --no-input, for
scripts). Refuses when an administrator already exists, unless --another is given. The new administrator sets up
two-factor sign-in at their first sign-in, and then creates programmes, sites and staff on the administration pages.
"""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from jobbro.accounts.models import Role, User
from jobbro.audit.log import log_change
from jobbro.audit.models import Action

PASSWORD_VARIABLE = "JOBBRO_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = "Create an administrator (the first one of an empty database); asks for the password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help=f"do not ask: the password is read from the environment variable {PASSWORD_VARIABLE}",
        )
        parser.add_argument(
            "--another", action="store_true", help="create the administrator even if there is one already"
        )

    def handle(self, *args, username, first_name, last_name, email, no_input, another, **options):
        username = username.strip()
        if not username:
            raise CommandError(_("Give a username."))
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(_("There is already a user named %(username)s.") % {"username": username})
        existing = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).count()
        if existing and not another:
            raise CommandError(
                _("There is already an administrator; add --another to create one more.")
                if existing == 1
                else _("There are already %(count)d administrators; add --another to create one more.")
                % {"count": existing}
            )
        user = User(username=username, role=Role.ADMINISTRATOR, first_name=first_name, last_name=last_name, email=email)
        password = self.password(user, no_input)
        user.set_password(password)
        with transaction.atomic():
            user.save()
            log_change(user=None, action=Action.CREATE_ADMINISTRATOR, obj=user, changes={"username": username})
        self.stdout.write(
            _(
                "Administrator %(username)s created. Sign in: you set up two-factor sign-in first, then create "
                "programmes, sites and staff under Programmes."
            )
            % {"username": username}
        )

    def password(self, user, no_input):
        if no_input:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(
                    _("Set the environment variable %(variable)s to the password.") % {"variable": PASSWORD_VARIABLE}
                )
            self.validated(password, user)
            return password
        for _attempt in range(3):
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password again: ")):
                self.stderr.write(_("The passwords differ."))
                continue
            try:
                self.validated(password, user)
            except CommandError as error:
                self.stderr.write(str(error))
                continue
            return password
        raise CommandError(_("No password; nothing was created."))

    @staticmethod
    def validated(password, user):
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
