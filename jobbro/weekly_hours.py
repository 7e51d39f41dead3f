"""The weekly hours rule, for every app: hours a week are 0-60 (a week has room for no more work than that).

One constant and one validator, read by the models (cases, companies: Enrolment, Placement, AgreedHoursChange,
Timesheet, Opening), the forms (cases/rules.py parse_hours behind every hours field, the matching's agreement
form), the import (the sheets' hours columns, imports/schemas.py, and the timesheet rows through cases/rules.py)
and the actions (through parse_hours and week_hours_errors in cases/rules.py). It lives below
every app (like jobbro/days.py), so companies reads it without reaching up into cases.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

MIN_WEEKLY_HOURS = 0
MAX_WEEKLY_HOURS = 60


def validate_weekly_hours(value):
    """Refuse hours a week outside 0-60 (a number; parse typed text first with cases/rules.py parse_hours)."""
    if not MIN_WEEKLY_HOURS <= Decimal(value) <= MAX_WEEKLY_HOURS:
        raise ValidationError(_("Write between 0 and 60 hours a week."), code="range")


# The model fields' form of the same rule: Django's own validators, which migrations record by their limits (a
# function would be a new migration in every app for the same rule). validate_weekly_hours and these refuse the same
# values (cases/tests/test_weekly_hours.py).
WEEKLY_HOURS_VALIDATORS = [MinValueValidator(MIN_WEEKLY_HOURS), MaxValueValidator(MAX_WEEKLY_HOURS)]
