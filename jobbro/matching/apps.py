from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "jobbro.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from jobbro.matching import pool

        pool.connect()
