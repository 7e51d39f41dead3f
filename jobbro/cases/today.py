"""Today: what needs doing in a job broker's (or mentor's) own caseload, one query per list.

The caseload is the active enrolments where the user is the job broker or the mentor,
within what the user may see. Each list is one scoped queryset; the thresholds come from
each enrolment's programme (accounts/thresholds.py), so a caseload spanning programmes with
different settings is still one query per list: the condition is written once per
distinct threshold value and the programmes sharing it.

The rules, with N the programme's threshold and `on` today's date:

- start_form_missing: active (not ended) citizens referred without a start form: referred, but not receiving
  active effort until the start form is filled (the citizen's page has the button to fill it).
- missing_timesheets: placements with a week missing its timesheet: last ISO week or any of the
  MISSING_WEEKS_BACK weeks before it in which the placement ran. The same definition as the hours page's
  (cases/timesheets.py, missing_weeks): what Today lists is what the hours page of last week marks.
- no_contact: citizens in step 3 with no contact on any of the last N days (a contact N days
  ago is too old) who have also been in step 3 for at least N days: the count starts at the
  last contact or at entering step 3, whichever is later.
- parked: active citizens with no activity on any of the last N days. Activity is a contact, a
  step change (the referral is one), a placement starting or ending, a milestone completed, or
  a timesheet with hours (a week's timesheet counts on its Sunday). Dates ahead count too:
  something planned is not parked.
- three_month_talks: running placements with ordinary hours (agreed ordinary hours above 0 now,
  or the kinds small job, ordinary job and flex job) that started N days ago or more, with no
  three-month-talk contact on or after the placement's start.
- ending_soon: running placements whose planned end is at most N days ahead, including those
  whose planned end has passed without the placement being ended.
- internships_without_hours: running unpaid internships (virksomhedspraktik) that started N
  weeks ago or more and have no ordinary hours agreed (the agreed hours now, after any change,
  are none or 0).
- overdue_milestones: milestones of open job plans not completed and due before today.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import thresholds
from jobbro.accounts.models import Programme
from jobbro.accounts.policy import Capability, may
from jobbro.cases import timesheets
from jobbro.cases.actions import monday_of
from jobbro.cases.models import (
    KINDS_WITHOUT_WEEKLY_HOURS,
    AgreedHoursChange,
    Contact,
    Enrolment,
    Milestone,
    Placement,
    PlacementKind,
    Step,
    StepChange,
    Timesheet,
)
from jobbro.days import today

ORDINARY_HOURS_KINDS = [PlacementKind.SMALL_JOB, PlacementKind.ORDINARY_JOB, PlacementKind.FLEX_JOB]
ONE_DAY = datetime.timedelta(days=1)


def caseload(user):
    """The user's own active enrolments: job broker or mentor on them, and within the user's access."""
    return Enrolment.objects.caseload_of(user).active_on(today())


def caseload_programmes(user):
    """The programmes of the caseload, each with its thresholds: [(programme, Thresholds)], one query."""
    programmes = Programme.objects.filter(pk__in=caseload(user).values("programme_id")).only("pk", "name", "settings")
    return [(programme, thresholds.for_programme(programme)) for programme in programmes.order_by("name")]


def _per_programme(programmes, key, programme_field, condition):
    """A Q that applies `condition(value)` to the rows of the programmes whose threshold `key` is `value`."""
    groups = defaultdict(list)
    for programme, values in programmes:
        groups[values.get(key)].append(programme.pk)
    combined = Q(pk__in=[])
    for value, pks in groups.items():
        # `programme + 0`: the same values, but no index on the programme column may serve it. Otherwise SQLite
        # (without statistics) reads every enrolment of the programme through that index, tens of thousands,
        # rather than the user's few hundred through the job-broker and mentor indexes.
        combined |= Q(In(ExpressionWrapper(F(programme_field) + 0, output_field=IntegerField()), pks)) & condition(
            value
        )
    return combined


def _by_citizen(queryset, prefix):
    return queryset.order_by(f"{prefix}citizen__last_name", f"{prefix}citizen__first_name", "pk")


# --- The lists ---------------------------------------------------------------------------


def start_form_missing(user, on, programmes=None):
    """Active citizens referred without a start form (not receiving active effort until it is filled)."""
    enrolments = caseload(user).filter(started_on__isnull=True).select_related("citizen", "programme")
    return enrolments.order_by("referred_on", "citizen__last_name", "citizen__first_name", "pk")


def missing_timesheets(user, on, programmes=None):
    """Placements with weeks missing their timesheet, up to last ISO week; each with `.missing` (Mondays, oldest
    first). Two queries: the placements that ran in the weeks looked at, and their timesheets in those weeks."""
    monday = monday_of(on) - datetime.timedelta(days=7)
    sunday = monday + datetime.timedelta(days=6)
    first = timesheets.missing_window(monday)
    placements = Placement.objects.running_between(first, sunday).filter(enrolment__in=caseload(user))
    placements = list(
        _by_citizen(
            placements.exclude(kind__in=KINDS_WITHOUT_WEEKLY_HOURS).select_related("enrolment__citizen", "company"),
            "enrolment__",
        )
    )
    sheets = set(
        Timesheet.objects.filter(
            placement__in=[p.pk for p in placements], week_start__gte=first, week_start__lte=monday
        ).values_list("placement_id", "week_start")
    )
    result = []
    for placement in placements:
        placement.missing = timesheets.missing_weeks(placement, monday, sheets, on=on)
        if placement.missing:
            result.append(placement)
    return result


def _last_contact():
    return Subquery(
        Contact.objects.filter(enrolment=OuterRef("pk")).order_by("-occurred_on", "-id").values("occurred_on")[:1]
    )


def no_contact(user, on, programmes):
    """Citizens in step 3 with no contact for N days (counted from entering step 3 if that is later)."""
    in_step_since = Subquery(
        StepChange.objects.filter(enrolment=OuterRef("pk"), step=Step.IN_COMPANY)
        .order_by("-changed_on", "-id")
        .values("changed_on")[:1]
    )

    def condition(days):
        cutoff = on - datetime.timedelta(days=days)
        recent = Contact.objects.filter(enrolment=OuterRef("pk"), occurred_on__gt=cutoff)
        return Q(in_step_since__lte=cutoff) & ~Exists(recent)

    enrolments = (
        caseload(user)
        .filter(current_step=Step.IN_COMPANY)
        .annotate(in_step_since=Coalesce(in_step_since, "referred_on"), last_contact=_last_contact())
    )
    enrolments = enrolments.filter(_per_programme(programmes, thresholds.NO_CONTACT_DAYS, "programme_id", condition))
    return enrolments.select_related("citizen").order_by(
        "last_contact", "citizen__last_name", "citizen__first_name", "pk"
    )


def parked(user, on, programmes):
    """Active citizens with no activity at all for N days."""

    def condition(days):
        cutoff = on - datetime.timedelta(days=days)
        enrolment = OuterRef("pk")
        activity = [
            Contact.objects.filter(enrolment=enrolment, occurred_on__gt=cutoff),
            StepChange.objects.filter(enrolment=enrolment, changed_on__gt=cutoff),
            Placement.objects.filter(enrolment=enrolment).filter(Q(starts_on__gt=cutoff) | Q(ended_on__gt=cutoff)),
            Milestone.objects.filter(plan__enrolment=enrolment, completed_on__gt=cutoff),
            # A week's timesheet counts on its Sunday: week_start + 6 > cutoff.
            Timesheet.objects.filter(
                placement__enrolment=enrolment, week_start__gt=cutoff - datetime.timedelta(days=6)
            ).filter(Q(ordinary_hours__gt=0) | Q(internship_hours__gt=0)),
        ]
        result = Q()
        for rows in activity:
            result &= ~Exists(rows)
        return result

    enrolments = caseload(user).filter(_per_programme(programmes, thresholds.PARKED_DAYS, "programme_id", condition))
    enrolments = enrolments.annotate(last_contact=_last_contact()).select_related("citizen")
    return _by_citizen(enrolments, "")


def _agreed_ordinary_hours_now():
    """The ordinary hours agreed now: the latest change of agreed hours, else the agreement at the start."""
    latest = (
        AgreedHoursChange.objects.filter(placement=OuterRef("pk"))
        .order_by("-from_date", "-id")
        .values("ordinary_hours")[:1]
    )
    return Coalesce(Subquery(latest), "agreed_ordinary_hours")


def three_month_talks(user, on, programmes):
    """Running placements with ordinary hours, N days old, with no three-month talk since they started."""

    def condition(days):
        return Q(starts_on__lte=on - datetime.timedelta(days=days))

    talk = Contact.objects.filter(
        enrolment=OuterRef("enrolment"), kind=Contact.Kind.THREE_MONTH_TALK, occurred_on__gte=OuterRef("starts_on")
    )
    placements = (
        Placement.objects.running_on(on)
        .filter(enrolment__in=caseload(user))
        .annotate(agreed_now=_agreed_ordinary_hours_now())
        .filter(Q(agreed_now__gt=0) | Q(kind__in=ORDINARY_HOURS_KINDS))
        .exclude(Exists(talk))
        .filter(_per_programme(programmes, thresholds.THREE_MONTH_TALK_DAYS, "enrolment__programme_id", condition))
    )
    return placements.select_related("enrolment__citizen", "company").order_by("starts_on", "pk")


def ending_soon(user, on, programmes):
    """Running placements whose planned end is at most N days ahead (or has passed)."""

    def condition(days):
        return Q(planned_end_on__lte=on + datetime.timedelta(days=days))

    placements = Placement.objects.running_or_planned_on(on).filter(
        enrolment__in=caseload(user), planned_end_on__isnull=False
    )
    placements = placements.filter(
        _per_programme(programmes, thresholds.ENDING_SOON_DAYS, "enrolment__programme_id", condition)
    )
    return placements.select_related("enrolment__citizen", "company").order_by("planned_end_on", "pk")


def internships_without_hours(user, on, programmes):
    """Unpaid internships running N weeks or more with no ordinary hours agreed."""

    def condition(weeks):
        return Q(starts_on__lte=on - datetime.timedelta(weeks=weeks))

    placements = (
        Placement.objects.running_on(on)
        .filter(enrolment__in=caseload(user), kind=PlacementKind.INTERNSHIP)
        .annotate(agreed_now=_agreed_ordinary_hours_now())
        .filter(Q(agreed_now__isnull=True) | Q(agreed_now=0))
        .filter(
            _per_programme(programmes, thresholds.INTERNSHIP_WITHOUT_HOURS_WEEKS, "enrolment__programme_id", condition)
        )
    )
    return placements.select_related("enrolment__citizen", "company").order_by("starts_on", "pk")


def overdue_milestones(user, on, programmes=None):
    """Milestones of open job plans, not completed, due before today."""
    milestones = Milestone.objects.filter(
        plan__enrolment__in=caseload(user), plan__closed_on__isnull=True, completed_on__isnull=True, due_on__lt=on
    )
    return milestones.select_related("plan__enrolment__citizen").order_by("due_on", "pk")


# --- The page ----------------------------------------------------------------------------


@dataclass
class Item:
    citizen: object
    text: str
    url: str
    action_url: str | None = None
    action_label: str = ""
    date: datetime.date | None = None
    date_label: str = ""


def _url(names, **kwargs):
    """The first of the URL names that exists (pages other parts of jobbro add), or None."""
    for name in names:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def _citizen_url(citizen):
    return reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})


def _threshold_text(programmes, key):
    """The threshold for a heading: "14", or "14/21" when the caseload's programmes differ."""
    values = sorted({values.get(key) for _programme, values in programmes})
    if not values:
        values = [thresholds.DEFAULTS[key]]
    return "/".join(str(v) for v in values)


