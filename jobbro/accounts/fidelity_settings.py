"""The fidelity report's settings: which indicators a programme follows, their targets, the caseload limit.

They are programme settings, kept in Programme.settings["fidelity"] and checked when the programme is saved
(thresholds.validate_settings), so they live here beside the programme; the report that applies them is
jobbro/reporting/fidelity.py, whose docstring defines each indicator.

``{"buddy": {"target": 90}, "cv_updated": {"enabled": false}, "caseload": {"max": 20}, "amber_margin": 10}``.
A missing key takes its default from DEFAULTS. `settings_problems` / `validate_settings` refuse a bad value with a
message naming the key; when read, a bad value is ignored with a logged warning and the default used.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

SETTINGS_KEY = "fidelity"

JOB_GOAL_4_WEEKS = "job_goal_4_weeks"
BUDDY = "buddy"
UPSKILLING_FIRST_TALK = "upskilling_first_talk"
CV_UPDATED = "cv_updated"
MONTHLY_FOLLOW_UP = "monthly_follow_up"
THIRTEEN_WEEKS = "thirteen_weeks"
HOURS_AT_START = "hours_at_start"
CASELOAD = "caseload"
CITIZEN_RATED_FOLLOW_UP = "citizen_rated_follow_up"
AMBER_MARGIN = "amber_margin"

# The defaults, in one place: every indicator is on, with its target in percent; the caseload also has its limit.
DEFAULTS = {
    AMBER_MARGIN: 15,  # points below the target that are amber rather than red
    JOB_GOAL_4_WEEKS: {"enabled": True, "target": 80},
    BUDDY: {"enabled": True, "target": 80},
    UPSKILLING_FIRST_TALK: {"enabled": True, "target": 80},
    CV_UPDATED: {"enabled": True, "target": 80},
    MONTHLY_FOLLOW_UP: {"enabled": True, "target": 80},
    THIRTEEN_WEEKS: {"enabled": True, "target": 80},
    HOURS_AT_START: {"enabled": True, "target": 80},
    # Caseloads under 50 per caseworker, fewer per job broker: 25 active citizens at most.
    CASELOAD: {"enabled": True, "target": 80, "max": 25},
    # Drawn on a questionnaire to citizens (jobbro/surveys): off until a programme names the scale question (its
    # number on the questionnaire's results page) and the answer from which it counts (1-5).
    CITIZEN_RATED_FOLLOW_UP: {"enabled": False, "target": 80, "question": 0, "threshold": 4},
}

# (smallest, largest) for each number setting.
RANGES = {
    "target": (1, 100),
    "max": (1, 1000),
    AMBER_MARGIN: (0, 100),
    "question": (0, 2_147_483_647),
    "threshold": (1, 5),
}

# What a share counts: enrolments, placements, job brokers, or citizens' answers to a questionnaire's question.
ENROLMENTS, PLACEMENTS, JOB_BROKERS, ANSWERS = "enrolments", "placements", "job_brokers", "answers"


@dataclass(frozen=True)
class Indicator:
    key: str
    name: object  # lazy translation
    element: object  # the core element it belongs to
    criterion: object  # one sentence; the caseload's holds %(max)s
    unit: str  # what the share counts: ENROLMENTS, PLACEMENTS or JOB_BROKERS


INDICATORS = [
    Indicator(
        JOB_GOAL_4_WEEKS,
        _("Job goal within 4 weeks"),
        _("Clarification and job plan"),
        _("The citizen has a job goal within 4 weeks of referral."),
        ENROLMENTS,
    ),
    Indicator(
        BUDDY,
        _("Buddy at the company"),
        _("Company network and buddies"),
        _("A placement at a company has a buddy."),
        PLACEMENTS,
    ),
    Indicator(
        UPSKILLING_FIRST_TALK,
        _("Upskilling considered at the first talk"),
        _("Upskilling alongside work"),
        _("Upskilling is decided on, yes or no, no later than the first talk."),
        ENROLMENTS,
    ),
    Indicator(
        CV_UPDATED,
        _("CV updated after each placement"),
        _("CV written together"),
        _("The CV is updated during a placement or within 30 days of its end."),
        PLACEMENTS,
    ),
    Indicator(
        MONTHLY_FOLLOW_UP,
        _("Monthly follow-up held"),
        _("Retention and progression"),
        _("A citizen in a placement for over a month has had a contact in the last 31 days."),
        ENROLMENTS,
    ),
    Indicator(
        THIRTEEN_WEEKS,
        _("13 consecutive weeks by week 26"),
        _("Retention and progression"),
        _("The citizen has 13 consecutive weeks with hours within the first 26 weeks after referral."),
        ENROLMENTS,
    ),
    Indicator(
        HOURS_AT_START,
        _("Ordinary hours agreed at the start"),
        _("Ordinary hours from the start"),
        _("A placement at a company is agreed with ordinary paid hours from its first day."),
        PLACEMENTS,
    ),
    Indicator(
        CASELOAD,
        _("Caseload within the limit"),
        _("Caseload"),
        _("A job broker has at most %(max)s active citizens."),
        JOB_BROKERS,
    ),
    Indicator(
        CITIZEN_RATED_FOLLOW_UP,
        _("Citizen-rated follow-up"),
        _("Retention and progression"),
        _("A citizen who answered the questionnaire's chosen question gave it %(threshold)s or more (of 5)."),
        ANSWERS,
    ),
]
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


# --- Settings ----------------------------------------------------------------------------------------------


def _problem(path, setting, value):
    """Why a value is refused (a translated sentence naming `path`), or None."""
    if setting == "enabled":
        return None if isinstance(value, bool) else gettext("%(key)s must be true or false.") % {"key": path}
    # JSON true/false arrive as Python bools, which are ints: refuse them too.
    if isinstance(value, bool) or not isinstance(value, int):
        return gettext("%(key)s must be a whole number.") % {"key": path}
    smallest, largest = RANGES[setting]
    if not smallest <= value <= largest:
        return gettext("%(key)s must be between %(minimum)s and %(maximum)s.") % {
            "key": path,
            "minimum": smallest,
            "maximum": largest,
        }
    return None


def _path(*keys):
    return ".".join((SETTINGS_KEY, *keys))


def settings_problems(value):
    """Every problem in the value of Programme.settings["fidelity"], each a sentence naming its key."""
    if not isinstance(value, dict):
        return [gettext('%(key)s must be a JSON object, e.g. {"buddy": {"target": 90}}.') % {"key": SETTINGS_KEY}]
    problems = []
    for key, given in value.items():
        if key == AMBER_MARGIN:
            problems.append(_problem(_path(key), key, given))
        elif key not in BY_KEY:
            problems.append(
                gettext("%(key)s is not a fidelity indicator; the indicators are %(keys)s.")
                % {
                    "key": _path(str(key)),
                    "keys": ", ".join(BY_KEY),
                }
            )
        elif not isinstance(given, dict):
            problems.append(gettext('%(key)s must be a JSON object, e.g. {"target": 90}.') % {"key": _path(key)})
        else:
            for setting, setting_value in given.items():
                if setting not in DEFAULTS[key]:
                    problems.append(
                        gettext("%(key)s is not a setting of this indicator; use %(settings)s.")
                        % {
                            "key": _path(key, str(setting)),
                            "settings": ", ".join(DEFAULTS[key]),
                        }
                    )
                else:
                    problems.append(_problem(_path(key, setting), setting, setting_value))
    return [problem for problem in problems if problem]


def validate_settings(value):
    """Refuse the value of Programme.settings["fidelity"] if anything in it is unknown or out of range."""
    problems = settings_problems(value)
    if problems:
        raise ValidationError({"settings": problems})


@dataclass(frozen=True)
class Rule:
    """One indicator's settings in force."""

    enabled: bool
    target: int
    max: int | None = None
    question: int | None = None
    threshold: int | None = None


