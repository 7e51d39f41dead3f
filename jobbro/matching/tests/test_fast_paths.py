"""The quick paths give what the full ones give: the small job's ranking over the enrolments the SQL filter keeps is
the ranking over them all, and the filter only leaves out citizens the engine would exclude."""

import datetime

import numpy as np
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.cases import actions
from jobbro.cases.models import Enrolment, PlacementEndReason, PlacementKind, Step
from jobbro.companies.models import Opening, Requirement, Weekday
from jobbro.conftest import REFERRED_ON, make_opening
from jobbro.matching import engine, services
from jobbro.people.models import CompetenceAssessment, JobGoal, Restriction

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
STEP_2_ON = REFERRED_ON + 7 * DAY
Tag = Restriction.Tag


@pytest.fixture
def population(refer, caseworker, company):
    """Citizens each ruled out by something else: hours (estimated, or agreed on an ended placement), restrictions
    in force, ended or not yet in force, Danish (assessed twice, once, never), and one still in step 1."""

    def waiting(**overrides):
        enrolment = refer(**overrides)
        return actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=STEP_2_ON)

    def restrict(enrolment, tag, **dates):
        Restriction.objects.create(citizen=enrolment.citizen, tag=tag, recorded_on=REFERRED_ON, **dates)

    def danish(enrolment, level, on=REFERRED_ON):
        CompetenceAssessment.objects.create(
            citizen=enrolment.citizen, area=CompetenceAssessment.Area.DANISH, level=level, assessed_on=on
        )

    def goal(enrolment, code, text):
        JobGoal.objects.create(citizen=enrolment.citizen, occupation_code=code, text=text, set_on=REFERRED_ON)

    today = timezone.localdate()
    few_hours = waiting(first_name="Tre", estimated_weekly_hours=3)
    school = waiting(first_name="Skole", estimated_weekly_hours=10)
    restrict(school, Tag.SCHOOL_HOURS_ONLY)
    many = waiting(first_name="Mange", estimated_weekly_hours=37)
    restrict(many, Tag.NO_PORK)
    restrict(many, Tag.NO_HEAVY_LIFTING, ended_on=REFERRED_ON + DAY)  # ended: no longer excludes
    goal(many, "9412", "køkken opvask")
    agreed = waiting(first_name="Aftalt", estimated_weekly_hours=5)  # agreed 15 hours on an ended placement
    placement = actions.start_placement(
        acting_user=caseworker,
        enrolment=agreed,
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=STEP_2_ON + DAY,
        agreed_ordinary_hours=15,
    )
    actions.end_placement(
        acting_user=caseworker, placement=placement, ended_on=STEP_2_ON + 30 * DAY, reason=PlacementEndReason.COMPLETED
    )
    lower_now = waiting(first_name="Dansk2", estimated_weekly_hours=20)
    danish(lower_now, 4)
    danish(lower_now, 2, REFERRED_ON + DAY)  # the latest counts
    fluent = waiting(first_name="Dansk4", estimated_weekly_hours=12)
    danish(fluent, 4)
    goal(fluent, "9412", "køkken")
    evenings = waiting(first_name="Aften", estimated_weekly_hours=20)
    restrict(evenings, Tag.NO_EVENINGS)
    later = waiting(first_name="Senere", estimated_weekly_hours=20)
    Restriction.objects.create(citizen=later.citizen, tag=Tag.NO_VACUUMING, recorded_on=today + 30 * DAY)
    step_1 = refer(first_name="Trin1", estimated_weekly_hours=12)
    restrict(step_1, Tag.NO_ALCOHOL)
    twin = waiting(first_name="Tvilling", estimated_weekly_hours=12)  # ties with others: the order by id decides
    low = waiting(first_name="Dansk1", estimated_weekly_hours=12)
    danish(low, 1)
    return [few_hours, school, many, agreed, lower_now, fluent, evenings, later, step_1, twin, low]


def full_ranking(opening):
    """The ranking over every rankable enrolment of the programme, loaded without the SQL filter."""
    net = services.load(services.rankable_enrolments(opening.programme_id), Opening.objects.filter(pk=opening.pk))
    idx, scores = engine.rank_citizens(net.citizens, net.jobs, 0, net.flags, limit=None)
    return [(net.enrolment_ids[i], round(float(s), 1)) for i, s in zip(idx.tolist(), scores.tolist(), strict=True)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    requirements=st.sets(st.sampled_from(Requirement.values)),
    days=st.sets(st.sampled_from(Weekday.values)),
    hours=st.sampled_from([0, 3, 4.5, 10, 12, 15, 20, 37, 40]),
    danish_level=st.sampled_from([None, 1, 2, 3, 4, 5]),
    occupation=st.sampled_from(["", "9412", "9411", "5223"]),
)
def test_the_filtered_ranking_is_the_full_ranking(
    population, programme, company, requirements, days, hours, danish_level, occupation
):
    opening = make_opening(
        company,
        programme,
        "Køkken",
        weekly_hours=hours,
        days=sorted(days),
        requirements=sorted(requirements),
        danish_level_required=danish_level,
        occupation_code=occupation,
    )
    try:
        fast = [(m.enrolment.pk, m.score) for m in services.rank_citizens(opening, limit=None)]
        full = full_ranking(opening)
        assert fast == full, (fast, full)
        kept = set(
            services.could_take(services.rankable_enrolments(programme.pk), opening).values_list("pk", flat=True)
        )
        assert {pk for pk, _score in fast} <= kept
        top = [(m.enrolment.pk, m.score) for m in services.rank_citizens(opening, limit=3)]
        assert top == fast[:3]
        # Ranking only some (a reader's scope) is the whole ranking with the others left out.
        some = {e.pk for e in population[::2]}
        among = Enrolment.objects.filter(pk__in=some)
        ranked = [(m.enrolment.pk, m.score) for m in services.rank_citizens(opening, limit=3, among=among)]
        assert ranked == [pair for pair in fast if pair[0] in some][:3]
    finally:
        opening.delete()


