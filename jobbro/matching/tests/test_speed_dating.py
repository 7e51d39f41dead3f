"""Speed dating at a network event: rounds where each citizen meets the companies that suit them best,
nobody double-booked, every meeting feasible, no pair meeting twice."""

import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobbro.cases import actions
from jobbro.cases.models import Step
from jobbro.companies.models import Requirement
from jobbro.conftest import REFERRED_ON, make_company, make_opening
from jobbro.matching import engine, services
from jobbro.people.models import JobGoal, Restriction


@settings(max_examples=200)
@given(st.integers(1, 8), st.integers(1, 6), st.integers(0, 6), st.integers(0, 2**31 - 1))
def test_no_one_is_double_booked_and_every_meeting_is_feasible(n, k, rounds, seed):
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, (n, k)).round(1)
    feasible = rng.random((n, k)) < 0.6
    plan = engine.speed_dating(score, feasible, rounds)
    assert len(plan) == rounds
    met = set()
    for meetings in plan:
        citizens = [i for i, _c, _s in meetings]
        companies = [c for _i, c, _s in meetings]
        assert len(set(citizens)) == len(citizens)  # a citizen is in one meeting a round
        assert len(set(companies)) == len(companies)  # so is a company
        for i, c, s in meetings:
            assert feasible[i, c] and s == score[i, c]
            assert (i, c) not in met  # no pair meets twice
            met.add((i, c))
    # Every round is as full as it can be given the pairs left: nobody idles who could have met someone free.
    left = feasible.copy()
    for meetings in plan:
        busy_c = {i for i, _c, _s in meetings}
        busy_k = {c for _i, c, _s in meetings}
        for i in range(n):
            for c in range(k):
                if left[i, c] and i not in busy_c and c not in busy_k:
                    pytest.fail(f"round left {i} and {c} idle though they could meet")
        for i, c, _s in meetings:
            left[i, c] = False
    # Once rounds are plentiful, every feasible pair has met.
    if rounds >= n + k:
        assert met == {(i, c) for i in range(n) for c in range(k) if feasible[i, c]}


def test_the_first_round_gives_each_citizen_the_best_total():
    score = np.array([[90.0, 80.0], [85.0, 10.0]])
    plan = engine.speed_dating(score, np.ones((2, 2), bool), 2)
    assert {(i, c) for i, c, _s in plan[0]} == {(0, 1), (1, 0)}  # 80 + 85 beats 90 + 10
    assert {(i, c) for i, c, _s in plan[1]} == {(0, 0), (1, 1)}


@pytest.mark.django_db
def test_speed_dating_plan_for_an_event(refer, caseworker, programme, company, social_company):
    def waiting(**kw):
        enrolment = refer(**kw)
        return actions.change_step(
            acting_user=caseworker,
            enrolment=enrolment,
            step=Step.TOWARDS_JOB,
            on=REFERRED_ON + datetime.timedelta(days=7),
        )

    cook, no_pork, other = waiting(first_name="Kok"), waiting(first_name="Halal"), waiting(first_name="Tredje")
    JobGoal.objects.create(citizen=cook.citizen, occupation_code="9412", text="køkken", set_on=REFERRED_ON)
    Restriction.objects.create(citizen=no_pork.citizen, tag=Restriction.Tag.NO_PORK, recorded_on=REFERRED_ON)
    make_opening(company, programme, "Pølser", occupation_code="9412", requirements=[Requirement.HANDLES_PORK])
    make_opening(social_company, programme, "Have", occupation_code="9214")
    no_jobs = make_company("Kun netværk", programme=programme)  # attends without an open small job

    plan = services.speed_dating_plan(
        enrolments=[cook, no_pork, other], companies=[company, social_company, no_jobs], rounds=3
    )
    assert len(plan) == 3
    met = set()
    for meetings in plan:
        assert len({e.pk for e, _c, _s in meetings}) == len(meetings)
        assert len({c.pk for _e, c, _s in meetings}) == len(meetings)
        for enrolment, company_, score in meetings:
            assert 0 <= score <= 100
            met.add((enrolment.pk, company_.pk))
    assert (no_pork.pk, company.pk) not in met  # the pork job is the company's only one: no meeting
    assert (cook.pk, company.pk) in {(e.pk, c.pk) for e, c, _s in plan[0]}  # the best match meets first
    assert {c.pk for _e, c, _s in sum(plan, [])} == {company.pk, social_company.pk, no_jobs.pk}
    assert len(met) == 8  # all feasible pairs fit into three rounds
    assert services.speed_dating_plan(enrolments=[], companies=[company], rounds=2) == [[], []]
