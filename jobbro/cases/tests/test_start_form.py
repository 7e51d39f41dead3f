"""Referred and started: a citizen can be referred before the start form is filled, and the citizen's own estimate of
weekly hours can be missing. Not filled and not given are kept as such, never as a date or as 0 hours."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import Enrolment
from jobbro.cases.tests.test_referral_views import full_form, post_as

REFERRAL = "/referrals/new/"


def today():
    return timezone.localdate()


def start_form_url(enrolment):
    return reverse("enrolment_start_form", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- The referral page ----------------------------------------------------------------------------------------------


def test_a_referral_with_an_empty_start_form_date_refers_without_a_start_form(client, caseworker, site):
    response = post_as(client, caseworker, full_form(site, started_on=""))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert (enrolment.referred_on, enrolment.started_on) == (today(), None)
    assert not Enrolment.objects.receiving_active_effort_on(today()).exists()
    assert Enrolment.objects.filter(ended_on__isnull=True).get() == enrolment


def test_a_referral_with_a_start_form_date_starts_the_citizen(client, caseworker, site):
    referred = today() - datetime.timedelta(days=3)
    data = full_form(site, referred_on=referred.isoformat(), started_on=(referred + datetime.timedelta(days=1)))
    assert post_as(client, caseworker, data).status_code == 302
    enrolment = Enrolment.objects.get()
    assert enrolment.started_on == referred + datetime.timedelta(days=1)
    assert not Enrolment.objects.receiving_active_effort_on(referred).exists()
    assert Enrolment.objects.receiving_active_effort_on(today()).get() == enrolment


def test_a_start_form_before_the_referral_is_refused_next_to_its_field(client, caseworker, site):
    data = full_form(site, started_on=(today() - datetime.timedelta(days=1)).isoformat())
    response = post_as(client, caseworker, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["started_on"]
    assert not Enrolment.objects.exists()


def test_the_referral_page_offers_the_start_form_date_filled_with_today(client, caseworker):
    english(client, caseworker)
    page = client.post(REFERRAL, {"cpr_number": "0101901234"})
    form = page.context["form"]
    assert form["started_on"].value() == today()
    assert not form.fields["started_on"].required
    assert not form.fields["estimated_weekly_hours"].required


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_estimate_is_stored_as_not_given_not_as_zero(client, caseworker, site, typed):
    assert post_as(client, caseworker, full_form(site, estimated_weekly_hours=typed)).status_code == 302
    enrolment = Enrolment.objects.get()
    assert enrolment.estimated_weekly_hours is None
    english(client, caseworker)
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})).content.decode()
    assert "Not given" in page


def test_a_zero_estimate_stays_zero(client, caseworker, site):
    assert post_as(client, caseworker, full_form(site, estimated_weekly_hours="0")).status_code == 302
    assert Enrolment.objects.get().estimated_weekly_hours == 0


def test_the_action_stores_a_missing_estimate_as_none(refer):
    assert refer(estimated_weekly_hours=None).estimated_weekly_hours is None
    assert refer(estimated_weekly_hours="").estimated_weekly_hours is None


# --- Filling the start form later -------------------------------------------------------------------------------------


@pytest.fixture
def unstarted(refer):
    return refer(started_on=None, referred_on=today() - datetime.timedelta(days=10))


def test_the_citizen_page_says_the_start_form_is_not_filled_and_offers_to_fill_it(client, alice, unstarted):
    english(client, alice)
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": unstarted.citizen_id})).content.decode()
    assert f'data-start-form="{unstarted.pk}"' in page
    assert "Start form not filled" in page
    assert start_form_url(unstarted) in page


def test_a_started_citizen_page_shows_the_date_and_no_button(client, alice, refer):
    enrolment = refer(referred_on=today() - datetime.timedelta(days=2))
    english(client, alice)
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})).content.decode()
    assert "Start form not filled" not in page
    assert start_form_url(enrolment) not in page
    # Nothing to fill: back to the citizen's page, and a post changes nothing.
    response = client.get(start_form_url(enrolment))
    assert response.status_code == 302 and response["Location"].endswith(f"/citizens/{enrolment.citizen_id}/")
    client.post(start_form_url(enrolment), {"started_on": today().isoformat()})
    enrolment.refresh_from_db()
    assert enrolment.started_on == enrolment.referred_on


def test_the_job_broker_fills_the_start_form_and_it_is_logged(client, alice, unstarted):
    english(client, alice)
    on = today() - datetime.timedelta(days=4)
    response = client.post(start_form_url(unstarted), {"started_on": on.isoformat()})
    assert response.status_code == 302
    unstarted.refresh_from_db()
    assert unstarted.started_on == on
    assert ChangeLog.objects.filter(action="fill_start_form", object_id=str(unstarted.pk)).exists()
    assert Enrolment.objects.receiving_active_effort_on(today()).get() == unstarted
    assert not Enrolment.objects.receiving_active_effort_on(on - datetime.timedelta(days=1)).exists()


@pytest.mark.parametrize("days_back", [11, -1])
def test_a_start_form_before_the_referral_or_in_the_future_is_refused(client, alice, unstarted, days_back):
    english(client, alice)
    response = client.post(start_form_url(unstarted), {"started_on": (today() - datetime.timedelta(days=days_back))})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["started_on"]
    unstarted.refresh_from_db()
    assert unstarted.started_on is None


def test_staff_outside_the_case_cannot_fill_the_start_form(client, charlie, manager, evaluator, unstarted):
    for user in (charlie, manager, evaluator):
        client.force_login(user)
        assert client.get(start_form_url(unstarted)).status_code in (403, 404)
        assert client.post(start_form_url(unstarted), {"started_on": today().isoformat()}).status_code in (403, 404)
    unstarted.refresh_from_db()
    assert unstarted.started_on is None


def test_the_action_refuses_a_second_start_form_an_ended_case_and_an_outsider(refer, alice, charlie, unstarted):
    with pytest.raises(PermissionDenied):
        actions.fill_start_form(acting_user=charlie, enrolment=unstarted, on=today())
    actions.fill_start_form(acting_user=alice, enrolment=unstarted, on=today())
    with pytest.raises(ValidationError) as caught:
        actions.fill_start_form(acting_user=alice, enrolment=unstarted, on=today())
    assert "started_on" in caught.value.message_dict


def test_existing_meaning_a_referral_through_the_action_fills_the_start_form_that_day(refer):
    enrolment = refer(referred_on=today() - datetime.timedelta(days=5))
    assert enrolment.started_on == enrolment.referred_on


# --- The messages name the date they compare with -------------------------------------------------------------------


def test_an_end_form_before_the_referral_names_the_referral_date_and_before_the_start_form_the_start_form(refer, alice):
    referred = today() - datetime.timedelta(days=10)
    enrolment = refer(referred_on=referred, started_on=referred + datetime.timedelta(days=5))
    with pytest.raises(ValidationError) as caught:
        actions.end_enrolment(
            acting_user=alice, enrolment=enrolment, ended_on=referred - datetime.timedelta(days=1), status="benefit"
        )
    assert caught.value.message_dict == {"ended_on": ["Slutskemaets dato kan ikke ligge før visitationsdatoen."]}
    with pytest.raises(ValidationError) as caught:
        actions.end_enrolment(
            acting_user=alice, enrolment=enrolment, ended_on=referred + datetime.timedelta(days=2), status="benefit"
        )
    assert caught.value.message_dict == {"ended_on": ["Slutskemaets dato kan ikke ligge før startskemaets dato."]}
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


def test_a_placement_before_the_referral_names_the_referral_date(unstarted, alice, company):
    with pytest.raises(ValidationError) as caught:
        actions.start_placement(
            acting_user=alice,
            enrolment=unstarted,
            company=company,
            kind="small_job",
            starts_on=unstarted.referred_on - datetime.timedelta(days=1),
            agreed_ordinary_hours=10,
        )
    assert caught.value.message_dict["starts_on"] == ["Et virksomhedsforløb kan ikke starte før visitationsdatoen."]
