"""A company's track record in a programme, computed from placements, timesheets and contacts.

Every figure is one correlated subquery annotated onto a Company queryset, so a list of companies gets all
figures for all its companies in one query per programme, however many companies there are. Nothing is
typed in: the figures are what the records say.

The figures (for one programme, as of a date `on`):

- internships started: placements of the kinds internship and hybrid internship started on or before `on`;
- internships turned into ordinary hours: of those, the ones where the same citizen, in the same programme,
  got ordinary paid hours above 0 at the same company, in the internship's own timesheets or in a placement
  at the company that started on or after the internship did;
- average weekly ordinary hours: the mean of the ordinary hours over the timesheet weeks at the company that
  have ordinary hours above 0;
- current citizens: citizens in a placement at the company that is running on `on`;
- last contact: the latest contact logged with the company (Contact.company) or activity in its activity log
  (companies.CompanyActivity: visits, calls, agreements, follow-ups), in the programme;
- who is in contact: the staff present at a contact with the company, or taking part in an activity with it, in
  the last CONTACT_DAYS days, and the job brokers of the citizens placed there now.

The internship-factory rule (praktikfabrik), with the programme's settings (accounts/thresholds.py):
a company is flagged when at least `factory_min_internships` internships started there within the last
`factory_lookback_days` days, and at most `factory_max_paid_share_percent` percent of those turned into
ordinary hours.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, Exists, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from jobbro.accounts import thresholds
from jobbro.cases.models import KINDS_WITH_INTERNSHIP, Contact, Placement, Timesheet
from jobbro.companies.models import CompanyActivity
from jobbro.days import today

# Staff on a contact with the company within this many days count as "in contact".
CONTACT_DAYS = 90

FIGURES = (
    "internships_started",
    "internships_paid",
    "recent_internships",
    "recent_internships_paid",
    "average_weekly_ordinary_hours",
    "current_citizens",
    "last_contact_on",
)


@dataclass(frozen=True)
class FactoryRule:
    min_internships: int
    max_paid_share_percent: int
    lookback_days: int

    @classmethod
    def for_programme(cls, programme):
        values = thresholds.for_programme(programme)
        return cls(
            min_internships=values.factory_min_internships,
            max_paid_share_percent=values.factory_max_paid_share_percent,
            lookback_days=values.factory_lookback_days,
        )

    def since(self, on):
        return on - datetime.timedelta(days=self.lookback_days)

    def flags(self, recent_internships, recent_paid):
        """True when the company is an internship factory by this rule."""
        if recent_internships < self.min_internships:
            return False
        # Integer arithmetic: paid / started <= max% without rounding.
        return recent_paid * 100 <= self.max_paid_share_percent * recent_internships


def _count(queryset):
    """A correlated COUNT(*) subquery over a queryset already filtered on OuterRef("pk")."""
    counted = queryset.order_by().values("company").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _internships(programme, on):
    return Placement.objects.filter(
        company=OuterRef("pk"), kind__in=KINDS_WITH_INTERNSHIP, enrolment__programme=programme, starts_on__lte=on
    )


def _turned_into_ordinary_hours(programme):
    """Exists: the internship's citizen got ordinary hours at the company, in it or a placement started later."""
    return Exists(
        Timesheet.objects.filter(
            placement__company=OuterRef("company"),
            placement__enrolment__citizen=OuterRef("enrolment__citizen"),
            placement__enrolment__programme=programme,
            placement__starts_on__gte=OuterRef("starts_on"),
            ordinary_hours__gt=0,
        )
    )


def with_track_record(companies, programme, *, on=None, rule=None):
    """Annotate a Company queryset with the track-record figures (names in FIGURES) for one programme."""
    on = on or today()
    rule = rule or FactoryRule.for_programme(programme)
    internships = _internships(programme, on)
    paid = internships.filter(_turned_into_ordinary_hours(programme))
    since = rule.since(on)
    ordinary_weeks = (
        Timesheet.objects.filter(
            placement__company=OuterRef("pk"), placement__enrolment__programme=programme, ordinary_hours__gt=0
        )
        .order_by()
        .values("placement__company")
        .annotate(a=Avg("ordinary_hours"))
        .values("a")
    )
    running = Placement.objects.running_on(on).filter(company=OuterRef("pk"), enrolment__programme=programme)
    current = running.order_by().values("company").annotate(n=Count("enrolment__citizen", distinct=True)).values("n")
    last_contact = (
        Contact.objects.filter(company=OuterRef("pk"), enrolment__programme=programme, occurred_on__lte=on)
        .order_by()
        .values("company")
        .annotate(m=Max("occurred_on"))
        .values("m")
    )
    last_activity = (
        CompanyActivity.objects.filter(company=OuterRef("pk"), programme=programme, occurred_on__lte=on)
        .order_by()
        .values("company")
        .annotate(m=Max("occurred_on"))
        .values("m")
    )
    return companies.annotate(
        internships_started=_count(internships),
        internships_paid=_count(paid),
        recent_internships=_count(internships.filter(starts_on__gte=since)),
        recent_internships_paid=_count(paid.filter(starts_on__gte=since)),
        average_weekly_ordinary_hours=Subquery(
            ordinary_weeks, output_field=DecimalField(max_digits=6, decimal_places=2)
        ),
        current_citizens=Coalesce(Subquery(current, output_field=IntegerField()), Value(0)),
        # Greatest is NULL on SQLite when either is NULL (PostgreSQL skips NULLs): each side falls back on the other.
        last_contact_on=Greatest(
            Coalesce(Subquery(last_contact), Subquery(last_activity)),
            Coalesce(Subquery(last_activity), Subquery(last_contact)),
        ),
    )


