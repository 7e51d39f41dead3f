"""Links for people without an account: issued and revoked by staff, stored as a digest, refused alike when unknown,
expired or revoked, showing each audience exactly its own data, confirming and correcting hours, proposing small jobs,
and writing the read-access log."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobbro.accounts.models import Role
from jobbro.audit.models import AccessLog, Action, ChangeLog
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Milestone, PlacementKind, Timesheet
from jobbro.companies.models import CompanyContact, Opening
from jobbro.conftest import ALICES_CPR, BOBS_CPR, make_user
from jobbro.logfilters import StripQueryStrings, without_query_strings
from jobbro.people import actions as people_actions
from jobbro.portal import actions, links
from jobbro.portal.models import AccessLink, Audience, PendingOpening
from jobbro.portal.views import last_monday

pytestmark = pytest.mark.django_db

CASE_NOTE = "Fortrolig note om misbrug"


@pytest.fixture
def setting(world, company, buddy, start, caseworker):
    """Alice's citizen Mette and Bob's citizen Ahmed both work at Café Havnen; Birgit is Mette's buddy only. Last week's
    hours are registered for both; Mette has a plan with a case note in its title and a job goal in her own words."""
    today = timezone.localdate()
    monday = last_monday(today)
    contact = CompanyContact.objects.create(company=company, name="Kim Kontakt")
    mette = start(world.alices_enrolment, buddy=buddy, starts_on=monday - datetime.timedelta(days=21))
    ahmed = start(world.bobs_enrolment, starts_on=monday - datetime.timedelta(days=21))
    hours = {}
    for placement, ordinary in ((mette, 7), (ahmed, 12)):
        hours[placement.pk] = case_actions.register_hours(
            acting_user=caseworker, placement=placement, week_start=monday, ordinary_hours=ordinary, internship_hours=0
        )
    plan = case_actions.create_job_plan(
        acting_user=caseworker, enrolment=world.alices_enrolment, title=CASE_NOTE, created_on=today
    )
    case_actions.add_milestone(
        acting_user=caseworker, plan=plan, kind=Milestone.Kind.COURSE, due_on=today + datetime.timedelta(days=20)
    )
    people_actions.set_job_goal(
        acting_user=caseworker, citizen=world.alices_citizen, text=CASE_NOTE + " mål", set_on=today
    )
    world.contact, world.buddy, world.mette, world.ahmed, world.hours = contact, buddy, mette, ahmed, hours
    world.monday = monday
    return world


def issue(user, audience, target):
    return links.issue(acting_user=user, audience=audience, target=target)


def path_of(url):
    return url.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in url else "/" + url.split("/", 3)[3]


def anonymous():
    return Client()


# --- Issuing, the digest, refusals ---------------------------------------------------------------------------------


def test_only_the_digest_of_the_token_is_stored(setting):
    link, url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    stored = AccessLink.objects.filter(pk=link.pk).values().get()
    assert token not in str(stored)
    assert stored["digest"] == links.digest(token) != token
    assert links.resolve(token) == link
    change = ChangeLog.objects.get(action=Action.ISSUE_ACCESS_LINK)
    assert token not in str(change.changes) and change.citizen_ref == setting.alices_citizen.pk
    assert link.expires_at - link.created_at == datetime.timedelta(days=30)


def test_an_unknown_an_expired_and_a_revoked_link_are_refused_alike(setting):
    _expired, expired_url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    AccessLink.objects.filter(pk=_expired.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    revoked, revoked_url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    links.revoke(acting_user=setting.alice, link=revoked)
    unknown = reverse("portal", kwargs={"token": "x" * 43})
    pages = {}
    for name, path in (("expired", path_of(expired_url)), ("revoked", path_of(revoked_url)), ("unknown", unknown)):
        response = anonymous().get(path)
        pages[name] = response
        assert "Dette link virker ikke længere" in response.content.decode()
        assert "Mette" not in response.content.decode()
    assert pages["unknown"].status_code == 404
    assert pages["expired"].status_code == pages["revoked"].status_code == 410
    # The same page: only the status differs.
    assert pages["expired"].content == pages["revoked"].content == pages["unknown"].content


def test_revoking_works_at_once(setting):
    link, url = issue(setting.bob, Audience.BUDDY, setting.buddy)
    assert anonymous().get(path_of(url)).status_code == 200
    client = Client()
    client.force_login(setting.coordinator)
    response = client.post(
        reverse("company_portal_links", kwargs={"pk": setting.buddy.company_id}), {"do": "revoke", "link": link.pk}
    )
    assert response.status_code == 302
    assert anonymous().get(path_of(url)).status_code == 410
    assert ChangeLog.objects.filter(action=Action.REVOKE_ACCESS_LINK, object_id=str(link.pk)).exists()
    # The hours cannot be confirmed with it either.
    sheet = setting.hours[setting.mette.pk]
    refused = anonymous().post(path_of(url) + "hours/", {"timesheet": sheet.pk, "decision": "confirm"})
    assert refused.status_code == 410
    sheet.refresh_from_db()
    assert sheet.company_confirmed_at is None


def test_who_may_issue_and_revoke(setting):
    # Caseworkers, mentors, managers and evaluators may not; a job broker only for citizens in reach.
    for user in (setting.caseworker, setting.mentor, setting.manager, setting.evaluator):
        with pytest.raises(PermissionDenied):
            issue(user, Audience.CITIZEN, setting.bobs_citizen)
    with pytest.raises(PermissionDenied):
        issue(setting.charlie, Audience.CITIZEN, setting.bobs_citizen)
    with pytest.raises(ValidationError):  # Café Havnen has no agreement with Charlie's programme
        issue(setting.charlie, Audience.BUDDY, setting.buddy)
    link, _url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    with pytest.raises(PermissionDenied):
        links.revoke(acting_user=setting.charlie, link=link)
    with pytest.raises(ValidationError):  # Kim is no buddy
        issue(setting.alice, Audience.BUDDY, setting.contact)
    # The pages: 404 for those without the capability.
    for user in (setting.caseworker, setting.manager):
        client = Client()
        client.force_login(user)
        assert (
            client.get(reverse("citizen_portal_links", kwargs={"citizen_pk": setting.alices_citizen.pk})).status_code
            == 404
        )


def test_issuing_on_the_citizen_page_shows_the_link_once(setting):
    client = Client()
    client.force_login(setting.alice)
    page = reverse("citizen_portal_links", kwargs={"citizen_pk": setting.alices_citizen.pk})
    response = client.post(page, {"do": "issue"})
    assert response.status_code == 200
    url = response.context["new_url"]
    assert url.startswith("http://testserver/link/")
    assert url in response.content.decode()
    again = client.get(page)
    assert url not in again.content.decode()
    assert anonymous().get(path_of(url)).status_code == 200


# --- What each audience sees ---------------------------------------------------------------------------------------


def test_a_buddy_sees_only_their_placements_by_first_name(setting):
    _link, url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    response = anonymous().get(path_of(url))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mette" in html and "Sørensen" not in html
    assert "Ahmed" not in html and "Hassan" not in html  # not Birgit's buddy placement
    assert ALICES_CPR not in html and ALICES_CPR.replace("-", "") not in html and BOBS_CPR not in html
    assert CASE_NOTE not in html
    assert "Henvist efter samtale" not in html  # the referral text
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"] and 'name="robots" content="noindex' in html
    # No way into jobbro from the page.
    assert "/citizens/" not in html and "/companies/" not in html and 'href="/"' not in html


def test_a_company_contact_sees_the_company_s_placements_in_the_programme(setting, charlies_enrolment, start, charlie):
    start(charlies_enrolment, acting_user=charlie, starts_on=setting.monday - datetime.timedelta(days=7))
    _link, url = issue(setting.coordinator, Audience.COMPANY_CONTACT, setting.contact)
    html = anonymous().get(path_of(url)).content.decode()
    assert "Mette" in html and "Ahmed" in html
    assert "Karen" not in html  # another programme's citizen at the same company
    assert "Sørensen" not in html and "Hassan" not in html
    assert "Birgit Buddy" in html  # Mette's buddy


def test_a_citizen_sees_their_plan_hours_and_nothing_else(setting):
    _link, url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    response = anonymous().get(path_of(url))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hej Mette" in html
    assert "Du arbejder i en virksomhed" in html  # step 3 in plain words
    assert "Kursus" in html  # the next milestone by its kind
    assert 'id="hours-table"' in html and "7" in html
    assert CASE_NOTE not in html  # the plan's title and the job goal in her own words are case notes
    assert ALICES_CPR not in html and ALICES_CPR.replace("-", "") not in html
    assert (
        "Ahmed" not in html
        and "Sørensen" not in html
        and "Café Havnen" not in html.split('id="meetings"')[0].split('id="plan"')[0]
    )
    assert "Henvist efter samtale" not in html


def test_a_citizen_link_opens_no_company_page(setting):
    _link, url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    assert anonymous().get(path_of(url) + "small-job/").status_code == 410
    sheet = setting.hours[setting.mette.pk]
    assert anonymous().post(path_of(url) + "hours/", {"timesheet": sheet.pk, "decision": "confirm"}).status_code == 410


# --- Hours: confirmed, corrected, accepted -------------------------------------------------------------------------


def test_a_buddy_confirms_last_week_s_hours_and_the_job_broker_sees_it(setting):
    link, url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    sheet = setting.hours[setting.mette.pk]
    response = anonymous().post(path_of(url) + "hours/", {"timesheet": sheet.pk, "decision": "confirm"})
    assert response.status_code == 302 and response["Location"].endswith("?done=confirmed")
    sheet.refresh_from_db()
    assert sheet.confirmed_by_company and sheet.company_confirmed_by_link == link
    assert sheet.ordinary_hours == 7
    assert ChangeLog.objects.filter(action=Action.CONFIRM_HOURS_BY_COMPANY, object_id=str(sheet.pk), user=None).exists()
    client = Client()
    client.force_login(setting.alice)
    page = client.get(
        reverse("placement_detail", kwargs={"citizen_pk": setting.alices_citizen.pk, "pk": setting.mette.pk})
    )
    assert "Bekræftet af virksomheden" in page.content.decode()
    citizen_page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": setting.alices_citizen.pk}))
    assert 'data-company="confirmed"' in citizen_page.content.decode()


def test_a_buddy_cannot_confirm_another_buddy_s_placement(setting):
    _link, url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    ahmeds = setting.hours[setting.ahmed.pk]
    response = anonymous().post(path_of(url) + "hours/", {"timesheet": ahmeds.pk, "decision": "confirm"})
    assert response.status_code == 400
    ahmeds.refresh_from_db()
    assert ahmeds.company_confirmed_at is None
    link = AccessLink.objects.get()
    with pytest.raises(PermissionDenied):
        case_actions.confirm_hours_by_company(link=link, timesheet=ahmeds)


def test_a_correction_waits_beside_the_registration_until_the_job_broker_accepts_it(setting):
    _link, url = issue(setting.coordinator, Audience.COMPANY_CONTACT, setting.contact)
    sheet = setting.hours[setting.mette.pk]
    prefix = f"t{sheet.pk}-"
    bad = anonymous().post(
        path_of(url) + "hours/", {"timesheet": sheet.pk, "decision": "correct", prefix + "ordinary_hours": "75"}
    )
    assert bad.status_code == 400
    response = anonymous().post(
        path_of(url) + "hours/", {"timesheet": sheet.pk, "decision": "correct", prefix + "ordinary_hours": "9,5"}
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.ordinary_hours == 7  # the registration is not overwritten
    assert sheet.company_corrected_hours == Decimal("9.5") and sheet.company_correction_pending
    assert not sheet.confirmed_by_company
    client = Client()
    client.force_login(setting.alice)
    detail = reverse("placement_detail", kwargs={"citizen_pk": setting.alices_citizen.pk, "pk": setting.mette.pk})
    html = client.get(detail).content.decode()
    assert "Rettet af virksomheden" in html and "9,5" in html
    citizen_page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": setting.alices_citizen.pk}))
    assert 'data-company="corrected"' in citizen_page.content.decode()
    # Neither the caseworker's colleague at another programme nor a manager may accept it.
    for user in (setting.charlie, setting.manager):
        other = Client()
        other.force_login(user)
        accept = reverse("citizen_accept_company_hours", kwargs={"citizen_pk": setting.alices_citizen.pk})
        assert other.post(accept, {"timesheet": sheet.pk}).status_code == 404
    sheet.refresh_from_db()
    assert sheet.ordinary_hours == 7
    response = client.post(
        reverse("citizen_accept_company_hours", kwargs={"citizen_pk": setting.alices_citizen.pk}),
        {"timesheet": sheet.pk},
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.ordinary_hours == Decimal("9.5") and not sheet.company_correction_pending
    assert sheet.confirmed_by_company
    assert ChangeLog.objects.filter(action=Action.ACCEPT_COMPANY_CORRECTION, user=setting.alice).exists()
    assert "Bekræftet af virksomheden" in client.get(detail).content.decode()


def test_registering_other_hours_takes_the_company_s_confirmation_off(setting):
    link, _url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    sheet = case_actions.confirm_hours_by_company(link=link, timesheet=setting.hours[setting.mette.pk])
    assert sheet.confirmed_by_company
    case_actions.register_hours(
        acting_user=setting.alice,
        placement=setting.mette,
        week_start=setting.monday,
        ordinary_hours=3,
        internship_hours=0,
    )
    sheet.refresh_from_db()
    assert sheet.company_confirmed_at is None


def test_the_hours_page_shows_the_company_s_word(setting):
    link, _url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    case_actions.confirm_hours_by_company(link=link, timesheet=setting.hours[setting.mette.pk])
    client = Client()
    client.force_login(setting.alice)
    html = client.get(reverse("week_hours")).content.decode()
    assert "Bekræftet af virksomheden" in html


# --- Small jobs proposed through a link ----------------------------------------------------------------------------


def propose(url, **data):
    values = {
        "title": "Opvask fredag",
        "description": "Opvask og oprydning",
        "weekly_hours": "6",
        "starts_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
    }
    values.update(data)
    return anonymous().post(path_of(url) + "small-job/", values)


def test_a_proposed_small_job_waits_for_the_coordinator_and_is_approved_into_an_opening(setting):
    _link, url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    assert propose(url, weekly_hours="99").status_code == 400
    assert propose(url).status_code == 302
    pending = PendingOpening.objects.get()
    assert pending.status == PendingOpening.Status.PENDING
    assert not Opening.objects.filter(title="Opvask fredag").exists()
    # Job brokers and managers cannot decide it.
    for user in (setting.alice, setting.manager):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("portal_proposed_openings")).status_code == 404
        assert (
            client.post(reverse("portal_proposed_openings"), {"pending": pending.pk, "decision": "approve"}).status_code
            == 404
        )
    with pytest.raises(PermissionDenied):
        actions.approve_proposed_opening(acting_user=setting.alice, pending=pending)
    coordinator = Client()
    coordinator.force_login(setting.coordinator)
    assert "Opvask fredag" in coordinator.get(reverse("portal_proposed_openings")).content.decode()
    response = coordinator.post(reverse("portal_proposed_openings"), {"pending": pending.pk, "decision": "approve"})
    assert response.status_code == 302
    pending.refresh_from_db()
    opening = Opening.objects.get(title="Opvask fredag")
    assert pending.status == PendingOpening.Status.APPROVED and pending.opening == opening
    assert opening.company == setting.buddy.company and opening.buddy == setting.buddy
    assert opening.weekly_hours == 6 and opening.status == Opening.Status.OPEN
    assert ChangeLog.objects.filter(action=Action.ADD_OPENING, object_id=str(opening.pk)).exists()
    assert ChangeLog.objects.filter(action=Action.APPROVE_PROPOSED_OPENING).exists()
    with pytest.raises(ValidationError):
        actions.reject_proposed_opening(acting_user=setting.coordinator, pending=pending)


def test_a_rejected_small_job_is_not_posted_and_another_programme_s_coordinator_cannot_decide(setting, other_programme):
    _link, url = issue(setting.coordinator, Audience.COMPANY_CONTACT, setting.contact)
    propose(url, title="Lagerarbejde")
    pending = PendingOpening.objects.get()
    outsider = Client()
    outsider.force_login(make_user("olga", Role.COORDINATOR, programme=other_programme))
    assert "Lagerarbejde" not in outsider.get(reverse("portal_proposed_openings")).content.decode()
    refused = outsider.post(reverse("portal_proposed_openings"), {"pending": pending.pk, "decision": "approve"})
    assert refused.status_code == 400
    pending.refresh_from_db()
    assert pending.status == PendingOpening.Status.PENDING
    coordinator = Client()
    coordinator.force_login(setting.coordinator)
    coordinator.post(reverse("portal_proposed_openings"), {"pending": pending.pk, "decision": "reject"})
    pending.refresh_from_db()
    assert pending.status == PendingOpening.Status.REJECTED and pending.decided_by == setting.coordinator
    assert not Opening.objects.filter(title="Lagerarbejde").exists()
    assert ChangeLog.objects.filter(action=Action.REJECT_PROPOSED_OPENING, user=setting.coordinator).exists()


# --- The read log and the logs' lines ------------------------------------------------------------------------------


def test_every_use_is_in_the_read_log_naming_the_link(setting):
    link, url = issue(setting.coordinator, Audience.COMPANY_CONTACT, setting.contact)
    before = AccessLog.objects.count()
    anonymous().get(path_of(url))
    rows = AccessLog.objects.all()[: AccessLog.objects.count() - before]
    assert {row.citizen_id for row in rows} == {setting.alices_citizen.pk, setting.bobs_citizen.pk}
    assert all(row.user is None and f"link #{link.pk}" in row.view and row.status_code == 200 for row in rows)
    link.refresh_from_db()
    assert link.last_used_at is not None
    citizen_link, citizen_url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    anonymous().get(path_of(citizen_url))
    assert AccessLog.objects.filter(citizen=setting.alices_citizen, view__contains=f"link #{citizen_link.pk}").exists()
    links.revoke(acting_user=setting.alice, link=citizen_link)
    anonymous().get(path_of(citizen_url))
    assert AccessLog.objects.filter(view__contains=f"link #{citizen_link.pk}", status_code=410).exists()


def test_the_token_never_reaches_a_log_line(setting):
    _link, url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    token = url.rstrip("/").rsplit("/", 1)[1]
    line = f'"GET /link/{token}/hours/?done=1 HTTP/1.1" 200'
    assert token not in without_query_strings(line) and "/link/[token]/hours/" in without_query_strings(line)
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s', (f"GET /link/{token}/ HTTP/1.1", 410), None
    )
    StripQueryStrings().filter(record)
    assert token not in record.getMessage()


def test_the_internship_kind_shows_internship_hours_to_correct(setting, start, refer, alice):
    enrolment = refer(first_name="Ib", last_name="Praktik", job_broker=alice)
    placement = start(
        enrolment,
        kind=PlacementKind.INTERNSHIP,
        buddy=setting.buddy,
        starts_on=setting.monday - datetime.timedelta(days=14),
        agreed_ordinary_hours=None,
        no_hours_reason="Praktik først",
    )
    sheet = case_actions.register_hours(
        acting_user=alice, placement=placement, week_start=setting.monday, ordinary_hours=0, internship_hours=10
    )
    link, url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    case_actions.correct_hours_by_company(link=link, timesheet=sheet, ordinary_hours="0", internship_hours="12")
    sheet.refresh_from_db()
    assert sheet.company_corrected_internship_hours == 12 and sheet.internship_hours == 10
    assert Timesheet.objects.get(pk=sheet.pk).company_correction_pending


def test_the_next_meeting_is_shown_to_the_company_and_the_citizen_without_its_internal_note(setting):
    from jobbro.meetings.models import Meeting, MeetingState

    now = timezone.now()

    def meeting(enrolment, days, **extra):
        values = {"address": "Havnegade 1", **extra}
        return Meeting.objects.create(
            programme=enrolment.programme,
            kind="three_month_talk",
            starts_at=now + datetime.timedelta(days=days),
            ends_at=now + datetime.timedelta(days=days, hours=1),
            enrolment=enrolment,
            company=setting.buddy.company,
            organizer=setting.alice,
            note="Intern note om sagen",
            **values,
        )

    meeting(setting.alices_enrolment, 3)
    meeting(setting.alices_enrolment, 1, state=MeetingState.CANCELLED)
    meeting(setting.bobs_enrolment, 2, address="Ahmeds adresse")
    _link, buddy_url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    html = anonymous().get(path_of(buddy_url)).content.decode()
    next_meeting = html.split('class="jb-next-meeting"')[1].split("</dd>")[0]
    assert "Tremånederssamtale" in next_meeting or "Three-month talk" in next_meeting
    assert "Havnegade 1" in next_meeting
    assert "Intern note" not in html and "Ahmeds adresse" not in html
    _link, citizen_url = issue(setting.alice, Audience.CITIZEN, setting.alices_citizen)
    html = anonymous().get(path_of(citizen_url)).content.decode()
    meetings = html.split('id="meetings"')[1].split("</section>")[0]
    assert meetings.count('class="jb-meeting"') == 1 and "Havnegade 1" in meetings
    assert "Intern note" not in html and "Ahmeds adresse" not in html


def test_a_company_writes_a_week_nobody_has_registered_and_only_once(setting):
    Timesheet.objects.filter(placement=setting.mette).delete()
    link, url = issue(setting.coordinator, Audience.BUDDY, setting.buddy)
    page = anonymous().get(path_of(url)).content.decode()
    assert f'id="report-{setting.mette.pk}"' in page
    field = f"p{setting.mette.pk}-ordinary_hours"
    assert (
        anonymous().post(path_of(url) + "hours/", {"placement": setting.mette.pk, "decision": "report", field: "61"})
    ).status_code == 400
    # Birgit is not Ahmed's buddy: his placement is not hers to write.
    ahmed_field = f"p{setting.ahmed.pk}-ordinary_hours"
    refused = anonymous().post(
        path_of(url) + "hours/", {"placement": setting.ahmed.pk, "decision": "report", ahmed_field: "4"}
    )
    assert refused.status_code == 400
    response = anonymous().post(
        path_of(url) + "hours/", {"placement": setting.mette.pk, "decision": "report", field: "8,5"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?done=reported")
    sheet = Timesheet.objects.get(placement=setting.mette, week_start=setting.monday)
    assert sheet.ordinary_hours == Decimal("8.5") and sheet.registered_by is None
    assert sheet.confirmed_by_company and sheet.company_confirmed_by_link == link
    assert ChangeLog.objects.filter(action=Action.REGISTER_HOURS, object_id=str(sheet.pk), user=None).exists()
    with pytest.raises(ValidationError):
        case_actions.report_hours_by_company(
            link=link, placement=setting.mette, week_start=setting.monday, ordinary_hours="3"
        )
    client = Client()
    client.force_login(setting.alice)
    assert "Bekræftet af virksomheden" in client.get(reverse("week_hours")).content.decode()


def test_a_citizen_who_withdraws_consent_to_sharing_data_leaves_the_company_s_page(setting):
    _link, url = issue(setting.coordinator, Audience.COMPANY_CONTACT, setting.contact)
    people_actions.withdraw_consent(
        acting_user=setting.alice,
        citizen=setting.alices_citizen,
        kind="data_sharing",
        on=timezone.localdate(),
        manner="oral",
    )
    html = anonymous().get(path_of(url)).content.decode()
    assert "Ahmed" in html and "Mette" not in html
    # Nor can the company confirm her hours through the link any longer.
    sheet = setting.hours[setting.mette.pk]
    response = anonymous().post(path_of(url) + "hours/", {"timesheet": sheet.pk, "decision": "confirm"})
    assert response.status_code == 400
    sheet.refresh_from_db()
    assert not sheet.confirmed_by_company
