"""Menus and template branches ask the role table: each link shows exactly for the roles it grants."""

import pytest
from django.urls import reverse

from jobbro.accounts.policy import Capability, may
from jobbro.conftest import make_opening

pytestmark = pytest.mark.django_db

WHO = ["alice", "caseworker", "mentor", "coordinator", "manager", "evaluator", "administrator"]


def links_on(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_the_main_menu_offers_what_the_table_grants(client, world, who):
    user = getattr(world, who)
    page = links_on(client, user, reverse("result_goals"))
    menu = {
        "import_list": Capability.IMPORT,
        "referral_new": Capability.REFER,
        "company_list": Capability.SEE_COMPANIES,
        "match_proposals": Capability.RANK_CITIZENS,
        "reports": Capability.READ_ALL_REPORTS,
        "today": Capability.OWN_CASELOAD,
        "citizen_list": Capability.READ_CITIZEN,
        "wage_list": Capability.SEND_WAGE_LIST,
    }
    for name, capability in menu.items():
        assert (f'href="{reverse(name)}"' in page) is may(user, capability), name


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "coordinator", "administrator"])
def test_the_matching_pages_link_the_network_plans_only_for_those_who_may_run_them(client, world, who):
    user = getattr(world, who)
    page = links_on(client, user, reverse("match_proposals"))
    assert (f'href="{reverse("match_speed_dating")}"' in page) is may(user, Capability.RUN_MATCHING)
    assert (f'href="{reverse("match_assignment")}"' in page) is may(user, Capability.RUN_MATCHING)


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "coordinator", "manager", "administrator"])
def test_the_small_jobs_board_offers_find_citizens_to_those_who_may_rank_them(client, world, company, programme, who):
    user = getattr(world, who)
    opening = make_opening(company, programme, "Opvask")
    page = links_on(client, user, reverse("opening_board"))
    assert (reverse("opening_matches", kwargs={"pk": opening.pk}) in page) is may(user, Capability.RANK_CITIZENS)


@pytest.mark.parametrize("who", ["alice", "coordinator", "manager", "administrator"])
def test_the_company_pages_offer_changes_only_to_those_who_manage_the_network(client, world, company, who):
    user = getattr(world, who)
    manages = may(user, Capability.MANAGE_NETWORK)
    assert (reverse("company_new") in links_on(client, user, reverse("company_list"))) is manages
    assert (
        reverse("company_edit", kwargs={"pk": company.pk})
        in links_on(client, user, reverse("company_detail", kwargs={"pk": company.pk}))
    ) is manages
    assert (reverse("course_new") in links_on(client, user, reverse("course_list"))) is manages
