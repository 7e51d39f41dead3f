"""A name search never travels in a URL, and the full birth date is shown only to roles that may see CPR numbers.

URLs end up in access logs, proxies and browser history: the citizen list's name search is posted (with
CSRF) and kept in the session, while the filters that are not personal stay in the URL with the page.
The birth date is half a CPR number: roles without the right see the age in whole years instead.
"""

import datetime
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobbro.cases.models import Step
from jobbro.people import cpr
from jobbro.reporting.tests import factories
from jobbro.web.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def citizen_names(response):
    return response.content.decode()


def test_a_name_search_is_posted_and_the_results_page_url_holds_no_name(client, world):
    client.force_login(world.caseworker)
    response = client.post(reverse("citizen_search"), {"q": "Søren", "filters": "status=all&step=1"}, follow=True)
    assert response.status_code == 200
    final_url = unquote(response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"])
    for url, _status in response.redirect_chain:
        assert "søren" not in unquote(url).lower()
    assert "søren" not in final_url.lower() and "q=" not in final_url
    assert "status=all" in final_url and "step=1" in final_url  # the filters that are not personal are kept
    assert world.alices_citizen.full_name in citizen_names(response)
    assert world.bobs_citizen.full_name not in citizen_names(response)
    assert 'value="Søren"' in response.content.decode()  # the box shows what is searched


def test_a_get_with_a_name_in_the_url_does_not_search_and_drops_the_name(client, world):
    client.force_login(world.caseworker)
    response = client.get(reverse("citizen_list"), {"q": "Søren", "status": "all"})
    assert response.status_code == 302
    assert response["Location"] == reverse("citizen_list") + "?status=all"
    listed = client.get(response["Location"])
    assert world.alices_citizen.full_name in citizen_names(listed)
    assert world.bobs_citizen.full_name in citizen_names(listed)  # nothing was searched


def test_the_search_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.caseworker)
    assert client.post(reverse("citizen_search"), {"q": "Søren"}).status_code == 403
    assert client.get(reverse("citizen_search")).status_code == 405


def test_the_search_is_refused_like_a_missing_page_for_roles_without_citizen_names(client, world):
    client.force_login(world.evaluator)
    assert client.post(reverse("citizen_search"), {"q": "Søren"}).status_code == 404


def test_pagination_and_filters_keep_the_search_without_a_name_in_any_link(client, world, site):
    for _ in range(PAGE_SIZE + 5):
        factories.enrolment(
            site, datetime.date(2025, 3, 3), the_citizen=factories.citizen(first_name="Jens", last_name="Jensen")
        )
    client.force_login(world.caseworker)
    client.post(reverse("citizen_search"), {"q": "Jensen"})
    first = client.get(reverse("citizen_list"))
    html = first.content.decode()
    assert first.context["page"].paginator.count == PAGE_SIZE + 5 and world.alices_citizen.full_name not in html
    assert 'href="?page=2"' in html
    second = client.get(reverse("citizen_list"), {"page": 2})
    assert second.content.decode().count("Jens Jensen") == 5
    assert "Jensen" not in unquote(second.request["QUERY_STRING"])
    stepped = client.get(reverse("citizen_list"), {"step": Step.TOWARDS_JOB})
    assert "Jens Jensen" not in stepped.content.decode()  # search and filter together
    cleared = client.post(reverse("citizen_search"), {"q": "Jensen", "clear": "1"}, follow=True)
    assert cleared.context["page"].paginator.count == PAGE_SIZE + 5 + 4  # and the caseworker's four citizens


def test_the_search_text_is_bounded(client, world):
    client.force_login(world.caseworker)
    client.post(reverse("citizen_search"), {"q": "x" * 10_000})
    assert client.session.get("citizen_search") is None


# --- Birth date or age -----------------------------------------------------------------------------------------


def age_today(born):
    return cpr.age(born, timezone.localdate())


@pytest.mark.parametrize(
    ("who", "sees_birth_date"),
    [
        ("alice", True),
        ("caseworker", True),
        ("coordinator", False),
        ("manager", False),
        ("mentor", False),
        ("administrator", False),
    ],
)
def test_the_full_birth_date_only_for_roles_that_may_see_cpr_numbers_the_age_for_others(
    client, world, who, sees_birth_date
):
    citizen = world.bobs_citizen
    client.force_login(getattr(world, who))
    response = client.get(reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    age = age_today(citizen.birth_date)
    assert f'data-age="{age}"' in html
    born = citizen.birth_date.strftime("%d.%m.%Y")
    assert (born in html) is sees_birth_date
    assert citizen.birth_date.strftime("%d%m%y") not in html  # nor as the first half of a CPR number


def test_the_administration_shows_the_age_not_the_birth_date(client, world):
    from jobbro.conftest import make_user

    root = make_user("root", "administrator")
    root.is_superuser = root.is_staff = True
    root.save()
    citizen = world.alices_citizen
    client.force_login(root)
    for url in (reverse("admin:people_citizen_changelist"), reverse("admin:people_citizen_change", args=[citizen.pk])):
        html = client.get(url).content.decode()
        assert str(age_today(citizen.birth_date)) in html
        assert citizen.birth_date.strftime("%d.%m.%Y") not in html and citizen.birth_date.isoformat() not in html
