"""The referral page draws the lottery in the referral's transaction and says the group; the citizen page shows it."""

from django.conf import settings
from django.urls import reverse

from jobbro.cases.models import Enrolment
from jobbro.cases.tests.test_referral_views import URL, full_form
from jobbro.effect import actions, lottery
from jobbro.effect.models import LotteryDraw, TrialDesign


def refer_on_the_page(client, caseworker, site):
    client.force_login(caseworker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(URL, full_form(site), follow=True)


def test_a_referral_into_a_lottery_programme_records_a_draw_and_says_the_group(
    client, administrator, caseworker, programme, site
):
    design = actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    response = refer_on_the_page(client, caseworker, site)
    assert response.status_code == 200
    enrolment = Enrolment.objects.get()
    made = LotteryDraw.objects.get()
    assert made.enrolment == enrolment and made.design == design and made.drawn_by == caseworker
    assert made.sequence == 1 and made.stratum == lottery.stratum_of(site.pk, [])
    assert (made.arm, made.random_number) == lottery.arm(design.seed, made.stratum, 1, share=0.5, block_size=4)
    page = response.content.decode()
    group = "programme group" if made.arm == LotteryDraw.Arm.PROGRAMME else "control group"
    assert f"The lottery drew {enrolment.citizen.full_name} to the {group}" in page
    assert f'data-lottery-arm="{made.arm}"' in page  # the citizen page the referral lands on
    assert design.seed not in page


def test_the_citizen_page_says_control_group_in_danish(client, administrator, caseworker, programme, site, refer):
    design = actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    # The first draw of the stratum that lands in the control group, found from the seed like anyone could.
    stratum = lottery.stratum_of(site.pk, [])
    n = next(n for n in range(1, 9) if lottery.arm(design.seed, stratum, n, share=0.5, block_size=4)[0] == "control")
    for _ in range(n):
        made = actions.draw(acting_user=caseworker, enrolment=refer())
    assert made.arm == LotteryDraw.Arm.CONTROL
    client.force_login(caseworker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    page = client.get(reverse("citizen_detail", args=[made.enrolment.citizen_id])).content.decode()
    assert 'data-lottery-arm="control"' in page
    assert "Kontrolgruppe" in page and "ingen virksomhedsrettet indsats" in page


def test_a_referral_without_a_lottery_draws_nothing_and_shows_no_group(client, caseworker, site):
    response = refer_on_the_page(client, caseworker, site)
    assert Enrolment.objects.count() == 1
    assert not LotteryDraw.objects.exists()
    assert "data-lottery-arm" not in response.content.decode()


def test_a_refused_referral_draws_nothing(client, administrator, caseworker, programme, site):
    actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    client.force_login(caseworker)
    response = client.post(URL, full_form(site, cpr_number="3201901234"))
    assert response.status_code == 200
    assert not Enrolment.objects.exists() and not LotteryDraw.objects.exists()
