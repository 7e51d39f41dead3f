"""The citizen's timeline, assembled from the history tables themselves.

Reading the rows that the actions write (rather than a separate event table)
means the timeline cannot disagree with the record, whether a row came from
the UI, an import or the demo generator.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jobbro.cases.models import Contact, Outcome, Placement, StepChange, Timesheet, UpskillingDecision
from jobbro.people.models import JobGoal, TrafficLightChange


@dataclass(frozen=True)
class Event:
    on: date
    kind: str
    title: str
    detail: str = ""
    # Free text written about the citizen (accounts/free_text.py CASE_NOTES): shown only to readers of case notes.
    # Title and detail are shown to everyone who may open the citizen, so they never hold free text.
    note: str = ""


def _referrals(enrolments):
    for e in enrolments:
        detail = _("Referred to %(programme)s, %(site)s") % {"programme": e.programme, "site": e.site}
        if e.started_on == e.referred_on:
            yield Event(e.referred_on, "referral", _("Referral (start form)"), detail, e.referral_text)
            continue
        yield Event(e.referred_on, "referral", _("Referral"), detail, e.referral_text)
        if e.started_on:
            yield Event(e.started_on, "referral", _("Start form filled"), str(e.programme))


def _steps(enrolments):
    for change in StepChange.objects.filter(enrolment__in=enrolments).select_related("changed_by"):
        by = _("by %(user)s") % {"user": change.changed_by} if change.changed_by else ""
        yield Event(change.changed_on, "step", change.get_step_display(), by, change.note)


def _placements(enrolments):
    for p in Placement.objects.filter(enrolment__in=enrolments).select_related("company"):
        yield Event(
            p.starts_on, "placement", _("Placement started: %(kind)s") % {"kind": p.get_kind_display()}, str(p.company)
        )
        if p.ended_on:
            yield Event(
                p.ended_on,
                "placement",
                _("Placement ended: %(company)s") % {"company": p.company},
                p.get_end_reason_display(),
                p.end_note,
            )


def _contacts(enrolments):
    for c in Contact.objects.filter(enrolment__in=enrolments).select_related("company"):
        yield Event(c.occurred_on, "contact", c.get_kind_display(), str(c.company or ""), c.note)


def _hours_text(value):
    """11 and 7,5 rather than 11,0 and 7,50: databases sum decimals to different scales."""
    value = Decimal(value).quantize(Decimal("0.1"))
    return number_format(int(value) if value == value.to_integral_value() else value)


def _hours(enrolments):
    """One event per calendar month, dated by its last registered week: weekly rows live on the placement page."""
    months = (
        Timesheet.objects.filter(placement__enrolment__in=enrolments)
        .annotate(month=TruncMonth("week_start"))
        .values("month")
        .annotate(
            last_week=Max("week_start"),
            ordinary=Sum("ordinary_hours"),
            internship=Sum("internship_hours"),
            weeks=Count("week_start", distinct=True),
        )
    )
    for month in months:
        detail = ngettext(
            "%(ordinary)s ordinary paid hours, %(internship)s internship hours in %(weeks)s week",
            "%(ordinary)s ordinary paid hours, %(internship)s internship hours in %(weeks)s weeks",
            month["weeks"],
        ) % {
            "ordinary": _hours_text(month["ordinary"]),
            "internship": _hours_text(month["internship"]),
            "weeks": month["weeks"],
        }
        title = _("Hours in %(month)s") % {"month": date_format(month["month"], "YEAR_MONTH_FORMAT")}
        yield Event(month["last_week"], "hours", title, detail)


def _upskilling(enrolments):
    decisions = UpskillingDecision.objects.filter(enrolment__in=enrolments).select_related("course")
    for d in decisions:
        detail = str(d.course) if d.wanted else _("Not now")
        yield Event(d.decided_on, "upskilling", _("Upskilling considered"), detail, d.reason)


def _outcomes(enrolments):
    for o in Outcome.objects.filter(enrolment__in=enrolments):
        title = _("End form") if o.kind == Outcome.Kind.EXIT else _("Follow-up")
        yield Event(o.measured_on, "outcome", title, o.get_status_display(), o.note)


def _citizen_changes(citizen):
    for change in TrafficLightChange.objects.filter(citizen=citizen):
        yield Event(change.changed_on, "traffic_light", _("Traffic light"), change.get_light_display(), change.note)
    for goal in JobGoal.objects.filter(citizen=citizen):
        occupation = f"{goal.occupation_code} {goal.occupation_title}".strip()
        yield Event(goal.set_on, "job_goal", goal.get_kind_display(), occupation, goal.text)


def build(citizen, enrolments):
    """All events for a citizen in the given (already access-scoped) enrolments, newest first."""
    enrolments = list(enrolments)
    sources = (_referrals, _steps, _placements, _contacts, _hours, _upskilling, _outcomes)
    events = [event for source in sources for event in source(enrolments)]
    events.extend(_citizen_changes(citizen))
    return sorted(events, key=lambda e: e.on, reverse=True)
