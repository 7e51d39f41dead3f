"""The trial design and the draw through the real actions: who may set the design, the draw's sequence, its
reproducibility from the seed, idempotence, and the change log."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.accounts.models import TargetGroup
from jobbro.audit.models import Action, ChangeLog
from jobbro.effect import actions, lottery
from jobbro.effect.models import LotteryDraw, TrialDesign


@pytest.fixture
def groups(db):
    return [
        TargetGroup.objects.create(code="under-30", name="Unge under 30"),
        TargetGroup.objects.create(code="frikort", name="Socialt frikort"),
    ]


@pytest.fixture
def design(administrator, programme):
    return actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)


# --- Who may set the design and read the seed ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "coordinator", "manager", "evaluator"])
def test_only_an_administrator_may_set_the_design_or_read_the_seed(staff, programme, who):
    user = getattr(staff, who)
    with pytest.raises(PermissionDenied):
        actions.set_trial_design(acting_user=user, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    assert not TrialDesign.objects.exists()
    made = actions.set_trial_design(acting_user=staff.administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    with pytest.raises(PermissionDenied):
        actions.seed_of(acting_user=user, design=made)
    assert actions.seed_of(acting_user=staff.administrator, design=made) == made.seed


def test_the_design_gets_a_secret_seed_once_and_a_change_log_entry_without_it(administrator, programme):
    first = actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.NONE)
    assert len(first.seed) == 64
    again = actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    assert again.pk == first.pk and again.seed == first.seed and again.kind == TrialDesign.Kind.LOTTERY
    entries = ChangeLog.objects.filter(action=Action.SET_TRIAL_DESIGN)
    assert entries.count() == 2
    assert all(first.seed not in str(entry.changes) for entry in entries)


def test_a_share_that_does_not_fill_whole_places_in_a_block_is_refused(administrator, programme):
    with pytest.raises(ValidationError):
        actions.set_trial_design(
            acting_user=administrator,
            programme=programme,
            kind=TrialDesign.Kind.LOTTERY,
            programme_share=Decimal("0.30"),
            block_size=4,
        )
    assert not TrialDesign.objects.exists()


def test_the_design_is_fixed_after_the_first_draw(administrator, design, refer, caseworker):
    actions.draw(acting_user=caseworker, enrolment=refer())
    with pytest.raises(ValidationError):
        actions.set_trial_design(
            acting_user=administrator, programme=design.programme, kind=TrialDesign.Kind.LOTTERY, block_size=2
        )


# --- The draw ---------------------------------------------------------------------------------------------------


def test_no_design_or_no_lottery_draws_nothing(administrator, programme, refer, caseworker):
    assert actions.draw(acting_user=caseworker, enrolment=refer()) is None
    actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.REGISTER_COMPARISON)
    assert actions.draw(acting_user=caseworker, enrolment=refer()) is None
    assert not LotteryDraw.objects.exists()


def test_a_second_draw_returns_the_first_and_writes_nothing(design, refer, caseworker):
    enrolment = refer()
    first = actions.draw(acting_user=caseworker, enrolment=enrolment)
    second = actions.draw(acting_user=caseworker, enrolment=enrolment)
    assert second.pk == first.pk and second.arm == first.arm
    assert LotteryDraw.objects.count() == 1
    assert ChangeLog.objects.filter(action=Action.DRAW_LOTTERY).count() == 1
    entry = ChangeLog.objects.get(action=Action.DRAW_LOTTERY)
    assert entry.citizen_ref == enrolment.citizen_id and entry.changes["arm"] == first.arm


def test_someone_who_may_not_refer_cannot_draw(design, refer, staff):
    enrolment = refer()
    for who in (staff.alice, staff.manager, staff.evaluator, staff.outside_caseworker):
        with pytest.raises(PermissionDenied):
            actions.draw(acting_user=who, enrolment=enrolment)
    assert not LotteryDraw.objects.exists()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(strata_picks=st.lists(st.tuples(st.booleans(), st.sampled_from([(), (0,), (1,), (0, 1)])), max_size=14))
def test_stored_draws_are_consecutive_balanced_and_rederived_from_the_seed(
    strata_picks, administrator, programme, site, other_site, groups, refer, caseworker
):
    LotteryDraw.objects.all().delete()
    TrialDesign.objects.all().delete()
    design = actions.set_trial_design(
        acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY, block_size=2
    )
    for use_other_site, picked in strata_picks:
        enrolment = refer(site=other_site if use_other_site else site, target_groups=[groups[i] for i in picked])
        actions.draw(acting_user=caseworker, enrolment=enrolment)
    draws = list(LotteryDraw.objects.filter(design=design).order_by("stratum", "sequence"))
    assert len(draws) == len(strata_picks)
    by_stratum = {}
    for made in draws:
        by_stratum.setdefault(made.stratum, []).append(made)
        # Anyone with the seed re-derives the arm and the random number.
        assert lottery.arm(design.seed, made.stratum, made.sequence, share=0.5, block_size=2) == (
            made.arm,
            made.random_number,
        )
        groups_of = made.enrolment.citizen.target_groups.values_list("code", flat=True)
        assert made.stratum == lottery.stratum_of(made.enrolment.site_id, groups_of)
    for made in by_stratum.values():
        assert [d.sequence for d in made] == list(range(1, len(made) + 1))
        arms = [d.arm for d in made]
        assert abs(arms.count("programme") - arms.count("control")) <= 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_draws_in_one_stratum_get_different_numbers(administrator, programme, refer, caseworker):
    """On PostgreSQL the second draw waits for the first one's lock on the design row and then takes the next
    number. (SQLite lets one transaction write at a time, so there the draws can only run one after the other.)"""
    actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    first, second = refer(), refer()
    if connection.vendor != "postgresql":
        actions.draw(acting_user=caseworker, enrolment=first)
        actions.draw(acting_user=caseworker, enrolment=second)
        assert sorted(LotteryDraw.objects.values_list("sequence", flat=True)) == [1, 2]
        return
    drew, commit, errors = threading.Event(), threading.Event(), []

    def draw_and_wait():
        try:
            with transaction.atomic():
                actions.draw(acting_user=caseworker, enrolment=first)
                drew.set()
                assert commit.wait(30)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    def draw_second():
        try:
            assert drew.wait(30)
            actions.draw(acting_user=caseworker, enrolment=second)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    holder, waiter = threading.Thread(target=draw_and_wait), threading.Thread(target=draw_second)
    holder.start()
    waiter.start()
    assert drew.wait(30)
    waiter.join(1)
    assert waiter.is_alive()  # waiting for the lock on the design row
    commit.set()
    holder.join(30)
    waiter.join(30)
    assert errors == []
    assert dict(LotteryDraw.objects.values_list("enrolment_id", "sequence")) == {first.pk: 1, second.pk: 2}
