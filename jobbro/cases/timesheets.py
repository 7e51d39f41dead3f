"""The hours page: a week of hours for the whole caseload in under a minute.

One row per placement of the user's caseload that runs in the ISO week. Each row is its
own small form: with JavaScript, Enter posts the row (HTMX) and the row comes back
re-rendered with "Saved" or the error next to the field; without JavaScript the same form
posts the page and lands back on the week. Every save goes through actions.register_hours.

The page makes a fixed number of queries whatever the number of rows: the placements
(with citizen, company and programme joined), then every timesheet those placements have
in the window the page shows (the missing weeks behind, the month of the week).
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jobbro.accounts import thresholds
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import logs_citizen_read
from jobbro.cases import actions, rules, wages
from jobbro.cases.actions import monday_of
from jobbro.cases.models import KINDS_WITHOUT_WEEKLY_HOURS, Enrolment, Placement, PlacementKind, Timesheet
from jobbro.days import today
from jobbro.formtools import DesignSystemForm, run_action
from jobbro.people.access import access_citizen

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{1,2})$")
# How far back a row looks for weeks with no timesheet.
MISSING_WEEKS_BACK = 8
ONE_WEEK = datetime.timedelta(days=7)


# --- Weeks ------------------------------------------------------------------------------


def parse_week(text):
    """The Monday of an ISO week written "2026-W47", or None if the text is not such a week."""
    match = WEEK_PATTERN.match((text or "").strip())
    if not match:
        return None
    try:
        return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def week_label(monday):
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def default_week(on=None):
    """Brokers register the week just gone: the Monday of last ISO week."""
    return monday_of(on or today()) - ONE_WEEK


def month_bounds(monday):
    """The calendar month of a week, by its Monday: (first day, last day)."""
    first = monday.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def hours_text(value):
    """Hours as a person types them: 7,5 in Danish, and 10 rather than 10,0."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return formats.number_format(int(value))
    return formats.number_format(value, decimal_pos=1)


# --- The form ----------------------------------------------------------------------------


class HoursForm(DesignSystemForm):
    """One row: the week's ordinary paid hours and internship hours, as typed ("7,5" or "7.5").

    The week's rule is cases/rules.py's, the same the action, the other forms and the import apply: each
    0-60 with at most one decimal, digits 0-9 only, together at most 60. The cleaned values stay the text
    as typed (empty is "0"); the action parses them again with the same rule.
    """

    ordinary_hours = forms.CharField(label=_("Ordinary paid hours"), required=False, max_length=12)
    internship_hours = forms.CharField(label=_("Internship hours"), required=False, max_length=12)
    # Only wage-subsidy rows show it; absent from the post, the week's subsidised hours stay as they were.
    subsidised_hours = forms.CharField(label=_("Subsidised hours"), required=False, max_length=12)

    def clean(self):
        data = super().clean()
        ordinary = (data.get("ordinary_hours") or "").strip()
        internship = (data.get("internship_hours") or "").strip()
        if "ordinary_hours" in self.errors or "internship_hours" in self.errors:
            return data
        if not ordinary and not internship:
            self.add_error("ordinary_hours", gettext("Write the hours for the week (0 if none)."))
            return data
        for name, refusals in rules.week_hours_errors(ordinary, internship).items():
            for refusal in refusals:
                self.add_error(name, refusal)
        subsidised = (data.get("subsidised_hours") or "").strip()
        data["subsidised_hours"] = None
        if subsidised and "subsidised_hours" not in self.errors:
            try:
                data["subsidised_hours"] = rules.clean_subsidised_hours(subsidised)
            except ValidationError as error:
                for refusal in error.message_dict["subsidised_hours"]:
                    self.add_error("subsidised_hours", refusal)
        data["ordinary_hours"] = ordinary or "0"
        data["internship_hours"] = internship or "0"
        return data


# --- The rows ----------------------------------------------------------------------------


@dataclass
class Row:
    placement: Placement
    monday: datetime.date
    form: HoursForm
    status: str  # "registered", "open", "saved" or "error"
    this_week: Timesheet | None = None
    previous_week: Timesheet | None = None
    month_ordinary: Decimal = Decimal(0)
    month_threshold: int = thresholds.DEFAULTS[thresholds.SMALL_JOB_MONTHLY_HOURS]
    missing: list = field(default_factory=list)
    month_gross_pay: Decimal | None = None  # cases/wages.py: ordinary hours × the wage in force, week by week

    @property
    def has_subsidised_hours(self):
        return self.placement.kind == PlacementKind.WAGE_SUBSIDY or bool(
            self.this_week and self.this_week.subsidised_hours
        )

    @property
    def citizen(self):
        return self.placement.enrolment.citizen

    @property
    def meets_small_job_threshold(self):
        return self.month_ordinary >= self.month_threshold

    @property
    def url(self):
        return reverse(
            "week_hours_row",
            kwargs={"week": week_label(self.monday), "citizen_pk": self.citizen.pk, "placement_pk": self.placement.pk},
        )

    @property
    def missing_weeks(self):
        return [{"label": week_label(monday), "number": monday.isocalendar()[1]} for monday in self.missing]


