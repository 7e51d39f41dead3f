"""Explanations never say what the reader may not see.

A coordinator may not read restrictions. Asking "Why not?" for a citizen ruled out by a restriction must give
exactly the page asked for a citizen ruled out by another rule about their circumstances (hours, Danish), so
comparing citizens reveals nothing. A job broker, who reads restrictions, still gets the real reason.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from jobbro.cases import actions
from jobbro.cases.models import Step
from jobbro.companies.models import Requirement
from jobbro.conftest import REFERRED_ON, make_opening
from jobbro.matching import actions as matching_actions
from jobbro.matching import services
from jobbro.people.models import CompetenceAssessment, JobGoal, Restriction

STEP_2_ON = REFERRED_ON + datetime.timedelta(days=7)

# One way per rule about the citizen's circumstances to be ruled out of the same small job (heavy lifting on
# Saturdays, 10 hours a week, Danish at level 3).
RULED_OUT_BY = {
    "restriction on the tasks": {"restriction": Restriction.Tag.NO_HEAVY_LIFTING},
    "restriction on the days": {"restriction": Restriction.Tag.SCHOOL_HOURS_ONLY},
    "hours": {"estimated_weekly_hours": 5},
    "danish": {"danish": 1},
}


@pytest.fixture
def job(company, programme):
    return make_opening(
        company,
        programme,
        "Lagerarbejde",
        weekly_hours=10,
        days=("mon", "sat"),
        requirements=[Requirement.HEAVY_LIFTING],
        danish_level_required=3,
    )


@pytest.fixture
def ruled_out(refer, alice, caseworker):
    """`ruled_out(rule)`: a citizen in step 2 (Alice is the job broker) ruled out of `job` by that rule only."""

    def _ruled_out(rule, name):
        how = RULED_OUT_BY[rule]
        enrolment = refer(
            first_name=name,
            last_name="Borger",
            job_broker=alice,
            estimated_weekly_hours=how.get("estimated_weekly_hours", 20),
        )
        actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=STEP_2_ON)
        citizen = enrolment.citizen
        if "restriction" in how:
            Restriction.objects.create(
                citizen=citizen,
                tag=how["restriction"],
                recorded_on=REFERRED_ON,
                description="Psykiatrisk indlæggelse, må ikke løfte",
            )
        CompetenceAssessment.objects.create(
            citizen=citizen, area=CompetenceAssessment.Area.DANISH, level=how.get("danish", 4), assessed_on=REFERRED_ON
        )
        JobGoal.objects.create(citizen=citizen, text="lager", occupation_code="9333", set_on=REFERRED_ON)
        return enrolment

    return _ruled_out


def why_not(client, user, opening, enrolment):
    """The "Why not?" block of the small job's matching page, asked for the enrolment."""
    client.force_login(user)
    response = client.get(reverse("opening_matches", kwargs={"pk": opening.pk}), {"why": enrolment.pk})
    assert response.status_code == 200
    match = re.search(r'<div id="why-not".*?</div>', response.content.decode(), re.S)
    assert match, "the page has no Why not? block"
    return match.group(0)


