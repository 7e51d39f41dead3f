"""The fidelity report's citizen-rated follow-up: the share of citizens' answers to the chosen scale question at or
above the threshold, per site, per job broker and in total, as of the report's date."""

import datetime

from django.utils import timezone, translation

from jobbro.accounts import fidelity_settings
from jobbro.reporting import fidelity
from jobbro.reporting.base import Light, Scope, Share
from jobbro.surveys import actions
from jobbro.surveys.models import Invitation
from jobbro.surveys.tests.conftest import build, questions, token_of

KEY = fidelity_settings.CITIZEN_RATED_FOLLOW_UP


def answer(questionnaire, coordinator, scores):
    """{enrolment: score or None (invited, not answered)}."""
    scale, yes_no, _choice, _text = questions(questionnaire)
    sent = actions.send(acting_user=coordinator, questionnaire=questionnaire, recipients=list(scores), message=False)
    for invitation, link in sent:
        score = scores[invitation.enrolment]
        if score is not None:
            actions.submit_answers(token=token_of(link), given={scale.pk: str(score), yes_no.pk: "1"})
    return scale


def settings_for(question, threshold=4, target=60):
    return fidelity_settings.for_settings(
        {KEY: {"enabled": True, "question": question.pk, "threshold": threshold, "target": target}}
    )


def test_the_indicator_counts_the_answers_at_or_above_the_threshold(world, programme, site, other_site):
    questionnaire = build(world.coordinator, programme)
    scale = answer(
        questionnaire,
        world.coordinator,
        {world.alices_enrolment: 5, world.bobs_enrolment: 2, world.randers_enrolment: 4, world.mentors_enrolment: None},
    )
    on = timezone.localdate()
    scope = Scope(programme, (site, other_site), on)
    counts, _active = fidelity.counts(scope, settings_for(scale))
    shares = counts[KEY]
    assert shares.site(site.pk) == Share(1, 2)  # Alice's 5 counts, Bob's 2 does not
    assert shares.site(other_site.pk) == Share(1, 1)  # 4 is the threshold; the unanswered invitation is not counted
    assert shares.total == Share(2, 3)
    assert shares.by_broker[world.alice.pk] == Share(1, 1)
    assert shares.by_broker[world.bob.pk] == Share(0, 1)
    assert fidelity.light(shares.total, 60, 15) == Light.GREEN
    # As of the day before the answers there is nothing to score yet.
    earlier, _active = fidelity.counts(
        Scope(programme, (site, other_site), on - datetime.timedelta(days=1)), settings_for(scale)
    )
    assert earlier[KEY].total == Share(0, 0)
    # A stricter threshold: only Alice's 5.
    strict, _active = fidelity.counts(scope, settings_for(scale, threshold=5))
    assert strict[KEY].total == Share(1, 3)


def test_the_report_shows_the_row_only_when_turned_on(world, programme, site, other_site):
    questionnaire = build(world.coordinator, programme)
    scale = answer(questionnaire, world.coordinator, {world.alices_enrolment: 4})
    scope = Scope(programme, (site, other_site), timezone.localdate())
    with translation.override("en"):
        assert KEY not in [row.key for row in fidelity.build(scope).tables[0].rows]
        programme.settings = {"fidelity": {KEY: {"enabled": True, "question": scale.pk, "threshold": 4}}}
        programme.save(update_fields=["settings"])
        by_site, by_broker = fidelity.build(scope).tables
    row = next(row for row in by_site.rows if row.key == KEY)
    assert row.cells[-1].value == Share(1, 1)
    assert "4 or more" in row.note
    assert not by_site.problems() and not by_broker.problems()


def test_a_question_that_is_not_a_scale_question_of_the_programme_counts_nothing(
    world, programme, site, other_site, other_programme
):
    questionnaire = build(world.coordinator, programme)
    answer(questionnaire, world.coordinator, {world.alices_enrolment: 5})
    _scale, yes_no, _choice, _text = questions(questionnaire)
    scope = Scope(programme, (site, other_site), timezone.localdate())
    counts, _active = fidelity.counts(scope, settings_for(yes_no, threshold=1))
    assert counts[KEY].total == Share(0, 0)
    assert Invitation.objects.answered().count() == 1


def test_the_settings_refuse_a_threshold_outside_the_scale():
    problems = fidelity_settings.settings_problems({KEY: {"threshold": 6, "question": -1}})
    assert len(problems) == 2
