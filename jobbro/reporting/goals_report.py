"""Placeholder: this report is being built."""

from django.utils.translation import gettext_lazy as _

from jobbro.reporting.base import Report

TITLE = _("goals_report")
SUMMARY = ""


def build(scope):
    return Report(key="goals_report", title=str(TITLE), scope=scope, tables=[])
