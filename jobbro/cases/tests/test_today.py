"""Today: each list's rule at its boundary, thresholds from the programme, and only my own caseload."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.accounts.models import Programme
from jobbro.cases import actions
from jobbro.cases import today as todo
from jobbro.cases.actions import monday_of
from jobbro.cases.models import Contact, JobPlan, PlacementKind, Step
from jobbro.conftest import make_company, rolled_back

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)
# session, user, the caseload's programmes, one query for each of the eight lists, and the timesheets of the
# placements with hours (the missing weeks are counted with the hours page's own function). 12 since the list
# "Start form not filled" was added: its one query (the caseload referred without a start form, citizen and
# programme joined in), the same however many citizens. 13 since "My next meetings" was added: one query for the
# user's next meetings (citizen and company joined in).
TODAY_PAGE_QUERIES = 13
ON_FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)


def on():
    return timezone.localdate()


def ago(days):
    return on() - datetime.timedelta(days=days)


@pytest.fixture
def enrol(refer, alice):
    """`enrol(name, broker=alice, referred_days_ago=400)`: a citizen referred long ago (the referral is activity)."""

    def make(first_name, *, broker=None, referred_days_ago=400, **overrides):
        return refer(
            first_name=first_name,
            last_name="Gøremål",
            job_broker=broker or alice,
            referred_on=ago(referred_days_ago),
            **overrides,
        )

    return make


def listed(function, user, *, key="pk"):
    """The pks (or enrolment pks) a list gives the user today."""
    rows = function(user, on(), todo.caseload_programmes(user))
    return {getattr(row, key) for row in rows}


def set_programme(enrolment, **values):
    Programme.objects.filter(pk=enrolment.programme_id).update(settings=values)


def contact(enrolment, days_ago, kind=Contact.Kind.PHONE, user=None):
    return actions.log_contact(
        acting_user=user or enrolment.job_broker, enrolment=enrolment, kind=kind, occurred_on=ago(days_ago)
    )


# --- Start form not filled ---------------------------------------------------------------------


def test_a_citizen_referred_without_a_start_form_is_listed_until_it_is_filled(world, enrol):
    waiting = enrol("Vera", referred_days_ago=10, started_on=None)
    started = enrol("Sten", referred_days_ago=10)  # the start form on the referral date
    assert listed(todo.start_form_missing, world.alice) == {waiting.pk}

    actions.fill_start_form(acting_user=world.alice, enrolment=waiting, on=ago(2))

    assert waiting.pk not in listed(todo.start_form_missing, world.alice)
    assert started.pk not in listed(todo.start_form_missing, world.alice)


def test_another_brokers_citizen_without_a_start_form_is_not_listed(world, enrol):
    bobs = enrol("Bent", broker=world.bob, referred_days_ago=10, started_on=None)
    assert bobs.pk not in listed(todo.start_form_missing, world.alice)
    assert bobs.pk in listed(todo.start_form_missing, world.bob)


def test_an_ended_enrolment_without_a_start_form_is_not_listed(world, enrol):
    closed = enrol("Carla", referred_days_ago=10, started_on=None)
    actions.end_enrolment(acting_user=world.alice, enrolment=closed, ended_on=ago(1), status="benefit")
    assert closed.pk not in listed(todo.start_form_missing, world.alice)


def test_the_page_lists_it_in_danish_with_the_way_to_the_citizens_page(client, world, enrol):
    waiting = enrol("Vera", referred_days_ago=10, started_on=None)
    html = page_html(client, world.alice, language="da")
    assert section_count(html, "start_form_missing") == 1
    section = section_html(html, "start_form_missing")
    assert "Startskema ikke udfyldt" in section
    assert f'data-citizen="{waiting.citizen_id}"' in section
    citizen_page = reverse("citizen_detail", kwargs={"citizen_pk": waiting.citizen_id})
    assert f'href="{citizen_page}" class="jb-today-action">Udfyld startskemaet<' in section
    # The citizen's page is where the button is.
    assert 'data-action="start-form"' in client.get(citizen_page).content.decode()

    actions.fill_start_form(acting_user=world.alice, enrolment=waiting, on=ago(1))
    assert section_count(page_html(client, world.alice, language="da"), "start_form_missing") == 0


# --- Timesheets missing, up to last week -------------------------------------------------------


def register_weeks(world, placement, first, last):
    week = first
    while week <= last:
        actions.register_hours(
            acting_user=world.alice, placement=placement, week_start=week, ordinary_hours=1, internship_hours=0
        )
        week += WEEK


def test_placements_with_a_week_missing_up_to_last_week_are_listed(world, enrol, start):
    last_monday = monday_of(on()) - WEEK
    last_sunday = last_monday + 6 * DAY
    started = last_monday - 4 * WEEK
    missing = start(enrol("Anna"), starts_on=started)
    complete = start(enrol("Bent"), starts_on=started)
    register_weeks(world, complete, started, last_monday)
    starts_sunday = start(enrol("Carl"), starts_on=last_sunday)
    start(enrol("Dorte"), starts_on=last_sunday + DAY)  # starts this week: nothing has ended yet
    ended_monday = start(enrol("Erik"), starts_on=started)
    actions.end_placement(acting_user=world.alice, placement=ended_monday, ended_on=last_monday, reason="completed")
    # Ended before last week, registered up to its end: nothing is missing.
    ended_complete = start(enrol("Frida"), starts_on=started)
    register_weeks(world, ended_complete, started, last_monday - WEEK)
    actions.end_placement(
        acting_user=world.alice, placement=ended_complete, ended_on=last_monday - DAY, reason="completed"
    )
    # Last week registered, an earlier week not: Today lists it, as the hours page marks it.
    earlier_missing = start(enrol("Gorm"), starts_on=started)
    register_weeks(world, earlier_missing, started + 2 * WEEK, last_monday)
    # Ended before last week with its last week missing.
    ended_missing = start(enrol("Hanne"), starts_on=started)
    register_weeks(world, ended_missing, started, last_monday - 3 * WEEK)
    actions.end_placement(
        acting_user=world.alice, placement=ended_missing, ended_on=last_monday - DAY, reason="completed"
    )

    rows = {p.pk: p.missing for p in todo.missing_timesheets(world.alice, on())}
    assert set(rows) == {missing.pk, starts_sunday.pk, ended_monday.pk, earlier_missing.pk, ended_missing.pk}
    assert rows[starts_sunday.pk] == [last_monday]
    assert rows[earlier_missing.pk] == [started, started + WEEK]
    assert rows[ended_missing.pk] == [last_monday - 2 * WEEK, last_monday - WEEK]
    assert rows[missing.pk] == [started + n * WEEK for n in range(5)]


def test_today_and_the_hours_page_count_the_same_missing_weeks(client, world, enrol, start):
    """The tracker's case: last week registered, earlier weeks not. Today must not say nothing is missing."""
    last_monday = monday_of(on()) - WEEK
    placement = start(enrol("Anna"), starts_on=last_monday - 10 * WEEK)
    register_weeks(world, placement, last_monday - 2 * WEEK, last_monday)
    client.force_login(world.alice)
    hours = client.get(reverse("week_hours")).content.decode()
    shown = re.search(rf'<tr id="row-{placement.pk}".*?data-missing="([^"]*)"', hours, re.S).group(1).split()
    (row,) = todo.missing_timesheets(world.alice, on())
    assert [todo.timesheets.week_label(week) for week in row.missing] == shown
    assert len(shown) == 6  # eight weeks back from last week, two of them registered
    today = client.get(reverse("today")).content.decode()
    section = re.search(r'<section[^>]*id="missing_timesheets".*?</section>', today, re.S).group(0)
    assert 'data-count="1"' in section
    weeks = ", ".join(str(week.isocalendar()[1]) for week in row.missing)
    assert weeks in section and f"?week={todo.timesheets.week_label(row.missing[-1])}#row-{placement.pk}" in section