def _contact_action(enrolment, kind=None):
    """The page to log a contact for the enrolment (preset to a kind where given), if it exists."""
    url = _url(["contact_log"], citizen_pk=enrolment.citizen_id, enrolment_pk=enrolment.pk)
    return f"{url}?kind={kind}" if url and kind else url


@dataclass(frozen=True)
class Context:
    """What every section of the page is built with."""

    user: object
    on: datetime.date
    programmes: list  # [(programme, Thresholds)] of the caseload

    @property
    def last_monday(self):
        return monday_of(self.on) - datetime.timedelta(days=7)

    def threshold(self, key):
        return _threshold_text(self.programmes, key)


@dataclass(frozen=True)
class Section:
    """One list of the page: its rows (one query), an Item per row, its heading, and a link under the heading."""

    key: str
    rows: Callable  # (user, on, programmes) -> rows
    item: Callable  # (row, Context) -> Item
    title: Callable  # (Context) -> heading
    link: Callable | None = None  # (Context) -> (url, label)

    def build(self, context):
        section = {
            "key": self.key,
            "title": self.title(context),
            "items": [self.item(row, context) for row in self.rows(context.user, context.on, context.programmes)],
        }
        if self.link is not None:
            section["link"] = self.link(context)
        return section


def _placement_text(p):
    return f"{p.company.name} · {p.get_kind_display()}"


