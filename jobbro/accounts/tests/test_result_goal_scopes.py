"""Result goals for a site, for a target group, as a percent, and the payment criterion: the actions' rules, the
set-up pages and the administration (docs/setup.md, "Result goals")."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from jobbro.accounts import actions
from jobbro.accounts.models import ResultGoal, TargetGroup
from jobbro.audit.models import ChangeLog
from jobbro.conftest import make_user

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2026, 12, 31)
Kind = ResultGoal.Kind


@pytest.fixture
def young(db):
    return TargetGroup.objects.create(code="unge", name="Unge under 30")


def create(administrator, programme, **values):
    values = {"metric": "employed", "target": 10, "deadline": DEADLINE, **values}
    return actions.create_result_goal(acting_user=administrator, programme=programme, **values)


def refused(field, administrator, programme, **values):
    with pytest.raises(ValidationError) as refusal:
        create(administrator, programme, **values)
    assert field in refusal.value.message_dict, refusal.value.message_dict
    return refusal.value.message_dict[field]


def test_goals_for_the_programme_a_site_a_target_group_and_both_live_side_by_side(
    administrator, programme, site, young
):
    whole = create(administrator, programme)
    at_site = create(administrator, programme, site=site)
    of_group = create(administrator, programme, target_group=young)
    both = create(administrator, programme, site=site, target_group=young)
    share = create(administrator, programme, kind=Kind.SHARE_OF_ACTIVE, target=40, payment_criterion=True)
    assert programme.result_goals.count() == 5
    assert (whole.is_programme_wide, at_site.is_programme_wide, of_group.is_programme_wide) == (True, False, False)
    assert both.site == site and both.target_group == young
    assert share.is_share and share.payment_criterion
    logged = ChangeLog.objects.filter(action="create_result_goal").order_by("pk").last()
    assert logged.changes["payment_criterion"] is True and logged.changes["kind"] == "share_of_active"


def test_the_same_goal_twice_in_one_scope_is_refused(administrator, programme, site, young):
    create(administrator, programme, site=site, target_group=young)
    refused("deadline", administrator, programme, site=site, target_group=young, target=3)
    create(administrator, programme)
    refused("deadline", administrator, programme, target=3)  # empty site and group clash with empty ones
    # The database refuses it too, whatever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        ResultGoal.objects.create(programme=programme, metric="employed", target=1, deadline=DEADLINE)


def test_a_site_of_another_programme_is_refused(administrator, programme, other_programme_site):
    assert refused("site", administrator, programme, site=other_programme_site) == [
        "Lokationen skal høre til projektet."
    ]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": Kind.SHARE_OF_ACTIVE, "target": 101}, "target"),
        ({"kind": Kind.SHARE_OF_REFERRED, "metric": "referred", "target": 40}, "metric"),
        ({"kind": Kind.SHARE_OF_ACTIVE, "target": 40, "social_economic_target": 10}, "social_economic_target"),
    ],
)
def test_a_percent_goal_is_a_percent_of_a_result_a_part_can_reach(administrator, programme, values, field):
    refused(field, administrator, programme, **values)
    assert not programme.result_goals.exists()


def test_a_number_goal_may_pass_100(administrator, programme):
    assert create(administrator, programme, target=120).target == 120


def test_only_administrators_set_goals(programme, site, coordinator, manager):
    for user in (coordinator, manager):
        with pytest.raises(PermissionDenied):
            actions.create_result_goal(
                acting_user=user, programme=programme, metric="employed", target=1, deadline=DEADLINE, site=site
            )


def test_the_set_up_page_sets_a_site_and_target_group_percent_goal(client, administrator, programme, site, young):
    programme.target_groups.add(young)
    client.force_login(administrator)
    url = reverse("setup_result_goal_new", kwargs={"programme_pk": programme.pk})
    form = client.get(url).content.decode()
    assert site.name in form and young.name in form and 'name="payment_criterion"' in form
    response = client.post(
        url,
        {
            "metric": "employed",
            "kind": Kind.SHARE_OF_ACTIVE,
            "target": "40",
            "deadline": "2026-12-31",
            "site": site.pk,
            "target_group": young.pk,
            "payment_criterion": "on",
            "social_economic_target": "",
        },
    )
    assert response.status_code == 302
    goal = programme.result_goals.get()
    assert (goal.kind, goal.target, goal.site, goal.target_group, goal.payment_criterion) == (
        Kind.SHARE_OF_ACTIVE,
        40,
        site,
        young,
        True,
    )
    page = client.get(reverse("setup_programme", kwargs={"programme_pk": programme.pk})).content.decode()
    assert "jb-payment-criterion" in page and site.name in page and young.name in page

    # A percent above 100 is refused next to its field, and nothing is saved.
    response = client.post(
        reverse("setup_result_goal_edit", kwargs={"result_goal_pk": goal.pk}),
        {"metric": "employed", "kind": Kind.SHARE_OF_ACTIVE, "target": "140", "deadline": "2026-12-31"},
    )
    assert response.status_code == 400
    goal.refresh_from_db()
    assert goal.target == 40


def test_the_set_up_page_offers_only_the_programmes_sites(client, administrator, programme, site, other_programme_site):
    client.force_login(administrator)
    url = reverse("setup_result_goal_new", kwargs={"programme_pk": programme.pk})
    assert other_programme_site.name not in client.get(url).content.decode()
    response = client.post(
        url, {"metric": "employed", "target": "4", "deadline": "2026-12-31", "site": other_programme_site.pk}
    )
    assert response.status_code == 400 and not programme.result_goals.exists()


@pytest.mark.parametrize("role", ["coordinator", "manager", "evaluator"])
def test_others_do_not_reach_the_goal_pages(client, programme, role):
    client.force_login(make_user(f"user-{role}", role, programme=programme))
    url = reverse("setup_result_goal_new", kwargs={"programme_pk": programme.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"metric": "employed", "target": "4", "deadline": "2026-12-31"}).status_code == 404


def test_the_administration_edits_the_new_fields_and_offers_only_the_programmes_sites(
    client, programme, site, other_programme_site
):
    superuser = make_user("root", "administrator")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    html = client.get(reverse("admin:accounts_programme_change", args=[programme.pk])).content.decode()
    assert "payment_criterion" in html and "target_group" in html
    assert site.name in html and other_programme_site.name not in html