# --- No contact in step 3 ------------------------------------------------------------------------


@pytest.fixture
def in_step_3(enrol, start):
    """A citizen who has been in step 3 (a placement) for 60 days."""
    enrolment = enrol("Anna")
    start(enrolment, starts_on=ago(60))
    enrolment.refresh_from_db()
    assert enrolment.current_step == Step.IN_COMPANY
    return enrolment


@ON_FIXTURE
@given(days=st.integers(min_value=0, max_value=40))
def test_step_3_is_listed_when_the_last_contact_is_14_days_old_or_more(world, in_step_3, days):
    with rolled_back():
        contact(in_step_3, days)
        assert (in_step_3.pk in listed(todo.no_contact, world.alice)) == (days >= 14)


def test_the_latest_contact_counts_not_an_earlier_one(world, in_step_3):
    contact(in_step_3, 30)
    contact(in_step_3, 13)
    assert in_step_3.pk not in listed(todo.no_contact, world.alice)


@pytest.mark.parametrize(("days_in_step_3", "expected"), [(13, False), (14, True), (30, True)])
def test_without_any_contact_the_count_starts_on_entering_step_3(world, enrol, start, days_in_step_3, expected):
    enrolment = enrol("Anna")
    start(enrolment, starts_on=ago(days_in_step_3))
    assert (enrolment.pk in listed(todo.no_contact, world.alice)) == expected


