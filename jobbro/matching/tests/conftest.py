import datetime

import pytest

from jobbro.cases import actions
from jobbro.cases.models import Step
from jobbro.conftest import REFERRED_ON

STEP_2_ON = REFERRED_ON + datetime.timedelta(days=7)


@pytest.fixture
def waiting(refer, caseworker):
    """`waiting(**refer_overrides)`: a citizen referred and moved to step 2 (towards a job) a week later."""

    def _waiting(**overrides):
        enrolment = refer(**overrides)
        return actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=STEP_2_ON)

    return _waiting
