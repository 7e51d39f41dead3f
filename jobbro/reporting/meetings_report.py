"""Meetings: how many booked meetings were held, cancelled or missed (no-show), per site and per kind.

The unit is a meeting (jobbro/meetings) of the programme whose start falls in the 12 months ending on the as-of
date `on` and that was booked on or before `on`. Its state is read as of `on` from its history (the last
MeetingEvent recorded on or before the end of `on`), so a report as of an earlier date shows what was known then:

booked          meetings starting in the period, booked by `on`
held            its state as of `on` is held
cancelled       cancelled (by the citizen, the company or the job centre)
no-show         someone did not show (the citizen, the company or both)
still planned   no outcome recorded by `on`
                Held + cancelled + no-show + still planned = booked, in every column and every row.

A meeting with a citizen belongs to the site of the citizen's enrolment; a meeting with a company only has no site
and is counted in its own column when the report covers all sites. Every share is of the booked meetings in the
same column (or row).
"""

import datetime

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.meetings.models import CancelledBy, Meeting, MeetingEvent, MeetingKind, MeetingState, NoShowBy
from jobbro.reporting.base import Report, Row, Share, Table

TITLE = _("Meetings")
SUMMARY = _(
    "Booked meetings over the last 12 months: held, cancelled and no-shows (who did not show), per site and per kind."
)

PERIOD_DAYS = 365
OUTCOMES = (MeetingState.HELD, MeetingState.CANCELLED, MeetingState.NO_SHOW, MeetingState.PLANNED)
NO_SITE = "none"


def period(scope):
    return scope.on - datetime.timedelta(days=PERIOD_DAYS - 1), scope.on


def _end_of(day):
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def booked_meetings(scope):
    """The meetings counted, each with `state_on`: its state as of the end of the as-of date."""
    first, last = period(scope)
    end = _end_of(last)
    history = MeetingEvent.objects.filter(meeting=OuterRef("pk"), at__lt=end).order_by("-at", "-id")
    in_scope = Q(site__in=scope.site_ids)
    if scope.all_sites:
        in_scope |= Q(site__isnull=True)
    return (
        Meeting.objects.filter(in_scope, programme=scope.programme)
        .filter(starts_at__gte=_end_of(first - datetime.timedelta(days=1)), starts_at__lt=end)
        .annotate(state_on=Subquery(history.values("state")[:1]))
        .filter(state_on__isnull=False)
        .order_by()
    )


def meeting_figures(scope):
    """{(site id or NO_SITE, kind, state, who): meetings}, from one grouped query. `who` is who did not show for a
    no-show, who cancelled for a cancellation, else ""."""
    rows = (
        booked_meetings(scope).values("site", "kind", "state_on", "no_show_by", "cancelled_by").annotate(n=Count("id"))
    )
    figures = {}
    for row in rows:
        state = row["state_on"]
        who = (
            row["no_show_by"]
            if state == MeetingState.NO_SHOW
            else row["cancelled_by"]
            if state == MeetingState.CANCELLED
            else ""
        )
        key = (row["site"] or NO_SITE, row["kind"], state, who)
        figures[key] = figures.get(key, 0) + row["n"]
    return figures


def _count(figures, *, site=None, kind=None, state=None, who=None):
    return sum(
        n
        for (s, k, st, w), n in figures.items()
        if (site is None or s == site)
        and (kind is None or k == kind)
        and (state is None or st == state)
        and (who is None or w == who)
    )


def _columns(scope):
    columns = [(site.pk, site.name) for site in scope.sites]
    if scope.all_sites:
        columns.append((NO_SITE, gettext("Company only (no site)")))
    return columns


def _state_label(state):
    return {
        MeetingState.HELD: gettext("Held"),
        MeetingState.CANCELLED: gettext("Cancelled"),
        MeetingState.NO_SHOW: gettext("No-show"),
        MeetingState.PLANNED: gettext("Still planned (no outcome recorded)"),
    }[state]


def site_table(scope, figures):
    columns = _columns(scope)
    labels = [label for _pk, label in columns] + [gettext("Total")]
    booked = [_count(figures, site=pk) for pk, _label in columns] + [_count(figures)]

    def cells(**where):
        parts = [_count(figures, site=pk, **where) for pk, _label in columns] + [_count(figures, **where)]
        return [Share(part, whole) for part, whole in zip(parts, booked, strict=True)]

    rows = [Row("booked", gettext("Booked"), booked, additive=True)]
    rows += [Row(state, _state_label(state), cells(state=state), additive=True) for state in OUTCOMES]
    rows += [
        Row(
            f"no_show_{who}",
            gettext("No-show: %(who)s") % {"who": label},
            cells(state=MeetingState.NO_SHOW, who=who),
            additive=True,
        )
        for who, label in NoShowBy.choices
    ]
    rows += [
        Row(
            f"cancelled_{who}",
            gettext("Cancelled by %(who)s") % {"who": str(label).lower()},
            cells(state=MeetingState.CANCELLED, who=who),
            additive=True,
        )
        for who, label in CancelledBy.choices
    ]
    return Table(
        key="meetings_by_site",
        title=gettext("Meetings per site"),
        columns=labels,
        rows=rows,
        total_column=len(labels) - 1,
        sums=[
            ("booked", list(OUTCOMES)),
            ("no_show", [f"no_show_{who}" for who in NoShowBy.values]),
            ("cancelled", [f"cancelled_{who}" for who in CancelledBy.values]),
        ],
        note=gettext("Shares are of the meetings booked in the same column."),
    )


def kind_table(scope, figures):
    columns = [gettext("Booked")] + [_state_label(state) for state in OUTCOMES]

    def row(key, label, **where):
        booked = _count(figures, **where)
        return Row(
            key,
            label,
            [booked] + [Share(_count(figures, state=state, **where), booked) for state in OUTCOMES],
            additive=True,
        )

    rows = [row(kind, str(label), kind=kind) for kind, label in MeetingKind.choices]
    rows.append(row("all", gettext("All meetings")))
    return Table(
        key="meetings_by_kind",
        title=gettext("Meetings per kind"),
        columns=columns,
        rows=rows,
        total_column=0,
        sums=[("all", list(MeetingKind.values))],
        note=gettext("Shares are of the meetings booked of the same kind."),
        first_column_label=gettext("Kind"),
    )


def build(scope):
    figures = meeting_figures(scope)
    first, last = period(scope)
    return Report(
        key="meetings",
        title=str(TITLE),
        scope=scope,
        tables=[site_table(scope, figures), kind_table(scope, figures)],
        notes=[
            gettext("Meetings starting from %(first)s to %(last)s, booked by %(last)s; their state as of %(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")},
            gettext("Held + cancelled + no-show + still planned = booked, in every column and every row."),
            gettext("A meeting with a company only has no site: it is counted when the report covers every site."),
        ],
    )
