"""Every URL of the site × every role, compared with the role table (accounts/policy.py PAGES).

One world with a real object behind every id in every address; one test per role requests every URL pattern
and checks the answer against what the table says:

- a page the role may open answers 200, or 302 to somewhere other than the sign-in page;
- a page it may not open answers 404, exactly like a record that does not exist;
- anonymous users are sent to the sign-in page, except on the public pages;
- a POST-only page (405 on GET) is posted with an empty form: 404 for a role without the capabilities,
  anything but 404 for a role with them; a page whose submission needs more than reading it is posted too.

A page with a citizen in its address is also out of reach for a user whose scope does not cover the citizen:
the job broker at Randers gets 404 on the Aarhus citizen's pages. The test fails for a URL pattern the table
does not name. `manage.py url_matrix_count` prints the number of URL patterns × users; `pytest -s` prints the
requests made per user.
"""

import datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from jobbro.accounts import url_matrix
from jobbro.accounts.models import Membership, ResultGoal, Role
from jobbro.accounts.policy import PAGES, Capability, CitizenScope, citizen_scope, may, may_open, needs
from jobbro.accounts.url_matrix import checked_patterns
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Milestone, PlacementKind
from jobbro.companies.models import Course, KnowledgeInstitution, NetworkAgreement, Opening
from jobbro.conftest import make_opening, make_user
from jobbro.imports import schemas
from jobbro.imports.models import ImportRun
from jobbro.matching import actions as match_actions
from jobbro.people import actions as people_actions
from jobbro.people.models import CVEntry, ParallelEffort, Restriction
from jobbro.reporting.registry import BY_SLUG
from jobbro.surveys import actions as survey_actions

pytestmark = pytest.mark.django_db

# A public page asks no capability and may answer 404 (a sign-in service that is not set up, an unknown tablet
# code) or send to the sign-in page (after logging out); it must not fail.
PUBLIC_ANSWERS = ("granted", "denied", "login")

# Every report page has the same gate; this one is the quickest to build (its PDF too).
CHEAPEST_REPORT = BY_SLUG["progression"].slug

# Who plays each user of url_matrix.ROLES_CHECKED in the world (attribute names on the `world` fixture).
PLAYERS = {
    "anonymous": None,
    "job_broker": "bob",
    "job_broker_at_another_site": "randers_broker",
    "caseworker": "caseworker",
    "mentor": "mentor",
    "coordinator": "coordinator",
    "manager": "manager",
    "evaluator": "evaluator",
    "administrator": "administrator",
}


def test_every_url_pattern_has_a_name_and_an_entry_in_the_table():
    assert all(pattern.name for pattern in checked_patterns())
    missing = url_matrix.missing_from_the_table()
    assert not missing, f"URL patterns without an entry in PAGES in jobbro/accounts/policy.py: {missing}"


def test_only_django_s_own_patterns_and_the_token_only_api_are_left_out():
    left_out = {pattern.name for pattern in url_matrix.url_patterns() if url_matrix.left_out(pattern.name)}
    assert left_out and all(name.startswith(("admin:", "api:")) or name == "set_language" for name in left_out)


def test_every_user_of_the_matrix_is_played():
    assert tuple(PLAYERS) == url_matrix.ROLES_CHECKED


# --- The world ------------------------------------------------------------------------------------


