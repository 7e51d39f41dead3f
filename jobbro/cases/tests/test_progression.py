"""The self-assessment on a tablet: a one-time invitation (link or code), a questionnaire that shows nothing of the
case, scores saved with the invitation used in one go, code guessing stopped, and the scores on the citizen page."""

import datetime
import hashlib
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends import db as db_cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases import actions, progression_views
from jobbro.cases.models import ProgressionAssessment, ProgressionInvitation
from jobbro.conftest import ALICES_CPR, REFERRED_ON

DIMENSIONS = ProgressionAssessment.DIMENSIONS
GOOD_ANSWERS = {
    "work_ability": 4,
    "keep_job_ability": 5,
    "physical_health": 6,
    "mental_health": 3,
    "sleep": 7,
    "family_relations": 8,
    "belief_in_job_chances": 9,
}
TOKEN_ALPHABET = re.compile(r"^[A-Za-z0-9_-]{32,}$")


@pytest.fixture(autouse=True)
def _fresh_counts(db):
    """Wrong codes are counted per device and per minute in the shared cache; every test starts with none."""
    caches["shared"].clear()


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


def english(client, user=None):
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def invite_url(enrolment):
    return reverse("self_assessment_invite", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def paper_url(enrolment):
    return reverse("self_assessment_paper", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def tablet_url(token):
    return reverse("self_assessment", kwargs={"token": token})


CODE_URL = "/vurdering/"


def invite(enrolment, user, **kwargs):
    return actions.invite_to_self_assessment(acting_user=user, enrolment=enrolment, **kwargs)


def shown_token_and_code(html):
    """The link's token and the code as the invitation page shows them to the staff member."""
    token = re.search(r'action="/vurdering/([A-Za-z0-9_-]+)/start/"', html).group(1)
    code = re.search(r'id="invitation-code">(\d{3}) (\d{3})<', html)
    return token, code.group(1) + code.group(2)


def assert_shows_nothing_of_the_case(html, enrolment):
    citizen = enrolment.citizen
    assert citizen.last_name not in html
    assert ALICES_CPR[:6] not in html and ALICES_CPR.replace("-", "") not in html and ALICES_CPR[-4:] not in html
    assert "misbrug" not in html and enrolment.referral_text not in html
    assert enrolment.programme.name not in html and enrolment.site.name not in html
    leaving = [href for href in re.findall(r'<a [^>]*href="([^"]*)"', html) if not href.startswith("#")]
    assert not leaving, "the tablet pages have no links out of the page"
    assert "<a " not in html.replace('<a href="#id_', ""), "only the error summary's links to the questions"
    assert "<nav" not in html and "jb-header" not in html


# --- Inviting ---------------------------------------------------------------------------------------------------


def test_the_invitation_page_shows_the_link_and_a_six_digit_code_and_stores_only_hashes(client, enrolment, alice):
    response = english(client, alice).post(invite_url(enrolment))

    assert response.status_code == 200
    html = response.content.decode()
    token, code = shown_token_and_code(html)
    assert TOKEN_ALPHABET.match(token) and len(code) == 6
    assert "http://testserver/vurdering/" in html
    assert "Open on this device" in html
    assert "no-store" in response.headers["Cache-Control"]
    invitation = ProgressionInvitation.objects.get()
    assert invitation.enrolment == enrolment and invitation.created_by == alice
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.code_hash == ProgressionInvitation.hash_code(code) != hashlib.sha256(code.encode()).hexdigest()
    stored = " ".join(str(v) for v in ProgressionInvitation.objects.values_list().get())
    assert token not in stored and code not in stored
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(hours=2)
    log = ChangeLog.objects.get(action="invite_to_self_assessment")
    assert (log.user, log.citizen_ref, log.object_id) == (alice, enrolment.citizen_id, str(invitation.pk))
    assert token not in str(log.changes) and code not in str(log.changes)


def test_the_token_is_random_and_carries_nothing_of_the_citizen(enrolment, alice):
    tokens = {invite(enrolment, alice)[1] for _ in range(5)}
    assert len(tokens) == 5
    citizen = enrolment.citizen
    for token in tokens:
        assert TOKEN_ALPHABET.match(token) and len(token) >= 32
        for personal in (citizen.first_name, citizen.last_name, ALICES_CPR[:6], str(citizen.pk) * 3):
            assert personal.lower() not in token.lower()


def test_inviting_is_a_post(client, enrolment, alice):
    assert english(client, alice).get(invite_url(enrolment)).status_code == 405
    assert not ProgressionInvitation.objects.exists()


def test_a_new_invitation_ends_the_earlier_one(client, enrolment, alice):
    _first, old_token, old_code = invite(enrolment, alice)
    invite(enrolment, alice)
    assert client.get(tablet_url(old_token)).status_code == 410
    assert client.post(CODE_URL, {"code": old_code}).status_code == 400


@pytest.mark.parametrize("who", ["charlie", "coordinator", "manager", "evaluator", "outside_caseworker", "mentor"])
def test_roles_without_case_work_on_the_enrolment_get_a_404_and_nothing_is_made(client, world, who):
    """The mentor is not on Mette's case; charlie and the outside caseworker work elsewhere; the rest do no case work."""
    user = getattr(world, who)
    client.force_login(user)
    enrolment = world.alices_enrolment
    assert client.post(invite_url(enrolment)).status_code == 404
    assert client.get(paper_url(enrolment)).status_code == 404
    assert client.post(paper_url(enrolment), {"assessed_on": REFERRED_ON, **GOOD_ANSWERS}).status_code == 404
    assert not ProgressionInvitation.objects.exists() and not ProgressionAssessment.objects.exists()
    assert not ChangeLog.objects.filter(action__contains="self_assessment").exists()
    assert AccessLog.objects.filter(user=user, citizen_ref=enrolment.citizen_id, status_code=404).count() == 3
    with pytest.raises(PermissionDenied):
        invite(enrolment, user)


def test_the_caseworker_and_a_two_in_one_mentor_may_invite(client, world):
    client.force_login(world.caseworker)
    assert client.post(invite_url(world.alices_enrolment)).status_code == 200
    client.force_login(world.mentor)
    assert client.post(invite_url(world.mentors_enrolment)).status_code == 200
    assert ProgressionInvitation.objects.count() == 2


# --- The questionnaire by link ------------------------------------------------------------------------------------


def test_by_link_the_answers_are_saved_as_today_and_the_invitation_used(client, enrolment, alice):
    invitation, token, _code = invite(enrolment, alice)
    english(client)

    page = client.get(tablet_url(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hello Mette" in html
    assert html.count('type="radio"') == 70
    assert "no-store" in page.headers["Cache-Control"] and page.headers["Referrer-Policy"] == "same-origin"
    assert_shows_nothing_of_the_case(html, enrolment)
    read = AccessLog.objects.get(view="self_assessment")
    assert (read.user, read.citizen_ref, read.status_code) == (None, enrolment.citizen_id, 200)

    sent = client.post(tablet_url(token), GOOD_ANSWERS)
    assert sent.status_code == 302 and sent.url == reverse("self_assessment_thanks")
    assessment = ProgressionAssessment.objects.get()
    assert assessment.enrolment == enrolment and assessment.assessed_on == timezone.localdate()
    assert {d: getattr(assessment, d) for d in DIMENSIONS} == GOOD_ANSWERS
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.assessment == assessment
    log = ChangeLog.objects.get(action="submit_self_assessment")
    assert (log.user, log.citizen_ref, log.object_id) == (None, enrolment.citizen_id, str(assessment.pk))
    assert log.changes["invited_by"] == alice.pk and "sleep" not in log.changes

    thanks = client.get(sent.url)
    assert thanks.status_code == 200
    assert "hand the tablet back" in thanks.content.decode()
    assert_shows_nothing_of_the_case(thanks.content.decode(), enrolment)


def test_a_used_link_is_refused_and_saves_nothing_more(client, enrolment, alice):
    _invitation, token, _code = invite(enrolment, alice)
    english(client).post(tablet_url(token), GOOD_ANSWERS)

    again = client.get(tablet_url(token))
    assert again.status_code == 410
    assert "already been filled in" in again.content.decode()
    assert client.post(tablet_url(token), {**GOOD_ANSWERS, "sleep": 1}).status_code == 410
    assert ProgressionAssessment.objects.get().sleep == GOOD_ANSWERS["sleep"]
    with pytest.raises(ValidationError) as refused:
        actions.submit_self_assessment(token=token, scores=GOOD_ANSWERS)
    assert refused.value.code == "used"
    assert ProgressionAssessment.objects.count() == 1


def test_an_expired_link_is_refused_and_saves_nothing(client, enrolment, alice):
    three_hours_ago = timezone.now() - datetime.timedelta(hours=3)
    _invitation, token, code = invite(enrolment, alice, now=three_hours_ago)
    english(client)
    page = client.get(tablet_url(token))
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert client.post(tablet_url(token), GOOD_ANSWERS).status_code == 410
    assert client.post(CODE_URL, {"code": code}).status_code == 400
    assert not ProgressionAssessment.objects.exists()
    assert ProgressionInvitation.objects.get().used_at is None


def test_a_link_just_inside_its_two_hours_still_works(client, enrolment, alice):
    _invitation, token, _code = invite(enrolment, alice, now=timezone.now() - datetime.timedelta(minutes=119))
    assert client.post(tablet_url(token), GOOD_ANSWERS).status_code == 302
    assert ProgressionAssessment.objects.count() == 1


def test_an_unknown_link_is_a_404_with_a_clear_message(client, enrolment, alice):
    invite(enrolment, alice)
    response = english(client).get(tablet_url("x" * 43))
    assert response.status_code == 404
    assert "not valid" in response.content.decode() and "<a " not in response.content.decode()


@pytest.mark.parametrize("bad", [{"sleep": "11"}, {"sleep": "0"}, {"sleep": "5.5"}, {"sleep": ""}])
def test_a_score_outside_1_to_10_is_refused_with_the_question_named_and_nothing_saved(client, enrolment, alice, bad):
    _invitation, token, _code = invite(enrolment, alice)
    response = english(client).post(tablet_url(token), {**GOOD_ANSWERS, **bad})

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["sleep"]
    html = response.content.decode()
    assert 'id="id_sleep-error"' in html and "How well do you sleep?" in html
    # The error summary links to the question's first button, which is there.
    assert 'href="#id_sleep_0"' in html and 'id="id_sleep_0"' in html
    assert not ProgressionAssessment.objects.exists()
    assert ProgressionInvitation.objects.get().used_at is None
    assert_shows_nothing_of_the_case(html, enrolment)


def test_the_action_refuses_a_score_outside_1_to_10_naming_each_field(enrolment, alice):
    _invitation, token, _code = invite(enrolment, alice)
    with pytest.raises(ValidationError) as refused:
        actions.submit_self_assessment(token=token, scores={**GOOD_ANSWERS, "sleep": 11, "mental_health": 0})
    assert set(refused.value.message_dict) == {"sleep", "mental_health"}
    assert not ProgressionAssessment.objects.exists()
    assert ProgressionInvitation.objects.get().used_at is None
    # The invitation is still open: the corrected answers are taken.
    assert actions.submit_self_assessment(token=token, scores=GOOD_ANSWERS).sleep == 7


# --- The questionnaire by code ------------------------------------------------------------------------------------


def test_a_right_code_opens_the_questionnaire_once_and_the_link_stops_working(client, enrolment, alice):
    _invitation, old_token, code = invite(enrolment, alice)
    page = english(client).get(CODE_URL)
    assert page.status_code == 200
    assert_shows_nothing_of_the_case(page.content.decode(), enrolment)

    opened = client.post(CODE_URL, {"code": f"{code[:3]} {code[3:]}"})
    assert opened.status_code == 302
    new_token = opened.url.split("/")[-2]
    assert TOKEN_ALPHABET.match(new_token) and new_token != old_token
    assert client.get(opened.url).status_code == 200
    assert client.get(tablet_url(old_token)).status_code == 404, "the link shown to staff no longer opens it"
    assert (
        ChangeLog.objects.filter(action="open_self_assessment_by_code", citizen_ref=enrolment.citizen_id).count() == 1
    )

    other_device = english(type(client)())
    assert other_device.post(CODE_URL, {"code": code}).status_code == 400, "a code opens one questionnaire"

    assert client.post(opened.url, GOOD_ANSWERS).status_code == 302
    assert ProgressionAssessment.objects.filter(enrolment=enrolment).count() == 1


def test_a_wrong_code_is_refused_with_a_clear_message(client, enrolment, alice):
    _invitation, _token, code = invite(enrolment, alice)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = english(client).post(CODE_URL, {"code": wrong})
    assert response.status_code == 400
    assert "The code is wrong or no longer valid" in response.content.decode()
    assert client.post(CODE_URL, {"code": "12ab56"}).status_code == 400
    assert ProgressionInvitation.objects.get().code_hash == ProgressionInvitation.hash_code(code)


def test_five_wrong_codes_lock_the_device_even_for_the_right_code(client, enrolment, alice):
    _invitation, _token, code = invite(enrolment, alice)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    english(client)
    statuses = [client.post(CODE_URL, {"code": wrong}).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]

    locked = client.post(CODE_URL, {"code": code})
    assert locked.status_code == 429
    assert "Too many wrong codes" in locked.content.decode()
    assert client.get(CODE_URL).status_code == 429
    assert ProgressionInvitation.objects.get().code_hash, "the right code was not taken while locked"


def test_the_device_lock_ends_after_15_minutes(client, enrolment, alice, monkeypatch):
    _invitation, _token, code = invite(enrolment, alice)
    for _ in range(5):
        client.post(CODE_URL, {"code": "000000" if code != "000000" else "111111"})
    assert client.post(CODE_URL, {"code": code}).status_code == 429
    later = timezone.now() + datetime.timedelta(seconds=progression_views.LOCK_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(db_cache, "tz_now", lambda: later)  # the shared cache expires its counts by this clock
    assert client.post(CODE_URL, {"code": code}).status_code == 302


def test_a_locked_device_does_not_lock_another_device_at_the_same_address(client, enrolment, alice):
    """A job centre's tablets share one address behind its proxy: each device is counted by its own cookie."""
    _invitation, _token, code = invite(enrolment, alice)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        client.post(CODE_URL, {"code": wrong}, REMOTE_ADDR="10.1.1.1")
    assert client.get(CODE_URL, REMOTE_ADDR="10.1.1.1").status_code == 429

    other_tablet = type(client)()
    assert other_tablet.get(CODE_URL, REMOTE_ADDR="10.1.1.1").status_code == 200
    assert other_tablet.post(CODE_URL, {"code": code}, REMOTE_ADDR="10.1.1.1").status_code == 302


def test_the_device_is_known_by_a_signed_cookie_it_cannot_forge(client, enrolment, alice):
    _invitation, _token, code = invite(enrolment, alice)
    first = client.get(CODE_URL)
    cookie = first.cookies[progression_views.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == progression_views.DEVICE_COOKIE_MAX_AGE
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        client.post(CODE_URL, {"code": wrong})
    assert client.get(CODE_URL).status_code == 429
    forged = type(client)()
    forged.cookies[progression_views.DEVICE_COOKIE] = cookie.value.rsplit(":", 1)[0] + ":forged"
    response = forged.get(CODE_URL)
    assert response.status_code == 200, "a forged cookie is a new device, not the locked one"
    assert response.cookies[progression_views.DEVICE_COOKIE].value != cookie.value


def test_a_code_guessed_at_from_many_devices_is_locked(client, enrolment, alice, monkeypatch):
    """A new device costs only a new cookie, so each code has a budget of wrong codes typed while it is open."""
    monkeypatch.setattr(progression_views, "WRONG_CODES_PER_CODE", 6)
    _invitation, token, code = invite(enrolment, alice)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert [type(client)().post(CODE_URL, {"code": wrong}).status_code for _ in range(6)] == [400] * 6

    honest_tablet = english(type(client)())
    locked = honest_tablet.post(CODE_URL, {"code": code})
    assert locked.status_code == 429
    assert "This code can no longer be typed" in locked.content.decode()
    assert ProgressionInvitation.objects.get().code_hash == ProgressionInvitation.hash_code(code), "not taken"
    assert honest_tablet.get(tablet_url(token)).status_code == 200, "the link still opens it"


def test_an_open_code_is_not_locked_below_its_budget(client, enrolment, alice, monkeypatch):
    monkeypatch.setattr(progression_views, "WRONG_CODES_PER_CODE", 6)
    _invitation, _token, code = invite(enrolment, alice)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        type(client)().post(CODE_URL, {"code": wrong})
    assert type(client)().post(CODE_URL, {"code": code}).status_code == 302


def test_the_counts_are_shared_by_every_server_process(client, enrolment, alice):
    """Each server process has its own memory; the counts are in the database, which they share."""
    _invitation, _token, code = invite(enrolment, alice)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        client.post(CODE_URL, {"code": wrong})
    caches["default"].clear()  # what another process would see of this one's memory: nothing
    assert client.post(CODE_URL, {"code": code}).status_code == 429
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(settings.SHARED_CACHE_TABLE)}")
        assert cursor.fetchone()[0] == 2, "one count for the device, one for the minute"


# --- Open on this device ------------------------------------------------------------------------------------------


def test_open_on_this_device_logs_the_staff_member_out_before_the_citizen_gets_the_tablet(client, enrolment, alice):
    token, _code = shown_token_and_code(english(client, alice).post(invite_url(enrolment)).content.decode())
    handover = client.post(reverse("self_assessment_handover", kwargs={"token": token}))
    assert handover.status_code == 302 and handover.url == tablet_url(token)
    assert "_auth_user_id" not in client.session
    citizen_page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id}))
    assert citizen_page.status_code == 302 and "/login/" in citizen_page.url
    assert client.get(handover.url).status_code == 200
    assert client.post(handover.url, GOOD_ANSWERS).status_code == 302
    assert ProgressionAssessment.objects.get().enrolment == enrolment


# --- A paper questionnaire typed in -------------------------------------------------------------------------------


def test_a_paper_questionnaire_is_typed_in_with_its_date(client, enrolment, alice):
    english(client, alice)
    assert client.get(paper_url(enrolment)).status_code == 200
    day = REFERRED_ON + datetime.timedelta(days=10)
    response = client.post(paper_url(enrolment), {"assessed_on": day.isoformat(), **GOOD_ANSWERS})
    assert response.status_code == 302
    assessment = ProgressionAssessment.objects.get()
    assert assessment.assessed_on == day and assessment.belief_in_job_chances == 9
    log = ChangeLog.objects.get(action="record_self_assessment")
    assert (log.user, log.citizen_ref, log.changes["via"]) == (alice, enrolment.citizen_id, "paper")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sleep": "11"}, "sleep"),
        ({"work_ability": "0"}, "work_ability"),
        ({"assessed_on": "2100-01-01"}, "assessed_on"),
        ({"assessed_on": (REFERRED_ON - datetime.timedelta(days=1)).isoformat()}, "assessed_on"),
    ],
)
def test_a_paper_questionnaire_out_of_range_is_refused_next_to_the_field(client, enrolment, alice, change, field):
    data = {"assessed_on": (REFERRED_ON + datetime.timedelta(days=3)).isoformat(), **GOOD_ANSWERS, **change}
    response = english(client, alice).post(paper_url(enrolment), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not ProgressionAssessment.objects.exists()
    assert not ChangeLog.objects.filter(action="record_self_assessment").exists()


# --- The scores on the citizen page -------------------------------------------------------------------------------


def citizen_page(client, user, enrolment):
    english(client, user)
    return client.get(reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id}))