def caseload_enrolments(user, monday):
    """The user's own caseload (job broker or mentor on it) as it stood in the week, within the user's access."""
    sunday = monday + datetime.timedelta(days=6)
    return Enrolment.objects.caseload_of(user).active_between(monday, sunday)


def week_placements(user, monday):
    """The placements of the caseload that run at some point in the week (Monday to Sunday)."""
    sunday = monday + datetime.timedelta(days=6)
    return (
        Placement.objects.running_between(monday, sunday)
        .filter(enrolment__in=caseload_enrolments(user, monday))
        .exclude(kind__in=KINDS_WITHOUT_WEEKLY_HOURS)
        .select_related("enrolment__citizen", "enrolment__programme", "company")
        .order_by("enrolment__citizen__last_name", "enrolment__citizen__first_name", "starts_on", "pk")
    )


def _form_for(placement, sheet):
    initial = {}
    if sheet is not None:
        initial = {
            "ordinary_hours": hours_text(sheet.ordinary_hours),
            "internship_hours": hours_text(sheet.internship_hours),
            "subsidised_hours": hours_text(sheet.subsidised_hours),
        }
    return HoursForm(initial=initial, prefix=f"p{placement.pk}")


def week_rows(user, monday, *, citizen=None, placement_pk=None):
    """The rows of the week, in two queries whatever their number."""
    placements = week_placements(user, monday)
    if citizen is not None:
        placements = placements.filter(enrolment__citizen=citizen, pk=placement_pk)
    placements = list(placements)
    if not placements:
        return []
    # The month of a week is the calendar month its Monday lies in: the month's ordinary hours are the
    # sum over the weeks whose Monday falls in that month. Simple, and every week counts in exactly one month.
    month_first, month_last = month_bounds(monday)
    window_start = min(missing_window(monday), month_first)
    window_end = max(monday, month_last)
    sheets = {
        (sheet.placement_id, sheet.week_start): sheet
        for sheet in wages.with_pay(
            Timesheet.objects.filter(
                placement__in=[p.pk for p in placements], week_start__gte=window_start, week_start__lte=window_end
            ).only("placement_id", "week_start", "ordinary_hours", "internship_hours", "subsidised_hours")
        )
    }
    per_programme = {}
    rows = []
    for placement in placements:
        programme = placement.enrolment.programme
        if programme.pk not in per_programme:
            per_programme[programme.pk] = thresholds.for_programme(programme).small_job_monthly_hours
        this_week = sheets.get((placement.pk, monday))
        month_sheets = [
            s for (pk, week), s in sheets.items() if pk == placement.pk and month_first <= week <= month_last
        ]
        rows.append(
            Row(
                placement=placement,
                monday=monday,
                form=_form_for(placement, this_week),
                status="registered" if this_week else "open",
                this_week=this_week,
                previous_week=sheets.get((placement.pk, monday - ONE_WEEK)),
                month_ordinary=sum((s.ordinary_hours for s in month_sheets), Decimal(0)),
                # The weeks' gross pay is the database's (wages.with_pay); the month adds up the weeks shown.
                month_gross_pay=sum((s.gross_pay or Decimal(0) for s in month_sheets), Decimal(0)),
                month_threshold=per_programme[programme.pk],
                missing=[week for week in missing_weeks(placement, monday, sheets) if week < monday],
            )
        )
    return rows


def missing_weeks(placement, monday, sheets, *, on=None):
    """The weeks without a timesheet, the one definition the hours page and Today share.

    The weeks are the week of `monday` and up to MISSING_WEEKS_BACK weeks before it, each counted only if the
    placement ran on a day of it (PlacementQuerySet.running_between: started by its Sunday, its end date, the first
    day it no longer runs, after its Monday and after its start) and the week has ended; a week is missing when `sheets` has no timesheet for (placement pk, Monday). Oldest first."""
    on = on or today()
    first = max(monday_of(placement.starts_on), monday - MISSING_WEEKS_BACK * ONE_WEEK)
    missing = []
    week = first
    while week <= monday and rules.week_has_ended(week, on):
        ran = placement.ended_on is None or placement.ended_on > max(week, placement.starts_on)
        if ran and (placement.pk, week) not in sheets:
            missing.append(week)
        week += ONE_WEEK
    return missing


