"""Placeholder: this report is being built."""

from django.utils.translation import gettext_lazy as _

from jobbro.reporting.base import Report

TITLE = _("status")
SUMMARY = ""


def build(scope):
    return Report(key="status", title=str(TITLE), scope=scope, tables=[])
