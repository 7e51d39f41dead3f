"""The set-up pages: an administrator sets up a programme without a shell; every write is logged."""

import datetime

import pytest
from django.urls import reverse

from jobbro.accounts import fidelity_settings, thresholds
from jobbro.accounts.models import Membership, Programme, ResultGoal, Site, TargetGroup
from jobbro.audit.models import ChangeLog
from jobbro.conftest import make_user

pytestmark = pytest.mark.django_db


def logged(action):
    return ChangeLog.objects.filter(action=action)


def settings_post(programme, **changes):
    """The settings form as the page shows it (the current values), with some fields changed."""
    data = {}
    for indicator in fidelity_settings.INDICATORS:
        if fidelity_settings.for_programme(programme).rule(indicator.key).enabled:
            data[f"fidelity_{indicator.key}_enabled"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_sets_up_a_programme_from_nothing(client, administrator):
    client.force_login(administrator)
    youth = TargetGroup.objects.create(code="unge", name="Unge under 30")
    assert client.get(reverse("setup_programmes")).status_code == 200

    response = client.post(
        reverse("setup_programme_new"),
        {
            "name": "Job i Østjylland",
            "description": "",
            "starts_on": "2026-01-01",
            "ends_on": "",
            "target_groups": [youth.pk],
        },
    )
    programme = Programme.objects.get(name="Job i Østjylland")
    assert response.status_code == 302 and response["Location"] == reverse(
        "setup_programme", kwargs={"programme_pk": programme.pk}
    )
    assert list(programme.target_groups.all()) == [youth]
    assert logged("create_programme").get().user == administrator

    client.post(
        reverse("setup_programme_edit", kwargs={"programme_pk": programme.pk}),
        {"name": "Job i Østjylland", "description": "Små job", "starts_on": "2026-01-01", "ends_on": "2028-12-31"},
    )
    programme.refresh_from_db()
    assert programme.ends_on == datetime.date(2028, 12, 31) and programme.description == "Små job"
    assert not programme.target_groups.exists()
    assert logged("update_programme").count() == 1

    url = reverse("setup_site_new", kwargs={"programme_pk": programme.pk})
    client.post(url, {"name": "Aarhus Kommune", "kind": "municipality", "municipality_code": "751"})
    client.post(url, {"name": "Opsøgende team", "kind": "outreach_office", "municipality_code": ""})
    sites = {site.name: site.kind for site in programme.sites.all()}
    assert sites == {"Aarhus Kommune": Site.Kind.MUNICIPALITY, "Opsøgende team": Site.Kind.OUTREACH_OFFICE}
    outreach = programme.sites.get(kind=Site.Kind.OUTREACH_OFFICE)
    client.post(
        reverse("setup_site_edit", kwargs={"site_pk": outreach.pk}),
        {"name": "Opsøgende team Aarhus", "kind": "outreach_office", "municipality_code": "751"},
    )
    outreach.refresh_from_db()
    assert outreach.name == "Opsøgende team Aarhus" and outreach.municipality_code == "751"
    assert logged("create_site").count() == 2 and logged("update_site").count() == 1

    broker = make_user("jens", "job_broker")
    client.post(
        reverse("setup_membership_new", kwargs={"programme_pk": programme.pk}), {"user": broker.pk, "site": outreach.pk}
    )
    membership = Membership.objects.get(user=broker)
    assert (membership.programme, membership.site) == (programme, outreach)
    assert logged("add_membership").count() == 1

    goal_url = reverse("setup_result_goal_new", kwargs={"programme_pk": programme.pk})
    for deadline, target in (("2026-06-30", 20), ("2026-12-31", 50)):  # an interim target and the final one
        client.post(
            goal_url, {"metric": "employed", "target": target, "deadline": deadline, "social_economic_target": ""}
        )
    assert list(programme.result_goals.values_list("deadline", "target")) == [
        (datetime.date(2026, 6, 30), 20),
        (datetime.date(2026, 12, 31), 50),
    ]
    interim = programme.result_goals.get(target=20)
    client.post(
        reverse("setup_result_goal_edit", kwargs={"result_goal_pk": interim.pk}),
        {"metric": "employed", "target": 25, "deadline": "2026-06-30", "social_economic_target": "5"},
    )
    interim.refresh_from_db()
    assert (interim.target, interim.social_economic_target) == (25, 5)
    assert logged("create_result_goal").count() == 2 and logged("update_result_goal").count() == 1

    page = client.get(reverse("setup_programme", kwargs={"programme_pk": programme.pk})).content.decode()
    for text in ("Aarhus Kommune", "Opsøgende team Aarhus", "Jens", "30.06.2026", "31.12.2026"):
        assert text in page

    client.post(reverse("setup_membership_remove", kwargs={"membership_pk": membership.pk}))
    client.post(reverse("setup_result_goal_delete", kwargs={"result_goal_pk": interim.pk}))
    assert not Membership.objects.filter(user=broker).exists()
    assert not ResultGoal.objects.filter(pk=interim.pk).exists()
    assert logged("remove_membership").count() == 1 and logged("delete_result_goal").count() == 1


def test_settings_and_fidelity_are_saved_and_read_by_the_thresholds_and_the_fidelity_report(
    client, administrator, programme
):
    programme.settings = {"other_feature": {"kept": True}}
    programme.save()
    client.force_login(administrator)
    url = reverse("setup_programme_settings", kwargs={"programme_pk": programme.pk})
    assert client.get(url).status_code == 200
    data = settings_post(
        programme,
        no_contact_days="10",
        fidelity_buddy_target="90",
        fidelity_caseload_max="20",
        fidelity_amber_margin="10",
        fidelity_cv_updated_enabled=None,  # turned off
    )
    data.pop("fidelity_cv_updated_enabled", None)
    response = client.post(url, data)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.settings == {
        "other_feature": {"kept": True},
        "no_contact_days": 10,
        "fidelity": {
            "amber_margin": 10,
            "buddy": {"target": 90},
            "cv_updated": {"enabled": False},
            "caseload": {"max": 20},
        },
    }
    assert thresholds.for_programme(programme).no_contact_days == 10
    rules = fidelity_settings.for_programme(programme)
    assert rules.rule("buddy").target == 90 and not rules.rule("cv_updated").enabled
    assert rules.rule("caseload").max == 20 and rules.amber_margin == 10
    change = ChangeLog.objects.get(action="update_programme_settings")
    assert change.changes["after"]["no_contact_days"] == 10

    # Emptying a field returns it to the default; a value out of range is refused next to its field.
    client.post(url, settings_post(programme))
    programme.refresh_from_db()
    assert programme.settings == {"other_feature": {"kept": True}, "fidelity": {"cv_updated": {"enabled": False}}}
    response = client.post(url, settings_post(programme, fidelity_buddy_target="101"))
    assert response.status_code == 400
    programme.refresh_from_db()
    assert "buddy" not in programme.settings["fidelity"]


def test_refusals_are_shown_next_to_the_field_and_nothing_is_saved(client, administrator, programme, site):
    client.force_login(administrator)
    response = client.post(
        reverse("setup_site_new", kwargs={"programme_pk": programme.pk}),
        {"name": site.name.upper(), "kind": "municipality", "municipality_code": ""},
    )
    assert response.status_code == 400 and programme.sites.count() == 1
    response = client.post(
        reverse("setup_result_goal_new", kwargs={"programme_pk": programme.pk}),
        {"metric": "employed", "target": "5", "deadline": "2026-12-31", "social_economic_target": "6"},
    )
    assert response.status_code == 400 and not programme.result_goals.exists()
    response = client.post(
        reverse("setup_programme_new"), {"name": programme.name, "starts_on": "2026-01-01", "ends_on": "2025-01-01"}
    )
    assert response.status_code == 400 and Programme.objects.count() == 1
    assert not ChangeLog.objects.filter(action__in=["create_site", "create_result_goal", "create_programme"]).exists()


@pytest.mark.parametrize("who", ["coordinator", "manager", "evaluator", "alice"])
def test_nobody_but_administrators_reaches_the_set_up_pages(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("setup_programmes")).status_code == 404
    response = client.post(reverse("setup_programme_new"), {"name": "Nyt", "starts_on": "2026-01-01"})
    assert response.status_code == 404 and not Programme.objects.filter(name="Nyt").exists()
    assert 'id="setup-link"' not in client.get(reverse("company_list")).content.decode()


def test_administrators_find_the_set_up_pages_in_the_header(client, administrator):
    client.force_login(administrator)
    page = client.get(reverse("citizen_list")).content.decode()
    assert f'href="{reverse("setup_programmes")}" id="setup-link"' in page


def test_a_programme_with_many_staff_lists_them_a_page_at_a_time_and_finds_one_by_name(
    client, administrator, programme
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jobbro.accounts import setup_views

    client.force_login(administrator)
    url = reverse("setup_programme", kwargs={"programme_pk": programme.pk})

    def shown(query=""):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url + query)
        return response, len(captured)

    for n in range(5):
        Membership.objects.create(user=make_user(f"few{n}", "job_broker", first_name="Få"), programme=programme)
    _response, few_queries = shown()
    for n in range(60):
        Membership.objects.create(
            user=make_user(f"staff{n:02d}", "job_broker", first_name="Mange"), programme=programme
        )
    everyone = Membership.objects.filter(programme=programme).count()
    response, many_queries = shown()
    assert many_queries == few_queries, "the page's queries do not grow with the staff"
    assert response.content.decode().count("data-membership=") == setup_views.STAFF_PER_PAGE
    assert response.context["staff_count"] == everyone
    last_page = (everyone - 1) // setup_views.STAFF_PER_PAGE + 1
    response, _queries = shown(f"?page={last_page}")
    assert (
        response.content.decode().count("data-membership=") == everyone - (last_page - 1) * setup_views.STAFF_PER_PAGE
    )
    response, _queries = shown("?staff=staff07")
    assert [m.user.username for m in response.context["memberships"]] == ["staff07"]
    response, _queries = shown("?staff=nobody-here")
    assert "Ingen medarbejdere med det navn." in response.content.decode() or "No staff with that name." in (
        response.content.decode()
    )


def test_the_staff_user_is_a_searchable_field_not_a_list_of_every_user(client, administrator, programme, site):
    for n in range(40):
        make_user(f"many{n:02d}", "job_broker", first_name="Mange")
    jens = make_user("jens", "job_broker", first_name="Jens", last_name="Jensen")
    client.force_login(administrator)
    page = client.get(reverse("setup_membership_new", kwargs={"programme_pk": programme.pk})).content.decode()
    assert "<option" not in page.split('id="id_user"')[1].split("</div>")[0], "no list of every user"
    found = client.get(reverse("pick_users"), {"q": "jens"}).json()
    assert [row["id"] for row in found["results"]] == [jens.pk]
    assert found["results"][0]["label"].startswith("Jens Jensen (jens, ")
    client.post(
        reverse("setup_membership_new", kwargs={"programme_pk": programme.pk}),
        {"user-text": "Jens Jensen", "user": "", "site": site.pk},
    )
    assert Membership.objects.filter(user=jens, programme=programme, site=site).exists()


def test_only_administrators_search_every_user(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("pick_users"), {"q": "a"}).status_code == 404