@pytest.fixture
def matrix_world(world, other_site, company, buddy, programme, start, caseworker, coordinator):
    """The Aarhus citizen (bob's, with `mentor` as mentor) with something behind every id an address can hold."""
    today = timezone.localdate()
    enrolment = world.bobs_enrolment
    citizen = enrolment.citizen
    world.randers_broker = make_user(
        "rikke", Role.JOB_BROKER, programme=programme, site=other_site, last_name="Randers"
    )
    goal = people_actions.set_job_goal(acting_user=caseworker, citizen=citizen, text="Køkkenmedhjælper", set_on=today)
    entry = people_actions.add_cv_entry(
        acting_user=caseworker, citizen=citizen, kind=CVEntry.Kind.WORK, title="Opvasker"
    )
    restriction = people_actions.add_restriction(
        acting_user=caseworker, citizen=citizen, tag=Restriction.Tag.NO_HEAVY_LIFTING, recorded_on=today
    )
    effort = people_actions.add_parallel_effort(
        acting_user=caseworker, citizen=citizen, kind=ParallelEffort.Kind.PSYCHIATRIC, starts_on=today
    )
    plan = case_actions.create_job_plan(acting_user=caseworker, enrolment=enrolment, title="Plan", created_on=today)
    milestone = case_actions.add_milestone(
        acting_user=caseworker, plan=plan, kind=Milestone.Kind.INTERNSHIP, due_on=today + datetime.timedelta(days=30)
    )
    placement = start(enrolment, kind=PlacementKind.SMALL_JOB)
    opening = make_opening(company, programme, "Opvask", buddy=buddy)
    proposal = match_actions.propose_match(acting_user=coordinator, enrolment=enrolment, opening=opening)
    institution = KnowledgeInstitution.objects.create(
        name="Sprogcenter", kind=KnowledgeInstitution.Kind.LANGUAGE_SCHOOL
    )
    course = Course.objects.create(
        institution=institution, name="Dansk", subject=Course.Subject.LANGUAGE, duration_days=20
    )
    import_run = ImportRun.objects.create(
        user=coordinator, programme=programme, file_name="x.xlsx", file_sha256="0" * 64
    )
    _, token, _ = case_actions.invite_to_self_assessment(acting_user=caseworker, enrolment=enrolment)
    agreement = NetworkAgreement.objects.get(company=company, programme=programme)
    monday = placement.starts_on - datetime.timedelta(days=placement.starts_on.weekday())
    pk_by_prefix = {
        "placement_": placement.pk,
        "company_": company.pk,
        "course_": course.pk,
        "institution_": institution.pk,
        "opening_matches": opening.pk,
        "match_proposal_": proposal.pk,
        "import_": import_run.pk,
        "meeting_": _company_meeting(coordinator, company, programme).pk,
        "event_": _speed_dating_event(world, coordinator, buddy, programme).pk,
        "netgain_": _net_gain_calculation(world, caseworker, enrolment).pk,
        "integration_": _integration(world, caseworker).pk,
        "questionnaire_": _questionnaire(world, coordinator, programme).pk,
        "privacy_receipt": _erasure_receipt(world.randers_citizen).pk,
    }
    world.kwargs = {
        "citizen_pk": citizen.pk,
        "enrolment_pk": enrolment.pk,
        "goal_pk": goal.pk,
        "entry_pk": entry.pk,
        "restriction_pk": restriction.pk,
        "effort_pk": effort.pk,
        "plan_pk": plan.pk,
        "milestone_pk": milestone.pk,
        "placement_pk": placement.pk,
        "contact_pk": buddy.pk,
        "agreement_pk": agreement.pk,
        "opening_pk": opening.pk,
        "slug": CHEAPEST_REPORT,
        "kind": schemas.ORDER[0],
        "consent_kind": "evaluation",
        "token": token,
        "week": f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}",
    }
    result_goal = ResultGoal.objects.create(
        programme=programme, metric=ResultGoal.Metric.REFERRED, target=10, deadline=datetime.date(2026, 12, 31)
    )
    world.kwargs.update(
        programme_pk=programme.pk,
        site_pk=enrolment.site_id,
        membership_pk=Membership.objects.filter(programme=programme).first().pk,
        result_goal_pk=result_goal.pk,
        **world.event_kwargs,
    )
    world.kwargs.update(_message_kwargs(coordinator, programme))
    world.kwargs.update(question_pk=world.question.pk)
    world.pk_by_prefix = pk_by_prefix
    _data_exports(citizen, [caseworker, world.administrator])
    # The one posted field a page needs to find its object at all; every other page is posted empty.
    world.post_data = {"match_propose": {"opening": opening.pk}}
    world.enrolment = enrolment
    assert Opening.objects.filter(pk=opening.pk, status=Opening.Status.OPEN).exists()
    return world


