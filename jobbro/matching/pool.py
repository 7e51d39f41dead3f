"""The citizens who can be ranked for a small job, their matching features kept in memory and kept true.

Ranking the citizens of a programme for one small job reads the features of every citizen who could take it
(hours, restrictions, Danish, job goals, home: `services.load`), tens of thousands of rows in a large programme,
for a ranking that then takes milliseconds. The pool keeps those features, per programme and date, in the
process that ranks, and rereads only the citizens whose records changed.

How it stays true. Every committed write that can change a citizen's features or whether they can be ranked (the
citizen, an enrolment, a placement, an agreement of hours, a restriction, an assessment, a job goal: `SOURCES`)
adds a CitizenChange row naming the citizen, after the write commits. Writers that load rows in bulk, past the
model signals, call `mark_changed` themselves (the import runner with its citizens, the demo generator with
none, meaning everyone). Before each use the pool reads the change rows it has not seen (one indexed query) and
reloads just those citizens; a change without a citizen, or more than REBUILD_CHANGES citizens, rebuilds it.

The order of the change rows. A change row is inserted after its write has committed, so whenever the row is
visible, the write is. Two inserts can commit out of id order on PostgreSQL; an id below the highest one read that
has not appeared yet is waited for (every later read asks for it again), and one still missing after GAP_PATIENCE
seconds rebuilds the pool. A process stopped in the instant between a commit and its change row leaves no row: the
pool is rebuilt every REBUILD_SECONDS whatever it has read, so such a write is seen within that time.

A write in the connection's own open transaction (not yet committed, so without a change row) would not be seen:
a ranking asked for inside such a transaction reads the database afresh (`in_own_transaction`).
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from scipy import sparse

from jobbro.cases.models import AgreedHoursChange, Enrolment, Placement
from jobbro.matching import engine
from jobbro.matching.models import CitizenChange
from jobbro.people.models import Citizen, CompetenceAssessment, JobGoal, Restriction

GAP_PATIENCE = 60.0  # seconds a missing change id is waited for before the pool is rebuilt
REBUILD_SECONDS = 600.0  # the pool is rebuilt at least this often
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
}


# --- Recording changes --------------------------------------------------------------------------------------------


def _pending():
    """Citizens changed by this connection's writes whose change rows are not written yet (None: everyone)."""
    if not hasattr(connection, "jobbro_changed_citizens"):
        connection.jobbro_changed_citizens = set()
    return connection.jobbro_changed_citizens


def mark_changed(citizen_ids=None):
    """Record that these citizens (None: any citizen) changed, once the current transaction commits (at once
    outside one). For writers that load rows in bulk, past the model signals."""
    _pending().update([None] if citizen_ids is None else citizen_ids)
    # Every write queues a drain; the first to run after the commit writes them all, the others find nothing. A
    # rolled-back transaction's citizens stay queued and are written with the next commit's: a harmless reload.
    transaction.on_commit(_write_pending, robust=True)


def _write_pending():
    pending = _pending()
    if not pending:
        return
    changed = sorted(pending, key=lambda c: (c is not None, c or 0))
    pending.clear()
    CitizenChange.objects.bulk_create([CitizenChange(citizen_id=c) for c in changed], batch_size=1000)


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
    """True when this connection has written source rows in a transaction still open: the pool cannot see them."""
    return connection.in_atomic_block and bool(_pending())


def forget_old_changes():
    """The worker's periodic job: delete change rows older than KEEP_DAYS (a pool is rebuilt every day anyway)."""
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
    seen_up_to: int  # every change id up to this one has been read
    built: float  # time.monotonic() of the last full build
    ahead: set = field(default_factory=set)  # change ids above seen_up_to already read
    waiting_since: float | None = None  # since when an id below max(ahead) has been missing
    by_citizen: dict = field(default_factory=dict)  # citizen id -> their rows

    def __post_init__(self):
        self.index()

    def index(self):
        self.by_citizen = {}
        for i, citizen_id in enumerate(self.net.citizen_ids):
            self.by_citizen.setdefault(citizen_id, []).append(i)


_pools = {}  # (database alias, programme id) -> Pool
_lock = threading.Lock()


def citizens(programme_id, on):
    """The pool of the programme's rankable enrolments on `on`, brought up to date with the committed changes."""
    key = (connection.alias, programme_id)
    with _lock:
        pool = _pools.get(key)
        if pool is None or pool.on != on or time.monotonic() - pool.built > REBUILD_SECONDS:
            pool = _pools[key] = _build(programme_id, on)
        elif not _catch_up(pool):
            pool = _pools[key] = _build(programme_id, on)
        return pool


def forget():
    """Drop every pool of this process (the next ranking builds afresh)."""
    with _lock:
        _pools.clear()


def _latest_change_id():
    return CitizenChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _build(programme_id, on):
    # The change id is read first: a write committed after it is read again at the next use, and one committed
    # before it is in the load (its change row comes after its commit).
    seen = _latest_change_id()
    vocabulary = {}
    net = _load(programme_id, on, None, vocabulary)
    return Pool(
        programme_id=programme_id, on=on, net=net, vocabulary=vocabulary, seen_up_to=seen, built=time.monotonic()
    )


def _load(programme_id, on, citizen_ids, vocabulary):
    from jobbro.companies.models import Opening
    from jobbro.matching import services

    rankable = services.rankable_enrolments(programme_id, on=on)
    enrolments = rankable if citizen_ids is None else rankable.filter(citizen_id__in=sorted(citizen_ids))
    return services.load(enrolments, Opening.objects.none(), on=on, related=rankable, vocabulary=vocabulary)


def _catch_up(pool):
    """Read the change rows not yet seen and reload their citizens; False when the pool must be rebuilt instead."""
    rows = list(CitizenChange.objects.filter(id__gt=pool.seen_up_to).order_by("id").values_list("id", "citizen_id"))
    new = [(change_id, citizen_id) for change_id, citizen_id in rows if change_id not in pool.ahead]
    changed = {citizen_id for _id, citizen_id in new}
    if None in changed or len(changed) > REBUILD_CHANGES:
        return False
    pool.ahead.update(change_id for change_id, _citizen in new)
    while pool.seen_up_to + 1 in pool.ahead:
        pool.seen_up_to += 1
        pool.ahead.discard(pool.seen_up_to)
    if pool.ahead:  # an id below those read has not appeared yet
        now = time.monotonic()
        if pool.waiting_since is None:
            pool.waiting_since = now
        elif now - pool.waiting_since > GAP_PATIENCE:
            return False
    else:
        pool.waiting_since = None
    if changed:
        fresh = _load(pool.programme_id, pool.on, changed, pool.vocabulary)
        keep = ~np.isin(np.asarray(pool.net.citizen_ids, dtype=np.int64), np.fromiter(changed, np.int64))
        pool.net = spliced(pool.net, keep, fresh)
        pool.index()
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
