"""The funder's participant forms, "Deltagerskemaer": the page, its xlsx and CSV exports (docs/funders.md).

One row per participant of a programme in a period (cases/funders.py): the answers of the start form and the end
form the funder asks for, the age group computed from the birth date, the legal bases of the placements. A
participant is named by a number only: no name, CPR number, birth date or anything typed about the citizen is in the
files. The page lists the participants whose answers are missing, by name, to staff who may see the citizen.
Who may: Capability.EXPORT_FUNDER_FORMS, for the programmes and sites of their memberships.
"""

import csv
import datetime
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from jobbro import filenames
from jobbro.accounts import access
from jobbro.accounts.models import Programme, Site
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_reads
from jobbro.cases import funders
from jobbro.cases.forms import plausible_date
from jobbro.days import today
from jobbro.formtools import DesignSystemForm
from jobbro.spreadsheets import append_row, safe_cell, styled_cell

EXPORT_VIEW = "funder_forms_export"
LISTED = 50  # participants with missing answers named on the page


def _require(user):
    if not may(user, Capability.EXPORT_FUNDER_FORMS):
        raise Http404


class PeriodForm(DesignSystemForm):
    """The programme (and site), and the period the funder's report covers."""

    programme = forms.ModelChoiceField(label=gettext_lazy("Programme"), queryset=None, empty_label=None)
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"), queryset=None, required=False, empty_label=gettext_lazy("All sites")
    )
    first = forms.DateField(label=gettext_lazy("From"), validators=[plausible_date])
    last = forms.DateField(label=gettext_lazy("To"), validators=[plausible_date])

    def __init__(self, user, data):
        self.sites = access.visible_sites(user).select_related("programme")
        first, last = funders.default_period(today())
        initial = {"first": first, "last": last}
        programmes = Programme.objects.filter(pk__in=self.sites.values("programme_id")).order_by("name")
        if programmes:
            initial["programme"] = programmes[0]
        super().__init__(data if "programme" in data else None, initial=initial)
        self.fields["programme"].queryset = programmes
        self.fields["site"].queryset = Site.objects.filter(pk__in=self.sites.values("pk")).order_by("name")
        self.fields["site"].label_from_instance = lambda site: f"{site.programme.name} – {site.name}"

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", _("The end of the period cannot be before its start."))
        site, programme = data.get("site"), data.get("programme")
        if site and programme and site.programme_id != programme.pk:
            self.add_error("site", _("The site must belong to the programme."))
        return data

    def chosen(self):
        """(programme, the sites counted, first, last) of a valid form, else of the initial choice, or None."""
        if self.is_bound:
            if not self.is_valid():
                return None
            data = self.cleaned_data
        else:
            data = self.initial
            if "programme" not in data:
                return None
        programme = data["programme"]
        sites = self.sites.filter(programme=programme)
        if data.get("site"):
            sites = sites.filter(pk=data["site"].pk)
        return programme, sites, data["first"], data["last"]


def _query(programme, sites_chosen, first, last):
    params = {"programme": programme.pk, "first": first.isoformat(), "last": last.isoformat()}
    if sites_chosen is not None:
        params["site"] = sites_chosen.pk
    return "?" + urlencode(params)


@login_required
def funder_forms(request):
    _require(request.user)
    form = PeriodForm(request.user, request.GET)
    context = {"form": form, "title": _("Participant forms for the funder")}
    chosen = form.chosen()
    if chosen is not None:
        programme, sites, first, last = chosen
        enrolments = funders.participants(programme, first, last, sites)
        incomplete = funders.incomplete(enrolments, last).order_by("pk")
        listed = []
        if may(request.user, Capability.READ_CITIZEN):
            listed = list(
                access.scope_enrolments(incomplete, request.user).select_related("citizen", "participant_form")[:LISTED]
            )
            log_reads(
                user=request.user, citizen_pks=[e.citizen_id for e in listed], view="funder_forms", status_code=200
            )
        site = form.cleaned_data.get("site") if form.is_bound else None
        context.update(
            {
                "programme": programme,
                "first": first,
                "last": last,
                "participants": enrolments.count(),
                "incomplete_count": incomplete.count(),
                "incomplete": [
                    {"enrolment": e, "number": funders.participant_number(e.pk), "missing": _missing_as_of(e, last)}
                    for e in listed
                ],
                "query": _query(programme, site, first, last),
                "columns": funders.COLUMNS,
            }
        )
    return render(request, "cases/funder_forms.html", context)


def _missing_as_of(enrolment, last):
    form = getattr(enrolment, "participant_form", None)
    shown = enrolment if enrolment.ended_on and enrolment.ended_on <= last else funders._without_end(enrolment)
    return funders.missing_answers(shown, form)


# --- The exports ---------------------------------------------------------------------------------------------------


def _export_request(request):
    """(programme, first, last, rows) of the programme and period asked for (or the page's first choice), or None
    when the choice is refused: the page then shows why."""
    _require(request.user)
    form = PeriodForm(request.user, request.GET)
    chosen = form.chosen()
    if chosen is None:
        return None
    programme, sites, first, last = chosen
    enrolments = funders.participants(programme, first, last, sites)
    rows = funders.rows(enrolments, last)
    # No name is in the files, but each row is a citizen's: the reads are logged as the other lists' are.
    log_reads(
        user=request.user,
        citizen_pks=list(enrolments.values_list("citizen_id", flat=True)),
        view=EXPORT_VIEW,
        status_code=200,
    )
    return programme, first, last, rows


def file_name(programme, last, extension):
    """deltagerskemaer-<programme>-<date>.xlsx (in Danish), the date the period's last day."""
    return filenames.file_name(f"{_('Participant forms')} {programme.name}", extension, last)


def _period_label(first, last):
    return f"{formats.date_format(first, 'SHORT_DATE_FORMAT')} – {formats.date_format(last, 'SHORT_DATE_FORMAT')}"


@login_required
@never_cache
def funder_forms_xlsx(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    exported = _export_request(request)
    if exported is None:
        return redirect(reverse("funder_forms") + "?" + request.GET.urlencode())
    programme, first, last, rows = exported
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Participant forms")[:31])
    title = f"{_('Participant forms')} – {programme.name} – {_period_label(first, last)}"
    append_row(sheet, [styled_cell(sheet, title, font=Font(bold=True, size=13))])
    append_row(sheet, [styled_cell(sheet, str(c.title), font=Font(bold=True)) for c in funders.COLUMNS])
    for row in rows:
        cells = []
        for column in funders.COLUMNS:
            value = row[column.key]
            if isinstance(value, datetime.date):
                cells.append(styled_cell(sheet, value, number_format="DD.MM.YYYY"))
            else:
                cells.append(value)
        append_row(sheet, cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return filenames.download(
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_name(programme, last, "xlsx"),
    )


def csv_value(value):
    """A date as Danish spreadsheet programs read it from a semicolon-separated file; text neutralised."""
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    return safe_cell(value)


@login_required
@never_cache
def funder_forms_csv(request):
    exported = _export_request(request)
    if exported is None:
        return redirect(reverse("funder_forms") + "?" + request.GET.urlencode())
    programme, _first, last, rows = exported
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(str(c.title)) for c in funders.COLUMNS])
    for row in rows:
        writer.writerow([csv_value(row[c.key]) for c in funders.COLUMNS])
    # With a byte-order mark, so Excel opens the Danish letters as UTF-8.
    return filenames.download(
        ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", file_name(programme, last, "csv")
    )


__all__ = ["funder_forms", "funder_forms_csv", "funder_forms_xlsx"]
