"""Type-3 support: who has waited too long for a match, and the speed-dating plan for a network event."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobbro.accounts.models import Programme
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Step
from jobbro.conftest import REFERRED_ON, make_company, make_opening
from jobbro.matching import actions, type3
from jobbro.matching.models import DeclineReason

pytestmark = pytest.mark.django_db

STEP_2_ON = datetime.date(2025, 4, 7)  # a Monday
WEEKS = 8  # the default


def in_step_2(caseworker, enrolment, on=STEP_2_ON):
    return case_actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=on)


def listed(user, on, **kwargs):
    return [row.enrolment.pk for row in type3.unmatched(user, on=on, **kwargs)]


def test_listed_only_after_more_than_the_programmes_weeks(coordinator, caseworker, alices_enrolment):
    in_step_2(caseworker, alices_enrolment)
    exactly = STEP_2_ON + datetime.timedelta(weeks=WEEKS)
    assert listed(coordinator, exactly) == []
    assert listed(coordinator, exactly + datetime.timedelta(days=1)) == [alices_enrolment.pk]
    row = type3.unmatched(coordinator, on=exactly + datetime.timedelta(days=1))[0]
    assert row.waiting_since == STEP_2_ON and row.weeks == WEEKS


def test_the_programme_setting_moves_the_limit(coordinator, caseworker, alices_enrolment, programme):
    Programme.objects.filter(pk=programme.pk).update(settings={"unmatched_weeks": 2})
    in_step_2(caseworker, alices_enrolment)
    assert listed(coordinator, STEP_2_ON + datetime.timedelta(weeks=2, days=1)) == [alices_enrolment.pk]
    assert listed(coordinator, STEP_2_ON + datetime.timedelta(weeks=2)) == []


def test_only_step_2_counts(coordinator, alices_enrolment):
    assert alices_enrolment.current_step == Step.CLARIFICATION
    assert listed(coordinator, REFERRED_ON + datetime.timedelta(weeks=50)) == []


def test_waiting_counts_from_the_last_placements_end(coordinator, caseworker, alices_enrolment, start):
    in_step_2(caseworker, alices_enrolment)
    placement = start(alices_enrolment, starts_on=datetime.date(2025, 5, 5))
    ended = datetime.date(2025, 8, 4)
    case_actions.end_placement(acting_user=caseworker, placement=placement, ended_on=ended, reason="not_a_match")
    assert listed(coordinator, ended + datetime.timedelta(weeks=WEEKS)) == []
    assert listed(coordinator, ended + datetime.timedelta(weeks=WEEKS, days=1)) == [alices_enrolment.pk]


def test_a_later_return_to_step_2_restarts_the_wait(coordinator, caseworker, alices_enrolment, start):
    in_step_2(caseworker, alices_enrolment)
    placement = start(alices_enrolment, starts_on=datetime.date(2025, 5, 5))
    ended = datetime.date(2025, 8, 4)
    case_actions.end_placement(
        acting_user=caseworker, placement=placement, ended_on=ended, reason="completed", back_to_step_2=False
    )
    assert listed(coordinator, ended + datetime.timedelta(weeks=WEEKS * 2)) == [], "still in step 3"
    back = datetime.date(2025, 9, 1)
    in_step_2(caseworker, alices_enrolment, on=back)
    assert listed(coordinator, back + datetime.timedelta(weeks=WEEKS)) == []
    assert listed(coordinator, back + datetime.timedelta(weeks=WEEKS, days=1)) == [alices_enrolment.pk]


def test_a_running_placement_or_an_open_proposal_takes_the_citizen_off(
    coordinator, caseworker, alices_enrolment, bobs_enrolment, company, programme, start
):
    for enrolment in (alices_enrolment, bobs_enrolment):
        in_step_2(caseworker, enrolment)
    later = STEP_2_ON + datetime.timedelta(weeks=WEEKS + 4)
    assert sorted(listed(coordinator, later)) == sorted([alices_enrolment.pk, bobs_enrolment.pk])

    opening = make_opening(company, programme, "Opvask", weekly_hours=5)
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    assert listed(coordinator, later) == [bobs_enrolment.pk]
    actions.decline_match(acting_user=coordinator, proposal=proposal, reason=DeclineReason.TRANSPORT)
    rows = {row.enrolment.pk: row for row in type3.unmatched(coordinator, on=later)}
    assert set(rows) == {alices_enrolment.pk, bobs_enrolment.pk}
    assert rows[alices_enrolment.pk].declined == 1 and rows[bobs_enrolment.pk].declined == 0


def test_ended_enrolments_are_not_listed(coordinator, caseworker, alices_enrolment):
    in_step_2(caseworker, alices_enrolment)
    case_actions.end_enrolment(
        acting_user=caseworker,
        enrolment=alices_enrolment,
        ended_on=STEP_2_ON + datetime.timedelta(days=7),
        status="benefit",
    )
    assert listed(coordinator, STEP_2_ON + datetime.timedelta(weeks=WEEKS * 3)) == []


def test_each_user_sees_only_their_scope(world):
    for enrolment in (world.alices_enrolment, world.randers_enrolment, world.charlies_enrolment):
        acting = world.outside_caseworker if enrolment is world.charlies_enrolment else world.caseworker
        in_step_2(acting, enrolment)
    later = STEP_2_ON + datetime.timedelta(weeks=WEEKS + 1)
    assert set(listed(world.coordinator, later)) == {world.alices_enrolment.pk, world.randers_enrolment.pk}
    assert listed(world.alice, later) == [world.alices_enrolment.pk]
    assert listed(world.charlie, later) == [world.charlies_enrolment.pk]
    assert listed(world.evaluator, later) == []
    assert set(listed(world.administrator, later)) == {
        world.alices_enrolment.pk,
        world.randers_enrolment.pk,
        world.charlies_enrolment.pk,
    }


def test_the_list_is_one_query_however_many_citizens(coordinator, caseworker, refer):
    def count(n):
        for _ in range(n):
            in_step_2(caseworker, refer())
        with CaptureQueriesContext(connection) as queries:
            rows = type3.unmatched(coordinator, on=STEP_2_ON + datetime.timedelta(weeks=WEEKS + 1))
        return len(rows), len(queries)

    few, few_queries = count(2)
    many, many_queries = count(8)
    assert (few, many) == (2, 10)
    assert few_queries == many_queries <= 3  # the programmes (for their limits) and the list


# --- The pages ---------------------------------------------------------------------------------------


def test_the_unmatched_page_lists_and_links_to_the_ranking(client, coordinator, caseworker, alices_enrolment):
    in_step_2(caseworker, alices_enrolment, on=REFERRED_ON + datetime.timedelta(days=7))
    client.force_login(coordinator)
    response = client.get(reverse("match_unmatched"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-enrolment="{alices_enrolment.pk}"' in html
    assert (
        reverse(
            "citizen_matches", kwargs={"citizen_pk": alices_enrolment.citizen_id, "enrolment_pk": alices_enrolment.pk}
        )
        in html
    )


@pytest.mark.parametrize(("who", "status"), [("manager", 404), ("evaluator", 404), ("caseworker", 200), ("alice", 200)])
def test_the_unmatched_page_is_for_matching_roles(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("match_unmatched")).status_code == status


def test_the_speed_dating_plan_never_double_books(client, coordinator, caseworker, refer, programme):
    enrolments = [refer(first_name=f"Borger{k}", estimated_weekly_hours=20) for k in range(5)]
    for enrolment in enrolments:
        in_step_2(caseworker, enrolment, on=REFERRED_ON + datetime.timedelta(days=7))
    companies = [make_company(f"Firma {k}", programme=programme) for k in range(3)]
    for company in companies:
        make_opening(company, programme, f"Job hos {company.name}", weekly_hours=5, days=())
    outsider = make_company("Ikke i netværket")
    client.force_login(coordinator)

    form = client.get(reverse("match_speed_dating"))
    assert form.status_code == 200
    html = form.content.decode()
    for enrolment in enrolments:  # the unmatched are preselected
        assert enrolment.pk in form.context["form"].initial["enrolments"]
    assert outsider.name not in html, "only the programme's network companies are offered"

    query = [("rounds", "3")] + [("companies", c.pk) for c in companies] + [("enrolments", e.pk) for e in enrolments]
    response = client.get(reverse("match_speed_dating"), query)
    assert response.status_code == 200
    plan = response.context["plan"]
    assert len(plan["rounds"]) == 3
    met = set()
    for cells in plan["rounds"]:
        in_round = [meeting["enrolment"].pk for cell in cells for meeting in cell]
        assert len(in_round) == len(set(in_round)), "a citizen is in one meeting per round"
        assert all(len(cell) <= 1 for cell in cells), "a company meets one citizen per round"
        for company, cell in zip(plan["companies"], cells, strict=True):
            for meeting in cell:
                assert (meeting["enrolment"].pk, company.pk) not in met
                met.add((meeting["enrolment"].pk, company.pk))
    assert met, "the plan has meetings"
    assert b'id="plan"' in response.content


@pytest.mark.parametrize("who", ["alice", "manager", "evaluator", "caseworker"])
def test_the_network_pages_are_the_coordinators(client, request, who, programme):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("match_speed_dating")).status_code == 404
    assert client.get(reverse("match_assignment")).status_code == 404