def test_an_old_contact_before_a_recent_step_3_does_not_list_the_citizen_yet(world, enrol, start):
    enrolment = enrol("Anna")
    contact(enrolment, 40)
    start(enrolment, starts_on=ago(5))
    assert enrolment.pk not in listed(todo.no_contact, world.alice)


def test_citizens_outside_step_3_are_not_in_the_no_contact_list(world, enrol):
    enrolment = enrol("Anna")  # step 1, never contacted
    assert enrolment.pk not in listed(todo.no_contact, world.alice)


@pytest.mark.parametrize(("days", "expected"), [(6, False), (7, True)])
def test_the_no_contact_threshold_is_the_programmes_setting(world, in_step_3, days, expected):
    set_programme(in_step_3, no_contact_days=7)
    contact(in_step_3, days)
    assert (in_step_3.pk in listed(todo.no_contact, world.alice)) == expected


# --- Parked: no activity at all ----------------------------------------------------------------


def test_a_citizen_with_nothing_since_the_referral_is_parked(world, enrol):
    assert enrol("Anna", referred_days_ago=30).pk in listed(todo.parked, world.alice)
    assert enrol("Bent", referred_days_ago=29).pk not in listed(todo.parked, world.alice)


def _activity(kind, enrolment, days_ago, world, start):
    """Put one kind of activity `days_ago` days back into an enrolment referred long ago."""
    alice = world.alice
    if kind == "contact":
        contact(enrolment, days_ago)
    elif kind == "step_change":
        actions.change_step(acting_user=alice, enrolment=enrolment, step=Step.TOWARDS_JOB, on=ago(days_ago))
    elif kind == "placement_start":
        # start_placement also moves the step on the same day: the placement's start is what is dated.
        start(enrolment, starts_on=ago(days_ago))
    elif kind == "placement_end":
        placement = start(enrolment, starts_on=ago(300))
        actions.end_placement(
            acting_user=alice, placement=placement, ended_on=ago(days_ago), reason="completed", back_to_step_2=False
        )
    elif kind == "milestone_completed":
        plan = actions.create_job_plan(acting_user=alice, enrolment=enrolment, title="Plan", created_on=ago(300))
        milestone = actions.add_milestone(acting_user=alice, plan=plan, kind="clarification", due_on=ago(200))
        actions.complete_milestone(acting_user=alice, milestone=milestone, completed_on=ago(days_ago))
    else:  # pragma: no cover
        raise AssertionError(kind)


ACTIVITIES = ["contact", "step_change", "placement_start", "placement_end", "milestone_completed"]


@pytest.mark.parametrize("kind", ACTIVITIES)
@pytest.mark.parametrize(("days_ago", "parked"), [(29, False), (30, True), (45, True)])
def test_any_activity_in_the_last_30_days_keeps_a_citizen_off_the_parked_list(
    world, enrol, start, kind, days_ago, parked
):
    enrolment = enrol("Anna", referred_days_ago=400)
    _activity(kind, enrolment, days_ago, world, start)
    assert (enrolment.pk in listed(todo.parked, world.alice)) == parked


