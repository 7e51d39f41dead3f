"""The pages: each role sees its rows and no others, CPR numbers stay hidden, list pages don't grow in queries."""

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jobbro.accounts.models import ResultGoal
from jobbro.audit.models import AccessLog
from jobbro.cases import actions
from jobbro.cases.actions import monday_of
from jobbro.cases.models import OutcomeStatus, PlacementKind, Step
from jobbro.companies.models import Company, Opening
from jobbro.conftest import ALICES_CPR, CHARLIES_CPR, make_company, make_cpr, make_opening
from jobbro.people import cpr
from jobbro.people.models import ParallelEffort, Restriction

DANISH_CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "da" / "LC_MESSAGES" / "django.mo"
ALL_CPRS = [ALICES_CPR, "020285-1235", "030378-2236", "040499-3237", CHARLIES_CPR]

# Query budgets for the list pages, and they must not grow with the rows (checked below).
# caseload: session, user, the ids of the user's open enrolments, those enrolments annotated.
CASELOAD_MAX_QUERIES = 4
# citizen list: session, user, page count, the page's enrolment ids, those enrolments, and what the filter form asks
# (sites, job brokers).
CITIZEN_LIST_MAX_QUERIES = 7


def page_text(response):
    return response.content.decode()


def citizen_url(citizen_or_pk):
    pk = getattr(citizen_or_pk, "pk", citizen_or_pk)
    return reverse("citizen_detail", kwargs={"citizen_pk": pk})


def reveal_url(citizen):
    return reverse("citizen_reveal_cpr", kwargs={"citizen_pk": citizen.pk})


def get_as(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def names_listed(response, world):
    text = page_text(response)
    everyone = {
        "alices": world.alices_citizen,
        "bobs": world.bobs_citizen,
        "randers": world.randers_citizen,
        "mentors": world.mentors_citizen,
        "charlies": world.charlies_citizen,
    }
    return {name for name, citizen in everyone.items() if citizen.full_name in text}


def assert_no_cpr_in(text):
    for number in ALL_CPRS:
        assert number not in text
        assert cpr.normalise(number) not in text


# --- Logging in and the way in --------------------------------------------------------------------

PAGES = ["home", "caseload", "citizen_list", "company_list", "opening_board", "result_goals"]


@pytest.mark.parametrize("name", PAGES + ["citizen_detail"])
def test_anonymous_users_are_sent_to_log_in(client, world, name):
    url = citizen_url(world.alices_citizen) if name == "citizen_detail" else reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("alice", "today"),
        ("mentor", "today"),
        ("caseworker", "citizen_list"),
        ("coordinator", "citizen_list"),
        ("manager", "reports"),
        ("evaluator", "reports"),
        ("administrator", "citizen_list"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client, world, who, lands_on):
    response = get_as(client, getattr(world, who), reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(lands_on)


# --- Caseload -------------------------------------------------------------------------------------


def test_the_caseload_lists_my_active_citizens_only(client, world):
    response = get_as(client, world.alice, reverse("caseload"))
    assert response.status_code == 200
    assert names_listed(response, world) == {"alices"}


def test_a_mentors_caseload_has_mentees_and_own_job_broker_cases(client, world):
    assert names_listed(get_as(client, world.mentor, reverse("caseload")), world) == {"bobs", "mentors"}


def test_an_ended_enrolment_leaves_the_caseload(client, world):
    actions.end_enrolment(
        acting_user=world.caseworker,
        enrolment=world.alices_enrolment,
        ended_on=datetime.date(2025, 6, 30),
        status=OutcomeStatus.ORDINARY_JOB,
    )
    assert names_listed(get_as(client, world.alice, reverse("caseload")), world) == set()


def test_the_caseload_shows_the_running_placement_and_last_weeks_hours(client, world, company, start):
    today = timezone.localdate()
    last_week = monday_of(today) - datetime.timedelta(days=7)
    enrolment = world.alices_enrolment
    placement = start(enrolment, starts_on=last_week - datetime.timedelta(days=7), kind=PlacementKind.HYBRID_INTERNSHIP)
    actions.register_hours(
        acting_user=world.alice,
        placement=placement,
        week_start=last_week,
        ordinary_hours="13.5",
        internship_hours="4.5",
    )
    response = get_as(client, world.alice, reverse("caseload"))
    [row] = response.context["enrolments"]
    assert (row.placement_company, row.ordinary_last_week, row.internship_last_week) == (company.name, 13.5, 4.5)
    text = page_text(response)
    assert company.name in text
    assert "13,5" in text or "13.5" in text


# --- Citizen list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("alice", {"alices", "bobs"}),
        ("charlie", {"charlies"}),
        ("caseworker", {"alices", "bobs", "randers", "mentors"}),
        ("mentor", {"bobs", "mentors"}),
        ("manager", {"alices", "bobs", "randers", "mentors"}),
        ("administrator", {"alices", "bobs", "randers", "mentors", "charlies"}),
    ],
)
def test_the_citizen_list_shows_the_citizens_the_user_may_see(client, world, who, expected):
    response = get_as(client, getattr(world, who), reverse("citizen_list"))
    assert response.status_code == 200
    assert names_listed(response, world) == expected


