"""Programme settings for the Today page and the hours page, with their defaults.

An administrator changes them per programme in the Django admin, in the programme's
`settings` JSON, e.g. ``{"no_contact_days": 10, "parked_days": 45}``. A key that is
missing takes the default below. A value that is not a whole number within its range
is refused by `validate_settings` (call it from a form or `Programme.clean`) and, if it
got into the database anyway, ignored with a warning when read: the default is used, so
a typing error in the admin never takes the Today page down. The key "fidelity" holds the
fidelity report's settings, checked here by their own validator (fidelity_settings.py). Other keys in `settings`
belong to other features and are left alone. docs/configuration.md is the administrator's guide.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import fidelity_settings

logger = logging.getLogger(__name__)

NO_CONTACT_DAYS = "no_contact_days"
PARKED_DAYS = "parked_days"
THREE_MONTH_TALK_DAYS = "three_month_talk_days"
ENDING_SOON_DAYS = "ending_soon_days"
INTERNSHIP_WITHOUT_HOURS_WEEKS = "internship_without_hours_weeks"
SMALL_JOB_MONTHLY_HOURS = "small_job_monthly_hours"
FACTORY_MIN_INTERNSHIPS = "factory_min_internships"
FACTORY_MAX_PAID_SHARE_PERCENT = "factory_max_paid_share_percent"
FACTORY_LOOKBACK_DAYS = "factory_lookback_days"
UNMATCHED_WEEKS = "unmatched_weeks"
# The fidelity report's targets, in an object of their own under this key.
FIDELITY = fidelity_settings.SETTINGS_KEY

# The defaults, in one place.
DEFAULTS = {
    # Step 3: a citizen in a company is followed up weekly; flag after this many days without a contact.
    NO_CONTACT_DAYS: 14,
    # "Parked" (syltekrukke): an active citizen with no activity of any kind for this many days.
    PARKED_DAYS: 30,
    # The talk about the future after three months in a placement with ordinary hours.
    THREE_MONTH_TALK_DAYS: 90,
    # Placements whose planned end is this close.
    ENDING_SOON_DAYS: 14,
    # An unpaid internship this many weeks old should have ordinary hours agreed.
    INTERNSHIP_WITHOUT_HOURS_WEEKS: 4,
    # The national model: a small job counts with at least this many ordinary paid hours in a calendar month.
    SMALL_JOB_MONTHLY_HOURS: 30,
    # Internship factory (praktikfabrik, reporting/track_record.py): a company that started at least this many
    # internships within the look-back period ...
    FACTORY_MIN_INTERNSHIPS: 4,
    # ... of which at most this share (percent) turned into ordinary paid hours, is flagged.
    FACTORY_MAX_PAID_SHARE_PERCENT: 10,
    # The look-back period: internships started within this many days before today (two years).
    FACTORY_LOOKBACK_DAYS: 730,
    # Type-3 support: a citizen in step 2 with no match for this many weeks is brought to the whole network.
    UNMATCHED_WEEKS: 8,
}

# Upper bounds keep dates computable (and catch an extra digit typed by mistake).
MAXIMA = {
    NO_CONTACT_DAYS: 3660,
    PARKED_DAYS: 3660,
    THREE_MONTH_TALK_DAYS: 3660,
    ENDING_SOON_DAYS: 3660,
    INTERNSHIP_WITHOUT_HOURS_WEEKS: 520,
    SMALL_JOB_MONTHLY_HOURS: 744,  # the hours in a month of 31 days
    FACTORY_MIN_INTERNSHIPS: 1000,
    FACTORY_MAX_PAID_SHARE_PERCENT: 100,
    FACTORY_LOOKBACK_DAYS: 3660,
    UNMATCHED_WEEKS: 520,
}

LABELS = {
    NO_CONTACT_DAYS: _("Days without contact before a citizen in step 3 is flagged"),
    PARKED_DAYS: _("Days without any activity before a citizen counts as parked"),
    THREE_MONTH_TALK_DAYS: _("Days in a placement with ordinary hours before the three-month talk is due"),
    ENDING_SOON_DAYS: _("Days before a placement's planned end that it is shown as ending"),
    INTERNSHIP_WITHOUT_HOURS_WEEKS: _("Weeks of internship before ordinary hours should be agreed"),
    SMALL_JOB_MONTHLY_HOURS: _("Ordinary paid hours a month that make a small job count (national model)"),
    FACTORY_MIN_INTERNSHIPS: _("Internships started before a company can be flagged as an internship factory"),
    FACTORY_MAX_PAID_SHARE_PERCENT: _(
        "Largest share of internships turned into ordinary hours for which a company is flagged"
    ),
    FACTORY_LOOKBACK_DAYS: _("Days back in which internships count for the internship-factory flag"),
    UNMATCHED_WEEKS: _("Weeks in step 2 without a match before a citizen is listed for the whole network (type 3)"),
}

UNITS = {
    NO_CONTACT_DAYS: _("days"),
    PARKED_DAYS: _("days"),
    THREE_MONTH_TALK_DAYS: _("days"),
    ENDING_SOON_DAYS: _("days"),
    INTERNSHIP_WITHOUT_HOURS_WEEKS: _("weeks"),
    SMALL_JOB_MONTHLY_HOURS: _("hours"),
    FACTORY_MIN_INTERNSHIPS: _("internships"),
    FACTORY_MAX_PAID_SHARE_PERCENT: _("percent"),
    FACTORY_LOOKBACK_DAYS: _("days"),
    UNMATCHED_WEEKS: _("weeks"),
}


def _problem(key, value):
    """Why a value is refused, or None if it is a whole number within the key's range."""
    # JSON true/false arrive as Python bools, which are ints: refuse them too.
    if isinstance(value, bool) or not isinstance(value, int):
        return gettext("%(key)s must be a whole number.") % {"key": key}
    if not 1 <= value <= MAXIMA[key]:
        return gettext("%(key)s must be between 1 and %(maximum)s.") % {"key": key, "maximum": MAXIMA[key]}
    return None