@ON_FIXTURE
@given(weeks_back=st.integers(min_value=1, max_value=10))
def test_a_timesheet_with_hours_is_activity_on_the_sunday_of_its_week(world, enrol, start, weeks_back):
    enrolment = enrol("Anna", referred_days_ago=400)
    with rolled_back():
        placement = start(enrolment, starts_on=ago(300))
        monday = monday_of(on()) - weeks_back * WEEK
        actions.register_hours(
            acting_user=world.alice, placement=placement, week_start=monday, ordinary_hours=4, internship_hours=0
        )
        sunday_age = (on() - (monday + 6 * DAY)).days
        assert (enrolment.pk in listed(todo.parked, world.alice)) == (sunday_age >= 30)


def test_a_timesheet_with_no_hours_is_no_activity(world, enrol, start):
    enrolment = enrol("Anna")
    placement = start(enrolment, starts_on=ago(300), kind=PlacementKind.INTERNSHIP)
    actions.register_hours(
        acting_user=world.alice,
        placement=placement,
        week_start=monday_of(on()) - WEEK,
        ordinary_hours=0,
        internship_hours=0,
    )
    assert enrolment.pk in listed(todo.parked, world.alice)
    actions.register_hours(
        acting_user=world.alice,
        placement=placement,
        week_start=monday_of(on()) - WEEK,
        ordinary_hours=0,
        internship_hours="2,5",
    )
    assert enrolment.pk not in listed(todo.parked, world.alice)


def test_the_parked_threshold_is_the_programmes_setting(world, enrol):
    enrolment = enrol("Anna", referred_days_ago=20)
    assert enrolment.pk not in listed(todo.parked, world.alice)
    set_programme(enrolment, parked_days=20)
    assert enrolment.pk in listed(todo.parked, world.alice)


def test_an_ended_enrolment_is_never_parked(world, enrol):
    enrolment = enrol("Anna", referred_days_ago=400)
    actions.end_enrolment(acting_user=world.alice, enrolment=enrolment, ended_on=ago(100), status="other")
    assert enrolment.pk not in listed(todo.parked, world.alice)


# --- Three-month talks -----------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "due"), [(89, False), (90, True), (200, True)])
def test_the_three_month_talk_is_due_90_days_into_a_placement_with_ordinary_hours(world, enrol, start, days, due):
    placement = start(enrol("Anna"), starts_on=ago(days), kind=PlacementKind.SMALL_JOB)
    assert (placement.pk in listed(todo.three_month_talks, world.alice)) == due


def test_a_talk_since_the_start_settles_it_and_one_before_the_start_does_not(world, enrol, start):
    enrolment = enrol("Anna")
    contact(enrolment, 150, kind=Contact.Kind.THREE_MONTH_TALK)  # about an earlier job
    placement = start(enrolment, starts_on=ago(100), kind=PlacementKind.ORDINARY_JOB)
    contact(enrolment, 20)  # an ordinary phone call is not the talk
    assert placement.pk in listed(todo.three_month_talks, world.alice)
    contact(enrolment, 10, kind=Contact.Kind.THREE_MONTH_TALK)
    assert placement.pk not in listed(todo.three_month_talks, world.alice)


