"""The citizen record: one row per person (found by CPR), never the CPR in clear, history kept."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import AssignmentChange, Enrolment, OutcomeStatus, StepChange
from jobbro.conftest import ALICES_CPR, REFERRED_ON, make_cpr
from jobbro.people import actions as people_actions
from jobbro.people import cpr
from jobbro.people.models import Citizen, TrafficLightChange

JOBBRO_APPS = ("accounts", "people", "companies", "cases", "audit")


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Citizen, Enrolment, StepChange, TrafficLightChange, AssignmentChange, ChangeLog)
    }


def every_stored_value():
    """Every value in every row of every jobbro table, as text."""
    for label in JOBBRO_APPS:
        for model in apps.get_app_config(label).get_models():
            columns = [field.attname for field in model._meta.concrete_fields]
            for row in model.objects.values_list(*columns):
                for value in row:
                    yield model.__name__, str(value)


# --- Identity derived from the CPR number ---------------------------------------------------


def test_birth_date_and_sex_come_from_the_cpr_number(refer):
    man = refer(cpr_number="150387-1233").citizen
    woman = refer(cpr_number="290292-1234").citizen
    assert (man.birth_date, man.sex) == (datetime.date(1987, 3, 15), "male")
    assert (woman.birth_date, woman.sex) == (datetime.date(1992, 2, 29), "female")


def test_the_citizen_shows_a_mask_and_reveals_only_its_own_number(alices_citizen, refer):
    other = refer().citizen
    assert alices_citizen.masked_cpr == "XXXXXX-XXXX"
    assert alices_citizen.reveal_cpr() == cpr.normalise(ALICES_CPR)
    assert other.reveal_cpr() != alices_citizen.reveal_cpr()


def test_revealing_needs_a_reveal_role_and_every_attempt_is_logged(alices_citizen, alice, manager):
    assert people_actions.reveal_cpr(acting_user=alice, citizen=alices_citizen) == cpr.normalise(ALICES_CPR)
    with pytest.raises(PermissionDenied):
        people_actions.reveal_cpr(acting_user=manager, citizen=alices_citizen)
    logged = AccessLog.objects.filter(citizen=alices_citizen, action=AccessLog.Action.REVEAL_CPR)
    assert sorted(logged.values_list("user__username", "status_code")) == [("alice", 200), ("maja", 403)]


def test_the_traffic_light_keeps_its_history_and_the_current_value_is_the_latest(alices_citizen, alice):
    actions.set_traffic_light(acting_user=alice, citizen=alices_citizen, light="yellow", on=datetime.date(2025, 4, 1))
    actions.set_traffic_light(acting_user=alice, citizen=alices_citizen, light="red", on=datetime.date(2025, 5, 1))
    alices_citizen.refresh_from_db()
    history = list(alices_citizen.traffic_light_changes.values_list("light", flat=True))
    assert history == ["green", "yellow", "red"]
    assert alices_citizen.traffic_light == history[-1]


# --- One citizen, one row: duplicates are caught by the keyed hash ----------------------------


@pytest.mark.parametrize("typed", ["0101901234", "010190 1234", " 010190-1234 "])
def test_referring_a_citizen_already_enrolled_in_the_programme_is_refused_whatever_the_formatting(
    alices_enrolment, refer, typed
):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        refer(cpr_number=typed, first_name="Mette", last_name="Sørensen")
    assert "cpr_number" in caught.value.message_dict
    assert row_counts() == before


def test_after_the_enrolment_ended_a_new_referral_reuses_the_citizen(alices_enrolment, refer, caseworker):
    actions.end_enrolment(
        acting_user=caseworker,
        enrolment=alices_enrolment,
        ended_on=datetime.date(2025, 6, 30),
        status=OutcomeStatus.BENEFIT,
    )
    citizens_before = Citizen.objects.count()

    again = refer(
        cpr_number="0101901234", first_name="Mette", last_name="Sørensen", referred_on=datetime.date(2025, 9, 1)
    )

    assert again.citizen_id == alices_enrolment.citizen_id
    assert Citizen.objects.count() == citizens_before
    assert list(
        Enrolment.objects.filter(citizen=again.citizen).order_by("referred_on").values_list("pk", flat=True)
    ) == [
        alices_enrolment.pk,
        again.pk,
    ]


def test_a_citizen_may_be_enrolled_in_two_programmes_as_one_row(
    alices_enrolment, refer, other_programme, other_programme_site, outside_caseworker
):
    elsewhere = refer(
        cpr_number=ALICES_CPR, programme=other_programme, site=other_programme_site, acting_user=outside_caseworker
    )
    assert elsewhere.citizen_id == alices_enrolment.citizen_id
    assert Citizen.objects.filter(cpr_hash=cpr.lookup_hash(cpr.normalise(ALICES_CPR))).count() == 1


def test_a_reused_citizens_current_traffic_light_follows_the_new_referral(alices_enrolment, refer, caseworker):
    actions.end_enrolment(
        acting_user=caseworker,
        enrolment=alices_enrolment,
        ended_on=datetime.date(2025, 6, 30),
        status=OutcomeStatus.BENEFIT,
    )
    refer(cpr_number=ALICES_CPR, traffic_light="red", referred_on=datetime.date(2025, 9, 1))
    citizen = Citizen.objects.get(pk=alices_enrolment.citizen_id)
    assert citizen.traffic_light_changes.last().light == "red"
    assert citizen.traffic_light == "red"


@pytest.mark.parametrize("typed", ["010190-123", "3201901234", "01019O1234", ""])
def test_a_malformed_cpr_number_is_refused_and_nothing_is_saved(programme, refer, typed):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        refer(cpr_number=typed or " ")
    assert list(caught.value.message_dict) == ["cpr_number"]
    assert row_counts() == before


def test_only_a_caseworker_or_an_administrator_may_refer(refer, alice, manager, administrator):
    before = row_counts()
    for user in (alice, manager):
        with pytest.raises(PermissionDenied):
            refer(acting_user=user)
    assert row_counts() == before
    assert refer(acting_user=administrator).referred_by == administrator


def test_the_site_must_belong_to_the_programme(refer, other_programme_site):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        refer(site=other_programme_site)
    assert "site" in caught.value.message_dict
    assert row_counts() == before


def test_the_referral_writes_its_history_in_the_same_go(refer, caseworker, alice):
    enrolment = refer(job_broker=alice)
    assert list(enrolment.step_changes.values_list("step", "changed_on")) == [(1, REFERRED_ON)]
    assert enrolment.citizen.traffic_light_changes.count() == 1
    assert sorted(enrolment.assignment_changes.values_list("role", "user__username")) == [
        ("caseworker", "sara"),
        ("job_broker", "alice"),
    ]
    assert (
        ChangeLog.objects.filter(action="refer_citizen", citizen_ref=enrolment.citizen_id, user=caseworker).count() == 1
    )


# --- The CPR number is never stored in clear ----------------------------------------------------


def test_the_cpr_number_is_nowhere_in_the_database_in_clear(world, alice, caseworker, company):
    digits = cpr.normalise(ALICES_CPR)
    enrolment = world.alices_enrolment
    actions.log_contact(
        acting_user=alice, enrolment=enrolment, kind="conversation", occurred_on=datetime.date(2025, 3, 10)
    )
    placement = actions.start_placement(
        acting_user=caseworker,
        enrolment=enrolment,
        company=company,
        kind="small_job",
        starts_on=datetime.date(2025, 3, 17),
        agreed_ordinary_hours=10,
    )
    actions.register_hours(
        acting_user=alice,
        placement=placement,
        week_start=datetime.date(2025, 3, 17),
        ordinary_hours=8,
        internship_hours=0,
    )
    people_actions.reveal_cpr(acting_user=alice, citizen=enrolment.citizen)
    assert AccessLog.objects.exists() and ChangeLog.objects.exists()

    for table, value in every_stored_value():
        assert digits not in value, f"CPR digits stored in clear in {table}"
        assert ALICES_CPR not in value, f"CPR stored in clear in {table}"
        assert digits[:6] + " " + digits[6:] not in value, f"CPR stored in clear in {table}"


def test_the_stored_hash_and_token_are_the_keyed_ones(alices_citizen):
    digits = cpr.normalise(ALICES_CPR)
    assert alices_citizen.cpr_hash == cpr.lookup_hash(digits)
    assert cpr.decrypt(alices_citizen.cpr_encrypted) == digits
    assert actions.find_citizen_by_cpr("010190 1234") == alices_citizen
    assert actions.find_citizen_by_cpr(make_cpr()) is None