def assess(enrolment, user, days, **scores):
    return actions.record_self_assessment(
        acting_user=user,
        enrolment=enrolment,
        assessed_on=REFERRED_ON + datetime.timedelta(days=days),
        scores={**GOOD_ANSWERS, **scores},
    )


def test_the_citizen_page_shows_each_assessment_and_a_chart_from_two(client, enrolment, alice):
    first = assess(enrolment, alice, 1, sleep=2)
    html = citizen_page(client, alice, enrolment).content.decode()
    assert f'data-assessment="{first.pk}"' in html
    assert re.search(r'<tr data-dimension="sleep"><th scope="row">Sleep</th><td class="jb-num">2</td></tr>', html)
    assert "<svg" not in html, "one assessment is no line"
    assert f'id="self-assessment-tablet-{enrolment.pk}"' in html

    assess(enrolment, alice, 30, sleep=6)
    response = citizen_page(client, alice, enrolment)
    html = response.content.decode()
    assert html.count("data-assessment=") == 2
    assert re.search(
        r'<tr data-dimension="sleep"><th scope="row">Sleep</th><td class="jb-num">2</td><td class="jb-num">6</td></tr>',
        html,
    )
    assert html.count("<svg") == 1 and "jb-progression-chart" in html
    summary = response.context["progression_summaries"][0]
    assert [a.sleep for a in summary.assessments] == [2, 6]


@pytest.mark.parametrize("who", ["manager", "coordinator"])
def test_managers_and_coordinators_see_the_page_but_not_the_scores_nor_the_buttons(client, world, who):
    enrolment = world.alices_enrolment
    assess(enrolment, world.alice, 1, sleep=2)
    assess(enrolment, world.alice, 9, sleep=3)
    response = citizen_page(client, getattr(world, who), enrolment)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-assessment=" not in html and "<svg" not in html
    assert "self-assessment-tablet-" not in html and "self-assessment-paper-" not in html
    assert "data-progression=" not in html, "no empty section either"


def test_evaluators_do_not_see_the_citizen_page(client, world):
    assess(world.alices_enrolment, world.alice, 1)
    assert citizen_page(client, world.evaluator, world.alices_enrolment).status_code == 404