def test_which_placements_have_ordinary_hours(world, enrol, start):
    no_hours = {"agreed_ordinary_hours": None, "no_hours_reason": "Afklaring først"}
    internship_without = start(enrol("Anna"), starts_on=ago(120), kind=PlacementKind.INTERNSHIP, **no_hours)
    internship_with = start(enrol("Bent"), starts_on=ago(120), kind=PlacementKind.INTERNSHIP, agreed_ordinary_hours=5)
    flex_without = start(enrol("Carl"), starts_on=ago(120), kind=PlacementKind.FLEX_JOB, **no_hours)
    wage_subsidy_zero = start(
        enrol("Dorte"), starts_on=ago(120), kind=PlacementKind.WAGE_SUBSIDY, agreed_ordinary_hours=0
    )
    later_hours = start(enrol("Erik"), starts_on=ago(120), kind=PlacementKind.INTERNSHIP, **no_hours)
    actions.change_agreed_hours(acting_user=world.alice, placement=later_hours, from_date=ago(30), ordinary_hours=6)
    ended = start(enrol("Frida"), starts_on=ago(120), kind=PlacementKind.SMALL_JOB)
    actions.end_placement(acting_user=world.alice, placement=ended, ended_on=ago(2), reason="completed")
    assert listed(todo.three_month_talks, world.alice) == {internship_with.pk, flex_without.pk, later_hours.pk}
    assert not {internship_without.pk, wage_subsidy_zero.pk, ended.pk} & listed(todo.three_month_talks, world.alice)


def test_the_three_month_talk_threshold_is_the_programmes_setting(world, enrol, start):
    placement = start(enrol("Anna"), starts_on=ago(60), kind=PlacementKind.SMALL_JOB)
    set_programme(placement.enrolment, three_month_talk_days=60)
    assert placement.pk in listed(todo.three_month_talks, world.alice)


# --- Placements ending soon -----------------------------------------------------------------------


@ON_FIXTURE
@given(days_ahead=st.integers(min_value=-10, max_value=30))
def test_a_placement_is_listed_when_its_planned_end_is_14_days_ahead_or_less(world, enrol, start, days_ahead):
    enrolment = enrol("Anna")
    with rolled_back():
        placement = start(enrolment, starts_on=ago(40), planned_end_on=on() + datetime.timedelta(days=days_ahead))
        assert (placement.pk in listed(todo.ending_soon, world.alice)) == (days_ahead <= 14)


def test_an_ended_placement_or_one_without_a_planned_end_is_not_ending_soon(world, enrol, start):
    ended = start(enrol("Anna"), starts_on=ago(40), planned_end_on=on() + 3 * DAY)
    actions.end_placement(acting_user=world.alice, placement=ended, ended_on=ago(1), reason="completed")
    open_ended = start(enrol("Bent"), starts_on=ago(40))
    assert not {ended.pk, open_ended.pk} & listed(todo.ending_soon, world.alice)


def test_the_ending_soon_threshold_is_the_programmes_setting(world, enrol, start):
    placement = start(enrol("Anna"), starts_on=ago(40), planned_end_on=on() + 20 * DAY)
    assert placement.pk not in listed(todo.ending_soon, world.alice)
    set_programme(placement.enrolment, ending_soon_days=21)
    assert placement.pk in listed(todo.ending_soon, world.alice)


# --- Internships without ordinary hours ------------------------------------------------------------

NO_HOURS = {
    "kind": PlacementKind.INTERNSHIP,
    "agreed_ordinary_hours": None,
    "ordinary_hours_condition": "Når hun kan stå 4 timer",
}


@pytest.mark.parametrize(("days", "expected"), [(27, False), (28, True), (90, True)])
def test_an_internship_4_weeks_old_without_ordinary_hours_is_listed(world, enrol, start, days, expected):
    placement = start(enrol("Anna"), starts_on=ago(days), **NO_HOURS)
    assert (placement.pk in listed(todo.internships_without_hours, world.alice)) == expected


def test_agreed_ordinary_hours_take_an_internship_off_the_list_and_zero_hours_do_not(world, enrol, start):
    zero = start(enrol("Anna"), starts_on=ago(60), kind=PlacementKind.INTERNSHIP, agreed_ordinary_hours=0)
    agreed = start(enrol("Bent"), starts_on=ago(60), kind=PlacementKind.INTERNSHIP, agreed_ordinary_hours=3)
    later = start(enrol("Carl"), starts_on=ago(60), **NO_HOURS)
    hybrid = start(enrol("Dorte"), starts_on=ago(60), **{**NO_HOURS, "kind": PlacementKind.HYBRID_INTERNSHIP})
    assert listed(todo.internships_without_hours, world.alice) == {zero.pk, later.pk}
    actions.change_agreed_hours(acting_user=world.alice, placement=later, from_date=ago(5), ordinary_hours="2,5")
    assert listed(todo.internships_without_hours, world.alice) == {zero.pk}
    assert agreed.pk not in listed(todo.internships_without_hours, world.alice)
    assert hybrid.pk not in listed(todo.internships_without_hours, world.alice)


