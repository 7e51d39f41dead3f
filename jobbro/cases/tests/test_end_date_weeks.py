"""An end date is the first day a placement no longer runs: a week of hours starting on it lies outside."""

import datetime

from jobbro.cases import rules
from jobbro.cases.models import Placement

MONDAY = datetime.date(2026, 3, 2)
WEEK = datetime.timedelta(days=7)


def ended(on):
    return Placement(starts_on=MONDAY - 4 * WEEK, ended_on=on)


def test_a_week_starting_on_the_end_date_is_refused():
    assert rules.week_outside_placement_error(ended(MONDAY), MONDAY) is not None
    assert rules.week_outside_placement_error(ended(MONDAY), MONDAY + WEEK) is not None


def test_the_week_holding_the_last_day_is_accepted():
    assert rules.week_outside_placement_error(ended(MONDAY), MONDAY - WEEK) is None
    # Ended on a Tuesday: it ran on the Monday of that week.
    assert rules.week_outside_placement_error(ended(MONDAY + datetime.timedelta(days=1)), MONDAY) is None


def test_a_running_placement_takes_every_week_from_its_start():
    running = Placement(starts_on=MONDAY, ended_on=None)
    assert rules.week_outside_placement_error(running, MONDAY + 52 * WEEK) is None
    assert rules.week_outside_placement_error(running, MONDAY - WEEK) is not None