def test_the_evaluator_gets_no_citizen_list_and_no_citizen_page(client, world):
    client.force_login(world.evaluator)
    assert client.get(reverse("citizen_list")).status_code == 404
    assert client.get(citizen_url(world.alices_citizen)).status_code == 404


def test_the_citizen_list_filters_by_name_step_traffic_light_and_site(client, world, start, other_site):
    start(world.alices_enrolment)

    client.force_login(world.caseworker)

    def listed(q="", **params):
        # The name is posted (never in a URL) and kept for the list; the other filters are in the URL.
        client.post(reverse("citizen_search"), {"q": q})
        return names_listed(client.get(reverse("citizen_list"), params), world)

    assert listed(q="søren") == {"alices"}
    assert listed(q="Ahmed Hassan") == {"bobs"}
    assert listed(q="Ahmed Sørensen") == set()  # every word must match
    assert listed(step=Step.IN_COMPANY) == {"alices"}
    assert listed(step=Step.CLARIFICATION) == {"bobs", "randers", "mentors"}
    assert listed(traffic_light="red") == {"bobs"}
    assert listed(traffic_light="green") == {"alices"}
    assert listed(site=other_site.pk) == {"randers", "mentors"}
    assert listed(site=other_site.pk, traffic_light="red") == set()


def test_a_filter_cannot_widen_what_a_user_sees(client, world, other_site, other_programme_site):
    for site in (other_site, other_programme_site):
        response = get_as(client, world.alice, reverse("citizen_list"), site=site.pk)
        assert names_listed(response, world) <= {"alices", "bobs"}
        assert "randers" not in names_listed(response, world)


def test_ended_enrolments_are_listed_under_their_own_filter(client, world):
    actions.end_enrolment(
        acting_user=world.caseworker,
        enrolment=world.bobs_enrolment,
        ended_on=datetime.date(2025, 6, 30),
        status=OutcomeStatus.BENEFIT,
    )
    assert names_listed(get_as(client, world.alice, reverse("citizen_list")), world) == {"alices"}
    assert names_listed(get_as(client, world.alice, reverse("citizen_list"), status="ended"), world) == {"bobs"}
    assert names_listed(get_as(client, world.alice, reverse("citizen_list"), status="all"), world) == {"alices", "bobs"}


# --- Citizen page ---------------------------------------------------------------------------------


def test_alice_sees_her_programmes_citizen(client, world):
    response = get_as(client, world.alice, citizen_url(world.alices_citizen))
    assert response.status_code == 200
    assert world.alices_citizen.full_name in page_text(response)


def test_an_outsider_gets_the_same_404_for_a_real_citizen_as_for_a_missing_one(client, world):
    client.force_login(world.charlie)
    denied = client.get(citizen_url(world.alices_citizen))
    missing = client.get(citizen_url(world.charlies_citizen.pk + 1000))
    assert denied.status_code == missing.status_code == 404
    assert denied.content == missing.content
    assert world.alices_citizen.last_name not in page_text(denied)


def test_a_site_bound_job_broker_cannot_open_another_sites_citizen(client, world):
    assert get_as(client, world.alice, citizen_url(world.randers_citizen)).status_code == 404
    assert get_as(client, world.caseworker, citizen_url(world.randers_citizen)).status_code == 200


