"""The event pages: who may open and post what, and that the forms reach the actions."""

import pytest
from django.urls import reverse

from jobbro.companies.models import CompanyContact
from jobbro.conftest import make_company, make_opening
from jobbro.matching.models import MatchProposal
from jobbro.outreach import actions
from jobbro.outreach.models import DropInCount, Event, EventKind, RegistrationState, SpeedDatingConversation
from jobbro.outreach.tests.conftest import HOUR, moment

pytestmark = pytest.mark.django_db


def detail(event):
    return reverse("event_detail", kwargs={"pk": event.pk})


def test_the_coordinator_creates_an_event_from_the_form(client, coordinator, programme):
    client.force_login(coordinator)
    starts = moment(5)
    response = client.post(
        reverse("event_new"),
        {
            "programme": programme.pk,
            "kind": "buddy_training",
            "title": "Buddyuddannelse forår",
            "place": "Jobcentret",
            "starts_at_0": starts.date().isoformat(),
            "starts_at_1": "09:00",
            "ends_at_0": starts.date().isoformat(),
            "ends_at_1": "12:00",
            "capacity": "12",
        },
    )
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(event)
    assert (event.kind, event.capacity, event.title) == ("buddy_training", 12, "Buddyuddannelse forår")
    page = client.get(reverse("event_list")).content.decode()
    assert f'data-event="{event.pk}"' in page


@pytest.mark.parametrize("who", ["alice", "mentor", "manager"])
def test_only_who_runs_events_opens_the_new_event_form(client, staff, who):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("event_new")).status_code == 404


def test_an_evaluator_sees_no_events(client, evaluator, make_event):
    event = make_event()
    client.force_login(evaluator)
    assert client.get(reverse("event_list")).status_code == 404
    assert client.get(detail(event)).status_code == 404


def test_an_outsider_gets_404_on_an_event_of_another_programme(client, charlie, make_event):
    client.force_login(charlie)
    assert client.get(detail(make_event())).status_code == 404


def test_a_job_broker_registers_her_citizen_and_records_attendance(client, alice, alices_enrolment, make_event):
    event = make_event(days=-1)
    client.force_login(alice)
    client.post(reverse("event_register", kwargs={"pk": event.pk}), {"register-enrolment": alices_enrolment.pk})
    registration = event.registrations.get()
    assert registration.enrolment == alices_enrolment
    page = client.get(detail(event)).content.decode()
    assert alices_enrolment.citizen.full_name in page
    client.post(reverse("event_attendance", kwargs={"pk": event.pk}), {f"attended-{registration.pk}": "no"})
    registration.refresh_from_db()
    assert registration.state == RegistrationState.NO_SHOW


def test_a_manager_reads_the_event_but_cannot_post(client, manager, alice, alices_enrolment, make_event):
    event = make_event(days=-1)
    registration = actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    client.force_login(manager)
    assert client.get(detail(event)).status_code == 200
    response = client.post(reverse("event_attendance", kwargs={"pk": event.pk}), {f"attended-{registration.pk}": "yes"})
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.state == RegistrationState.REGISTERED


def test_a_job_broker_at_another_site_does_not_see_the_citizen_by_name(
    client, alice, alices_enrolment, make_event, programme, other_site
):
    from jobbro.accounts.models import Role
    from jobbro.conftest import make_user

    event = make_event(days=3)
    actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    randers = make_user("randers", Role.JOB_BROKER, programme=programme, site=other_site)
    client.force_login(randers)
    page = client.get(detail(event)).content.decode()
    assert alices_enrolment.citizen.last_name not in page


def test_drop_in_visitors_are_counted_from_the_page(client, alice, make_event):
    event = make_event(EventKind.OPEN_COUNSELLING, days=-1)
    client.force_login(alice)
    client.post(
        reverse("event_drop_in", kwargs={"pk": event.pk}),
        {"dropin-visitors": "4", "dropin-age_band": "30_49", "dropin-referred": "no"},
    )
    count = DropInCount.objects.get(event=event)
    assert (count.visitors, count.age_band, count.referred) == (4, "30_49", "no")


