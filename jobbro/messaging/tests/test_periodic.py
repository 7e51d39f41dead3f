"""The fortnightly small-jobs list and the reminders of missing hours, through the worker to a real SMTP server."""

import datetime
import io
import zoneinfo

import pytest
from django.test import Client
from openpyxl import load_workbook

from jobbro.cases import actions as case_actions
from jobbro.companies.models import CompanyContact
from jobbro.conftest import make_opening
from jobbro.messaging import actions, periodic, tasks
from jobbro.messaging.models import Message, Subscription

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
# A Monday that starts a fortnight (counted from Monday 1 January 2024).
FORTNIGHT = datetime.date(2025, 3, 10)


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=CPH)


@pytest.fixture
def contact(company):
    return CompanyContact.objects.create(company=company, name="Kim Kontakt", email="kim@cafe-havnen.dk")


@pytest.fixture
def openings(company, programme, buddy):
    return [
        make_opening(company, programme, "Opvask", weekly_hours=7.5, days=("mon", "wed"), buddy=buddy),
        make_opening(company, programme, "Lagerhjælp", weekly_hours=10),
    ]


def test_fortnight_starts_are_two_weeks_apart_and_mondays():
    assert periodic.fortnight_start(FORTNIGHT) == FORTNIGHT
    assert periodic.fortnight_start(FORTNIGHT + datetime.timedelta(days=13)) == FORTNIGHT
    assert periodic.fortnight_start(FORTNIGHT + datetime.timedelta(days=14)) == FORTNIGHT + datetime.timedelta(days=14)
    assert periodic.fortnight_start(FORTNIGHT - datetime.timedelta(days=1)).isoweekday() == 1