def validate_settings(settings):
    """Refuse a programme's settings if one of the thresholds in it is not a positive whole number within range."""
    if settings in (None, ""):
        return
    if not isinstance(settings, dict):
        raise ValidationError(
            {"settings": gettext('The settings must be a JSON object, e.g. {"no_contact_days": 14}.')}
        )
    problems = [problem for key in DEFAULTS if key in settings and (problem := _problem(key, settings[key]))]
    if FIDELITY in settings:
        # The fidelity report's settings have their own checks (fidelity_settings.py).
        problems += fidelity_settings.settings_problems(settings[FIDELITY])
    if problems:
        raise ValidationError({"settings": problems})


@dataclass(frozen=True)
class Thresholds:
    no_contact_days: int
    parked_days: int
    three_month_talk_days: int
    ending_soon_days: int
    internship_without_hours_weeks: int
    small_job_monthly_hours: int
    factory_min_internships: int
    factory_max_paid_share_percent: int
    factory_lookback_days: int
    unmatched_weeks: int

    def get(self, key):
        return getattr(self, key)


def for_settings(settings, *, programme_name=""):
    """The thresholds from a settings dict: each key that is there and valid, the default for the rest."""
    settings = settings if isinstance(settings, dict) else {}
    values = {}
    for key, default in DEFAULTS.items():
        value = settings.get(key, default)
        if _problem(key, value):
            logger.warning(
                "Programme %r: ignoring setting %s=%r; using the default %s", programme_name, key, value, default
            )
            value = default
        values[key] = value
    return Thresholds(**values)


def for_programme(programme):
    """The thresholds of a programme (Programme.settings with the defaults filled in)."""
    if programme is None:
        return for_settings({})
    return for_settings(programme.settings, programme_name=programme.name)


def listing(programme):
    """The thresholds with labels for display: [{key, label, value, unit, default, is_default}, ...]."""
    thresholds = for_programme(programme)
    return [
        {
            "key": key,
            "label": LABELS[key],
            "value": thresholds.get(key),
            "unit": UNITS[key],
            "default": default,
            "is_default": thresholds.get(key) == default,
        }
        for key, default in DEFAULTS.items()
    ]
