"""The benefits office's monthly list (ydelseskontoret): per citizen with paid hours, per month, the ordinary paid hours
and the gross wage, for one programme or one of its sites (docs/wages.md).

- A citizen is on a month's list when their placements in the programme (or site) had ordinary paid hours above 0 in
  the weeks whose Monday is in the month (the month of a week as everywhere, cases/wages.py).
- The gross wage is cases/wages.py's gross pay: ordinary hours × the wage in force, week by week. Internship and
  subsidised hours are not on the list.
- A month is sent when it has a WageListSending; the latest sending is what the benefits office knows. When the
  figures now differ from it (hours or wages registered or changed afterwards), the month is corrected since sent,
  and the differences per citizen are the correction list.

The figures are one aggregate query per list (month_figures) or per window of months (figures_by_month); the
comparison with a snapshot is of two small dictionaries.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404

from jobbro.accounts import access
from jobbro.cases.models import Enrolment, Timesheet, WageListSending
from jobbro.cases.wages import month_first_last, with_pay

ZERO_HOURS = Decimal("0.0")
ZERO_PAY = Decimal("0.00")


@dataclass(frozen=True)
class Unit:
    """What a list covers: a programme, or one site of it."""

    programme: object
    site: object = None

    def enrolments(self):
        enrolments = Enrolment.objects.filter(programme=self.programme)
        if self.site is not None:
            enrolments = enrolments.filter(site=self.site)
        return enrolments

    def sendings(self):
        return WageListSending.objects.filter(programme=self.programme, site=self.site)


def units_for(user):
    """The units the user may list: every visible site, and a whole programme where the user's scope holds all of it."""
    units = []
    for programme in access.visible_programmes(user).order_by("name"):
        if access.sees_everything(user) or user.memberships.filter(programme=programme, site__isnull=True).exists():
            units.append(Unit(programme))
        for site in access.visible_sites(user).filter(programme=programme).order_by("name"):
            units.append(Unit(programme, site))
    return units


def unit_for(user, programme_pk, site_pk):
    """The unit asked for if the user may list it; 404 otherwise (a miss and a denial look the same)."""
    for unit in units_for(user):
        if str(unit.programme.pk) == str(programme_pk) and str(getattr(unit.site, "pk", "")) == str(site_pk or ""):
            return unit
    raise Http404


