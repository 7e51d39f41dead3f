"""Searchable fields (jobbro/pickers.py) and their search endpoints (jobbro/web/pickers.py): they find by name, keep
the chosen value on a form error, work without JavaScript by matching the typed name, and never name a company or
a colleague the user may not see."""

import pytest
from django.conf import settings
from django.urls import reverse

from jobbro.accounts.models import Role
from jobbro.cases.models import Placement, PlacementKind
from jobbro.cases.placement_forms import StartPlacementForm
from jobbro.conftest import make_company, make_user
from jobbro.web.forms import CitizenFilterForm

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def matches(client, name, **query):
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


# --- The endpoints ---------------------------------------------------------------------------------------------


def test_the_company_search_finds_by_name_cvr_or_city_with_the_network_first(client, alice, programme):
    make_company("Café Havnen", city="Randers")
    in_network = make_company("Havnens Bageri", programme=programme)
    make_company("Zebra Rengøring")
    client.force_login(alice)
    assert matches(client, "pick_companies", q="havn") == ["Café Havnen", "Havnens Bageri"]
    assert matches(client, "pick_companies", q="havn", programme=programme.pk) == ["Havnens Bageri", "Café Havnen"]
    assert matches(client, "pick_companies", q="café randers") == ["Café Havnen"]
    assert matches(client, "pick_companies", q=in_network.cvr) == ["Havnens Bageri"]
    assert matches(client, "pick_companies", q="") == []


def test_the_company_search_returns_a_short_list(client, alice):
    for i in range(15):
        make_company(f"Firma {i:02d}")
    client.force_login(alice)
    answer = client.get(reverse("pick_companies"), {"q": "firma"}).json()
    assert len(answer["results"]) == 10
    assert answer["more"] is True


def test_who_may_not_see_companies_gets_no_company_names(client, evaluator):
    make_company("Café Havnen")
    client.force_login(evaluator)
    response = client.get(reverse("pick_companies"), {"q": "café"})
    assert response.status_code == 404
    assert b"Havnen" not in response.content


def test_signed_out_gets_nothing(client):
    make_company("Café Havnen")
    response = client.get(reverse("pick_companies"), {"q": "café"})
    assert response.status_code == 302
    assert b"Havnen" not in response.content


def test_the_staff_search_finds_job_brokers_of_ones_own_programmes_only(client, alice, bob, charlie, caseworker):
    client.force_login(alice)
    assert matches(client, "pick_staff", q="bob", role="job_broker") == ["Bob Berg"]
    assert matches(client, "pick_staff", q="charlie", role="job_broker") == []  # another programme: not named
    assert matches(client, "pick_staff", q="sara", role="job_broker") == []  # a caseworker is no job broker
    assert "Sara Sagsbehandler" in matches(client, "pick_staff", q="sara", role="caseworker")
    assert matches(client, "pick_staff", q="bob", role="nonsense") == []
    client.force_login(charlie)
    assert matches(client, "pick_staff", q="alice", role="job_broker") == []
    assert matches(client, "pick_staff", q="charlie", role="job_broker") == ["Charlie Christensen"]


def test_inactive_staff_only_with_all(client, alice, bob):
    bob.is_active = False
    bob.save()
    client.force_login(alice)
    assert matches(client, "pick_staff", q="bob", role="job_broker") == []
    assert matches(client, "pick_staff", q="bob", role="job_broker", all="1") == ["Bob Berg"]


def test_who_may_not_read_citizens_gets_no_staff_names(client, evaluator, alice):
    client.force_login(evaluator)
    response = client.get(reverse("pick_staff"), {"q": "alice", "role": "job_broker"})
    assert response.status_code == 404
    assert b"Andersen" not in response.content


# --- The field -----------------------------------------------------------------------------------------------------


def test_the_field_renders_a_labelled_combobox_not_every_option(alice, programme):
    for i in range(30):
        make_company(f"Firma {i:02d}")
    from jobbro.cases.models import Enrolment

    enrolment = Enrolment(programme=programme)
    html = str(StartPlacementForm(enrolment=enrolment)["company"])
    assert 'role="combobox"' in html
    assert 'aria-controls="id_company-options"' in html
    assert "<option" not in html
    assert "Firma" not in html
    assert f'data-url="{reverse("pick_companies")}?programme={programme.pk}"' in html


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


