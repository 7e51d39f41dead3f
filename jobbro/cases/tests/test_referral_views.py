"""The referral page: a caseworker refers a citizen; the CPR number is checked by its keyed hash in the action,
a refusal is shown next to the field with the input kept, and nothing is saved half-way."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jobbro.accounts.models import TargetGroup
from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases.models import AssignmentChange, Enrolment, Step, StepChange
from jobbro.conftest import ALICES_CPR, make_cpr
from jobbro.people import cpr
from jobbro.people.models import Citizen, TrafficLightChange

URL = "/referrals/new/"


def today():
    return timezone.localdate()


def row_counts():
    return {
        m.__name__: m.objects.count()
        for m in (Citizen, Enrolment, StepChange, TrafficLightChange, AssignmentChange, ChangeLog)
    }


@pytest.fixture
def groups(db):
    return [
        TargetGroup.objects.create(code="under-30", name="Unge under 30"),
        TargetGroup.objects.create(code="frikort", name="Socialt frikort"),
    ]


def full_form(site, **overrides):
    data = {
        "stage": "full",
        "cpr_number": make_cpr(dashed=True),
        "site": site.pk,
        "first_name": "Nadia",
        "last_name": "Khalil",
        "phone": "12345678",
        "email": "",
        "address": "Vestergade 1",
        "postcode": "8000",
        "city": "Aarhus C",
        "benefit_type": "kontanthjaelp",
        "origin_group": "non_western",
        "housing_area": "Gellerup",
        "traffic_light": "yellow",
        "estimated_weekly_hours": "7,5",
        "referral_text": "Ønsker arbejde i et køkken.",
        "referred_on": today().isoformat(),
        "started_on": today().isoformat(),
        "job_broker": "",
        "caseworker": "",
    }
    data.update(overrides)
    return data


def post_as(client, user, data):
    """Post in English (the language cookie), so messages can be compared with their source text."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(URL, data)


def field_errors(response, name):
    return response.context["form"].errors.get(name, [])


# --- Who may refer ---------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["alice", "mentor", "coordinator", "manager", "evaluator"])
def test_only_caseworkers_and_administrators_get_the_page_the_rest_a_404(client, staff, site, who):
    client.force_login(getattr(staff, who))
    assert client.get(URL).status_code == 404
    before = row_counts()
    assert client.post(URL, full_form(site)).status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("who", ["caseworker", "administrator"])
def test_a_caseworker_and_an_administrator_get_the_cpr_stage(client, staff, site, who):
    client.force_login(getattr(staff, who))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["stage"] == "cpr"
    assert list(response.context["form"].fields) == ["cpr_number"]


def test_the_menu_offers_the_referral_to_those_who_may_refer(client, staff, site):
    link = f'href="{URL}"'
    client.force_login(staff.caseworker)
    assert link in client.get(reverse("citizen_list")).content.decode()
    for who in (staff.alice, staff.manager, staff.coordinator):
        client.force_login(who)
        assert link not in client.get(reverse("citizen_list")).content.decode()


# --- Stage 1: the CPR number -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["010190-123", "3201901234", "01019O1234", ""])
def test_a_malformed_cpr_number_is_refused_next_to_the_field(client, caseworker, site, typed):
    response = post_as(client, caseworker, {"stage": "cpr", "cpr_number": typed})
    assert response.status_code == 200
    assert response.context["stage"] == "cpr"
    assert field_errors(response, "cpr_number")
    assert 'id="id_cpr_number-error"' in response.content.decode()


def test_a_new_cpr_number_leads_to_the_full_form_with_the_number_kept(client, caseworker, site):
    number = make_cpr()
    response = post_as(client, caseworker, {"stage": "cpr", "cpr_number": number})
    assert response.context["stage"] == "full"
    form = response.context["form"]
    assert not form.known_citizen and "first_name" in form.fields
    assert form.initial["cpr_number"] == f"{number[:6]}-{number[6:]}"
    assert form.initial["referred_on"] == today()
    assert form.initial["caseworker"] == caseworker.pk
    assert response.context["known_citizen"] is None


def end(enrolment, user, on=datetime.date(2025, 6, 30)):
    from jobbro.cases import actions

    actions.end_enrolment(acting_user=user, enrolment=enrolment, ended_on=on, status="benefit")


