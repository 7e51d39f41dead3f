"""The citizen pool: citizens ranked for a small job from features kept in memory rank exactly as the database reads,
after every kind of committed write, bulk loads, change rows out of order and writes that left no change row.

These tests commit (transactional database), as production does: the pool only sees committed writes."""

import datetime
import threading

import numpy as np
import pytest
from django.db import connection, transaction
from django.utils import timezone

from jobbro.cases import actions
from jobbro.cases.models import AgreedHoursChange, Enrolment, Placement, PlacementEndReason, PlacementKind, Step
from jobbro.companies.models import Company, Requirement
from jobbro.conftest import REFERRED_ON, make_opening
from jobbro.matching import pool, services
from jobbro.matching.models import CitizenChange
from jobbro.people.models import Citizen, CompetenceAssessment, JobGoal, Restriction

pytestmark = pytest.mark.django_db(transaction=True)

DAY = datetime.timedelta(days=1)
STEP_2_ON = REFERRED_ON + 7 * DAY


@pytest.fixture
def network(refer, caseworker, company, programme):
    """Five citizens waiting in step 2 with different goals, hours and homes, and a small job in Aarhus C asking
    for heavy lifting, 10 hours a week and Danish level 2."""
    citizens = []
    for n, (code, hours, postcode) in enumerate(
        [("9412", 20, "8000"), ("9412", 12, "8200"), ("5120", 30, "8000"), ("", 10, "8900"), ("9412", 6, "8000")]
    ):
        enrolment = refer(first_name=f"Borger{n}", estimated_weekly_hours=hours, postcode=postcode)
        enrolment = actions.change_step(
            acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=STEP_2_ON
        )
        if code:
            JobGoal.objects.create(
                citizen=enrolment.citizen,
                kind=JobGoal.Kind.GOAL,
                occupation_code=code,
                text="køkken",
                set_on=REFERRED_ON,
            )
        citizens.append(enrolment)
    Company.objects.filter(pk=company.pk).update(postcode="8000")
    opening = make_opening(
        company,
        programme,
        "Køkkenhjælp",
        weekly_hours=10,
        occupation_code="9412",
        requirements=[Requirement.HEAVY_LIFTING],
        danish_level_required=2,
    )
    return citizens, opening


def ranked(opening, **kwargs):
    return _plain(services.rank_citizens(opening, limit=50, **kwargs))


def read(opening, among=None):
    on = timezone.localdate()
    return _plain(services._rank_citizens_read(opening, limit=50, on=on, reader=None, among=among))


def _plain(matches):
    return [(m.enrolment.pk, round(m.score, 4), tuple(m.reasons)) for m in matches]


def pooled_programmes():
    return {programme_id for _alias, programme_id in pool._pools}


def test_the_pool_ranks_as_the_database_reads(network, programme):
    _citizens, opening = network
    assert ranked(opening) == read(opening)
    assert programme.pk in pooled_programmes()  # the ranking came from the pool
    assert len(ranked(opening)) == 4  # all but the one with 6 hours a week, who cannot take 10


def _restrict_the_first(citizens, opening):
    Restriction.objects.create(
        citizen=citizens[0].citizen, tag=Restriction.Tag.NO_HEAVY_LIFTING, recorded_on=REFERRED_ON
    )


def _goal_for_the_fourth(citizens, opening):
    JobGoal.objects.create(
        citizen=citizens[3].citizen, kind=JobGoal.Kind.GOAL, occupation_code="9412", text="køkken", set_on=REFERRED_ON
    )


def _move_the_first(citizens, opening):
    citizen = Citizen.objects.get(pk=citizens[0].citizen_id)
    citizen.postcode = "9990"
    citizen.save()


def _fewer_hours_for_the_second(citizens, opening):
    enrolment = Enrolment.objects.get(pk=citizens[1].pk)
    enrolment.estimated_weekly_hours = 4
    enrolment.save()


def _danish_level_one_for_the_third(citizens, opening):
    CompetenceAssessment.objects.create(
        citizen=citizens[2].citizen, area=CompetenceAssessment.Area.DANISH, level=1, assessed_on=REFERRED_ON
    )


