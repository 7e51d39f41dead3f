from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "jobbro.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from jobbro.matching import meeting_hooks, pool

        pool.connect()
        meeting_hooks.connect()
