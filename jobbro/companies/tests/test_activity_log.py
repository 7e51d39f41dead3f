"""The company activity log: visits, calls, agreements and follow-ups count towards "last contact" and "who is in
contact"; a note on an activity naming citizens is a case note."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import Action, ChangeLog
from jobbro.cases.models import Contact
from jobbro.companies import actions
from jobbro.companies.models import CompanyActivity, CompanyContact
from jobbro.conftest import make_company
from jobbro.reporting import company_facts, track_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAYS = datetime.timedelta(days=1)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def record(user, company, programme, **extra):
    values = {"kind": CompanyActivity.Kind.VISIT, "occurred_on": TODAY - 3 * DAYS} | extra
    return actions.record_company_activity(acting_user=user, company=company, programme=programme, **values)


def test_a_job_broker_records_a_visit_with_a_contact_person_and_a_colleague(alice, bob, company, programme):
    contact = CompanyContact.objects.create(company=company, name="Karen Køkkenchef")
    activity = record(alice, company, programme, contacts=[contact], staff=[bob], note="Talked about the summer.")
    assert list(activity.contacts.all()) == [contact]
    assert set(activity.staff.all()) == {alice, bob}
    entry = ChangeLog.objects.get(action=Action.RECORD_COMPANY_ACTIVITY, object_id=str(activity.pk))
    assert entry.changes["contacts"] == [contact.pk]
    assert "summer" not in str(entry.changes)  # the note is never copied to the log


def test_the_activity_counts_as_the_last_contact_and_puts_staff_in_contact(alice, bob, company, programme):
    before = track_record.company_track_records(company, [programme], on=TODAY)[0]
    assert before.last_contact_on is None
    assert before.in_contact == []
    record(alice, company, programme, occurred_on=TODAY - 5 * DAYS, staff=[bob])
    after = track_record.company_track_records(company, [programme], on=TODAY)[0]
    assert after.last_contact_on == TODAY - 5 * DAYS
    assert set(after.in_contact) == {alice, bob}
    # The stored track records (the companies list) are marked stale by the write and agree once caught up.
    stored = company_facts.track_records([company.pk], [programme], on=TODAY)[company.pk][0]
    assert stored.last_contact_on == TODAY - 5 * DAYS
    assert company_facts.stale([company.pk], on=TODAY) == []


def test_the_later_of_a_citizen_contact_and_an_activity_is_the_last_contact(
    alice, alices_enrolment, company, programme
):
    Contact.objects.create(
        enrolment=alices_enrolment, company=company, kind=Contact.Kind.COMPANY_VISIT, occurred_on=TODAY - 10 * DAYS
    )
    record(alice, company, programme, occurred_on=TODAY - 20 * DAYS)
    assert track_record.company_track_records(company, [programme], on=TODAY)[0].last_contact_on == TODAY - 10 * DAYS
    record(alice, company, programme, occurred_on=TODAY - 2 * DAYS, kind=CompanyActivity.Kind.CALL)
    assert track_record.company_track_records(company, [programme], on=TODAY)[0].last_contact_on == TODAY - 2 * DAYS
    # As of an earlier date, the later call has not happened yet; only the activity counts before the contact.
    earlier = track_record.company_track_records(company, [programme], on=TODAY - 15 * DAYS)[0]
    assert earlier.last_contact_on == TODAY - 20 * DAYS


def test_an_activity_long_ago_puts_nobody_in_contact_but_is_the_last_contact(alice, company, programme):
    record(alice, company, programme, occurred_on=TODAY - (track_record.CONTACT_DAYS + 1) * DAYS)
    result = track_record.company_track_records(company, [programme], on=TODAY)[0]
    assert result.in_contact == []
    assert result.last_contact_on == TODAY - (track_record.CONTACT_DAYS + 1) * DAYS


def test_an_activity_in_another_programme_does_not_count_here(charlie, company, programme, other_programme):
    record(charlie, company, other_programme)
    assert track_record.company_track_records(company, [programme], on=TODAY)[0].last_contact_on is None


def test_the_company_page_shows_the_activity_and_the_last_contact(client, alice, company, programme):
    english(client)
    record(alice, company, programme, occurred_on=TODAY - 4 * DAYS, kind=CompanyActivity.Kind.FOLLOW_UP)
    client.force_login(alice)
    page = client.get(reverse("company_detail", kwargs={"pk": company.pk})).content.decode()
    assert 'data-kind="follow_up"' in page
    assert (TODAY - 4 * DAYS).strftime("%m/%d/%Y") in page or (TODAY - 4 * DAYS).strftime("%d.%m.%Y") in page
    assert f'data-user="{alice.pk}"' in page  # in contact


def test_the_form_records_an_activity(client, alice, company, programme):
    contact = CompanyContact.objects.create(company=company, name="Karen Køkkenchef")
    client.force_login(alice)
    address = reverse("company_activity_new", kwargs={"pk": company.pk})
    assert client.get(address).status_code == 200
    response = client.post(
        address,
        {
            "programme": programme.pk,
            "kind": "call",
            "occurred_on": (TODAY - DAYS).isoformat(),
            "contacts": [contact.pk],
            "note": "Ringede om et nyt småjob.",
        },
    )
    assert response.status_code == 302
    activity = CompanyActivity.objects.get(company=company)
    assert (activity.kind, activity.occurred_on, list(activity.staff.all())) == ("call", TODAY - DAYS, [alice])


@pytest.mark.parametrize("who", ["manager", "evaluator"])
def test_who_may_not_record_gets_404_and_the_action_refuses(client, staff, company, programme, who):
    user = getattr(staff, who)
    client.force_login(user)
    assert client.get(reverse("company_activity_new", kwargs={"pk": company.pk})).status_code == 404
    with pytest.raises(PermissionDenied):
        record(user, company, programme)
    assert not CompanyActivity.objects.exists()


def test_an_outsider_cannot_record_in_another_programme(charlie, company, programme):
    with pytest.raises(PermissionDenied):
        record(charlie, company, programme)


def test_the_action_refuses_what_does_not_belong(alice, charlie, charlies_enrolment, company, programme):
    stranger = CompanyContact.objects.create(company=make_company("Andet ApS"), name="Ole Anden")
    with pytest.raises(ValidationError) as refused:
        record(alice, company, programme, contacts=[stranger])
    assert "contacts" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(alice, company, programme, citizens=[charlies_enrolment.citizen])
    assert "citizens" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(alice, company, programme, staff=[charlie])
    assert "staff" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(alice, company, programme, occurred_on=TODAY + DAYS)
    assert "occurred_on" in refused.value.message_dict
    assert not CompanyActivity.objects.exists()


def test_a_note_naming_a_citizen_is_a_case_note(client, alice, coordinator, alices_enrolment, company, programme):
    record(alice, company, programme, citizens=[alices_enrolment.citizen], note="Hemmelig sagsnote om borgeren")
    record(alice, company, programme, kind=CompanyActivity.Kind.AGREEMENT, note="Aftale om to småjob")
    address = reverse("company_detail", kwargs={"pk": company.pk})
    client.force_login(alice)  # may read notes
    page = client.get(address).content.decode()
    assert "Hemmelig sagsnote" in page and "Aftale om to småjob" in page
    client.force_login(coordinator)  # sees the company, may not read notes
    page = client.get(address).content.decode()
    assert "Hemmelig sagsnote" not in page
    assert "Aftale om to småjob" in page  # a note about no citizen is not a case note
    assert "data-note-hidden" in page
