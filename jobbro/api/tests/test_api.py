"""The JSON API: tokens and scopes, the who-may-what table's reach, the same actions as the pages, the read log,
CPR, incremental sync, errors in Danish and English, and the rate limit."""

import datetime

import pytest
from django.utils import timezone

from jobbro.api import actions
from jobbro.api.models import Integration, Scope
from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Contact, Placement, PlacementKind, StepChange, Timesheet
from jobbro.conftest import BOBS_CPR, make_cpr

pytestmark = pytest.mark.django_db

V1 = "/api/v1/"


# --- Authentication and scopes ------------------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(client, world):
    response = client.get(V1 + "citizens/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_a_signed_in_session_is_no_way_into_the_api(client, world):
    client.force_login(world.caseworker)
    assert client.get(V1 + "citizens/").status_code == 401


def test_a_wrong_token_is_401(world, token_for):
    api = token_for(world.caseworker)
    api.headers["Authorization"] = "Bearer jbr_" + "x" * 43
    assert api.get(V1 + "citizens/").status_code == 401


def test_a_revoked_token_is_401_from_the_next_request(world, token_for):
    api = token_for(world.caseworker)
    assert api.get(V1 + "citizens/").status_code == 200
    actions.revoke_integration(acting_user=world.administrator, integration=api.integration)
    assert api.get(V1 + "citizens/").status_code == 401
    assert ChangeLog.objects.filter(action="revoke_integration", object_id=str(api.integration.pk)).exists()


def test_an_expired_token_is_401(world, token_for):
    api = token_for(world.caseworker)
    Integration.objects.filter(pk=api.integration.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api.get(V1 + "citizens/").status_code == 401


def test_a_deactivated_service_user_is_401(world, token_for):
    api = token_for(world.caseworker)
    world.caseworker.is_active = False
    world.caseworker.save()
    assert api.get(V1 + "citizens/").status_code == 401


def test_a_token_without_the_scope_is_403_and_its_use_is_recorded(world, token_for):
    api = token_for(world.caseworker, Scope.COMPANIES_READ)
    response = api.get(V1 + "citizens/")
    assert response.status_code == 403
    assert "citizens:read" in response.json()["detail"]
    assert api.post(V1 + "companies/", {}).status_code == 403
    assert api.get(V1 + "companies/").status_code == 200
    assert Integration.objects.get(pk=api.integration.pk).last_used_at is not None


def test_only_the_digest_of_the_token_is_stored(world, token_for):
    api = token_for(world.caseworker)
    stored = Integration.objects.filter(pk=api.integration.pk).values().get()
    assert api.token not in str(stored)
    assert stored["prefix"] == api.token[:12]


def test_only_an_administrator_creates_an_integration(world):
    with pytest.raises(actions.PermissionDenied):
        actions.create_integration(
            acting_user=world.coordinator, name="BI", user=world.manager, scopes=["reports:read"]
        )


def test_an_integration_needs_a_name_scopes_and_an_active_user(world):
    world.manager.is_active = False
    with pytest.raises(actions.ValidationError) as refused:
        actions.create_integration(acting_user=world.administrator, name=" ", user=world.manager, scopes=["nope"])
    assert set(refused.value.message_dict) == {"name", "scopes", "user"}


# --- Reach: the who-may-what table, misses and denials alike ------------------------------------------------------


def test_the_job_broker_sees_only_the_citizens_of_her_site(world, token_for):
    api = token_for(world.alice)
    ids = {row["id"] for row in api.get(V1 + "citizens/").json()["results"]}
    assert world.alices_citizen.pk in ids
    assert world.randers_citizen.pk not in ids and world.charlies_citizen.pk not in ids


def test_the_outsider_gets_404_on_another_programme_s_records(world, token_for, start):
    placement = start(world.alices_enrolment)
    api = token_for(world.charlie)
    assert api.get(f"{V1}citizens/{world.alices_citizen.pk}/").status_code == 404
    assert api.get(f"{V1}enrolments/{world.alices_enrolment.pk}/").status_code == 404
    assert api.get(f"{V1}placements/{placement.pk}/").status_code == 404
    assert api.get(f"{V1}citizens/999999/").status_code == 404
    response = api.post(f"{V1}placements/{placement.pk}/hours/", {"week_start": "2025-03-03", "ordinary_hours": "5"})
    assert response.status_code == 404
    assert not Timesheet.objects.exists()


def test_a_role_without_the_capability_gets_404_whatever_the_token_allows(world, token_for):
    api = token_for(world.evaluator)  # reports, never names
    assert api.get(V1 + "citizens/").status_code == 404
    assert api.get(f"{V1}citizens/{world.alices_citizen.pk}/").status_code == 404
    assert api.get(V1 + "reports/").status_code == 200


def test_an_action_s_denial_is_404(world, token_for, company):
    api = token_for(world.manager)  # reads citizens, but does no case work
    response = api.post(
        V1 + "contacts/",
        {"enrolment": world.alices_enrolment.pk, "kind": "phone", "occurred_on": "2025-03-03"},
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_a_record_out_of_reach_in_a_request_body_is_refused_like_one_that_does_not_exist(world, token_for):
    api = token_for(world.charlie)
    response = api.post(
        V1 + "contacts/", {"enrolment": world.alices_enrolment.pk, "kind": "phone", "occurred_on": "2025-03-03"}
    )
    missing = api.post(V1 + "contacts/", {"enrolment": 999999, "kind": "phone", "occurred_on": "2025-03-03"})
    assert response.status_code == missing.status_code == 400
    assert response.json()["enrolment"] == [
        message.replace("999999", str(world.alices_enrolment.pk)) for message in missing.json()["enrolment"]
    ]


# --- The same actions as the pages --------------------------------------------------------------------------------


def test_registering_hours_writes_what_the_hours_page_writes(world, token_for, start):
    placement = start(world.alices_enrolment)
    monday = placement.starts_on - datetime.timedelta(days=placement.starts_on.weekday()) + datetime.timedelta(days=7)
    api = token_for(world.alice, Scope.HOURS_WRITE)
    response = api.post(
        f"{V1}placements/{placement.pk}/hours/", {"week_start": monday.isoformat(), "ordinary_hours": "7.5"}
    )
    assert response.status_code == 200, response.json()
    sheet = Timesheet.objects.get(placement=placement, week_start=monday)
    assert response.json()["ordinary_hours"] == "7.5" and response.json()["id"] == sheet.pk
    assert sheet.registered_by == world.alice
    row = ChangeLog.objects.get(action="register_hours")
    assert (row.user, row.object_type, row.object_id, row.citizen_ref) == (
        world.alice,
        "timesheet",
        str(sheet.pk),
        world.alices_citizen.pk,
    )
    # The same week through the action itself changes the row the API wrote: one record, one write path.
    case_actions.register_hours(
        acting_user=world.alice, placement=placement, week_start=monday, ordinary_hours=8, internship_hours=0
    )
    assert Timesheet.objects.get(pk=sheet.pk).ordinary_hours == 8


def test_starting_and_ending_a_placement_moves_the_steps_as_on_the_page(world, token_for, company):
    api = token_for(world.alice)
    starts = world.alices_enrolment.referred_on + datetime.timedelta(days=10)
    response = api.post(
        V1 + "placements/",
        {
            "enrolment": world.alices_enrolment.pk,
            "company": company.pk,
            "kind": PlacementKind.SMALL_JOB,
            "starts_on": starts.isoformat(),
            "agreed_ordinary_hours": "10",
        },
    )
    assert response.status_code == 201, response.json()
    placement = Placement.objects.get(pk=response.json()["id"])
    assert ChangeLog.objects.filter(action="start_placement", object_id=str(placement.pk), user=world.alice).exists()
    assert StepChange.objects.filter(enrolment=world.alices_enrolment, step=3).exists()
    ended = api.post(
        f"{V1}placements/{placement.pk}/end/",
        {"ended_on": (starts + datetime.timedelta(days=30)).isoformat(), "reason": "not_a_match"},
    )
    assert ended.status_code == 200, ended.json()
    assert ended.json()["ended_on"] == (starts + datetime.timedelta(days=30)).isoformat()
    enrolment = api.get(f"{V1}enrolments/{world.alices_enrolment.pk}/").json()
    assert enrolment["current_step"] == 2 and [step["step"] for step in enrolment["steps"]] == [1, 3, 2]


def test_referring_a_citizen_through_the_api(world, token_for, programme, site):
    api = token_for(world.caseworker, Scope.CITIZENS_WRITE, Scope.CITIZENS_READ)
    referral = {
        "programme": programme.pk,
        "site": site.pk,
        "cpr_number": make_cpr(),
        "first_name": "Nora",
        "last_name": "Nybo",
        "referred_on": "2025-03-01",
        "traffic_light": "green",
    }
    response = api.post(V1 + "citizens/", referral)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "cpr_number" not in body and body["started_on"] == "2025-03-01"
    assert ChangeLog.objects.filter(action="refer_citizen", object_id=str(body["id"])).exists()
    again = api.post(V1 + "citizens/", referral)
    assert again.status_code == 400 and list(again.json()) == ["cpr_number"]
    # A job broker does not refer: the table's denial is 404, as on the page.
    assert token_for(world.alice).post(V1 + "citizens/", {**referral, "cpr_number": make_cpr()}).status_code == 404


def test_a_refusal_comes_back_as_400_with_the_field_in_danish_or_english(world, token_for, start):
    placement = start(world.alices_enrolment)
    body = {"week_start": "2025-03-03", "ordinary_hours": "70"}
    danish = token_for(world.alice).post(f"{V1}placements/{placement.pk}/hours/", body)
    english = token_for(world.alice, language="en-GB,en;q=0.9").post(f"{V1}placements/{placement.pk}/hours/", body)
    assert danish.status_code == english.status_code == 400
    assert danish["Content-Language"] == "da" and english["Content-Language"] == "en"
    field = next(iter(english.json()))
    assert danish.json()[field] != english.json()[field]
    assert not Timesheet.objects.exists()


def test_a_step_change_is_the_case_page_s_action(world, token_for):
    api = token_for(world.alice, Scope.CASES_WRITE)
    response = api.post(f"{V1}enrolments/{world.alices_enrolment.pk}/step/", {"step": 2, "on": "2025-03-10"})
    assert response.status_code == 200, response.json()
    assert ChangeLog.objects.filter(action="change_step", object_id=str(world.alices_enrolment.pk)).exists()
    assert (
        api.post(f"{V1}enrolments/{world.alices_enrolment.pk}/step/", {"step": 4, "on": "2025-03-10"}).status_code
        == 400
    )


def test_companies_and_small_jobs_are_written_by_the_network_s_actions(world, token_for, programme):
    from jobbro.conftest import make_cvr

    coordinator = token_for(world.coordinator)
    company = coordinator.post(
        V1 + "companies/", {"cvr": make_cvr(), "name": "Kantinen", "industry_code": "561010", "kind": "private"}
    )
    assert company.status_code == 201, company.json()
    opening = coordinator.post(
        V1 + "openings/",
        {
            "company": company.json()["id"],
            "programme": programme.pk,
            "title": "Opvask",
            "tasks": "Opvask om formiddagen",
            "weekly_hours": "6",
            "posted_on": "2025-03-01",
            "days": ["tue", "mon"],
        },
    )
    assert opening.status_code == 201, opening.json()
    assert opening.json()["days"] == ["mon", "tue"]
    assert ChangeLog.objects.filter(action="add_opening", object_id=str(opening.json()["id"])).exists()
    # A job broker reads companies but does not manage the network.
    assert (
        token_for(world.alice)
        .post(V1 + "companies/", {"cvr": make_cvr(), "name": "X", "industry_code": "561010", "kind": "private"})
        .status_code
        == 404
    )


# --- The read log and CPR -----------------------------------------------------------------------------------------


def test_every_citizen_read_is_logged_with_the_integration(world, token_for):
    api = token_for(world.alice)
    api.get(V1 + "citizens/")
    api.get(f"{V1}citizens/{world.alices_citizen.pk}/")
    api.get(f"{V1}citizens/{world.charlies_citizen.pk}/")
    rows = AccessLog.objects.filter(user=world.alice)
    assert rows.filter(citizen_ref=world.alices_citizen.pk, status_code=200).count() == 2
    assert rows.filter(citizen_ref=world.charlies_citizen.pk, status_code=404).count() == 1
    assert all(f"integration #{api.integration.pk}" in row.view for row in rows)


def test_the_cpr_number_is_never_in_a_citizen_and_revealed_only_with_the_capability(world, token_for):
    caseworker = token_for(world.caseworker)
    body = caseworker.get(f"{V1}citizens/{world.bobs_citizen.pk}/").content.decode()
    assert BOBS_CPR.replace("-", "") not in body and BOBS_CPR not in body
    revealed = caseworker.post(f"{V1}citizens/{world.bobs_citizen.pk}/reveal-cpr/")
    assert revealed.json() == {"citizen": world.bobs_citizen.pk, "cpr_number": BOBS_CPR}
    reveal = AccessLog.objects.get(action=AccessLog.Action.REVEAL_CPR, user=world.caseworker)
    assert (reveal.citizen_ref, reveal.status_code) == (world.bobs_citizen.pk, 200)
    # A coordinator sees the citizen but may not reveal: 404, and the refusal logged as the page logs it.
    coordinator = token_for(world.coordinator)
    assert coordinator.post(f"{V1}citizens/{world.bobs_citizen.pk}/reveal-cpr/").status_code == 404
    assert AccessLog.objects.filter(
        action=AccessLog.Action.REVEAL_CPR, user=world.coordinator, status_code=403
    ).exists()
    # Without the cpr:reveal scope the token is refused before anything is shown.
    assert (
        token_for(world.caseworker, Scope.CITIZENS_READ)
        .post(f"{V1}citizens/{world.bobs_citizen.pk}/reveal-cpr/")
        .status_code
        == 403
    )


def test_finding_a_citizen_by_cpr_only_within_reach(world, token_for):
    found = token_for(world.caseworker).post(V1 + "citizens/find-by-cpr/", {"cpr_number": BOBS_CPR})
    assert found.status_code == 200 and found.json()["id"] == world.bobs_citizen.pk
    assert token_for(world.charlie).post(V1 + "citizens/find-by-cpr/", {"cpr_number": BOBS_CPR}).status_code == 404


def test_notes_and_birth_dates_only_for_the_roles_that_read_them(world, token_for):
    case_actions.log_contact(
        acting_user=world.alice,
        enrolment=world.alices_enrolment,
        kind="phone",
        occurred_on=datetime.date(2025, 3, 3),
        note="Talte om søvn",
    )
    assert token_for(world.alice).get(V1 + "contacts/").json()["results"][0]["note"] == "Talte om søvn"
    assert token_for(world.manager).get(V1 + "contacts/").json()["results"][0]["note"] is None
    assert token_for(world.alice).get(f"{V1}citizens/{world.alices_citizen.pk}/").json()["birth_date"] == "1990-01-01"
    assert token_for(world.manager).get(f"{V1}citizens/{world.alices_citizen.pk}/").json()["birth_date"] is None


# --- Pages of a list, incremental sync, reports, the rate limit ---------------------------------------------------


def test_lists_come_in_pages(world, token_for):
    api = token_for(world.administrator)
    first = api.get(V1 + "citizens/", {"limit": 2}).json()
    second = api.get(V1 + "citizens/", {"limit": 2, "offset": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"]
    assert not {row["id"] for row in first["results"]} & {row["id"] for row in second["results"]}


def test_a_bad_changed_since_is_400(world, token_for):
    response = token_for(world.alice, language="en").get(V1 + "citizens/", {"changed_since": "yesterday"})
    assert response.status_code == 400 and "changed_since" in response.json()


def test_a_report_s_figures_are_the_page_s(world, token_for, programme, start):
    from jobbro.api.report_json import report_data
    from jobbro.reporting.base import Scope as ReportScope
    from jobbro.reporting.registry import BY_SLUG

    start(world.alices_enrolment)
    api = token_for(world.manager, Scope.REPORTS_READ)
    listing = api.get(V1 + "reports/").json()
    assert [entry["slug"] for entry in listing][:2] == ["result-goals", "status"]
    response = api.get(V1 + "reports/status/", {"programme": programme.pk, "on": "2025-06-01"})
    assert response.status_code == 200, response.json()
    scope = ReportScope(
        programme=programme, sites=tuple(programme.sites.order_by("name")), on=datetime.date(2025, 6, 1)
    )
    assert response.json() == report_data(BY_SLUG["status"], BY_SLUG["status"].build(scope))
    assert api.get(V1 + "reports/status/", {"on": "2999-01-01"}).status_code == 400
    assert api.get(V1 + "reports/nope/").status_code == 404
    assert token_for(world.alice, Scope.REPORTS_READ).get(V1 + "reports/").status_code == 404


def test_over_the_rate_limit_is_429_with_retry_after(world, token_for, settings):
    settings.API_RATE = "3/minute"
    api = token_for(world.alice)
    answers = [api.get(V1 + "companies/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert int(api.get(V1 + "companies/")["Retry-After"]) > 0
    # Each token has its own count.
    assert token_for(world.bob).get(V1 + "companies/").status_code == 200


def test_the_api_keeps_the_security_headers(world, token_for):
    response = token_for(world.alice).get(V1 + "companies/")
    assert response["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response


def test_a_method_an_address_does_not_have_is_405(world, token_for):
    api = token_for(world.alice)
    assert api.client.put(V1 + "citizens/", {}, content_type="application/json", headers=api.headers).status_code == 405
    assert api.client.options(V1 + "citizens/", headers=api.headers).status_code == 405
    assert api.client.delete(f"{V1}citizens/{world.alices_citizen.pk}/", headers=api.headers).status_code == 405


@pytest.mark.parametrize(
    "resource", ["citizens", "enrolments", "placements", "timesheets", "contacts", "companies", "openings"]
)
def test_a_list_s_queries_do_not_grow_with_its_rows(world, token_for, start, company, buddy, resource):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jobbro.conftest import make_company, make_opening

    make_company("Kantinen")
    make_company("Lageret")

    for enrolment in (world.alices_enrolment, world.bobs_enrolment, world.randers_enrolment):
        placement = start(enrolment)
        case_actions.register_hours(
            acting_user=world.caseworker,
            placement=placement,
            week_start=placement.starts_on + datetime.timedelta(days=7),
            ordinary_hours=5,
            internship_hours=0,
        )
        case_actions.log_contact(
            acting_user=world.caseworker, enrolment=enrolment, kind="phone", occurred_on=placement.starts_on
        )
        make_opening(company, enrolment.programme, f"Job {enrolment.pk}", buddy=buddy)
    api = token_for(world.administrator)
    counts = []
    for limit in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            answer = api.get(f"{V1}{resource}/", {"limit": limit})
        assert answer.status_code == 200 and len(answer.json()["results"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{resource}: {counts}"
