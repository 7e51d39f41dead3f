"""Placeholder: this report is being built."""

from django.utils.translation import gettext_lazy as _

from jobbro.reporting.base import Report

TITLE = _("progression")
SUMMARY = ""


def build(scope):
    return Report(key="progression", title=str(TITLE), scope=scope, tables=[])
