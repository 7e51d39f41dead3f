"""Matching from the database: every hard constraint excludes, explanations read right, declines feed back,
the assignment only uses waiting citizens and free places, and loading takes a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from jobbro.cases import actions
from jobbro.cases.models import PlacementEndReason, PlacementKind, Step
from jobbro.companies.models import Company, Opening, Requirement
from jobbro.conftest import REFERRED_ON, make_company, make_opening
from jobbro.matching import services
from jobbro.matching.models import DeclineReason, MatchProposal, MatchStatus
from jobbro.people.models import CompetenceAssessment, JobGoal, Restriction
from jobbro.reporting import company_facts

# Explanations as a job broker reads them: case notes and restrictions included.
CASE_READER = services.Reader(notes=True, restrictions=True)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
STEP_2_ON = REFERRED_ON + 7 * DAY


def goal(enrolment, code, text, kind=JobGoal.Kind.GOAL):
    return JobGoal.objects.create(
        citizen=enrolment.citizen, kind=kind, occupation_code=code, text=text, set_on=REFERRED_ON
    )


def restrict(enrolment, tag):
    return Restriction.objects.create(citizen=enrolment.citizen, tag=tag, recorded_on=REFERRED_ON)


def opening_ids(matches):
    return [m.opening.pk for m in matches]


def enrolment_ids(matches):
    return [m.enrolment.pk for m in matches]


def pairs(matches):
    return {(m.enrolment.pk, m.opening.pk) for m in matches}


# --- Explanations --------------------------------------------------------------------------------------


def test_a_ranked_opening_is_explained_in_sentences_a_broker_can_read(waiting, programme, caseworker, buddy, company):
    enrolment = waiting(first_name="Amina", estimated_weekly_hours=20, postcode="8220")
    goal(enrolment, "9412", "køkkenmedhjælper")
    Company.objects.filter(pk=company.pk).update(postcode="8000")
    # The company's record: four interns, three of them with ordinary paid hours.
    for n in range(4):
        intern = waiting(first_name=f"Intern{n}")
        placement = actions.start_placement(
            acting_user=caseworker,
            enrolment=intern,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=STEP_2_ON + DAY,
            ordinary_hours_condition="Når køkkenet kører",
        )
        if n < 3:
            actions.register_hours(
                acting_user=caseworker,
                placement=placement,
                week_start=STEP_2_ON + 7 * DAY,
                ordinary_hours=5,
                internship_hours=10,
            )
    job = make_opening(
        company,
        programme,
        "Køkkenhjælp",
        weekly_hours=12,
        occupation_code="9412",
        buddy=buddy,
        tasks="Opvask og klargøring i køkkenet",
    )

    with translation.override("en"):
        [match] = services.rank_openings(enrolment, reader=CASE_READER)
    assert match.opening == job and match.citizen == enrolment.citizen and match.enrolment == enrolment
    assert 60 < match.score <= 100
    assert 4 < match.distance_km < 9
    assert match.reasons[0] == 'matches the job goal "køkkenmedhjælper"'
    assert "12 h/week fits the citizen's 20 h/week" in match.reasons
    assert "buddy present (Birgit Buddy)" in match.reasons
    assert "the company turned 3 of 4 interns into paid hours" in match.reasons
    assert f"{match.distance_km:.0f} km away" in match.reasons


def test_matching_reads_the_same_track_record_as_the_companies_list(waiting, programme, caseworker, company):
    """One definition: the record a ranking scores and explains is the company's track record in the programme, as the
    companies list shows it; a fresh internship without hours yet counts there, so it counts here."""
    enrolment = waiting(estimated_weekly_hours=20)
    recently = timezone.localdate() - 5 * DAY
    for n, (paid, starts_on) in enumerate(((True, STEP_2_ON + DAY), (False, STEP_2_ON + DAY), (False, recently))):
        intern = waiting(first_name=f"Intern{n}")
        placement = actions.start_placement(
            acting_user=caseworker,
            enrolment=intern,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=starts_on,
            ordinary_hours_condition="Når køkkenet kører",
        )
        if paid:
            actions.register_hours(
                acting_user=caseworker,
                placement=placement,
                week_start=STEP_2_ON + 7 * DAY,
                ordinary_hours=5,
                internship_hours=10,
            )
    make_opening(company, programme, "Køkkenhjælp", weekly_hours=12)
    [listed] = company_facts.track_records([company.pk], [programme])[company.pk]
    assert (listed.internships_paid, listed.internships_started) == (1, 3)
    with translation.override("en"):
        [match] = services.rank_openings(enrolment)
    assert "the company turned 1 of 3 interns into paid hours" in match.reasons


def test_a_social_economic_company_is_a_stepping_stone_for_red_and_yellow_but_not_green(
    waiting, programme, company, social_company
):
    plain = make_opening(company, programme, "Opvask")
    stone = make_opening(social_company, programme, "Opvask")
    for light, expected in (("red", True), ("yellow", True), ("green", False)):
        enrolment = waiting(traffic_light=light)
        with translation.override("en"):
            ranked = services.rank_openings(enrolment)
        by_opening = {m.opening.pk: m for m in ranked}
        assert (by_opening[stone.pk].score > by_opening[plain.pk].score) is expected
        assert any("stepping stone" in r for r in by_opening[stone.pk].reasons) is expected


# --- Each hard constraint excludes, everywhere ---------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "requirement"),
    [(tag, requirement) for tag, requirements in services.RESTRICTION_FORBIDS.items() for requirement in requirements],
)
def test_a_restriction_excludes_the_tasks_it_rules_out(waiting, programme, company, tag, requirement):
    enrolment = waiting()
    restrict(enrolment, tag)
    ruled_out = make_opening(company, programme, "Ruled out", requirements=[requirement])
    fine = make_opening(
        company,
        programme,
        "Fine",
        requirements=[
            r
            for r in Requirement.values
            if r not in services.RESTRICTION_FORBIDS[tag] and r != Requirement.EVENING_WORK
        ][:2],
    )
    assert opening_ids(services.rank_openings(enrolment)) == [fine.pk]
    assert enrolment_ids(services.rank_citizens(ruled_out)) == []
    assert enrolment_ids(services.rank_citizens(fine)) == [enrolment.pk]
    assert (enrolment.pk, ruled_out.pk) not in pairs(services.propose_assignment(programme))
    assert services.excluded_reasons(enrolment, ruled_out)
    assert services.excluded_reasons(enrolment, fine) == []


def test_a_restriction_that_has_ended_no_longer_excludes(waiting, programme, company):
    enrolment = waiting()
    Restriction.objects.create(
        citizen=enrolment.citizen, tag=Restriction.Tag.NO_PORK, recorded_on=REFERRED_ON, ended_on=REFERRED_ON + 30 * DAY
    )
    job = make_opening(company, programme, "Pølsevogn", requirements=[Requirement.HANDLES_PORK])
    assert opening_ids(services.rank_openings(enrolment)) == [job.pk]


def test_hours_above_capacity_exclude_and_the_latest_agreed_hours_count(waiting, programme, company, caseworker):
    enrolment = waiting(estimated_weekly_hours=10)
    job = make_opening(company, programme, "Tolv timer", weekly_hours=12)
    assert services.rank_openings(enrolment) == []
    with translation.override("en"):
        assert services.excluded_reasons(enrolment, job, reader=CASE_READER) == [
            "12 h/week is more than the citizen's 10 h/week"
        ]
    # A placement where the citizen was agreed 15 hours shows the capacity is more than the estimate.
    placement = actions.start_placement(
        acting_user=caseworker,
        enrolment=enrolment,
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=STEP_2_ON + DAY,
        agreed_ordinary_hours=15,
    )
    actions.end_placement(
        acting_user=caseworker, placement=placement, ended_on=STEP_2_ON + 60 * DAY, reason=PlacementEndReason.COMPLETED
    )
    assert opening_ids(services.rank_openings(enrolment)) == [job.pk]


def test_a_danish_level_below_the_requirement_excludes_but_an_unassessed_citizen_is_flagged(
    waiting, programme, company
):
    assessed, unassessed = waiting(), waiting()
    CompetenceAssessment.objects.create(
        citizen=assessed.citizen, area=CompetenceAssessment.Area.DANISH, level=4, assessed_on=REFERRED_ON
    )
    CompetenceAssessment.objects.create(
        citizen=assessed.citizen, area=CompetenceAssessment.Area.DANISH, level=2, assessed_on=REFERRED_ON + DAY
    )  # the latest assessment counts
    job = make_opening(company, programme, "Reception", danish_level_required=3)
    assert services.rank_openings(assessed) == []
    with translation.override("en"):
        assert services.excluded_reasons(assessed, job, reader=CASE_READER) == [
            "the job asks for Danish at level 3; the citizen's is 2"
        ]
        [match] = services.rank_openings(unassessed)
    assert any(r.startswith("check Danish") for r in match.reasons)
    assert enrolment_ids(services.rank_citizens(job)) == [unassessed.pk]


def test_days_the_citizen_cannot_work_exclude(waiting, programme, company):
    enrolment = waiting()
    restrict(enrolment, Restriction.Tag.SCHOOL_HOURS_ONLY)
    saturday = make_opening(company, programme, "Lørdag", days=("fri", "sat"))
    evening = make_opening(company, programme, "Aften", days=("mon",), requirements=[Requirement.EVENING_WORK])
    weekday = make_opening(company, programme, "Hverdag", days=("mon", "wed"))
    assert opening_ids(services.rank_openings(enrolment)) == [weekday.pk]
    with translation.override("en"):
        assert services.excluded_reasons(enrolment, saturday, reader=CASE_READER) == [
            "the job is worked on Saturday, when the citizen cannot work"
        ]
    assert services.excluded_reasons(enrolment, evening)


# --- Declines and earlier placements feed back ---------------------------------------------------------


def decline(enrolment, opening, reason):
    return MatchProposal.objects.create(
        enrolment=enrolment,
        opening=opening,
        status=MatchStatus.DECLINED,
        proposed_on=STEP_2_ON,
        decided_on=STEP_2_ON + DAY,
        decline_reason=reason,
    )


def test_a_company_that_said_no_is_excluded_for_the_citizen(waiting, programme, company):
    enrolment, other = waiting(), waiting()
    first = make_opening(company, programme, "Første")
    second = make_opening(company, programme, "Anden")
    decline(enrolment, first, DeclineReason.COMPANY_DECLINED)
    assert services.rank_openings(enrolment) == []
    assert sorted(opening_ids(services.rank_openings(other))) == sorted([first.pk, second.pk])
    with translation.override("en"):
        assert services.excluded_reasons(enrolment, second) == ["the company declined the citizen earlier"]
    assert not {p for p in pairs(services.propose_assignment(programme)) if p[0] == enrolment.pk}


def test_a_declined_opening_is_not_proposed_again_and_the_company_is_ranked_lower(waiting, programme, company):
    enrolment = waiting()
    other_company = make_company("Kantinen", programme=programme)
    first = make_opening(company, programme, "Første")
    second = make_opening(company, programme, "Anden")
    elsewhere = make_opening(other_company, programme, "Andetsteds")
    before = {m.opening.pk: m.score for m in services.rank_openings(enrolment)}
    decline(enrolment, first, DeclineReason.CITIZEN_DECLINED)
    after = {m.opening.pk: m.score for m in services.rank_openings(enrolment)}
    assert first.pk not in after
    assert after[second.pk] < before[second.pk]
    assert after[elsewhere.pk] == before[elsewhere.pk]


def test_an_earlier_failed_placement_at_the_company_lowers_the_score(waiting, programme, company, caseworker):
    enrolment = waiting()
    job = make_opening(company, programme, "Opvask")
    before = services.rank_openings(enrolment)[0].score
    placement = actions.start_placement(
        acting_user=caseworker,
        enrolment=enrolment,
        company=company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=STEP_2_ON + DAY,
        no_hours_reason="Afklaring",
    )
    actions.end_placement(
        acting_user=caseworker,
        placement=placement,
        ended_on=STEP_2_ON + 20 * DAY,
        reason=PlacementEndReason.NOT_A_MATCH,
    )
    with translation.override("en"):
        [match] = services.rank_openings(enrolment)
    assert match.opening == job and match.score < before
    assert match.reasons[-1] == "an earlier placement at this company ended: Not a match"


# --- Who and what is ranked ----------------------------------------------------------------------------


def test_rank_citizens_takes_steps_1_and_2_and_step_3_without_a_placement(
    refer, waiting, programme, company, caseworker, other_programme, other_programme_site, outside_caseworker, start
):
    job = make_opening(company, programme, "Opvask")
    step_1 = refer()
    step_2 = waiting()
    placed = waiting()
    start(placed)
    ended = waiting()
    actions.end_enrolment(acting_user=caseworker, enrolment=ended, ended_on=STEP_2_ON + DAY, status="benefit")
    step_3_free = waiting()
    actions.change_step(acting_user=caseworker, enrolment=step_3_free, step=Step.IN_COMPANY, on=STEP_2_ON + DAY)
    refer(programme=other_programme, site=other_programme_site, acting_user=outside_caseworker)
    assert sorted(enrolment_ids(services.rank_citizens(job))) == sorted([step_1.pk, step_2.pk, step_3_free.pk])


def test_rank_openings_takes_only_open_openings_of_the_programme(waiting, programme, company, other_programme):
    enrolment = waiting()
    job = make_opening(company, programme, "Åben")
    make_opening(company, programme, "Besat", status=Opening.Status.FILLED)
    make_opening(company, other_programme, "Andet program")
    assert opening_ids(services.rank_openings(enrolment)) == [job.pk]
    assert len(services.rank_openings(enrolment, limit=0)) == 0


# --- The assignment --------------------------------------------------------------------------------------


def test_the_assignment_maximises_the_total_and_uses_only_waiting_citizens_and_free_places(
    refer, waiting, programme, company, social_company, caseworker, start
):
    cook = waiting(first_name="Kok")
    goal(cook, "9412", "køkkenmedhjælper")
    gardener = waiting(first_name="Gartner")
    goal(gardener, "9214", "gartner")
    goal(gardener, "9412", "køkken", kind=JobGoal.Kind.WISH)
    refer(first_name="Trin1")  # step 1: not waiting
    busy = waiting(first_name="Optaget")
    kitchen = make_opening(company, programme, "Køkken", occupation_code="9412")
    garden = make_opening(social_company, programme, "Have", occupation_code="9214")
    full = make_opening(company, programme, "Fuld", occupation_code="9412")
    start(busy, opening=full)  # busy is placed, and full has no free place left

    proposal = services.propose_assignment(programme)
    assert pairs(proposal) == {(cook.pk, kitchen.pk), (gardener.pk, garden.pk)}
    assert all(0 < m.score <= 100 and m.reasons for m in proposal)

    # An open proposal takes the citizen out of the waiting list and the place off the opening.
    MatchProposal.objects.create(enrolment=cook, opening=kitchen, status=MatchStatus.PROPOSED, proposed_on=STEP_2_ON)
    assert pairs(services.propose_assignment(programme)) == {(gardener.pk, garden.pk)}


def test_an_opening_with_two_places_takes_two_citizens(waiting, programme, company):
    first, second, third = waiting(), waiting(), waiting(estimated_weekly_hours=5)
    job = make_opening(company, programme, "To pladser", capacity=2, weekly_hours=8)
    result = services.propose_assignment(programme)
    assert pairs(result) == {(first.pk, job.pk), (second.pk, job.pk)}
    assert third.pk not in enrolment_ids(result)


def _build_waiting(waiting, programme, company, caseworker, count, offset):
    for n in range(count):
        enrolment = waiting(first_name=f"Borger{offset + n}", postcode="8210")
        goal(enrolment, "9412", "køkken")
        restrict(enrolment, Restriction.Tag.NO_PORK)
        CompetenceAssessment.objects.create(citizen=enrolment.citizen, area="danish", level=3, assessed_on=REFERRED_ON)
        placement = actions.start_placement(
            acting_user=caseworker,
            enrolment=enrolment,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=STEP_2_ON + DAY,
            no_hours_reason="x",
        )
        actions.end_placement(
            acting_user=caseworker,
            placement=placement,
            ended_on=STEP_2_ON + 9 * DAY,
            reason=PlacementEndReason.NOT_A_MATCH,
        )
    for n in range(count):
        make_opening(company, programme, f"Job {offset + n}", occupation_code="9412")


def test_loading_takes_a_fixed_number_of_queries(waiting, programme, company, caseworker):
    # The companies' track records are brought up to date by the task worker as soon as a write commits (here: by
    # hand, the test's writes never commit); the ranking then reads them as they are.
    _build_waiting(waiting, programme, company, caseworker, 2, 0)
    company_facts.catch_up()
    with CaptureQueriesContext(connection) as small:
        few = services.propose_assignment(programme)
    _build_waiting(waiting, programme, company, caseworker, 8, 2)
    company_facts.catch_up()
    with CaptureQueriesContext(connection) as large:
        many = services.propose_assignment(programme)
    assert len(few) == 2 and len(many) == 10
    assert len(large.captured_queries) == len(small.captured_queries) <= 15
    enrolment = many[0].enrolment
    opening = many[0].opening
    for call in (lambda: services.rank_openings(enrolment), lambda: services.rank_citizens(opening)):
        with CaptureQueriesContext(connection) as queries:
            call()
        assert len(queries.captured_queries) <= 15


def test_hours_in_the_sentences_are_written_the_way_the_language_writes_them():
    with translation.override("da"):
        assert services._hours(7.5) == "7,5" and services._hours(12) == "12"
    with translation.override("en"):
        assert services._hours(7.5) == "7.5"
