from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "jobbro.reporting"
    label = "reporting"
    verbose_name = _("Reports")

    def ready(self):
        from jobbro.reporting import company_facts, facts, tasks

        facts.connect(queue_catch_up=tasks.catch_up_facts.enqueue)
        company_facts.connect()
