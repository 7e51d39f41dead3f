"""Attendance at events: per kind of event, how many were held, how many registered, attended, did not show or
cancelled, and how many drop-in visitors came to open counselling hours.

The unit is an event (jobbro/outreach) of the programme whose start falls in the 12 months ending on the as-of
date `on`. An event with a site counts when the site is in the report's scope; an event for the whole programme
(no site) counts when the report covers every site. A registration's state is read as of `on` from its history
(the last RegistrationChange recorded before the end of `on`), so a registration made after `on` is not counted
and a report as of an earlier date shows what was known then:

events held       events starting in the period
registered        registrations of those events made by `on` (citizens, company contacts and buddies, staff)
attended          their state as of `on` is attended (at a group course: came to at least one session)
no-shows          did not come
cancelled         cancelled before the event
still registered  no attendance recorded by `on`
                  Attended + no-shows + cancelled + still registered = registered, in every column.
no-show share     no-shows of those whose attendance is recorded (attended + no-shows): never above 100 %
drop-in visits    visitors counted at open counselling hours by `on`, without personal data
"""

import datetime

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.outreach.models import DropInCount, Event, EventKind, Registration, RegistrationChange, RegistrationState
from jobbro.reporting.base import Report, Row, Share, Table

TITLE = _("Attendance at events")
SUMMARY = _(
    "Events over the last 12 months per kind: held, registered, attended, no-shows and cancellations, and drop-in "
    "visits at open counselling hours."
)

PERIOD_DAYS = 365
STATES = (
    RegistrationState.ATTENDED,
    RegistrationState.NO_SHOW,
    RegistrationState.CANCELLED,
    RegistrationState.REGISTERED,
)


def period(scope):
    return scope.on - datetime.timedelta(days=PERIOD_DAYS - 1), scope.on


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def events_in_scope(scope):
    """The events counted: of the programme, starting in the period, at a site in scope (or programme-wide when the
    report covers every site)."""
    first, last = period(scope)
    in_scope = Q(site__in=scope.site_ids)
    if scope.all_sites:
        in_scope |= Q(site__isnull=True)
    return Event.objects.filter(in_scope, programme=scope.programme).filter(
        starts_at__gte=_start_of(first), starts_at__lt=_start_of(last + datetime.timedelta(days=1))
    )


def events_held(scope):
    """{kind: events starting in the period}."""
    rows = events_in_scope(scope).order_by().values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}


def registrations_by_state(scope):
    """{(kind, state): registrations}, each registration in its state as of the end of `on`."""
    end = _start_of(scope.on + datetime.timedelta(days=1))
    history = RegistrationChange.objects.filter(registration=OuterRef("pk"), at__lt=end).order_by("-at", "-id")
    rows = (
        Registration.objects.filter(event__in=events_in_scope(scope))
        .annotate(state_on=Subquery(history.values("state")[:1]))
        .filter(state_on__isnull=False)
        .order_by()
        .values("event__kind", "state_on")
        .annotate(n=Count("id"))
    )
    return {(row["event__kind"], row["state_on"]): row["n"] for row in rows}


def drop_in_visits(scope):
    """{kind: drop-in visitors counted by the end of `on`} (open counselling hours only have them)."""
    end = _start_of(scope.on + datetime.timedelta(days=1))
    rows = (
        DropInCount.objects.filter(event__in=events_in_scope(scope), recorded_at__lt=end)
        .order_by()
        .values("event__kind")
        .annotate(n=Sum("visitors"))
    )
    return {row["event__kind"]: row["n"] or 0 for row in rows}


def row_key(state):
    """The row of a state: "still_registered" for those still registered ("registered" is the total row)."""
    return "still_registered" if state == RegistrationState.REGISTERED else str(state)


def _label(state):
    return {
        RegistrationState.ATTENDED: gettext("Attended"),
        RegistrationState.NO_SHOW: gettext("No-shows"),
        RegistrationState.CANCELLED: gettext("Cancellations"),
        RegistrationState.REGISTERED: gettext("Still registered (no attendance recorded)"),
    }[state]


def kind_table(held, states, visits):
    kinds = list(EventKind.values)
    columns = [str(label) for label in EventKind.labels] + [gettext("All events")]

    def per_kind(value):
        values = [value(kind) for kind in kinds]
        return values + [sum(values)]

    registered = per_kind(lambda kind: sum(states.get((kind, state), 0) for state in STATES))

    def shares(state):
        parts = per_kind(lambda kind: states.get((kind, state), 0))
        return [Share(part, whole) for part, whole in zip(parts, registered, strict=True)]

    no_shows = per_kind(lambda kind: states.get((kind, RegistrationState.NO_SHOW), 0))
    recorded = per_kind(
        lambda kind: (
            states.get((kind, RegistrationState.NO_SHOW), 0) + states.get((kind, RegistrationState.ATTENDED), 0)
        )
    )
    rows = [
        Row("held", gettext("Events held"), per_kind(lambda kind: held.get(kind, 0)), additive=True),
        Row("registered", gettext("Registered"), registered, additive=True),
        *(Row(row_key(state), _label(state), shares(state), additive=True) for state in STATES),
        Row(
            "no_show_share",
            gettext("No-show share (of those whose attendance is recorded)"),
            [Share(part, whole) for part, whole in zip(no_shows, recorded, strict=True)],
            additive=True,
        ),
        Row("drop_in", gettext("Drop-in visits"), per_kind(lambda kind: visits.get(kind, 0)), additive=True),
    ]
    return Table(
        key="attendance_by_kind",
        title=gettext("Attendance per kind of event"),
        columns=columns,
        rows=rows,
        total_column=len(columns) - 1,
        sums=[("registered", [row_key(state) for state in STATES])],
        note=gettext(
            "Shares are of those registered for events of the same kind; the no-show share is of those whose "
            "attendance is recorded."
        ),
        first_column_label=gettext("Figure"),
    )


def build(scope):
    first, last = period(scope)
    return Report(
        key="attendance",
        title=str(TITLE),
        scope=scope,
        tables=[kind_table(events_held(scope), registrations_by_state(scope), drop_in_visits(scope))],
        notes=[
            gettext("Events starting from %(first)s to %(last)s; registrations as of %(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")},
            gettext("Attended + no-shows + cancellations + still registered = registered, for every kind."),
            gettext(
                "Drop-in visitors are counted without names; an event for the whole programme counts when the "
                "report covers every site."
            ),
        ],
    )