def test_a_mentor_opens_only_their_own_citizens(client, world):
    client.force_login(world.mentor)
    assert client.get(citizen_url(world.bobs_citizen)).status_code == 200
    assert client.get(citizen_url(world.mentors_citizen)).status_code == 200
    assert client.get(citizen_url(world.alices_citizen)).status_code == 404
    assert client.get(citizen_url(world.randers_citizen)).status_code == 404


@pytest.fixture
def sensitive(world):
    """A case note, a referral text, a restriction and a parallel effort on Mette's record."""
    citizen = world.alices_citizen
    actions.log_contact(
        acting_user=world.alice,
        enrolment=world.alices_enrolment,
        kind="conversation",
        occurred_on=datetime.date(2025, 3, 10),
        note="Fortalte om sin gæld til rockerne",
    )
    # No actions for restrictions and parallel efforts yet; plain rows are what such actions would write.
    Restriction.objects.create(
        citizen=citizen,
        tag=Restriction.Tag.NO_HEAVY_LIFTING,
        description="Diskusprolaps i 2023",
        recorded_on=datetime.date(2025, 3, 3),
    )
    ParallelEffort.objects.create(
        citizen=citizen,
        kind=ParallelEffort.Kind.SUBSTANCE_ABUSE,
        description="Behandling hos Misbrugscenter Øst",
        starts_on=datetime.date(2025, 2, 1),
    )
    return [
        "Fortalte om sin gæld til rockerne",
        world.alices_enrolment.referral_text,
        "Diskusprolaps i 2023",
        "Behandling hos Misbrugscenter Øst",
    ]


@pytest.mark.parametrize(
    ("who", "sees_notes"), [("alice", True), ("caseworker", True), ("manager", False), ("coordinator", False)]
)
def test_case_notes_restrictions_and_efforts_only_for_those_who_work_the_case(
    client, world, sensitive, who, sees_notes
):
    response = get_as(client, getattr(world, who), citizen_url(world.alices_citizen))
    assert response.status_code == 200
    text = page_text(response)
    assert world.alices_citizen.full_name in text
    for secret in sensitive:
        assert (secret in text) is sees_notes, secret


# --- CPR numbers stay off pages and out of URLs --------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "caseworker", "administrator"])
def test_no_page_shows_a_cpr_number(client, world, who):
    user = getattr(world, who)
    # My caseload exists only for the roles with an own caseload (the job broker here); the others get 404 there.
    own_caseload = [reverse("caseload")] if who == "alice" else []
    for url in (
        *own_caseload,
        reverse("citizen_list"),
        reverse("citizen_list") + "?status=all",
        citizen_url(world.alices_citizen),
    ):
        response = get_as(client, user, url)
        assert response.status_code == 200, url
        assert_no_cpr_in(page_text(response))
    assert "XXXXXX-XXXX" in page_text(get_as(client, user, citizen_url(world.alices_citizen)))


def test_finding_by_cpr_is_a_post_so_the_number_never_lands_in_a_url(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("find_by_cpr"), {"cpr_number": ALICES_CPR}).status_code == 405
    assert f'method="post" action="{reverse("find_by_cpr")}"' in page_text(client.get(reverse("citizen_list")))


def test_finding_by_cpr_opens_the_citizen_when_the_user_may_see_them(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("find_by_cpr"), {"cpr_number": "0101901234"})
    assert response.status_code == 302 and response["Location"] == citizen_url(world.alices_citizen)


def test_finding_a_citizen_the_user_may_not_see_looks_like_finding_nobody(client, world):
    client.force_login(world.charlie)
    denied = client.post(reverse("find_by_cpr"), {"cpr_number": ALICES_CPR})
    nobody = client.post(reverse("find_by_cpr"), {"cpr_number": make_cpr(dashed=True)})
    assert denied.status_code == nobody.status_code == 200
    assert denied.context["cpr_form"].errors["cpr_number"] == nobody.context["cpr_form"].errors["cpr_number"]
    assert world.alices_citizen.full_name not in page_text(denied)
    assert not AccessLog.objects.filter(citizen=world.alices_citizen).exists()


def test_a_malformed_cpr_number_is_explained_on_the_form(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("find_by_cpr"), {"cpr_number": "320190-1234"})
    assert response.status_code == 200
    assert response.context["cpr_form"].errors["cpr_number"]


