"""The attendance report: per kind of event, held, registered, attended, no-shows, cancellations and drop-in
visits; its shares never exceed 100 % and attended + no-shows + cancelled + still registered = registered."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.companies.models import CompanyContact
from jobbro.conftest import rolled_back
from jobbro.outreach import actions
from jobbro.outreach.models import EventKind, RegistrationState
from jobbro.reporting import attendance
from jobbro.reporting.base import Scope, Share
from jobbro.reporting.registry import BY_SLUG

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def ago(days):
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def event(coordinator, programme, kind, days_ago, site=None):
    return actions.create_event(
        acting_user=coordinator,
        programme=programme,
        site=site,
        kind=kind,
        title=str(kind),
        starts_at=ago(days_ago),
        ends_at=ago(days_ago) + HOUR,
    )


def build(programme, on=None):
    return attendance.build(Scope(programme, tuple(programme.sites.all()), on or timezone.localdate()))


def column(table, kind):
    return table.columns.index(str(EventKind(kind).label))


def test_the_report_is_registered_and_has_its_table():
    assert BY_SLUG["attendance"].module is attendance


def test_each_registration_is_counted_in_its_state_and_kind(coordinator, alice, company, programme, alices_enrolment):
    buddies = [CompanyContact.objects.create(company=company, name=f"Buddy {i}", is_buddy=True) for i in range(4)]
    training = event(coordinator, programme, EventKind.BUDDY_TRAINING, 10)
    came, absent, cancelled, waiting = (
        actions.register(acting_user=coordinator, event=training, contact=b) for b in buddies
    )
    actions.cancel_registration(acting_user=coordinator, registration=cancelled)
    actions.record_attendance(acting_user=coordinator, event=training, attended={came: True, absent: False})
    meeting = event(coordinator, programme, EventKind.CLUSTER_MEETING, 5)
    mine = actions.register(acting_user=alice, event=meeting, enrolment=alices_enrolment)
    actions.record_attendance(acting_user=alice, event=meeting, attended={mine: True})
    hours = event(coordinator, programme, EventKind.OPEN_COUNSELLING, 3)
    actions.record_drop_in(acting_user=alice, event=hours, visitors=6, referred="no")
    actions.record_drop_in(acting_user=alice, event=hours, visitors=2)
    event(coordinator, programme, EventKind.BUDDY_MEETING, 400)  # before the period

    report = build(programme)
    assert report.problems() == []
    [table] = report.tables
    assert table.key == "attendance_by_kind"
    b = column(table, EventKind.BUDDY_TRAINING)
    assert table.cell("held", b) == 1
    assert table.cell("registered", b) == 4
    assert table.cell("attended", b) == Share(1, 4)
    assert table.cell("no_show", b) == Share(1, 4)
    assert table.cell("cancelled", b) == Share(1, 4)
    assert table.cell("still_registered", b) == Share(1, 4)
    assert table.cell("no_show_share", b) == Share(1, 2)
    assert table.cell("held", column(table, EventKind.BUDDY_MEETING)) == 0
    assert table.cell("attended", column(table, EventKind.CLUSTER_MEETING)) == Share(1, 1)
    assert table.cell("drop_in", column(table, EventKind.OPEN_COUNSELLING)) == 8
    total = len(table.columns) - 1
    assert table.cell("held", total) == 3
    assert table.cell("registered", total) == 5
    assert table.cell("drop_in", total) == 8


def test_a_report_as_of_an_earlier_date_shows_what_was_known_then(coordinator, company, programme):
    buddy = CompanyContact.objects.create(company=company, name="Buddy", is_buddy=True)
    training = event(coordinator, programme, EventKind.BUDDY_TRAINING, 10)
    actions.register(acting_user=coordinator, event=training, contact=buddy)
    earlier = build(programme, on=timezone.localdate() - datetime.timedelta(days=1))
    # The registration was made today: as of yesterday nobody was registered yet.
    assert earlier.tables[0].cell("registered", column(earlier.tables[0], EventKind.BUDDY_TRAINING)) == 0


def test_an_event_at_another_site_is_left_out_of_a_site_report(coordinator, programme, site, other_site):
    event(coordinator, programme, EventKind.CLUSTER_MEETING, 2, site=other_site)
    event(coordinator, programme, EventKind.CLUSTER_MEETING, 2)  # the whole programme
    only_site = attendance.build(Scope(programme, (site,), timezone.localdate()))
    assert only_site.tables[0].cell("held", column(only_site.tables[0], EventKind.CLUSTER_MEETING)) == 0
    every_site = build(programme)
    assert every_site.tables[0].cell("held", column(every_site.tables[0], EventKind.CLUSTER_MEETING)) == 2


OUTCOMES = st.sampled_from(["attended", "no_show", "cancelled", "registered"])
KINDS = st.sampled_from([EventKind.BUDDY_TRAINING, EventKind.BUDDY_MEETING, EventKind.CLUSTER_MEETING])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.tuples(KINDS, st.lists(OUTCOMES, max_size=5)), max_size=4))
def test_the_figures_always_add_up_and_no_share_exceeds_100_percent(coordinator, company, programme, events):
    with rolled_back():
        contacts = [CompanyContact.objects.create(company=company, name=f"B{i}", is_buddy=True) for i in range(5)]
        expected = {state: 0 for state in RegistrationState.values}
        for kind, outcomes in events:
            held = event(coordinator, programme, kind, 2)
            attended = {}
            for contact, outcome in zip(contacts, outcomes, strict=False):
                registration = actions.register(acting_user=coordinator, event=held, contact=contact)
                expected[outcome] += 1
                if outcome == "cancelled":
                    actions.cancel_registration(acting_user=coordinator, registration=registration)
                elif outcome != "registered":
                    attended[registration] = outcome == "attended"
            if attended:
                actions.record_attendance(acting_user=coordinator, event=held, attended=attended)
        report = build(programme)
        assert report.problems() == []
        [table] = report.tables
        total = len(table.columns) - 1
        assert table.cell("registered", total) == sum(expected.values())
        for state in RegistrationState.values:
            assert table.cell(attendance.row_key(state), total).part == expected[state]
        for row in table.rows:
            for cell in row.cells:
                if isinstance(cell, Share):
                    assert cell.is_possible and (cell.percent is None or cell.percent <= 100)
