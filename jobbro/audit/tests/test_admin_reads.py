"""The Django administration logs reads of a citizen's records like every other page: user, citizen, page, status."""

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from jobbro.audit.admin import ReadLoggedAdmin
from jobbro.audit.models import AccessLog
from jobbro.conftest import make_user
from jobbro.people.models import Citizen


@pytest.fixture
def root(db):
    user = make_user("root", "administrator")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def reads():
    return list(AccessLog.objects.order_by("id").values_list("user__username", "citizen_ref", "view", "status_code"))


def test_the_citizen_list_logs_a_read_of_every_citizen_shown(client, root, world):
    client.force_login(root)
    assert client.get(reverse("admin:people_citizen_changelist")).status_code == 200
    logged = reads()
    assert sorted(pk for _, pk, _, _ in logged) == sorted(Citizen.objects.values_list("pk", flat=True))
    assert {(user, view, status) for user, _, view, status in logged} == {("root", "admin:people.citizen:list", 200)}


@pytest.mark.parametrize("changelist", ["admin:people_citizen_changelist", "admin:cases_enrolment_changelist"])
def test_the_admin_offers_no_name_search_so_a_name_never_lands_in_a_url(client, root, world, changelist):
    # The admin searches by GET (?q=): a citizen's name would be in the URL and the access log. The citizen list's
    # search is posted instead; here a q is ignored.
    client.force_login(root)
    page = client.get(reverse(changelist), {"q": world.alices_citizen.last_name})
    assert page.status_code == 200
    assert 'id="searchbar"' not in page.content.decode()
    assert {pk for _, pk, _, _ in reads()} == set(Citizen.objects.values_list("pk", flat=True))


def test_a_citizens_change_page_logs_the_read(client, root, world):
    client.force_login(root)
    citizen = world.alices_citizen
    assert client.get(reverse("admin:people_citizen_change", args=[citizen.pk])).status_code == 200
    assert reads() == [("root", citizen.pk, f"admin:people.citizen:change:{citizen.pk}", 200)]


def test_a_placement_contact_or_plan_logs_a_read_of_its_citizen(client, root, world, start, company):
    enrolment = world.alices_enrolment
    placement = start(enrolment)
    client.force_login(root)
    assert client.get(reverse("admin:cases_placement_change", args=[placement.pk])).status_code == 200
    assert client.get(reverse("admin:cases_placement_history", args=[placement.pk])).status_code == 200
    assert client.get(reverse("admin:cases_enrolment_changelist")).status_code == 200
    logged = reads()
    citizen = enrolment.citizen_id
    assert logged[:2] == [
        ("root", citizen, f"admin:cases.placement:change:{placement.pk}", 200),
        ("root", citizen, f"admin:cases.placement:history:{placement.pk}", 200),
    ]
    listed = {pk for _, pk, view, _ in logged if view == "admin:cases.enrolment:list"}
    assert citizen in listed and world.charlies_citizen.pk in listed


def test_asking_for_a_citizen_who_does_not_exist_is_logged_as_such(client, root, world):
    client.force_login(root)
    missing = Citizen.objects.order_by("-pk").first().pk + 100
    client.get(reverse("admin:people_citizen_change", args=[missing]))
    row = AccessLog.objects.get()
    assert (row.citizen_id, row.citizen_ref, row.view) == (None, missing, f"admin:people.citizen:change:{missing}")


def test_someone_without_admin_access_is_turned_away_before_anything_is_read(client, world):
    client.force_login(world.alice)
    response = client.get(reverse("admin:people_citizen_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AccessLog.objects.exists()


def leads_to_a_citizen(model, depth=2):
    """Whether a record belongs to one citizen: the citizen itself, or a foreign key on the way to one."""
    if model is Citizen:
        return True
    if depth == 0:
        return False
    return any(
        isinstance(field, models.ForeignKey) and leads_to_a_citizen(field.related_model, depth - 1)
        for field in model._meta.get_fields()
    )


def test_every_admin_page_of_a_record_about_a_citizen_logs_its_reads():
    about_citizens = [m for m in admin.site._registry if leads_to_a_citizen(m) and m._meta.app_label != "audit"]
    assert {m._meta.label for m in about_citizens} >= {"people.Citizen", "cases.Enrolment", "cases.Placement"}
    not_logged = [m._meta.label for m in about_citizens if not isinstance(admin.site._registry[m], ReadLoggedAdmin)]
    assert not not_logged, f"use ReadLoggedAdmin with a citizen_lookup for {not_logged}"
