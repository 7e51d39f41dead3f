"""The demo keeps one net-gain calculation on a case, through the real action and with the rule table's own rate."""

import datetime

import pytest

from jobbro.audit.models import Action, ChangeLog
from jobbro.demo.generator import generate
from jobbro.netgain.models import NetGainCalculation

TODAY = datetime.date(2026, 3, 2)

pytestmark = pytest.mark.django_db


def test_the_demo_keeps_one_calculation_for_a_citizen_on_resource_course_benefit():
    generate(citizens=120, seed=2026, today=TODAY)
    calculation = NetGainCalculation.objects.get()
    assert calculation.benefit == "resource_course" and calculation.monthly_benefit is None
    assert calculation.enrolment.citizen.benefit_type == "ressourceforloebsydelse"
    assert calculation.created_by == calculation.enrolment.job_broker
    assert [row["weekly_hours"] for row in calculation.figures] == ["5", "10", "15"]
    assert ChangeLog.objects.filter(action=Action.SAVE_NET_GAIN_CALCULATION, object_id=str(calculation.pk)).exists()
