"""In a real browser: a caseworker refers a citizen into a programme with a lottery; the page says the group in
Danish, the citizen page shows it, and the draw is the one the seed gives. Axe checks the citizen page."""

import datetime

import pytest
from django.utils import translation
from playwright.sync_api import expect

from jobbro.accounts.models import Membership, Programme, Role, Site, User
from jobbro.effect import actions, lottery
from jobbro.effect.models import LotteryDraw, TrialDesign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


def danish(message):
    with translation.override("da"):
        return translation.gettext(message)


def test_a_referral_into_a_lottery_programme_shows_the_group(
    world_with_lottery, logged_in_page, live_server, axe_check
):
    site, design = world_with_lottery
    page = logged_in_page("sagsbehandler", PASSWORD)
    page.goto(live_server.url + "/referrals/new/")
    page.fill("#id_cpr_number", "120588-1235")
    page.locator("#referral-cpr-form [type=submit]").click()
    page.wait_for_selector("#referral-form")
    page.select_option("#id_site", str(site.pk))
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_last_name", "Khalil")
    page.select_option("#id_benefit_type", "kontanthjaelp")
    page.select_option("#id_traffic_light", "yellow")
    with page.expect_navigation():
        page.locator("#referral-form [type=submit]").click()

    made = LotteryDraw.objects.get()
    assert (made.arm, made.random_number) == lottery.arm(design.seed, made.stratum, 1, share=0.5, block_size=4)
    if made.arm == LotteryDraw.Arm.PROGRAMME:
        said = danish("The lottery drew %(name)s to the programme group.")
    else:
        said = danish(
            "The lottery drew %(name)s to the control group: the usual services, "
            "no company-oriented effort in the programme."
        )
    expect(page.locator(".alert-info")).to_contain_text(said % {"name": "Nadia Khalil"})
    shown = page.locator(f'[data-lottery-arm="{made.arm}"]')
    expect(shown).to_contain_text(danish("Control group" if made.arm == "control" else "Programme group"))
    assert design.seed not in page.content()
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)


@pytest.fixture
def world_with_lottery():
    programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
    site = Site.objects.create(programme=programme, name="Aarhus Kommune", municipality_code="751")
    caseworker = User.objects.create_user(
        "sagsbehandler", password=PASSWORD, first_name="Sara", last_name="Behandler", role=Role.CASEWORKER
    )
    Membership.objects.create(user=caseworker, programme=programme, site=site)
    administrator = User.objects.create_user("admin", password=PASSWORD, role=Role.ADMINISTRATOR)
    design = actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    return site, design
