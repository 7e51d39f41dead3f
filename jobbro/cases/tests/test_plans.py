"""Job plans and job packages: dated milestones, what comes next, and overdue milestones flagged (never stored)."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from jobbro.audit.models import ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import JobPlan, Milestone, OutcomeStatus
from jobbro.cases.placement_views import plan_overview
from jobbro.conftest import REFERRED_ON

K = Milestone.Kind


def day(n):
    return REFERRED_ON + datetime.timedelta(days=n)


def counts():
    return (JobPlan.objects.count(), Milestone.objects.count(), ChangeLog.objects.count())


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


@pytest.fixture
def package(enrolment, alice):
    return actions.create_job_plan(
        acting_user=alice,
        enrolment=enrolment,
        title="Mod køkkenmedhjælper",
        created_on=day(1),
        is_job_package=True,
        target_occupation_code="9412",
    )


def plans_url(enrolment):
    return reverse("job_plans", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def plan_url(plan):
    e = plan.enrolment
    return reverse("job_plan", kwargs={"citizen_pk": e.citizen_id, "enrolment_pk": e.pk, "plan_pk": plan.pk})


def add_url(plan):
    e = plan.enrolment
    return reverse("milestone_add", kwargs={"citizen_pk": e.citizen_id, "enrolment_pk": e.pk, "plan_pk": plan.pk})


def done_url(milestone):
    plan = milestone.plan
    e = plan.enrolment
    return reverse(
        "milestone_complete",
        kwargs={"citizen_pk": e.citizen_id, "enrolment_pk": e.pk, "plan_pk": plan.pk, "milestone_pk": milestone.pk},
    )


# --- The actions ------------------------------------------------------------------------------------


def test_a_job_package_is_a_plan_towards_a_named_job_and_leaves_an_audit_row(package, alice):
    assert (package.is_job_package, package.target_occupation_code, package.created_on) == (True, "9412", day(1))
    log = ChangeLog.objects.get(action="create_job_plan", object_id=str(package.pk))
    assert log.user == alice and log.changes["target_occupation_code"] == "9412"
    assert "køkken" not in str(log.changes), "free text stays out of the change log"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"is_job_package": True}, "target_occupation_code"),
        ({"target_occupation_code": "0000"}, "target_occupation_code"),
        ({"created_on": day(-1)}, "created_on"),
        ({"created_on": timezone.localdate() + datetime.timedelta(days=1)}, "created_on"),
        ({"title": "   "}, "title"),
    ],
    ids=["package without a job", "unknown job code", "before the referral", "in the future", "no title"],
)
def test_a_plan_is_refused_with_the_reason_on_its_field(enrolment, alice, arguments, field):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        actions.create_job_plan(
            acting_user=alice, enrolment=enrolment, **{"title": "Plan", "created_on": day(1), **arguments}
        )
    assert field in caught.value.message_dict
    assert counts() == before


def test_an_ended_enrolment_gets_no_new_plan(enrolment, alice, caseworker):
    actions.end_enrolment(acting_user=caseworker, enrolment=enrolment, ended_on=day(30), status=OutcomeStatus.BENEFIT)
    with pytest.raises(ValidationError):
        actions.create_job_plan(acting_user=alice, enrolment=enrolment, title="Plan", created_on=day(31))
    assert not JobPlan.objects.exists()


def test_a_milestone_without_a_title_is_named_after_its_kind_and_cannot_be_due_before_the_plan(package, alice):
    milestone = actions.add_milestone(acting_user=alice, plan=package, kind=K.INTERNSHIP, due_on=day(20))
    assert milestone.title == str(K.INTERNSHIP.label)
    assert ChangeLog.objects.filter(action="add_milestone", object_id=str(milestone.pk), user=alice).exists()
    before = counts()
    with pytest.raises(ValidationError) as caught:
        actions.add_milestone(acting_user=alice, plan=package, kind=K.COURSE, due_on=day(0), title="Hygiejnebevis")
    assert "due_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.add_milestone(acting_user=alice, plan=package, kind="juggling", due_on=day(9))
    assert "kind" in caught.value.message_dict
    assert counts() == before


def test_a_milestone_is_done_once_not_before_the_plan_and_not_in_the_future(package, alice, bob):
    milestone = actions.add_milestone(acting_user=alice, plan=package, kind=K.CLARIFICATION, due_on=day(10))
    for when in (day(0), timezone.localdate() + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            actions.complete_milestone(acting_user=alice, milestone=milestone, completed_on=when)
        assert "completed_on" in caught.value.message_dict
    assert Milestone.objects.get(pk=milestone.pk).completed_on is None
    actions.complete_milestone(acting_user=alice, milestone=milestone, completed_on=day(1))
    with pytest.raises(ValidationError):
        actions.complete_milestone(
            acting_user=bob, milestone=Milestone.objects.get(pk=milestone.pk), completed_on=day(12)
        )
    assert Milestone.objects.get(pk=milestone.pk).completed_on == day(1), "the first completion is never overwritten"
    assert ChangeLog.objects.filter(action="complete_milestone", object_id=str(milestone.pk)).count() == 1


# --- Where the citizen is: overdue and next, for any dates ---------------------------------------------

ANCHOR = datetime.date(2026, 1, 1)
offsets = st.integers(-60, 60)
milestone_dates = st.lists(st.tuples(offsets, st.one_of(st.none(), offsets)), max_size=8)


@given(dates=milestone_dates, today_offset=offsets)
def test_overdue_is_any_unfinished_milestone_due_before_today_and_next_is_the_first_unfinished(dates, today_offset):
    on = ANCHOR + datetime.timedelta(days=today_offset)
    milestones = [
        Milestone(
            pk=i + 1,
            kind=K.COURSE,
            title=f"m{i}",
            due_on=ANCHOR + datetime.timedelta(days=due),
            completed_on=None if done is None else ANCHOR + datetime.timedelta(days=done),
        )
        for i, (due, done) in enumerate(dates)
    ]
    overview = plan_overview(milestones, on)
    rows = overview.rows
    # Every milestone once, in date order.
    assert sorted(r.milestone.pk for r in rows) == [m.pk for m in milestones]
    assert [(r.milestone.due_on, r.milestone.pk) for r in rows] == sorted((m.due_on, m.pk) for m in milestones)
    for row in rows:
        m = row.milestone
        assert row.done == (m.completed_on is not None)
        # A finished milestone is never overdue, however late it was done; an unfinished one is overdue
        # exactly when its day has passed (due today is not yet overdue).
        assert row.overdue == (m.completed_on is None and m.due_on < on)
        assert row.status == ("done" if row.done else "overdue" if row.overdue else "next" if row.is_next else "later")
    waiting = [r for r in rows if not r.done]
    assert [r for r in rows if r.is_next] == waiting[:1]
    assert overview.next_row == (waiting[0] if waiting else None)
    assert overview.after_next == (waiting[1] if len(waiting) > 1 else None)
    assert overview.overdue_count == sum(1 for m in milestones if m.completed_on is None and m.due_on < on)
    assert overview.all_done == (bool(milestones) and not waiting)
    if overview.last_done:
        assert overview.last_done.milestone.completed_on == max(m.completed_on for m in milestones if m.completed_on)


# --- The pages ---------------------------------------------------------------------------------------------


def test_a_job_broker_makes_a_job_package_and_lands_on_it(client, alice, enrolment):
    client.force_login(alice)
    response = client.post(
        plans_url(enrolment),
        {
            "title": "Jobpakke: lager",
            "is_job_package": "on",
            "target_occupation_code": "9333",
            "created_on": day(2).isoformat(),
        },
    )
    plan = JobPlan.objects.get(enrolment=enrolment)
    assert response.status_code == 302 and response["Location"] == plan_url(plan)
    assert (plan.is_job_package, plan.target_occupation_code) == (True, "9333")


def test_a_refused_plan_keeps_the_input_shows_the_reason_next_to_the_field_and_saves_nothing(client, alice, enrolment):
    client.force_login(alice)
    before = counts()
    response = client.post(
        plans_url(enrolment),
        {
            "title": "Min jobpakke",
            "is_job_package": "on",
            "target_occupation_code": "",
            "created_on": day(2).isoformat(),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_target_occupation_code-error"' in html and 'value="Min jobpakke"' in html
    assert counts() == before


def test_adding_and_completing_milestones_through_the_page(client, alice, package):
    client.force_login(alice)
    assert (
        client.post(
            add_url(package), {"kind": K.INTERNSHIP, "title": "Praktik i køkken", "due_on": day(30).isoformat()}
        ).status_code
        == 302
    )
    milestone = package.milestones.get()
    prefix = f"m{milestone.pk}"
    assert client.post(done_url(milestone), {f"{prefix}-completed_on": day(28).isoformat()}).status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).completed_on == day(28)


def test_a_refused_milestone_shows_the_error_next_to_its_field_and_saves_nothing(client, alice, package):
    client.force_login(alice)
    before = counts()
    response = client.post(
        add_url(package), {"kind": K.COURSE, "title": "Truckcertifikat", "due_on": day(-5).isoformat()}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_due_on-error"' in html and 'value="Truckcertifikat"' in html
    milestone = actions.add_milestone(acting_user=alice, plan=package, kind=K.MENTOR, due_on=day(9))
    before = counts()
    response = client.post(done_url(milestone), {f"m{milestone.pk}-completed_on": day(0).isoformat()})
    assert response.status_code == 200 and f'id="id_m{milestone.pk}-completed_on-error"' in response.content.decode()
    assert counts() == before


def test_the_plan_page_says_where_the_citizen_is_what_comes_next_and_flags_the_overdue(client, alice, package):
    on = timezone.localdate()
    done = actions.add_milestone(
        acting_user=alice, plan=package, kind=K.CLARIFICATION, due_on=day(10), title="Afklaring"
    )
    actions.complete_milestone(acting_user=alice, milestone=done, completed_on=day(9))
    late = actions.add_milestone(
        acting_user=alice, plan=package, kind=K.INTERNSHIP, due_on=on - datetime.timedelta(days=3), title="Praktik"
    )
    later = actions.add_milestone(
        acting_user=alice, plan=package, kind=K.TARGET_JOB, due_on=on + datetime.timedelta(days=90), title="Job"
    )
    client.force_login(alice)
    html = english(client).get(plan_url(package)).content.decode()
    assert f'id="milestone-{done.pk}" data-status="done"' in html
    assert f'id="milestone-{late.pk}" data-status="overdue" data-overdue="true" data-next="true"' in html
    assert f'id="milestone-{later.pk}" data-status="later"' in html
    assert f'data-milestone="{late.pk}"' in html  # "what comes next" names the late one
    assert 'data-overdue="1"' in html and "Overdue" in html
    assert not Milestone.objects.filter(pk=late.pk, completed_on__isnull=False).exists(), (
        "overdue is computed, not stored"
    )


def test_the_citizen_page_shows_the_active_plans_next_milestone_and_overdue_count(client, world, alice):
    enrolment = world.alices_enrolment
    plan = actions.create_job_plan(acting_user=alice, enrolment=enrolment, title="Jobplan", created_on=day(1))
    actions.add_milestone(acting_user=alice, plan=plan, kind=K.COURSE, due_on=day(5), title="Danskkursus")
    actions.add_milestone(acting_user=alice, plan=plan, kind=K.INTERNSHIP, due_on=day(8), title="Praktik")
    url = reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})
    for who in ("alice", "manager"):
        client.force_login(getattr(world, who))
        html = client.get(url).content.decode()
        assert f'data-plan="{plan.pk}" data-overdue="2"' in html
        assert f'href="{plan_url(plan)}"' in html
    # Milestone titles are free text about the citizen, a case note: the manager reads the kind of milestone instead.
    assert "Danskkursus" not in html
    with translation.override("da"):
        assert f"Næste: {K.COURSE.label}" in html
    client.force_login(alice)
    assert "Danskkursus" in client.get(url).content.decode()
    assert f'href="{plans_url(enrolment)}"' not in html, "the manager gets no case-work buttons"


@pytest.mark.parametrize("who", ["manager", "coordinator"])
def test_readers_see_plans_but_cannot_write_them(client, world, who, alice):
    enrolment = world.alices_enrolment
    plan = actions.create_job_plan(acting_user=alice, enrolment=enrolment, title="Jobplan", created_on=day(1))
    milestone = actions.add_milestone(acting_user=alice, plan=plan, kind=K.COURSE, due_on=day(5))
    client.force_login(getattr(world, who))
    page = client.get(plan_url(plan))
    assert page.status_code == 200 and add_url(plan) not in page.content.decode()
    assert client.get(plans_url(enrolment)).status_code == 200
    before = counts()
    assert client.post(plans_url(enrolment), {"title": "X", "created_on": day(2).isoformat()}).status_code == 404
    assert client.post(add_url(plan), {"kind": K.COURSE, "due_on": day(9).isoformat()}).status_code == 404
    assert client.post(done_url(milestone), {f"m{milestone.pk}-completed_on": day(6).isoformat()}).status_code == 404
    assert counts() == before


@pytest.mark.parametrize("who", ["charlie", "evaluator", "outside_caseworker", "mentor"])
def test_outsiders_get_not_found_on_every_plan_page(client, world, who, alice):
    enrolment = world.alices_enrolment
    plan = actions.create_job_plan(acting_user=alice, enrolment=enrolment, title="Jobplan", created_on=day(1))
    milestone = actions.add_milestone(acting_user=alice, plan=plan, kind=K.COURSE, due_on=day(5))
    client.force_login(getattr(world, who))
    before = counts()
    for url in (plans_url(enrolment), plan_url(plan)):
        assert client.get(url).status_code == 404
    assert client.post(plans_url(enrolment), {"title": "X", "created_on": day(2).isoformat()}).status_code == 404
    assert client.post(add_url(plan), {"kind": K.COURSE, "due_on": day(9).isoformat()}).status_code == 404
    assert client.post(done_url(milestone), {f"m{milestone.pk}-completed_on": day(6).isoformat()}).status_code == 404
    assert counts() == before


def test_a_plan_is_not_found_under_another_enrolment(client, world, alice):
    plan = actions.create_job_plan(
        acting_user=alice, enrolment=world.alices_enrolment, title="Jobplan", created_on=day(1)
    )
    client.force_login(world.administrator)
    url = reverse(
        "job_plan",
        kwargs={"citizen_pk": world.bobs_citizen.pk, "enrolment_pk": world.bobs_enrolment.pk, "plan_pk": plan.pk},
    )
    assert client.get(url).status_code == 404