def test_a_known_citizen_the_caseworker_may_see_is_named_and_the_read_is_logged(client, caseworker, alices_enrolment):
    end(alices_enrolment, caseworker)
    citizen = alices_enrolment.citizen
    response = post_as(client, caseworker, {"stage": "cpr", "cpr_number": ALICES_CPR})
    assert response.context["stage"] == "full"
    assert response.context["known_citizen"] == citizen
    assert 'id="known-citizen"' in response.content.decode() and citizen.full_name in response.content.decode()
    # The record is reused as it is: no personal fields to fill in.
    assert "first_name" not in response.context["form"].fields
    assert AccessLog.objects.filter(user=caseworker, citizen=citizen, view="referral_new", status_code=200).exists()


def test_a_known_citizen_the_caseworker_may_not_see_is_not_revealed(client, outside_caseworker, alices_enrolment):
    response = post_as(client, outside_caseworker, {"stage": "cpr", "cpr_number": ALICES_CPR})
    assert response.context["stage"] == "full"
    assert response.context["known_citizen"] is None
    text = response.content.decode()
    assert alices_enrolment.citizen.last_name not in text and 'id="known-citizen"' not in text
    assert "first_name" in response.context["form"].fields
    assert not AccessLog.objects.filter(user=outside_caseworker, citizen=alices_enrolment.citizen).exists()


def test_a_citizen_already_active_in_every_programme_the_caseworker_refers_to_is_refused_at_once(
    client, caseworker, alices_enrolment
):
    response = post_as(client, caseworker, {"stage": "cpr", "cpr_number": ALICES_CPR})
    assert response.context["stage"] == "cpr"
    assert field_errors(response, "cpr_number") == ["This citizen is already enrolled in the programme."]


def test_the_cpr_number_is_marked_sensitive_and_never_lands_in_a_url_or_a_log(client, caseworker, site):
    number = make_cpr()
    response = post_as(client, caseworker, full_form(site, cpr_number=number))
    assert response.status_code == 302
    assert response.wsgi_request.sensitive_post_parameters == ("cpr_number",)
    assert number not in response["Location"]
    logged = " ".join(str(row) for row in ChangeLog.objects.values_list("changes", "object_id"))
    assert number not in logged and number[:6] not in logged


# --- Stage 2: the start form -------------------------------------------------------------------------------


def test_a_new_citizen_is_referred_with_everything_the_start_form_holds(client, caseworker, site, alice, groups):
    number = make_cpr()
    data = full_form(
        site,
        cpr_number=number,
        job_broker=alice.pk,
        caseworker=caseworker.pk,
        target_groups=[groups[0].pk, groups[1].pk],
        referred_on="2026-11-02",
    )
    response = post_as(client, caseworker, data)

    citizen = Citizen.objects.get(cpr_hash=cpr.lookup_hash(number))
    assert response.status_code == 302
    assert response["Location"] == reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})
    assert (
        citizen.first_name,
        citizen.last_name,
        citizen.benefit_type,
        citizen.origin_group,
        citizen.housing_area,
    ) == (
        "Nadia",
        "Khalil",
        "kontanthjaelp",
        "non_western",
        "Gellerup",
    )
    assert (citizen.phone, citizen.postcode, citizen.city, citizen.traffic_light) == (
        "12345678",
        "8000",
        "Aarhus C",
        "yellow",
    )
    assert set(citizen.target_groups.all()) == set(groups)
    assert citizen.reveal_cpr() == number
    enrolment = citizen.enrolments.get()
    assert (enrolment.programme, enrolment.site, enrolment.job_broker, enrolment.caseworker, enrolment.referred_by) == (
        site.programme,
        site,
        alice,
        caseworker,
        caseworker,
    )
    assert enrolment.referred_on == datetime.date(2026, 11, 2)
    assert enrolment.estimated_weekly_hours == Decimal("7.5")
    assert enrolment.referral_text == "Ønsker arbejde i et køkken."
    assert list(enrolment.step_changes.values_list("step", "changed_on", "changed_by")) == [
        (Step.CLARIFICATION, datetime.date(2026, 11, 2), caseworker.pk)
    ]


def test_the_caseworker_defaults_to_the_one_referring(client, caseworker, site):
    response = post_as(client, caseworker, full_form(site))
    assert response.status_code == 302
    assert Enrolment.objects.get().caseworker == caseworker


