from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "jobbro.privacy"
    label = "privacy"
    verbose_name = _("The citizen's rights: export, retention and erasure")

    def ready(self):
        from jobbro.privacy import guard

        guard.connect()