@dataclass(frozen=True)
class Settings:
    amber_margin: int
    rules: dict  # indicator key -> Rule

    def enabled(self):
        return [indicator for indicator in INDICATORS if self.rules[indicator.key].enabled]

    def rule(self, key):
        return self.rules[key]


def _read(value, setting, default, path, programme_name):
    if _problem(path, setting, value):
        logger.warning(
            "Programme %r: ignoring setting %s=%r; using the default %r", programme_name, path, value, default
        )
        return default
    return value


def for_settings(value, *, programme_name=""):
    """The fidelity settings in force: each valid value given, the default for the rest (bad values logged)."""
    if value is not None and not isinstance(value, dict):
        logger.warning("Programme %r: ignoring setting %s=%r; using the defaults", programme_name, SETTINGS_KEY, value)
    value = value if isinstance(value, dict) else {}
    for unknown in set(value) - set(DEFAULTS):
        logger.warning("Programme %r: ignoring unknown setting %s", programme_name, _path(str(unknown)))
    margin = _read(
        value.get(AMBER_MARGIN, DEFAULTS[AMBER_MARGIN]),
        AMBER_MARGIN,
        DEFAULTS[AMBER_MARGIN],
        _path(AMBER_MARGIN),
        programme_name,
    )
    rules = {}
    for indicator in INDICATORS:
        given = value.get(indicator.key, {})
        if not isinstance(given, dict):
            logger.warning("Programme %r: ignoring setting %s=%r", programme_name, _path(indicator.key), given)
            given = {}
        rules[indicator.key] = Rule(
            **{
                setting: _read(
                    given.get(setting, default), setting, default, _path(indicator.key, setting), programme_name
                )
                for setting, default in DEFAULTS[indicator.key].items()
            }
        )
    return Settings(amber_margin=margin, rules=rules)


def for_programme(programme):
    settings = programme.settings if isinstance(programme.settings, dict) else {}
    return for_settings(settings.get(SETTINGS_KEY), programme_name=programme.name)