def _speed_dating_event(world, coordinator, buddy, programme):
    """A speed-dating event held yesterday with a registered buddy and one planned conversation."""
    from jobbro.outreach import actions as event_actions
    from jobbro.outreach.models import SpeedDatingConversation

    starts = timezone.now() - datetime.timedelta(days=1)
    event = event_actions.create_event(
        acting_user=coordinator,
        programme=programme,
        kind="speed_dating",
        title="Speed dating",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    registration = event_actions.register(acting_user=coordinator, event=event, contact=buddy)
    conversation = SpeedDatingConversation.objects.create(
        event=event, round=1, enrolment=world.bobs_enrolment, company=buddy.company
    )
    world.event_kwargs = {"registration_pk": registration.pk, "conversation_pk": conversation.pk}
    return event


def _net_gain_calculation(world, caseworker, enrolment):
    """A net-gain calculation kept on the case (the citizen's own benefit a month and wage are inputs)."""
    from decimal import Decimal

    from jobbro.netgain import actions as net_gain_actions
    from jobbro.netgain import calculator

    on = timezone.localdate()
    benefit, rate, _amount = calculator.rates_in_force(on)[0]
    household = calculator.Household(
        benefit=benefit, rate=rate, monthly_benefit=Decimal(11000), age=40, couple=False, children=0
    )
    return net_gain_actions.calculate_net_gain(
        acting_user=caseworker, enrolment=enrolment, household=household, hourly_wage=Decimal(140), hours=[10], on=on
    )


def _integration(world, caseworker):
    """An integration of the JSON API acting as the caseworker (its page revokes it)."""
    from jobbro.api import actions as api_actions

    integration, _token = api_actions.create_integration(
        acting_user=world.administrator, name="Sagssystem", user=caseworker, scopes=["citizens:read"]
    )
    return integration


def _questionnaire(world, coordinator, programme):
    """A draft questionnaire with two questions: the matrix moves the second and then removes it."""
    questionnaire = survey_actions.create_questionnaire(
        acting_user=coordinator, programme=programme, title="Seks måneder", audience="citizens"
    )
    survey_actions.add_question(acting_user=coordinator, questionnaire=questionnaire, text="Hvordan?", kind="scale")
    world.question = survey_actions.add_question(
        acting_user=coordinator, questionnaire=questionnaire, text="Arbejde?", kind="yes_no"
    )
    return questionnaire


def _erasure_receipt(citizen):
    """A receipt of an erasure (jobbro/privacy), written as the erasure writes it; the citizen is left as they are."""
    from jobbro.privacy.models import ErasureReceipt

    return ErasureReceipt.objects.create(
        reference="SL-TEST-1", citizen=citizen, pseudonym=f"Slettet borger {citizen.pk}", cause="request"
    )


def _data_exports(citizen, users):
    """A prepared export of the citizen for each user who may export (each downloads only their own)."""
    from jobbro.privacy import export_tasks
    from jobbro.privacy.models import DataExport

    for user in users:
        DataExport.objects.create(
            citizen=citizen,
            requested_by=user,
            status=DataExport.Status.DONE,
            content=export_tasks.encrypt(b"PK"),
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )


def _message_kwargs(coordinator, programme):
    """A message template and a subscriber of the programme's small-jobs list."""
    from jobbro.messaging import actions as message_actions
    from jobbro.messaging import templates as message_templates

    subscription = message_actions.subscribe(acting_user=coordinator, programme=programme, email="liste@example.dk")
    return {"template_pk": message_templates.ensure("hours_reminder").pk, "subscription_pk": subscription.pk}


def _company_meeting(coordinator, company, programme):
    """A meeting with the company only: every role with the capability in the programme reaches it."""
    from jobbro.meetings import actions as meeting_actions

    starts = timezone.now() - datetime.timedelta(hours=2)
    return meeting_actions.schedule_meeting(
        acting_user=coordinator,
        kind="follow_up",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        address="Havnegade 1",
        company=company,
        programme=programme,
    )


def address(world, pattern):
    kwargs = {}
    for key in pattern.keys:
        if key == "pk":
            kwargs[key] = next(pk for prefix, pk in world.pk_by_prefix.items() if pattern.name.startswith(prefix))
        else:
            assert key in world.kwargs, f"{pattern.name}: no object in the world for <{key}>"
            kwargs[key] = world.kwargs[key]
    return reverse(pattern.name, kwargs=kwargs)


# --- Expected answers from the table ------------------------------------------------------------------


def sees_the_citizen(user, enrolment):
    """The citizen scope, worked out from the role table and the memberships (not from access.py)."""
    if not may(user, Capability.READ_CITIZEN):
        return False
    scope = citizen_scope(user)
    if scope == CitizenScope.EVERYTHING:
        return True
    if scope == CitizenScope.OWN_CITIZENS:
        return user.pk in (enrolment.mentor_id, enrolment.job_broker_id)
    memberships = Membership.objects.filter(user=user, programme=enrolment.programme_id)
    return memberships.filter(site__isnull=True).exists() or memberships.filter(site=enrolment.site_id).exists()


def allowed(user, world, pattern, *, submit=False):
    page = PAGES[pattern.name]
    if not may_open(user, page, submit=submit):
        return False
    return "citizen_pk" not in pattern.keys or not page.signed_in or sees_the_citizen(user, world.enrolment)


def verdict(response):
    """What an answer says: 'login' (sent to sign in), 'denied' (404), 'method' (405: POST only) or 'granted'."""
    if response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
        return "login"
    if response.status_code == 404:
        return "denied"
    if response.status_code == 405:
        return "method"
    if response.status_code in (200, 204, 302, 400, 410, 429):
        return "granted"
    return f"unexpected {response.status_code}"


def check_role(client, world, user, patterns=None):
    """Request every URL (or the given patterns) as the user; return the mismatches and the number of checks."""
    if user is not None:
        client.force_login(user)
    mismatches, checks = [], 0
    posts = []
    for pattern in checked_patterns() if patterns is None else patterns:
        url = address(world, pattern)
        page = PAGES[pattern.name]
        response = client.get(url)
        got = verdict(response)
        checks += 1
        if got == "method":
            posts.append((pattern, url, False))
            continue
        if page.submit:
            posts.append((pattern, url, True))
        want = _want(user, world, pattern, page)
        if got != want and not (want == "public" and got in PUBLIC_ANSWERS):
            mismatches.append(f"GET {pattern.name} {url}: {got}, table says {want}")
    # Posts last, the public ones at the very end: logging out and the tablet hand-over sign the user out.
    for pattern, url, submit in sorted(posts, key=lambda post: not PAGES[post[0].name].signed_in):
        got = verdict(client.post(url, world.post_data.get(pattern.name, {})))
        checks += 1
        want = _want(user, world, pattern, PAGES[pattern.name], submit=submit)
        if got != want and not (want == "public" and got in PUBLIC_ANSWERS):
            mismatches.append(f"POST {pattern.name} {url}: {got}, table says {want}")
    return mismatches, checks


def _want(user, world, pattern, page, *, submit=False):
    if not page.signed_in:
        return "public"  # asks no capability: any of PUBLIC_ANSWERS
    if user is None:
        return "login"
    return "granted" if allowed(user, world, pattern, submit=submit) else "denied"


@pytest.mark.parametrize("role", url_matrix.ROLES_CHECKED)
def test_every_url_answers_as_the_table_says(client, matrix_world, role):
    user = getattr(matrix_world, PLAYERS[role]) if PLAYERS[role] else None
    mismatches, checks = check_role(client, matrix_world, user)
    print(f"{role}: {checks} requests")
    assert checks >= len(checked_patterns())
    assert not mismatches, "\n".join(mismatches)


def test_the_job_broker_at_another_site_gets_404_on_the_aarhus_citizens_pages(client, matrix_world):
    client.force_login(matrix_world.randers_broker)
    citizen_pages = [p for p in checked_patterns() if "citizen_pk" in p.keys]
    assert len(citizen_pages) > 30
    for pattern in citizen_pages:
        assert client.get(address(matrix_world, pattern)).status_code in (404, 405), pattern.name
    # ... while her own programme's pages without a citizen open as for any job broker.
    assert client.get(reverse("company_list")).status_code == 200
    assert client.get(reverse("citizen_list")).status_code == 200


def test_a_page_whose_declaration_and_view_disagree_is_caught(client, matrix_world, monkeypatch):
    company_new = next(pattern for pattern in checked_patterns() if pattern.name == "company_new")
    monkeypatch.setitem(PAGES, "company_new", needs(Capability.SEE_COMPANIES))  # forgets MANAGE_NETWORK
    mismatches, _ = check_role(client, matrix_world, matrix_world.manager, [company_new])
    assert mismatches == [f"GET company_new {address(matrix_world, company_new)}: denied, table says granted"]


def test_a_url_without_an_entry_is_caught(monkeypatch):
    monkeypatch.delitem(PAGES, "cv_pdf")
    assert url_matrix.missing_from_the_table() == ["cv_pdf"]
