"""The rules of the record that pages, actions and the import all apply: one place each.

- Weekly hours: ordinary paid hours and internship hours are each 0-60 with at most one decimal, written
  with the digits 0-9, and together at most 60 in a week (a week has room for no more work than that).
- Dates in a case: on or after the enrolment's referral date, not after its end form date (where there
  is one, except where the kind of record belongs after exit), and never absurd (before 2000 or years ahead).
Text lengths are a rule of every app and live below them all, in jobbro/textlimits.py.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jobbro import days
from jobbro.cases.models import Contact, OutcomeStatus
from jobbro.numbers import parse_decimal
from jobbro.weekly_hours import MAX_WEEKLY_HOURS, validate_weekly_hours

# --- Weekly hours --------------------------------------------------------------------------------

# The 0-60 rule itself lives below every app, in jobbro/weekly_hours.py.
ONE_DECIMAL = Decimal("0.1")


def parse_hours(value, *, empty=None):
    """Hours a week as typed or read from a sheet ("7,5", "7.5", 7.5): 0-60 with at most one decimal.

    Returns a Decimal quantized to one decimal, `empty` for an empty value; raises ValidationError
    (without a field name: the caller knows the field)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return empty
    try:
        number = parse_decimal(value, signed=True)  # "-1" is a number out of range, not a typing error
    except ValidationError:
        raise ValidationError(_("Write the hours with the digits 0-9, e.g. 7,5."), code="digits") from None
    validate_weekly_hours(number)
    if number != number.quantize(ONE_DECIMAL):
        raise ValidationError(_("Write the hours with at most one decimal, e.g. 7,5."), code="decimals")
    return number.quantize(ONE_DECIMAL)


def week_hours_errors(ordinary, internship, *, ordinary_field="ordinary_hours", internship_field="internship_hours"):
    """{field: message} for a week's ordinary and internship hours (typed text or numbers); empty when they are fine.

    Each is parsed with parse_hours (empty is 0); together they may be at most MAX_WEEKLY_HOURS."""
    errors, values = {}, {}
    for field, value in ((ordinary_field, ordinary), (internship_field, internship)):
        try:
            values[field] = parse_hours(value, empty=Decimal(0))
        except ValidationError as error:
            errors[field] = error.messages
    if not errors and values[ordinary_field] + values[internship_field] > MAX_WEEKLY_HOURS:
        errors[internship_field] = [week_total_message()]
    return errors


def week_has_ended(monday, today):
    """A week (by its Monday) has ended once its Sunday has passed."""
    return monday + datetime.timedelta(days=6) < today


def week_ended_error(week_start, today):
    """The message refusing hours for a week that has not ended, or None."""
    if week_has_ended(week_start, today):
        return None
    sunday = week_start + datetime.timedelta(days=6)
    return _("Hours can only be registered for a week that has ended: week %(week)s ends on %(sunday)s.") % {
        "week": week_start.isocalendar()[1],
        "sunday": sunday.strftime("%d.%m.%Y"),
    }


def check_week_ended(week_start, *, today):
    if message := week_ended_error(week_start, today):
        raise ValidationError({"week_start": message})


def week_outside_placement_error(placement, week_start):
    """The message refusing a week (by its Monday) that lies wholly before the placement's start or starts on or
    after its end date (the first day it no longer runs), or None."""
    if week_start + datetime.timedelta(days=6) < placement.starts_on or (
        placement.ended_on and week_start >= placement.ended_on
    ):
        return _("The week lies outside the placement's period.")
    return None


def internship_part_error(placement, internship):
    """The message refusing internship hours on a placement without an internship part (an internship kind, or
    internship hours agreed: Placement.has_internship_part), or None."""
    try:
        hours = parse_hours(internship, empty=Decimal(0))
    except ValidationError:
        return None  # the hours rule has its own message
    if hours and not placement.has_internship_part:
        return _(
            "Internship hours: this placement (%(kind)s) has no internship part. Write the hours as ordinary "
            "paid hours, or agree internship hours on the placement first."
        ) % {"kind": placement.get_kind_display()}
    return None


def timesheet_errors(placement, week_start, internship, *, today):
    """{field: [message]} for a week's timesheet beyond the hours themselves: the week must have ended, and
    internship hours need a placement with an internship part (an internship kind, or internship hours agreed)."""
    errors = {}
    if message := week_ended_error(week_start, today):
        errors["week_start"] = [message]
    if message := internship_part_error(placement, internship):
        errors["internship_hours"] = [message]
    return errors


def check_timesheet(placement, week_start, internship, *, today):
    errors = timesheet_errors(placement, week_start, internship, today=today)
    if errors:
        raise ValidationError(errors)


def clean_subsidised_hours(value):
    """Subsidised hours (løntilskud) as a Decimal, by the weekly hours rule (0-60, one decimal), or a ValidationError."""
    try:
        return parse_hours(value, empty=Decimal(0))
    except ValidationError as error:
        raise ValidationError({"subsidised_hours": error.messages}) from None


def subsidy_part_error(placement, subsidised):
    """Subsidised hours (løntilskud) only on a wage-subsidy placement."""
    if subsidised and placement.kind != "wage_subsidy":
        return _("Subsidised hours: only a wage-subsidy placement (løntilskud) has subsidised hours.")
    return None


def week_total_with_subsidy_message():
    return _("Ordinary, internship and subsidised hours together can be at most 60 a week.")


def week_total_message():
    # The same words as the database constraint's (cases/models.py), so the rule reads the same wherever it refuses.
    return _("Ordinary and internship hours together can be at most 60 a week.")


