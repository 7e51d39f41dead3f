"""The citizens who can be ranked for a small job, their matching features kept in memory and kept true.

Ranking the citizens of a programme for one small job reads the features of every citizen who could take it
(hours, restrictions, Danish, job goals, home: `services.load`), tens of thousands of rows in a large programme,
for a ranking that then takes milliseconds. The pool keeps those features, per programme and date, in the
process that ranks, and rereads only the citizens whose records changed.

How it stays true. Every write that can change a citizen's features or whether they can be ranked (the citizen, an
enrolment, a placement, an agreement of hours, a restriction, an assessment, a job goal, a consent: `SOURCES`) adds a
CitizenChange row naming the citizen, in the same transaction: the row commits with the write or not at all.
Writers that load rows in bulk, past the model signals, call `mark_changed` themselves (the import runner with its
citizens, the demo generator with none, meaning everyone). Before each use the pool reads the change rows it has
not read yet and reloads just those citizens; a change without a citizen, or more than REBUILD_CHANGES citizens at
once, rebuilds it.

Which rows are new. SQLite lets one transaction write at a time, so change ids commit in order: the rows after the
last id read. On PostgreSQL a transaction that took a lower id can commit after one with a higher id, so each row
also records its transaction (a column only PostgreSQL has, see the migration), and the pool rereads the rows of
every transaction that was still running when it last looked (`pg_snapshot_xmin`), skipping those it has read.

A write in the connection's own open transaction is seen by that connection only: a ranking asked for inside such a
transaction reads the database afresh (`in_own_transaction`).

The first ranking of a programme in a process each day reads everyone (about a second at the 100,000-citizen
demo); the web server builds the pools when a worker starts (services.warm_citizen_pools, called from
jobbro/gunicorn_conf.py). This module keeps the pools; services.py says how to read a programme's citizens.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass, field, replace

import numpy as np
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from scipy import sparse

from jobbro.cases.models import AgreedHoursChange, Enrolment, Placement
from jobbro.days import today
from jobbro.matching import engine
from jobbro.matching.models import CitizenChange
from jobbro.people.models import Citizen, CompetenceAssessment, Consent, JobGoal, Restriction

REBUILD_CHANGES = 2000  # more changed citizens than this at once: rebuild rather than reload them
KEEP_DAYS = 2  # change rows older than this are deleted by the worker (`forget_old_changes`)


def _citizen_of_enrolment(enrolment_id):
    return list(Enrolment.objects.filter(pk=enrolment_id).values_list("citizen_id", flat=True)) or [None]


def _citizen_of_placement(placement_id):
    return list(Enrolment.objects.filter(placements=placement_id).values_list("citizen_id", flat=True)) or [None]


# Each model whose rows feed a citizen's features or whether they can be ranked: the citizens a row concerns (None:
# not known any more, so everyone).
SOURCES = {
    Citizen: lambda row: [row.pk],
    Enrolment: lambda row: [row.citizen_id],
    Placement: lambda row: _citizen_of_enrolment(row.enrolment_id),
    AgreedHoursChange: lambda row: _citizen_of_placement(row.placement_id),
    Restriction: lambda row: [row.citizen_id],
    CompetenceAssessment: lambda row: [row.citizen_id],
    JobGoal: lambda row: [row.citizen_id],
    Consent: lambda row: [row.citizen_id],  # without consent to sharing data with companies no one is ranked
}


# --- Recording changes --------------------------------------------------------------------------------------------


def mark_changed(citizen_ids=None):
    """Record, in the current transaction, that these citizens (None: any citizen) changed. For writers that load
    rows in bulk, past the model signals."""
    changed = [None] if citizen_ids is None else sorted(set(citizen_ids), key=lambda c: (c is not None, c or 0))
    CitizenChange.objects.bulk_create([CitizenChange(citizen_id=c) for c in changed], batch_size=1000)
    if connection.in_atomic_block:
        connection.jobbro_wrote_citizens = True
        transaction.on_commit(_committed, robust=True)


def _committed():
    connection.jobbro_wrote_citizens = False


def _on_write(sender, instance, raw=False, **kwargs):
    if raw:  # loading a fixture
        return
    mark_changed(SOURCES[sender](instance))


def connect():
    """Record a change whenever a source row is saved or deleted (called at start-up)."""
    for model in SOURCES:
        post_save.connect(_on_write, sender=model, dispatch_uid=f"pool-save-{model.__name__}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"pool-delete-{model.__name__}")


def in_own_transaction():
    """True inside a transaction that has written citizens' records: only this connection sees them yet. (After a
    rollback the mark stays until the next commit: a ranking then reads the database, which is right, only slower.)"""
    return connection.in_atomic_block and getattr(connection, "jobbro_wrote_citizens", False)


def forget_old_changes():
    """The worker's periodic job: delete change rows older than KEEP_DAYS (every pool is rebuilt each day)."""
    cutoff = timezone.now() - datetime.timedelta(days=KEEP_DAYS)
    CitizenChange.objects.filter(at__lt=cutoff).delete()


# --- The pool -------------------------------------------------------------------------------------------------------


@dataclass
class Pool:
    """The rankable enrolments of one programme on one date as a Network without openings (rows by enrolment id)."""

    programme_id: int
    on: object
    net: object  # services.Network
    vocabulary: dict
    read_from: int  # SQLite: the last change id read; PostgreSQL: the oldest transaction running when last looked
    read: set = field(default_factory=set)  # PostgreSQL: change ids read of transactions from read_from on
    by_citizen: dict = field(default_factory=dict)  # citizen id -> their rows

    def __post_init__(self):
        self.index()

    def index(self):
        self.by_citizen = {}
        for i, citizen_id in enumerate(self.net.citizen_ids):
            self.by_citizen.setdefault(citizen_id, []).append(i)


