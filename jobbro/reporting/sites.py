"""Placeholder: this report is being built."""

from django.utils.translation import gettext_lazy as _

from jobbro.reporting.base import Report

TITLE = _("sites")
SUMMARY = ""


def build(scope):
    return Report(key="sites", title=str(TITLE), scope=scope, tables=[])
