"""Logging contacts in seconds, with participants, and case notes shown only to those who may read them."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import Contact, PlacementEndReason
from jobbro.companies.models import CompanyContact
from jobbro.conftest import REFERRED_ON, make_company

NOTE = "Fortalte om angst for at møde op – fortroligt"


def day(n):
    return REFERRED_ON + datetime.timedelta(days=n)


def log_url(enrolment, **params):
    url = reverse("contact_log", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def list_url(enrolment):
    return reverse("contact_list", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def citizen_url(enrolment):
    return reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})


def counts():
    return (Contact.objects.count(), ChangeLog.objects.count())


def checked(html, name, value):
    """Whether the checkbox with this name and value is ticked in the page (it must be there)."""
    tags = [tag for tag in re.findall(r"<input[^>]*>", html) if f'name="{name}"' in tag and f'value="{value}"' in tag]
    assert len(tags) == 1, f"no single {name}={value} checkbox"
    return " checked" in tags[0]


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


@pytest.fixture
def running(enrolment, start, buddy):
    """A placement at Café Havnen running from a week after the referral until today."""
    return start(enrolment, starts_on=day(7), buddy=buddy)


def test_the_form_is_filled_in_for_a_phone_call_today_with_the_running_placements_company_and_me(
    client, alice, enrolment, running, buddy
):
    client.force_login(alice)
    html = client.get(log_url(enrolment)).content.decode()
    assert '<option value="phone" selected>' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert f'id="id_company-value" value="{running.company_id}"' in html  # the searchable field (jobbro/pickers.py)
    assert checked(html, "staff", alice.pk)
    assert "Birgit Buddy" in html and not checked(html, "company_contacts", buddy.pk)


def test_a_phone_call_is_logged_with_one_click(client, alice, enrolment, running):
    client.force_login(alice)
    form = {
        "kind": "phone",
        "occurred_on": timezone.localdate().isoformat(),
        "company": running.company_id,
        "staff": [alice.pk],
    }
    response = client.post(log_url(enrolment), form)
    assert response.status_code == 302 and response["Location"] == citizen_url(enrolment)
    contact = Contact.objects.get()
    assert (contact.kind, contact.company_id, contact.registered_by) == ("phone", running.company_id, alice)
    assert list(contact.staff.all()) == [alice]
    assert ChangeLog.objects.filter(action="log_contact", object_id=str(contact.pk), user=alice).exists()


def test_a_coffee_visit_records_the_staff_and_company_people_present(client, alice, bob, enrolment, running, buddy):
    client.force_login(alice)
    response = client.post(
        log_url(enrolment),
        {
            "kind": "coffee_visit",
            "occurred_on": day(5).isoformat(),
            "company": running.company_id,
            "staff": [alice.pk, bob.pk],
            "company_contacts": [buddy.pk],
            "note": NOTE,
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert set(contact.staff.all()) == {alice, bob}
    assert list(contact.company_contacts.all()) == [buddy]
    assert contact.note == NOTE
    assert NOTE not in str(ChangeLog.objects.get(action="log_contact").changes)


def test_choosing_another_company_offers_its_people_and_keeps_the_placement_companys(
    client, alice, enrolment, running, buddy, social_company
):
    CompanyContact.objects.create(company=social_company, name="Gustav Gartner")
    client.force_login(alice)
    html = client.get(log_url(enrolment, company=social_company.pk, company_contacts=buddy.pk)).content.decode()
    people = html[
        html.index('id="jb-company-people"') : html.index("</fieldset>", html.index('id="jb-company-people"'))
    ]
    assert "Gustav Gartner" in people and "Birgit Buddy" in people
    assert checked(people, "company_contacts", buddy.pk), "people already ticked stay ticked"
    assert 'hx-select="#jb-company-people"' in html


def test_people_of_an_unrelated_company_are_refused_and_nothing_is_saved(client, alice, enrolment, running):
    stranger = CompanyContact.objects.create(company=make_company("Fremmed ApS"), name="Frede Fremmed")
    client.force_login(alice)
    before = counts()
    response = client.post(
        log_url(enrolment),
        {
            "kind": "phone",
            "occurred_on": day(5).isoformat(),
            "company": running.company_id,
            "company_contacts": [stranger.pk],
        },
    )
    assert response.status_code == 200 and 'class="form-error-message"' in response.content.decode()
    assert counts() == before


def test_a_contact_in_the_future_is_refused_next_to_the_date_and_nothing_is_saved(client, alice, enrolment):
    client.force_login(alice)
    before = counts()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        log_url(enrolment), {"kind": "phone", "occurred_on": tomorrow.isoformat(), "note": "Husk at ringe"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_occurred_on-error"' in html and "Husk at ringe" in html
    assert counts() == before
    with pytest.raises(ValidationError) as caught:
        actions.log_contact(acting_user=alice, enrolment=enrolment, kind="phone", occurred_on=tomorrow)
    assert "occurred_on" in caught.value.message_dict
    assert counts() == before


def test_aftercare_can_be_logged_after_the_placement_and_the_enrolment_ended(
    client, alice, caseworker, enrolment, running
):
    actions.end_placement(acting_user=alice, placement=running, ended_on=day(40), reason=PlacementEndReason.HIRED)
    actions.end_enrolment(acting_user=caseworker, enrolment=enrolment, ended_on=day(41), status="ordinary_job")
    client.force_login(alice)
    assert '<option value="aftercare" selected>' in client.get(log_url(enrolment)).content.decode()
    response = client.post(log_url(enrolment), {"kind": "aftercare", "occurred_on": day(100).isoformat()})
    assert response.status_code == 302 and Contact.objects.filter(kind="aftercare").exists()


def test_a_contact_logged_from_the_placement_page_goes_back_to_it_and_no_other_site(client, alice, enrolment, running):
    client.force_login(alice)
    here = reverse("placement_detail", kwargs={"citizen_pk": enrolment.citizen_id, "pk": running.pk})
    form = {"kind": "company_visit", "occurred_on": day(5).isoformat(), "next": here}
    assert client.post(log_url(enrolment), form)["Location"] == here
    form["next"] = "https://example.com/"
    assert client.post(log_url(enrolment), form)["Location"] == citizen_url(enrolment)


@pytest.mark.parametrize("who", ["manager", "coordinator", "evaluator", "charlie", "outside_caseworker", "mentor"])
def test_only_case_workers_on_the_citizen_may_log_contacts(client, world, who):
    client.force_login(getattr(world, who))
    url = log_url(world.alices_enrolment)
    before = counts()
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "phone", "occurred_on": day(5).isoformat()}).status_code == 404
    assert counts() == before


# --- Reading contacts and their notes ------------------------------------------------------------------


@pytest.fixture
def contacts(world):
    enrolment = world.alices_enrolment
    return [
        actions.log_contact(
            acting_user=world.alice, enrolment=enrolment, kind="phone", occurred_on=day(i), note=f"{NOTE} {i}"
        )
        for i in range(1, 8)
    ]


@pytest.mark.parametrize(
    ("who", "sees_notes"),
    [
        ("alice", True),
        ("bob", True),
        ("caseworker", True),
        ("administrator", True),
        ("manager", False),
        ("coordinator", False),
    ],
)
def test_notes_are_shown_only_to_roles_that_may_read_case_notes(client, world, contacts, who, sees_notes):
    client.force_login(getattr(world, who))
    for url in (citizen_url(world.alices_enrolment), list_url(world.alices_enrolment)):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-kind="phone"' in html
        assert (NOTE in html) == sees_notes, url


def test_the_citizen_page_shows_the_five_latest_contacts_and_links_to_all(client, world, contacts):
    client.force_login(world.alice)
    html = client.get(citizen_url(world.alices_enrolment)).content.decode()
    shown = [c.pk for c in contacts if f'data-contact="{c.pk}"' in html]
    assert shown == [c.pk for c in contacts[-5:]]
    assert f'href="{list_url(world.alices_enrolment)}"' in html
    full = client.get(list_url(world.alices_enrolment)).content.decode()
    assert all(f'data-contact="{c.pk}"' in full for c in contacts)


@pytest.mark.parametrize("who", ["evaluator", "charlie", "outside_caseworker"])
def test_outsiders_get_not_found_on_the_contact_list(client, world, contacts, who):
    client.force_login(getattr(world, who))
    assert client.get(list_url(world.alices_enrolment)).status_code == 404


def test_a_mentor_logs_contacts_for_the_citizens_they_support(client, world):
    client.force_login(world.mentor)
    url = log_url(world.bobs_enrolment)
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "conversation", "occurred_on": day(3).isoformat()}).status_code == 302
    assert list(Contact.objects.get(enrolment=world.bobs_enrolment).staff.all()) == [world.mentor]