def _start_form_missing_item(e, context):
    # The citizen's page has the button "Fill the start form" (cases/includes/enrolment_actions.html).
    url = _citizen_url(e.citizen)
    return Item(
        e.citizen,
        f"{e.programme.name} · {e.get_current_step_display()}",
        url,
        url,
        gettext("Fill the start form"),
        e.referred_on,
        gettext("Referral date"),
    )


def _missing_timesheet_item(p, context):
    citizen = p.enrolment.citizen
    weeks = ", ".join(str(week.isocalendar()[1]) for week in p.missing)
    # The hours page of the latest missing week: it links to the earlier ones.
    latest = p.missing[-1]
    return Item(
        citizen,
        f"{_placement_text(p)} · "
        + ngettext("Week missing: %(weeks)s", "Weeks missing: %(weeks)s", len(p.missing)) % {"weeks": weeks},
        _citizen_url(citizen),
        f"{reverse('week_hours')}?week={timesheets.week_label(latest)}#row-{p.pk}",
        gettext("Register hours"),
    )


def _week_hours_link(context):
    year, week, _weekday = context.last_monday.isocalendar()
    return f"{reverse('week_hours')}?week={year}-W{week:02d}", gettext("Register the week's hours")


def _no_contact_item(e, context):
    return Item(
        e.citizen,
        gettext("In step 3 since %(date)s") % {"date": formats.date_format(e.in_step_since, "SHORT_DATE_FORMAT")},
        _citizen_url(e.citizen),
        _contact_action(e),
        gettext("Log a contact"),
        e.last_contact,
        gettext("Last contact"),
    )