def test_the_internship_threshold_is_the_programmes_setting_in_weeks(world, enrol, start):
    placement = start(enrol("Anna"), starts_on=ago(14), **NO_HOURS)
    assert placement.pk not in listed(todo.internships_without_hours, world.alice)
    set_programme(placement.enrolment, internship_without_hours_weeks=2)
    assert placement.pk in listed(todo.internships_without_hours, world.alice)


# --- Overdue milestones -------------------------------------------------------------------------------


def test_a_milestone_not_done_by_its_date_is_overdue_from_the_next_day(world, enrol):
    enrolment = enrol("Anna")
    plan = actions.create_job_plan(acting_user=world.alice, enrolment=enrolment, title="Jobpakke", created_on=ago(100))
    yesterday = actions.add_milestone(acting_user=world.alice, plan=plan, kind="course", due_on=ago(1))
    due_today = actions.add_milestone(acting_user=world.alice, plan=plan, kind="internship", due_on=on())
    done = actions.add_milestone(acting_user=world.alice, plan=plan, kind="mentor", due_on=ago(10))
    actions.complete_milestone(acting_user=world.alice, milestone=done, completed_on=ago(2))
    assert listed(todo.overdue_milestones, world.alice) == {yesterday.pk}
    assert due_today.pk not in listed(todo.overdue_milestones, world.alice)


def test_a_closed_plans_milestones_are_not_overdue(world, enrol):
    enrolment = enrol("Anna")
    plan = actions.create_job_plan(
        acting_user=world.alice, enrolment=enrolment, title="Gammel plan", created_on=ago(100)
    )
    milestone = actions.add_milestone(acting_user=world.alice, plan=plan, kind="course", due_on=ago(50))
    assert milestone.pk in listed(todo.overdue_milestones, world.alice)
    JobPlan.objects.filter(pk=plan.pk).update(closed_on=ago(40))  # no action closes a plan yet
    assert milestone.pk not in listed(todo.overdue_milestones, world.alice)


# --- Whose citizens --------------------------------------------------------------------------------


def make_everything_due(world, enrolment, start, user):
    """One citizen who is on every list."""
    placement = start(
        enrolment,
        starts_on=ago(120),
        kind=PlacementKind.INTERNSHIP,
        agreed_ordinary_hours=None,
        ordinary_hours_condition="Efter 6 uger",
        planned_end_on=on() + 3 * DAY,
        company=make_company(f"Firma {enrolment.pk}"),
    )
    actions.change_agreed_hours(acting_user=user, placement=placement, from_date=ago(120), ordinary_hours=0)
    plan = actions.create_job_plan(acting_user=user, enrolment=enrolment, title="Plan", created_on=ago(100))
    actions.add_milestone(acting_user=user, plan=plan, kind="course", due_on=ago(3))
    contact(enrolment, 20, user=user)  # too long ago for step 3, recent enough not to be parked
    return placement


def all_citizens_listed(user):
    _programmes, sections = todo.sections(user, on())
    return {section["key"]: {item.citizen.pk for item in section["items"]} for section in sections}


def test_another_brokers_citizens_never_appear(world, enrol, start):
    bobs = enrol("Bent", broker=world.bob, referred_days_ago=400)
    make_everything_due(world, bobs, start, world.bob)
    charlies = world.charlies_enrolment
    make_everything_due(world, charlies, start, world.charlie)
    mine = enrol("Anna", referred_days_ago=400)
    make_everything_due(world, mine, start, world.alice)

    alices = all_citizens_listed(world.alice)
    # The case is on every list but the parked one (a contact 20 days ago) and the three-month talk's (no hours agreed).
    for key, citizens in alices.items():
        assert bobs.citizen_id not in citizens and charlies.citizen_id not in citizens, key
    assert {key for key, citizens in alices.items() if mine.citizen_id in citizens} == {
        "missing_timesheets",
        "no_contact",
        "ending_soon",
        "internships_without_hours",
        "overdue_milestones",
    }
    bob_sees = all_citizens_listed(world.bob)
    assert mine.citizen_id not in set().union(*bob_sees.values())
    assert bobs.citizen_id in bob_sees["missing_timesheets"]


