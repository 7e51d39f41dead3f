"""Argument types shared by the demo's commands."""

import argparse
import datetime

from django.utils.translation import gettext as _


def iso_date(value):
    """A --today argument: a date as YYYY-MM-DD, or a clear error."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("Give the date as YYYY-MM-DD, e.g. 2026-03-01.")) from None