def clean_week_hours(ordinary, internship, **fields):
    """(ordinary, internship) as Decimals, or one ValidationError naming the fields that are wrong."""
    errors = week_hours_errors(ordinary, internship, **fields)
    if errors:
        raise ValidationError(errors)
    return parse_hours(ordinary, empty=Decimal(0)), parse_hours(internship, empty=Decimal(0))


# --- The records of a case ------------------------------------------------------------------------
# Each returns the message refusing a value, or None; the actions raise it under their field, the import reports it
# under the sheet's column.


def enrolment_end_error(referred_on, ended_on, started_on=None):
    """The end form is never dated before the referral, nor before the start form where there is one."""
    if ended_on is not None and referred_on is not None and ended_on < referred_on:
        return _("The end form date cannot be before the referral date.")
    if ended_on is not None and started_on is not None and ended_on < started_on:
        return _("The end form date cannot be before the start form date.")
    return None


def end_before_start_error(starts_on, ended_on):
    """A placement (or anything with a period) cannot end before it starts."""
    if ended_on is not None and starts_on is not None and ended_on < starts_on:
        return _("The end date cannot be before the start date.")
    return None


def opening_error(opening_company_id, opening_programme_id, company_id, programme_id):
    """A placement's opening must be one of its company's openings in the enrolment's programme."""
    if opening_company_id != company_id or opening_programme_id != programme_id:
        return _("The opening must be one of the chosen company's openings in the programme.")
    return None


def contact_kind_error(enrolment, kind, occurred_on):
    """After the end form only aftercare contacts."""
    if enrolment.ended_on and occurred_on > enrolment.ended_on and kind != Contact.Kind.AFTERCARE:
        return _("After the end form only aftercare contacts can be registered.")
    return None


def exit_status_error(status):
    """The outcome at exit says where the citizen went: never "still in the programme"."""
    if status == OutcomeStatus.IN_PROGRAMME:
        return _("At the end form the citizen is no longer in the programme: choose where they went.")
    return None


def follow_up_date_error(enrolment, measured_on):
    if enrolment.ended_on and measured_on < enrolment.ended_on:
        return _("A follow-up cannot be dated before the end form date.")
    return None


def job_package_error(is_job_package, target_occupation_code):
    """A job package (jobpakke) leads to a named target job."""
    if is_job_package and not (target_occupation_code or "").strip():
        return _("A job package leads to a named job: choose the target job.")
    return None


def milestone_before_plan_error(plan_created_on, day, *, done=False):
    """A milestone is neither due nor done before its plan was made."""
    if day is None or day >= plan_created_on:
        return None
    message = (
        _("A milestone cannot be done before the plan was made (%(date)s).")
        if done
        else _("A milestone cannot be due before the plan was made (%(date)s).")
    )
    return message % {"date": plan_created_on.strftime("%d.%m.%Y")}


# --- Dates in a case -----------------------------------------------------------------------------

EARLIEST_DATE = datetime.date(2000, 1, 1)
YEARS_AHEAD = 5


def latest_date(on=None):
    """The last date any record may carry: a plan's milestone can be years ahead, never decades."""
    on = on or days.today()
    try:
        return on.replace(year=on.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return on.replace(year=on.year + YEARS_AHEAD, day=28)


def _dmy(day):
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"  # strftime writes the year 1 as "1"


def plausible_date_error(value, label=None, today=None):
    """The message for a date that no record can have (before 2000 or more than five years ahead), or None.

    The message names the field by its label; without one (an import cell, reported under its column) it does not."""
    if value is None:
        return None
    if value < EARLIEST_DATE:
        if label is None:
            return _("The date %(date)s is before the year 2000.") % {"date": _dmy(value)}
        return _("%(field)s: the date %(date)s is before the year 2000.") % {"field": label, "date": _dmy(value)}
    if value > latest_date(today):
        if label is None:
            return _("The date %(date)s is too far in the future.") % {"date": _dmy(value)}
        return _("%(field)s: the date %(date)s is too far in the future.") % {"field": label, "date": _dmy(value)}
    return None


def enrolment_date_error(enrolment, value, label, *, after_exit=False, today=None):
    """The message for a date outside the enrolment's life, or None.

    The life is from the referral date to the end form date (if the enrolment has ended); `after_exit`
    allows dates after the end form (aftercare contacts, follow-ups)."""
    if value is None:
        return None
    error = plausible_date_error(value, label, today)
    if error:
        return error
    if value < enrolment.referred_on:
        return _("%(field)s cannot be before the referral date (%(date)s).") % {
            "field": label,
            "date": _dmy(enrolment.referred_on),
        }
    if enrolment.ended_on and value > enrolment.ended_on and not after_exit:
        return _("%(field)s cannot be after the end form date (%(date)s).") % {
            "field": label,
            "date": _dmy(enrolment.ended_on),
        }
    return None


def check_enrolment_dates(enrolment, dates, *, after_exit=(), today=None):
    """Raise one ValidationError naming every field whose date lies outside the enrolment's life.

    `dates` is {field: (label, date)}; fields named in `after_exit` may lie after the end form date."""
    errors = {}
    for field, (label, value) in dates.items():
        message = enrolment_date_error(enrolment, value, str(label), after_exit=field in after_exit, today=today)
        if message:
            errors[field] = message
    if errors:
        raise ValidationError(errors)


def check_plausible_dates(dates, today=None):
    """Raise one ValidationError naming every field whose date is before 2000 or far in the future."""
    errors = {
        field: message
        for field, (label, value) in dates.items()
        if (message := plausible_date_error(value, str(label), today))
    }
    if errors:
        raise ValidationError(errors)


__all__ = [
    "MAX_WEEKLY_HOURS",
    "check_enrolment_dates",
    "check_plausible_dates",
    "clean_week_hours",
    "enrolment_date_error",
    "parse_hours",
    "plausible_date_error",
    "week_hours_errors",
    "week_total_message",
]