def _parked_item(e, context):
    return Item(
        e.citizen,
        e.get_current_step_display(),
        _citizen_url(e.citizen),
        _contact_action(e),
        gettext("Log a contact"),
        e.last_contact,
        gettext("Last contact"),
    )


def _three_month_talk_item(p, context):
    due = p.starts_on + datetime.timedelta(days=_days_for(context.programmes, p, thresholds.THREE_MONTH_TALK_DAYS))
    return Item(
        p.enrolment.citizen,
        _placement_text(p),
        _citizen_url(p.enrolment.citizen),
        _contact_action(p.enrolment, Contact.Kind.THREE_MONTH_TALK),
        gettext("Log the talk"),
        due,
        gettext("Due"),
    )


def _ending_soon_item(p, context):
    citizen = p.enrolment.citizen
    return Item(
        citizen,
        _placement_text(p),
        _citizen_url(citizen),
        _url(["placement_detail", "placement_end"], citizen_pk=citizen.pk, pk=p.pk),
        gettext("End or change the placement"),
        p.planned_end_on,
        gettext("Planned end passed") if p.planned_end_on < context.on else gettext("Planned end"),
    )


def _internship_without_hours_item(p, context):
    citizen = p.enrolment.citizen
    return Item(
        citizen,
        p.company.name,
        _citizen_url(citizen),
        _url(["placement_hours"], citizen_pk=citizen.pk, pk=p.pk),
        gettext("Agree ordinary hours"),
        p.starts_on,
        gettext("Started"),
    )


