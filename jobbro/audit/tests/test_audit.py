"""The audit trail: every read of a citizen page and every change through an action leaves a row."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import Contact, OutcomeStatus, PlacementEndReason, PlacementKind, Step
from jobbro.conftest import ALICES_CPR, make_cpr, make_user
from jobbro.people import cpr

D = datetime.date


def citizen_page(citizen):
    return reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})


# --- Reads ------------------------------------------------------------------------------------


def test_every_read_of_a_citizen_page_is_logged_once_with_who_whom_where_and_what_they_got(client, world):
    client.force_login(world.alice)
    for _ in range(2):
        assert client.get(citizen_page(world.alices_citizen)).status_code == 200
    rows = list(AccessLog.objects.values_list("user", "citizen", "citizen_ref", "action", "view", "status_code"))
    expected = (world.alice.pk, world.alices_citizen.pk, world.alices_citizen.pk, "read", "citizen_detail", 200)
    assert rows == [expected, expected]


def test_a_denied_read_is_logged_as_the_404_it_got(client, world):
    client.force_login(world.charlie)
    assert client.get(citizen_page(world.alices_citizen)).status_code == 404
    row = AccessLog.objects.get()
    assert (row.user, row.citizen_ref, row.status_code, row.view) == (
        world.charlie,
        world.alices_citizen.pk,
        404,
        "citizen_detail",
    )


def test_probing_for_a_citizen_who_does_not_exist_is_logged_too(client, world):
    missing = world.charlies_citizen.pk + 1000
    client.force_login(world.charlie)
    assert client.get(reverse("citizen_detail", kwargs={"citizen_pk": missing})).status_code == 404
    row = AccessLog.objects.get()
    assert (row.citizen_id, row.citizen_ref, row.status_code) == (None, missing, 404)


def test_anonymous_requests_are_sent_to_log_in_before_anything_is_read(client, world):
    response = client.get(citizen_page(world.alices_citizen))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not AccessLog.objects.exists()


def test_revealing_a_cpr_number_leaves_a_reveal_row(client, world):
    client.force_login(world.alice)
    client.post(reverse("citizen_reveal_cpr", kwargs={"citizen_pk": world.alices_citizen.pk}))
    assert (
        AccessLog.objects.filter(
            user=world.alice, citizen=world.alices_citizen, action=AccessLog.Action.REVEAL_CPR, status_code=200
        ).count()
        == 1
    )


def test_the_log_keeps_whose_record_it_was_after_the_citizen_is_deleted(client, world):
    client.force_login(world.alice)
    client.get(citizen_page(world.alices_citizen))
    pk = world.alices_citizen.pk
    world.alices_citizen.delete()
    row = AccessLog.objects.get()
    assert (row.citizen_id, row.citizen_ref) == (None, pk)


@pytest.mark.parametrize("model", [AccessLog, ChangeLog])
def test_the_audit_admin_is_read_only(model, world):
    root = make_user("root", "administrator")
    root.is_superuser = root.is_staff = True
    root.save()
    request = RequestFactory().get("/admin/")
    request.user = root
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_audit_admin_refuses_edits_over_http(client, world):
    root = make_user("root", "administrator")
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(world.alice)
    client.get(citizen_page(world.alices_citizen))
    row = AccessLog.objects.get()
    client.force_login(root)
    assert client.get(reverse("admin:audit_accesslog_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403
    assert client.post(reverse("admin:audit_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:audit_accesslog_change", args=[row.pk]), {"status_code": 200}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk, status_code=200, user=world.alice).exists()


# --- Changes ----------------------------------------------------------------------------------


@pytest.fixture
def case(alices_enrolment, alice, caseworker, company):
    placement = actions.start_placement(
        acting_user=caseworker,
        enrolment=alices_enrolment,
        company=company,
        kind=PlacementKind.HYBRID_INTERNSHIP,
        starts_on=D(2025, 3, 17),
        agreed_ordinary_hours=10,
    )
    return SimpleNamespace(
        enrolment=alices_enrolment,
        citizen=alices_enrolment.citizen,
        placement=placement,
        alice=alice,
        caseworker=caseworker,
        company=company,
    )


def end_placements_then_enrolment(case):
    for placement in case.enrolment.placements.filter(ended_on__isnull=True):
        actions.end_placement(
            acting_user=case.caseworker,
            placement=placement,
            ended_on=D(2025, 4, 1),
            reason=PlacementEndReason.COMPLETED,
            back_to_step_2=False,
        )
    return actions.end_enrolment(
        acting_user=case.caseworker, enrolment=case.enrolment, ended_on=D(2025, 4, 1), status=OutcomeStatus.BENEFIT
    )


ACTIONS = {
    "refer_citizen": (
        lambda c: actions.refer_citizen(
            acting_user=c.caseworker,
            programme=c.enrolment.programme,
            site=c.enrolment.site,
            cpr_number=make_cpr(),
            first_name="Ny",
            last_name="Borger",
            referred_on=D(2025, 4, 1),
            traffic_light="red",
            estimated_weekly_hours=5,
        ),
        ["refer_citizen"],
    ),
    "change_step": (
        lambda c: actions.change_step(
            acting_user=c.alice, enrolment=c.enrolment, step=Step.TOWARDS_JOB, on=D(2025, 4, 1)
        ),
        ["change_step"],
    ),
    "set_traffic_light": (
        lambda c: actions.set_traffic_light(acting_user=c.alice, citizen=c.citizen, light="red", on=D(2025, 4, 1)),
        ["set_traffic_light"],
    ),
    "start_placement (already in step 3)": (
        lambda c: actions.start_placement(
            acting_user=c.alice,
            enrolment=c.enrolment,
            company=c.company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=D(2025, 4, 1),
            no_hours_reason="Afklaring",
        ),
        ["start_placement"],
    ),
    "end_placement": (
        lambda c: actions.end_placement(
            acting_user=c.alice, placement=c.placement, ended_on=D(2025, 4, 1), reason=PlacementEndReason.COMPLETED
        ),
        ["change_step", "end_placement"],
    ),
    "register_hours": (
        lambda c: actions.register_hours(
            acting_user=c.alice, placement=c.placement, week_start=D(2025, 3, 17), ordinary_hours=4, internship_hours=2
        ),
        ["register_hours"],
    ),
    "log_contact": (
        lambda c: actions.log_contact(
            acting_user=c.alice, enrolment=c.enrolment, kind="phone", occurred_on=D(2025, 4, 1), note="Fortroligt: gæld"
        ),
        ["log_contact"],
    ),
    # The end form is refused while a placement runs, so the running ones are ended first.
    "end_enrolment (after ending the placement)": (
        lambda c: end_placements_then_enrolment(c),
        ["end_placement", "change_step", "end_enrolment"],
    ),
    "record_follow_up": (
        lambda c: actions.record_follow_up(
            acting_user=c.caseworker, enrolment=c.enrolment, measured_on=D(2025, 9, 1), status=OutcomeStatus.EDUCATION
        ),
        ["record_follow_up"],
    ),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_each_action_writes_its_change_log_rows(case, name):
    do, expected = ACTIONS[name]
    seen = set(ChangeLog.objects.values_list("pk", flat=True))
    do(case)
    new = ChangeLog.objects.exclude(pk__in=seen).order_by("id")
    assert [row.action for row in new] == expected
    for row in new:
        assert row.user is not None
        assert row.citizen_ref is not None
        assert row.object_type and row.object_id


def test_the_change_log_names_the_record_and_the_citizen(case):
    contact = actions.log_contact(
        acting_user=case.alice, enrolment=case.enrolment, kind="phone", occurred_on=D(2025, 4, 1), note="x"
    )
    row = ChangeLog.objects.get(action="log_contact")
    assert (row.user, row.citizen_ref, row.object_type, row.object_id) == (
        case.alice,
        case.citizen.pk,
        "contact",
        str(contact.pk),
    )


def test_case_notes_and_cpr_numbers_are_never_copied_into_the_change_log(case):
    for do, _expected in ACTIONS.values():
        do(case)
    text = " ".join(str(values) for values in ChangeLog.objects.values_list("changes", "object_id", "action"))
    assert "Fortroligt" not in text
    assert case.enrolment.referral_text not in text
    assert cpr.normalise(ALICES_CPR) not in text


INVALID = {
    "refer_citizen": lambda c: actions.refer_citizen(
        acting_user=c.caseworker,
        programme=c.enrolment.programme,
        site=c.enrolment.site,
        cpr_number="320190-1234",
        first_name="Ny",
        last_name="Borger",
        referred_on=D(2025, 4, 1),
        traffic_light="red",
        estimated_weekly_hours=5,
    ),
    "change_step": lambda c: actions.change_step(
        acting_user=c.alice, enrolment=c.enrolment, step=Step.TOWARDS_JOB, on=D(2025, 3, 1)
    ),
    "start_placement": lambda c: actions.start_placement(
        acting_user=c.alice,
        enrolment=c.enrolment,
        company=c.company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=D(2025, 4, 1),
    ),
    "end_placement": lambda c: actions.end_placement(
        acting_user=c.alice, placement=c.placement, ended_on=D(2025, 3, 1), reason="other"
    ),
    "register_hours": lambda c: actions.register_hours(
        acting_user=c.alice, placement=c.placement, week_start=D(2025, 3, 17), ordinary_hours=61, internship_hours=0
    ),
    "log_contact": lambda c: actions.log_contact(
        acting_user=c.alice, enrolment=c.enrolment, kind="telegram", occurred_on=D(2025, 4, 1)
    ),
    "end_enrolment": lambda c: actions.end_enrolment(
        acting_user=c.caseworker, enrolment=c.enrolment, ended_on=D(2025, 1, 1), status="benefit"
    ),
    "record_follow_up": lambda c: actions.record_follow_up(
        acting_user=c.caseworker, enrolment=c.enrolment, measured_on=D(2025, 1, 1), status="benefit"
    ),
}


@pytest.mark.parametrize("name", INVALID)
def test_an_action_that_fails_validation_writes_no_change_log_row(case, name):
    before = ChangeLog.objects.count()
    with pytest.raises(ValidationError):
        INVALID[name](case)
    assert ChangeLog.objects.count() == before


def test_the_change_and_its_audit_row_are_one_transaction(case, monkeypatch):
    def broken_log(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(actions, "log_change", broken_log)
    contacts = Contact.objects.count()
    with pytest.raises(RuntimeError):
        actions.log_contact(acting_user=case.alice, enrolment=case.enrolment, kind="phone", occurred_on=D(2025, 4, 1))
    with pytest.raises(RuntimeError):
        actions.end_placement(
            acting_user=case.alice, placement=case.placement, ended_on=D(2025, 4, 1), reason="completed"
        )
    assert Contact.objects.count() == contacts
    case.placement.refresh_from_db()
    case.enrolment.refresh_from_db()
    assert case.placement.ended_on is None
    assert case.enrolment.current_step == Step.IN_COMPANY
    assert list(case.enrolment.step_changes.values_list("step", flat=True)) == [Step.CLARIFICATION, Step.IN_COMPANY]
