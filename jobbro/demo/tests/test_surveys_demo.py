"""The demo has a questionnaire to citizens six months after referral and one to staff, answered through the real
actions, the same for the same seed and day, and the fidelity report draws on the citizens' answers."""

import datetime

import pytest

from jobbro.accounts.fidelity_settings import CITIZEN_RATED_FOLLOW_UP, for_programme
from jobbro.conftest import rolled_back
from jobbro.demo.generator import generate
from jobbro.surveys import results
from jobbro.surveys.models import Answer, Invitation, Questionnaire

TODAY = datetime.date(2026, 3, 2)

pytestmark = pytest.mark.django_db


def figures():
    return [
        (q.title, q.audience, q.status, results.response_rates(q).total)
        for q in Questionnaire.objects.order_by("title")
    ], sorted(Answer.objects.values_list("question__text", "number", "text"), key=str)


def test_the_demo_has_two_questionnaires_with_answers_and_the_fidelity_indicator_on():
    summary = generate(citizens=120, seed=2026, today=TODAY)
    citizens = Questionnaire.objects.get(audience="citizens")
    staff = Questionnaire.objects.get(audience="staff")
    assert citizens.is_open and staff.is_open
    rate = results.response_rates(citizens).total
    assert rate.invited >= 10 and 0.5 < rate.answered / rate.invited < 0.95
    for invitation in Invitation.objects.filter(questionnaire=citizens).select_related("enrolment"):
        assert invitation.enrolment.referred_on <= TODAY - datetime.timedelta(days=21 + 180)
    assert results.response_rates(staff).total.answered > 0
    rule = for_programme(citizens.programme).rule(CITIZEN_RATED_FOLLOW_UP)
    assert rule.enabled and rule.question == citizens.questions.order_by("position").first().pk
    assert summary.programme_id == citizens.programme_id


def test_the_same_seed_and_day_give_the_same_answers():
    runs = []
    for _run in range(2):
        with rolled_back():
            generate(citizens=60, seed=2026, today=TODAY)
            runs.append(figures())
    assert runs[0] == runs[1] and runs[0][1]