def _overdue_milestone_item(m, context):
    citizen = m.plan.enrolment.citizen
    return Item(
        citizen,
        f"{m.plan.title}: {m.title}",
        _citizen_url(citizen),
        _url(["job_plan"], citizen_pk=citizen.pk, enrolment_pk=m.plan.enrolment_id, plan_pk=m.plan_id),
        gettext("Open the plan"),
        m.due_on,
        gettext("Due"),
    )


SECTIONS = (
    Section(
        "start_form_missing", start_form_missing, _start_form_missing_item, lambda c: gettext("Start form not filled")
    ),
    Section(
        "missing_timesheets",
        missing_timesheets,
        _missing_timesheet_item,
        lambda c: gettext("Timesheets missing up to week %(week)s") % {"week": c.last_monday.isocalendar()[1]},
        link=_week_hours_link,
    ),
    Section(
        "no_contact",
        no_contact,
        _no_contact_item,
        lambda c: (
            gettext("In step 3 with no contact for %(days)s days") % {"days": c.threshold(thresholds.NO_CONTACT_DAYS)}
        ),
    ),
    Section(
        "parked",
        parked,
        _parked_item,
        lambda c: gettext("No activity for %(days)s days (parked)") % {"days": c.threshold(thresholds.PARKED_DAYS)},
    ),
    Section(
        "three_month_talks",
        three_month_talks,
        _three_month_talk_item,
        lambda c: (
            gettext("Three-month talks due (%(days)s days with ordinary hours)")
            % {"days": c.threshold(thresholds.THREE_MONTH_TALK_DAYS)}
        ),
    ),
    Section(
        "ending_soon",
        ending_soon,
        _ending_soon_item,
        lambda c: (
            gettext("Placements ending within %(days)s days") % {"days": c.threshold(thresholds.ENDING_SOON_DAYS)}
        ),
    ),
    Section(
        "internships_without_hours",
        internships_without_hours,
        _internship_without_hours_item,
        lambda c: (
            gettext("Internships past %(weeks)s weeks with no ordinary hours agreed")
            % {"weeks": c.threshold(thresholds.INTERNSHIP_WITHOUT_HOURS_WEEKS)}
        ),
    ),
    Section("overdue_milestones", overdue_milestones, _overdue_milestone_item, lambda c: gettext("Milestones overdue")),
)


def sections(user, on=None):
    """The Today page's sections (SECTIONS, in order), each {key, title, items, link?}, one query per list."""
    context = Context(user, on or today(), caseload_programmes(user))
    return context.programmes, [section.build(context) for section in SECTIONS]


def _days_for(programmes, placement, key):
    for programme, values in programmes:
        if programme.pk == placement.enrolment.programme_id:
            return values.get(key)
    return thresholds.DEFAULTS[key]


@login_required
def today_page(request):
    if not may(request.user, Capability.CASE_WORK):
        raise Http404
    on = today()
    programmes, lists = sections(request.user, on)
    return render(
        request,
        "cases/today.html",
        {
            "on": on,
            "sections": lists,
            "total": sum(len(s["items"]) for s in lists),
            "settings": [
                {"programme": programme, "thresholds": thresholds.listing(programme)}
                for programme, _values in programmes
            ],
            "empty_text": _("Nothing to do"),
        },
    )
