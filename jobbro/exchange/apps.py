from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "jobbro.exchange"
    label = "exchange"
    verbose_name = _("Exchange formats")

    def ready(self):
        # The exchange formats are read by the import (jobbro/imports): the case system's sheets as sheets of
        # placements and timesheets, the job database's CV (a JSON file) as rows of the CV sheet.
        from jobbro.exchange import case_system, jobnet
        from jobbro.imports import reader, schemas

        schemas.plug_in(*case_system.SHEETS, jobnet.SHEET, jobnet.JOB_GOALS_SHEET)
        reader.plug_in_reader(".json", jobnet.read_json)