def test_the_filter_leaves_out_those_the_rules_exclude(population, programme, company):
    few_hours, school, many, agreed, lower_now, fluent, evenings, later, step_1, twin, low = population
    rankable = services.rankable_enrolments(programme.pk)

    def kept(**fields):
        opening = make_opening(company, programme, "Job", **fields)
        return set(services.could_take(rankable, opening).values_list("pk", flat=True))

    everyone = {e.pk for e in population}
    assert kept(weekly_hours=0, days=()) == everyone
    assert kept(weekly_hours=12, days=()) == everyone - {few_hours.pk, school.pk}  # 15 agreed hours count
    assert kept(weekly_hours=3, days=("sat",)) == everyone - {school.pk}
    assert kept(weekly_hours=3, days=(), requirements=[Requirement.EVENING_WORK]) == everyone - {
        school.pk,
        evenings.pk,
    }
    assert kept(weekly_hours=3, days=(), requirements=[Requirement.HANDLES_PORK, Requirement.HEAVY_LIFTING]) == (
        everyone - {many.pk}
    )  # the ended restriction does not count
    assert kept(weekly_hours=3, days=(), requirements=[Requirement.VACUUMING]) == everyone  # not yet in force
    # Only a citizen never assessed at the level is left out; one whose latest assessment is lower is kept (the
    # engine excludes them): the filter keeps more than the engine, never less.
    assert kept(weekly_hours=3, days=(), danish_level_required=3) == everyone - {low.pk}
    assert lower_now.pk not in {
        m.enrolment.pk
        for m in services.rank_citizens(
            make_opening(company, programme, "Dansk", weekly_hours=3, days=(), danish_level_required=3), limit=None
        )
    }


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from([0.0, 10.0, 12.5, 50.0, 99.9]), min_size=1, max_size=40),
    st.integers(0, 2**31 - 1),
    st.integers(1, 45),
)
def test_the_best_few_are_the_head_of_the_whole_ranking_even_with_ties(scores, seed, limit):
    score = np.array(scores)
    feasible = np.random.default_rng(seed).random(len(score)) < 0.8
    idx, top = engine._top(score, feasible, limit)
    all_idx, all_top = engine._top(score, feasible, None)
    assert idx.tolist() == all_idx[:limit].tolist()
    assert top.tolist() == all_top[:limit].tolist()
    # the whole ranking: by score, ties by position
    assert all_idx.tolist() == sorted(np.flatnonzero(feasible).tolist(), key=lambda i: (-score[i], i))


@pytest.fixture
def openings(programme, company, social_company):
    """Small jobs of every size and Danish level, some tied in every respect."""
    made = []
    for k, (hours, level) in enumerate(
        [(3, None), (4.5, 1), (8, None), (8, None), (10, 3), (12, 5), (20, 2), (37, None)]
    ):
        made.append(
            make_opening(
                company if k % 2 else social_company,
                programme,
                f"Job {k}",
                weekly_hours=hours,
                danish_level_required=level,
                occupation_code="9412" if k % 3 == 0 else "",
                days=("mon", "sat") if k == 6 else ("mon",),
            )
        )
    return made


def full_opening_ranking(enrolment):
    net = services.load(Enrolment.objects.filter(pk=enrolment.pk), services.open_openings(enrolment.programme_id))
    idx, scores = engine.rank_openings(net.citizens, 0, net.jobs, net.flags, limit=None)
    return [(net.openings.ids[j], round(float(s), 1)) for j, s in zip(idx.tolist(), scores.tolist(), strict=True)]


def test_the_filtered_ranking_of_small_jobs_is_the_full_ranking(refer, caseworker, company, openings):
    """For citizens of every capacity and Danish level, agreed hours above the estimate included."""
    citizens = []
    for k, (hours, levels, agreed) in enumerate(
        [(3, [], None), (8, [2], None), (10, [4, 1], None), (5, [], 12), (40, [5], None), (4.5, [1, 3], 8)]
    ):
        enrolment = refer(first_name=f"Borger{k}", estimated_weekly_hours=hours)
        enrolment = actions.change_step(
            acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=STEP_2_ON
        )
        for n, level in enumerate(levels):
            CompetenceAssessment.objects.create(
                citizen=enrolment.citizen, area="danish", level=level, assessed_on=REFERRED_ON + n * DAY
            )
        if agreed:
            placement = actions.start_placement(
                acting_user=caseworker,
                enrolment=enrolment,
                company=company,
                kind=PlacementKind.SMALL_JOB,
                starts_on=STEP_2_ON + DAY,
                agreed_ordinary_hours=agreed,
            )
            actions.end_placement(
                acting_user=caseworker,
                placement=placement,
                ended_on=STEP_2_ON + 30 * DAY,
                reason=PlacementEndReason.COMPLETED,
            )
        enrolment.refresh_from_db()
        citizens.append(enrolment)
    out_of_reach = 0
    for enrolment in citizens:
        fast = [(m.opening.pk, m.score) for m in services.rank_openings(enrolment, limit=None)]
        assert fast == full_opening_ranking(enrolment)
        assert [(m.opening.pk, m.score) for m in services.rank_openings(enrolment, limit=2)] == fast[:2]
        kept = set(
            services.could_be_taken(services.open_openings(enrolment.programme_id), enrolment).values_list(
                "pk", flat=True
            )
        )
        assert {pk for pk, _score in fast} <= kept
        out_of_reach += len(openings) - len(kept)
    assert out_of_reach, "the filter leaves something out"