def test_a_named_visit_without_consent_is_refused_on_the_page(client, alice, make_event):
    event = make_event(EventKind.OPEN_COUNSELLING, days=-1)
    client.force_login(alice)
    response = client.post(reverse("event_named_visit", kwargs={"pk": event.pk}), {"name": "Fatima"})
    assert response.status_code == 200
    assert not event.named_visits.exists()


def test_mutual_interest_posted_from_the_page_proposes_a_match(
    client, coordinator, alice, alices_enrolment, make_event, programme
):
    company = make_company("Kantinen A/S", programme=programme)
    make_opening(company, programme, "Kantinemedhjælper")
    event = make_event(EventKind.SPEED_DATING, days=-1)
    actions.register(
        acting_user=coordinator, event=event, contact=CompanyContact.objects.create(company=company, name="Kim")
    )
    actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    client.force_login(coordinator)
    client.post(reverse("event_speed_dating_plan", kwargs={"pk": event.pk}), {"plan-rounds": "1"})
    conversation = SpeedDatingConversation.objects.get(event=event)
    client.force_login(alice)
    client.post(
        reverse("event_conversation_outcome", kwargs={"pk": event.pk, "conversation_pk": conversation.pk}),
        {f"c{conversation.pk}-outcome": "both"},
    )
    conversation.refresh_from_db()
    assert conversation.outcome == "both"
    assert conversation.proposal == MatchProposal.objects.get(enrolment=alices_enrolment)


def test_the_event_list_takes_as_many_queries_for_many_events_as_for_few(client, alice, alices_enrolment, make_event):
    client.force_login(alice)
    make_event(days=2)
    client.get(reverse("event_list"))  # the session and the first reads
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("event_list"))
    for days in range(3, 15):
        event = make_event(days=days)
        if days % 3 == 0:
            actions.register(acting_user=alice, event=event, enrolment=alices_enrolment)
    counselling = make_event(EventKind.OPEN_COUNSELLING, days=-1)
    actions.record_drop_in(acting_user=alice, event=counselling, visitors=3)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("event_list")).content.decode()
    assert len(many) == len(few)
    assert "3 visitors" in page or "3 besøgende" in page


def test_the_coordinator_edits_an_event_and_adds_a_course_session(client, coordinator, make_event):
    course = make_event(EventKind.GROUP_COURSE, days=3, capacity=8)
    starts = moment(10)
    client.force_login(coordinator)
    edit = reverse("event_edit", kwargs={"pk": course.pk})
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "kind": "group_course",
            "title": "Gruppeforløb forår",
            "place": "Boligsocialt hus",
            "starts_at_0": course.starts_at.date().isoformat(),
            "starts_at_1": "10:00",
            "ends_at_0": course.starts_at.date().isoformat(),
            "ends_at_1": "12:00",
            "capacity": "10",
        },
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.capacity) == ("Gruppeforløb forår", 10)
    client.post(
        reverse("event_session_new", kwargs={"pk": course.pk}),
        {
            "starts_at_0": starts.date().isoformat(),
            "starts_at_1": "10:00",
            "ends_at_0": starts.date().isoformat(),
            "ends_at_1": "12:00",
            "peer_element": "on",
            "peer_description": "Tidligere deltagere fortæller",
        },
    )
    assert course.sessions.count() == 2
    assert course.sessions.filter(peer_element=True, peer_description="Tidligere deltagere fortæller").exists()


def test_a_job_broker_may_not_edit_an_event(client, alice, make_event):
    event = make_event(days=3)
    client.force_login(alice)
    assert client.get(reverse("event_edit", kwargs={"pk": event.pk})).status_code == 404
    assert (
        client.post(reverse("event_speed_dating_plan", kwargs={"pk": event.pk}), {"plan-rounds": "2"}).status_code
        == 404
    )


@pytest.mark.parametrize("kind", EventKind.values)
def test_every_kind_of_event_page_opens_for_who_runs_and_who_registers(client, coordinator, alice, make_event, kind):
    sessions = [(moment(-2), moment(-2) + HOUR, True, "Peer")] if kind == EventKind.GROUP_COURSE else ()
    event = make_event(kind, days=-2, sessions=sessions)
    for user in (coordinator, alice):
        client.force_login(user)
        page = client.get(detail(event))
        assert page.status_code == 200
        assert f'data-kind="{kind}"' in page.content.decode()