def test_the_small_jobs_list_goes_once_a_fortnight_to_every_subscriber_with_the_jobs_and_an_unsubscribe_link(
    programme, coordinator, contact, openings, smtp_server
):
    actions.subscribe(acting_user=coordinator, programme=programme, email="Kim@Cafe-Havnen.dk")
    actions.subscribe(acting_user=coordinator, programme=programme, email="Netvaerk@Example.dk")
    assert Subscription.objects.get(email="kim@cafe-havnen.dk").contact == contact  # the address is Kim's
    assert Subscription.objects.get(email="netvaerk@example.dk").contact is None
    assert periodic.send_small_jobs_lists(at(FORTNIGHT, hour=6)) == 0  # before the hour on the first Monday
    assert periodic.send_small_jobs_lists(at(FORTNIGHT)) == 2
    assert periodic.send_small_jobs_lists(at(FORTNIGHT + datetime.timedelta(days=3))) == 0  # same fortnight
    tasks.sweep()
    tasks.sweep()
    assert sorted(m["To"] for m in smtp_server.messages) == ["kim@cafe-havnen.dk", "netvaerk@example.dk"]
    received = next(m for m in smtp_server.messages if m["To"] == "kim@cafe-havnen.dk")
    text = next(p for p in received.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "Hej Kim Kontakt" in text
    assert "- Opvask – Café Havnen, Aarhus (7,5 timer om ugen, man, ons)" in text
    assert "Lagerhjælp" in text
    assert str(received["List-Unsubscribe"]).strip().startswith("<http://127.0.0.1:8000/messages/unsubscribe/")
    assert "kim" not in str(received["List-Unsubscribe"])  # the address is not in the link
    sheet = next(p for p in received.walk() if p.get_filename() and p.get_filename().endswith(".xlsx"))
    rows = list(load_workbook(io.BytesIO(sheet.get_payload(decode=True))).active.values)
    assert {row[0] for row in rows[2:]} == {"Opvask", "Lagerhjælp"}
    # The next fortnight: sent again.
    assert periodic.send_small_jobs_lists(at(FORTNIGHT + datetime.timedelta(days=14))) == 2


def test_the_unsubscribe_link_works_without_login_and_stops_the_next_list(
    programme, coordinator, contact, openings, smtp_server
):
    actions.subscribe(acting_user=coordinator, programme=programme, contact=contact)
    periodic.send_small_jobs_lists(at(FORTNIGHT))
    message = Message.objects.get()
    link = message.unsubscribe_url
    assert link and link in message.body
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client()
    page = anonymous.get("/" + path)
    assert page.status_code == 200
    assert not Subscription.objects.filter(ended_at__isnull=False).exists()  # asking is not unsubscribing
    done = anonymous.post("/" + path)
    assert done.status_code == 200 and b"unsubscribed" in done.content
    assert Subscription.objects.get().ended_at is not None
    assert periodic.send_small_jobs_lists(at(FORTNIGHT + datetime.timedelta(days=14))) == 0
    # Subscribing again by staff lifts the opt-out.
    actions.subscribe(acting_user=coordinator, programme=programme, contact=contact)
    assert periodic.send_small_jobs_lists(at(FORTNIGHT + datetime.timedelta(days=14))) == 1


def test_a_forged_unsubscribe_link_is_not_found(db):
    assert Client().get("/messages/unsubscribe/not-a-token/").status_code == 404


def test_a_programme_without_open_small_jobs_sends_no_list(programme, coordinator, contact):
    actions.subscribe(acting_user=coordinator, programme=programme, contact=contact)
    assert periodic.send_small_jobs_lists(at(FORTNIGHT)) == 0
    assert not Message.objects.exists()


# --- Reminders of missing hours --------------------------------------------------------------------------------


@pytest.fixture
def placement(alices_enrolment, start, buddy, contact, company):
    buddy.email = "birgit@cafe-havnen.dk"
    buddy.save()
    return start(alices_enrolment, buddy=buddy, starts_on=datetime.date(2025, 3, 10))


WEEK = datetime.date(2025, 3, 17)  # last week, seen from Tuesday 25 March
TUESDAY = at(datetime.date(2025, 3, 25))


def test_a_missing_timesheet_reminds_the_buddy_and_the_contact_person_once(placement, smtp_server, settings):
    settings.HOURS_REMINDER_LINK_ISSUER = ""
    assert periodic.remind_missing_hours(at(datetime.date(2025, 3, 24))) == 0  # Monday: not yet
    assert periodic.remind_missing_hours(TUESDAY) == 2
    assert periodic.remind_missing_hours(TUESDAY + datetime.timedelta(hours=3)) == 0
    tasks.sweep()
    assert sorted(m["To"] for m in smtp_server.messages) == ["birgit@cafe-havnen.dk", "kim@cafe-havnen.dk"]
    text = smtp_server.messages[0].get_payload(decode=True).decode()
    assert "Mette" in text and "uge 12" in text and "Sørensen" not in text
    assert "afmeld" in text  # a reminder carries an unsubscribe link
    messages = Message.objects.filter(purpose="hours_reminder")
    assert {m.citizen_id for m in messages} == {placement.enrolment.citizen_id}
    assert {m.company_id for m in messages} == {placement.company_id}


def test_no_reminder_when_the_hours_are_written(placement, alice, smtp_server):
    case_actions.register_hours(
        acting_user=alice, placement=placement, week_start=WEEK, ordinary_hours=8, internship_hours=0
    )
    assert periodic.remind_missing_hours(TUESDAY) == 0


def test_a_contact_with_only_a_phone_is_reminded_by_sms(placement, contact, settings, tmp_path):
    settings.SMS_FILE = tmp_path / "sms.jsonl"
    settings.HOURS_REMINDER_LINK_ISSUER = ""
    contact.email = ""
    contact.phone = "20 30 40 50"
    contact.save()
    periodic.remind_missing_hours(TUESDAY)
    sms = Message.objects.get(channel="sms")
    assert sms.to == "20 30 40 50" and "uge 12" in sms.body
    tasks.execute(sms.pk)
    assert "Mette" in settings.SMS_FILE.read_text()


def test_a_buddy_who_opted_out_of_reminders_gets_none(placement):
    actions.opt_out(address="birgit@cafe-havnen.dk", purpose="hours_reminder")
    periodic.remind_missing_hours(TUESDAY)
    assert list(Message.objects.values_list("to", flat=True)) == ["kim@cafe-havnen.dk"]


def test_the_reminder_holds_a_link_to_write_the_hours_issued_in_the_job_brokers_name(placement, smtp_server):
    from jobbro.portal.models import AccessLink

    periodic.remind_missing_hours(TUESDAY)
    tasks.sweep()
    links = AccessLink.objects.filter(created_by=placement.enrolment.job_broker)
    assert {link.audience for link in links} == {"buddy", "company_contact"}
    texts = [m.get_payload(decode=True).decode() for m in smtp_server.messages]
    assert all(text.count("http://127.0.0.1:8000/") == 2 for text in texts)  # the hours link and the unsubscribe link


def test_a_reminder_for_a_case_whose_job_broker_may_not_issue_links_goes_without_one(
    bobs_enrolment, start, buddy, smtp_server, mentor
):
    from jobbro.cases.models import Enrolment
    from jobbro.portal.models import AccessLink

    Enrolment.objects.filter(pk=bobs_enrolment.pk).update(job_broker=mentor)  # a mentor issues no links
    buddy.email = "birgit@cafe-havnen.dk"
    buddy.save()
    start(bobs_enrolment, buddy=buddy, starts_on=datetime.date(2025, 3, 10))
    assert periodic.remind_missing_hours(TUESDAY) == 1
    assert not AccessLink.objects.exists()
    assert "Send venligst timerne til jobformidleren" in Message.objects.get().body


def test_the_reminder_job_run_again_asks_the_same_few_queries_however_many_placements(
    placement, refer, start, buddy, django_assert_max_num_queries, settings
):
    settings.HOURS_REMINDER_LINK_ISSUER = ""
    for n in range(4):
        start(refer(first_name=f"Borger{n}"), buddy=buddy, starts_on=datetime.date(2025, 3, 10))
    assert periodic.remind_missing_hours(TUESDAY) == 10
    with django_assert_max_num_queries(4):
        assert periodic.remind_missing_hours(TUESDAY + datetime.timedelta(minutes=1)) == 0
