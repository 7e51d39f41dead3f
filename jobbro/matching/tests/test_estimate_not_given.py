"""A citizen who gave no estimate of weekly hours: the capacity is unknown, not 0 hours. The matching neither
excludes them nor scores them down on hours (an agreement of hours, when there is one, still gives the capacity),
and the quick SQL filters keep them, so the quick ranking is still the full ranking."""

import datetime

import numpy as np
import pytest
from django.utils import translation

from jobbro.cases import actions
from jobbro.cases.models import PlacementEndReason, PlacementKind
from jobbro.companies.models import Opening
from jobbro.conftest import make_opening
from jobbro.matching import services
from jobbro.matching.tests.conftest import STEP_2_ON
from jobbro.matching.tests.test_fast_paths import full_ranking

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize("weekly_hours", [3, 20, 37])
def test_no_estimate_is_not_0_hours_in_the_matching(waiting, caseworker, programme, company, weekly_hours):
    unknown = waiting(first_name="Ukendt", estimated_weekly_hours=None)
    few = waiting(first_name="Få", estimated_weekly_hours=0)
    opening = make_opening(company, programme, "Køkken", weekly_hours=weekly_hours)

    with translation.override("en"):
        matches = services.rank_citizens(opening, limit=None)
    fast = [(m.enrolment.pk, m.score) for m in matches]
    assert fast == full_ranking(opening)
    (theirs,) = [m for m in matches if m.enrolment.pk == unknown.pk]
    assert f"{weekly_hours} h/week; the citizen gave no estimate of weekly hours" in theirs.reasons
    assert not [reason for reason in theirs.reasons if "nan" in reason]
    ranked = [pk for pk, _score in fast]
    assert unknown.pk in ranked  # not ruled out by hours nobody stated
    assert few.pk not in ranked  # an estimate of 0 hours is an estimate
    kept = services.could_take(services.rankable_enrolments(programme.pk), opening)
    assert kept.filter(pk=unknown.pk).exists()
    assert services.could_be_taken(Opening.objects.all(), unknown).filter(pk=opening.pk).exists()


def test_an_agreement_of_hours_gives_the_capacity_when_no_estimate_was_given(waiting, caseworker, programme, company):
    agreed = waiting(first_name="Aftalt", estimated_weekly_hours=None)
    placement = actions.start_placement(
        acting_user=caseworker,
        enrolment=agreed,
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=STEP_2_ON + DAY,
        agreed_ordinary_hours=10,
    )
    actions.end_placement(
        acting_user=caseworker, placement=placement, ended_on=STEP_2_ON + 30 * DAY, reason=PlacementEndReason.COMPLETED
    )
    net = services.load(services.rankable_enrolments(programme.pk), Opening.objects.none())
    assert np.allclose(net.citizens.hours, [10.0])
    too_many = make_opening(company, programme, "Lager", weekly_hours=15)
    assert agreed.pk not in [m.enrolment.pk for m in services.rank_citizens(too_many, limit=None)]
    assert [m.enrolment.pk for m in services.rank_citizens(too_many, limit=None)] == [
        pk for pk, _score in full_ranking(too_many)
    ]