def _placement_with_more_hours_for_the_fifth(citizens, opening):
    # Six hours estimated, but an earlier placement agreed 12 hours a week: the citizen can take 10 after all.
    placement = Placement.objects.create(
        enrolment=citizens[4],
        company=opening.company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=STEP_2_ON + DAY,
        ended_on=STEP_2_ON + 10 * DAY,
        end_reason=PlacementEndReason.COMPLETED,
    )
    AgreedHoursChange.objects.create(placement=placement, from_date=STEP_2_ON + DAY, ordinary_hours=12)


def _end_the_second(citizens, opening):
    enrolment = Enrolment.objects.get(pk=citizens[1].pk)
    enrolment.ended_on = REFERRED_ON + 30 * DAY
    enrolment.save()


def _delete_the_first_goal(citizens, opening):
    JobGoal.objects.filter(citizen=citizens[0].citizen).get().delete()


WRITES = [
    _restrict_the_first,
    _goal_for_the_fourth,
    _move_the_first,
    _fewer_hours_for_the_second,
    _danish_level_one_for_the_third,
    _placement_with_more_hours_for_the_fifth,
    _end_the_second,
    _delete_the_first_goal,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
def test_every_committed_write_is_seen_at_the_next_ranking(network, write, caseworker):
    citizens, opening = network
    before = ranked(opening)
    write(citizens, opening)
    after = ranked(opening)
    assert after == read(opening)
    assert after != before  # the write changed the ranking, and the pool did not serve the old one


def test_only_the_changed_citizens_are_read_again(network):
    citizens, opening = network
    ranked(opening)
    kept = next(iter(pool._pools.values()))
    _restrict_the_first(citizens, opening)
    assert ranked(opening) == read(opening)
    assert next(iter(pool._pools.values())) is kept  # reloaded in place, not rebuilt


def test_the_pool_keeps_its_rows_in_enrolment_order_as_a_fresh_build_would(network, programme):
    citizens, opening = network
    ranked(opening)
    for write in (_move_the_first, _restrict_the_first, _goal_for_the_fourth):
        write(citizens, opening)
        ranked(opening)
    kept = pool.citizens(programme.pk, timezone.localdate(), services.rankable_network).net
    fresh = pool._build(programme.pk, timezone.localdate(), services.rankable_network).net
    assert kept.enrolment_ids == fresh.enrolment_ids == sorted(fresh.enrolment_ids)
    assert kept.citizen_ids == fresh.citizen_ids
    for name in pool.CITIZEN_ROWS:
        a, b = getattr(kept.citizens, name), getattr(fresh.citizens, name)
        assert (a is None and b is None) or np.array_equal(a, b, equal_nan=True), name
    assert kept.goals == fresh.goals
    assert kept.danish_assessed.tolist() == fresh.danish_assessed.tolist()


def test_a_bulk_load_without_signals_is_seen_once_it_says_so(network, programme):
    citizens, opening = network
    before = ranked(opening)
    # A bulk writer goes past the model signals, so it says itself what it changed.
    Restriction.objects.bulk_create(
        [Restriction(citizen=citizens[0].citizen, tag=Restriction.Tag.NO_HEAVY_LIFTING, recorded_on=REFERRED_ON)]
    )
    pool.mark_changed()  # the demo generator's call: every citizen
    assert ranked(opening) == read(opening) != before


def test_a_write_that_commits_after_a_later_one_is_still_read(network):
    """On PostgreSQL a transaction that wrote its change row first can commit last: the pool read the later one and
    must still read the earlier one when it commits. (SQLite lets one transaction write at a time, so there the
    same writes can only commit one after the other, and are read in that order.)"""
    citizens, opening = network
    before = ranked(opening)
    if connection.vendor != "postgresql":
        _goal_for_the_fourth(citizens, opening)
        assert ranked(opening) == read(opening) != before
        _restrict_the_first(citizens, opening)
        assert ranked(opening) == read(opening)
        return
    wrote, commit = threading.Event(), threading.Event()

    def restrict_and_wait():
        try:
            with transaction.atomic():
                _restrict_the_first(citizens, opening)
                wrote.set()
                assert commit.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=restrict_and_wait)
    writer.start()
    assert wrote.wait(30)
    _goal_for_the_fourth(citizens, opening)  # a later change row, committed first
    with_goal = ranked(opening)
    assert with_goal == read(opening) != before
    commit.set()
    writer.join(30)
    assert ranked(opening) == read(opening) != with_goal  # the restriction, committed last, is read too