_pools = {}  # (database alias, programme id) -> Pool
_lock = threading.Lock()


def citizens(programme_id, on, load):
    """The pool of the programme's rankable enrolments on `on`, brought up to date with the committed changes.

    `load(programme_id, on, citizen_ids, vocabulary)` reads the Network of the programme's rankable enrolments on
    `on` (of those citizens only, unless None) with that vocabulary: services.rankable_network."""
    key = (connection.alias, programme_id)
    with _lock:
        pool = _pools.get(key)
        if pool is None or pool.on != on or not _catch_up(pool, load):
            pool = _pools[key] = _build(programme_id, on, load)
        return pool


def warm(load, on=None):
    """Build the pools of every programme with open cases, before the first ranking asks (`load` as for `citizens`)."""
    from jobbro.accounts.models import Programme

    on = on or today()
    open_cases = Enrolment.objects.filter(programme=OuterRef("pk"), ended_on__isnull=True)
    for programme_id in Programme.objects.filter(Exists(open_cases)).values_list("pk", flat=True):
        citizens(programme_id, on, load)


def forget():
    """Drop every pool of this process (the next ranking builds afresh)."""
    with _lock:
        _pools.clear()


def _position():
    """Where reading the change rows starts: on SQLite the last id, on PostgreSQL the oldest running transaction.
    Read before the records, so a write committed meanwhile is read again, never missed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            return cursor.fetchone()[0]
    return CitizenChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _build(programme_id, on, load):
    read_from = _position()
    vocabulary = {}
    net = load(programme_id, on, None, vocabulary)
    return Pool(programme_id=programme_id, on=on, net=net, vocabulary=vocabulary, read_from=read_from)


def _new_changes(pool):
    """The change rows not read yet, as (id, citizen id), and where to read from next time."""
    if connection.vendor != "postgresql":
        rows = list(CitizenChange.objects.filter(id__gt=pool.read_from).order_by("id").values_list("id", "citizen_id"))
        return rows, max([pool.read_from, *(change_id for change_id, _citizen in rows)])
    # The oldest transaction running now, read before the rows: every transaction older than it has ended, so its
    # rows are among those read now or earlier.
    oldest_running = _position()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, citizen_id, txid FROM matching_citizenchange WHERE txid >= %s ORDER BY id", [pool.read_from]
        )
        rows = cursor.fetchall()
    new = [(change_id, citizen_id) for change_id, citizen_id, _txid in rows if change_id not in pool.read]
    pool.read = {change_id for change_id, _citizen, txid in rows if txid >= oldest_running}
    return new, oldest_running


def _catch_up(pool, load):
    """Reload the citizens of the change rows not read yet; False when the pool must be rebuilt instead."""
    new, read_from = _new_changes(pool)
    changed = {citizen_id for _id, citizen_id in new}
    if None in changed or len(changed) > REBUILD_CHANGES:
        return False
    if changed:
        fresh = load(pool.programme_id, pool.on, changed, pool.vocabulary)
        keep = ~np.isin(np.asarray(pool.net.citizen_ids, dtype=np.int64), np.fromiter(changed, np.int64))
        pool.net = spliced(pool.net, keep, fresh)
        pool.index()
    pool.read_from = read_from
    return True


# --- Putting rows together --------------------------------------------------------------------------------------


def _rows_of_citizens(c, rows):
    words = None if c.words is None else c.words[rows]
    return replace(
        c,
        **{name: getattr(c, name)[rows] for name in CITIZEN_ROWS if getattr(c, name) is not None},
        words=words,
    )


CITIZEN_ROWS = ("hours", "forbidden", "danish", "days", "goals", "goal_weights", "light", "lat", "lon", "max_km")


def _stacked(a, b):
    """Two engine.Citizens one after the other, their word matrices as wide as the wider."""
    aw, bw = engine._fit_words(a.words, b.words)
    values = {}
    for name in CITIZEN_ROWS:
        x, y = getattr(a, name), getattr(b, name)
        values[name] = None if x is None or y is None else np.concatenate([x, y])
    return engine.Citizens(**values, words=sparse.vstack([aw, bw], format="csr"))


def spliced(net, keep, fresh):
    """The network's rows where `keep` holds, then the rows of `fresh` (a Network of the same kind), in enrolment
    order, as one Network without openings."""
    kept = np.flatnonzero(keep)
    stacked = _stacked(_rows_of_citizens(net.citizens, kept), fresh.citizens)
    enrolment_ids = [net.enrolment_ids[i] for i in kept.tolist()] + list(fresh.enrolment_ids)
    citizen_ids = [net.citizen_ids[i] for i in kept.tolist()] + list(fresh.citizen_ids)
    goals = [net.goals.get(i, []) for i in kept.tolist()] + [fresh.goals.get(i, []) for i in range(len(fresh))]
    assessed = np.concatenate([net.danish_assessed[kept], fresh.danish_assessed])
    order = np.argsort(np.asarray(enrolment_ids, dtype=np.int64), kind="stable")
    citizens = _rows_of_citizens(stacked, order)
    ordered = order.tolist()
    return replace(
        net,
        enrolment_ids=[enrolment_ids[i] for i in ordered],
        citizen_ids=[citizen_ids[i] for i in ordered],
        citizens=citizens,
        goals={k: goals[i] for k, i in enumerate(ordered) if goals[i]},
        danish_assessed=assessed[order],
        objects={},
    )