@pytest.mark.parametrize("who", ["manager", "coordinator", "mentor", "charlie"])
def test_only_job_brokers_and_caseworkers_may_reveal_a_cpr_number(client, world, who):
    citizen = world.bobs_citizen if who == "mentor" else world.alices_citizen
    client.force_login(getattr(world, who))
    response = client.post(reveal_url(citizen))
    assert response.status_code == 404
    assert_no_cpr_in(page_text(response))
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR, status_code=200).exists()


@pytest.mark.parametrize("who", ["alice", "caseworker"])
def test_revealing_shows_the_number_once_and_logs_it(client, world, who):
    user = getattr(world, who)
    client.force_login(user)
    assert client.get(reveal_url(world.alices_citizen)).status_code == 405
    response = client.post(reveal_url(world.alices_citizen))
    assert response.status_code == 200
    assert ALICES_CPR in page_text(response)
    assert (
        AccessLog.objects.filter(
            user=user, citizen=world.alices_citizen, action=AccessLog.Action.REVEAL_CPR, status_code=200
        ).count()
        == 1
    )
    assert ALICES_CPR not in page_text(client.get(citizen_url(world.alices_citizen)))


def test_revealing_through_htmx_returns_only_the_fragment(client, world):
    client.force_login(world.alice)
    response = client.post(reveal_url(world.alices_citizen), HTTP_HX_REQUEST="true")
    text = page_text(response)
    assert response.status_code == 200
    assert ALICES_CPR in text and 'id="cpr"' in text
    assert "<html" not in text and world.alices_enrolment.referral_text not in text


# --- Companies and openings ---------------------------------------------------------------------------


@pytest.fixture
def network(programme, other_programme, company, social_company, buddy):
    """Openings in both programmes, with and without a buddy, on different days and hours."""
    city = make_company("Byens Lager", programme=programme, city="Randers", industry_code="521000")
    return {
        "dishes": make_opening(company, programme, "Opvasker", weekly_hours=8, days=("mon", "tue"), buddy=buddy),
        "garden": make_opening(
            social_company, programme, "Havehjælper", weekly_hours=15, days=("wed",), tasks="Lugning og græsslåning"
        ),
        "warehouse": make_opening(city, programme, "Lagermedhjælper", weekly_hours=25, days=("thu", "fri")),
        "filled": make_opening(company, programme, "Tjener", status=Opening.Status.FILLED),
        "south": make_opening(company, other_programme, "Opvasker i Odense", weekly_hours=8, days=("mon",)),
    }


def openings_listed(response):
    return {opening.title for opening in response.context["page"]}


def test_the_opening_board_shows_my_programmes_open_jobs(client, world, network):
    assert openings_listed(get_as(client, world.alice, reverse("opening_board"))) == {
        "Opvasker",
        "Havehjælper",
        "Lagermedhjælper",
    }
    assert openings_listed(get_as(client, world.charlie, reverse("opening_board"))) == {"Opvasker i Odense"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "græs"}, {"Havehjælper"}),
        ({"q": "byens"}, {"Lagermedhjælper"}),
        ({"hours": "10"}, {"Opvasker"}),
        ({"hours": "20"}, {"Havehjælper"}),
        ({"hours": "21"}, {"Lagermedhjælper"}),
        ({"day": "tue"}, {"Opvasker"}),
        ({"day": "fri"}, {"Lagermedhjælper"}),
        ({"buddy": "on"}, {"Opvasker"}),
        ({"day": "mon", "hours": "21"}, set()),
    ],
)
def test_the_opening_board_filters(client, world, network, params, expected):
    response = get_as(client, world.alice, reverse("opening_board"), **params)
    assert response.status_code == 200
    assert openings_listed(response) == expected
    for title in expected:
        assert title in page_text(response)


def test_the_company_list_filters_by_kind_and_name_or_city(client, world, network):
    def listed(**params):
        return {c.name for c in get_as(client, world.alice, reverse("company_list"), **params).context["page"]}

    assert listed() == {"Café Havnen", "Grønt Værksted", "Byens Lager"}
    assert listed(kind=Company.Kind.SOCIAL_ECONOMIC) == {"Grønt Værksted"}
    assert listed(q="randers") == {"Byens Lager"}
    assert listed(q="havn") == {"Café Havnen"}