def missing_window(monday):
    """The first Monday missing_weeks looks at for the week of `monday`."""
    return monday - MISSING_WEEKS_BACK * ONE_WEEK


# --- Views -------------------------------------------------------------------------------


def _week_context(monday, rows):
    first, _last = month_bounds(monday)
    sunday = monday + datetime.timedelta(days=6)
    next_monday = monday + ONE_WEEK
    # The cursor starts in the first row with an error, else the first row not yet registered.
    first_open = next((row for row in rows if row.status == "error"), None) or next(
        (row for row in rows if row.status == "open"), rows[0] if rows else None
    )
    return {
        "rows": rows,
        "monday": monday,
        "sunday": sunday,
        "week_label": week_label(monday),
        "week_number": monday.isocalendar()[1],
        "week_year": monday.isocalendar()[0],
        "previous_week_label": week_label(monday - ONE_WEEK),
        "previous_week_number": (monday - ONE_WEEK).isocalendar()[1],
        "next_week_label": week_label(next_monday) if next_monday <= default_week() else None,
        "next_week_number": next_monday.isocalendar()[1],
        "is_default_week": monday == default_week(),
        "current_week_label": week_label(default_week()),
        "month": first,
        "month_thresholds": sorted({row.month_threshold for row in rows})
        or [thresholds.DEFAULTS[thresholds.SMALL_JOB_MONTHLY_HOURS]],
        "autofocus_pk": first_open.placement.pk if first_open else None,
        "missing_count": sum(1 for row in rows if row.missing),
        "error_count": sum(1 for row in rows if row.status == "error"),
    }


def _require_case_work(user):
    if not may(user, Capability.WRITE_HOURS):
        raise Http404


def _shown_week(text):
    """The week asked for, never later than last week (hours are registered for weeks that have ended); last week
    if none (or a malformed one) is asked for."""
    monday = parse_week(text) or default_week()
    return min(monday, default_week())


@login_required
def week_hours(request):
    _require_case_work(request.user)
    monday = _shown_week(request.GET.get("week"))
    rows = week_rows(request.user, monday)
    return render(request, "cases/week/hours.html", _week_context(monday, rows))


def _render_row(request, monday, row):
    # A row swapped into a page that is already being typed in never takes the focus.
    context = {**_week_context(monday, [row]), "row": row, "autofocus_pk": None}
    return render(request, "cases/week/hours.html#row", context)


@login_required
@require_POST
@logs_citizen_read
def week_hours_row(request, week, citizen_pk, placement_pk):
    """Save one row: answer HTMX with the row re-rendered, a plain post with a redirect back to the week."""
    user = request.user
    _require_case_work(user)
    monday = parse_week(week)
    if monday is None or monday > monday_of(today()):
        raise Http404
    citizen = access_citizen(user, citizen_pk)
    rows = week_rows(user, monday, citizen=citizen, placement_pk=placement_pk)
    if not rows:
        raise Http404
    row = rows[0]
    form = HoursForm(request.POST, prefix=f"p{placement_pk}")
    sheet = None
    if form.is_valid():
        # The page's rules beyond the hours: a week that has ended, internship hours only with an internship part.
        for name, refusals in rules.timesheet_errors(
            row.placement, monday, form.cleaned_data["internship_hours"], today=today()
        ).items():
            for refusal in refusals:
                form.add_error(name if name in form.fields else None, refusal)
    if form.is_valid():
        sheet = run_action(
            form,
            actions.register_hours,
            acting_user=user,
            placement=row.placement,
            week_start=monday,
            ordinary_hours=form.cleaned_data["ordinary_hours"],
            internship_hours=form.cleaned_data["internship_hours"],
            subsidised_hours=form.cleaned_data["subsidised_hours"],
        )
    is_htmx = request.headers.get("HX-Request") == "true"
    if sheet is not None:
        if not is_htmx:
            messages.success(
                request,
                gettext("Hours saved for %(name)s, week %(week)s.")
                % {"name": row.citizen.full_name, "week": monday.isocalendar()[1]},
            )
            return redirect(f"{reverse('week_hours')}?week={week_label(monday)}#row-{placement_pk}")
        row = week_rows(user, monday, citizen=citizen, placement_pk=placement_pk)[0]
        row.status = "saved"
        return _render_row(request, monday, row)
    row.form = form
    row.status = "error"
    if is_htmx:
        return _render_row(request, monday, row)
    # Without JavaScript: the whole week again, this row with its errors and the typed values.
    all_rows = [row if r.placement.pk == row.placement.pk else r for r in week_rows(user, monday)]
    return render(request, "cases/week/hours.html", _week_context(monday, all_rows))
