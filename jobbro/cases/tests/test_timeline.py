"""The citizen's timeline is read from the history rows the actions write, newest first."""

import datetime
from collections import Counter

import pytest

from jobbro.cases import actions, timeline
from jobbro.cases.models import OutcomeStatus, PlacementEndReason, PlacementKind
from jobbro.conftest import ALICES_CPR, REFERRED_ON
from jobbro.people.models import JobGoal

D = datetime.date


@pytest.fixture
def story(alices_enrolment, alice, caseworker, company, social_company):
    """Mette's course: a contact, a placement with two weeks of hours, a broken placement, the end form, a follow-up."""
    enrolment = alices_enrolment
    actions.log_contact(
        acting_user=alice,
        enrolment=enrolment,
        kind="conversation",
        occurred_on=D(2025, 3, 5),
        note="Talte om hverdagen",
    )
    placement = actions.start_placement(
        acting_user=caseworker,
        enrolment=enrolment,
        company=company,
        kind=PlacementKind.SMALL_JOB,
        starts_on=D(2025, 3, 17),
        agreed_ordinary_hours=8,
    )
    second = actions.start_placement(
        acting_user=caseworker,
        enrolment=enrolment,
        company=social_company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=D(2025, 3, 19),
        no_hours_reason="Praktik først",
    )
    actions.register_hours(
        acting_user=alice, placement=placement, week_start=D(2025, 3, 17), ordinary_hours=5, internship_hours=0
    )
    actions.register_hours(
        acting_user=alice, placement=second, week_start=D(2025, 3, 20), ordinary_hours=0, internship_hours=10
    )
    actions.register_hours(
        acting_user=alice, placement=placement, week_start=D(2025, 3, 24), ordinary_hours=6, internship_hours=0
    )
    actions.end_placement(
        acting_user=alice, placement=second, ended_on=D(2025, 4, 1), reason=PlacementEndReason.NOT_A_MATCH
    )
    actions.end_placement(
        acting_user=alice, placement=placement, ended_on=D(2025, 4, 15), reason=PlacementEndReason.COMPANY_ENDED
    )
    actions.end_enrolment(
        acting_user=caseworker, enrolment=enrolment, ended_on=D(2025, 6, 30), status=OutcomeStatus.BENEFIT
    )
    actions.record_follow_up(
        acting_user=caseworker, enrolment=enrolment, measured_on=D(2025, 9, 30), status=OutcomeStatus.ORDINARY_JOB
    )
    JobGoal.objects.create(
        citizen=enrolment.citizen, text="Køkkenmedhjælper", occupation_code="9412", set_on=D(2025, 3, 4)
    )
    return enrolment


def test_the_timeline_holds_every_kind_of_event_on_its_date(story):
    events = timeline.build(story.citizen, [story])
    assert Counter((e.on, e.kind) for e in events) == Counter(
        [
            (REFERRED_ON, "referral"),
            (REFERRED_ON, "step"),
            (REFERRED_ON, "traffic_light"),
            (D(2025, 3, 4), "job_goal"),
            (D(2025, 3, 5), "contact"),
            (D(2025, 3, 17), "step"),
            (D(2025, 3, 17), "placement"),
            (D(2025, 3, 19), "placement"),
            (D(2025, 3, 24), "hours"),  # March's weeks in one event, dated by the last of them
            (D(2025, 4, 1), "placement"),  # the internship ended, the small job still ran: no step change
            (D(2025, 4, 15), "placement"),
            (D(2025, 4, 15), "step"),
            (D(2025, 6, 30), "step"),
            (D(2025, 6, 30), "outcome"),
            (D(2025, 9, 30), "outcome"),
        ]
    )


def test_the_timeline_is_newest_first(story):
    events = timeline.build(story.citizen, [story])
    dates = [e.on for e in events]
    assert dates == sorted(dates, reverse=True)
    assert (events[0].kind, events[0].on) == ("outcome", D(2025, 9, 30))
    assert events[-1].on == REFERRED_ON


def test_hours_are_one_event_per_month_summing_all_placements_and_weeks(story):
    from django.utils import translation

    with translation.override("en"):
        months = [e for e in timeline.build(story.citizen, [story]) if e.kind == "hours"]
    assert len(months) == 1
    march = months[0]
    assert march.on == D(2025, 3, 24)
    assert "March 2025" in march.title
    # 5 + 6 ordinary hours from the small job, 10 internship hours from the other placement, over two weeks.
    assert march.detail == "11 ordinary paid hours, 10 internship hours in 2 weeks"


def test_case_notes_travel_on_their_events_so_the_page_can_hide_them(story):
    events = timeline.build(story.citizen, [story])
    notes = {e.kind: e.note for e in events if e.note}
    # The goal in the citizen's own words is free text too; the occupation stays in the detail everyone sees.
    assert notes == {"referral": story.referral_text, "contact": "Talte om hverdagen", "job_goal": "Køkkenmedhjælper"}
    goal = next(e for e in events if e.kind == "job_goal")
    assert goal.detail.startswith("9412") and "Køkkenmedhjælper" not in goal.title


def test_step_notes_and_upskilling_reasons_are_notes_not_details(alices_enrolment, alice):
    enrolment = alices_enrolment
    actions.change_step(acting_user=alice, enrolment=enrolment, step=2, on=D(2025, 7, 1), note="Indlagt")
    actions.record_upskilling_decision(
        acting_user=alice, enrolment=enrolment, decided_on=D(2025, 7, 1), wanted=False, reason="Psykiatrisk indlæggelse"
    )
    events = [e for e in timeline.build(enrolment.citizen, [enrolment]) if e.on == D(2025, 7, 1)]
    assert {e.kind: e.note for e in events} == {"step": "Indlagt", "upskilling": "Psykiatrisk indlæggelse"}
    assert not any("Indlagt" in e.title + e.detail or "Psykiatrisk" in e.title + e.detail for e in events)


def test_only_the_enrolments_given_are_in_the_timeline(
    story, refer, other_programme, other_programme_site, outside_caseworker
):
    elsewhere = refer(
        cpr_number=ALICES_CPR,
        programme=other_programme,
        site=other_programme_site,
        acting_user=outside_caseworker,
        referred_on=D(2025, 10, 6),
    )
    actions.log_contact(
        acting_user=outside_caseworker,
        enrolment=elsewhere,
        kind="phone",
        occurred_on=D(2025, 10, 7),
        note="Hemmeligt i Syd",
    )

    mine = timeline.build(story.citizen, [story])
    theirs = timeline.build(story.citizen, [elsewhere])
    assert all(e.on < D(2025, 10, 6) for e in mine if e.kind != "traffic_light")
    assert "Hemmeligt i Syd" not in {e.note for e in mine}
    assert {e.kind for e in theirs} == {"referral", "step", "contact", "traffic_light", "job_goal"}
