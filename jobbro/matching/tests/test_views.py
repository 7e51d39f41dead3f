"""The matching pages: who may see them, what they show, what a refused step leaves behind, how many queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from jobbro.audit.models import AccessLog
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Contact, Placement, Step
from jobbro.companies.models import Opening
from jobbro.conftest import REFERRED_ON, make_company, make_opening
from jobbro.matching import actions
from jobbro.matching.models import MatchProposal, MatchStatus
from jobbro.people import actions as people_actions
from jobbro.people.models import Restriction

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def opening(company, programme, buddy):
    return make_opening(company, programme, "Opvasker", weekly_hours=8, buddy=buddy, tasks="Opvask i køkkenet")


def matches_url(enrolment):
    return reverse("citizen_matches", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def propose_url(enrolment):
    return reverse("match_propose", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def step_url(step, proposal):
    return reverse(f"match_proposal_{step}", kwargs={"citizen_pk": proposal.enrolment.citizen_id, "pk": proposal.pk})


# --- Ranked small jobs for a citizen ------------------------------------------------------------------


def test_a_job_broker_sees_the_ranked_small_jobs_with_reasons_and_the_read_is_logged(
    client, alice, alices_enrolment, opening
):
    client.force_login(alice)
    response = client.get(matches_url(alices_enrolment))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["match"].opening for row in rows] == [opening]
    assert rows[0]["match"].reasons, "every match is explained"
    html = response.content.decode()
    assert f'data-opening="{opening.pk}"' in html
    assert all(escape(reason) in html for reason in rows[0]["match"].reasons)
    assert AccessLog.objects.filter(
        user=alice, citizen=alices_enrolment.citizen, view="citizen_matches", status_code=200
    ).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("bob", 200),
        ("caseworker", 200),
        ("coordinator", 200),
        ("administrator", 200),
        ("manager", 404),
        ("evaluator", 404),
        ("charlie", 404),
        ("outside_caseworker", 404),
        ("mentor", 404),  # a mentor sees only their own mentees
    ],
)
def test_who_may_see_a_citizens_ranking(client, request, who, status, alices_enrolment, opening):
    client.force_login(request.getfixturevalue(who))
    assert client.get(matches_url(alices_enrolment)).status_code == status


def test_a_mentor_sees_the_ranking_for_a_mentee(client, mentor, bobs_enrolment, opening):
    client.force_login(mentor)
    assert client.get(matches_url(bobs_enrolment)).status_code == 200


def test_why_not_explains_an_excluded_small_job(client, alice, alices_enrolment, company, programme, opening):
    full_time = make_opening(company, programme, "Fuld tid", weekly_hours=37)
    client.force_login(alice)
    response = client.get(matches_url(alices_enrolment), {"why": full_time.pk})
    assert full_time not in [row["match"].opening for row in response.context["rows"]]
    assert response.context["why"]["opening"] == full_time
    assert response.context["why"]["reasons"]
    assert f'id="why-not" data-opening="{full_time.pk}"' in response.content.decode()


def too_long(company, programme, count, offset=0):
    """Small jobs of 37 hours a week: more than the citizens here can work."""
    return [make_opening(company, programme, f"Fuld tid {offset + n:03d}", weekly_hours=37) for n in range(count)]


def why_not_items(html):
    return html.count("<li data-opening=") + html.count("<li data-enrolment=")


def test_the_why_not_list_is_collapsed_with_its_count_and_explained_a_page_at_a_time(
    client, alice, alices_enrolment, company, programme, opening
):
    jobs = too_long(company, programme, 30)
    client.force_login(alice)
    response = client.get(matches_url(alices_enrolment))
    why_not = response.context["why_not"]
    assert why_not["count"] == 30 and len(why_not["items"]) == 25
    html = response.content.decode()
    assert '<details class="jb-why-not-list" id="why-not-list" data-count="30">' in html, "collapsed"
    summary = html[html.index("<summary>") : html.index("</summary>")]
    assert "30" in summary
    assert why_not_items(html) == 25 and jobs[-1].title not in html
    # Each entry says why, in words the reader may read: the hours, for a job broker.
    hours = gettext("%(hours)s h/week is more than the citizen's %(capacity)s h/week") % {
        "hours": "37",
        "capacity": "10",
    }
    assert all(item["reasons"] == [hours] for item in why_not["items"])
    assert html.count(escape(hours)) == 25

    second = client.get(matches_url(alices_enrolment), {"why_page": 2})
    html = second.content.decode()
    assert [item["object"] for item in second.context["why_not"]["items"]] == jobs[25:]
    assert 'id="why-not-list" data-count="30" open>' in html, "a turned page keeps the list open"
    assert 'href="?why_page=1#why-not-section"' in html and 'hx-get="?why_page=1"' in html


def test_turning_a_page_of_the_why_not_list_with_htmx_returns_only_the_list(
    client, alice, alices_enrolment, company, programme, opening
):
    jobs = too_long(company, programme, 30)
    client.force_login(alice)
    response = client.get(matches_url(alices_enrolment), {"why_page": 2}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<div id="why-not-page" data-page="2">') and "<html" not in html
    assert why_not_items(html) == 5 and all(f'data-opening="{job.pk}"' in html for job in jobs[25:])
    assert 'hx-target="#why-not-page"' in html
    assert AccessLog.objects.filter(user=alice, citizen=alices_enrolment.citizen, view="citizen_matches").exists()


def test_the_why_not_list_is_written_for_the_reader(
    client, alice, coordinator, caseworker, alices_enrolment, company, programme
):
    heavy = make_opening(company, programme, "Flytning", weekly_hours=5, requirements=["heavy_lifting"])
    people_actions.add_restriction(
        acting_user=caseworker,
        citizen=alices_enrolment.citizen,
        tag=Restriction.Tag.NO_HEAVY_LIFTING,
        recorded_on=REFERRED_ON,
    )
    restriction = gettext("the tasks involve %(what)s, which the citizen's restrictions rule out").split("%(what)s")[1]
    vague = gettext("the small job does not suit the citizen")
    for user, said, unsaid in ((alice, restriction, vague), (coordinator, vague, restriction)):
        client.force_login(user)
        items = client.get(matches_url(alices_enrolment)).context["why_not"]["items"]
        (item,) = [item for item in items if item["object"] == heavy]
        assert any(said in reason for reason in item["reasons"])
        assert not any(unsaid in reason for reason in item["reasons"])


def test_the_why_not_list_costs_the_same_queries_and_bytes_for_many_small_jobs(
    client, alice, alices_enrolment, company, programme, opening
):
    client.force_login(alice)

    def measure(count, offset):
        too_long(company, programme, count, offset)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(matches_url(alices_enrolment))
        return len(captured), len(response.content), response.context["why_not"]["count"]

    few_queries, few_bytes, few = measure(30, 0)
    many_queries, many_bytes, many = measure(90, 30)
    assert (few, many) == (30, 120)
    assert few_queries == many_queries
    assert many_bytes < few_bytes + 200, "the page holds 25 entries however many there are"


def test_the_why_not_list_of_a_small_job_pages_through_the_citizens_in_scope(
    client, coordinator, refer, programme, other_site, opening
):
    for n in range(27):
        refer(first_name=f"Deltid{n:02d}", estimated_weekly_hours=5)  # 5 hours a week: the job takes 8
    refer(first_name="Randers", site=other_site, estimated_weekly_hours=5)
    url = reverse("opening_matches", kwargs={"pk": opening.pk})
    client.force_login(coordinator)
    response = client.get(url)
    assert response.context["why_not"]["count"] == 28 and len(response.context["why_not"]["items"]) == 25
    hours = gettext("%(hours)s h/week is more than the citizen's %(capacity)s h/week") % {
        "hours": "8",
        "capacity": "5",
    }
    vague = gettext("the small job does not suit the citizen")
    assert all(item["reasons"] == [vague] for item in response.context["why_not"]["items"]), (
        "a coordinator may not read restrictions, so hours read like them"
    )
    assert hours not in response.content.decode()
    fragment = client.get(url, {"why_page": 2}, headers={"HX-Request": "true"}).content.decode().strip()
    assert fragment.startswith('<div id="why-not-page" data-page="2">') and why_not_items(fragment) == 3


def test_the_citizen_ranking_costs_the_same_queries_for_many_small_jobs(
    client, alice, alices_enrolment, company, programme
):
    client.force_login(alice)

    def queries(n):
        for k in range(n):
            make_opening(make_company(f"Firma {n}-{k}", programme=programme), programme, f"Job {k}", weekly_hours=5)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(matches_url(alices_enrolment))
        assert len(response.context["rows"]) >= n
        return len(captured)

    few, many = queries(2), queries(12)
    assert few == many
    assert many <= 22


# --- Ranked citizens for a small job -----------------------------------------------------------------------


def test_a_job_broker_sees_only_the_citizens_in_scope(client, world, opening):
    url = reverse("opening_matches", kwargs={"pk": opening.pk})
    client.force_login(world.coordinator)
    everyone = {row["match"].enrolment.pk for row in client.get(url).context["rows"]}
    assert world.randers_enrolment.pk in everyone and world.alices_enrolment.pk in everyone
    assert world.charlies_enrolment.pk not in everyone

    client.force_login(world.alice)
    response = client.get(url)
    shown = {row["match"].enrolment.pk for row in response.context["rows"]}
    assert shown and shown <= {world.alices_enrolment.pk, world.bobs_enrolment.pk}
    assert world.randers_enrolment.pk not in shown and world.mentors_enrolment.pk not in shown
    html = response.content.decode()
    for hidden in (world.randers_citizen, world.mentors_citizen, world.charlies_citizen):
        assert hidden.full_name not in html
    listed = {item["object"].pk for item in response.context["why_not"]["items"]}
    assert listed <= {world.alices_enrolment.pk, world.bobs_enrolment.pk}
    # Asking "why not" about a citizen outside the scope shows nothing.
    assert client.get(url, {"why": world.randers_enrolment.pk}).context["why"] is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("alice", 200),
        ("administrator", 200),
        ("caseworker", 404),
        ("mentor", 404),
        ("manager", 404),
        ("evaluator", 404),
        ("charlie", 404),
    ],
)
def test_who_may_see_the_citizens_for_a_small_job(client, request, who, status, opening):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("opening_matches", kwargs={"pk": opening.pk})).status_code == status


def test_the_small_job_ranking_costs_the_same_queries_for_many_citizens(client, coordinator, refer, opening):
    client.force_login(coordinator)
    url = reverse("opening_matches", kwargs={"pk": opening.pk})

    def queries(n):
        for _ in range(n):
            refer(estimated_weekly_hours=20)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert len(response.context["rows"]) >= n
        return len(captured)

    few, many = queries(2), queries(12)
    assert few == many
    assert many <= 22


def test_the_opening_board_links_to_the_ranked_citizens_for_brokers_only(client, alice, manager, opening):
    link = reverse("opening_matches", kwargs={"pk": opening.pk})
    client.force_login(alice)
    assert link in client.get(reverse("opening_board")).content.decode()
    client.force_login(manager)
    assert link not in client.get(reverse("opening_board")).content.decode()


# --- Proposing ---------------------------------------------------------------------------------------------


def test_propose_from_the_ranking(client, alice, alices_enrolment, opening):
    client.force_login(alice)
    back = matches_url(alices_enrolment)
    response = client.post(propose_url(alices_enrolment), {"opening": opening.pk, "score": "71.5", "next": back})
    assert response.status_code == 302 and response.url == back
    proposal = MatchProposal.objects.get()
    assert (proposal.enrolment, proposal.opening, proposal.proposed_by, proposal.score) == (
        alices_enrolment,
        opening,
        alice,
        71.5,
    )
    assert f'data-proposal="{proposal.pk}"' in client.get(back).content.decode()


def test_a_refused_proposal_says_why_and_saves_nothing(client, alice, alices_enrolment, opening):
    client.force_login(alice)
    client.post(propose_url(alices_enrolment), {"opening": opening.pk}, follow=True)
    response = client.post(propose_url(alices_enrolment), {"opening": opening.pk}, follow=True)
    assert MatchProposal.objects.count() == 1
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize("who", ["manager", "evaluator", "charlie"])
def test_roles_that_may_not_propose_get_404_and_nothing_is_saved(client, request, who, alices_enrolment, opening):
    client.force_login(request.getfixturevalue(who))
    assert client.post(propose_url(alices_enrolment), {"opening": opening.pk}).status_code == 404
    assert not MatchProposal.objects.exists()


def test_a_small_job_in_another_programme_is_a_404(client, alice, alices_enrolment, other_programme):
    elsewhere = make_opening(make_company("Syd ApS", programme=other_programme), other_programme, "Syd")
    client.force_login(alice)
    assert client.post(propose_url(alices_enrolment), {"opening": elsewhere.pk}).status_code == 404
    assert not MatchProposal.objects.exists()


def test_propose_needs_post(client, alice, alices_enrolment, opening):
    client.force_login(alice)
    assert client.get(propose_url(alices_enrolment), {"opening": opening.pk}).status_code == 405


# --- The assignment proposal ---------------------------------------------------------------------------------


def test_the_coordinator_accepts_a_pair_from_the_assignment(
    client, coordinator, caseworker, alices_enrolment, opening, programme, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case_actions.change_step(acting_user=caseworker, enrolment=alices_enrolment, step=Step.TOWARDS_JOB, on=REFERRED_ON)
    client.force_login(coordinator)
    url = reverse("match_assignment")
    client.post(reverse("match_assignment_run"), {"programme": programme.pk})
    response = client.get(url, {"programme": programme.pk})
    pairs = [(row["match"].enrolment, row["match"].opening) for row in response.context["rows"]]
    assert pairs == [(alices_enrolment, opening)]
    client.post(propose_url(alices_enrolment), {"opening": opening.pk, "next": f"{url}?programme={programme.pk}"})
    assert MatchProposal.objects.filter(
        enrolment=alices_enrolment, opening=opening, status=MatchStatus.PROPOSED
    ).exists()


def test_the_assignment_of_another_programme_is_a_404(client, coordinator, other_programme):
    client.force_login(coordinator)
    assert client.get(reverse("match_assignment"), {"programme": other_programme.pk}).status_code == 404


# --- The proposals page ----------------------------------------------------------------------------------------


def test_proposals_are_listed_within_the_users_scope(client, world, opening):
    mine = actions.propose_match(acting_user=world.coordinator, enrolment=world.alices_enrolment, opening=opening)
    randers = actions.propose_match(acting_user=world.coordinator, enrolment=world.randers_enrolment, opening=opening)
    client.force_login(world.alice)
    html = client.get(reverse("match_proposals")).content.decode()
    assert f'id="proposal-{mine.pk}"' in html and f'id="proposal-{randers.pk}"' not in html
    client.force_login(world.coordinator)
    html = client.get(reverse("match_proposals")).content.decode()
    assert f'id="proposal-{mine.pk}"' in html and f'id="proposal-{randers.pk}"' in html


@pytest.mark.parametrize("who", ["manager", "evaluator"])
def test_the_proposals_page_is_a_404_for_roles_without_matching(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("match_proposals")).status_code == 404


def test_the_whole_workflow_through_the_pages(client, coordinator, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    client.force_login(coordinator)
    prefix = f"p{proposal.pk}"

    response = client.post(
        step_url("meeting", proposal),
        {f"{prefix}-meeting-kind": "coffee_visit", f"{prefix}-meeting-meeting_on": today().isoformat()},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.MEETING_BOOKED
    assert Contact.objects.filter(enrolment=alices_enrolment, kind=Contact.Kind.COFFEE_VISIT).exists()

    response = client.post(
        step_url("agree", proposal),
        {f"{prefix}-agree-starts_on": today().isoformat(), f"{prefix}-agree-agreed_ordinary_hours": ""},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.AGREED and proposal.placement.agreed_ordinary_hours == opening.weekly_hours
    alices_enrolment.refresh_from_db()
    assert alices_enrolment.current_step == Step.IN_COMPANY
    opening.refresh_from_db()
    assert opening.status == Opening.Status.FILLED
    assert (
        f'data-proposal="{proposal.pk}" data-status="agreed"' in client.get(reverse("match_proposals")).content.decode()
    )


def test_a_refused_agreement_shows_the_error_next_to_the_field_and_keeps_the_input(
    client, coordinator, alices_enrolment, opening
):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    actions.book_meeting(acting_user=coordinator, proposal=proposal, kind="coffee_visit", meeting_on=today())
    client.force_login(coordinator)
    prefix = f"p{proposal.pk}-agree"
    too_early = (REFERRED_ON - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        step_url("agree", proposal), {f"{prefix}-starts_on": too_early, f"{prefix}-agreed_ordinary_hours": "6"}
    )
    assert response.status_code == 200
    form = response.context["groups"][1][2][0]["forms"]["agree"]
    assert form.errors["starts_on"]
    html = response.content.decode()
    assert f'value="{too_early}"' in html and 'id="error-summary"' in html
    assert not Placement.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.MEETING_BOOKED


def test_declining_needs_a_reason_on_the_page(client, coordinator, alices_enrolment, opening):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=alices_enrolment, opening=opening)
    client.force_login(coordinator)
    prefix = f"p{proposal.pk}-decline"
    response = client.post(step_url("decline", proposal), {f"{prefix}-reason": "", f"{prefix}-note": "Hmm"})
    assert response.status_code == 200
    assert response.context["groups"][0][2][0]["forms"]["decline"].errors["reason"]
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.PROPOSED

    response = client.post(step_url("decline", proposal), {f"{prefix}-reason": "other", f"{prefix}-note": ""})
    assert response.context["groups"][0][2][0]["forms"]["decline"].errors["note"]

    response = client.post(step_url("decline", proposal), {f"{prefix}-reason": "transport", f"{prefix}-note": ""})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (MatchStatus.DECLINED, "transport")


@pytest.mark.parametrize("who", ["manager", "evaluator", "charlie", "bob_other_site"])
def test_steps_are_404_for_roles_and_scopes_that_may_not_write(
    client, request, who, coordinator, randers_enrolment, opening
):
    proposal = actions.propose_match(acting_user=coordinator, enrolment=randers_enrolment, opening=opening)
    user = request.getfixturevalue("bob" if who == "bob_other_site" else who)  # bob works in Aarhus, not Randers
    client.force_login(user)
    prefix = f"p{proposal.pk}"
    data = {
        f"{prefix}-decline-reason": "transport",
        f"{prefix}-meeting-kind": "coffee_visit",
        f"{prefix}-meeting-meeting_on": today().isoformat(),
    }
    for step in ("meeting", "decline", "agree"):
        assert client.post(step_url(step, proposal), data).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.PROPOSED and proposal.events.count() == 1


def test_the_citizen_page_links_to_the_ranking_for_case_work(client, alice, manager, alices_enrolment):
    url = reverse("citizen_detail", kwargs={"citizen_pk": alices_enrolment.citizen_id})
    client.force_login(alice)
    assert matches_url(alices_enrolment) in client.get(url).content.decode()
    client.force_login(manager)
    assert matches_url(alices_enrolment) not in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("who", "shown"),
    [("coordinator", True), ("alice", True), ("administrator", True), ("manager", False), ("caseworker", False)],
)
def test_the_matching_menu_item(client, request, who, shown):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("result_goals"))
    urls = [item["url"] for item in response.context["nav_items"]]
    assert (reverse("match_proposals") in urls) == shown
