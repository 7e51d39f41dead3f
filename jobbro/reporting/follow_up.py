"""Placeholder: this report is being built."""

from django.utils.translation import gettext_lazy as _

from jobbro.reporting.base import Report

TITLE = _("follow_up")
SUMMARY = ""


def build(scope):
    return Report(key="follow_up", title=str(TITLE), scope=scope, tables=[])
