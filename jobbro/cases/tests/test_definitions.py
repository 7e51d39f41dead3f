"""The shared definitions of cases/models.py (running on a date, active on a date, over a period, caseload) agree
with their plain-Python statement for any dates, and the pages and the matching that read them agree with each other."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.cases import actions, timesheets
from jobbro.cases.models import Enrolment, Placement, PlacementEndReason
from jobbro.conftest import rolled_back
from jobbro.days import today
from jobbro.matching import services
from jobbro.reporting.track_record import company_track_records

D = datetime.date
BASE = D(2025, 1, 1)


def days(n):
    return datetime.timedelta(days=n)


def running_on(starts_on, ended_on, on):
    """A placement runs from its start up to the day before its end date (ended_on is the first day it no longer runs)."""
    return starts_on <= on and (ended_on is None or on < ended_on)


def active_on(referred_on, ended_on, on):
    """An enrolment is active from its referral up to the day before its end form date."""
    return referred_on <= on and (ended_on is None or on < ended_on)


def any_day(first, last, rule, start, end):
    return any(rule(start, end, first + days(n)) for n in range((last - first).days + 1))


span = st.tuples(st.integers(0, 30), st.one_of(st.none(), st.integers(0, 30)))


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    spans=st.lists(span, min_size=1, max_size=6),
    on=st.integers(-2, 62),
    length=st.integers(0, 9),
)
def test_running_and_active_agree_with_the_plain_definition(db, refer, company, spans, on, length):
    on, first, last = BASE + days(on), BASE + days(on), BASE + days(on + length)
    with rolled_back():
        placements, enrolments = {}, {}
        for start, duration in spans:
            starts_on = BASE + days(start)
            ended_on = None if duration is None else starts_on + days(duration)
            enrolment = refer(referred_on=starts_on)
            Enrolment.objects.filter(pk=enrolment.pk).update(ended_on=ended_on)
            enrolments[enrolment.pk] = (starts_on, ended_on)
            placement = Placement.objects.create(
                enrolment=enrolment,
                company=company,
                kind="small_job",
                starts_on=starts_on,
                ended_on=ended_on,
                agreed_ordinary_hours=5,
            )
            placements[placement.pk] = (starts_on, ended_on)

        def expected(rows, rule, *dates):
            return {pk for pk, (start, end) in rows.items() if rule(start, end, *dates)}

        assert set(Placement.objects.running_on(on).values_list("pk", flat=True)) == expected(
            placements, running_on, on
        )
        assert {p.pk for p in Placement.objects.all() if p.is_active_on(on)} == expected(placements, running_on, on)
        assert set(Enrolment.objects.active_on(on).values_list("pk", flat=True)) == expected(enrolments, active_on, on)
        assert set(Placement.objects.running_between(first, last).values_list("pk", flat=True)) == {
            pk for pk, (start, end) in placements.items() if any_day(first, last, running_on, start, end)
        }
        assert set(Enrolment.objects.active_between(first, last).values_list("pk", flat=True)) == {
            pk for pk, (start, end) in enrolments.items() if any_day(first, last, active_on, start, end)
        }
        # Running or planned: running on the date, or starting after it.
        assert set(Placement.objects.running_or_planned_on(on).values_list("pk", flat=True)) == {
            pk for pk, (start, end) in placements.items() if running_on(start, end, on) or start > on
        }


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(start=st.integers(0, 60), duration=st.one_of(st.none(), st.integers(0, 40)))
def test_the_weeks_asked_for_hours_are_the_weeks_the_placement_ran(db, refer, company, start, duration):
    monday = D(2025, 3, 31)  # the last week looked at; the window reaches MISSING_WEEKS_BACK weeks before it
    starts_on = D(2025, 1, 20) + days(start)
    ended_on = None if duration is None else starts_on + days(duration)
    with rolled_back():
        placement = Placement.objects.create(
            enrolment=refer(referred_on=D(2025, 1, 6)),
            company=company,
            kind="small_job",
            starts_on=starts_on,
            ended_on=ended_on,
            agreed_ordinary_hours=5,
        )
        asked = timesheets.missing_weeks(placement, monday, set(), on=D(2026, 1, 1))
        first = monday - timesheets.MISSING_WEEKS_BACK * datetime.timedelta(weeks=1)
        weeks = [first + datetime.timedelta(weeks=n) for n in range(timesheets.MISSING_WEEKS_BACK + 1)]
        ran = [w for w in weeks if Placement.objects.running_between(w, w + days(6)).filter(pk=placement.pk).exists()]
        assert asked == ran


def test_active_is_active_on_today(refer):
    ended_today = refer(referred_on=today() - days(30))
    Enrolment.objects.filter(pk=ended_today.pk).update(ended_on=today())
    ends_tomorrow = refer(referred_on=today() - days(30))
    Enrolment.objects.filter(pk=ends_tomorrow.pk).update(ended_on=today() + days(1))

    assert set(Enrolment.objects.active().values_list("pk", flat=True)) == {ends_tomorrow.pk}


@pytest.mark.parametrize("ends_in, running", [(0, False), (1, True)])
def test_the_company_page_and_the_matching_agree_on_a_placement_ending_today(
    programme, refer, alice, company, start, ends_in, running
):
    enrolment = refer(referred_on=today() - days(60), job_broker=alice)
    placement = start(enrolment, starts_on=today() - days(30))
    Placement.objects.filter(pk=placement.pk).update(
        ended_on=today() + days(ends_in), end_reason=PlacementEndReason.COMPLETED
    )

    (record,) = company_track_records(company, [programme])
    spoken_for = services.running_placements(today()).filter(pk=placement.pk).exists()

    assert record.current_citizens == (1 if running else 0)
    assert spoken_for is running
    assert Placement.objects.running_on(today()).filter(pk=placement.pk).exists() is running


def test_a_placement_ended_today_through_the_action_is_no_longer_running_anywhere(
    programme, refer, alice, company, start
):
    enrolment = refer(referred_on=today() - days(60), job_broker=alice)
    placement = start(enrolment, starts_on=today() - days(30))
    actions.end_placement(acting_user=alice, placement=placement, ended_on=today(), reason=PlacementEndReason.COMPLETED)

    (record,) = company_track_records(company, [programme])
    assert record.current_citizens == 0
    assert not services.running_placements(today()).filter(pk=placement.pk).exists()


def test_the_caseload_is_the_users_own_citizens_within_their_access(refer, alice, bob, other_site):
    mine = refer(job_broker=alice)
    mentored = refer(job_broker=bob)
    Enrolment.objects.filter(pk=mentored.pk).update(mentor=alice)
    someone_elses = refer(job_broker=bob)

    assert set(Enrolment.objects.caseload_of(alice)) == {mine, mentored}
    # A job broker moved to another site no longer reaches the citizens of the first one, named on them or not.
    alice.memberships.update(site=other_site)
    assert set(Enrolment.objects.caseload_of(alice)) == set()
    assert set(Enrolment.objects.caseload_of(bob)) == {mentored, someone_elses}


def test_the_caseload_page_goes_through_the_access_scope(client, world, other_site):
    def listed(user):
        client.force_login(user)
        response = client.get(reverse("caseload"))
        assert response.status_code == 200
        return response.content.decode()

    name = world.alices_enrolment.citizen.last_name
    assert name in listed(world.alice)
    # Still named job broker on the case, but no longer working at its site: the case is out of reach, so it is
    # not on the caseload page either (as the Today page and the hours page already left it out).
    world.alice.memberships.update(site=other_site)
    assert name not in listed(world.alice)