def test_a_mentor_sees_the_citizens_they_support(world, start):
    make_everything_due(world, world.bobs_enrolment, start, world.bob)
    assert world.bobs_citizen.pk in all_citizens_listed(world.mentor)["missing_timesheets"]
    assert world.bobs_citizen.pk not in set().union(*all_citizens_listed(world.alice).values())


# --- The page --------------------------------------------------------------------------------------


def page_html(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse("today"))
    assert response.status_code == 200
    return response.content.decode()


def section_html(html, key):
    return re.search(rf'<section[^>]*id="{key}".*?</section>', html, re.S).group(0)


def section_count(html, key):
    return int(re.search(rf'id="{key}" data-count="(\d+)"', html).group(1))


def test_job_brokers_and_mentors_start_on_today(client, world):
    for user in (world.alice, world.mentor):
        client.force_login(user)
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"] == reverse("today")


def test_today_comes_first_in_the_menu_with_hours_in_it(client, world):
    html = page_html(client, world.alice)
    menu = re.search(r'<nav class="jb-nav".*?</nav>', html, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', menu)
    assert links[0] == reverse("today")
    assert reverse("week_hours") in links


@pytest.mark.parametrize("who", ["manager", "evaluator", "coordinator"])
def test_roles_without_a_caseload_get_not_found(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("today")).status_code == 404


def test_the_page_has_a_section_per_list_with_counts_and_nothing_to_do_when_empty(client, world, enrol, start):
    mine = enrol("Anna", referred_days_ago=400)
    placement = make_everything_due(world, mine, start, world.alice)
    html = page_html(client, world.alice)
    for key in ("missing_timesheets", "no_contact", "ending_soon", "internships_without_hours", "overdue_milestones"):
        assert section_count(html, key) == 1, key
    # alice's fixture citizen, referred in 2025 and left alone since, is parked.
    assert section_count(html, "parked") == 1
    assert f'data-citizen="{world.alices_citizen.pk}"' in section_html(html, "parked")
    assert section_count(html, "three_month_talks") == 0
    assert section_count(html, "start_form_missing") == 0  # every citizen here has a start form
    assert html.count('class="jb-muted jb-today-empty">Nothing to do<') == 2
    assert "In step 3 with no contact for 14 days" in html
    assert "No activity for 30 days (parked)" in html
    assert "Internships past 4 weeks with no ordinary hours agreed" in html
    # Each item leads to the place to act.
    last_week = monday_of(on()) - WEEK
    assert f"{reverse('week_hours')}?week={last_week.isocalendar()[0]}-W{last_week.isocalendar()[1]:02d}" in html
    assert reverse("citizen_detail", kwargs={"citizen_pk": mine.citizen_id}) in html
    assert reverse("placement_hours", kwargs={"citizen_pk": mine.citizen_id, "pk": placement.pk}) in html
    assert reverse("contact_log", kwargs={"citizen_pk": mine.citizen_id, "enrolment_pk": mine.pk}) in html


def test_the_headings_show_the_programmes_thresholds(client, world, enrol):
    enrolment = enrol("Anna")
    set_programme(enrolment, no_contact_days=21, parked_days=45, internship_without_hours_weeks=6)
    html = page_html(client, world.alice)
    assert "In step 3 with no contact for 21 days" in html
    assert "No activity for 45 days (parked)" in html
    assert "Internships past 6 weeks with no ordinary hours agreed" in html
    assert 'data-key="no_contact_days">21' in html


def add_busy_citizens(world, enrol, start, n, offset):
    for i in range(n):
        enrolment = enrol(f"Travl{offset + i}", referred_days_ago=400)
        if i % 3 == 0:
            make_everything_due(world, enrolment, start, world.alice)
        elif i % 3 == 1:
            start(
                enrolment,
                starts_on=ago(100),
                kind=PlacementKind.SMALL_JOB,
                planned_end_on=on() + 5 * DAY,
                company=make_company(f"Travl {offset + i}"),
            )


def test_the_page_makes_the_same_number_of_queries_for_3_and_20_citizens(
    client, world, enrol, start, django_assert_max_num_queries
):
    client.force_login(world.alice)
    client.get(reverse("today"))  # warm up the session
    add_busy_citizens(world, enrol, start, 3, 0)
    with CaptureQueriesContext(connection) as few:
        html = client.get(reverse("today")).content.decode()
    assert html.count('class="jb-today-item"') >= 6
    add_busy_citizens(world, enrol, start, 17, 3)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("today")).content.decode()
    assert html.count('class="jb-today-item"') >= 40
    assert len(many) == len(few)
    with django_assert_max_num_queries(TODAY_PAGE_QUERIES):
        client.get(reverse("today"))