def test_the_company_list_counts_only_my_programmes_openings_and_placements(client, world, network, company, start):
    start(world.alices_enrolment)
    start(world.charlies_enrolment)
    mine = {c.name: c for c in get_as(client, world.alice, reverse("company_list")).context["page"]}
    theirs = {c.name: c for c in get_as(client, world.charlie, reverse("company_list")).context["page"]}
    assert (mine["Café Havnen"].open_openings, mine["Café Havnen"].running_placements, mine["Café Havnen"].buddies) == (
        1,
        1,
        1,
    )
    assert (theirs["Café Havnen"].open_openings, theirs["Café Havnen"].running_placements) == (1, 1)
    assert [a.programme for a in mine["Café Havnen"].my_agreements] == [world.alices_enrolment.programme]
    assert theirs["Café Havnen"].my_agreements == []


def test_the_evaluator_sees_no_companies(client, world):
    client.force_login(world.evaluator)
    assert client.get(reverse("company_list")).status_code == 404
    assert client.get(reverse("opening_board")).status_code == 404


# --- Result goals -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "evaluator", "alice"])
def test_result_goals_show_my_programmes_goals_and_counts(client, world, programme, other_programme, who):
    ResultGoal.objects.create(
        programme=programme, metric=ResultGoal.Metric.REFERRED, target=8, deadline=datetime.date(2099, 12, 31)
    )
    ResultGoal.objects.create(
        programme=other_programme, metric=ResultGoal.Metric.REFERRED, target=3, deadline=datetime.date(2099, 12, 31)
    )
    response = get_as(client, getattr(world, who), reverse("result_goals"))
    assert response.status_code == 200
    [block] = response.context["programmes"]
    assert block["programme"] == programme
    assert [(row.actual, row.goal.target, row.percent_of_target) for row in block["rows"]] == [(4, 8, 50)]
    assert other_programme.name not in page_text(response)


# --- Query counts don't grow with the data ------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def add_citizens_to_alice(world, refer, start, count):
    today = timezone.localdate()
    last_week = monday_of(today) - datetime.timedelta(days=7)
    for i in range(count):
        enrolment = refer(
            first_name=f"Borger{i}",
            last_name="Mængde",
            job_broker=world.alice,
            referred_on=today - datetime.timedelta(days=60),
            traffic_light=["green", "yellow", "red"][i % 3],
        )
        placement = start(
            enrolment, starts_on=today - datetime.timedelta(days=30), kind=PlacementKind.HYBRID_INTERNSHIP
        )
        if i % 2:
            actions.register_hours(
                acting_user=world.alice, placement=placement, week_start=last_week, ordinary_hours=i, internship_hours=1
            )


@pytest.mark.parametrize(
    ("url_name", "budget"), [("caseload", CASELOAD_MAX_QUERIES), ("citizen_list", CITIZEN_LIST_MAX_QUERIES)]
)
def test_list_pages_use_the_same_number_of_queries_for_3_and_20_citizens(
    client, world, refer, start, url_name, budget, django_assert_max_num_queries
):
    url = reverse(url_name)
    client.force_login(world.alice)
    client.get(url)  # warm up the session
    add_citizens_to_alice(world, refer, start, 2)
    few, response = queries_for(client, url)
    few_rows = response.content.decode().count("Mængde")

    add_citizens_to_alice(world, refer, start, 17)
    many, response = queries_for(client, url)
    assert response.content.decode().count("Mængde") == few_rows + 17
    assert many == few
    with django_assert_max_num_queries(budget):
        client.get(url)


# --- Language -----------------------------------------------------------------------------------


def test_pages_are_danish_by_default_and_english_on_request(client, world):
    client.force_login(world.alice)
    danish = page_text(client.get(reverse("caseload")))
    assert '<html lang="da">' in danish

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("caseload")})
    assert response.status_code == 302
    english = page_text(client.get(reverse("caseload")))
    assert '<html lang="en">' in english
    assert "My caseload" in english
    # Once the Danish catalogue is compiled, the Danish page carries none of the English heading.
    assert not DANISH_CATALOGUE.exists() or "My caseload" not in danish