def parse_month(text):
    """The first day of a month written "2026-11", or None."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def previous_month(on):
    return (on.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_has_ended(month, on):
    return month_first_last(month.year, month.month)[1] < on


def _paid_weeks(unit, first, last):
    return with_pay(
        Timesheet.objects.filter(
            placement__enrolment__in=unit.enrolments(),
            week_start__gte=first,
            week_start__lte=last,
            ordinary_hours__gt=0,
        )
    )


def month_figures(unit, month):
    """{citizen id: (ordinary hours, gross pay, weeks without a wage in force)} for the month: one query."""
    first, last = month_first_last(month.year, month.month)
    rows = (
        _paid_weeks(unit, first, last)
        .values(citizen_id=F("placement__enrolment__citizen_id"))
        .annotate(
            hours=Sum("ordinary_hours"),
            pay=Sum("gross_pay"),
            without_wage=Count("pk", filter=Q(hourly_wage__isnull=True)),
        )
        .order_by()
    )
    return {row["citizen_id"]: _figure(row) for row in rows}


def figures_by_month(unit, first_month, last_month):
    """{month: {citizen id: figure}} for the months from first_month to last_month: one query."""
    last = month_first_last(last_month.year, last_month.month)[1]
    rows = (
        _paid_weeks(unit, first_month, last)
        .annotate(month=TruncMonth("week_start"))
        .values("month", citizen_id=F("placement__enrolment__citizen_id"))
        .annotate(
            hours=Sum("ordinary_hours"),
            pay=Sum("gross_pay"),
            without_wage=Count("pk", filter=Q(hourly_wage__isnull=True)),
        )
        .order_by()
    )
    found = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        found.setdefault(month, {})[row["citizen_id"]] = _figure(row)
    return found


def _figure(row):
    return Figure(
        hours=Decimal(row["hours"] or 0).quantize(ZERO_HOURS),
        gross_pay=Decimal(row["pay"] or 0).quantize(ZERO_PAY),
        weeks_without_wage=row["without_wage"],
    )


@dataclass(frozen=True)
class Figure:
    hours: Decimal
    gross_pay: Decimal
    weeks_without_wage: int = 0

    def snapshot(self):
        return {"hours": str(self.hours), "gross_pay": str(self.gross_pay)}

    @classmethod
    def from_snapshot(cls, data):
        return cls(hours=Decimal(data["hours"]), gross_pay=Decimal(data["gross_pay"]))

    def same_as(self, other):
        return other is not None and (self.hours, self.gross_pay) == (other.hours, other.gross_pay)


NO_FIGURE = Figure(ZERO_HOURS, ZERO_PAY)


def snapshot(figures):
    return {str(citizen_id): figure.snapshot() for citizen_id, figure in figures.items()}


@dataclass
class Difference:
    citizen_id: int
    sent: Figure
    now: Figure

    @property
    def hours(self):
        return self.now.hours - self.sent.hours

    @property
    def gross_pay(self):
        return self.now.gross_pay - self.sent.gross_pay


def differences(sent_snapshot, figures):
    """The citizens whose figures now differ from those sent (new on the list, changed, or no longer on it)."""
    sent = {int(pk): Figure.from_snapshot(data) for pk, data in sent_snapshot.items()}
    found = []
    for citizen_id in sorted(set(sent) | set(figures)):
        before, now = sent.get(citizen_id, NO_FIGURE), figures.get(citizen_id, NO_FIGURE)
        if not now.same_as(before):
            found.append(Difference(citizen_id, before, now))
    return found


@dataclass
class MonthStatus:
    month: datetime.date
    figures: dict
    sendings: list = field(default_factory=list)

    @property
    def latest(self):
        return self.sendings[-1] if self.sendings else None

    @property
    def differences(self):
        return differences(self.latest.figures, self.figures) if self.latest else []

    @property
    def state(self):
        """ "not_sent" (citizens with paid hours and no sending), "sent", "corrected" (changed since sent) or "empty"."""
        if self.latest is None:
            return "not_sent" if self.figures else "empty"
        return "corrected" if self.differences else "sent"

    @property
    def citizen_count(self):
        return len(self.figures)


MONTHS_BACK = 36  # how far back the page looks for months not sent or corrected since


def month_statuses(unit, last_month, count=MONTHS_BACK):
    """The status of the months up to last_month, newest first, from the programme's start but at most `count`
    months: two queries."""
    first_month = last_month
    starts = unit.programme.starts_on.replace(day=1) if unit.programme.starts_on else None
    for _ in range(count - 1):
        if starts is not None and first_month <= starts:
            break
        first_month = previous_month(first_month)
    figures = figures_by_month(unit, first_month, last_month)
    sendings = {}
    for sending in unit.sendings().filter(month__gte=first_month, month__lte=last_month).select_related("sent_by"):
        sendings.setdefault(sending.month, []).append(sending)
    statuses = []
    month = last_month
    while month >= first_month:
        statuses.append(MonthStatus(month, figures.get(month, {}), sendings.get(month, [])))
        month = previous_month(month)
    return statuses


def month_status(unit, month):
    return MonthStatus(month, month_figures(unit, month), list(unit.sendings().filter(month=month)))


def unsent_in_caseload(user, unit, statuses):
    """{month: [citizen ids]} of the user's own caseload (job broker or mentor) in the months shown that the benefits
    office has not got as they are now: not sent, or changed since sent."""
    mine = set(
        Enrolment.objects.caseload_of(user).filter(pk__in=unit.enrolments()).values_list("citizen_id", flat=True)
    )
    found = {}
    for status in statuses:
        if status.state == "not_sent":
            pks = [pk for pk in status.figures if pk in mine]
        elif status.state == "corrected":
            pks = [difference.citizen_id for difference in status.differences if difference.citizen_id in mine]
        else:
            pks = []
        if pks:
            found[status.month] = pks
    return found
