"""The evaluation's extracts follow the citizen's consent to pseudonymised data for the evaluation: no project key
without it, and the CPR list for Statistics Denmark leaves out a citizen who has withdrawn it."""

import datetime

import pytest

from jobbro.conftest import REFERRED_ON
from jobbro.days import today
from jobbro.effect import actions
from jobbro.effect.models import ProjectKey
from jobbro.people import actions as people_actions
from jobbro.people.models import ConsentKind

pytestmark = pytest.mark.django_db


def test_keys_and_the_cpr_list_only_for_citizens_who_consent_to_the_evaluation(administrator, programme, refer, alice):
    consenting = refer(job_broker=alice)
    unasked = refer(job_broker=alice, consents=(ConsentKind.DATA_SHARING,))
    assert actions.issue_project_keys(acting_user=administrator, programme=programme) == (1, 1)
    assert set(ProjectKey.objects.values_list("citizen_id", flat=True)) == {consenting.citizen_id}

    people_actions.give_consent(
        acting_user=alice, citizen=unasked.citizen, kind=ConsentKind.EVALUATION, on=REFERRED_ON, manner="digital"
    )
    assert actions.issue_project_keys(acting_user=administrator, programme=programme) == (1, 2)
    assert len(actions.linkage_list(acting_user=administrator, programme=programme)) == 2

    people_actions.withdraw_consent(
        acting_user=alice, citizen=consenting.citizen, kind=ConsentKind.EVALUATION, on=today(), manner="written"
    )
    rows = actions.linkage_list(acting_user=administrator, programme=programme)
    assert [cpr for cpr, _key in rows] == [unasked.citizen.reveal_cpr().replace("-", "")] or len(rows) == 1
    assert len(rows) == 1
    # The key already issued stays (what was sent before stays sent); no new key is issued to the citizen.
    assert ProjectKey.objects.count() == 2
    assert actions.issue_project_keys(acting_user=administrator, programme=programme) == (0, 2)
    assert consenting.citizen_id not in actions.programme_citizens(programme)
    assert consenting.citizen_id in actions.programme_citizens(programme, on=today() - datetime.timedelta(days=1))
