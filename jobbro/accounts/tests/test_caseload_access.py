"""My caseload (/caseload/) lists the citizens one is job broker or mentor for: only roles with an own caseload."""

import pytest
from django.urls import reverse

from jobbro.accounts.policy import PAGES, Capability

pytestmark = pytest.mark.django_db


def test_the_table_gives_the_caseload_to_the_roles_with_an_own_caseload():
    assert PAGES["caseload"].view == {Capability.READ_CITIZEN, Capability.OWN_CASELOAD}


@pytest.mark.parametrize("who", ["evaluator", "manager", "coordinator", "caseworker", "administrator"])
def test_roles_without_an_own_caseload_get_404(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("caseload")).status_code == 404


def test_an_evaluator_who_is_also_a_superuser_gets_404_too(client, world):
    evaluator = world.evaluator
    evaluator.is_superuser = True
    evaluator.save(update_fields=["is_superuser"])
    client.force_login(evaluator)
    response = client.get(reverse("caseload"))
    assert response.status_code == 404
    assert world.bobs_enrolment.citizen.last_name not in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "mentor"])
def test_job_brokers_and_mentors_get_their_caseload(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("caseload")).status_code == 200