@pytest.mark.parametrize("typed", ["010190-123", "3201901234", "01019O1234", ""])
def test_a_malformed_cpr_number_in_the_start_form_is_shown_next_to_the_field_and_nothing_is_saved(
    client, caseworker, site, typed
):
    before = row_counts()
    response = post_as(client, caseworker, full_form(site, cpr_number=typed))
    assert response.status_code == 200
    assert field_errors(response, "cpr_number")
    assert list(response.context["form"].errors) == ["cpr_number"]
    text = response.content.decode()
    assert 'id="id_cpr_number-error"' in text
    assert 'value="Khalil"' in text and "Ønsker arbejde i et køkken." in text and 'value="7,5"' in text
    assert row_counts() == before


def test_a_duplicate_cpr_number_is_refused_by_the_action_next_to_the_field_with_the_input_kept(
    client, caseworker, site, alices_enrolment
):
    """Posted straight to the start form (e.g. a second tab): the action's duplicate check by keyed hash refuses."""
    before = row_counts()
    response = post_as(client, caseworker, full_form(site, cpr_number="010190 1234", first_name="Mette"))
    assert response.status_code == 200
    assert field_errors(response, "cpr_number") == ["This citizen is already enrolled in the programme."]
    text = response.content.decode()
    assert 'id="id_cpr_number-error"' in text
    assert 'value="010190 1234"' in text and "Ønsker arbejde i et køkken." in text
    assert row_counts() == before


def test_a_known_citizen_is_referred_again_as_the_same_record(client, caseworker, site, alices_enrolment):
    end(alices_enrolment, caseworker)
    citizen = alices_enrolment.citizen
    before = Citizen.objects.count()
    data = full_form(site, cpr_number=ALICES_CPR, traffic_light="red")
    for name in ("first_name", "last_name", "phone", "address", "postcode", "city", "benefit_type", "origin_group"):
        data.pop(name)
    response = post_as(client, caseworker, data)
    assert response.status_code == 302
    assert Citizen.objects.count() == before
    assert citizen.enrolments.count() == 2
    citizen.refresh_from_db()
    assert (citizen.first_name, citizen.traffic_light) == ("Mette", "red")


def test_a_citizen_known_elsewhere_keeps_their_record_without_being_revealed(
    client, outside_caseworker, other_programme_site, alices_enrolment
):
    citizen = alices_enrolment.citizen
    response = post_as(
        client, outside_caseworker, full_form(other_programme_site, cpr_number=ALICES_CPR, first_name="Anden")
    )
    assert response.status_code == 302
    assert Citizen.objects.filter(pk=citizen.pk, first_name="Mette").exists()
    assert citizen.enrolments.filter(programme=other_programme_site.programme).exists()


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("estimated_weekly_hours", "61"),
        ("estimated_weekly_hours", "-1"),
        ("estimated_weekly_hours", "7,25"),
        ("estimated_weekly_hours", "mange"),
        ("referred_on", "2999-01-01"),
        ("referred_on", "31-02-2025"),
        ("started_on", "2999-01-01"),
        ("traffic_light", "purple"),
        ("benefit_type", ""),
        ("first_name", ""),
        ("postcode", "80000"),
    ],
)
def test_malformed_input_is_refused_next_to_its_field_and_nothing_is_saved(client, caseworker, site, field, typed):
    before = row_counts()
    response = post_as(client, caseworker, full_form(site, **{field: typed}))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("typed", "stored"), [("7,5", "7.5"), ("7.5", "7.5"), (" 20 ", "20"), ("0", "0"), ("60", "60")]
)
def test_the_estimate_is_read_with_a_danish_decimal_comma(client, caseworker, site, typed, stored):
    assert post_as(client, caseworker, full_form(site, estimated_weekly_hours=typed)).status_code == 302
    assert Enrolment.objects.get().estimated_weekly_hours == Decimal(stored)


def test_only_the_sites_the_caseworker_works_at_are_offered_and_accepted(
    client, outside_caseworker, site, other_programme_site
):
    client.force_login(outside_caseworker)
    response = client.post(URL, {"stage": "cpr", "cpr_number": make_cpr()})
    assert list(response.context["form"].fields["site"].queryset) == [other_programme_site]
    before = row_counts()
    response = post_as(client, outside_caseworker, full_form(site))
    assert list(response.context["form"].errors) == ["site"]
    assert row_counts() == before


def test_the_job_broker_and_caseworker_must_work_at_the_chosen_site(
    client, caseworker, site, other_site, alice, charlie, outside_caseworker
):
    before = row_counts()
    # alice works at Aarhus only; charlie and the outside caseworker in another programme.
    response = post_as(client, caseworker, full_form(other_site, job_broker=alice.pk))
    assert list(response.context["form"].errors) == ["job_broker"]
    response = post_as(client, caseworker, full_form(site, job_broker=charlie.pk, caseworker=outside_caseworker.pk))
    assert set(response.context["form"].errors) == {"job_broker", "caseworker"}
    assert row_counts() == before
    assert post_as(client, caseworker, full_form(site, job_broker=alice.pk)).status_code == 302