def why_not_from_the_citizen(client, user, opening, enrolment):
    """The "Why not?" block of the citizen's matching page, asked for the small job."""
    client.force_login(user)
    url = reverse("citizen_matches", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    response = client.get(url, {"why": opening.pk})
    assert response.status_code == 200
    return re.search(r'<div id="why-not".*?</div>', response.content.decode(), re.S).group(0)


def anonymised(html, enrolment):
    html = html.replace(f'data-enrolment="{enrolment.pk}"', 'data-enrolment="ID"')
    return html.replace(enrolment.citizen.full_name, "NAME")


@pytest.mark.parametrize("rule", [r for r in RULED_OUT_BY if r.startswith("restriction")])
@pytest.mark.parametrize("other_rule", ["hours", "danish"])
def test_a_coordinator_cannot_tell_a_restriction_from_another_rule(
    client, coordinator, job, ruled_out, rule, other_rule
):
    restricted, other = ruled_out(rule, "Rikke"), ruled_out(other_rule, "Ole")
    for page in (why_not, why_not_from_the_citizen):
        first, second = page(client, coordinator, job, restricted), page(client, coordinator, job, other)
        assert anonymised(first, restricted) == anonymised(second, other)
        for secret in (
            "indlæggelse",
            "skånehensyn",
            "restriction",
            "løft",
            "lift",
            "lørdag",
            "Saturday",
            "timer",
            "dansk",
        ):
            assert secret not in first.lower(), secret


def test_a_job_broker_still_sees_the_real_reason(client, alice, job, ruled_out):
    restricted, other = ruled_out("restriction on the tasks", "Rikke"), ruled_out("hours", "Ole")
    first, second = why_not(client, alice, job, restricted), why_not(client, alice, job, other)
    assert anonymised(first, restricted) != anonymised(second, other)
    with translation.override("da"):
        expected = services.excluded_reasons(restricted, job, reader=alice)
    assert expected and all(escape(sentence) in first for sentence in expected)
    assert "løft" in " ".join(expected).lower()


def test_every_rule_about_the_circumstances_reads_the_same_without_the_right_to_read_restrictions(
    job, ruled_out, coordinator
):
    sentences = {
        rule: services.excluded_reasons(ruled_out(rule, rule.title().replace(" ", "")), job, reader=coordinator)
        for rule in RULED_OUT_BY
    }
    assert len({tuple(s) for s in sentences.values()}) == 1
    assert len(next(iter(sentences.values()))) == 1


def test_a_coordinator_proposing_a_ruled_out_match_is_told_no_more(coordinator, alice, job, ruled_out):
    restricted = ruled_out("restriction on the tasks", "Rikke")
    refusals = {}
    for user in (coordinator, alice):
        with pytest.raises(ValidationError) as refused, translation.override("en"):
            matching_actions.propose_match(acting_user=user, enrolment=restricted, opening=job)
        refusals[user.username] = " ".join(refused.value.messages)
    assert "restrictions" not in refusals[coordinator.username]
    assert "does not suit the citizen" in refusals[coordinator.username]
    assert "restrictions rule out" in refusals[alice.username]


def test_the_goal_in_the_citizens_own_words_is_not_in_the_coordinators_reasons(
    waiting_citizen_with_goal, coordinator, alice
):
    enrolment, job = waiting_citizen_with_goal
    with translation.override("en"):
        [for_coordinator] = services.rank_openings(enrolment, reader=coordinator)
        [for_broker] = services.rank_openings(enrolment, reader=alice)
    assert not any("Min drøm om opvask" in reason or '"opvask"' in reason for reason in for_coordinator.reasons)
    assert for_coordinator.reasons[0].startswith("matches the job goal")
    assert 'matches the job goal "Min drøm om opvask"' in for_broker.reasons


@pytest.fixture
def waiting_citizen_with_goal(refer, alice, caseworker, company, programme):
    enrolment = refer(first_name="Gitte", last_name="Mål", job_broker=alice, estimated_weekly_hours=20)
    actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=STEP_2_ON)
    JobGoal.objects.create(
        citizen=enrolment.citizen, text="Min drøm om opvask", occupation_code="9412", set_on=REFERRED_ON
    )
    job = make_opening(company, programme, "Opvasker", weekly_hours=10, occupation_code="9412", tasks="Opvask hver dag")
    return enrolment, job


ALL_RULES = (1 << 6) - 1  # engine.V_REQUIREMENT … engine.V_DECLINED


def test_without_the_right_to_read_restrictions_only_whether_a_circumstance_fired_shows(
    job, ruled_out, coordinator, alice
):
    """Every combination of hard rules: the coordinator's sentences depend on the other rules and on whether any
    circumstance fired, never on which; the job broker's name each circumstance."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jobbro.companies.models import Opening
    from jobbro.matching import engine

    enrolment = ruled_out("restriction on the tasks", "Rikke")
    net = services.load(type(enrolment).objects.filter(pk=enrolment.pk), Opening.objects.filter(pk=job.pk))
    hidden, shown = services.Reader.of(coordinator), services.Reader.of(alice)
    circumstances = (engine.V_REQUIREMENT, engine.V_DAYS, engine.V_HOURS, engine.V_DANISH)

    @settings(max_examples=200, deadline=None)
    @given(st.integers(0, ALL_RULES), st.integers(0, ALL_RULES))
    def check(first, second):
        same_others = first & ~services.CIRCUMSTANCES == second & ~services.CIRCUMSTANCES
        same_presence = bool(first & services.CIRCUMSTANCES) == bool(second & services.CIRCUMSTANCES)
        with translation.override("en"):
            a = services.excluded_sentences(net, 0, 0, first, hidden)
            b = services.excluded_sentences(net, 0, 0, second, hidden)
            broker = services.excluded_sentences(net, 0, 0, first, shown)
        assert (a == b) is (same_others and same_presence)
        assert all("restriction" not in s and "h/week" not in s and "Danish" not in s for s in a)
        assert len(broker) == bin(first).count("1")
        assert sum(bool(first & bit) for bit in circumstances) == len(broker) - len(a) + bool(
            first & services.CIRCUMSTANCES
        )

    check()