@dataclass
class TrackRecord:
    """One company's figures in one programme, with the rule they were judged by."""

    programme: object
    rule: FactoryRule
    internships_started: int
    internships_paid: int
    recent_internships: int
    recent_internships_paid: int
    average_weekly_ordinary_hours: Decimal | None
    current_citizens: int
    last_contact_on: datetime.date | None
    in_contact: list

    @property
    def is_factory(self):
        return self.rule.flags(self.recent_internships, self.recent_internships_paid)

    @property
    def paid_share_percent(self):
        """The share of the internships in the look-back period that turned into ordinary hours, or None."""
        if not self.recent_internships:
            return None
        return round(100 * self.recent_internships_paid / self.recent_internships)

    @property
    def average_hours(self):
        if self.average_weekly_ordinary_hours is None:
            return None
        return Decimal(self.average_weekly_ordinary_hours).quantize(Decimal("0.1"))


def in_contact(company_ids, programme, *, on=None):
    """{company_id: [users]}: staff on a contact or an activity with the company lately, and job brokers of citizens
    placed there now.

    Four queries whatever the number of companies.
    """
    from jobbro.accounts.models import User

    on = on or today()
    company_ids = list(company_ids)
    pairs = set(
        Contact.staff.through.objects.filter(
            contact__company_id__in=company_ids,
            contact__enrolment__programme=programme,
            contact__occurred_on__gte=on - datetime.timedelta(days=CONTACT_DAYS),
            contact__occurred_on__lte=on,
        ).values_list("contact__company_id", "user_id")
    )
    pairs |= set(
        CompanyActivity.staff.through.objects.filter(
            companyactivity__company_id__in=company_ids,
            companyactivity__programme=programme,
            companyactivity__occurred_on__gte=on - datetime.timedelta(days=CONTACT_DAYS),
            companyactivity__occurred_on__lte=on,
        ).values_list("companyactivity__company_id", "user_id")
    )
    pairs |= set(
        Placement.objects.running_on(on)
        .filter(company_id__in=company_ids, enrolment__programme=programme)
        .filter(enrolment__job_broker__isnull=False)
        .values_list("company_id", "enrolment__job_broker_id")
    )
    users = User.objects.in_bulk({user_id for _company, user_id in pairs})
    result = {company_id: [] for company_id in company_ids}
    for company_id, user_id in pairs:
        result[company_id].append(users[user_id])
    for people in result.values():
        people.sort(key=lambda u: (u.get_full_name() or u.username).lower())
    return result


def track_records(companies, programmes, *, on=None, with_contacts=True):
    """{company_id: [TrackRecord per programme]} for the given companies (a queryset or a list of Company).

    One query per programme for the figures, plus three per programme for who is in contact.
    """
    from jobbro.companies.models import Company

    on = on or today()
    ids = (
        [c.pk for c in companies]
        if not hasattr(companies, "values_list")
        else list(companies.values_list("pk", flat=True))
    )
    result = {pk: [] for pk in ids}
    if not ids:
        return result
    for programme in programmes:
        rule = FactoryRule.for_programme(programme)
        rows = with_track_record(Company.objects.filter(pk__in=ids), programme, on=on, rule=rule).values("pk", *FIGURES)
        contacts = in_contact(ids, programme, on=on) if with_contacts else {}
        for row in rows:
            pk = row.pop("pk")
            result[pk].append(TrackRecord(programme=programme, rule=rule, in_contact=contacts.get(pk, []), **row))
    return result


def company_track_records(company, programmes, *, on=None):
    return track_records([company], programmes, on=on)[company.pk]
