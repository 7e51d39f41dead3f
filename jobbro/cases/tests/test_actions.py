"""The case actions: each validates first, writes its history, and leaves nothing behind when it refuses."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.accounts.models import ResultGoal
from jobbro.audit.models import ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import (
    AgreedHoursChange,
    Enrolment,
    Outcome,
    OutcomeStatus,
    Placement,
    PlacementEndReason,
    PlacementKind,
    ProgressionAssessment,
    Step,
    StepChange,
    Timesheet,
)
from jobbro.conftest import REFERRED_ON, rolled_back
from jobbro.people.models import CompetenceAssessment

DB_EXAMPLES = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def day(n):
    """n days after the default referral date."""
    return REFERRED_ON + datetime.timedelta(days=n)


def steps_of(enrolment):
    return list(enrolment.step_changes.order_by("changed_on", "id").values_list("step", flat=True))


def row_counts():
    return {m.__name__: m.objects.count() for m in (Placement, StepChange, Timesheet, Outcome, ChangeLog)}


def current_step(enrolment):
    return Enrolment.objects.get(pk=enrolment.pk).current_step


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


@pytest.fixture
def placement(enrolment, start):
    # A hybrid internship: paid ordinary hours and internship hours both belong to its weeks.
    return start(enrolment, starts_on=day(7), kind=PlacementKind.HYBRID_INTERNSHIP)


# --- Steps ------------------------------------------------------------------------------------


def test_a_referral_starts_in_step_1(enrolment):
    assert enrolment.current_step == Step.CLARIFICATION
    assert steps_of(enrolment) == [Step.CLARIFICATION]


def test_step_history_is_appended_never_rewritten_and_the_current_step_is_the_latest(enrolment, alice):
    first = list(enrolment.step_changes.values_list("pk", "step", "changed_on"))
    actions.change_step(acting_user=alice, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day(10))
    actions.change_step(acting_user=alice, enrolment=enrolment, step=Step.CLARIFICATION, on=day(10))
    history = list(enrolment.step_changes.order_by("changed_on", "id").values_list("pk", "step", "changed_on"))
    assert history[: len(first)] == first
    assert [step for _pk, step, _on in history] == [1, 2, 1]
    assert current_step(enrolment) == history[-1][1]


def test_a_step_cannot_change_before_the_last_change_or_the_referral(enrolment, alice):
    actions.change_step(acting_user=alice, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day(10))
    before = row_counts()
    for on in (day(9), day(-1)):
        with pytest.raises(ValidationError) as caught:
            actions.change_step(acting_user=alice, enrolment=enrolment, step=Step.IN_COMPANY, on=on)
        assert "changed_on" in caught.value.message_dict
    assert row_counts() == before
    assert current_step(enrolment) == Step.TOWARDS_JOB


# --- Placements -------------------------------------------------------------------------------


def test_a_placement_needs_agreed_hours_a_condition_or_a_reason(enrolment, start):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        start(enrolment, agreed_ordinary_hours=None, ordinary_hours_condition="  ", no_hours_reason="")
    assert "agreed_ordinary_hours" in caught.value.message_dict
    assert row_counts() == before
    assert current_step(enrolment) == Step.CLARIFICATION


@pytest.mark.parametrize(
    "agreement",
    [
        {"agreed_ordinary_hours": 0},
        {"agreed_ordinary_hours": None, "ordinary_hours_condition": "Når truckcertifikatet er taget"},
        {"agreed_ordinary_hours": None, "no_hours_reason": "Afklaring af arbejdsevne først"},
    ],
)
def test_any_one_of_the_three_makes_an_agreement(enrolment, start, agreement):
    assert start(enrolment, **agreement).pk


def test_starting_a_placement_moves_the_citizen_to_step_3_on_the_start_date(enrolment, start):
    placement = start(enrolment, starts_on=day(7))
    assert current_step(enrolment) == Step.IN_COMPANY
    last = enrolment.step_changes.order_by("changed_on", "id").last()
    assert (last.step, last.changed_on) == (Step.IN_COMPANY, placement.starts_on)


def test_a_second_running_placement_does_not_add_a_step_change(enrolment, start, social_company):
    start(enrolment, starts_on=day(7))
    start(enrolment, starts_on=day(14), company=social_company)
    assert steps_of(enrolment) == [Step.CLARIFICATION, Step.IN_COMPANY]


def test_a_placement_cannot_start_before_the_referral_or_before_the_last_step_change(enrolment, start, alice):
    actions.change_step(acting_user=alice, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day(20))
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        start(enrolment, starts_on=day(-1))
    assert "starts_on" in caught.value.message_dict
    with pytest.raises(ValidationError):
        start(enrolment, starts_on=day(10))  # would put step 3 before the step-2 change
    assert row_counts() == before


def test_ending_the_only_running_placement_sends_the_citizen_back_to_step_2(placement, enrolment, alice):
    actions.end_placement(
        acting_user=alice, placement=placement, ended_on=day(30), reason=PlacementEndReason.NOT_A_MATCH
    )
    assert current_step(enrolment) == Step.TOWARDS_JOB
    placement.refresh_from_db()
    assert (placement.ended_on, placement.end_reason) == (day(30), PlacementEndReason.NOT_A_MATCH)


def test_ending_one_of_two_running_placements_keeps_step_3(placement, enrolment, start, social_company, alice):
    start(enrolment, starts_on=day(14), company=social_company)
    actions.end_placement(acting_user=alice, placement=placement, ended_on=day(30), reason=PlacementEndReason.COMPLETED)
    assert current_step(enrolment) == Step.IN_COMPANY


def test_ending_without_going_back_keeps_step_3(placement, enrolment, alice):
    actions.end_placement(
        acting_user=alice, placement=placement, ended_on=day(30), reason=PlacementEndReason.HIRED, back_to_step_2=False
    )
    assert current_step(enrolment) == Step.IN_COMPANY


def test_a_placement_cannot_end_before_it_started(placement, alice):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        actions.end_placement(acting_user=alice, placement=placement, ended_on=day(6), reason=PlacementEndReason.OTHER)
    assert "ended_on" in caught.value.message_dict
    assert row_counts() == before
    assert Placement.objects.get(pk=placement.pk).ended_on is None


# --- Hours ------------------------------------------------------------------------------------

hours = st.integers(0, 600).map(lambda tenths: Decimal(tenths) / 10)
out_of_range = st.one_of(
    st.integers(601, 9999).map(lambda tenths: Decimal(tenths) / 10),
    st.integers(-9999, -1).map(lambda tenths: Decimal(tenths) / 10),
)


# A week's ordinary and internship hours with at most 60 together.
week_hours = st.integers(0, 600).flatmap(
    lambda ordinary: st.tuples(
        st.just(Decimal(ordinary) / 10), st.integers(0, 600 - ordinary).map(lambda t: Decimal(t) / 10)
    )
)
half_week = st.integers(0, 300).map(lambda tenths: Decimal(tenths) / 10)


@DB_EXAMPLES
@given(week=week_hours, as_float=st.booleans())
def test_any_hours_from_0_to_60_with_one_decimal_are_stored_exactly(placement, alice, week, as_float):
    ordinary, internship = week
    typed = (float(ordinary), float(internship)) if as_float else (ordinary, internship)
    with rolled_back():
        actions.register_hours(
            acting_user=alice,
            placement=placement,
            week_start=day(7),
            ordinary_hours=typed[0],
            internship_hours=typed[1],
        )
        sheet = Timesheet.objects.get(placement=placement)
        assert (sheet.ordinary_hours, sheet.internship_hours) == (ordinary, internship)


@DB_EXAMPLES
@given(bad=out_of_range, good=half_week, bad_is_ordinary=st.booleans(), same_week=st.booleans())
def test_hours_outside_0_to_60_are_refused_and_leave_existing_weeks_untouched(
    placement, alice, bad, good, bad_is_ordinary, same_week
):
    with rolled_back():
        existing = actions.register_hours(
            acting_user=alice, placement=placement, week_start=day(7), ordinary_hours=good, internship_hours=good
        )
        snapshot = list(Timesheet.objects.values_list("pk", "week_start", "ordinary_hours", "internship_hours"))
        log_rows = ChangeLog.objects.count()
        values = (
            {"ordinary_hours": bad, "internship_hours": good}
            if bad_is_ordinary
            else {"ordinary_hours": good, "internship_hours": bad}
        )
        week = existing.week_start if same_week else day(14)
        with pytest.raises(ValidationError) as caught:
            actions.register_hours(acting_user=alice, placement=placement, week_start=week, **values)
        assert ("ordinary_hours" if bad_is_ordinary else "internship_hours") in caught.value.message_dict
        assert list(Timesheet.objects.values_list("pk", "week_start", "ordinary_hours", "internship_hours")) == snapshot
        assert ChangeLog.objects.count() == log_rows


@DB_EXAMPLES
@given(ordinary=hours, internship=hours)
def test_a_week_holds_at_most_60_ordinary_and_internship_hours_together(placement, alice, ordinary, internship):
    with rolled_back():
        if ordinary + internship <= 60:
            sheet = actions.register_hours(
                acting_user=alice,
                placement=placement,
                week_start=day(7),
                ordinary_hours=ordinary,
                internship_hours=internship,
            )
            assert sheet.ordinary_hours + sheet.internship_hours <= 60
        else:
            with pytest.raises(ValidationError) as caught, translation.override("da"):
                actions.register_hours(
                    acting_user=alice,
                    placement=placement,
                    week_start=day(7),
                    ordinary_hours=ordinary,
                    internship_hours=internship,
                )
            assert caught.value.message_dict == {
                "internship_hours": ["Ordinære timer og praktiktimer kan tilsammen højst være 60 om ugen."]
            }
            assert not Timesheet.objects.filter(placement=placement).exists()


@pytest.mark.parametrize(
    ("ordinary", "internship", "allowed"),
    [
        (60, 1, False),
        ("60", "0,1", False),
        (60, 60, False),
        (30, 30, True),
        (60, 0, True),
        (0, 60, True),
        ("29,5", "30,5", True),
        ("19,8", "40,2", True),
        ("0,1", "59,9", True),
        ("19,9", "40,2", False),
        ("59,9", "0,2", False),
    ],
)
def test_the_week_rule_at_its_edges(placement, alice, ordinary, internship, allowed):
    register = {
        "acting_user": alice,
        "placement": placement,
        "week_start": day(7),
        "ordinary_hours": ordinary,
        "internship_hours": internship,
    }
    if allowed:
        assert actions.register_hours(**register).pk
    else:
        with pytest.raises(ValidationError):
            actions.register_hours(**register)
        assert not Timesheet.objects.exists()


def test_the_database_refuses_a_week_over_60_hours_written_past_the_actions(placement):
    # Exactly 60 in tenths that binary floats cannot hold (SQLite computes 60 - 40.2 as 19.799999…) is kept.
    Timesheet.objects.create(
        placement=placement, week_start=day(7), ordinary_hours=Decimal("19.8"), internship_hours=Decimal("40.2")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Timesheet.objects.create(
            placement=placement, week_start=day(14), ordinary_hours=Decimal("19.9"), internship_hours=Decimal("40.2")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Timesheet.objects.create(placement=placement, week_start=day(21), ordinary_hours=60, internship_hours=60)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreedHoursChange.objects.create(placement=placement, from_date=day(7), ordinary_hours=40, internship_hours=30)


@pytest.mark.parametrize(
    ("ordinary", "internship", "field"),
    [(40, 21, "internship_hours"), ("٤٠", 0, "ordinary_hours"), ("1_0", 0, "ordinary_hours")],
)
def test_agreed_hours_follow_the_same_week_rule(placement, caseworker, ordinary, internship, field):
    with pytest.raises(ValidationError) as caught:
        actions.change_agreed_hours(
            acting_user=caseworker,
            placement=placement,
            from_date=day(14),
            ordinary_hours=ordinary,
            internship_hours=internship,
        )
    assert list(caught.value.message_dict) == [field]
    assert (
        actions.change_agreed_hours(
            acting_user=caseworker, placement=placement, from_date=day(14), ordinary_hours=30, internship_hours=30
        ).internship_hours
        == 30
    )


@pytest.mark.parametrize("typed", ["٤٠", "1_0", "۱۰", "１０", "10e0", "NaN", "1,2,3", " 1 0 "])
def test_hours_written_with_anything_but_the_digits_0_to_9_are_refused(placement, alice, typed):
    with pytest.raises(ValidationError) as caught, translation.override("da"):
        actions.register_hours(
            acting_user=alice, placement=placement, week_start=day(7), ordinary_hours=typed, internship_hours=0
        )
    assert caught.value.message_dict == {"ordinary_hours": ["Skriv timerne med cifrene 0-9, fx 7,5."]}
    assert not Timesheet.objects.exists()


# The last day of the last week that has ended: hours are registered only for such weeks.
LAST_ENDED_SUNDAY = actions.monday_of(datetime.date.today()) - datetime.timedelta(days=1)


@DB_EXAMPLES
@given(when=st.dates(min_value=datetime.date(2025, 3, 10), max_value=LAST_ENDED_SUNDAY))
def test_any_date_is_registered_on_its_iso_week_monday(placement, alice, when):
    with rolled_back():
        sheet = actions.register_hours(
            acting_user=alice, placement=placement, week_start=when, ordinary_hours=1, internship_hours=0
        )
        assert sheet.week_start.isoweekday() == 1
        assert sheet.week_start.isocalendar()[:2] == when.isocalendar()[:2]
        assert 0 <= (when - sheet.week_start).days <= 6


def test_a_second_registration_for_the_same_week_corrects_it(placement, alice, bob):
    first = actions.register_hours(
        acting_user=alice,
        placement=placement,
        week_start=datetime.date(2025, 3, 11),
        ordinary_hours=5,
        internship_hours=10,
    )
    second = actions.register_hours(
        acting_user=bob,
        placement=placement,
        week_start=datetime.date(2025, 3, 16),
        ordinary_hours=7.5,
        internship_hours=0,
    )
    assert second.pk == first.pk
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.week_start, sheet.ordinary_hours, sheet.internship_hours, sheet.registered_by) == (
        datetime.date(2025, 3, 10),
        Decimal("7.5"),
        Decimal("0"),
        bob,
    )
    assert sheet.iso_week == "2025-W11"


def test_the_citizens_own_estimate_is_stored_as_typed(refer):
    assert refer(estimated_weekly_hours=7.3).estimated_weekly_hours == Decimal("7.3")
    assert refer(estimated_weekly_hours="12.5").estimated_weekly_hours == Decimal("12.5")
    with pytest.raises(ValidationError) as caught:
        refer(estimated_weekly_hours=61)
    assert "estimated_weekly_hours" in caught.value.message_dict


def test_a_timesheet_week_must_start_on_a_monday(placement):
    with pytest.raises(ValidationError) as caught:
        Timesheet(placement=placement, week_start=datetime.date(2025, 3, 11)).full_clean()
    assert "week_start" in caught.value.message_dict


# --- End form and follow-up ------------------------------------------------------------------------


def test_the_end_form_ends_the_enrolment_in_step_4_with_an_exit_outcome(enrolment, caseworker):
    outcome = actions.end_enrolment(
        acting_user=caseworker, enrolment=enrolment, ended_on=day(90), status=OutcomeStatus.ORDINARY_JOB
    )
    enrolment.refresh_from_db()
    assert enrolment.ended_on == day(90)
    assert enrolment.current_step == Step.ENDED == steps_of(enrolment)[-1]
    assert (outcome.kind, outcome.measured_on, outcome.status) == (
        Outcome.Kind.EXIT,
        day(90),
        OutcomeStatus.ORDINARY_JOB,
    )
    assert not enrolment.is_active
    assert not Enrolment.objects.active_on(day(90)).filter(pk=enrolment.pk).exists()
    assert Enrolment.objects.active_on(day(89)).filter(pk=enrolment.pk).exists()


def test_an_ended_enrolment_cannot_end_again_or_change_step(enrolment, caseworker):
    actions.end_enrolment(acting_user=caseworker, enrolment=enrolment, ended_on=day(90), status=OutcomeStatus.BENEFIT)
    before = row_counts()
    with pytest.raises(ValidationError):
        actions.end_enrolment(
            acting_user=caseworker, enrolment=enrolment, ended_on=day(100), status=OutcomeStatus.BENEFIT
        )
    with pytest.raises(ValidationError):
        actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day(100))
    assert row_counts() == before


def test_the_end_form_waits_for_the_running_placement_and_then_ends_in_step_4(placement, enrolment, caseworker):
    before = row_counts()
    with pytest.raises(ValidationError):
        actions.end_enrolment(
            acting_user=caseworker, enrolment=enrolment, ended_on=day(60), status=OutcomeStatus.ORDINARY_JOB
        )
    assert row_counts() == before
    actions.end_placement(
        acting_user=caseworker, placement=placement, ended_on=day(60), reason=PlacementEndReason.HIRED
    )
    actions.end_enrolment(
        acting_user=caseworker, enrolment=enrolment, ended_on=day(60), status=OutcomeStatus.ORDINARY_JOB
    )
    assert current_step(enrolment) == Step.ENDED


def test_no_outcome_can_be_dated_before_the_start_form(enrolment, caseworker):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        actions.end_enrolment(
            acting_user=caseworker, enrolment=enrolment, ended_on=day(-1), status=OutcomeStatus.BENEFIT
        )
    assert "ended_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.record_follow_up(
            acting_user=caseworker, enrolment=enrolment, measured_on=day(-1), status=OutcomeStatus.BENEFIT
        )
    assert "measured_on" in caught.value.message_dict
    assert row_counts() == before
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


def test_a_follow_up_is_recorded_as_its_own_outcome(enrolment, caseworker):
    actions.end_enrolment(acting_user=caseworker, enrolment=enrolment, ended_on=day(90), status=OutcomeStatus.BENEFIT)
    actions.record_follow_up(
        acting_user=caseworker, enrolment=enrolment, measured_on=day(180), status=OutcomeStatus.ORDINARY_JOB
    )
    assert list(enrolment.outcomes.values_list("kind", "status")) == [
        (Outcome.Kind.EXIT, OutcomeStatus.BENEFIT),
        (Outcome.Kind.FOLLOW_UP, OutcomeStatus.ORDINARY_JOB),
    ]


def test_a_contact_records_the_staff_present_defaulting_to_the_one_logging_it(enrolment, alice, bob):
    alone = actions.log_contact(
        acting_user=alice, enrolment=enrolment, kind="phone", occurred_on=day(3), note="Ringede"
    )
    together = actions.log_contact(
        acting_user=alice, enrolment=enrolment, kind="conversation", occurred_on=day(4), staff=[alice, bob]
    )
    assert list(alone.staff.all()) == [alice]
    assert set(together.staff.all()) == {alice, bob}
    with pytest.raises(ValidationError) as caught:
        actions.log_contact(acting_user=alice, enrolment=enrolment, kind="carrier_pigeon", occurred_on=day(5))
    assert "kind" in caught.value.message_dict
    assert enrolment.contacts.count() == 2


# --- Database constraints hold even when the actions are bypassed ---------------------------------------


def violates_a_constraint(create):
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_the_database_refuses_impossible_hours(placement):
    for field in ("ordinary_hours", "internship_hours"):
        for value in (Decimal("61"), Decimal("-1")):
            assert violates_a_constraint(
                lambda field=field, value=value: Timesheet.objects.create(
                    placement=placement, week_start=day(7), **{field: value}
                )
            ), (field, value)
    assert not violates_a_constraint(
        lambda: Timesheet.objects.create(placement=placement, week_start=day(7), ordinary_hours=60)
    )


def test_the_database_keeps_one_timesheet_per_placement_and_week(placement):
    Timesheet.objects.create(placement=placement, week_start=day(7), ordinary_hours=1)
    assert violates_a_constraint(
        lambda: Timesheet.objects.create(placement=placement, week_start=day(7), ordinary_hours=2)
    )


def test_the_database_refuses_ends_before_starts(placement, enrolment):
    assert violates_a_constraint(lambda: Placement.objects.filter(pk=placement.pk).update(ended_on=day(6)))
    assert violates_a_constraint(lambda: Enrolment.objects.filter(pk=enrolment.pk).update(ended_on=day(-1)))
    assert not violates_a_constraint(lambda: Placement.objects.filter(pk=placement.pk).update(ended_on=day(7)))


def test_the_database_refuses_scores_outside_their_scales(enrolment, programme):
    scores = dict.fromkeys(ProgressionAssessment.DIMENSIONS, 5)
    assert violates_a_constraint(
        lambda: ProgressionAssessment.objects.create(enrolment=enrolment, assessed_on=day(1), **{**scores, "sleep": 11})
    )
    assert violates_a_constraint(
        lambda: ProgressionAssessment.objects.create(enrolment=enrolment, assessed_on=day(1), **{**scores, "sleep": 0})
    )
    assert not violates_a_constraint(
        lambda: ProgressionAssessment.objects.create(enrolment=enrolment, assessed_on=day(1), **scores)
    )
    assert violates_a_constraint(
        lambda: CompetenceAssessment.objects.create(
            citizen=enrolment.citizen, area="social", level=6, assessed_on=day(1)
        )
    )
    assert violates_a_constraint(
        lambda: ResultGoal.objects.create(
            programme=programme, metric="employed", target=5, social_economic_target=6, deadline=day(300)
        )
    )


# --- Sequences of step moves keep the record consistent -------------------------------------------------

operation = st.one_of(
    st.tuples(
        st.just("start"), st.integers(0, 20), st.sampled_from([PlacementKind.INTERNSHIP, PlacementKind.SMALL_JOB])
    ),
    st.tuples(st.just("end"), st.integers(0, 20), st.integers(0, 5)),
    st.tuples(
        st.just("step"), st.integers(0, 20), st.sampled_from([Step.CLARIFICATION, Step.TOWARDS_JOB, Step.IN_COMPANY])
    ),
)


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(operations=st.lists(operation, max_size=8), manual_steps=st.booleans())
def test_any_sequence_of_moves_keeps_the_step_and_its_history_in_agreement(
    refer, caseworker, company, operations, manual_steps
):
    with rolled_back():
        enrolment = refer()
        on = enrolment.referred_on
        history = list(enrolment.step_changes.values_list("pk", "step", "changed_on"))
        stepped_by_hand = False
        for kind, gap, arg in operations:
            on += datetime.timedelta(days=gap)
            note(f"{kind} {arg} on {on}")
            logged = ChangeLog.objects.count()
            running = list(enrolment.placements.filter(ended_on__isnull=True).order_by("pk"))
            if kind == "start":
                actions.start_placement(
                    acting_user=caseworker,
                    enrolment=enrolment,
                    company=company,
                    kind=arg,
                    starts_on=on,
                    agreed_ordinary_hours=5,
                )
                assert current_step(enrolment) == Step.IN_COMPANY
            elif kind == "end" and running:
                placement = running[arg % len(running)]
                actions.end_placement(
                    acting_user=caseworker, placement=placement, ended_on=on, reason=PlacementEndReason.COMPLETED
                )
                if len(running) == 1:
                    assert current_step(enrolment) == Step.TOWARDS_JOB
            elif kind == "step" and manual_steps:
                actions.change_step(acting_user=caseworker, enrolment=enrolment, step=arg, on=on)
                stepped_by_hand = True
            else:
                continue
            enrolment.refresh_from_db()
            assert ChangeLog.objects.count() > logged, "every move leaves an audit row"

            now = list(enrolment.step_changes.order_by("changed_on", "id").values_list("pk", "step", "changed_on"))
            assert now[: len(history)] == history, "step history is append-only"
            assert [pk for pk, _s, _d in now] == sorted(pk for pk, _s, _d in now), "history is in date order"
            assert enrolment.current_step == now[-1][1]
            if not stepped_by_hand:
                # Only the placement actions moved the step: step 3 exactly while a placement is running.
                has_running = enrolment.placements.filter(ended_on__isnull=True).exists()
                assert (enrolment.current_step == Step.IN_COMPANY) == has_running
            history = now


def test_a_caseworker_cannot_refer_into_a_programme_they_do_not_work_in(refer, outside_caseworker, programme, site):
    from django.core.exceptions import PermissionDenied

    before = row_counts()
    with pytest.raises(PermissionDenied):
        refer(acting_user=outside_caseworker, programme=programme, site=site)
    assert row_counts() == before


def test_hours_for_a_week_outside_the_placement_are_refused(placement, alice):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        actions.register_hours(
            acting_user=alice,
            placement=placement,
            week_start=placement.starts_on - datetime.timedelta(days=14),
            ordinary_hours=5,
            internship_hours=0,
        )
    assert "week_start" in refused.value.message_dict
    actions.end_placement(acting_user=alice, placement=placement, ended_on=day(20), reason=PlacementEndReason.COMPLETED)
    with pytest.raises(ValidationError):
        actions.register_hours(
            acting_user=alice, placement=placement, week_start=day(35), ordinary_hours=5, internship_hours=0
        )
    assert Timesheet.objects.count() == before["Timesheet"]


def test_the_week_a_placement_starts_in_mid_week_takes_hours(placement, alice):
    sheet = actions.register_hours(
        acting_user=alice, placement=placement, week_start=placement.starts_on, ordinary_hours=3, internship_hours=0
    )
    assert sheet.week_start <= placement.starts_on < sheet.week_start + datetime.timedelta(days=7)


def test_hours_typed_with_a_danish_decimal_comma_are_read_and_text_is_refused(placement, alice):
    sheet = actions.register_hours(
        acting_user=alice, placement=placement, week_start=day(7), ordinary_hours="7,5", internship_hours=" 2 "
    )
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal("7.5"), Decimal("2"))
    with pytest.raises(ValidationError) as refused:
        actions.register_hours(
            acting_user=alice, placement=placement, week_start=day(7), ordinary_hours="mange", internship_hours=0
        )
    assert "ordinary_hours" in refused.value.message_dict
    assert Timesheet.objects.get(pk=sheet.pk).ordinary_hours == Decimal("7.5")


def test_internship_hours_are_refused_on_a_placement_without_an_internship_part(enrolment, start, alice):
    small_job = start(enrolment, starts_on=day(7), kind=PlacementKind.SMALL_JOB)
    before = ChangeLog.objects.count()
    with pytest.raises(ValidationError) as refused, translation.override("da"):
        actions.register_hours(
            acting_user=alice, placement=small_job, week_start=day(7), ordinary_hours=5, internship_hours="0,5"
        )
    assert refused.value.message_dict == {
        "internship_hours": [
            "Praktiktimer: dette virksomhedsforløb (Småjob) har ingen praktikdel. Skriv timerne som ordinære "
            "løntimer, eller aftal først praktiktimer på forløbet."
        ]
    }
    assert not Timesheet.objects.filter(placement=small_job).exists()
    assert ChangeLog.objects.count() == before
    # Ordinary hours alone are fine, and so are internship hours once they are agreed on the placement.
    assert actions.register_hours(
        acting_user=alice, placement=small_job, week_start=day(7), ordinary_hours=5, internship_hours=0
    ).ordinary_hours == Decimal(5)
    with_part = start(enrolment, starts_on=day(7), kind=PlacementKind.SMALL_JOB, agreed_internship_hours=4)
    assert actions.register_hours(
        acting_user=alice, placement=with_part, week_start=day(7), ordinary_hours=5, internship_hours=4
    ).internship_hours == Decimal(4)


@pytest.mark.parametrize("kind", [PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP])
def test_internship_hours_are_taken_on_the_internship_kinds(enrolment, start, alice, kind):
    placement = start(enrolment, starts_on=day(7), kind=kind)
    sheet = actions.register_hours(
        acting_user=alice, placement=placement, week_start=day(7), ordinary_hours=0, internship_hours=20
    )
    assert sheet.internship_hours == Decimal(20)


@DB_EXAMPLES
@given(
    kind=st.sampled_from(PlacementKind.values),
    agreed=st.one_of(st.none(), st.integers(0, 20)),
    internship=st.integers(0, 30).map(lambda tenths: Decimal(tenths) / 2),
)
def test_internship_hours_are_taken_exactly_where_the_placement_has_an_internship_part(
    enrolment, start, alice, kind, agreed, internship
):
    with rolled_back():
        placement = start(enrolment, starts_on=day(7), kind=kind, agreed_internship_hours=agreed)
        # The rule in plain words: an internship kind, or internship hours agreed; no internship hours are always fine.
        allowed = internship == 0 or kind in ("internship", "hybrid_internship") or (agreed or 0) > 0
        note(f"allowed: {allowed}")
        if allowed:
            sheet = actions.register_hours(
                acting_user=alice, placement=placement, week_start=day(7), ordinary_hours=5, internship_hours=internship
            )
            assert sheet.internship_hours == internship
        else:
            with pytest.raises(ValidationError) as refused:
                actions.register_hours(
                    acting_user=alice,
                    placement=placement,
                    week_start=day(7),
                    ordinary_hours=5,
                    internship_hours=internship,
                )
            assert list(refused.value.message_dict) == ["internship_hours"]
            assert not Timesheet.objects.filter(placement=placement).exists()


def test_a_placement_cannot_be_ended_twice(placement, alice):
    actions.end_placement(acting_user=alice, placement=placement, ended_on=day(20), reason=PlacementEndReason.COMPLETED)
    steps = steps_of(placement.enrolment)
    with pytest.raises(ValidationError):
        actions.end_placement(acting_user=alice, placement=placement, ended_on=day(30), reason=PlacementEndReason.OTHER)
    placement.refresh_from_db()
    assert (placement.ended_on, placement.end_reason) == (day(20), PlacementEndReason.COMPLETED)
    assert steps_of(placement.enrolment) == steps
