from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jobbro.accounts"
    label = "accounts"
    verbose_name = _("Staff and programmes")

    def ready(self):
        # Their receivers of user_logged_in start the idle clock and note whether two-factor sign-in is required.
        from jobbro.accounts import signin, twofactor  # noqa: F401