def test_a_write_committed_while_the_pool_is_built_is_read_afterwards(network, monkeypatch):
    citizens, opening = network
    load = services.rankable_network

    def load_then_write(*args, **kwargs):
        net = load(*args, **kwargs)
        if not getattr(load_then_write, "wrote", False):
            load_then_write.wrote = True
            _restrict_the_first(citizens, opening)  # committed after the pool looked, before it was done
        return net

    monkeypatch.setattr(services, "rankable_network", load_then_write)
    first = ranked(opening)
    assert load_then_write.wrote
    assert ranked(opening) == read(opening) != first


def test_a_ranking_inside_the_writing_transaction_sees_its_own_writes(network):
    citizens, opening = network
    before = ranked(opening)
    with transaction.atomic():
        _restrict_the_first(citizens, opening)
        inside = ranked(opening)
        assert inside == read(opening) != before
        transaction.set_rollback(True)
    assert ranked(opening) == before  # rolled back: nothing changed


def test_a_rolled_back_write_leaves_the_ranking_as_it_was(network):
    citizens, opening = network
    before = ranked(opening)
    with pytest.raises(RuntimeError), transaction.atomic():
        _restrict_the_first(citizens, opening)
        raise RuntimeError
    assert ranked(opening) == read(opening) == before


def test_the_reader_scope_ranks_only_the_visible_citizens(network, programme):
    citizens, opening = network
    among = Enrolment.objects.filter(pk__in=[citizens[0].pk, citizens[2].pk])
    assert ranked(opening, among=among) == read(opening, among=among)
    assert {pk for pk, _score, _reasons in ranked(opening, among=among)} <= {citizens[0].pk, citizens[2].pk}


def test_old_change_rows_are_deleted_and_new_ones_kept(network):
    citizens, _opening = network
    old = CitizenChange.objects.create(citizen_id=citizens[0].citizen_id)
    CitizenChange.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=pool.KEEP_DAYS + 1))
    new = CitizenChange.objects.create(citizen_id=citizens[1].citizen_id)
    pool.forget_old_changes()
    assert not CitizenChange.objects.filter(pk=old.pk).exists()
    assert CitizenChange.objects.filter(pk=new.pk).exists()


def test_an_import_tells_the_pool_which_citizens_it_wrote(programme, site, alice, caseworker, coordinator):
    """The import runner writes in bulk, past the model signals, and records its citizens as changed itself."""
    from jobbro.imports import runner
    from jobbro.imports.tests.helpers import example_sheets, workbook

    latest = CitizenChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    result = runner.run([("import.xlsx", workbook(example_sheets()))], user=coordinator)
    assert result.committed and result.rejected == []
    imported = set(Citizen.objects.values_list("pk", flat=True))
    recorded = set(CitizenChange.objects.filter(id__gt=latest).values_list("citizen_id", flat=True))
    assert imported and imported <= recorded


def test_a_warmed_pool_serves_the_first_ranking(network, programme, other_programme):
    """A web server worker reads the features of every programme with open cases when it starts."""
    _citizens, opening = network
    services.warm_citizen_pools()
    assert pooled_programmes() == {programme.pk}  # the other programme has no open case
    warmed = next(iter(pool._pools.values()))
    assert ranked(opening) == read(opening)
    assert next(iter(pool._pools.values())) is warmed


def test_a_web_server_worker_reads_the_features_before_its_first_request(network, programme):
    """gunicorn's post_worker_init (jobbro/gunicorn_conf.py): the pools are built, and what the worker has loaded
    is frozen out of the garbage collector's walks."""
    import gc
    import logging
    from types import SimpleNamespace

    from jobbro import gunicorn_conf

    _citizens, opening = network
    try:
        gunicorn_conf.post_worker_init(SimpleNamespace(log=logging.getLogger("gunicorn.error")))
        assert pooled_programmes() == {programme.pk}
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert ranked(opening) == read(opening)