def start_data(**overrides):
    data = {
        "opening": "",
        "kind": PlacementKind.INTERNSHIP,
        "starts_on": "2025-03-13",
        "planned_end_on": "",
        "purpose": "",
        "buddy": "",
        "agreed_ordinary_hours": "",
        "ordinary_hours_condition": "Efter 4 uger",
        "no_hours_reason": "",
    }
    data.update(overrides)
    return data


def start_url(enrolment):
    return reverse("placement_start", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def test_without_javascript_a_typed_name_chooses_the_company(client, alice, enrolment):
    company = make_company("Café Havnen")
    make_company("Zebra Rengøring")
    client.force_login(alice)
    response = client.post(start_url(enrolment), start_data(**{"company": "", "company-text": "café havnen"}))
    assert response.status_code == 302
    assert Placement.objects.get(enrolment=enrolment).company == company


def test_a_typed_name_that_matches_several_is_refused_with_their_names(client, alice, enrolment):
    make_company("Café Havnen", city="Aarhus")
    make_company("Café Havnen", city="Randers")
    client.force_login(alice)
    html = (
        english(client)
        .post(start_url(enrolment), start_data(**{"company": "", "company-text": "havnen"}))
        .content.decode()
    )
    assert "Several match “havnen”" in html
    assert "Aarhus" in html and "Randers" in html
    assert not Placement.objects.exists()
    # A word more (the city) is enough.
    response = client.post(start_url(enrolment), start_data(**{"company": "", "company-text": "havnen randers"}))
    assert response.status_code == 302
    assert Placement.objects.get().company.city == "Randers"


def test_the_chosen_company_is_kept_on_a_form_error(client, alice, enrolment):
    company = make_company("Café Havnen")
    client.force_login(alice)
    data = start_data(**{"company": company.pk, "company-text": "Café Havnen", "starts_on": ""})
    html = english(client).post(start_url(enrolment), data).content.decode()
    assert 'value="Café Havnen"' in html
    assert f'id="id_company-value" value="{company.pk}"' in html
    assert not Placement.objects.exists()


def test_a_name_that_matches_nothing_is_refused(client, alice, enrolment):
    make_company("Café Havnen")
    client.force_login(alice)
    html = english(client).post(start_url(enrolment), start_data(**{"company-text": "Nowhere"})).content.decode()
    assert "Nothing you may choose matches “Nowhere”" in html
    assert 'value="Nowhere"' in html


def test_the_referral_refuses_a_job_broker_of_another_programme(alice, charlie, caseworker):
    from jobbro.cases.forms import ReferralForm

    data = {"job_broker": str(charlie.pk)}
    form = ReferralForm(data, user=caseworker)
    form.is_valid()
    assert "job_broker" in form.errors
    form = ReferralForm({"job_broker": "", "job_broker-text": "Charlie"}, user=caseworker)
    form.is_valid()
    assert "job_broker" in form.errors
    form = ReferralForm({"job_broker": "", "job_broker-text": "alice"}, user=caseworker)
    form.is_valid()
    assert "job_broker" not in form.errors
    assert form.cleaned_data["job_broker"] == alice


# --- The citizen list -------------------------------------------------------------------------------------------


def test_the_citizen_list_names_no_job_broker_in_its_filter_and_filters_by_a_typed_name(
    client, coordinator, programme, site, alices_enrolment, bobs_enrolment
):
    for i in range(40):
        make_user(f"broker{i}", Role.JOB_BROKER, programme=programme, site=site, last_name=f"Formidler{i}")
    client.force_login(coordinator)
    html = client.get(reverse("citizen_list")).content.decode()
    assert "Formidler" not in html
    assert html.count("<option") < 40
    filtered = client.get(reverse("citizen_list"), {"job_broker-text": "Alice"})
    assert filtered.status_code == 200
    names = [e.citizen.full_name for e in filtered.context["page"]]
    assert names == [alices_enrolment.citizen.full_name]
    # The chosen job broker stays in the field, by name and id, and an old link with the id alone still works.
    assert 'value="Alice Andersen"' in filtered.content.decode()
    by_id = client.get(reverse("citizen_list"), {"job_broker": bobs_enrolment.job_broker_id})
    assert [e.citizen.full_name for e in by_id.context["page"]] == [bobs_enrolment.citizen.full_name]


def test_the_citizen_filter_refuses_a_job_broker_outside_ones_programmes(charlie, alice, coordinator, programme):
    from jobbro.accounts import access
    from jobbro.accounts.models import User

    brokers = User.objects.filter(memberships__programme__in=access.visible_programmes(coordinator)).distinct()
    form = CitizenFilterForm({"job_broker": str(charlie.pk)}, sites=access.visible_sites(coordinator), brokers=brokers)
    assert not form.is_valid()
    form = CitizenFilterForm({"job_broker-text": "Charlie"}, sites=access.visible_sites(coordinator), brokers=brokers)
    assert not form.is_valid()
    assert "Christensen" not in str(form.errors)  # "nothing matches" repeats the text, never another's name


# --- The contact form's staff and the placement form's lists ----------------------------------------------------


def contact_url(enrolment):
    return reverse("contact_log", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def test_the_contact_form_ticks_the_cases_staff_and_adds_another_colleague_by_name(
    client, alice, bob, charlie, enrolment, programme, site
):
    from django.utils import timezone

    from jobbro.cases.models import Contact

    for i in range(30):
        make_user(f"kollega{i}", Role.JOB_BROKER, programme=programme, site=site, last_name=f"Kollega{i}")
    client.force_login(alice)
    html = english(client).get(contact_url(enrolment)).content.decode()
    assert "Kollega" not in html  # not every colleague as a checkbox
    assert 'name="more_staff-text"' in html and f'data-url="{reverse("pick_staff")}?role=colleague"' in html
    data = {"kind": "phone", "occurred_on": timezone.localdate().isoformat(), "staff": [alice.pk]}
    refused = client.post(contact_url(enrolment), {**data, "more_staff-text": "Charlie"})
    assert refused.status_code == 200 and not Contact.objects.exists()  # another programme's colleague: no match
    assert "Christensen" not in refused.content.decode()
    response = client.post(contact_url(enrolment), {**data, "more_staff-text": "kollega7"})
    assert response.status_code == 302
    assert sorted(u.username for u in Contact.objects.get().staff.all()) == ["alice", "kollega7"]


def test_the_staff_search_for_a_contact_offers_colleagues_of_ones_programmes(client, alice, mentor, charlie):
    client.force_login(alice)
    assert matches(client, "pick_staff", q="mads", role="colleague") == ["Mads Mentor"]
    assert matches(client, "pick_staff", q="charlie", role="colleague") == []


def test_the_start_form_leaves_every_companys_buddies_out_when_there_are_many(client, alice, enrolment, programme):
    from jobbro.cases import placement_forms
    from jobbro.companies.models import CompanyContact

    company = make_company("Café Havnen", programme=programme)
    for i in range(placement_forms.UNCHOSEN_MAX + 1):
        CompanyContact.objects.create(company=company, name=f"Buddy {i}", is_buddy=True)
    client.force_login(alice)
    html = client.get(start_url(enrolment)).content.decode()
    assert "Buddy 7" not in html
    chosen = client.get(start_url(enrolment), {"company": company.pk}).content.decode()
    assert "Buddy 7" in chosen


def test_a_job_broker_name_that_matches_several_is_shown_refused_and_the_other_filters_still_apply(
    client, coordinator, programme, site, other_site, alices_enrolment, bobs_enrolment, randers_enrolment
):
    make_user("anne1", Role.JOB_BROKER, programme=programme, site=site, first_name="Anne", last_name="Holm")
    make_user("anne2", Role.JOB_BROKER, programme=programme, site=site, first_name="Anne", last_name="Lund")
    client.force_login(coordinator)
    response = english(client).get(reverse("citizen_list"), {"job_broker-text": "Anne", "site": other_site.pk})
    html = response.content.decode()
    assert "Several match “Anne”" in html and "Anne Holm" in html and "Anne Lund" in html
    names = {e.citizen.full_name for e in response.context["page"]}
    assert randers_enrolment.citizen.full_name in names
    assert alices_enrolment.citizen.full_name not in names  # the site filter still applies


def test_the_staff_list_names_each_ones_role_and_the_programme_only_to_who_works_in_several(
    client, alice, bob, caseworker, other_programme
):
    from jobbro.accounts.models import Membership

    client.force_login(alice)
    [bob_row] = client.get(reverse("pick_staff"), {"q": "bob", "role": "job_broker"}).json()["results"]
    assert bob_row["label"] == "Bob Berg · Jobformidler"
    Membership.objects.create(user=alice, programme=other_programme)
    Membership.objects.create(user=bob, programme=other_programme)
    [bob_row] = client.get(reverse("pick_staff"), {"q": "bob", "role": "job_broker"}).json()["results"]
    assert bob_row["label"] == "Bob Berg · Jobformidler (Job i Nordvest, Job i Syd)"
