"""The company page: everyone but evaluators reads it; the coordinator keeps it, through the actions."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import ChangeLog
from jobbro.cases.models import Placement, PlacementKind
from jobbro.companies.models import Company, CompanyContact, NetworkAgreement, Opening
from jobbro.conftest import make_company, make_cvr, make_opening

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url(name, **kwargs):
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def factory(programme, refer):
    """A company that took four interns this year and never paid an hour."""
    company = make_company("Praktik Fabrikken ApS", programme=programme)
    for i in range(4):
        enrolment = refer(first_name=f"Praktikant{i}")
        Placement.objects.create(
            enrolment=enrolment,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=TODAY - datetime.timedelta(days=20 + i),
            no_hours_reason="Først praktik",
        )
    return company


@pytest.mark.parametrize("who", ["alice", "caseworker", "manager", "coordinator", "mentor", "administrator"])
def test_staff_other_than_evaluators_read_the_company_page(client, staff, company, who):
    client.force_login(getattr(staff, who))
    response = client.get(url("company_detail", pk=company.pk))
    assert response.status_code == 200
    assert company.cvr.encode() in response.content


def test_an_evaluator_gets_404_on_every_network_page(client, evaluator, company, programme):
    opening = make_opening(company, programme, "Opvasker")
    client.force_login(evaluator)
    for address in (
        url("company_detail", pk=company.pk),
        url("company_edit", pk=company.pk),
        url("company_new"),
        url("company_opening_close", pk=company.pk, opening_pk=opening.pk),
        reverse("opening_board_xlsx"),
        reverse("opening_board_pdf"),
        reverse("course_list"),
    ):
        assert client.get(address).status_code == 404, address


def test_a_missing_company_is_a_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(url("company_detail", pk=999999)).status_code == 404


def test_the_page_shows_facts_agreement_buddies_open_jobs_and_the_track_record(
    client, coordinator, company, programme, buddy
):
    CompanyContact.objects.filter(pk=buddy.pk).update(buddy_trained_on=datetime.date(2025, 2, 3))
    NetworkAgreement.objects.filter(company=company).update(commitments="To småjob om året og en uddannet buddy")
    make_opening(company, programme, "Opvasker om formiddagen", buddy=buddy)
    make_opening(company, programme, "Lukket job", status=Opening.Status.CLOSED)
    client.force_login(coordinator)
    english(client)
    content = client.get(url("company_detail", pk=company.pk)).content.decode()
    assert "To småjob om året og en uddannet buddy" in content
    assert 'data-buddy-training="2025-02-03"' in content
    assert "Opvasker om formiddagen" in content and "Lukket job" not in content
    assert 'data-figure="internships_started"' in content
    assert 'data-is-factory="false"' in content
    assert "Restauranter" in content  # the DB07 title


def test_a_factory_is_flagged_on_its_page_with_the_rule_explained_in_the_programmes_numbers(
    client, alice, factory, programme
):
    client.force_login(alice)
    english(client)
    content = client.get(url("company_detail", pk=factory.pk)).content.decode()
    assert f'data-factory="{programme.pk}"' in content
    assert 'data-is-factory="true"' in content
    assert "at least 4 internships started there in the last 730 days and at most 10 % of them" in content
    assert "Here: 4 internships in that period, 0 of them turned into ordinary hours (0 %)." in content


def test_the_company_list_links_each_company_and_badges_the_factory(client, manager, factory, company):
    client.force_login(manager)
    content = client.get(reverse("company_list")).content.decode()
    assert url("company_detail", pk=factory.pk) in content and url("company_detail", pk=company.pk) in content
    row = content.split(f'data-company="{factory.pk}"')[1].split("</tr>")[0]
    assert "data-factory" in row
    other_row = content.split(f'data-company="{company.pk}"')[1].split("</tr>")[0]
    assert "data-factory" not in other_row


def test_who_is_in_contact_is_shown_to_a_job_broker(client, alice, bob, company, bobs_enrolment, start):
    start(bobs_enrolment, starts_on=TODAY - datetime.timedelta(days=3))
    client.force_login(alice)
    content = client.get(url("company_detail", pk=company.pk)).content.decode()
    assert f'data-user="{bob.pk}"' in content


# --- The coordinator keeps the facts -----------------------------------------------------------------------------------


def company_data(company, **changes):
    data = {
        "cvr": company.cvr,
        "name": company.name,
        "industry_code": company.industry_code,
        "kind": company.kind,
        "address": company.address,
        "postcode": company.postcode,
        "city": company.city,
    }
    data.update(changes)
    return data


def test_the_coordinator_edits_the_facts_and_the_change_is_logged(client, coordinator, company):
    client.force_login(coordinator)
    response = client.post(
        url("company_edit", pk=company.pk),
        company_data(company, name="Café Havnen ApS", kind=Company.Kind.SOCIAL_ECONOMIC, postcode="8000"),
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.kind, company.postcode) == ("Café Havnen ApS", "social_economic", "8000")
    log = ChangeLog.objects.get(action="update_company", object_id=str(company.pk))
    assert log.changes["name"] == "Café Havnen ApS" and log.user == coordinator


def test_a_wrong_cvr_number_is_refused_next_to_the_field_with_the_input_kept(client, coordinator, company):
    client.force_login(coordinator)
    english(client)
    response = client.post(url("company_edit", pk=company.pk), company_data(company, cvr="13585627", name="Nyt navn"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "A CVR number has 8 digits and a valid check digit." in form.errors["cvr"]
    assert 'value="13585627"' in response.content.decode() and 'value="Nyt navn"' in response.content.decode()
    company.refresh_from_db()
    assert company.name == "Café Havnen"
    assert not ChangeLog.objects.filter(action="update_company").exists()


def test_a_cvr_number_already_in_the_network_is_refused(client, coordinator, company, social_company):
    client.force_login(coordinator)
    response = client.post(url("company_edit", pk=company.pk), company_data(company, cvr=social_company.cvr))
    assert response.status_code == 200
    assert "cvr" in response.context["form"].errors
    company.refresh_from_db()
    assert company.cvr != social_company.cvr


def test_the_coordinator_adds_a_company(client, coordinator):
    client.force_login(coordinator)
    cvr = make_cvr()
    response = client.post(
        url("company_new"),
        {
            "cvr": cvr,
            "name": "Ny Bager",
            "industry_code": "107100",
            "kind": "private",
            "address": "Bagergade 1",
            "postcode": "8000",
            "city": "Aarhus",
        },
    )
    company = Company.objects.get(cvr=cvr)
    assert response.status_code == 302 and response["Location"] == url("company_detail", pk=company.pk)
    assert ChangeLog.objects.filter(action="create_company", object_id=str(company.pk)).exists()


@pytest.mark.parametrize("who", ["alice", "caseworker", "manager", "mentor"])
def test_readers_cannot_change_the_network(client, staff, company, programme, who):
    opening = make_opening(company, programme, "Opvasker")
    client.force_login(getattr(staff, who))
    assert client.post(url("company_edit", pk=company.pk), company_data(company, name="Hacked")).status_code == 404
    assert client.post(url("company_contact_new", pk=company.pk), {"name": "X"}).status_code == 404
    assert (
        client.post(
            url("company_opening_close", pk=company.pk, opening_pk=opening.pk),
            {"outcome": "closed", "on": TODAY.isoformat()},
        ).status_code
        == 404
    )
    assert client.get(url("company_opening_new", pk=company.pk)).status_code == 404
    company.refresh_from_db()
    opening.refresh_from_db()
    assert company.name == "Café Havnen" and opening.status == Opening.Status.OPEN
    assert not company.contacts.exists()
    assert "company_edit" not in client.get(url("company_detail", pk=company.pk)).content.decode()


def test_the_coordinator_adds_a_buddy_with_a_training_date(client, coordinator, company):
    client.force_login(coordinator)
    response = client.post(
        url("company_contact_new", pk=company.pk),
        {
            "name": "Bente Buddy",
            "job_title": "Køkkenchef",
            "phone": "12345678",
            "email": "bente@example.dk",
            "is_buddy": "on",
            "buddy_trained_on": "2025-05-01",
        },
    )
    assert response.status_code == 302
    contact = company.contacts.get()
    assert contact.is_buddy and contact.buddy_trained_on == datetime.date(2025, 5, 1)
    log = ChangeLog.objects.get(action="add_company_contact")
    assert "bente" not in str(log.changes).lower()


def test_a_training_date_without_being_a_buddy_is_refused(client, coordinator, company):
    client.force_login(coordinator)
    response = client.post(url("company_contact_new", pk=company.pk), {"name": "Ole", "buddy_trained_on": "2025-05-01"})
    assert response.status_code == 200
    assert "buddy_trained_on" in response.context["form"].errors
    assert not company.contacts.exists()


def test_the_coordinator_edits_a_contact(client, coordinator, company, buddy):
    client.force_login(coordinator)
    response = client.post(
        url("company_contact_edit", pk=company.pk, contact_pk=buddy.pk),
        {"name": "Birgit Buddy", "phone": "87654321", "is_buddy": "on"},
    )
    assert response.status_code == 302
    buddy.refresh_from_db()
    assert buddy.phone == "87654321"


def test_a_contact_of_another_company_is_a_404(client, coordinator, company, social_company, buddy):
    client.force_login(coordinator)
    assert client.get(url("company_contact_edit", pk=social_company.pk, contact_pk=buddy.pk)).status_code == 404


def test_the_coordinator_records_an_agreement_and_a_second_running_one_is_refused(client, coordinator, programme):
    company = make_company("Uden Aftale")
    client.force_login(coordinator)
    data = {"programme": programme.pk, "signed_on": "2025-04-01", "commitments": "Et småjob om året"}
    assert client.post(url("company_agreement_new", pk=company.pk), data).status_code == 302
    agreement = company.agreements.get()
    assert agreement.commitments == "Et småjob om året" and agreement.ended_on is None
    response = client.post(url("company_agreement_new", pk=company.pk), data)
    assert response.status_code == 200 and "signed_on" in response.context["form"].errors
    assert company.agreements.count() == 1
    assert (
        client.post(
            url("company_agreement_end", pk=company.pk, agreement_pk=agreement.pk), {"ended_on": "2025-09-30"}
        ).status_code
        == 302
    )
    agreement.refresh_from_db()
    assert agreement.ended_on == datetime.date(2025, 9, 30)


def test_an_agreement_in_a_programme_the_coordinator_is_not_in_is_refused(client, coordinator, other_programme):
    company = make_company("Uden Aftale")
    client.force_login(coordinator)
    response = client.post(
        url("company_agreement_new", pk=company.pk), {"programme": other_programme.pk, "signed_on": "2025-04-01"}
    )
    assert response.status_code == 200 and "programme" in response.context["form"].errors
    assert not company.agreements.exists()


def test_the_coordinator_adds_a_small_job_and_it_is_on_the_board(client, coordinator, company, programme, buddy):
    client.force_login(coordinator)
    response = client.post(
        url("company_opening_new", pk=company.pk),
        {
            "programme": programme.pk,
            "title": "Køkkenhjælp",
            "occupation_code": "9412",
            "tasks": "Opvask og anretning",
            "weekly_hours": "7,5",
            "days": ["tue", "mon"],
            "requirements": ["long_standing"],
            "danish_level_required": "2",
            "buddy": buddy.pk,
            "capacity": "2",
            "posted_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    opening = Opening.objects.get(title="Køkkenhjælp")
    assert (str(opening.weekly_hours), opening.days, opening.buddy, opening.capacity) == (
        "7.5",
        ["mon", "tue"],
        buddy,
        2,
    )
    assert f'data-opening="{opening.pk}"'.encode() in client.get(reverse("opening_board")).content


def test_a_small_job_with_bad_hours_is_refused_with_the_input_kept(client, coordinator, company, programme):
    client.force_login(coordinator)
    response = client.post(
        url("company_opening_new", pk=company.pk),
        {
            "programme": programme.pk,
            "title": "Køkkenhjælp",
            "tasks": "Opvask",
            "weekly_hours": "75",
            "posted_on": TODAY.isoformat(),
            "capacity": "1",
        },
    )
    assert response.status_code == 200
    assert "weekly_hours" in response.context["form"].errors
    assert 'value="Køkkenhjælp"' in response.content.decode()
    assert not Opening.objects.exists()


def test_the_coordinator_takes_a_filled_job_off_the_board(client, coordinator, company, programme):
    opening = make_opening(company, programme, "Opvasker")
    client.force_login(coordinator)
    response = client.post(
        url("company_opening_close", pk=company.pk, opening_pk=opening.pk),
        {"outcome": "filled", "on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    opening.refresh_from_db()
    assert (opening.status, opening.filled_on) == (Opening.Status.FILLED, TODAY)
    assert b"Opvasker" not in client.get(reverse("opening_board")).content
    assert ChangeLog.objects.filter(action="close_opening", object_id=str(opening.pk)).exists()


def test_an_opening_in_another_programme_cannot_be_closed_by_the_coordinator(
    client, coordinator, company, other_programme
):
    opening = make_opening(company, other_programme, "Andet program")
    client.force_login(coordinator)
    response = client.post(
        url("company_opening_close", pk=company.pk, opening_pk=opening.pk),
        {"outcome": "closed", "on": TODAY.isoformat()},
    )
    assert response.status_code == 404
    opening.refresh_from_db()
    assert opening.status == Opening.Status.OPEN


# --- The board's new filters ------------------------------------------------------------------------------------------


def test_the_board_filters_by_company_kind_social_economy_postcode_and_occupation(
    client, alice, company, social_company, programme
):
    Company.objects.filter(pk=company.pk).update(postcode="8000")
    Company.objects.filter(pk=social_company.pk).update(postcode="8900")
    kitchen = make_opening(company, programme, "Køkken", occupation_code="9412")
    garden = make_opening(social_company, programme, "Have", occupation_code="9214")
    client.force_login(alice)

    def shown(**params):
        content = client.get(reverse("opening_board"), params).content.decode()
        return {o.pk for o in (kitchen, garden) if f'data-opening="{o.pk}"' in content}

    assert shown() == {kitchen.pk, garden.pk}
    assert shown(social_economic="on") == {garden.pk}
    assert shown(company_kind="private") == {kitchen.pk}
    assert shown(postcode="80") == {kitchen.pk}
    assert shown(postcode="89") == {garden.pk}
    assert shown(occupation="9214") == {garden.pk}
    assert shown(q="Have", occupation="9412") == set()


def test_the_board_links_companies_and_carries_the_filters_into_the_export_links(
    client, alice, company, programme, buddy
):
    make_opening(company, programme, "Køkken", buddy=buddy)
    client.force_login(alice)
    content = client.get(reverse("opening_board"), {"buddy": "on", "hours": "10"}).content.decode()
    assert url("company_detail", pk=company.pk) in content
    assert reverse("opening_board_xlsx") + "?buddy=on&amp;hours=10" in content
    assert reverse("opening_board_pdf") + "?buddy=on&amp;hours=10" in content


def test_the_courses_item_is_in_everyones_menu_but_the_evaluators(client, alice, evaluator):
    client.force_login(alice)
    assert reverse("course_list").encode() in client.get(reverse("company_list")).content
    client.force_login(evaluator)
    assert reverse("course_list").encode() not in client.get(reverse("result_goals")).content