# --- A week without friction ---------------------------------------------------------------------------


def test_the_second_step_says_the_cpr_number_is_new_and_the_same_for_a_citizen_the_user_may_not_see(
    client, caseworker, outside_caseworker, alices_enrolment, site, other_programme_site
):
    number = make_cpr()
    html = post_as(client, caseworker, {"stage": "cpr", "cpr_number": number}).content.decode()
    assert 'id="new-citizen"' in html and f"{number[:6]}-{number[6:]}" in html
    # A citizen known in another programme reads exactly as a new one: nothing is revealed.
    hidden = post_as(client, outside_caseworker, {"stage": "cpr", "cpr_number": ALICES_CPR}).content.decode()
    assert 'id="new-citizen"' in hidden
    # A known citizen the user may see is named instead.
    end(alices_enrolment, caseworker)
    known = post_as(client, caseworker, {"stage": "cpr", "cpr_number": ALICES_CPR}).content.decode()
    assert 'id="known-citizen"' in known and 'id="new-citizen"' not in known


def required_marks(html):
    """{field name: marked as required} for the labels of the page's fields."""
    import re

    marks = {}
    for field, label in re.findall(r'<label class="form-label" for="id_(\w+)">(.*?)</label>', html, re.S):
        marks[field] = 'class="jb-required"' in label
    return marks


def test_required_fields_are_marked_and_optional_ones_are_not(client, caseworker, site):
    html = post_as(client, caseworker, {"stage": "cpr", "cpr_number": make_cpr()}).content.decode()
    marks = required_marks(html)
    for name in ("cpr_number", "site", "first_name", "last_name", "benefit_type", "traffic_light", "referred_on"):
        assert marks[name], name
    for name in ("phone", "email", "address", "postcode", "city", "housing_area", "referral_text"):
        assert not marks[name], name
    assert 'id="required-note"' in html
    # The first step's one field is required too.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert required_marks(client.get(URL).content.decode()) == {"cpr_number": True}


def test_an_empty_town_is_filled_in_from_the_postcode_and_a_typed_one_is_kept(client, caseworker, site):
    post_as(client, caseworker, full_form(site, postcode="8210", city=""))
    assert Citizen.objects.get(first_name="Nadia").city == "Aarhus V"
    post_as(client, caseworker, full_form(site, first_name="Ole", postcode="8900", city="Randers"))
    assert Citizen.objects.get(first_name="Ole").city == "Randers"
    post_as(client, caseworker, full_form(site, first_name="Ib", postcode="0001", city=""))
    assert Citizen.objects.get(first_name="Ib").city == ""


def test_the_page_answers_the_town_of_a_postcode(client, caseworker, alice):
    client.force_login(caseworker)
    assert client.get(URL, {"postcode": "8210"}).json() == {"town": "Aarhus V"}
    assert client.get(URL, {"postcode": "9990"}).json() == {"town": "Skagen"}
    assert client.get(URL, {"postcode": "12"}).json() == {"town": ""}
    client.force_login(alice)  # a job broker does not refer
    assert client.get(URL, {"postcode": "8210"}).status_code == 404


def test_the_staff_search_names_the_role_and_leaves_out_a_programme_everyone_shares(
    client, caseworker, alice, site, other_programme_site
):
    client.force_login(caseworker)
    results = client.get(URL, {"role": "job_broker", "q": "alice"}).json()["results"]
    assert [r["label"] for r in results] == ["Alice Andersen · Jobformidler"]
    assert results[0]["text"] == "Alice Andersen"
    caseworkers = client.get(URL, {"role": "caseworker", "q": "sara"}).json()["results"]
    assert [r["label"] for r in caseworkers] == ["Sara Sagsbehandler · Sagsbehandler"]
    # A user who refers into two programmes sees which programme each colleague works in.
    from jobbro.accounts.models import Membership

    Membership.objects.create(user=caseworker, programme=other_programme_site.programme, site=other_programme_site)
    results = client.get(URL, {"role": "job_broker", "q": "alice"}).json()["results"]
    assert [r["label"] for r in results] == ["Alice Andersen · Jobformidler (Job i Nordvest)"]
    client.force_login(alice)
    assert client.get(URL, {"role": "job_broker", "q": "alice"}).status_code == 404