def test_programmes_with_different_thresholds_are_each_applied_in_one_query(
    world, enrol, start, refer, other_programme_site, other_programme, alice
):
    """alice works in two programmes: each citizen is judged by the threshold of their own programme."""
    from jobbro.accounts.models import Membership

    Membership.objects.create(user=alice, programme=other_programme)
    here = enrol("Anna", referred_days_ago=400)
    start(here, starts_on=ago(60))
    contact(here, 10)
    there = refer(
        first_name="Bent",
        last_name="Syd",
        programme=other_programme,
        site=other_programme_site,
        job_broker=alice,
        referred_on=ago(400),
        acting_user=world.outside_caseworker,
    )
    start(there, starts_on=ago(60), company=make_company("Syd ApS"))
    contact(there, 10)
    set_programme(there, no_contact_days=7)
    assert listed(todo.no_contact, alice) == {there.pk}
    with CaptureQueriesContext(connection) as queries:
        list(todo.no_contact(alice, on(), todo.caseload_programmes(alice)))
    assert len(queries) == 2  # the programmes, then the list


def test_an_education_placement_is_never_listed_as_missing_hours(alice, alices_enrolment, company):
    """Education is followed at the school, not in weekly hours: neither Today nor the hours page asks for them."""
    import datetime as dt

    from jobbro.cases import actions as case_actions
    from jobbro.cases import timesheets
    from jobbro.cases.actions import monday_of
    from jobbro.cases.models import PlacementKind
    from jobbro.cases.today import missing_timesheets

    on = dt.date(2026, 11, 22)
    last_monday = monday_of(on) - dt.timedelta(days=7)
    placement = case_actions.start_placement(
        acting_user=alice,
        enrolment=alices_enrolment,
        company=company,
        kind=PlacementKind.EDUCATION,
        starts_on=last_monday - dt.timedelta(days=21),
        no_hours_reason="Uddannelse på fuld tid",
    )
    assert placement not in missing_timesheets(alice, on)
    assert placement not in timesheets.week_placements(alice, last_monday)


def test_the_lists_find_the_caseload_through_the_brokers_and_mentors_indexes_not_the_programmes(world, enrol):
    """The programme's thresholds are applied to the caseload, never used to read the programme's every enrolment:
    SQLite without statistics would otherwise search the enrolments by programme (tens of thousands at the
    100,000-citizen demo) rather than by job broker or mentor (a caseload)."""
    enrol("Anna")
    programmes = todo.caseload_programmes(world.alice)
    for rows in (todo.no_contact, todo.parked):
        queryset = rows(world.alice, on(), programmes)
        sql, params = queryset.query.sql_with_params()
        if connection.vendor != "sqlite":  # PostgreSQL plans with statistics; the same SQL goes to both
            assert '("cases_enrolment"."programme_id" + ' in sql, sql
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = [row[-1] for row in cursor.fetchall()]
        enrolment_steps = [step for step in plan if "cases_enrolment " in step + " "]
        assert enrolment_steps, plan
        assert not any("program" in step for step in enrolment_steps), (rows.__name__, plan)
