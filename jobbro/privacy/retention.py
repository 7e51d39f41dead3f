"""Retention: each kind of record is kept a number of months after the citizen's exit, then erased (erasure.py).

The exit is the end of the citizen's last enrolment (its end form, `ended_on`); a citizen with any enrolment still
open is never due, nor is one under a legal hold (the preview shows them, marked). A kind is erased once; when the
identity's period runs out everything goes at once, so its period is at least every other kind's (checked where it
is set, actions.set_retention_periods). The worker's periodic job, tasks.apply_when_due, erases what is due, each citizen in
a transaction of their own (actions.apply_retention): a crash leaves no citizen half erased, and a second run finds
nothing left to do.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef

from jobbro.cases.models import Enrolment
from jobbro.days import today
from jobbro.people import cpr
from jobbro.people.models import Citizen
from jobbro.privacy.models import ErasedKind, LegalHold, RecordKind, RetentionPeriod

K = RecordKind
# Months after exit. Danish municipalities' erasure deadlines (KL's KLE "slettefrister") put most case material at
# 5 years after the case is closed (code P1825D); short-lived material (messages, links, calculations) at 1 year
# (P365D). docs/privacy.md gives the sources and says which are a choice of ours.
DEFAULT_MONTHS = {
    K.IDENTITY: 60,
    K.CASE: 60,
    K.CV: 60,
    K.HEALTH: 60,
    K.PLACEMENTS: 60,
    K.HOURS: 60,
    K.MEETINGS: 60,
    K.MESSAGES: 12,
    K.PROGRESSION: 60,
    K.NET_GAIN: 12,
    K.ACCESS_LINKS: 12,
    K.EVALUATION: 60,
    K.LOGS: 60,
}
SOON_DAYS = 30  # the preview's "within 30 days"


def periods():
    """{kind: months}: the administrators' periods, defaults for the rest."""
    months = dict(DEFAULT_MONTHS)
    months.update(dict(RetentionPeriod.objects.values_list("kind", "months")))
    return months


def add_months(day, months):
    """The same day `months` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class Due:
    """One citizen's kinds of record that are due by a date, and when each is due."""

    citizen_pk: int
    exit_on: datetime.date
    held: bool
    kinds: dict = field(default_factory=dict)  # {kind: due date}

    @property
    def complete(self):
        return K.IDENTITY in self.kinds

    @property
    def first_due_on(self):
        return min(self.kinds.values())


def exits(citizen_pks=None):
    """{citizen pk: exit date} for the citizens not erased whose every enrolment has ended."""
    still_open = Enrolment.objects.filter(citizen=OuterRef("pk"), ended_on__isnull=True)
    citizens = Citizen.objects.exclude(cpr_hash__startswith=cpr.ERASED_PREFIX).exclude(Exists(still_open))
    if citizen_pks is not None:
        citizens = citizens.filter(pk__in=citizen_pks)
    rows = citizens.annotate(exit_on=Max("enrolments__ended_on")).filter(exit_on__isnull=False)
    return dict(rows.values_list("pk", "exit_on"))


def schedule(on=None, *, within_days=0, citizen_pks=None):
    """Every citizen with a kind of record due by `on` + `within_days`, oldest exit first."""
    on = on or today()
    until = on + datetime.timedelta(days=within_days)
    months = periods()
    exit_dates = exits(citizen_pks)
    if not exit_dates:
        return []
    earliest_cut = min(months.values())
    candidates = {pk: day for pk, day in exit_dates.items() if add_months(day, earliest_cut) <= until}
    done = {}
    for pk, kind in ErasedKind.objects.filter(citizen_id__in=candidates).values_list("citizen_id", "kind"):
        done.setdefault(pk, set()).add(kind)
    held = set(
        LegalHold.objects.filter(citizen_id__in=candidates, lifted_at__isnull=True).values_list("citizen_id", flat=True)
    )
    due = []
    for pk, exit_on in sorted(candidates.items(), key=lambda item: (item[1], item[0])):
        kinds = {}
        for kind in RecordKind.values:
            if kind in done.get(pk, ()):
                continue
            due_on = add_months(exit_on, months[kind])
            if due_on <= until:
                kinds[kind] = due_on
        if K.IDENTITY in kinds:  # the identity takes everything with it, on its own date
            kinds = {
                kind: kinds.get(kind, kinds[K.IDENTITY]) for kind in RecordKind.values if kind not in done.get(pk, ())
            }
        if kinds:
            due.append(Due(pk, exit_on, pk in held, kinds))
    return due


def due_kinds(citizen_pk, on=None):
    """The kinds of one citizen's records due now (empty when none, or held)."""
    found = schedule(on, citizen_pks=[citizen_pk])
    if not found or found[0].held:
        return {}
    return {kind: due_on for kind, due_on in found[0].kinds.items() if due_on <= (on or today())}
