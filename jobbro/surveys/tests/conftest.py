"""A questionnaire to citizens built through the actions: a scale, a yes/no, a choice and a free-text question."""

import pytest

from jobbro.surveys import actions
from jobbro.surveys.models import Audience, Question


def build(user, programme, *, audience=Audience.CITIZENS, title="Seks måneder efter", opened=True):
    questionnaire = actions.create_questionnaire(
        acting_user=user, programme=programme, title=title, audience=audience, intro="Tak fordi du svarer."
    )
    actions.add_question(
        acting_user=user,
        questionnaire=questionnaire,
        text="Hvor godt er du fulgt op?",
        kind=Question.Kind.SCALE,
        low_label="Slet ikke",
        high_label="Meget godt",
    )
    actions.add_question(acting_user=user, questionnaire=questionnaire, text="Har du arbejde nu?", kind="yes_no")
    actions.add_question(
        acting_user=user,
        questionnaire=questionnaire,
        text="Hvor mange timer?",
        kind="choice",
        options=["Under 10", "10-20", "Over 20"],
        required=False,
    )
    actions.add_question(
        acting_user=user, questionnaire=questionnaire, text="Hvad kunne vi gøre bedre?", kind="text", required=False
    )
    if opened:
        actions.open_questionnaire(acting_user=user, questionnaire=questionnaire)
    questionnaire.refresh_from_db()
    return questionnaire


@pytest.fixture
def questionnaire(coordinator, programme):
    return build(coordinator, programme)


@pytest.fixture
def draft(coordinator, programme):
    return build(coordinator, programme, opened=False)


def questions(questionnaire):
    scale, yes_no, choice, text = questionnaire.questions.order_by("position")
    return scale, yes_no, choice, text


def token_of(link):
    return link.rstrip("/").rsplit("/", 1)[-1]
