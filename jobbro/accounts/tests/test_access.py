"""Who may see which citizen: the rules in accounts/access.py, denials first."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from jobbro.accounts import access
from jobbro.accounts.models import Membership, Role
from jobbro.accounts.policy import Capability, may
from jobbro.conftest import ALICES_CPR, make_user
from jobbro.people.access import access_citizen
from jobbro.people.models import Citizen

pytestmark = pytest.mark.django_db

PROGRAMME = {"alices", "bobs", "randers", "mentors"}
AARHUS = {"alices", "bobs"}

EXPECTED_VISIBLE = {
    "alice": AARHUS,  # site-bound job broker: her site only
    "bob": AARHUS,
    "charlie": {"charlies"},  # the outsider sees only his own programme
    "caseworker": PROGRAMME,  # whole-programme membership: both sites
    "outside_caseworker": {"charlies"},
    "mentor": {"bobs", "mentors"},  # mentor or job broker on the case, nothing else
    "coordinator": PROGRAMME,
    "manager": PROGRAMME,
    "evaluator": set(),  # pseudonymised data only
    "administrator": PROGRAMME | {"charlies"},
}


def names_of(world, citizens):
    by_pk = {
        getattr(world, f"{name}_citizen").pk: name for name in ("alices", "bobs", "randers", "mentors", "charlies")
    }
    return {by_pk[c.pk] for c in citizens}


@pytest.mark.parametrize(("who", "expected"), EXPECTED_VISIBLE.items(), ids=EXPECTED_VISIBLE.keys())
def test_each_role_sees_exactly_its_citizens(world, who, expected):
    user = getattr(world, who)
    assert names_of(world, Citizen.objects.visible_to(user)) == expected


@pytest.mark.parametrize(("who", "expected"), EXPECTED_VISIBLE.items(), ids=EXPECTED_VISIBLE.keys())
def test_access_citizen_agrees_with_the_scoped_queryset(world, who, expected):
    user = getattr(world, who)
    for name in ("alices", "bobs", "randers", "mentors", "charlies"):
        citizen = getattr(world, f"{name}_citizen")
        if name in expected:
            assert access_citizen(user, citizen.pk) == citizen
        else:
            with pytest.raises(Http404):
                access_citizen(user, citizen.pk)


def test_a_denial_and_a_miss_look_the_same(world):
    missing_pk = Citizen.objects.order_by("-pk").first().pk + 1000
    errors = []
    for pk in (world.alices_citizen.pk, missing_pk, "not-a-number", None):
        with pytest.raises(Http404) as caught:
            access_citizen(world.charlie, pk)
        errors.append((type(caught.value), str(caught.value)))
    assert len(set(errors)) == 1


def test_a_site_bound_user_does_not_see_the_other_sites_citizens_until_given_the_site(world, other_site):
    assert not Citizen.objects.visible_to(world.alice).filter(pk=world.randers_citizen.pk).exists()
    Membership.objects.create(user=world.alice, programme=other_site.programme, site=other_site)
    assert Citizen.objects.visible_to(world.alice).filter(pk=world.randers_citizen.pk).exists()


def test_a_second_membership_adds_that_programme_and_nothing_more(world, other_programme):
    Membership.objects.create(user=world.bob, programme=other_programme, site=None)
    assert names_of(world, Citizen.objects.visible_to(world.bob)) == AARHUS | {"charlies"}


def test_a_citizen_enrolled_twice_is_listed_once_and_seen_from_both_programmes(world, refer):
    # The same person referred into the other programme too, while still in alice's.
    refer(
        cpr_number=ALICES_CPR,
        programme=world.charlies_enrolment.programme,
        site=world.charlies_enrolment.site,
        acting_user=world.outside_caseworker,
    )
    for user in (world.charlie, world.caseworker, world.administrator):
        visible = list(Citizen.objects.visible_to(user))
        assert len(visible) == len({c.pk for c in visible})
    assert names_of(world, Citizen.objects.visible_to(world.charlie)) == {"charlies", "alices"}
    assert names_of(world, Citizen.objects.visible_to(world.alice)) == AARHUS


def test_a_superuser_sees_everything_whatever_the_role(world):
    root = make_user("root", Role.JOB_BROKER)
    root.is_superuser = True
    root.save()
    assert names_of(world, Citizen.objects.visible_to(root)) == EXPECTED_VISIBLE["administrator"]


def test_anonymous_users_see_nobody(world):
    anonymous = AnonymousUser()
    assert not Citizen.objects.visible_to(anonymous).exists()
    assert not may(anonymous, Capability.READ_CITIZEN)
    assert not may(anonymous, Capability.REVEAL_CPR)
    with pytest.raises(Http404):
        access_citizen(anonymous, world.alices_citizen.pk)


@pytest.mark.parametrize(
    ("role", "names", "notes", "reveal", "companies"),
    [
        (Role.JOB_BROKER, True, True, True, True),
        (Role.CASEWORKER, True, True, True, True),
        (Role.MENTOR, True, True, False, True),
        (Role.COORDINATOR, True, False, False, True),
        (Role.MANAGER, True, False, False, True),
        (Role.EVALUATOR, False, False, False, False),
        (Role.ADMINISTRATOR, True, True, False, True),
    ],
)
def test_what_each_role_may_do(role, names, notes, reveal, companies):
    user = make_user(f"user-{role}", role)
    assert may(user, Capability.READ_CITIZEN) is names
    assert may(user, Capability.READ_NOTES) is notes
    assert may(user, Capability.REVEAL_CPR) is reveal
    assert may(user, Capability.SEE_COMPANIES) is companies


def test_visible_programmes_and_sites_follow_memberships(world, site, other_site, other_programme_site):
    assert set(access.visible_programmes(world.alice)) == {site.programme}
    assert set(access.visible_sites(world.alice)) == {site}
    assert set(access.visible_sites(world.caseworker)) == {site, other_site}
    assert set(access.visible_sites(world.charlie)) == {other_programme_site}
    assert set(access.visible_sites(world.administrator)) == {site, other_site, other_programme_site}
